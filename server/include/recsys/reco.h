/*
 * The recommendation service: the one path between the HTTP layer and the
 * engine for app users. It reads a user's ratings from PostgreSQL (the
 * store), maps them onto the catalogue, folds them in (user_id =
 * RS_USER_NONE) and asks the engine, which writes its answer straight into
 * the caller's rs_reco_list (recsys/reco_list.h): the one list type from
 * the plugin's result to the JSON. Cold users (no ratings) are served by
 * the popularity instance.
 *
 * It owns the recommendation cache (lifecycle/reco_cache, generic): the
 * service is the cache's compute callback, so a cached list and a
 * computed one are the same thing, and it hears the events that make a
 * cached list stale (rating changes, model swaps, deleted accounts).
 * Choosing arms and interleaving sit one level up (serving.c).
 *
 * Thread contract: every function except new/free may be called from many
 * threads at once.
 */
#ifndef RECSYS_RECO_H
#define RECSYS_RECO_H

#include "recsys/dataset.h"
#include "recsys/db.h"
#include "recsys/engine.h"
#include "recsys/reco_cache.h"
#include "recsys/reco_list.h"

typedef struct rs_reco_service rs_reco_service;

/* engine, ml and db must outlive the service. cache: the `refresh:`
 * settings (rs_reco_cache_config_parse); NULL or enabled = 0 computes
 * every request. With a cache its refresher thread starts here
 * (list_size is capped at RS_RECO_K_MAX). */
rs_status rs_reco_service_new(rs_engine *engine, const rs_movielens *ml, rs_db *db,
                              const rs_reco_cache_config *cache, rs_reco_service **out,
                              rs_error *err);
/* Stops the refresher first. */
void rs_reco_service_free(rs_reco_service *svc);

#define RS_RECO_K_MAX 100

/* Top-k for app user `user_id` from instance `source`, computed now: k =
 * out->cap (1..RS_RECO_K_MAX); explanations when out->explain is set (a
 * cold user's and a plugin's without RS_CAP_EXPLAIN read "no
 * explanation"). out->source names the instance that answered.
 * RS_ERR_NOT_FOUND: no such instance; RS_ERR_UNSUPPORTED: it cannot
 * recommend; RS_ERR_DATABASE: ratings unreadable. */
rs_status rs_reco_recommend(rs_reco_service *svc, int64_t user_id, const char *source,
                            rs_reco_list *out, rs_error *err);

/* The same through the cache when it holds lists of out->cap items (else
 * computed now). *generated_at_ms (may be NULL): when the list was
 * computed (unix ms), 0 when computed by this call without the cache. */
rs_status rs_reco_get(rs_reco_service *svc, int64_t user_id, const char *source, rs_reco_list *out,
                      int64_t *generated_at_ms, rs_error *err);

/* The out->cap items most similar to catalogue item `item`, no
 * explanations. source NULL = the default (rs_reco_default_similar). */
rs_status rs_reco_similar(rs_reco_service *svc, int32_t item, const char *source, rs_reco_list *out,
                          rs_error *err);

/* Take the serving roles from `cfg` (recsys/config.h): serving.cold_start
 * answers users with no ratings, serving.similar_source answers similar
 * when no source is named. RS_ERR_CONFIG when the instance cannot play its
 * role. cfg NULL: no cold-start source, similar from the first instance
 * able to answer it (also the state before this call). */
rs_status rs_reco_service_set_roles(rs_reco_service *svc, const rs_config *cfg, rs_error *err);

/* The instance that answers similar when none is named; NULL when no
 * configured instance can. */
const char *rs_reco_default_similar(const rs_reco_service *svc);

/* The instance cold users get (serving.cold_start), or NULL. */
const char *rs_reco_cold_source(const rs_reco_service *svc);

/* ---- what makes cached lists stale ---------------------------------------- */

/* user_id rated (or un-rated, hid, unhid) catalogue item `item` (-1: not
 * in the catalogue): the item leaves their cached lists now, a cold-start
 * list goes, the rest is recomputed within one refresh interval. */
void rs_reco_rating_changed(rs_reco_service *svc, int64_t user_id, int32_t item);
/* A model was swapped: every cached list is recomputed over the next
 * passes (they keep serving until then). */
void rs_reco_models_changed(rs_reco_service *svc);
/* The account is gone: drop its cached lists. */
void rs_reco_user_deleted(rs_reco_service *svc, int64_t user_id);

/* The cache's counters and settings; 0 (nothing filled) without a cache. */
int rs_reco_cache_info(rs_reco_service *svc, rs_reco_cache_stats *stats,
                       rs_reco_cache_config *config);

/* The user's ratings as catalogue items (ratings of movies the catalogue
 * lacks are skipped), plus the films they marked "Not interested" and did
 * not rate, at the lowest rating on the MovieLens scale (a model that
 * learns from dislikes takes it as one; every model counts it as rated):
 * the query every model sees.
 * *out is malloc'd; caller frees. */
rs_status rs_reco_user_ratings(rs_reco_service *svc, int64_t user_id, rs_rating **out, size_t *n,
                               rs_error *err);

#endif /* RECSYS_RECO_H */
