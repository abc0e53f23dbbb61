/*
 * MovieLens data layer: loads ratings/movies/tags/links (and optional plot
 * text) into an immutable catalogue plus CSR ratings, and derives new
 * datasets (CF subset marks, thinned copies for the evaluation harness).
 *
 * Thread contract: an rs_movielens is immutable after load; any number of
 * threads may read it and its views concurrently.
 */
#ifndef RECSYS_DATASET_H
#define RECSYS_DATASET_H

#include "recsys/plugin.h"

typedef struct rs_movielens rs_movielens;

typedef struct rs_load_options {
    const char *text_file;   /* optional movieId,text CSV; NULL = look for
                                <dir>/movie_text.csv, then none */
    int cf_min_item_ratings; /* CF subset thresholds (prepare) */
    int cf_min_user_ratings;
} rs_load_options;

/* Load <dir>/{movies,ratings,tags,links}.csv. tags and links are optional.
 * A malformed row fails the whole load with "file:line: reason"; nothing
 * half-loaded is returned. */
rs_status rs_movielens_load(const char *dir, const rs_load_options *opt, rs_movielens **out,
                            rs_error *err);
void rs_movielens_free(rs_movielens *ml);

/* The dataset view handed to plugins; valid while ml lives. */
const rs_dataset *rs_movielens_view(const rs_movielens *ml);

/* Dense index for an external id, or -1. O(1). */
int32_t rs_movielens_item_index(const rs_movielens *ml, int64_t movie_id);
int32_t rs_movielens_user_index(const rs_movielens *ml, int64_t user_id);
/* Rows of ratings.csv dropped as duplicates of a (user, movie) pair (the
 * latest timestamp, then the later line, is kept) and, when there were any,
 * the first line holding one. */
size_t rs_movielens_duplicate_rows(const rs_movielens *ml, size_t *first_line);

/*
 * A dataset over the same catalogue built from an explicit rating list
 * (thinned train sets, base data plus app ratings). Owns its arrays; the
 * catalogue strings are borrowed from `base`, which must outlive it.
 */
typedef struct rs_ratings_set rs_ratings_set;

typedef struct rs_triple {
    int32_t user; /* dense user index of the base dataset, or a new index
                     >= base n_users for users absent from it */
    int32_t item; /* catalogue index */
    float rating;
    int64_t timestamp;
} rs_triple;

/* Build from triples (any order; duplicates of (user,item) keep the
 * latest). user_ids[n_users] gives the external id of every dense user. */
rs_status rs_ratings_set_new(const rs_dataset *base, const rs_triple *t, size_t n,
                             const int64_t *user_ids, int32_t n_users, int cf_min_item_ratings,
                             int cf_min_user_ratings, rs_ratings_set **out, rs_error *err);
void rs_ratings_set_free(rs_ratings_set *rs);
const rs_dataset *rs_ratings_set_view(const rs_ratings_set *rs);

/* Counts of the CF subset, for `prepare` output. */
typedef struct rs_cf_stats {
    int32_t users, items;
    size_t ratings;
} rs_cf_stats;
rs_cf_stats rs_dataset_cf_stats(const rs_dataset *d);

#endif /* RECSYS_DATASET_H */
