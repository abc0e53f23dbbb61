/*
 * The new-user protocol's data: hold a share of the users out of training
 * entirely, train on the others, and for every n ask about each held-out
 * user with n of their ratings (user_id = RS_USER_NONE, the ratings in the
 * query: the plugin's fold-in is what is measured, exactly as the server
 * asks for an account the models never saw). The rest of the user's
 * ratings >= positive_threshold are scored; only the n given are excluded
 * from ranking.
 */
#include <stdlib.h>
#include <string.h>

#include "recsys/eval_split.h"
#include "sweep_internal.h"

void rs_eval_nu_free(rs_eval_nu_data *d)
{
    rs_ratings_set_free(d->set);
    free(d->held);
    free(d->rank);
    free(d->train);
    memset(d, 0, sizeof *d);
}

rs_status rs_eval_nu_build(const rs_dataset *base, const rs_eval_config *cfg, const rs_config *host,
                           int validate, rs_eval_nu_data *d, rs_eval_new_user_report *nr,
                           rs_error *err)
{
    const rs_eval_new_users *o = &cfg->new_users;
    size_t n = base->n_ratings ? base->n_ratings : 1;
    memset(d, 0, sizeof *d);
    rs_triple *all = malloc(n * sizeof *all);
    d->held = malloc(base->n_users ? (size_t)base->n_users : 1);
    d->rank = malloc(n * sizeof *d->rank);
    d->train = malloc(n * sizeof *d->train);
    rs_status st = RS_OK;
    if (!all || !d->held || !d->rank || !d->train) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory for %zu ratings",
                          base->n_ratings);
        goto done;
    }
    /* Triples in base's CSR order, so index j is rating j of the CSR. */
    for (int32_t u = 0; u < base->n_users; u++)
        for (size_t j = base->user_ptr[u]; j < base->user_ptr[u + 1]; j++)
            all[j] = (rs_triple){u, base->user_item[j], base->user_rating[j], base->user_time[j]};
    /* Drawn even when only the probes run, so they see the same training
     * data either way. */
    if ((st = rs_eval_holdout_users(base->n_users, o->holdout_fraction, o->seed, d->held, NULL,
                                    err)))
        goto done;
    /* 1 = the test holdout, 2 = the validation holdout. Tuning scores the
     * latter and trains without either, so the test users stay unseen;
     * otherwise the validation users are ordinary training users. */
    int32_t train_users = 0;
    nr->users_held_out = 0;
    for (int32_t u = 0; u < base->n_users; u++) {
        uint8_t mark = d->held[u];
        int train = mark == 0 || (!validate && mark == 2);
        d->held[u] = mark == (validate ? 2 : 1);
        nr->users_held_out += d->held[u];
        train_users += train;
        if (!train && !d->held[u])
            d->held[u] = 3; /* neither trained on nor scored */
    }
    uint8_t *sel = malloc(n);
    if (!sel) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
        goto done;
    }
    for (size_t j = 0; j < base->n_ratings; j++)
        sel[j] = d->held[all[j].user] == 1;
    st = rs_eval_query_order(all, base->n_ratings, base->n_users, sel, o->order == RS_QUERY_RANDOM,
                             o->seed, d->rank, err);
    free(sel);
    if (st != RS_OK)
        goto done;
    for (size_t j = 0; j < base->n_ratings; j++)
        if (d->held[all[j].user] == 0)
            d->train[d->n_train++] = all[j];
    /* The host's CF thresholds as they are: the training data is most of
     * the dataset, which is what `prepare` would see. */
    if ((st = rs_ratings_set_new(base, d->train, d->n_train, base->user_ids, base->n_users,
                                 host->cf_min_item_ratings, host->cf_min_user_ratings, &d->set,
                                 err)))
        goto done;
    d->view = rs_ratings_set_view(d->set);
    rs_cf_stats cs = rs_dataset_cf_stats(d->view);
    nr->train_ratings = d->n_train;
    nr->train_users = train_users;
    nr->cf_users = cs.users;
    nr->cf_items = cs.items;
done:
    free(all);
    if (st != RS_OK)
        rs_eval_nu_free(d);
    return st;
}

void rs_eval_nu_level_free(rs_eval_nu_level *l)
{
    rs_eval_queries_free(&l->q);
    free(l->rel_ptr);
    free(l->cold_ptr);
    free(l->rel_item);
    free(l->cold_rel);
    free(l->bucket);
    memset(l, 0, sizeof *l);
}

static int i32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* A held-out user takes part at n when they have more than n ratings and
 * at least min_positives positives among those after the first n. */
static size_t positives_after(const rs_dataset *b, const rs_eval_nu_data *d, int32_t u, uint32_t n,
                              double threshold)
{
    size_t c = 0;
    for (size_t j = b->user_ptr[u]; j < b->user_ptr[u + 1]; j++)
        c += d->rank[j] >= n && b->user_rating[j] >= threshold;
    return c;
}

rs_status rs_eval_nu_level_build(const rs_dataset *base, const rs_eval_config *cfg,
                                 const rs_eval_nu_data *d, size_t li, rs_eval_nu_level *out,
                                 rs_eval_level *stats, rs_error *err)
{
    uint32_t ng = (uint32_t)cfg->new_users.n[li];
    const rs_dataset *v = d->view;
    memset(out, 0, sizeof *out);
    int32_t ne = 0;
    size_t n_rel = 0;
    for (int32_t u = 0; u < base->n_users; u++) {
        if (d->held[u] != 1 || base->user_ptr[u + 1] - base->user_ptr[u] <= ng)
            continue;
        size_t c = positives_after(base, d, u, ng, cfg->positive_threshold);
        if (c >= (size_t)cfg->new_users.min_positives) {
            ne++;
            n_rel += c;
        }
    }
    size_t nn = ne ? (size_t)ne : 1;
    rs_status st = rs_eval_queries_alloc(&out->q, ne, (size_t)ne * ng, (size_t)ne * ng, err);
    if (st != RS_OK)
        return st;
    out->rel_ptr = calloc(nn + 1, sizeof *out->rel_ptr);
    out->cold_ptr = calloc(nn + 1, sizeof *out->cold_ptr);
    out->rel_item = malloc((n_rel ? n_rel : 1) * sizeof *out->rel_item);
    out->cold_rel = malloc((n_rel ? n_rel : 1) * sizeof *out->cold_rel);
    out->bucket = malloc(nn * sizeof *out->bucket);
    if (!out->rel_ptr || !out->cold_ptr || !out->rel_item || !out->cold_rel || !out->bucket) {
        rs_eval_nu_level_free(out);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    }
    /* Every query carries n ratings: one activity bucket for all, the one
     * n falls in (what the model knows about the user). */
    int32_t bucket = rs_eval_bucket_of(cfg, ng);
    rs_eval_queries *q = &out->q;
    int32_t e = 0;
    size_t w = 0, wc = 0;
    int32_t cold_users = 0;
    for (int32_t u = 0; u < base->n_users; u++) {
        if (d->held[u] != 1 || base->user_ptr[u + 1] - base->user_ptr[u] <= ng ||
            positives_after(base, d, u, ng, cfg->positive_threshold) <
                (size_t)cfg->new_users.min_positives)
            continue;
        q->user_id[e] = RS_USER_NONE;
        q->label[e] = base->user_ids[u];
        size_t qb = (size_t)e * ng;
        for (size_t j = base->user_ptr[u]; j < base->user_ptr[u + 1]; j++) {
            uint32_t r = d->rank[j];
            if (r < ng) { /* given, in the order given */
                q->rat[qb + r] = (rs_rating){base->user_item[j], base->user_rating[j],
                                             base->user_time[j]};
                q->excl[qb + r] = base->user_item[j];
            } else if (base->user_rating[j] >= cfg->positive_threshold) {
                int32_t it = base->user_item[j];
                out->rel_item[w++] = it;
                /* cold: fewer than N ratings in the training data */
                if (v->item_ptr[it + 1] - v->item_ptr[it] < (size_t)cfg->cold_item_max_ratings)
                    out->cold_rel[wc++] = it;
            }
        }
        q->rat_ptr[e + 1] = qb + ng;
        q->excl_ptr[e + 1] = qb + ng;
        qsort(q->excl + qb, ng, sizeof *q->excl, i32_cmp);
        out->rel_ptr[e + 1] = w;
        out->cold_ptr[e + 1] = wc;
        /* base's CSR is sorted by item, so both lists already are */
        cold_users += wc > out->cold_ptr[e];
        out->bucket[e] = bucket;
        e++;
    }
    out->t = (rs_eval_targets){
        ne, base->n_items, out->rel_ptr, out->rel_item, out->cold_ptr, out->cold_rel, out->bucket};
    stats->train_ratings = v->n_ratings;
    rs_cf_stats cs = rs_dataset_cf_stats(v);
    stats->cf_users = cs.users;
    stats->cf_items = cs.items;
    stats->users_evaluated = ne;
    int32_t held = 0;
    for (int32_t u = 0; u < base->n_users; u++)
        held += d->held[u] == 1;
    stats->users_excluded = held - ne;
    stats->cold_users = cold_users;
    stats->cold_items = 0;
    for (int32_t i = 0; i < v->n_items; i++)
        stats->cold_items += v->item_ptr[i + 1] - v->item_ptr[i] <
                             (size_t)cfg->cold_item_max_ratings;
    for (size_t b = 0; b < cfg->n_buckets; b++)
        stats->bucket_users[b] = stats->bucket_cold_users[b] = 0;
    if (bucket >= 0) {
        stats->bucket_users[bucket] = ne;
        stats->bucket_cold_users[bucket] = cold_users;
    }
    return RS_OK;
}
