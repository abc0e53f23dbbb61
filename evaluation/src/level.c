/*
 * One sparsity level: keep a share of every user's training ratings, build
 * a dataset over the same catalogue from them, and derive the slices that
 * depend on what the models saw (activity buckets, cold items).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/eval_split.h"
#include "sweep_internal.h"

void rs_eval_level_data_free(rs_eval_level_data *d)
{
    rs_ratings_set_free(d->set);
    free(d->kept);
    free(d->cold_item);
    free(d->bucket);
    free(d->cold_ptr);
    free(d->cold_rel);
    memset(d, 0, sizeof *d);
}

int32_t rs_eval_bucket_of(const rs_eval_config *c, size_t n_ratings)
{
    int32_t b = -1;
    for (size_t i = 0; i < c->n_buckets; i++)
        if (n_ratings >= (size_t)c->bucket_lo[i])
            b = (int32_t)i;
    return b;
}

static rs_status thin(const rs_eval_plan *p, const rs_eval_config *cfg, double fraction,
                      rs_eval_level_data *d, rs_error *err)
{
    uint8_t *keep = malloc(p->n ? p->n : 1);
    if (!keep)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    rs_status st = rs_eval_thin(p->t, p->n, p->base->n_users, p->fit, fraction, cfg->seed, keep,
                                &d->n_kept, err);
    if (st == RS_OK && !(d->kept = malloc((d->n_kept ? d->n_kept : 1) * sizeof *d->kept)))
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    if (st == RS_OK) {
        size_t w = 0;
        for (size_t j = 0; j < p->n; j++)
            if (keep[j])
                d->kept[w++] = p->t[j];
    }
    free(keep);
    return st;
}

/* Cold positives: test items the level's training data rates fewer than N
 * times (0 included: items only the test split knows). */
static rs_status slices(const rs_eval_plan *p, const rs_eval_config *cfg, rs_eval_level_data *d,
                        rs_eval_level *s, rs_error *err)
{
    const rs_dataset *v = d->view;
    d->cold_item = malloc(v->n_items ? (size_t)v->n_items : 1);
    d->bucket = malloc((p->n_eval ? (size_t)p->n_eval : 1) * sizeof *d->bucket);
    d->cold_ptr = calloc((size_t)p->n_eval + 1, sizeof *d->cold_ptr);
    d->cold_rel = malloc((p->rel_ptr[p->n_eval] ? p->rel_ptr[p->n_eval] : 1) * sizeof *d->cold_rel);
    if (!d->cold_item || !d->bucket || !d->cold_ptr || !d->cold_rel)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    s->cold_items = 0;
    for (int32_t i = 0; i < v->n_items; i++) {
        d->cold_item[i] = v->item_ptr[i + 1] - v->item_ptr[i] < (size_t)cfg->cold_item_max_ratings;
        s->cold_items += d->cold_item[i];
    }
    size_t w = 0;
    s->users_evaluated = p->n_eval;
    s->users_excluded = p->base->n_users - p->n_eval;
    s->cold_users = 0;
    for (int32_t e = 0; e < p->n_eval; e++) {
        int32_t u = p->eval_user[e];
        d->bucket[e] = rs_eval_bucket_of(cfg, v->user_ptr[u + 1] - v->user_ptr[u]);
        for (size_t j = p->rel_ptr[e]; j < p->rel_ptr[e + 1]; j++)
            if (d->cold_item[p->rel_item[j]])
                d->cold_rel[w++] = p->rel_item[j];
        d->cold_ptr[e + 1] = w;
        int cold = w > d->cold_ptr[e];
        s->cold_users += cold;
        if (d->bucket[e] >= 0) {
            s->bucket_users[d->bucket[e]]++;
            s->bucket_cold_users[d->bucket[e]] += cold;
        }
    }
    return RS_OK;
}

static int cf_threshold(const rs_eval_config *c, int host, double fraction)
{
    switch (c->cf_subset) {
    case RS_CF_HOST: return host;
    case RS_CF_ALL: return 1;
    case RS_CF_SCALED: break;
    }
    int t = (int)ceil((double)host * fraction - 1e-9);
    return t < 1 ? 1 : t;
}

rs_status rs_eval_level_build(const rs_eval_plan *p, const rs_eval_config *cfg,
                              const rs_config *host, size_t level_idx, rs_eval_level_data *d,
                              rs_eval_level *stats, rs_error *err)
{
    memset(d, 0, sizeof *d);
    rs_status st = thin(p, cfg, cfg->levels[level_idx], d, err);
    if (st == RS_OK)
        st = rs_ratings_set_new(
            p->base, d->kept, d->n_kept, p->base->user_ids, p->base->n_users,
            cf_threshold(cfg, host->cf_min_item_ratings, cfg->levels[level_idx]),
            cf_threshold(cfg, host->cf_min_user_ratings, cfg->levels[level_idx]), &d->set, err);
    if (st == RS_OK) {
        d->view = rs_ratings_set_view(d->set);
        stats->train_ratings = d->view->n_ratings;
        rs_cf_stats cs = rs_dataset_cf_stats(d->view);
        stats->cf_users = cs.users;
        stats->cf_items = cs.items;
        st = slices(p, cfg, d, stats, err);
    }
    if (st != RS_OK)
        rs_eval_level_data_free(d);
    return st;
}

rs_status rs_eval_level_queries(const rs_eval_plan *p, const rs_eval_level_data *d,
                                rs_sweep_exclude ex, rs_eval_queries *q, rs_error *err)
{
    const rs_dataset *v = d->view;
    size_t n_rat = 0, n_excl = 0;
    for (int32_t e = 0; e < p->n_eval; e++) {
        int32_t u = p->eval_user[e];
        n_rat += v->user_ptr[u + 1] - v->user_ptr[u];
    }
    n_excl = ex == RS_EXCLUDE_FULL ? p->excl_ptr[p->n_eval] : n_rat;
    rs_status st = rs_eval_queries_alloc(q, p->n_eval, n_rat, n_excl, err);
    if (st != RS_OK)
        return st;
    size_t w = 0, x = 0;
    for (int32_t e = 0; e < p->n_eval; e++) {
        int32_t u = p->eval_user[e];
        size_t b = v->user_ptr[u], n = v->user_ptr[u + 1] - b;
        /* A user left without training ratings is queried as unknown, as
         * new users are in deployment. */
        q->user_id[e] = n ? v->user_ids[u] : RS_USER_NONE;
        q->label[e] = p->base->user_ids[u];
        for (size_t i = 0; i < n; i++)
            q->rat[w++] = (rs_rating){v->user_item[b + i], v->user_rating[b + i],
                                      v->user_time[b + i]};
        q->rat_ptr[e + 1] = w;
        if (ex == RS_EXCLUDE_FULL) {
            size_t n_full = p->excl_ptr[e + 1] - p->excl_ptr[e];
            memcpy(q->excl + x, p->excl_item + p->excl_ptr[e], n_full * sizeof *q->excl);
            x += n_full;
        } else { /* the CSR keeps each user's items sorted by index */
            memcpy(q->excl + x, v->user_item + b, n * sizeof *q->excl);
            x += n;
        }
        q->excl_ptr[e + 1] = x;
    }
    return RS_OK;
}
