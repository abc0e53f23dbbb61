/*
 * Test support for the LightGCN plugin: in-memory datasets built from
 * rating triples, and where ml-latest-small lives (the tests and benchmarks
 * load it with the core's rs_movielens_load). The host is the SDK's test
 * host (recsys/testhost.h), with the descriptor's defaults.
 */
#ifndef LGCN_TEST_SUPPORT_H
#define LGCN_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

/* ---- Datasets ------------------------------------------------------------ */

typedef struct td_rating {
    int32_t user, item; /* dense indices */
    float rating;
} td_rating;

typedef struct td_data {
    rs_dataset view;
    int64_t *user_ids;
    rs_item_meta *items;
    size_t *user_ptr, *item_ptr;
    int32_t *user_item, *item_user;
    float *user_rating, *item_rating;
    int64_t *user_time;
    uint8_t *cf_item, *cf_user;
} td_data;

/* Build a dataset over n_items catalogue items (movie ids from movie_ids,
 * or 1000+i when NULL) and n_users users (ids 1..n_users when user_ids is
 * NULL). Every item and user is in the CF subset. */
td_data *td_new(int32_t n_users, const int64_t *user_ids, int32_t n_items, const int64_t *movie_ids,
                const td_rating *r, size_t n);
void td_free(td_data *d);

/* The ml-latest-small directory, or NULL when the data is absent. */
const char *td_ml_small_dir(void);

#endif /* LGCN_TEST_SUPPORT_H */
