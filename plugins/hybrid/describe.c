/*
 * The hybrid describes itself (ABI 1.1 `describe`): its children by role
 * and the weight table it learned at fit (or was given), one JSON object,
 * for `recsys plugins --describe` and the admin models endpoint. Reads the
 * instance only (the table is immutable after fit/load), so it is as
 * concurrent-safe as recommend.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "hybrid_internal.h"

typedef struct json_out {
    char *buf;
    size_t cap, used;
    int overflow;
} json_out;

static void put(json_out *o, const char *fmt, ...) RS_PRINTF(2, 3);
static void put(json_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(o->buf + o->used, o->cap - o->used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= o->cap - o->used) {
        o->overflow = 1;
        o->used = o->cap - 1;
        return;
    }
    o->used += (size_t)w;
}

/* Instance names come from the config ([a-z0-9_-] in practice); escape the
 * two characters that would break the JSON anyway. */
static void put_string(json_out *o, const char *s)
{
    put(o, "\"");
    for (; *s && !o->overflow; s++)
        put(o, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
    put(o, "\"");
}

rs_status rs_hybrid_describe(void *instance, char *buf, size_t cap, rs_error *err)
{
    const hybrid *h = instance;
    json_out o = {buf, cap, 0, cap == 0};
    if (cap)
        buf[0] = '\0';
    put(&o, "{\"weights\": \"%s\", \"children\": {", h->fixed ? "fixed" : "learned");
    for (int r = 0; r < N_NAMES; r++) {
        put(&o, "%s\"%s\": ", r ? ", " : "", rs_hybrid_role_names[r]);
        put_string(&o, h->child[r]);
    }
    put(&o, "}, \"buckets\": [");
    for (size_t b = 0; b < h->n_buckets; b++) {
        put(&o, "%s{\"ratings\": %d, \"w\": {", b ? ", " : "", (int)h->bucket_n[b]);
        for (int r = 0; r < N_ROLES; r++)
            put(&o, "%s\"%s\": %.4g", r ? ", " : "", rs_hybrid_role_names[r], h->w[b][r]);
        put(&o, "}, \"queries\": %zu, \"ndcg20\": ", h->queries[b]);
        put(&o, isnan(h->ndcg[b]) ? "null" : "%.4f", h->ndcg[b]);
        put(&o, "}");
    }
    put(&o, "], \"known_users\": ");
    if (h->has_known) { /* users the children were fitted on */
        put(&o, "{\"w\": {");
        for (int r = 0; r < N_ROLES; r++)
            put(&o, "%s\"%s\": %.4g", r ? ", " : "", rs_hybrid_role_names[r], h->known_w[r]);
        put(&o, "}, \"queries\": %zu, \"ndcg20\": ", h->known_queries);
        put(&o, isnan(h->known_ndcg) ? "null" : "%.4f", h->known_ndcg);
        put(&o, "}");
    } else {
        put(&o, "null");
    }
    put(&o, "}");
    if (o.overflow)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: describe needs more than %zu bytes", cap);
    return RS_OK;
}
