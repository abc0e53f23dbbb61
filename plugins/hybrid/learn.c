#include "learn.h"

#include "blend.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_K 100
#define MAX_CHILDREN 8

/* The metric@k of one query (d->metric): the k best candidates by blended
 * score (ties to the earlier candidate) under w raised by the query's
 * boost; NDCG with binary gains and the ideal DCG over min(k, n_rel), or
 * recall = hits / n_rel (the harness's definition). The name stays from
 * when NDCG was the only metric. */
static double query_ndcg(const rs_hybrid_ldata *d, const rs_hybrid_lquery *q, const double *w_in,
                         size_t k)
{
    size_t C = d->n_children, top_n = 0;
    float top_s[MAX_K];
    uint8_t top_r[MAX_K];
    double w_boost[MAX_CHILDREN];
    const double *w = w_in;
    if (q->n_rel == 0 || k == 0)
        return 0.0;
    if (q->boost > 0.0f && d->boost_child < C && C <= MAX_CHILDREN) {
        rs_hybrid_raise_weight(C, w_in, d->boost_child, q->boost, w_boost);
        w = w_boost;
    }
    for (size_t j = 0; j < q->n_cand; j++) {
        const float *f = d->feat + (q->off + j) * C;
        double s = rs_hybrid_blend_one(C, w, f, 1, d->stand_in, NULL);
        if (isnan(s))
            continue;
        float sf = (float)s;
        if (top_n == k && !(sf > top_s[k - 1]))
            continue; /* ties keep the earlier candidate */
        size_t p = top_n < k ? top_n++ : k - 1;
        while (p > 0 && sf > top_s[p - 1]) {
            top_s[p] = top_s[p - 1];
            top_r[p] = top_r[p - 1];
            p--;
        }
        top_s[p] = sf;
        top_r[p] = d->rel[q->off + j];
    }
    double dcg = 0.0, idcg = 0.0, hits = 0.0;
    for (size_t r = 0; r < top_n; r++)
        if (top_r[r]) {
            dcg += 1.0 / log2((double)r + 2.0);
            hits += 1.0;
        }
    for (size_t r = 0; r < k && r < q->n_rel; r++)
        idcg += 1.0 / log2((double)r + 2.0);
    double recall = hits / (double)q->n_rel; /* as the harness's Recall@k */
    switch (d->metric) {
    case RS_HYBRID_METRIC_RECALL: return recall;
    case RS_HYBRID_METRIC_BOTH: return 0.5 * (dcg / idcg + recall);
    default: return dcg / idcg;
    }
}

double rs_hybrid_query_metric(const rs_hybrid_ldata *d, size_t i, const double *w, size_t k)
{
    return i < d->n_queries ? query_ndcg(d, &d->q[i], w, k < MAX_K ? k : MAX_K) : 0.0;
}

double rs_hybrid_ndcg(const rs_hybrid_ldata *d, const double *w, size_t k, size_t bucket,
                      size_t *count)
{
    double sum = 0.0;
    size_t n = 0;
    if (k > MAX_K)
        k = MAX_K;
    for (size_t i = 0; i < d->n_queries; i++) {
        if (bucket != SIZE_MAX && d->q[i].bucket != bucket)
            continue;
        sum += query_ndcg(d, &d->q[i], w, k);
        n++;
    }
    if (count)
        *count = n;
    return n ? sum / (double)n : 0.0;
}

/* One pass over every query: per-bucket sums for weights w. */
static void bucket_sums(const rs_hybrid_ldata *d, const double *w, size_t k, double *sum)
{
    memset(sum, 0, d->n_buckets * sizeof *sum);
    for (size_t i = 0; i < d->n_queries; i++)
        if (d->q[i].bucket < d->n_buckets)
            sum[d->q[i].bucket] += query_ndcg(d, &d->q[i], w, k);
}

/* A bucket's objective: its own NDCG sum plus half its neighbours' (the
 * adjacent query sizes). Buckets hold ~200 queries each, and NDCG@20 over
 * so few users moves by more than the weights' true effect; borrowing
 * from the neighbours keeps the table smooth in n without forcing one
 * global set. */
#define NEIGHBOUR_WEIGHT 0.5

static double smoothed(const double *sum, size_t n_buckets, size_t b)
{
    double v = sum[b];
    if (b > 0)
        v += NEIGHBOUR_WEIGHT * sum[b - 1];
    if (b + 1 < n_buckets)
        v += NEIGHBOUR_WEIGHT * sum[b + 1];
    return v;
}

typedef struct search {
    const rs_hybrid_ldata *d;
    size_t k;
    int grid;
    size_t n_live;
    size_t live_idx[MAX_CHILDREN];
    const double *floor;               /* [n_buckets * C] smallest weights, or NULL */
    double global_floor[MAX_CHILDREN]; /* the smallest floor of any bucket */
    int parts[MAX_CHILDREN];
    double *sum;      /* [n_buckets] scratch */
    double *best;     /* [n_buckets] best sums so far */
    double *best_w;   /* [n_buckets * C] */
    double global;    /* best total over all queries */
    double *global_w; /* [C] */
} search;

static int allowed(const search *s, size_t b, const double *w)
{
    size_t C = s->d->n_children;
    for (size_t c = 0; s->floor && c < C; c++)
        if (w[c] < s->floor[b * C + c] - 1e-9)
            return 0;
    return 1;
}

/* Enumerate the compositions of `left` grid steps over live children
 * [pos, n_live) and score each point on every bucket in one pass. */
static void enumerate(search *s, size_t pos, int left)
{
    size_t C = s->d->n_children;
    if (pos + 1 == s->n_live) {
        s->parts[pos] = left;
        double w[MAX_CHILDREN] = {0};
        for (size_t l = 0; l < s->n_live; l++)
            w[s->live_idx[l]] = (double)s->parts[l] / s->grid;
        for (size_t c = 0; c < C; c++)
            if (w[c] < s->global_floor[c] - 1e-9)
                return; /* outside every bucket's allowed region */
        bucket_sums(s->d, w, s->k, s->sum);
        double total = 0.0;
        for (size_t b = 0; b < s->d->n_buckets; b++) {
            total += s->sum[b];
            double v = smoothed(s->sum, s->d->n_buckets, b);
            if (v > s->best[b] && allowed(s, b, w)) {
                s->best[b] = v;
                memcpy(s->best_w + b * C, w, C * sizeof *w);
            }
        }
        if (total > s->global) {
            s->global = total;
            memcpy(s->global_w, w, C * sizeof *w);
        }
        return;
    }
    for (int p = left; p >= 0; p--) { /* heavier first children first */
        s->parts[pos] = p;
        enumerate(s, pos + 1, left - p);
    }
}

/* The smoothed objective of bucket b for weights w, over its queries and
 * its neighbours'. */
static double bucket_objective(const search *s, const double *w, size_t b)
{
    double sum[3] = {0, 0, 0};
    size_t B = s->d->n_buckets, n;
    for (size_t o = 0; o < 3; o++) {
        size_t bb = b + o;
        if (bb >= 1 && bb - 1 < B)
            sum[o] = rs_hybrid_ndcg(s->d, w, s->k, bb - 1, &n) * (double)n;
    }
    return sum[1] + NEIGHBOUR_WEIGHT * (sum[0] + sum[2]);
}

/* Pairwise moves of weight between live children, step halving from half
 * a grid step to an eighth, while the bucket's NDCG improves strictly. */
static void refine(const search *s, size_t b, double *w, double *best)
{
    const rs_hybrid_ldata *d = s->d;
    size_t C = d->n_children;
    for (double step = 0.5 / s->grid; step > 0.1 / s->grid; step /= 2) {
        int improved = 1;
        while (improved) {
            improved = 0;
            for (size_t a = 0; a < s->n_live; a++)
                for (size_t c = 0; c < s->n_live; c++) {
                    size_t ia = s->live_idx[a], ic = s->live_idx[c];
                    if (a == c || w[ic] < step - 1e-12 ||
                        (s->floor && w[ic] - step < s->floor[b * C + ic] - 1e-9))
                        continue;
                    double t[MAX_CHILDREN];
                    memcpy(t, w, C * sizeof *w);
                    t[ia] += step;
                    t[ic] -= step;
                    if (t[ic] < 0.0)
                        t[ic] = 0.0;
                    double v = bucket_objective(s, t, b);
                    if (v > *best + 1e-12) {
                        *best = v;
                        memcpy(w, t, C * sizeof *w);
                        improved = 1;
                    }
                }
        }
    }
}

static void normalise_row(double *w, size_t C)
{
    double sum = 0.0;
    for (size_t c = 0; c < C; c++)
        sum += w[c];
    for (size_t c = 0; c < C && sum > 0.0; c++)
        w[c] /= sum;
}

void rs_hybrid_learn(const rs_hybrid_ldata *d, const uint8_t *live, size_t k, int grid,
                     const double *floor, size_t min_queries, int fallback, double *w_out,
                     double *ndcg_out)
{
    size_t C = d->n_children, B = d->n_buckets;
    search s = {.d = d, .k = k > MAX_K ? MAX_K : k, .grid = grid > 0 ? grid : 1};
    for (size_t c = 0; c < C && c < MAX_CHILDREN; c++)
        if (!live || live[c]) {
            s.live_idx[s.n_live++] = c;
            s.global_floor[c] = INFINITY;
            for (size_t b = 0; b < B; b++)
                if (!floor || floor[b * C + c] < s.global_floor[c])
                    s.global_floor[c] = floor ? floor[b * C + c] : 0.0;
            if (!B || !floor)
                s.global_floor[c] = 0.0;
        }
    s.floor = floor;
    size_t *count = calloc(B ? B : 1, sizeof *count);
    s.sum = calloc(B ? B : 1, sizeof *s.sum);
    s.best = malloc((B ? B : 1) * sizeof *s.best);
    s.best_w = calloc((B ? B : 1) * C, sizeof *s.best_w);
    s.global_w = calloc(C ? C : 1, sizeof *s.global_w);
    memset(w_out, 0, B * C * sizeof *w_out);
    for (size_t b = 0; ndcg_out && b < B; b++)
        ndcg_out[b] = NAN;
    if (!count || !s.sum || !s.best || !s.best_w || !s.global_w || !s.n_live)
        goto fallback;
    for (size_t i = 0; i < d->n_queries; i++)
        if (d->q[i].bucket < B)
            count[d->q[i].bucket]++;
    if (d->n_queries == 0 || d->n_queries < min_queries)
        goto fallback; /* too few to tell the children apart */
    for (size_t b = 0; b < B; b++)
        s.best[b] = -1.0;
    s.global = -1.0;
    enumerate(&s, 0, s.grid);
    if (s.global < 0.0)
        goto fallback; /* the floors exclude every grid point */
    for (size_t b = 0; b < B; b++)
        if (count[b] && s.best[b] < 0.0)
            memcpy(s.best_w + b * C, s.global_w, C * sizeof *s.global_w);
    for (size_t b = 0; b < B; b++) {
        double *w = w_out + b * C;
        if (count[b] < min_queries) {
            /* Nothing to learn this bucket from (e.g. no user has that
             * many ratings at a thinned level): the global weights. */
            memcpy(w, s.global_w, C * sizeof *w);
            continue;
        }
        memcpy(w, s.best_w + b * C, C * sizeof *w);
        refine(&s, b, w, &s.best[b]);
        normalise_row(w, C);
        if (ndcg_out) /* the bucket's own NDCG, not the smoothed sum */
            ndcg_out[b] = rs_hybrid_ndcg(d, w, s.k, b, NULL);
    }
    goto done;
fallback:
    for (size_t b = 0; b < B; b++)
        for (size_t c = 0; c < C; c++)
            w_out[b * C + c] = fallback >= 0
                                   ? (c == (size_t)fallback)
                                   : (s.n_live && (!live || live[c]) ? 1.0 / (double)s.n_live
                                                                     : 0.0);
done:
    free(count);
    free(s.sum);
    free(s.best);
    free(s.best_w);
    free(s.global_w);
}
