/* Internal: CSR arrays behind an rs_dataset view. */
#ifndef RS_RATINGS_CSR_H
#define RS_RATINGS_CSR_H

#include "recsys/dataset.h"

typedef struct rs_csr {
    size_t n_ratings;
    size_t *user_ptr;
    int32_t *user_item;
    float *user_rating;
    int64_t *user_time;
    size_t *item_ptr;
    int32_t *item_user;
    float *item_rating;
    uint8_t *cf_item;
    uint8_t *cf_user;
} rs_csr;

/* Sorts `t` in place; keeps the latest of duplicate (user, item) pairs. */
rs_status rs_csr_build(rs_csr *c, rs_triple *t, size_t n, int32_t n_users, int32_t n_items,
                       int cf_min_item, int cf_min_user, rs_error *err);
void rs_csr_destroy(rs_csr *c);
void rs_csr_fill_view(const rs_csr *c, rs_dataset *v);

#endif
