/*
 * A copy of the training data with part of some users' ratings held out,
 * for the hybrid's leak-free learning (docs/hybrid.md, "Users the children
 * know"): the hybrid fits private copies of its children on the copy
 * (rs_host.child_fit_private), serves each sampled user as a known user of
 * those copies, and scores the ratings the copies never saw.
 *
 * Pure over caller data; unit-tested (tests/hybrid/test_blend.c).
 */
#ifndef RS_HYBRID_HOLDOUT_H
#define RS_HYBRID_HOLDOUT_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef struct rs_hybrid_holdout {
    rs_dataset data; /* the copy: every user and item, fewer ratings */
    /* The sampled users (dense indices, shared by both datasets) and their
     * held-out ratings: user k's are [held_ptr[k], held_ptr[k + 1]). */
    int32_t *users;
    size_t n_users;
    size_t *held_ptr;
    int32_t *held_item;
    float *held_rating;
    /* The copy's arrays (data points into them). */
    size_t *user_ptr, *item_ptr;
    int32_t *user_item, *item_user;
    float *user_rating, *item_rating;
    int64_t *user_time;
} rs_hybrid_holdout;

/*
 * Sample up to max_users users of `in` with at least min_ratings ratings
 * (seeded shuffle), keep fold `fold` of `folds` of them (every folds-th of
 * the sample, from the fold-th), and hold out round(fraction * count) of
 * each kept user's ratings (at least 1, at random). Users with drop[u] set
 * (drop may be NULL) lose all their ratings instead and are never sampled:
 * they are new users to the copy. Everything else, catalogue and CF subset
 * included, is shared with or copied from `in`. The folds of one seed are
 * disjoint and cover the sample. 0 on success, -1 when out of memory (*out
 * is then empty). Free with rs_hybrid_holdout_free; `in` must outlive
 * *out.
 */
int rs_hybrid_holdout_build(const rs_dataset *in, size_t max_users, size_t min_ratings,
                            double fraction, size_t fold, size_t folds, uint64_t seed,
                            const uint8_t *drop, rs_hybrid_holdout *out);
void rs_hybrid_holdout_free(rs_hybrid_holdout *h);

#endif /* RS_HYBRID_HOLDOUT_H */
