/* Prebuilt recommendation and similar bodies (see prebuilt.h). */
#include "prebuilt.h"

#include <stdlib.h>
#include <string.h>

/* The text of body (stolen) as rs_reply_json would send it, so a hit sends
 * the same bytes as the miss did; NULL with the reply sent when it cannot
 * be built. */
static char *body_text(rs_req *r, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(7)) : NULL;
    if (!text) {
        rs_reply_json(r, 200, body); /* sends its own out-of-memory error */
        return NULL;
    }
    json_decref(body);
    return text;
}

/* ---- recommendations ------------------------------------------------------------ */

/* What the exposure log needs on a hit, kept beside the body: the films
 * shown (after hidden ones left) and the source credited for each, as
 * n, int32_t item[n], char credit[n][RS_SOURCE_NAME_MAX]. */
static size_t aux_size(size_t n) { return sizeof n + n * (sizeof(int32_t) + RS_SOURCE_NAME_MAX); }

static uint64_t fp_str(uint64_t h, const char *s, size_t max)
{
    return rs_body_fp(h, s, strnlen(s, max));
}

/* Field by field: bytes past a string's end or past n_parts are not part
 * of the explanation and may differ between copies. */
static uint64_t fp_explanation(uint64_t h, const rs_explanation *e)
{
    h = rs_body_fp(h, &e->because_item, sizeof e->because_item);
    h = rs_body_fp(h, &e->n_parts, sizeof e->n_parts);
    for (uint32_t j = 0; j < e->n_parts && j < RS_EXPLAIN_MAX_PARTS; j++) {
        h = fp_str(h, e->parts[j].source, RS_SOURCE_NAME_MAX);
        h = rs_body_fp(h, &e->parts[j].share, sizeof e->parts[j].share);
    }
    return h;
}

/* Everything the body is built from that can change while the key stays:
 * the list (items, scores, explanations), where and when it came from, and
 * how it was chosen. */
uint64_t rs_prebuilt_reco_fp(const rs_reco_list *l, const rs_serving_choice *ch)
{
    uint64_t h = fp_str(RS_BODY_FP_INIT, l->source, RS_SOURCE_NAME_MAX);
    h = rs_body_fp(h, &l->model_version, sizeof l->model_version);
    h = rs_body_fp(h, &ch->generated_at_ms, sizeof ch->generated_at_ms);
    h = rs_body_fp(h, &l->n, sizeof l->n);
    for (size_t i = 0; i < l->n; i++) {
        int explained = rs_reco_list_explained(l, i);
        h = rs_body_fp(h, &l->items[i].item, sizeof l->items[i].item);
        h = rs_body_fp(h, &l->items[i].score, sizeof l->items[i].score);
        h = rs_body_fp(h, &explained, sizeof explained);
        if (explained)
            h = fp_explanation(h, &l->explain[i]);
        h = fp_str(h, ch->credit[i], RS_SOURCE_NAME_MAX);
    }
    h = rs_body_fp(h, ch->arm, strlen(ch->arm));
    h = rs_body_fp(h, ch->experiment, strlen(ch->experiment));
    return rs_body_fp(h, ch->log_arm, strlen(ch->log_arm));
}

/* Answer from the prebuilt body when the list it was built from is the one
 * the cache holds now: no database, no JSON. 1 when sent. */
int rs_prebuilt_reco_reply(rs_req *r, const char *key, uint64_t fp, rs_reco_list *l,
                           rs_serving_choice *choice, uint64_t *epoch)
{
    rs_body_hit hit;
    if (!rs_body_cache_get(r->srv->bodies, key, fp, &hit, epoch))
        return 0;
    size_t n = 0;
    if (hit.aux_len >= sizeof n)
        memcpy(&n, hit.aux, sizeof n);
    if (n <= l->cap && hit.aux_len == aux_size(n) && strcmp(r->method, "HEAD") != 0) {
        const char *p = (const char *)hit.aux + sizeof n;
        l->n = n;
        for (size_t i = 0; i < n; i++, p += sizeof(int32_t))
            memcpy(&l->items[i].item, p, sizeof(int32_t));
        for (size_t i = 0; i < n; i++, p += RS_SOURCE_NAME_MAX)
            memcpy(choice->credit[i], p, RS_SOURCE_NAME_MAX);
        rs_serving_log_exposure(r->srv->serving, r->user_id, l, choice);
    }
    rs_reply_raw(r, 200, "application/json", hit.body, hit.len, NULL);
    rs_body_hit_free(&hit);
    return 1;
}

/* Send body and keep its text for the next request of the same list. */
void rs_prebuilt_reco_keep(rs_req *r, json_t *body, const char *key, uint64_t fp, uint64_t epoch,
                           const rs_reco_list *l, const rs_serving_choice *ch)
{
    char *text = body_text(r, body);
    if (!text)
        return;
    char *aux = key ? malloc(aux_size(l->n)) : NULL;
    if (aux) {
        char *p = aux;
        memcpy(p, &l->n, sizeof l->n);
        p += sizeof l->n;
        for (size_t i = 0; i < l->n; i++, p += sizeof(int32_t))
            memcpy(p, &l->items[i].item, sizeof(int32_t));
        for (size_t i = 0; i < l->n; i++, p += RS_SOURCE_NAME_MAX)
            memcpy(p, ch->credit[i], RS_SOURCE_NAME_MAX);
        rs_body_cache_put(r->srv->bodies, key, r->user_id, fp, text, strlen(text), aux,
                          aux_size(l->n), epoch);
        free(aux);
    }
    rs_reply_raw(r, 200, "application/json", text, strlen(text), NULL);
    free(text);
}

/* ---- similar ---------------------------------------------------------------------- */

int rs_prebuilt_similar_reply(rs_req *r, int32_t item, const char *source, long k, char *key,
                              uint64_t *version, uint64_t *epoch)
{
    snprintf(key, RS_BODY_KEY_MAX, "sim:%ld:%s:%ld", (long)item, source, k);
    /* Read before the list is computed: a swap in between leaves an entry
     * with the older version, which the next request rebuilds. */
    *version = (uint64_t)rs_engine_instance_version(r->srv->engine, source);
    rs_body_hit hit;
    if (!rs_body_cache_get(r->srv->bodies, key, *version, &hit, epoch))
        return 0;
    rs_reply_raw(r, 200, "application/json", hit.body, hit.len, NULL);
    rs_body_hit_free(&hit);
    return 1;
}

void rs_prebuilt_similar_keep(rs_req *r, const char *key, uint64_t version, uint64_t epoch,
                              json_t *body)
{
    char *text = body_text(r, body);
    if (!text)
        return;
    if (key)
        rs_body_cache_put(r->srv->bodies, key, -1, version, text, strlen(text), NULL, 0, epoch);
    rs_reply_raw(r, 200, "application/json", text, strlen(text), NULL);
    free(text);
}
