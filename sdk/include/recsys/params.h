/*
 * Header-only params reader for plugins (part of the SDK, beside topk.h).
 *
 * A plugin declares its params once, as a table of (key, type, default,
 * offset into its config struct), and reads them all with one call in
 * create():
 *
 *     typedef struct my_cfg { int epochs; double lr; const char *mode; } my_cfg;
 *     static const rs_param_field my_params[] = {
 *         RS_PARAM_FIELD_INT(my_cfg, epochs, "epochs", 30),
 *         RS_PARAM_FIELD_DOUBLE(my_cfg, lr, "lr", 0.01),
 *         RS_PARAM_FIELD_STRING(my_cfg, mode, "mode", "count"),
 *     };
 *     my_cfg cfg;
 *     st = rs_params_read(host, my_params, RS_PARAMS_COUNT(my_params), &cfg, err);
 *
 * Why no checks here: the host validates every param against plugin.yaml
 * (type, min/max, enum values, instance names) before create() and applies
 * plugin.yaml's defaults, so a plugin re-checking them only grows a second
 * copy that drifts. plugin.yaml is the one source of truth: the table's
 * default is used only by a host that does not know the key (one without
 * the plugin's descriptor, such as a unit test on the SDK test host), so
 * keep it equal to plugin.yaml's.
 */
#ifndef RECSYS_PARAMS_H
#define RECSYS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef enum rs_param_kind {
    RS_PARAM_KIND_INT,    /* int */
    RS_PARAM_KIND_INT64,  /* int64_t */
    RS_PARAM_KIND_SIZE,   /* size_t (give the schema a min of 0) */
    RS_PARAM_KIND_DOUBLE, /* double (an int param reads as one too) */
    RS_PARAM_KIND_FLOAT,  /* float */
    RS_PARAM_KIND_BOOL,   /* int, 0 or 1 */
    RS_PARAM_KIND_STRING  /* const char *: string, enum and instance params;
                             valid until destroy() */
} rs_param_kind;

typedef struct rs_param_field {
    const char *key;
    rs_param_kind kind;
    size_t offset;       /* of the member in the plugin's config struct */
    double def;          /* numeric and bool kinds */
    const char *def_str; /* RS_PARAM_KIND_STRING */
} rs_param_field;

#define RS_PARAM_FIELD_(type, member, key, kind, def, def_str)  \
    {                                                           \
        (key), (kind), offsetof(type, member), (def), (def_str) \
    }
#define RS_PARAM_FIELD_INT(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_INT, def, NULL)
#define RS_PARAM_FIELD_INT64(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_INT64, def, NULL)
#define RS_PARAM_FIELD_SIZE(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_SIZE, def, NULL)
#define RS_PARAM_FIELD_DOUBLE(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_DOUBLE, def, NULL)
#define RS_PARAM_FIELD_FLOAT(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_FLOAT, def, NULL)
#define RS_PARAM_FIELD_BOOL(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_BOOL, def, NULL)
#define RS_PARAM_FIELD_STRING(type, member, key, def) \
    RS_PARAM_FIELD_(type, member, key, RS_PARAM_KIND_STRING, 0, def)

#define RS_PARAMS_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Store the number x into the member a field describes. */
static inline void rs_param__store_num(const rs_param_field *f, void *cfg, double x)
{
    char *p = (char *)cfg + f->offset;
    switch (f->kind) {
    case RS_PARAM_KIND_INT: *(int *)(void *)p = (int)x; break;
    case RS_PARAM_KIND_INT64: *(int64_t *)(void *)p = (int64_t)x; break;
    case RS_PARAM_KIND_SIZE: *(size_t *)(void *)p = x > 0 ? (size_t)x : 0; break;
    case RS_PARAM_KIND_DOUBLE: *(double *)(void *)p = x; break;
    case RS_PARAM_KIND_FLOAT: *(float *)(void *)p = (float)x; break;
    case RS_PARAM_KIND_BOOL: *(int *)(void *)p = x != 0; break;
    case RS_PARAM_KIND_STRING: break;
    }
}

/* Read one field from the host into cfg (its default first). */
static inline rs_status rs_param_read_one(const rs_host *host, const rs_param_field *f, void *cfg)
{
    rs_status st;
    if (f->kind == RS_PARAM_KIND_STRING) {
        const char **dst = (const char **)(void *)((char *)cfg + f->offset);
        *dst = f->def_str;
        st = host->param_string(host, f->key, dst);
        if (st != RS_OK)
            *dst = f->def_str;
        return st;
    }
    rs_param__store_num(f, cfg, f->def);
    if (f->kind == RS_PARAM_KIND_BOOL) {
        int b = 0;
        if ((st = host->param_bool(host, f->key, &b)) == RS_OK)
            rs_param__store_num(f, cfg, b);
        return st;
    }
    if (f->kind == RS_PARAM_KIND_DOUBLE || f->kind == RS_PARAM_KIND_FLOAT) {
        double x = 0;
        if ((st = host->param_float(host, f->key, &x)) == RS_OK)
            rs_param__store_num(f, cfg, x);
        return st;
    }
    int64_t i = 0;
    if ((st = host->param_int(host, f->key, &i)) == RS_OK) {
        char *p = (char *)cfg + f->offset;
        /* Not through a double: int64 params (seeds) exceed 2^53. */
        if (f->kind == RS_PARAM_KIND_INT64)
            *(int64_t *)(void *)p = i;
        else if (f->kind == RS_PARAM_KIND_SIZE)
            *(size_t *)(void *)p = i > 0 ? (size_t)i : 0;
        else
            *(int *)(void *)p = (int)i;
    }
    return st;
}

/*
 * Read every field of table[n] into cfg. A key the host does not know
 * (RS_ERR_NOT_FOUND: a host without this plugin's descriptor) keeps the
 * table's default; a type mismatch between the table and plugin.yaml (a
 * plugin bug) fails with RS_ERR_CONFIG naming the instance and the key.
 */
static inline rs_status rs_params_read(const rs_host *host, const rs_param_field *table, size_t n,
                                       void *cfg, rs_error *err)
{
    for (size_t i = 0; i < n; i++) {
        rs_status st = rs_param_read_one(host, &table[i], cfg);
        if (st != RS_OK && st != RS_ERR_NOT_FOUND)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "instance '%s': param '%s' does not have the type "
                                "the plugin reads it as (plugin.yaml and the "
                                "plugin's param table disagree)",
                                host->instance_name ? host->instance_name(host) : "?",
                                table[i].key);
    }
    return RS_OK;
}

#endif /* RECSYS_PARAMS_H */
