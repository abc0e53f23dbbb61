/* Server-internal: every SQL statement the server runs, behind named
 * functions (docs/architecture.md). Handlers and services say what they
 * want ("the user's ratings", "log these exposures"); only this module
 * knows tables and columns. db.c stays the plumbing underneath: the pool,
 * rs_db_exec's error translation, transactions and migrations.
 *
 * Conventions: every function borrows a pool connection for its duration
 * (a transaction stays inside one function) and returns an rs_status with
 * err set: RS_ERR_DATABASE when PostgreSQL is unreachable or fails,
 * RS_ERR_INVALID for an integrity violation (see rs_db_exec). Functions
 * returning a PGresult document its columns; the caller PQclears it (on
 * failure *out is NULL). Thread contract: any thread, concurrently.
 *
 * Issue 15 (serve) batches exposures and may prepare statements: both
 * belong here, behind these same names. The cluster's statements (model
 * versions, the rating feed, the trainer lock) follow the same conventions;
 * the trainer lock alone keeps its connection past the call, by design. */
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
rs_status rs_store_user_model_ratings(rs_db *db, int64_t user_id, rs_store_rating_fn fn, void *ctx,
                                      rs_error *err);
/* Every app rating (for retraining). */
rs_status rs_store_all_ratings(rs_db *db, rs_store_rating_fn fn, void *ctx, rs_error *err);

/* ---- exposures ----------------------------------------------------------- */

/* One row per shown movie (position = index), sources[i] credited, arm
 * "" = NULL; in one statement so every row of a response shares now(). */
rs_status rs_store_exposures_add(rs_db *db, int64_t user_id, const int64_t *movie_ids,
                                 const char *const *sources, size_t n, const char *arm,
                                 rs_error *err);

/* Many responses' rows in one statement (the batch writer,
 * exposure_queue.c): six PostgreSQL array literals of equal length, the
 * rows' user ids, movie ids, sources, arms ("" = NULL), positions and
 * shown_at in Unix microseconds. Rows of users deleted meanwhile are left
 * out; *written gets how many rows were inserted. */
rs_status rs_store_exposures_add_rows(rs_db *db, const char *const arrays[6], size_t *written,
                                      rs_error *err);

/* ---- accounts and sessions ------------------------------------------------ */

/* A user row is (id, username, created_at as ISO 8601 UTC). */

/* Create the account and its first session (token_hash valid ttl_s
 * seconds) together or not at all. *out: the user row, or no row when the
 * username is taken (case-insensitively). */
rs_status rs_store_user_register(rs_db *db, const char *username, const char *password_hash,
                                 const char *token_hash, int ttl_s, PGresult **out, rs_error *err);
/* The account whose lower(username) is `folded`: (id, username,
 * created_at, password_hash), or no row. */
rs_status rs_store_user_by_name(rs_db *db, const char *folded, PGresult **out, rs_error *err);
/* Delete the account; its sessions, ratings, lists and exposures go with
 * it (ON DELETE CASCADE), atomically. */
rs_status rs_store_user_delete(rs_db *db, int64_t user_id, rs_error *err);

/* The account's password hash: (password_hash), or no row. */
rs_status rs_store_user_password(rs_db *db, int64_t user_id, PGresult **out, rs_error *err);
/* Store a new password hash, end every session of the account and start
 * one (token_hash, valid ttl_s seconds), together or not at all. */
rs_status rs_store_user_password_set(rs_db *db, int64_t user_id, const char *password_hash,
                                     const char *token_hash, int ttl_s, rs_error *err);

/* A session token_hash for user_id, valid ttl_s seconds (the user's
 * expired sessions are dropped on the way). */
rs_status rs_store_session_add(rs_db *db, const char *token_hash, int64_t user_id, int ttl_s,
                               rs_error *err);
/* The user of a live session: (id, username, created_at, the session's
 * expiry in Unix seconds), or no row. */
rs_status rs_store_session_user(rs_db *db, const char *token_hash, PGresult **out, rs_error *err);
rs_status rs_store_session_delete(rs_db *db, const char *token_hash, rs_error *err);

/* ---- ratings ---------------------------------------------------------------- */

/* Set user_id's rating of movie_id (text "4.5"): (movie_id, rating,
 * updated_at), or no row when there is no such movie. */
rs_status rs_store_rating_put(rs_db *db, int64_t user_id, int64_t movie_id, const char *rating,
                              PGresult **out, rs_error *err);
/* Remove it (a no-op when absent); *movie_exists = 0: no such movie. */
rs_status rs_store_rating_delete(rs_db *db, int64_t user_id, int64_t movie_id, int *movie_exists,
                                 rs_error *err);
/* One page of the user's ratings, newest first: movie columns, rating,
 * updated_at; *total: all of them. */
rs_status rs_store_ratings_page(rs_db *db, int64_t user_id, long limit, long offset, PGresult **out,
                                long long *total, rs_error *err);
rs_status rs_store_rating_count(rs_db *db, int64_t user_id, long long *n, rs_error *err);

/* ---- the user's lists ('hidden', 'watchlist') ----------------------------- */

/* Add (idempotent; the first added_at stays): (added_at), or no row when
 * there is no such movie. */
rs_status rs_store_list_add(rs_db *db, int64_t user_id, int64_t movie_id, const char *list,
                            PGresult **out, rs_error *err);
/* Remove (a no-op when absent); *movie_exists = 0: no such movie. */
rs_status rs_store_list_remove(rs_db *db, int64_t user_id, int64_t movie_id, const char *list,
                               int *movie_exists, rs_error *err);
/* One page, newest first: movie columns, added_at; *total: all of them. */
rs_status rs_store_list_page(rs_db *db, int64_t user_id, const char *list, long limit, long offset,
                             PGresult **out, long long *total, rs_error *err);
/* Everything that marks a card: (movie_id, kind, rating) with kind
 * 'rating' (and its rating) or the list's name (rating NULL). */
rs_status rs_store_marks(rs_db *db, int64_t user_id, PGresult **out, rs_error *err);
/* The movies the user marked "Not interested": (movie_id). */
rs_status rs_store_hidden_movies(rs_db *db, int64_t user_id, PGresult **out, rs_error *err);

/* ---- the catalogue ------------------------------------------------------------- */

/* Movie rows begin with the RS_MOVIE_NCOLS columns rs_movie_json reads
 * (server_internal.h); the functions below say what follows. */

/* Browse orders of rs_store_movies_page, by name ("popularity", "rating",
 * "year", "title"): an index, or -1 when unknown. */
int rs_store_movie_sort(const char *name);

typedef struct rs_store_movie_query {
    const char *query; /* "" = no search: a case-insensitive "contains" on the title */
    const char *genre; /* "" = any */
    int sort;          /* rs_store_movie_sort */
    long limit, offset;
} rs_store_movie_query;

/* One page of the catalogue: movie columns; *total: all matches.
 * RS_ERR_INVALID "query too long" when the search text cannot be made a
 * pattern. */
rs_status rs_store_movies_page(rs_db *db, const rs_store_movie_query *q, PGresult **out,
                               long long *total, rs_error *err);
/* One movie: movie columns, overview, tags, user_id's rating (NULL when
 * unrated or user_id < 0); no row when there is no such movie. */
rs_status rs_store_movie(rs_db *db, int64_t movie_id, int64_t user_id, PGresult **out,
                         rs_error *err);
/* The movies of ids[n] in one round trip, in no particular order: movie
 * columns. */
rs_status rs_store_movies_by_ids(rs_db *db, const int64_t *ids, size_t n, PGresult **out,
                                 rs_error *err);
/* Replace the catalogue's rows from `tsv` (COPY text format: id, title,
 * year, genres joined by '|', tmdb_id, imdb_id, overview, tags, base_n,
 * base_sum), in one transaction; rows whose values did not change are not
 * written. App rating counters are left alone. */
rs_status rs_store_catalog_load(rs_db *db, const char *tsv, size_t len, rs_error *err);

/* ---- experiment statistics -------------------------------------------------------- */

/* Exposures of a split experiment's arms joined to the users' ratings:
 * (arm name, user_id, movie_id, shown_at ms, rating or NULL, rated_at ms). */
rs_status rs_store_split_exposures(rs_db *db, const char *experiment, PGresult **out,
                                   rs_error *err);
/* Exposures logged under `arm` ("<experiment>/interleave"), by user,
 * impression and position: (user_id, shown_at us, movie_id, source,
 * rated at or after the impression as 't'/'f'). */
rs_status rs_store_interleave_exposures(rs_db *db, const char *arm, PGresult **out, rs_error *err);
/* How many exposures a source= override logged. */
rs_status rs_store_override_count(rs_db *db, long long *n, rs_error *err);

/* ---- the cluster (docs/scaling.md) ------------------------------------------------ */

#define RS_CHECKSUM_HEX 65 /* SHA-256 in hex + NUL */

/* One row of model_versions (migration 005). */
typedef struct rs_model_version {
    char source[RS_SOURCE_NAME_MAX];
    int64_t version;
    char path[1024];
    char checksum[RS_CHECKSUM_HEX];
    char created_by[64];
} rs_model_version;

/* Called with the number the new row will get, under the publish lock:
 * fill v->path and v->checksum (the artifacts must be in place before it
 * returns), or fail and nothing is inserted. */
typedef rs_status (*rs_store_version_fill_fn)(void *ctx, rs_model_version *v, rs_error *err);

/* Insert the next version of `source` (max + 1): in one transaction that
 * first takes a transaction-level advisory lock per source, so concurrent
 * publishers (a retrain and an admin reload on two replicas) are
 * serialised, then calls fill, then inserts the row with metrics_json (a
 * JSON object text; "{}" when NULL) and created_by ("" when NULL). *out:
 * the row as stored. */
rs_status rs_store_model_version_add(rs_db *db, const char *source, const char *metrics_json,
                                     const char *created_by, rs_store_version_fill_fn fill,
                                     void *ctx, rs_model_version *out, rs_error *err);
/* The newest version of every source, by source name: up to cap rows into
 * out, *n of them. */
rs_status rs_store_model_versions_latest(rs_db *db, rs_model_version *out, size_t cap, size_t *n,
                                         rs_error *err);
/* One version; RS_ERR_NOT_FOUND when there is no such row. */
rs_status rs_store_model_version_get(rs_db *db, const char *source, int64_t version,
                                     rs_model_version *out, rs_error *err);

/* Called once per rating_changes row: the user and when (Unix
 * microseconds). A non-RS_OK return stops the scan and is returned. */
typedef rs_status (*rs_store_rating_change_fn)(void *ctx, int64_t user_id, int64_t changed_us,
                                               rs_error *err);
/* The rows of rating_changes stamped after since_us (Unix microseconds),
 * in no particular order. */
rs_status rs_store_rating_changes_since(rs_db *db, int64_t since_us, rs_store_rating_change_fn fn,
                                        void *ctx, rs_error *err);
/* PostgreSQL's clock now (clock_timestamp(), Unix microseconds): where a
 * reader of rating_changes starts, on the clock that stamps the rows. */
rs_status rs_store_clock_us(rs_db *db, int64_t *now_us, rs_error *err);

/* The one trainer per database: a session-level advisory lock on a pool
 * connection its holder keeps, so a replica that dies releases it with its
 * session. A handle belongs to one thread at a time. */
typedef struct rs_store_trainer_lock rs_store_trainer_lock;
/* Try to take it: *out = the held lock, or NULL (still RS_OK) when another
 * session holds it. */
rs_status rs_store_trainer_lock_try(rs_db *db, rs_store_trainer_lock **out, rs_error *err);
/* RS_OK while the holding session lives. Otherwise the lock is gone with
 * it: the connection goes back to the pool (which resets it), the handle is
 * freed and *lock set to NULL. */
rs_status rs_store_trainer_lock_keep(rs_store_trainer_lock **lock, rs_error *err);
/* Unlock and give the connection back to the pool, so no request's session
 * inherits the lock. NULL is a no-op. */
void rs_store_trainer_lock_release(rs_store_trainer_lock *lock);

#endif
