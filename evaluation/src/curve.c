/*
 * Learning curves (`curve: {instances, eval_every}`): an instance is
 * trained in segments, epochs = N, 2N, ... up to its configured `epochs`,
 * each segment resuming from the previous one's checkpoint, and scored
 * after each on the first level's users, queries and exclusions. Because a
 * resumed run is bit-identical to an uninterrupted one, each point is what
 * an independent training to that many epochs would score, at the cost of
 * one training. The plugin needs `epochs` and `checkpoint_every` params.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/eval_metrics.h"
#include "recsys/log.h"
#include "sweep_internal.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The host instance `name` of fc, or NULL. */
static const rs_instance_config *host_instance(const rs_config *fc, const char *name)
{
    for (size_t i = 0; i < fc->n_instances; i++)
        if (strcmp(fc->instances[i].name, name) == 0)
            return &fc->instances[i];
    return NULL;
}

/* Mean Recall@k and NDCG@k over the scored users for every k. */
static void score_point(const rs_eval_config *c, const rs_eval_plan *p, const rs_eval_ranked *rk,
                        rs_eval_curve_point *pt)
{
    for (size_t k = 0; k < c->n_k; k++) {
        double rs = 0, ns = 0;
        size_t users = 0;
        for (int32_t e = 0; e < p->n_eval; e++) {
            const int32_t *rel = p->rel_item + p->rel_ptr[e];
            size_t nrel = p->rel_ptr[e + 1] - p->rel_ptr[e];
            const int32_t *list = rk->items + (size_t)e * rk->kmax;
            double r = rs_metric_recall(list, rk->n[e], rel, nrel, (size_t)c->k[k]);
            double n = rs_metric_ndcg(list, rk->n[e], rel, nrel, (size_t)c->k[k]);
            if (isnan(r))
                continue;
            rs += r;
            ns += n;
            users++;
        }
        pt->recall[k] = users ? rs / (double)users : NAN;
        pt->ndcg[k] = users ? ns / (double)users : NAN;
    }
}

/* One segment: an engine holding only `ic` with epochs = `epochs`, fitted
 * (resuming unless first) and scored. */
static rs_status segment(rs_eval_report *r, const rs_config *fc, const rs_instance_config *ic,
                         const rs_eval_plan *p, const rs_eval_level_data *d,
                         const rs_eval_queries *q, int epochs, int first, rs_eval_curve_point *pt,
                         rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    char text[128];
    rs_yaml_node *over = NULL, *merged = NULL;
    rs_engine *e = NULL;
    rs_eval_ranked rk = {0};
    snprintf(text, sizeof text, "{epochs: %d, checkpoint_every: %d}", epochs, c->curve_every);
    rs_status st = rs_yaml_load_string(text, "curve segment", &over, err);
    if (st == RS_OK)
        st = rs_eval_merge_params(ic->params, over, &merged, err);
    if (st != RS_OK)
        goto out;
    rs_instance_config one = *ic;
    one.params = merged;
    rs_config only = *fc;
    only.instances = &one;
    only.n_instances = 1;
    if ((st = rs_engine_new(&only, d->view, &e, err)) != RS_OK)
        goto out;
    rs_engine_set_resume(e, !first);
    double t0 = now_s();
    if ((st = rs_engine_fit(e, ic->name, d->view, err)) != RS_OK)
        goto out;
    pt->fit_seconds = now_s() - t0;
    if ((st = rs_eval_recommend_all(e, ic->name, q, c->threads, (size_t)c->k[c->n_k - 1], &rk,
                                    err)) != RS_OK)
        goto out;
    snprintf(pt->instance, sizeof pt->instance, "%s", ic->name);
    pt->epoch = epochs;
    score_point(c, p, &rk, pt);
out:
    rs_eval_ranked_free(&rk);
    rs_engine_free(e);
    rs_eval_merged_free(merged);
    rs_yaml_free(over);
    return st;
}

static rs_status curve_target(const rs_eval_config *c, const rs_instance_config *ic,
                              int64_t *epochs, rs_error *err)
{
    char where[256];
    const rs_yaml_node *n = ic ? rs_yaml_get(ic->params, "epochs") : NULL;
    if (!ic || !n || rs_yaml_int(n, "epochs", epochs, err) != RS_OK || *epochs < 1)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%scurve instance '%s' needs an instance in the host config with "
                            "an explicit epochs param >= 1",
                            rs_eval_config_where(c, "curve", where, sizeof where),
                            ic ? ic->name : "?");
    return RS_OK;
}

rs_status rs_eval_curves_run(rs_eval_report *r, const rs_config *fc, const rs_eval_plan *p,
                             rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    rs_eval_level_data d;
    rs_eval_level stats;
    rs_eval_queries q = {0};
    memset(&stats, 0, sizeof stats);
    /* the level's slice counts are the sweep's business: scratch only */
    stats.bucket_users = calloc(c->n_buckets + 1, sizeof *stats.bucket_users);
    stats.bucket_cold_users = calloc(c->n_buckets + 1, sizeof *stats.bucket_cold_users);
    rs_status st = stats.bucket_users && stats.bucket_cold_users
                       ? rs_eval_level_build(p, c, fc, 0, &d, &stats, err)
                       : rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    free(stats.bucket_users);
    free(stats.bucket_cold_users);
    if (st != RS_OK)
        return st;
    if ((st = rs_eval_level_queries(
             p, &d, c->sweep_exclude == RS_EXCLUDE_GIVEN ? RS_EXCLUDE_GIVEN : RS_EXCLUDE_FULL, &q,
             err)) != RS_OK)
        goto out;
    for (size_t ci = 0; ci < c->n_curve_instances && st == RS_OK; ci++) {
        const rs_instance_config *ic = host_instance(fc, c->curve_instances[ci]);
        int64_t total = 0;
        if ((st = curve_target(c, ic, &total, err)) != RS_OK)
            break;
        int first = 1;
        for (int64_t ep = c->curve_every; st == RS_OK; ep += c->curve_every, first = 0) {
            if (ep > total)
                ep = total;
            rs_eval_curve_point *np = realloc(r->curve, (r->n_curve + 1) * sizeof *np);
            if (!np) {
                st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
                break;
            }
            r->curve = np;
            rs_eval_curve_point *pt = &r->curve[r->n_curve];
            memset(pt, 0, sizeof *pt);
            pt->recall = calloc(c->n_k, sizeof *pt->recall);
            pt->ndcg = calloc(c->n_k, sizeof *pt->ndcg);
            r->n_curve++; /* owned by the report from here on */
            if (!pt->recall || !pt->ndcg) {
                st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
                break;
            }
            st = segment(r, fc, ic, p, &d, &q, (int)ep, first, pt, err);
            if (st == RS_OK)
                rs_log(RS_LOG_INFO, "eval", "curve %s: epoch %d, Recall@%d %.4f, NDCG@%d %.4f",
                       ic->name, pt->epoch, c->k[c->n_k - 1], pt->recall[c->n_k - 1],
                       c->k[c->n_k - 1], pt->ndcg[c->n_k - 1]);
            if (ep == total)
                break;
        }
    }
out:
    rs_eval_queries_free(&q);
    rs_eval_level_data_free(&d);
    return st;
}
