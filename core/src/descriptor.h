/*
 * Internal: plugin descriptors (plugins/<name>/plugin.yaml) and validated
 * instance params. A descriptor is read and checked before its shared
 * object is opened, so a broken plugin cannot crash discovery.
 */
#ifndef RS_DESCRIPTOR_H
#define RS_DESCRIPTOR_H

#include "recsys/plugin.h"
#include "recsys/yamldoc.h"

typedef enum rs_param_type {
    RS_PARAM_INT,
    RS_PARAM_FLOAT,
    RS_PARAM_BOOL,
    RS_PARAM_STRING,
    RS_PARAM_ENUM,
    RS_PARAM_INSTANCE /* the name of another configured instance, or "" for
                         none: the engine prepares it first (dependency
                         order) and refuses a missing one or a cycle */
} rs_param_type;

typedef struct rs_param_value {
    int64_t i;
    double f;
    int b;
    const char *s; /* STRING / ENUM / INSTANCE; points into a yaml tree */
} rs_param_value;

typedef struct rs_param_spec {
    const char *key;
    rs_param_type type;
    int has_min, has_max;
    double min, max;
    const rs_yaml_node *values; /* ENUM: SEQ of allowed strings */
    rs_param_value def;
    const char *doc;
} rs_param_spec;

typedef struct rs_descriptor {
    char *path; /* .../plugin.yaml */
    char *dir;  /* its directory: the only place the library is loaded from */
    const char *name, *library, *version, *description;
    int abi_major, abi_minor;
    /* RS_CAP_* from the optional `capabilities` list, so `recsys plugins`
     * can describe the plugin without loading it; the loader refuses an
     * entry whose capabilities differ. has_caps = 0 when absent. */
    int has_caps;
    uint32_t caps;
    rs_param_spec *params;
    size_t n_params;
    rs_yaml_node *root;
} rs_descriptor;

rs_status rs_descriptor_load(const char *path, rs_descriptor **out, rs_error *err);
void rs_descriptor_free(rs_descriptor *d);

/* Find <dir>/<plugin>/plugin.yaml along the search path. */
rs_status rs_descriptor_find(char *const *path, size_t n_path, const char *plugin,
                             rs_descriptor **out, rs_error *err);

const char *rs_param_type_name(rs_param_type t);

/* "fit,persist,..." for RS_CAP_* bits, into buf[size]. */
void rs_caps_string(uint32_t caps, char *buf, size_t size);

/* Instance params after validation: one value per schema key. */
struct rs_params {
    const rs_descriptor *desc;
    rs_param_value *values; /* [desc->n_params] */
};

/* Validate an instance's params map against the schema: unknown key, wrong
 * type, out-of-range value or enum, each reported as file:line:column. */
rs_status rs_params_build(const rs_descriptor *d, const rs_yaml_node *params, const char *instance,
                          rs_params **out, rs_error *err);
void rs_params_free(rs_params *p);
const rs_param_spec *rs_params_lookup(const rs_params *p, const char *key,
                                      const rs_param_value **value);

#endif
