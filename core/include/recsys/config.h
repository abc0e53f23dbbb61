/*
 * The host configuration (configs/default.yaml): data paths, prepare
 * thresholds, plugin search path, plugin instances, and opaque sections
 * (server, refresh, experiments, ...) that their modules read themselves,
 * each through its own field table (recsys/config_fields.h).
 *
 * Relative paths in the file are resolved against the directory that holds
 * the config file. RECSYS_DATA_DIR and RECSYS_WORK_DIR override data.dir and
 * work_dir; RECSYS_PLUGIN_PATH (colon-separated) is searched before
 * plugins.path.
 */
#ifndef RECSYS_CONFIG_H
#define RECSYS_CONFIG_H

#include "recsys/config_fields.h"
#include "recsys/plugin.h"
#include "recsys/yamldoc.h"

typedef struct rs_instance_config {
    const char *name;
    const char *plugin;
    const rs_yaml_node *params; /* MAP or NULL */
    const rs_yaml_node *node;   /* the instance entry, for error locations */
} rs_instance_config;

typedef struct rs_config {
    char *path;      /* the config file */
    char *data_dir;  /* absolute MovieLens directory */
    char *text_file; /* absolute movieId,text CSV or NULL */
    char *work_dir;  /* absolute; prepared data and models/<instance>/ */
    int cf_min_item_ratings;
    int cf_min_user_ratings;
    int threads;        /* 0 = all cores */
    char **plugin_path; /* absolute directories, searched in order */
    size_t n_plugin_path;
    rs_instance_config *instances;
    size_t n_instances;
    rs_yaml_node *root; /* whole document; sections below point into it */
    /* The dataset section (recsys/dataset_formats.h); format 0 = MovieLens
     * from data.dir. Paths absolute; test/validation NULL when absent. */
    int dataset_format;
    char *train_file, *test_file, *validation_file;
    char csv_delimiter;
    const char *col_user, *col_item, *col_rating, *col_time; /* rating/time may be NULL */
    /* The serving roles (rs_config_role); names of configured instances,
     * borrowed from `root`, NULL when the role is unset. */
    const char *roles[3];
} rs_config;

/* The roles instances play for the host (the `serving:` section). The host
 * code names no plugin: whichever instance the config names takes the role,
 * so a third party's plugin can take any of them. */
typedef enum rs_serving_role {
    RS_ROLE_DEFAULT_SOURCE = 0, /* serving.default_source: answers when a
                                   request names no source; default: the
                                   first instance */
    RS_ROLE_COLD_START = 1,     /* serving.cold_start: answers users with no
                                   ratings; default: none (the requested
                                   source answers them itself) */
    RS_ROLE_SIMILAR_SOURCE = 2  /* serving.similar_source: answers "similar
                                   movies" when none is named; default: none
                                   (the server takes the first instance able
                                   to answer similar) */
} rs_serving_role;

rs_status rs_config_load(const char *path, rs_config **out, rs_error *err);
void rs_config_free(rs_config *cfg);

/* A top-level section such as "server", or NULL when absent. */
const rs_yaml_node *rs_config_section(const rs_config *cfg, const char *name);

/* Resolve `path` against the config file's directory; caller frees. */
char *rs_config_resolve(const rs_config *cfg, const char *path);

const rs_instance_config *rs_config_instance(const rs_config *cfg, const char *name);

/* The instance configured for `role`, or NULL when unset (the default the
 * role documents above applies; RS_ROLE_DEFAULT_SOURCE is never NULL). The
 * name was checked at load to be a configured instance; whether that
 * instance can play the role (recommend, similar) only the engine knows. */
const char *rs_config_role(const rs_config *cfg, rs_serving_role role);

/* The field table core reads `section` with (NULL: the top level; "data",
 * "prepare", "dataset", "dataset.columns", "serving"), or NULL with *n = 0
 * for a section core does not own. Static; for docs and tests. The
 * modules that own the other sections export theirs (server.h,
 * reco_cache.h, retrain.h, swap_gate.h). */
const rs_config_field *rs_config_host_fields(const char *section, size_t *n);

/* The key of a role, "serving.cold_start", for messages. */
const char *rs_config_role_key(rs_serving_role role);

#endif /* RECSYS_CONFIG_H */
