/* The declarative section reader; see recsys/config_fields.h. */
#include "recsys/config_fields.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
    if (f->type == RS_FIELD_FLOAT && isinf(f->hi)) /* unbounded above */
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = %s is %s %g",
                            rs_yaml_where(n, where, sizeof where), what, n->scalar,
                            f->lo_open ? "not above" : "below", f->lo);
    if (f->type == RS_FIELD_FLOAT)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = %s is out of range %c%g, %g%c",
                            rs_yaml_where(n, where, sizeof where), what, n->scalar,
                            f->lo_open ? '(' : '[', f->lo, f->hi, f->hi_open ? ')' : ']');
    if (f->hi >= 9.2e18) /* unbounded above; (long long)f->hi would overflow */
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = %s is below %lld",
                            rs_yaml_where(n, where, sizeof where), what, n->scalar,
                            (long long)f->lo);
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
    case RS_FIELD_STRING:
        if ((st = rs_yaml_string(n, what, &s, err)) != RS_OK)
            return st;
        if (f->hi > 0 && strlen(s) > (size_t)f->hi) {
            char where[300];
            return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' is too long (%zu bytes, at most %.0f)",
                                rs_yaml_where(n, where, sizeof where), what, strlen(s), f->hi);
        }
        *(const char **)dst = s;
        return RS_OK;
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

void rs_config_fields_defaults(const rs_config_field *table, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++) {
        const rs_config_field *f = &table[i];
        char *dst = (char *)base + f->offset;
        if (!f->dflt)
            continue;
        switch (f->type) {
        case RS_FIELD_INT: *(int *)dst = (int)strtol(f->dflt, NULL, 10); break;
        case RS_FIELD_INT64: *(int64_t *)dst = strtoll(f->dflt, NULL, 10); break;
        case RS_FIELD_FLOAT: *(double *)dst = strtod(f->dflt, NULL); break;
        case RS_FIELD_BOOL: *(int *)dst = strcmp(f->dflt, "true") == 0; break;
        case RS_FIELD_STRING: *(const char **)dst = f->dflt; break;
        case RS_FIELD_ENUM:
            for (int v = 0; f->values[v]; v++)
                if (strcmp(f->values[v], f->dflt) == 0)
                    *(int *)dst = v;
            break;
        }
    }
}

/* The range column: "[lo, hi]", "(lo, hi)", "a, b, c", "at most N bytes". */
static void range_text(const rs_config_field *f, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    switch (f->type) {
    case RS_FIELD_INT:
    case RS_FIELD_INT64:
        if (f->hi >= 9.2e18)
            snprintf(buf, size, ">= %lld", (long long)f->lo);
        else
            snprintf(buf, size, "[%lld, %lld]", (long long)f->lo, (long long)f->hi);
        break;
    case RS_FIELD_FLOAT:
        if (isinf(f->hi))
            snprintf(buf, size, "%s %g", f->lo_open ? ">" : ">=", f->lo);
        else
            snprintf(buf, size, "%c%g, %g%c", f->lo_open ? '(' : '[', f->lo, f->hi,
                     f->hi_open ? ')' : ']');
        break;
    case RS_FIELD_BOOL: snprintf(buf, size, "true, false"); break;
    case RS_FIELD_STRING:
        if (f->hi > 0)
            snprintf(buf, size, "at most %.0f bytes", f->hi);
        break;
    case RS_FIELD_ENUM:
        for (const char *const *v = f->values; *v; v++) {
            int w = snprintf(buf + used, size - used, "%s%s", v == f->values ? "" : ", ", *v);
            if (w < 0 || (size_t)w >= size - used)
                break;
            used += (size_t)w;
        }
        break;
    }
}

size_t rs_config_fields_markdown(const char *section, const rs_config_field *table, size_t n,
                                 char *buf, size_t size)
{
    static const char *const type_name[] = {"integer", "integer", "number",
                                            "boolean", "string",  "one of"};
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const rs_config_field *f = &table[i];
        char range[256];
        range_text(f, range, sizeof range);
        int w = snprintf(used < size ? buf + used : NULL, used < size ? size - used : 0,
                         "| `%s%s%s` | %s | %s%s%s | %s | %s |\n", section ? section : "",
                         section ? "." : "", f->key, type_name[f->type], f->dflt ? "`" : "",
                         f->dflt ? (*f->dflt ? f->dflt : "\"\"") : "(see doc)", f->dflt ? "`" : "",
                         range, f->doc);
        if (w > 0)
            used += (size_t)w;
    }
    return used;
}
