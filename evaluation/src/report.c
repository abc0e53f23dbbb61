/* The report model: allocation and indexing; see recsys/eval_report.h. */
#include "recsys/eval_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rs_eval_metric_name(rs_eval_metric m)
{
    switch (m) {
    case RS_EVAL_RECALL: return "recall";
    case RS_EVAL_NDCG: return "ndcg";
    case RS_EVAL_PRECISION: return "precision";
    case RS_EVAL_HIT_RATE: return "hit_rate";
    case RS_EVAL_MAP: return "map";
    case RS_EVAL_COLD_RECALL: return "cold_recall";
    case RS_EVAL_N_METRICS: break;
    }
    return "unknown";
}

static void level_free(rs_eval_level *l, size_t n_instances)
{
    if (l->cells)
        for (size_t i = 0; i < n_instances; i++) {
            free(l->cells[i].error);
            free(l->cells[i].all);
            free(l->cells[i].bucket);
            free(l->cells[i].coverage);
        }
    free(l->cells);
    free(l->rel);
    free(l->bucket_users);
    free(l->bucket_cold_users);
}

static void probes_free(rs_eval_probe_report *p, const rs_eval_config *c)
{
    for (size_t g = 0; p->probe && g < c->probes.n_genres; g++) {
        rs_eval_probe *x = &p->probe[g];
        free(x->genre);
        for (int32_t j = 0; x->rated_info && j < c->probes.n_rated; j++)
            free(x->rated_info[j].title);
        for (size_t j = 0; x->top_info && j < c->n_instances * (size_t)c->probes.k; j++)
            free(x->top_info[j].title);
        free(x->rated_info);
        free(x->top_info);
        free(x->rated);
        free(x->top);
        free(x->n_top);
        free(x->share);
        free(x->median_count);
    }
    for (size_t i = 0; p->error && i < c->n_instances; i++)
        free(p->error[i]);
    free(p->probe);
    free(p->mean_share);
    free(p->mean_median);
    free(p->error);
}

void rs_eval_report_free(rs_eval_report *r)
{
    if (!r)
        return;
    size_t ni = r->cfg->n_instances;
    if (r->levels)
        for (size_t l = 0; l < r->cfg->n_levels; l++)
            level_free(&r->levels[l], ni);
    free(r->levels);
    if (r->levels_full)
        for (size_t l = 0; l < r->cfg->n_levels; l++)
            level_free(&r->levels_full[l], ni);
    free(r->levels_full);
    if (r->nu.levels)
        for (size_t l = 0; l < r->cfg->new_users.n_n; l++)
            level_free(&r->nu.levels[l], ni);
    free(r->nu.levels);
    free(r->nu.fit_seconds);
    probes_free(&r->probes, r->cfg);
    for (size_t c = 0; c < r->n_curve; c++) {
        free(r->curve[c].recall);
        free(r->curve[c].ndcg);
    }
    free(r->curve);
    if (r->plugin)
        for (size_t i = 0; i < ni; i++)
            free(r->plugin[i]);
    if (r->version)
        for (size_t i = 0; i < ni; i++)
            free(r->version[i]);
    free(r->plugin);
    free(r->version);
    free(r->pairs);
    free(r->host_config);
    free(r->data_dir);
    free(r);
}

static int level_alloc(const rs_eval_config *c, size_t n_pairs, rs_eval_level *l)
{
    size_t per_k = c->n_k * RS_EVAL_N_METRICS;
    size_t nb = c->n_buckets ? c->n_buckets : 1;
    l->cells = calloc(c->n_instances, sizeof *l->cells);
    l->rel = calloc(n_pairs * per_k, sizeof *l->rel);
    l->bucket_users = calloc(nb, sizeof *l->bucket_users);
    l->bucket_cold_users = calloc(nb, sizeof *l->bucket_cold_users);
    if (!l->cells || !l->rel || !l->bucket_users || !l->bucket_cold_users)
        return 0;
    for (size_t i = 0; i < c->n_instances; i++) {
        rs_eval_cell *cell = &l->cells[i];
        cell->all = calloc(per_k, sizeof *cell->all);
        cell->bucket = calloc(nb * per_k, sizeof *cell->bucket);
        cell->coverage = calloc(c->n_k, sizeof *cell->coverage);
        if (!cell->all || !cell->bucket || !cell->coverage)
            return 0;
    }
    return 1;
}

static int probes_alloc(const rs_eval_config *c, rs_eval_probe_report *p)
{
    size_t ni = c->n_instances ? c->n_instances : 1;
    p->probe = calloc(c->probes.n_genres ? c->probes.n_genres : 1, sizeof *p->probe);
    p->mean_share = calloc(ni, sizeof *p->mean_share);
    p->mean_median = calloc(ni, sizeof *p->mean_median);
    p->error = calloc(ni, sizeof *p->error);
    if (!p->probe || !p->mean_share || !p->mean_median || !p->error)
        return 0;
    for (size_t g = 0; g < c->probes.n_genres; g++) {
        rs_eval_probe *x = &p->probe[g];
        size_t n = strlen(c->probes.genres[g]) + 1;
        x->genre = malloc(n);
        x->rated = calloc((size_t)c->probes.n_rated, sizeof *x->rated);
        x->top = malloc(ni * (size_t)c->probes.k * sizeof *x->top);
        x->rated_info = calloc((size_t)c->probes.n_rated, sizeof *x->rated_info);
        x->top_info = calloc(ni * (size_t)c->probes.k, sizeof *x->top_info);
        x->n_top = calloc(ni, sizeof *x->n_top);
        x->share = calloc(ni, sizeof *x->share);
        x->median_count = calloc(ni, sizeof *x->median_count);
        if (!x->genre || !x->rated || !x->top || !x->n_top || !x->share || !x->median_count ||
            !x->rated_info || !x->top_info)
            return 0;
        memcpy(x->genre, c->probes.genres[g], n);
    }
    return 1;
}

rs_status rs_eval_report_new(const rs_eval_config *cfg, rs_eval_report **out, rs_error *err)
{
    rs_eval_report *r = calloc(1, sizeof *r);
    if (!r)
        return rs_error_set(err, RS_ERR_NOMEM, "report: out of memory");
    r->cfg = cfg;
    r->n_pairs = cfg->n_instances + cfg->n_compare;
    r->pairs = calloc(r->n_pairs, sizeof *r->pairs);
    r->plugin = calloc(cfg->n_instances, sizeof *r->plugin);
    r->version = calloc(cfg->n_instances, sizeof *r->version);
    r->levels = calloc(cfg->n_levels, sizeof *r->levels);
    if (!r->pairs || !r->plugin || !r->version || !r->levels)
        goto nomem;
    int base = rs_eval_config_instance_index(cfg, cfg->baseline);
    for (size_t i = 0; i < cfg->n_instances; i++)
        r->pairs[i] = (rs_eval_cmp){(int)i, base};
    for (size_t i = 0; i < cfg->n_compare; i++)
        r->pairs[cfg->n_instances + i] = (rs_eval_cmp){
            rs_eval_config_instance_index(cfg, cfg->compare[i].a),
            rs_eval_config_instance_index(cfg, cfg->compare[i].b)};
    for (size_t l = 0; l < cfg->n_levels; l++) {
        r->levels[l].fraction = cfg->levels[l];
        if (!level_alloc(cfg, r->n_pairs, &r->levels[l]))
            goto nomem;
    }
    if (cfg->sweep_exclude == RS_EXCLUDE_BOTH) {
        if (!(r->levels_full = calloc(cfg->n_levels, sizeof *r->levels_full)))
            goto nomem;
        for (size_t l = 0; l < cfg->n_levels; l++) {
            r->levels_full[l].fraction = cfg->levels[l];
            if (!level_alloc(cfg, r->n_pairs, &r->levels_full[l]))
                goto nomem;
        }
    }
    if (cfg->new_users.enabled) {
        r->nu.levels = calloc(cfg->new_users.n_n, sizeof *r->nu.levels);
        r->nu.fit_seconds = calloc(cfg->n_instances ? cfg->n_instances : 1,
                                   sizeof *r->nu.fit_seconds);
        if (!r->nu.levels || !r->nu.fit_seconds)
            goto nomem;
        for (size_t l = 0; l < cfg->new_users.n_n; l++) {
            r->nu.levels[l].fraction = 1.0;
            r->nu.levels[l].n_given = cfg->new_users.n[l];
            if (!level_alloc(cfg, r->n_pairs, &r->nu.levels[l]))
                goto nomem;
        }
    }
    if (cfg->probes.enabled && !probes_alloc(cfg, &r->probes))
        goto nomem;
    *out = r;
    return RS_OK;
nomem:
    rs_eval_report_free(r);
    return rs_error_set(err, RS_ERR_NOMEM, "report: out of memory");
}

rs_ci *rs_eval_cell_stat(const rs_eval_report *r, rs_eval_cell *c, size_t k_idx, rs_eval_metric m)
{
    (void)r;
    return &c->all[k_idx * RS_EVAL_N_METRICS + m];
}

rs_ci *rs_eval_cell_bucket_stat(const rs_eval_report *r, rs_eval_cell *c, size_t bucket,
                                size_t k_idx, rs_eval_metric m)
{
    return &c->bucket[(bucket * r->cfg->n_k + k_idx) * RS_EVAL_N_METRICS + m];
}

rs_ci *rs_eval_level_rel(const rs_eval_report *r, rs_eval_level *l, size_t pair, size_t k_idx,
                         rs_eval_metric m)
{
    return &l->rel[(pair * r->cfg->n_k + k_idx) * RS_EVAL_N_METRICS + m];
}

const char *rs_eval_level_label(const rs_eval_level *l, char *buf, size_t size)
{
    if (l->n_given > 0)
        snprintf(buf, size, "%d", l->n_given);
    else
        snprintf(buf, size, "%g", l->fraction);
    return buf;
}

const char *rs_eval_bucket_label(const rs_eval_config *cfg, size_t b, char *buf, size_t size)
{
    if (b + 1 < cfg->n_buckets)
        snprintf(buf, size, "%d-%d", cfg->bucket_lo[b], cfg->bucket_lo[b + 1] - 1);
    else
        snprintf(buf, size, "%d+", cfg->bucket_lo[b]);
    return buf;
}
