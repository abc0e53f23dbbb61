/* Server-internal: every SQL statement the server runs, behind named
 * functions (docs/architecture.md). Handlers and services say what they
 * want ("the user's ratings", "log these exposures"); only this module
 * knows tables and columns. db.c stays the plumbing underneath: the pool,
 * rs_db_exec's error translation, transactions and migrations.
 *
 * Conventions: every function borrows a pool connection for its duration
 * (or uses the caller's `PGconn` where a handler already holds one) and
 * returns an rs_status with err set; RS_ERR_DATABASE when PostgreSQL is
 * unreachable or fails, RS_ERR_INVALID for an integrity violation (see
 * rs_db_exec). Functions returning a PGresult document its columns; the
 * caller PQclears it. Thread contract: any thread, concurrently. */
#ifndef RS_SERVER_STORE_H
#define RS_SERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/db.h"

/* ---- ratings as the models see them ------------------------------------- */

typedef struct rs_store_rating {
    int64_t user_id; /* the app user */
    int64_t movie_id;
    float rating;
    int64_t timestamp; /* unix seconds */
} rs_store_rating;

/* Called once per row; a non-RS_OK return stops the scan and is returned. */
typedef rs_status (*rs_store_rating_fn)(void *ctx, const rs_store_rating *r, rs_error *err);

/* The rating a "Not interested" mark stands for in a model query: the
 * lowest on the MovieLens scale. */
#define RS_STORE_HIDDEN_RATING_SQL "0.5"

/* user_id's ratings, plus the films they marked "Not interested" and did
 * not rate, as RS_STORE_HIDDEN_RATING_SQL: the query every model sees. */
rs_status rs_store_user_model_ratings(rs_db *db, int64_t user_id, rs_store_rating_fn fn,
                                      void *ctx, rs_error *err);
/* Every app rating (for retraining). */
rs_status rs_store_all_ratings(rs_db *db, rs_store_rating_fn fn, void *ctx, rs_error *err);

/* ---- exposures ----------------------------------------------------------- */

/* One row per shown movie (position = index), sources[i] credited, arm
 * "" = NULL; in one statement so every row of a response shares now(). */
rs_status rs_store_exposures_add(rs_db *db, int64_t user_id, const int64_t *movie_ids,
                                 const char *const *sources, size_t n, const char *arm,
                                 rs_error *err);

#endif
