/*
 * The recommendation cache and its refresher: pseudo-real-time lists.
 *
 * Requests read a user's list from the cache (a copy, under a mutex held
 * for a memcpy); a user not cached yet is computed on demand on the
 * request thread and cached. Rating changes mark the user dirty; a
 * background thread wakes every interval_s and recomputes the dirty users'
 * lists, so a rating is reflected in that user's recommendations within one
 * interval. A model swap marks everyone dirty (rs_reco_cache_mark_all_dirty):
 * cached lists keep serving until their refresh.
 *
 *   refresh:
 *     interval_s: 60     # refresher period
 *     list_size: 50      # items cached per (user, source)
 *     max_entries: 20000 # ~8 KB per entry at 50 items with explanations
 *     explanations: true # cache each item's explanation as well
 *     enabled: true      # false: the server computes every request
 *
 * Entries are keyed by (user, source) and hold one rs_reco_list
 * (recsys/reco_list.h), the same type requests and computes use; data
 * derived from a list (a prebuilt JSON body, issue 15) hangs off its entry
 * and is dropped whenever the list changes (struct entry in reco_cache.c
 * says where). Lists are computed through the caller's callback (the
 * server's recommendation service: the user's ratings from PostgreSQL,
 * rs_engine_recommend), which therefore sees the latest ratings.
 *
 * Thread contract: every function may be called from any thread, except
 * that new/free happen once each and free must not race other calls.
 */
#ifndef RECSYS_RECO_CACHE_H
#define RECSYS_RECO_CACHE_H

#include "recsys/config_fields.h"
#include "recsys/plugin.h"
#include "recsys/reco_list.h"
#include "recsys/yamldoc.h"

typedef struct rs_reco_cache_config {
    double interval_s;
    size_t list_size;
    size_t max_entries;
    int explanations; /* keep each item's rs_explanation (152 bytes) too */
    int enabled;      /* for the server: 0 = compute every request */
} rs_reco_cache_config;

void rs_reco_cache_config_default(rs_reco_cache_config *c);
/* Defaults overlaid with a `refresh:` section (NULL = defaults). */
rs_status rs_reco_cache_config_parse(const rs_yaml_node *section, rs_reco_cache_config *c,
                                     rs_error *err);
/* The `refresh:` section's field table (recsys/config_fields.h): key, type,
 * default, range, doc; the parse reads it. Static; for docs and tests. */
const rs_config_field *rs_reco_cache_config_fields(size_t *n);

/* Compute user_id's list from `source` into out (out->cap = list_size;
 * out->explain is NULL unless explanations are kept, else all "no
 * explanation"; n = 0, source ""). Set out->source to the instance that
 * answered when it is not `source` (a fallback: see drop_fallbacks); left
 * "", the cache records `source`. Called on the refresher thread and on
 * request threads, concurrently for different users; must be thread-safe.
 * No cache lock is held during the call. */
typedef rs_status (*rs_reco_compute_fn)(void *ctx, int64_t user_id, const char *source,
                                        rs_reco_list *out, rs_error *err);

typedef struct rs_reco_meta {
    int64_t generated_at_ms; /* unix ms when the list was computed */
    int from_cache;          /* 0 = computed by this call */
    int refresh_pending;     /* a change is waiting for the refresher */
    int has_explanations;    /* out->explain was filled */
} rs_reco_meta;

typedef struct rs_reco_cache_stats {
    size_t entries;
    size_t dirty_users; /* waiting for the next pass */
    uint64_t hits, misses;
    uint64_t refreshed; /* lists recomputed by the refresher */
    uint64_t passes;
    uint64_t errors; /* failed computes (refresher + on demand) */
    double last_pass_ms;
} rs_reco_cache_stats;

typedef struct rs_reco_cache rs_reco_cache;

rs_status rs_reco_cache_new(const rs_reco_cache_config *c, rs_reco_compute_fn compute, void *ctx,
                            rs_reco_cache **out, rs_error *err);
/* Stops the refresher if running. */
void rs_reco_cache_free(rs_reco_cache *c);

/* Start the background refresher; stop wakes it and joins (a pass in
 * progress finishes first). Idempotent. */
rs_status rs_reco_cache_start(rs_reco_cache *c, rs_error *err);
void rs_reco_cache_stop(rs_reco_cache *c);

/* Copy up to out->cap items of (user_id, source)'s list into out, with
 * its model_version and source (rs_reco_list_copy: when out->explain is
 * set and explanations are not kept, out's read "no explanation"),
 * computing and caching it first when absent. meta may be NULL. */
rs_status rs_reco_cache_get(rs_reco_cache *c, int64_t user_id, const char *source,
                            rs_reco_list *out, rs_reco_meta *meta, rs_error *err);

/* The user's ratings changed: recompute their cached lists next pass. */
void rs_reco_cache_mark_dirty(rs_reco_cache *c, int64_t user_id);
/* A model changed: recompute every cached list, over the next passes. */
void rs_reco_cache_mark_all_dirty(rs_reco_cache *c);
/* The user just rated `item`: remove it from their cached lists now (the
 * full recompute follows within one interval; call mark_dirty too). */
void rs_reco_cache_exclude(rs_reco_cache *c, int64_t user_id, int32_t item);
/* Drop the user's lists that a fallback answered (the list's source is
 * not the one it is cached under: the server's cold-start popularity):
 * after a first rating the user is no longer cold, and the next request
 * computes the real source. */
void rs_reco_cache_drop_fallbacks(rs_reco_cache *c, int64_t user_id);
/* Drop a user's lists (account deleted). */
void rs_reco_cache_forget(rs_reco_cache *c, int64_t user_id);

/* Run one refresher pass now on the calling thread; *refreshed (may be
 * NULL) receives how many lists were recomputed. The last compute error,
 * if any, is returned after the pass has tried every dirty list. */
rs_status rs_reco_cache_refresh_now(rs_reco_cache *c, size_t *refreshed, rs_error *err);

void rs_reco_cache_get_stats(rs_reco_cache *c, rs_reco_cache_stats *out);

#endif /* RECSYS_RECO_CACHE_H */
