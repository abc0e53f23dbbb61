/*
 * Learning the hybrid's blend weights (docs/hybrid.md, "Learned weights").
 *
 * The hybrid's fit folds held-out training users in through its children
 * and records, per query, a candidate list with each child's z-score and
 * whether the item is one of the user's held-out positives. This module
 * only sees those numbers: it searches the simplex of child weights
 * (w >= 0, sum 1) for the best mean NDCG@k, per activity bucket. Pure and
 * single-threaded over caller buffers, so it is unit-tested directly with
 * constructed features whose optimal weights are known.
 *
 * Search: every point of a regular simplex grid (step 1/grid) is scored on
 * every bucket at once; each bucket then refines its best point by moving
 * weight between pairs of children in halving steps while NDCG improves.
 * NDCG is a step function of the weights, so a derivative-free search is
 * the honest choice; with four children the grid has at most 286 points.
 * A bucket's objective adds half of its neighbours' NDCG (the adjacent
 * query sizes), so the table stays smooth in n where the buckets' samples
 * are small.
 */
#ifndef RS_HYBRID_LEARN_H
#define RS_HYBRID_LEARN_H

#include <stddef.h>
#include <stdint.h>

/* One learning query: a held-out user folded in with n of their ratings. */
typedef struct rs_hybrid_lquery {
    uint32_t bucket; /* activity bucket (index into the weight table) */
    uint32_t n_cand; /* candidates recorded for it */
    uint32_t n_rel;  /* the user's held-out positives (the ideal DCG) */
    size_t off;      /* its first candidate in the shared arrays */
    /* The smallest weight of child ldata.boost_child for this query (the
     * focus rule, focus.h), applied to the weights being tried exactly as
     * at request time (rs_hybrid_raise_weight); 0 = none. */
    float boost;
} rs_hybrid_lquery;

/* What a query's ranking is scored by. */
enum {
    RS_HYBRID_METRIC_NDCG = 0,   /* NDCG@k, binary gains */
    RS_HYBRID_METRIC_RECALL = 1, /* hits in the top k / relevant */
    RS_HYBRID_METRIC_BOTH = 2    /* the mean of the two */
};

typedef struct rs_hybrid_ldata {
    size_t n_children;
    size_t n_buckets;
    size_t n_queries;
    const rs_hybrid_lquery *q;
    /* feat[(off + j) * n_children + c]: child c's z-score of candidate j
     * of the query (NaN = missing, counts 0). rel[off + j]: 1 = positive.
     * Candidates are in item order, which breaks score ties. */
    const float *feat;
    const uint8_t *rel;
    /* Stand-ins for missing scores, as at request time (blend.h); NULL =
     * none. */
    const int8_t *stand_in;
    /* The child the queries' `boost` raises (ignored when every boost is
     * 0), and the metric (RS_HYBRID_METRIC_*; 0 = NDCG). */
    size_t boost_child;
    int metric;
} rs_hybrid_ldata;

/*
 * Mean metric@k (d->metric: NDCG by default) over the queries of bucket `bucket` (SIZE_MAX = all) with
 * child weights w[n_children]; *count gets how many queries were scored
 * (may be NULL). 0 when there are none.
 */
double rs_hybrid_ndcg(const rs_hybrid_ldata *d, const double *w, size_t k, size_t bucket,
                      size_t *count);

/* The metric@k of query i alone under weights w (0 when i is out of
 * range). */
double rs_hybrid_query_metric(const rs_hybrid_ldata *d, size_t i, const double *w, size_t k);

/*
 * Learn the weights.
 *   live[c]      nonzero = child c may get weight (NULL = all)
 *   k            NDCG cut-off
 *   grid         simplex grid resolution (>= 1; 10 = steps of 0.1)
 *   floor        [n_buckets * n_children] smallest weight each child may
 *                get in each bucket (NULL = 0): the search stays inside
 *                that region; a bucket without queries takes the global
 *                weights, searched within the smallest floors
 *   min_queries  fewer queries than this in all: the fallback weights;
 *                in a bucket: the weights learned over all queries (a few
 *                queries are fitted perfectly by anything, which is noise)
 *   fallback     the child that takes all the weight when there is nothing
 *                to learn from, or -1 for equal weights
 *   w_out        out [n_buckets * n_children], each row sums to 1
 *   ndcg_out     out [n_buckets], the learned weights' NDCG on the bucket
 *                (NaN when it had no queries); may be NULL
 * Deterministic: ties keep the earlier grid point / the current weights.
 */
void rs_hybrid_learn(const rs_hybrid_ldata *d, const uint8_t *live, size_t k, int grid,
                     const double *floor, size_t min_queries, int fallback, double *w_out,
                     double *ndcg_out);

#endif /* RS_HYBRID_LEARN_H */
