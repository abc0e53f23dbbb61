/*
 * The recommendation service: the one path between the HTTP layer and the
 * engine for app users. It reads a user's ratings from PostgreSQL, maps
 * them onto the catalogue, folds them in (user_id = RS_USER_NONE) and asks
 * the engine. Cold users (no ratings) are served by the popularity
 * instance. A result cache and a background refresher (the lifecycle
 * issue) slot in here without the HTTP layer changing.
 *
 * Thread contract: every function except new/free may be called from many
 * threads at once.
 */
#ifndef RECSYS_RECO_H
#define RECSYS_RECO_H

#include "recsys/dataset.h"
#include "recsys/db.h"
#include "recsys/engine.h"

typedef struct rs_reco_service rs_reco_service;

/* engine, ml and db must outlive the service. */
rs_status rs_reco_service_new(rs_engine *engine, const rs_movielens *ml,
                              rs_db *db, rs_reco_service **out,
                              rs_error *err);
void rs_reco_service_free(rs_reco_service *svc);

#define RS_RECO_K_MAX 100

typedef struct rs_reco_item {
    int32_t item;             /* catalogue index */
    float score;
    int has_explanation;
    rs_explanation explanation;
} rs_reco_item;

typedef struct rs_reco_result {
    char source[RS_SOURCE_NAME_MAX]; /* the instance that answered */
    int64_t model_version;           /* its serving version */
    size_t n;
    rs_reco_item items[RS_RECO_K_MAX];
} rs_reco_result;

/* Top-k (1..RS_RECO_K_MAX) for app user `user_id` from instance `source`.
 * RS_ERR_NOT_FOUND: no such instance; RS_ERR_UNSUPPORTED: it cannot
 * recommend; RS_ERR_DATABASE: ratings unreadable. */
rs_status rs_reco_recommend(rs_reco_service *svc, int64_t user_id,
                            const char *source, size_t k,
                            rs_reco_result *out, rs_error *err);

/* The k items most similar to catalogue item `item`. source NULL = the
 * default (rs_reco_default_similar). */
rs_status rs_reco_similar(rs_reco_service *svc, int32_t item,
                          const char *source, size_t k,
                          rs_reco_result *out, rs_error *err);

/* Take the serving roles from `cfg` (recsys/config.h): serving.cold_start
 * answers users with no ratings, serving.similar_source answers similar
 * when no source is named. RS_ERR_CONFIG when the instance cannot play its
 * role. cfg NULL: no cold-start source, similar from the first instance
 * able to answer it (also the state before this call). */
rs_status rs_reco_service_set_roles(rs_reco_service *svc, const rs_config *cfg,
                                    rs_error *err);

/* The instance that answers similar when none is named; NULL when no
 * configured instance can. */
const char *rs_reco_default_similar(const rs_reco_service *svc);

/* The instance cold users get (serving.cold_start), or NULL. */
const char *rs_reco_cold_source(const rs_reco_service *svc);

/* The rating a "Not interested" mark stands for in a model query: the
 * lowest on the MovieLens scale. */
#define RS_RECO_HIDDEN_RATING_SQL "0.5"

/* The user's ratings as catalogue items (ratings of movies the catalogue
 * lacks are skipped), plus the films they marked "Not interested" and did
 * not rate, as RS_RECO_HIDDEN_RATING_SQL: the query every model sees.
 * *out is malloc'd; caller frees. */
rs_status rs_reco_user_ratings(rs_reco_service *svc, int64_t user_id,
                               rs_rating **out, size_t *n, rs_error *err);

#endif /* RECSYS_RECO_H */
