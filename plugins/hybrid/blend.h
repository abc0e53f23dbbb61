/*
 * Blending arithmetic of the hybrid plugin: per-child z-scores over the
 * catalogue, the weighted sum, each child's share of an item's score and
 * the activity bucket a request falls in. Pure functions over caller
 * buffers: no host, no allocation, no state, so they are safe on any
 * thread and are unit-tested directly (tests/hybrid/test_blend.c).
 *
 * Missing scores (docs/hybrid.md, "Missing scores"): an item a child cannot
 * score (RS_SCORE_MISSING, e.g. a cold movie outside a CF child's subset)
 * gets z = 0 for that child: the child's average, "no opinion". It neither
 * pushes the item up nor buries it, so a cold movie the content child
 * likes can still reach the top of the blend; the learned weights decide
 * how far. An item that *no* child can score stays NaN and is never
 * recommended.
 *
 * Stand-ins (docs/hybrid.md, "Cold movies"): a child may name another
 * whose z-score replaces its own where it has none. The hybrid makes the
 * content child the stand-in of the CF children, so a cold movie is
 * weighed as if the CF children agreed with content about it, instead of
 * carrying only content's (small) weight; stand_in[c] = -1 means "the
 * child's mean". The learner uses the same rule, so the weights are
 * fitted for it.
 */
#ifndef RS_HYBRID_BLEND_H
#define RS_HYBRID_BLEND_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

/*
 * One child's z-scores over n items.
 *   raw[n]   the child's scores, NaN where it could not score
 *   skip[n]  nonzero = left out of the mean and deviation (the user's rated
 *            and excluded items, which are never recommended); may be NULL
 *   log1p    transform each score to log(1 + max(s, 0)) first (popularity
 *            counts are heavy-tailed; the blend wants log counts)
 *   z[n]     out: (t(raw) - mean) / stddev, NaN where raw is NaN. When the
 *            child scores every counted item the same it expresses no
 *            preference and every z is 0.
 * Returns how many counted (non-skipped) items the child scored; 0 means it
 * said nothing and should be left out of the request.
 */
size_t rs_hybrid_zscore(const float *raw, const uint8_t *skip, size_t n, int log1p, float *z);

/*
 * One item's blend: sum_c w[c] * v_c, where v_c = z[c * stride] or, when
 * that is NaN, z[stand_in[c] * stride] (stand_in NULL or -1: no stand-in;
 * still NaN: the child's mean, 0). With attr != NULL, attr[c] receives the
 * contribution credited to child c (a stand-in's to the stand-in). Returns
 * NaN when no child (nor stand-in) scored the item.
 */
static inline double rs_hybrid_blend_one(size_t n_children, const double *w, const float *z,
                                         size_t stride, const int8_t *stand_in, double *attr)
{
    double s = 0.0;
    int any = 0;
    for (size_t c = 0; c < n_children; c++)
        if (attr)
            attr[c] = 0.0;
    for (size_t c = 0; c < n_children; c++) {
        float v = z[c * stride];
        size_t who = c;
        if (v != v && stand_in && stand_in[c] >= 0) { /* NaN: ask the stand-in */
            who = (size_t)stand_in[c];
            v = z[who * stride];
        }
        if (v != v)
            continue;
        s += w[c] * v;
        any = 1;
        if (attr)
            attr[who] += w[c] * v;
    }
    return any ? s : (double)NAN;
}

/*
 * Blend n items over n_children children.
 *   z[c * n + i]  child c's z-score of item i (NaN = missing)
 *   w[c]          child weights (>= 0)
 *   stand_in[c]   see rs_hybrid_blend_one (may be NULL)
 *   blended[i]    out: the blend, NaN when no child scored item i
 */
void rs_hybrid_combine(size_t n_children, const double *w, const float *z, size_t n,
                       const int8_t *stand_in, float *blended);

/*
 * Each child's share of item i's blended score: its positive contribution
 * (what rs_hybrid_blend_one credits it with) over the sum of the positive
 * contributions, so shares are in
 * [0, 1] and sum to 1 ("what lifted this item above average"). A child
 * that pulled the item down, or could not score it, gets 0. When no child
 * lifted it, the shares are the weights of the children that scored it.
 * share[n_children]. Returns the child with the largest contribution
 * among those with eligible[c] != 0 (NULL = all), or -1 when none
 * contributed positively.
 */
int rs_hybrid_shares(size_t n_children, const double *w, const float *z, size_t n, size_t i,
                     const int8_t *stand_in, const uint8_t *eligible, float *share);

/*
 * The content child's evidence gate (docs/hybrid.md, "Known films"): a
 * content z-score above the mean lifts item i only in proportion to how
 * well known i is, g(c) = min(1, ln(2 + c) / ln(2 + full)) for its c
 * training ratings (item_ptr[i + 1] - item_ptr[i]); z <= 0 is left alone,
 * so a film content dislikes is still held back. Content alone ranks
 * films nobody has seen at the top of a genre (their text matches best),
 * and a blend that gives content weight inherits them. A film without
 * ratings keeps ln 2 / ln(2 + full) of its lift (0.22 at full = 20), so
 * a cold film content strongly supports can still be shown. strength in
 * [0, 1] raises g to that power (1 = as above, 0 = no gate): a user who
 * rated mostly cold films asks for films few people know. full <= 0 or
 * strength <= 0: off.
 */
void rs_hybrid_evidence_gate(float *z, size_t n, const size_t *item_ptr, double full,
                             double strength);

/*
 * Cap z[i] at `cap` (cap <= 0: off; NaN stays NaN). Used on the content
 * child: its z-scores of a genre's films can reach 10-20 standard
 * deviations (a tight cluster of texts, e.g. documentaries), so any weight
 * on it puts the whole cluster, known or not, above everything else. Past
 * the cap, content has said "this is your kind of film" and the other
 * children decide which of them.
 */
void rs_hybrid_cap(float *z, size_t n, double cap);

/*
 * Weights w[n_children] (summing to 1) with child `child` raised to at
 * least `at_least` (in [0, 1]): the others are scaled down in proportion,
 * so their ratios, which were learned, stay as they were. out may alias w.
 * Unchanged when the child already has that much, or when no other child
 * has weight to give.
 */
void rs_hybrid_raise_weight(size_t n_children, const double *w, size_t child, double at_least,
                            double *out);

/*
 * The learned-weight bucket for a user with n_ratings: the bucket whose
 * representative query size bucket_n[b] (ascending) is nearest on a log
 * scale. 0 when n_buckets is 0.
 */
size_t rs_hybrid_bucket(const int32_t *bucket_n, size_t n_buckets, size_t n_ratings);

#endif /* RS_HYBRID_BLEND_H */
