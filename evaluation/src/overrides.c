/*
 * Per-instance param overrides from the eval file: a MAP node that holds
 * the host config's params with the eval file's values on top. The merged
 * node borrows every key and value from the two documents (which outlive
 * it), so values keep their own file:line:column for the engine's schema
 * errors; only the key positions of an unknown-param error are reported
 * against the eval file.
 */
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

void rs_eval_merged_free(rs_yaml_node *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->items);
    free(m->key_line);
    free(m->key_column);
    free(m);
}

static long find_key(const rs_yaml_node *map, const char *key)
{
    for (size_t i = 0; map && i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return (long)i;
    return -1;
}

rs_status rs_eval_merge_params(const rs_yaml_node *host, const rs_yaml_node *over,
                               rs_yaml_node **out, rs_error *err)
{
    if (host && host->kind != RS_YAML_MAP)
        host = NULL; /* the engine reports a malformed host section itself */
    size_t cap = (host ? host->n : 0) + over->n;
    rs_yaml_node *m = calloc(1, sizeof *m);
    if (m) {
        m->keys = calloc(cap ? cap : 1, sizeof *m->keys);
        m->items = calloc(cap ? cap : 1, sizeof *m->items);
        m->key_line = calloc(cap ? cap : 1, sizeof *m->key_line);
        m->key_column = calloc(cap ? cap : 1, sizeof *m->key_column);
    }
    if (!m || !m->keys || !m->items || !m->key_line || !m->key_column) {
        rs_eval_merged_free(m);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    }
    m->kind = RS_YAML_MAP;
    m->file = over->file;
    m->line = over->line;
    m->column = over->column;
    for (size_t i = 0; host && i < host->n; i++) {
        long o = find_key(over, host->keys[i]);
        const rs_yaml_node *src = o >= 0 ? over : host;
        size_t j = o >= 0 ? (size_t)o : i;
        m->keys[m->n] = src->keys[j];
        m->items[m->n] = src->items[j];
        m->key_line[m->n] = src->key_line ? src->key_line[j] : src->items[j]->line;
        m->key_column[m->n] = src->key_column ? src->key_column[j] : src->items[j]->column;
        m->n++;
    }
    for (size_t j = 0; j < over->n; j++) {
        if (find_key(host, over->keys[j]) >= 0)
            continue;
        m->keys[m->n] = over->keys[j];
        m->items[m->n] = over->items[j];
        m->key_line[m->n] = over->key_line ? over->key_line[j] : over->items[j]->line;
        m->key_column[m->n] = over->key_column ? over->key_column[j] : over->items[j]->column;
        m->n++;
    }
    *out = m;
    return RS_OK;
}
