/*
 * Blending arithmetic of the hybrid plugin: the activity-dependent content
 * weight, per-child score normalisation, and the weighted combination with
 * explicit handling of missing scores. Pure functions over caller buffers:
 * no host, no allocation, no state, so they are safe on any thread and are
 * unit-tested directly (tests/hybrid/test_blend.c).
 *
 * Missing scores (docs/hybrid.md, "Missing scores"): an item a child cannot
 * score is treated as that child's *worst* candidate (its floor). Every
 * normalised value is stored as its lift above the child's floor, so a
 * missing score contributes exactly 0 and a child's weight keeps counting
 * against items it knows nothing about. A missing score is never read as a
 * raw 0 by accident: it is NaN until rs_hybrid_normalise maps it to 0 lift,
 * and an item that no child could score stays NaN (RS_SCORE_MISSING).
 */
#ifndef RS_HYBRID_BLEND_H
#define RS_HYBRID_BLEND_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef enum rs_hybrid_norm {
    RS_HYBRID_RRF = 0,    /* reciprocal-rank fusion, 1 / (k + rank) */
    RS_HYBRID_ZSCORE = 1, /* (s - mean) / stddev over the candidates */
    RS_HYBRID_MINMAX = 2  /* (s - min) / (max - min) over the candidates */
} rs_hybrid_norm;

/* "rrf" | "zscore" | "minmax" -> *out; returns 0 on an unknown name. */
int rs_hybrid_norm_parse(const char *name, rs_hybrid_norm *out);
const char *rs_hybrid_norm_name(rs_hybrid_norm m);

/* Content weight as a function of the user's rating count n:
 *   w_content(n) = w_min + (w_max - w_min) * exp(-n / scale)
 * so w_content(0) = w_max, it falls by 63% of the span every `scale`
 * ratings and tends to w_min for heavy users. The CF weight is 1 - it. */
typedef struct rs_hybrid_curve {
    double w_min; /* 0 <= w_min <= w_max <= 1 */
    double w_max;
    double scale; /* > 0, in ratings */
} rs_hybrid_curve;

double rs_hybrid_content_weight(const rs_hybrid_curve *c, size_t n_ratings);

/* Scratch entry for ranking one child's candidates. */
typedef struct rs_hybrid_rank {
    float score;
    uint32_t pos; /* candidate position */
} rs_hybrid_rank;

/*
 * Normalise one child's raw scores over the request's candidates.
 *   raw[n]     the child's scores, NaN where it could not score
 *   scratch[n] caller storage for the RRF ranking
 *   lift[n]    out: normalised value minus the child's floor (>= 0), or NaN
 *              where raw is NaN; the caller maps NaN to a 0 contribution
 * RRF uses competition ranking (equal raw scores share the best rank of
 * their group, so the result never depends on candidate order) and its
 * floor is the value of rank n_scored + 1, one below the last ranked
 * candidate. Z-score's and min-max's floor is the lowest scored candidate;
 * when all scored values are equal the child expresses no preference and
 * every lift is 0. Returns how many candidates the child scored.
 */
size_t rs_hybrid_normalise(rs_hybrid_norm m, double rrf_k, const float *raw,
                           size_t n, rs_hybrid_rank *scratch, double *lift);

/*
 * Blend n candidates over n_children normalised children.
 *   lift[c * n + i] child c's lift for candidate i (NaN = missing)
 *   w[c]            child weights, summing to 1 over usable children
 *   blended[i]      out: sum_c w[c] * lift, missing lifts counting 0;
 *                   NaN when no child scored candidate i
 */
void rs_hybrid_combine(size_t n_children, const double *w,
                       const double *lift, size_t n, float *blended);

/*
 * Each child's share of candidate i's blended score, summing to 1 over the
 * children: w[c] * lift / blended. A missing child's share is 0. When the
 * blended score is 0 (the item sits on every child's floor) the shares fall
 * back to the weights of the children that scored it. share[n_children].
 */
void rs_hybrid_shares(size_t n_children, const double *w, const double *lift,
                      size_t n, size_t i, float *share);

#endif /* RS_HYBRID_BLEND_H */
