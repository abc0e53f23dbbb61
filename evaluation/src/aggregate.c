/*
 * From every instance's lists at one level to the report: per-user
 * metrics, then bootstrap means per slice (all users, activity buckets,
 * users with cold positives) and paired relative changes. Every instance
 * is resampled with the same seed over the same users, which is what pairs
 * the comparisons.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/eval_metrics.h"
#include "recsys/eval_stats.h"
#include "sweep_internal.h"

enum { SLICE_ALL = 0, SLICE_COLD = 1, SLICE_BUCKET0 = 2 };

typedef double (*metric_fn)(const int32_t *, size_t, const int32_t *, size_t, size_t);
/* In rs_eval_metric order. */
static const metric_fn k_main[RS_EVAL_MAIN_METRICS] = {
    rs_metric_recall, rs_metric_ndcg, rs_metric_precision, rs_metric_hit_rate, rs_metric_ap};

static uint64_t slice_seed(uint64_t seed, uint64_t level, size_t slice)
{
    return seed * 0x100000001B3ull + level * 1009u + slice * 7919u;
}

/* Per-user values of one instance: main[e][k][m], cold[e][k] (NAN for a
 * user without cold positives). */
typedef struct values {
    double *main;
    double *cold;
} values;

static rs_status user_values(const rs_eval_config *c, const rs_eval_targets *t,
                             const rs_eval_ranked *rk, values *v, rs_error *err)
{
    size_t ne = t->n > 0 ? (size_t)t->n : 1;
    v->main = malloc(ne * c->n_k * RS_EVAL_MAIN_METRICS * sizeof *v->main);
    v->cold = malloc(ne * c->n_k * sizeof *v->cold);
    if (!v->main || !v->cold)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    if (!rk->items) { /* the instance failed at this level: all undefined */
        for (size_t i = 0; i < ne * c->n_k * RS_EVAL_MAIN_METRICS; i++)
            v->main[i] = NAN;
        for (size_t i = 0; i < ne * c->n_k; i++)
            v->cold[i] = NAN;
        return RS_OK;
    }
    for (int32_t e = 0; e < t->n; e++) {
        const int32_t *ranked = rk->items + (size_t)e * rk->kmax;
        size_t nr = rk->n[e];
        const int32_t *rel = t->rel_item + t->rel_ptr[e];
        size_t nrel = t->rel_ptr[e + 1] - t->rel_ptr[e];
        const int32_t *cold = t->cold_rel + t->cold_ptr[e];
        size_t ncold = t->cold_ptr[e + 1] - t->cold_ptr[e];
        for (size_t k = 0; k < c->n_k; k++) {
            size_t kk = (size_t)c->k[k];
            double *row = v->main + ((size_t)e * c->n_k + k) * RS_EVAL_MAIN_METRICS;
            for (int m = 0; m < RS_EVAL_MAIN_METRICS; m++)
                row[m] = k_main[m](ranked, nr, rel, nrel, kk);
            v->cold[(size_t)e * c->n_k + k] = rs_metric_recall(ranked, nr, cold, ncold, kk);
        }
    }
    return RS_OK;
}

/* rows[] selects users; dst gets x's selected rows (width cols). */
static void gather(const double *x, size_t cols, const int32_t *rows, size_t n_rows, double *dst)
{
    for (size_t i = 0; i < n_rows; i++)
        memcpy(dst + i * cols, x + (size_t)rows[i] * cols, cols * sizeof *dst);
}

/* The main block (cols = n_k * 5) or the cold block (cols = n_k) into a
 * [k][N_METRICS] array. */
static void scatter(const rs_eval_config *c, const rs_ci *src, int cold, rs_ci *dst)
{
    for (size_t k = 0; k < c->n_k; k++) {
        if (cold)
            dst[k * RS_EVAL_N_METRICS + RS_EVAL_COLD_RECALL] = src[k];
        else
            for (int m = 0; m < RS_EVAL_MAIN_METRICS; m++)
                dst[k * RS_EVAL_N_METRICS + m] = src[k * RS_EVAL_MAIN_METRICS + m];
    }
}

typedef struct slice_job {
    rs_eval_report *r;
    rs_eval_level *lv;
    const values *vals; /* [n_instances] */
    double **g;         /* [n_instances] gather buffers */
    rs_ci *ci;          /* scratch, n_k * 5 */
} slice_job;

/* One slice: bootstrap every instance (into its cell's block chosen by
 * `bucket`: -1 = all users) and, for the whole-population slices, every
 * pair. */
static rs_status run_slice(slice_job *s, const int32_t *rows, size_t n_rows, int cold, long bucket,
                           uint64_t seed, rs_error *err)
{
    const rs_eval_config *c = s->r->cfg;
    size_t cols = cold ? c->n_k : c->n_k * RS_EVAL_MAIN_METRICS;
    size_t B = (size_t)c->bootstrap_resamples;
    rs_status st;
    for (size_t i = 0; i < c->n_instances; i++) {
        gather(cold ? s->vals[i].cold : s->vals[i].main, cols, rows, n_rows, s->g[i]);
        if ((st = rs_bootstrap_means(s->g[i], n_rows, cols, B, seed, s->ci, err)))
            return st;
        rs_eval_cell *cell = &s->lv->cells[i];
        scatter(c, s->ci, cold,
                bucket < 0 ? cell->all
                           : cell->bucket + (size_t)bucket * c->n_k * RS_EVAL_N_METRICS);
    }
    if (bucket >= 0)
        return RS_OK;
    for (size_t p = 0; p < s->r->n_pairs; p++) {
        const rs_eval_cmp *cmp = &s->r->pairs[p];
        if ((st = rs_bootstrap_relative(s->g[cmp->a], s->g[cmp->b], n_rows, cols, B, seed, s->ci,
                                        err)))
            return st;
        scatter(c, s->ci, cold, s->lv->rel + p * c->n_k * RS_EVAL_N_METRICS);
    }
    return RS_OK;
}

static rs_status coverage(rs_eval_report *r, rs_eval_level *lv, const rs_eval_targets *t,
                          const rs_eval_ranked *ranked, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    int32_t ni = t->n_items;
    uint8_t *seen = malloc(ni ? (size_t)ni : 1);
    if (!seen)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    for (size_t i = 0; i < c->n_instances; i++)
        for (size_t k = 0; k < c->n_k; k++) {
            if (!ranked[i].items) {
                lv->cells[i].coverage[k] = NAN;
                continue;
            }
            memset(seen, 0, ni ? (size_t)ni : 1);
            for (int32_t e = 0; e < t->n; e++)
                rs_coverage_add(seen, ni, ranked[i].items + (size_t)e * ranked[i].kmax,
                                ranked[i].n[e], (size_t)c->k[k]);
            lv->cells[i].coverage[k] = rs_coverage_ratio(seen, ni);
        }
    free(seen);
    return RS_OK;
}

rs_status rs_eval_aggregate_level(rs_eval_report *r, rs_eval_level *lv, uint64_t stream,
                                  const rs_eval_targets *t, const rs_eval_ranked *ranked,
                                  rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    size_t ni = c->n_instances, ne = t->n > 0 ? (size_t)t->n : 1;
    size_t cols = c->n_k * RS_EVAL_MAIN_METRICS;
    rs_status st = RS_OK;
    values *vals = calloc(ni, sizeof *vals);
    double **g = calloc(ni, sizeof *g);
    int32_t *rows = malloc(ne * sizeof *rows);
    rs_ci *ci = malloc(cols * sizeof *ci);
    if (!vals || !g || !rows || !ci) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
        goto free_all;
    }
    for (size_t i = 0; i < ni && st == RS_OK; i++) {
        if (!(g[i] = malloc(ne * cols * sizeof *g[i])))
            st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
        else
            st = user_values(c, t, &ranked[i], &vals[i], err);
    }
    if (st != RS_OK)
        goto free_all;

    slice_job s = {r, lv, vals, g, ci};
    size_t n = 0;
    for (int32_t e = 0; e < t->n; e++)
        rows[n++] = e;
    if ((st = run_slice(&s, rows, n, 0, -1, slice_seed(c->seed, stream, SLICE_ALL), err)))
        goto free_all;
    n = 0;
    for (int32_t e = 0; e < t->n; e++)
        if (t->cold_ptr[e + 1] > t->cold_ptr[e])
            rows[n++] = e;
    if ((st = run_slice(&s, rows, n, 1, -1, slice_seed(c->seed, stream, SLICE_COLD), err)))
        goto free_all;
    for (size_t b = 0; b < c->n_buckets; b++) {
        uint64_t seed = slice_seed(c->seed, stream, SLICE_BUCKET0 + b);
        n = 0;
        for (int32_t e = 0; e < t->n; e++)
            if (t->bucket[e] == (int32_t)b)
                rows[n++] = e;
        if ((st = run_slice(&s, rows, n, 0, (long)b, seed, err)))
            goto free_all;
        n = 0;
        for (int32_t e = 0; e < t->n; e++)
            if (t->bucket[e] == (int32_t)b && t->cold_ptr[e + 1] > t->cold_ptr[e])
                rows[n++] = e;
        if ((st = run_slice(&s, rows, n, 1, (long)b, seed ^ 1u, err)))
            goto free_all;
    }
    st = coverage(r, lv, t, ranked, err);
free_all:
    for (size_t i = 0; vals && i < ni; i++) {
        free(vals[i].main);
        free(vals[i].cold);
    }
    for (size_t i = 0; g && i < ni; i++)
        free(g[i]);
    free(vals);
    free(g);
    free(rows);
    free(ci);
    return st;
}
