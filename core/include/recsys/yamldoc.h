/*
 * YAML documents as a small tree that remembers where every node came from,
 * so that every configuration error can say file:line:column. Parsing is
 * libyaml's; this module only builds the tree and offers typed getters.
 */
#ifndef RECSYS_YAMLDOC_H
#define RECSYS_YAMLDOC_H

#include "recsys/plugin.h"

typedef enum rs_yaml_kind { RS_YAML_SCALAR = 0, RS_YAML_MAP = 1, RS_YAML_SEQ = 2 } rs_yaml_kind;

typedef struct rs_yaml_node rs_yaml_node;
struct rs_yaml_node {
    rs_yaml_kind kind;
    char *scalar;         /* SCALAR: its text */
    int plain;            /* SCALAR: 1 when unquoted (so "10" is a string) */
    size_t n;             /* MAP: pairs, SEQ: items */
    char **keys;          /* MAP: [n] keys */
    rs_yaml_node **items; /* MAP: [n] values, SEQ: [n] items */
    const char *file;     /* shared by every node of a document */
    int line, column;     /* 1-based */
    int *key_line;        /* MAP: [n] where each key starts (1-based) */
    int *key_column;
};

/* "file:line:column: " of the i-th key of a MAP node. */
const char *rs_yaml_key_where(const rs_yaml_node *map, size_t i, char *buf, size_t size);

rs_status rs_yaml_load_file(const char *path, rs_yaml_node **root, rs_error *err);
rs_status rs_yaml_load_string(const char *text, const char *name, rs_yaml_node **root,
                              rs_error *err);
void rs_yaml_free(rs_yaml_node *root);

/* Value for `key` in a MAP node, or NULL (also when node is not a MAP). */
const rs_yaml_node *rs_yaml_get(const rs_yaml_node *map, const char *key);

/* Typed reads; on failure the message is "file:line:column: <what> must be
 * <type>, got '<text>'". `what` names the key for the message. */
rs_status rs_yaml_int(const rs_yaml_node *n, const char *what, int64_t *out, rs_error *err);
rs_status rs_yaml_float(const rs_yaml_node *n, const char *what, double *out, rs_error *err);
rs_status rs_yaml_bool(const rs_yaml_node *n, const char *what, int *out, rs_error *err);
rs_status rs_yaml_string(const rs_yaml_node *n, const char *what, const char **out, rs_error *err);

/* Optional-key helpers: leave *out unchanged when the key is absent. */
rs_status rs_yaml_get_int(const rs_yaml_node *map, const char *key, int64_t *out, rs_error *err);
rs_status rs_yaml_get_float(const rs_yaml_node *map, const char *key, double *out, rs_error *err);
rs_status rs_yaml_get_bool(const rs_yaml_node *map, const char *key, int *out, rs_error *err);
rs_status rs_yaml_get_string(const rs_yaml_node *map, const char *key, const char **out,
                             rs_error *err);

/* Fail with "file:line:column: unknown key 'k' in <section> (expected one
 * of: a, b, c)" when map holds a key outside the NULL-terminated list. */
rs_status rs_yaml_check_keys(const rs_yaml_node *map, const char *section,
                             const char *const *allowed, rs_error *err);

/* Format "file:line:column: " for node n into buf. */
const char *rs_yaml_where(const rs_yaml_node *n, char *buf, size_t size);

#endif /* RECSYS_YAMLDOC_H */
