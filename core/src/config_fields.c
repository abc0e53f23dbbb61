/* The declarative section reader; see recsys/config_fields.h. */
#include "recsys/config_fields.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The table's keys and other_keys, as rs_yaml_check_keys wants them, so
 * unknown keys read exactly as everywhere else. */
static rs_status check_keys(const rs_yaml_node *map, const char *section,
                            const rs_config_field *table, size_t n, const char *const *other_keys,
                            rs_error *err)
{
    const char *keys[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 63; i++)
        keys[k++] = table[i].key;
    for (const char *const *o = other_keys; o && *o && k < 63; o++)
        keys[k++] = *o;
    keys[k] = NULL;
    return rs_yaml_check_keys(map, section ? section : "the configuration", keys, err);
}

static rs_status out_of_range(const rs_yaml_node *n, const char *what, const rs_config_field *f,
                              rs_error *err)
{
    char where[300];
    if (f->type == RS_FIELD_FLOAT)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = %s is out of range %c%g, %g%c",
                            rs_yaml_where(n, where, sizeof where), what, n->scalar,
                            f->lo_open ? '(' : '[', f->lo, f->hi, f->hi_open ? ')' : ']');
    return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = %s is out of range [%lld, %lld]",
                        rs_yaml_where(n, where, sizeof where), what, n->scalar, (long long)f->lo,
                        (long long)f->hi);
}

static rs_status not_one_of(const rs_yaml_node *n, const char *what, const char *got,
                            const char *const *values, rs_error *err)
{
    char where[300], list[256] = "";
    size_t used = 0;
    for (const char *const *v = values; *v; v++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", v == values ? "" : ", ", *v);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = '%s' is not one of: %s",
                        rs_yaml_where(n, where, sizeof where), what, got, list);
}

static rs_status read_field(const rs_yaml_node *n, const char *what, const rs_config_field *f,
                            char *dst, rs_error *err)
{
    rs_status st;
    int64_t i;
    double x;
    const char *s;
    switch (f->type) {
    case RS_FIELD_INT:
    case RS_FIELD_INT64:
        if ((st = rs_yaml_int(n, what, &i, err)) != RS_OK)
            return st;
        /* compared as integers: a double cannot hold INT64_MAX exactly */
        if (i < (int64_t)f->lo || (f->hi < 9.2e18 && i > (int64_t)f->hi))
            return out_of_range(n, what, f, err);
        if (f->type == RS_FIELD_INT)
            *(int *)dst = (int)i;
        else
            *(int64_t *)dst = i;
        return RS_OK;
    case RS_FIELD_FLOAT:
        if ((st = rs_yaml_float(n, what, &x, err)) != RS_OK)
            return st;
        if ((f->lo_open ? x <= f->lo : x < f->lo) || (f->hi_open ? x >= f->hi : x > f->hi))
            return out_of_range(n, what, f, err);
        *(double *)dst = x;
        return RS_OK;
    case RS_FIELD_BOOL: return rs_yaml_bool(n, what, (int *)dst, err);
    case RS_FIELD_STRING: return rs_yaml_string(n, what, (const char **)dst, err);
    case RS_FIELD_ENUM:
        if ((st = rs_yaml_string(n, what, &s, err)) != RS_OK)
            return st;
        for (int v = 0; f->values[v]; v++)
            if (strcmp(f->values[v], s) == 0) {
                *(int *)dst = v;
                return RS_OK;
            }
        return not_one_of(n, what, s, f->values, err);
    }
    return RS_OK;
}

rs_status rs_config_fields_read(const rs_yaml_node *map, const char *section,
                                const rs_config_field *table, size_t n,
                                const char *const *other_keys, void *base, rs_error *err)
{
    if (!map)
        return RS_OK;
    rs_status st = check_keys(map, section, table, n, other_keys, err);
    for (size_t i = 0; st == RS_OK && i < n; i++) {
        const rs_yaml_node *v = rs_yaml_get(map, table[i].key);
        if (!v)
            continue;
        char what[128];
        if (section)
            snprintf(what, sizeof what, "%s.%s", section, table[i].key);
        else
            snprintf(what, sizeof what, "%s", table[i].key);
        st = read_field(v, what, &table[i], (char *)base + table[i].offset, err);
    }
    return st;
}
