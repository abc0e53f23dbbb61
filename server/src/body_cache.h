/* Server-internal: finished JSON response bodies, kept so a list that has
 * not changed is answered without the database and without building JSON
 * again (issue 15: the movie objects of a cached recommendation list were
 * one PostgreSQL round trip and most of the JSON work of every request).
 *
 * An entry is found by its key (what was asked: user, source, k, ...) and
 * is valid only for the fingerprint it was stored with (what the answer
 * was built from: the list's items, scores, model version, time computed).
 * The caller computes the fingerprint from the in-memory list each
 * request, so a recomputed list, a model swap, an excluded film, all miss
 * and rebuild: the body is built once per list, not once per request.
 * The movie objects inside carry rating counts, which other users' ratings
 * move: an entry also expires `ttl_ms` after it was built, which bounds
 * how stale those counts can be.
 *
 * Bounded: a fixed table of slots (a key lives in one slot; a colliding
 * key replaces it). `aux` is a small opaque blob stored beside the body
 * (what the exposure log needs on a hit).
 *
 * Thread contract: all functions from any worker concurrently; _new/_free
 * from one thread while no request runs. */
#ifndef RS_SERVER_BODY_CACHE_H
#define RS_SERVER_BODY_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rs_body_cache rs_body_cache;

#define RS_BODY_KEY_MAX 96

/* A copy of a cached entry (rs_body_cache_get); free with _hit_free. */
typedef struct rs_body_hit {
    char *body; /* len bytes and a NUL */
    size_t len;
    void *aux; /* aux_len bytes, in the body's allocation */
    size_t aux_len;
} rs_body_hit;

rs_body_cache *rs_body_cache_new(size_t capacity, int ttl_ms);
void rs_body_cache_free(rs_body_cache *c);

/* 1 and *hit filled when `key` holds a live entry built for fingerprint
 * `fp`; else 0 and *epoch set for the rs_body_cache_put that follows the
 * rebuild. c may be NULL (always a miss). */
int rs_body_cache_get(rs_body_cache *c, const char *key, uint64_t fp, rs_body_hit *hit,
                      uint64_t *epoch);
void rs_body_hit_free(rs_body_hit *hit);
/* Store a body built for `fp` (copied). user_id >= 0 ties the entry to a
 * user for rs_body_cache_forget_user. Nothing is stored when a forget
 * happened since the get that returned `epoch`. */
void rs_body_cache_put(rs_body_cache *c, const char *key, int64_t user_id, uint64_t fp,
                       const char *body, size_t len, const void *aux, size_t aux_len,
                       uint64_t epoch);
/* Drop user_id's entries (their hidden films, ratings or account changed).
 * c may be NULL. */
void rs_body_cache_forget_user(rs_body_cache *c, int64_t user_id);

/* FNV-1a over n bytes, continuing from h (start with RS_BODY_FP_INIT). */
#define RS_BODY_FP_INIT 14695981039346656037ull
uint64_t rs_body_fp(uint64_t h, const void *p, size_t n);

#endif
