/*
 * YAML tree with source marks, built from libyaml's document API.
 */
#include "recsys/yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define RS_STR_(x) #x
#define RS_STR(x) RS_STR_(x)

/* The file name is stored once, in a header allocated with the root. */
typedef struct yaml_owner {
    char *file;
} yaml_owner;

static void node_free(rs_yaml_node *n)
{
    if (!n)
        return;
    free(n->scalar);
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            free(n->keys[i]);
        node_free(n->items[i]);
    }
    free(n->keys);
    free(n->key_line);
    free(n->key_column);
    free(n->items);
    free(n);
}

void rs_yaml_free(rs_yaml_node *root)
{
    if (!root)
        return;
    char *file = (char *)root->file;
    node_free(root);
    free(file);
}

/* Limits on the tree built from one document. libyaml keeps an alias as a
 * reference to its anchored node, so the document stays as small as its
 * text; the tree below copies every alias out, and nested aliases double
 * at each level ("billion laughs": 396 bytes became 1.5 GB). No real
 * config or descriptor comes near either limit. */
#define YAML_MAX_NODES 100000
#define YAML_MAX_DEPTH 64

typedef struct conv {
    yaml_document_t *doc;
    const char *file;
    size_t left;              /* nodes the tree may still have */
    const yaml_node_t *where; /* where a limit was hit; NULL: out of memory */
    const char *why;
} conv;

static rs_yaml_node *convert(conv *cv, yaml_node_t *yn, int depth)
{
    if (!yn)
        return NULL;
    if (depth > YAML_MAX_DEPTH || cv->left == 0) {
        cv->where = yn;
        cv->why = depth > YAML_MAX_DEPTH
                      ? "nesting deeper than " RS_STR(YAML_MAX_DEPTH) " levels"
                      : "the document expands (through aliases) to more than " RS_STR(
                            YAML_MAX_NODES) " nodes";
        return NULL;
    }
    cv->left--;
    rs_yaml_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->file = cv->file;
    n->line = (int)yn->start_mark.line + 1;
    n->column = (int)yn->start_mark.column + 1;
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        n->kind = RS_YAML_SCALAR;
        n->scalar = strndup((const char *)yn->data.scalar.value, yn->data.scalar.length);
        n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (!n->scalar)
            goto fail;
        return n;
    case YAML_SEQUENCE_NODE: {
        n->kind = RS_YAML_SEQ;
        size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
        n->items = calloc(cnt ? cnt : 1, sizeof *n->items);
        if (!n->items)
            goto fail;
        for (size_t i = 0; i < cnt; i++) {
            yaml_node_t *c = yaml_document_get_node(cv->doc, yn->data.sequence.items.start[i]);
            if (!(n->items[i] = convert(cv, c, depth + 1)))
                goto fail;
            n->n++;
        }
        return n;
    }
    case YAML_MAPPING_NODE: {
        n->kind = RS_YAML_MAP;
        size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
        n->items = calloc(cnt ? cnt : 1, sizeof *n->items);
        n->keys = calloc(cnt ? cnt : 1, sizeof *n->keys);
        n->key_line = calloc(cnt ? cnt : 1, sizeof *n->key_line);
        n->key_column = calloc(cnt ? cnt : 1, sizeof *n->key_column);
        if (!n->items || !n->keys || !n->key_line || !n->key_column)
            goto fail;
        for (size_t i = 0; i < cnt; i++) {
            yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
            yaml_node_t *k = yaml_document_get_node(cv->doc, p->key);
            yaml_node_t *v = yaml_document_get_node(cv->doc, p->value);
            if (!k || k->type != YAML_SCALAR_NODE) {
                cv->where = k ? k : yn;
                cv->why = "mapping keys must be scalars";
                goto fail;
            }
            n->keys[i] = strndup((const char *)k->data.scalar.value, k->data.scalar.length);
            n->key_line[i] = (int)k->start_mark.line + 1;
            n->key_column[i] = (int)k->start_mark.column + 1;
            if (!n->keys[i] || !(n->items[i] = convert(cv, v, depth + 1))) {
                n->n = i + 1; /* free what was made */
                goto fail;
            }
            n->n++;
        }
        return n;
    }
    default: break;
    }
fail:
    node_free(n);
    return NULL;
}

static rs_status parse(yaml_parser_t *parser, const char *name, rs_yaml_node **root, rs_error *err)
{
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc)) {
        rs_status st = rs_error_set(
            err, RS_ERR_CONFIG, "%s:%zu:%zu: %s%s%s", name, parser->problem_mark.line + 1,
            parser->problem_mark.column + 1, parser->problem ? parser->problem : "syntax error",
            parser->context ? " " : "", parser->context ? parser->context : "");
        return st;
    }
    char *file = strdup(name);
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    rs_yaml_node *n = NULL;
    conv cv = {.doc = &doc, .file = file, .left = YAML_MAX_NODES};
    if (file) {
        if (top) {
            n = convert(&cv, top, 0);
        } else { /* empty document: an empty map */
            n = calloc(1, sizeof *n);
            if (n) {
                n->kind = RS_YAML_MAP;
                n->file = file;
                n->line = n->column = 1;
            }
        }
    }
    rs_status st = RS_OK;
    if (!n && cv.where)
        st = rs_error_set(err, RS_ERR_CONFIG, "%s:%zu:%zu: %s", name, cv.where->start_mark.line + 1,
                          cv.where->start_mark.column + 1, cv.why);
    else if (!n)
        st = rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", name);
    yaml_document_delete(&doc);
    if (!n) {
        free(file);
        return st;
    }
    *root = n;
    return RS_OK;
}

rs_status rs_yaml_load_file(const char *path, rs_yaml_node **root, rs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "%s: cannot open: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    rs_status st = parse(&parser, path, root, err);
    yaml_parser_delete(&parser);
    fclose(f);
    return st;
}

rs_status rs_yaml_load_string(const char *text, const char *name, rs_yaml_node **root,
                              rs_error *err)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    rs_status st = parse(&parser, name, root, err);
    yaml_parser_delete(&parser);
    return st;
}

const rs_yaml_node *rs_yaml_get(const rs_yaml_node *map, const char *key)
{
    if (!map || map->kind != RS_YAML_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

const char *rs_yaml_where(const rs_yaml_node *n, char *buf, size_t size)
{
    if (!n)
        snprintf(buf, size, "<unknown>: ");
    else
        snprintf(buf, size, "%s:%d:%d: ", n->file, n->line, n->column);
    return buf;
}

const char *rs_yaml_key_where(const rs_yaml_node *map, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "%s:%d:%d: ", map->file, map->key_line[i], map->key_column[i]);
    return buf;
}

static rs_status type_error(const rs_yaml_node *n, const char *what, const char *type,
                            rs_error *err)
{
    char where[300];
    const char *got = n->kind == RS_YAML_SCALAR ? n->scalar
                      : n->kind == RS_YAML_MAP  ? "a mapping"
                                                : "a sequence";
    return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' must be %s, got '%s'",
                        rs_yaml_where(n, where, sizeof where), what, type, got);
}

rs_status rs_yaml_int(const rs_yaml_node *n, const char *what, int64_t *out, rs_error *err)
{
    if (n->kind != RS_YAML_SCALAR || !n->plain)
        return type_error(n, what, "an integer", err);
    char *end;
    errno = 0;
    long long v = strtoll(n->scalar, &end, 10);
    if (!*n->scalar || *end || errno)
        return type_error(n, what, "an integer", err);
    *out = v;
    return RS_OK;
}

rs_status rs_yaml_float(const rs_yaml_node *n, const char *what, double *out, rs_error *err)
{
    if (n->kind != RS_YAML_SCALAR || !n->plain)
        return type_error(n, what, "a number", err);
    char *end;
    errno = 0;
    double v = strtod(n->scalar, &end);
    if (!*n->scalar || *end || errno || !isfinite(v))
        return type_error(n, what, "a number", err);
    *out = v;
    return RS_OK;
}

rs_status rs_yaml_bool(const rs_yaml_node *n, const char *what, int *out, rs_error *err)
{
    if (n->kind == RS_YAML_SCALAR && n->plain) {
        if (!strcasecmp(n->scalar, "true") || !strcasecmp(n->scalar, "yes") ||
            !strcasecmp(n->scalar, "on")) {
            *out = 1;
            return RS_OK;
        }
        if (!strcasecmp(n->scalar, "false") || !strcasecmp(n->scalar, "no") ||
            !strcasecmp(n->scalar, "off")) {
            *out = 0;
            return RS_OK;
        }
    }
    return type_error(n, what, "true or false", err);
}

rs_status rs_yaml_string(const rs_yaml_node *n, const char *what, const char **out, rs_error *err)
{
    if (n->kind != RS_YAML_SCALAR)
        return type_error(n, what, "a string", err);
    *out = n->scalar;
    return RS_OK;
}

rs_status rs_yaml_get_int(const rs_yaml_node *map, const char *key, int64_t *out, rs_error *err)
{
    const rs_yaml_node *n = rs_yaml_get(map, key);
    return n ? rs_yaml_int(n, key, out, err) : RS_OK;
}

rs_status rs_yaml_get_float(const rs_yaml_node *map, const char *key, double *out, rs_error *err)
{
    const rs_yaml_node *n = rs_yaml_get(map, key);
    return n ? rs_yaml_float(n, key, out, err) : RS_OK;
}

rs_status rs_yaml_get_bool(const rs_yaml_node *map, const char *key, int *out, rs_error *err)
{
    const rs_yaml_node *n = rs_yaml_get(map, key);
    return n ? rs_yaml_bool(n, key, out, err) : RS_OK;
}

rs_status rs_yaml_get_string(const rs_yaml_node *map, const char *key, const char **out,
                             rs_error *err)
{
    const rs_yaml_node *n = rs_yaml_get(map, key);
    return n ? rs_yaml_string(n, key, out, err) : RS_OK;
}

rs_status rs_yaml_check_keys(const rs_yaml_node *map, const char *section,
                             const char *const *allowed, rs_error *err)
{
    char where[300];
    if (!map)
        return RS_OK;
    if (map->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' must be a mapping",
                            rs_yaml_where(map, where, sizeof where), section);
    for (size_t i = 0; i < map->n; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, map->keys[i]) == 0;
        for (size_t j = 0; j < i && ok; j++)
            if (strcmp(map->keys[j], map->keys[i]) == 0)
                return rs_error_set(err, RS_ERR_CONFIG, "%sduplicate key '%s' in %s",
                                    rs_yaml_key_where(map, i, where, sizeof where), map->keys[i],
                                    section);
        if (!ok) {
            char list[256] = "";
            size_t used = 0;
            for (const char *const *a = allowed; *a; a++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", a == allowed ? "" : ", ",
                                 *a);
                if (w < 0 || (size_t)w >= sizeof list - used)
                    break;
                used += (size_t)w;
            }
            return rs_error_set(
                err, RS_ERR_CONFIG, "%sunknown key '%s' in %s (expected one of: %s)",
                rs_yaml_key_where(map, i, where, sizeof where), map->keys[i], section, list);
        }
    }
    return RS_OK;
}
