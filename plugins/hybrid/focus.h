/*
 * A query's genre focus, and the content weight it buys (docs/hybrid.md,
 * "Focused tastes").
 *
 * Accuracy-learned weights give the content child little weight (it is
 * the weakest child on MovieLens), so a person who rates ten Westerns gets
 * blockbusters. A product rule, not learned: when the films a user liked
 * concentrate on one genre far beyond that genre's share of all ratings,
 * the content child's weight is raised. Most people's first ratings are
 * spread over popular genres (focus below ~1 at 10 ratings on
 * ml-latest-small); a fan of one genre is exactly the case where "more of
 * the same" is what they asked for.
 *
 *   focus = max over genres g of  s_g * ln(s_g / base_g)
 *
 * s_g: the share of the user's liked films (rating >= threshold; all rated
 * films when none is) that carry g; base_g: the share of the training
 * ratings that fall on films carrying g. It is one genre's term of the
 * KL divergence of the user's genre mix from the catalogue's: 0 for a user
 * who looks like everyone, ln(1/base_g) when every liked film is of one
 * rare genre (Western: 3.9; Drama, a third of all ratings: 0.8).
 *
 * Pure functions over caller data; safe on any thread.
 */
#ifndef RS_HYBRID_FOCUS_H
#define RS_HYBRID_FOCUS_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

#define HYB_MAX_GENRES 32 /* rs_item_meta.genre_mask is 32 bits */

/* Rating-weighted genre base rates of a dataset. */
typedef struct rs_hybrid_genre_base {
    size_t n_genres;
    double base[HYB_MAX_GENRES]; /* share of ratings on films with genre g */
} rs_hybrid_genre_base;

/* Fill *out from d (all zero when d has no ratings or no genres). */
void rs_hybrid_genre_base_init(const rs_dataset *d, rs_hybrid_genre_base *out);

/*
 * The focus of a user's ratings (see above).
 *   masks[i]    genre_mask of rated film i
 *   ratings[i]  its rating
 *   n           how many
 *   threshold   liked = rating >= threshold
 * 0 when n is 0 or no film has a genre with a base rate.
 */
double rs_hybrid_focus(const rs_hybrid_genre_base *b, const uint32_t *masks, const float *ratings,
                       size_t n, double threshold);

/* The rule's parameters (hybrid params content_focus, focus_lo, focus_hi,
 * content_floor_n). */
typedef struct rs_hybrid_focus_rule {
    double weight; /* content weight at full focus (0 = rule off) */
    double lo, hi; /* focus where the raise starts / is full (linear) */
    double ramp_n; /* ratings from which the full raise applies
                      (quadratic below: one rating is not a taste) */
} rs_hybrid_focus_rule;

/* The smallest content weight the rule asks for a user with n_ratings
 * ratings and this focus: weight * min(1, n / ramp_n)^2 * clamp((focus -
 * lo) / (hi - lo), 0, 1). Quadratic in n: a few ratings are little of a
 * taste (5 of 10 count a quarter), and accuracy at 5 ratings paid for a
 * linear ramp (docs/hybrid.md). */
double rs_hybrid_focus_floor(const rs_hybrid_focus_rule *r, double focus, size_t n_ratings);

#endif /* RS_HYBRID_FOCUS_H */
