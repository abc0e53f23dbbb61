/* report.json: every number of the sweep, the config, seed, versions and
 * timings, written with jansson. NaN (undefined) becomes null. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "recsys/eval_report.h"

static json_t *num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *ci_obj(const rs_ci *c)
{
    return json_pack("{s:o, s:o, s:o}", "mean", num(c->mean), "lo", num(c->lo), "hi", num(c->hi));
}

/* The eval file's param overrides as {instance: {key: "text"}}: values
 * are written as the YAML text the engine parsed. */
static json_t *params_obj(const rs_eval_config *c)
{
    json_t *o = json_object();
    for (size_t i = 0; c->params && i < c->params->n; i++) {
        const rs_yaml_node *m = c->params->items[i];
        json_t *inst = json_object();
        for (size_t j = 0; j < m->n; j++)
            json_object_set_new(inst, m->keys[j],
                                m->items[j]->kind == RS_YAML_SCALAR
                                    ? json_string(m->items[j]->scalar)
                                    : json_string("(non-scalar)"));
        json_object_set_new(o, c->params->keys[i], inst);
    }
    return o;
}

static json_t *int_array(const int *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

static json_t *new_user_config(const rs_eval_config *c)
{
    const rs_eval_new_users *o = &c->new_users;
    json_t *g = json_array();
    for (size_t i = 0; i < c->probes.n_genres; i++)
        json_array_append_new(g, json_string(c->probes.genres[i]));
    return json_pack("{s:{s:b, s:s}, s:{s:b, s:f, s:o, s:s, s:i, s:I},"
                     " s:{s:b, s:o, s:i, s:f, s:i}}",
                     "sweep", "enabled", c->sweep_enabled, "exclude",
                     rs_sweep_exclude_str(c->sweep_exclude), "new_users", "enabled", o->enabled,
                     "holdout_fraction", o->holdout_fraction, "n", int_array(o->n, o->n_n), "order",
                     rs_query_order_str(o->order), "min_positives", o->min_positives, "seed",
                     (json_int_t)o->seed, "taste_probes", "enabled", c->probes.enabled, "genres", g,
                     "n_rated", c->probes.n_rated, "rating", c->probes.rating, "k", c->probes.k);
}

static json_t *config_obj(const rs_eval_config *c)
{
    json_t *inst = json_array(), *levels = json_array(), *k = json_array(), *buckets = json_array(),
           *cmp = json_array();
    for (size_t i = 0; i < c->n_instances; i++)
        json_array_append_new(inst, json_string(c->instances[i]));
    for (size_t i = 0; i < c->n_levels; i++)
        json_array_append_new(levels, json_real(c->levels[i]));
    for (size_t i = 0; i < c->n_k; i++)
        json_array_append_new(k, json_integer(c->k[i]));
    for (size_t i = 0; i < c->n_buckets; i++)
        json_array_append_new(buckets, json_integer(c->bucket_lo[i]));
    for (size_t i = 0; i < c->n_compare; i++)
        json_array_append_new(cmp, json_pack("[s, s]", c->compare[i].a, c->compare[i].b));
    json_t *extra = new_user_config(c);
    json_t *o = json_pack(
        "{s:s?, s:s, s:o, s:s, s:o, s:{s:s, s:f, s:f, s:f}, s:f, s:o, s:o, s:i,"
        " s:o, s:I, s:i, s:i, s:s, s:o, s:s}",
        "file", c->path, "host_config", c->host_config, "instances", inst, "baseline", c->baseline,
        "compare", cmp, "split", "kind", rs_split_kind_str(c->split.kind), "test_fraction",
        c->split.test_fraction, "temporal_quantile", c->split.temporal_quantile,
        "validation_fraction", c->split.validation_fraction, "positive_threshold",
        c->positive_threshold, "levels", levels, "k", k, "cold_item_max_ratings",
        c->cold_item_max_ratings, "activity_buckets", buckets, "seed", (json_int_t)c->seed,
        "bootstrap_resamples", c->bootstrap_resamples, "threads", c->threads, "output_dir",
        c->output_dir, "params", params_obj(c), "cf_subset", rs_cf_subset_str(c->cf_subset));
    json_object_update(o, extra);
    json_decref(extra);
    return o;
}

/* {"recall@10": {...}, ...} for one [k][metric] block. */
static json_t *metrics_obj(const rs_eval_config *c, const rs_ci *block)
{
    json_t *o = json_object();
    for (size_t k = 0; k < c->n_k; k++)
        for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
            char key[64];
            snprintf(key, sizeof key, "%s@%d", rs_eval_metric_name(m), c->k[k]);
            json_object_set_new(o, key, ci_obj(&block[k * RS_EVAL_N_METRICS + m]));
        }
    return o;
}

static json_t *cell_obj(const rs_eval_report *r, const rs_eval_level *l, const rs_eval_cell *cell)
{
    const rs_eval_config *c = r->cfg;
    json_t *o = json_pack("{s:s?, s:f, s:f, s:o}", "error", cell->error, "fit_seconds",
                          cell->fit_seconds, "recommend_seconds", cell->recommend_seconds,
                          "metrics", metrics_obj(c, cell->all));
    json_t *cov = json_object();
    for (size_t k = 0; k < c->n_k; k++) {
        char key[32];
        snprintf(key, sizeof key, "coverage@%d", c->k[k]);
        json_object_set_new(cov, key, num(cell->coverage[k]));
    }
    json_object_set_new(o, "coverage", cov);
    json_t *b = json_array();
    for (size_t i = 0; i < c->n_buckets; i++) {
        char label[48];
        json_array_append_new(
            b, json_pack("{s:s, s:i, s:i, s:o}", "training_ratings",
                         rs_eval_bucket_label(c, i, label, sizeof label), "users",
                         (int)l->bucket_users[i], "cold_users", (int)l->bucket_cold_users[i],
                         "metrics", metrics_obj(c, cell->bucket + i * c->n_k * RS_EVAL_N_METRICS)));
    }
    json_object_set_new(o, "activity_buckets", b);
    return o;
}

static json_t *sweep_level_obj(const rs_eval_report *r, const rs_eval_level *l)
{
    const rs_eval_config *c = r->cfg;
    json_t *res = json_object(), *rel = json_array();
    for (size_t i = 0; i < c->n_instances; i++)
        json_object_set_new(res, c->instances[i], cell_obj(r, l, &l->cells[i]));
    for (size_t p = 0; p < r->n_pairs; p++) {
        const rs_eval_cmp *cmp = &r->pairs[p];
        if (cmp->a == cmp->b)
            continue; /* the baseline against itself */
        json_array_append_new(rel,
                              json_pack("{s:s, s:s, s:o}", "instance", c->instances[cmp->a],
                                        "reference", c->instances[cmp->b], "relative_change",
                                        metrics_obj(c, l->rel + p * c->n_k * RS_EVAL_N_METRICS)));
    }
    return json_pack("{s:f, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o}", "fraction", l->fraction,
                     "train_ratings", (json_int_t)l->train_ratings, "cf_users", (int)l->cf_users,
                     "cf_items", (int)l->cf_items, "users_evaluated", (int)l->users_evaluated,
                     "users_excluded", (int)l->users_excluded, "cold_users", (int)l->cold_users,
                     "cold_items", (int)l->cold_items, "results", res, "relative", rel);
}

static json_t *level_obj(const rs_eval_report *r, const rs_eval_level *l)
{
    json_t *o = sweep_level_obj(r, l);
    if (l->n_given > 0) { /* a new-user level: n, not a kept share */
        json_object_del(o, "fraction");
        json_object_set_new(o, "n", json_integer(l->n_given));
    }
    return o;
}

/* One row of a subject against its best other instance: `key` is
 * "level" (the share kept) or "n" (ratings given). */
static json_t *vs_best_row(const rs_eval_report *r, rs_eval_level *l, int a, const char *exclude)
{
    const rs_eval_config *c = r->cfg;
    size_t k = c->n_k - 1;
    rs_eval_vs_best v;
    rs_eval_vs_best_at(r, l, a, k, RS_EVAL_RECALL, &v);
    rs_ci nd = {NAN, NAN, NAN};
    if (v.pair >= 0)
        nd = *rs_eval_level_rel(r, l, (size_t)v.pair, k, RS_EVAL_NDCG);
    json_t *o = json_pack(
        "{s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "exclude",
        exclude, "best", v.best >= 0 ? c->instances[v.best] : NULL, "a_mean", num(v.a_stat.mean),
        "a_lo", num(v.a_stat.lo), "a_hi", num(v.a_stat.hi), "best_mean", num(v.best_stat.mean),
        "best_lo", num(v.best_stat.lo), "best_hi", num(v.best_stat.hi), "rel_change",
        num(v.rel.mean), "ci_lo", num(v.rel.lo), "ci_hi", num(v.rel.hi), "verdict",
        rs_eval_verdict_str(v.verdict), "ndcg_rel_change", num(nd.mean), "ndcg_ci_lo", num(nd.lo),
        "ndcg_ci_hi", num(nd.hi));
    if (o && l->n_given > 0)
        json_object_set_new(o, "n", json_integer(l->n_given));
    else if (o)
        json_object_set_new(o, "level", json_real(l->fraction));
    return o;
}

/* Per subject of a `compare` pair: its best other instance per row of
 * `lv` (and of `full`, when not NULL), with "never_below" = every row has
 * a verdict and none is "below". */
static json_t *vs_best_obj(const rs_eval_report *r, rs_eval_level *lv, size_t n,
                           const char *exclude, rs_eval_level *full)
{
    const rs_eval_config *c = r->cfg;
    json_t *out = json_array();
    char metric[32], also[32];
    snprintf(metric, sizeof metric, "recall@%d", c->k[c->n_k - 1]);
    snprintf(also, sizeof also, "ndcg@%d", c->k[c->n_k - 1]);
    for (size_t i = 0; out && i < c->n_instances; i++) {
        int a = (int)i;
        if (!rs_eval_vs_best_subject(r, a))
            continue;
        json_t *cand = json_array(), *rows = json_array();
        for (size_t j = 0; j < c->n_instances; j++)
            if (rs_eval_vs_best_candidate(r, a, (int)j))
                json_array_append_new(cand, json_string(c->instances[j]));
        for (size_t l = 0; l < n; l++)
            json_array_append_new(rows, vs_best_row(r, &lv[l], a, exclude));
        for (size_t l = 0; full && l < n; l++)
            json_array_append_new(rows, vs_best_row(r, &full[l], a, "full"));
        int never_below = 1;
        size_t ri;
        json_t *row;
        json_array_foreach(rows, ri, row)
        {
            const char *v = json_string_value(json_object_get(row, "verdict"));
            never_below &= v && (!strcmp(v, "above") || !strcmp(v, "within"));
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "instance",
                                             c->instances[a], "metric", metric, "also", also,
                                             "candidates", cand, "never_below", never_below, "rows",
                                             rows));
    }
    return out;
}

static json_t *probe_item(const rs_eval_probe_item *x)
{
    return json_pack("{s:I, s:s, s:i, s:b}", "movie_id", (json_int_t)x->movie_id, "title",
                     x->title ? x->title : "", "ratings", (int)x->ratings, "in_genre", x->in_genre);
}

static json_t *new_users_obj(const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    json_t *levels = json_array(), *fit = json_object();
    for (size_t l = 0; l < c->new_users.n_n; l++)
        json_array_append_new(levels, level_obj(r, &r->nu.levels[l]));
    for (size_t i = 0; i < c->n_instances; i++)
        json_object_set_new(fit, c->instances[i], json_real(r->nu.fit_seconds[i]));
    return json_pack("{s:i, s:i, s:I, s:i, s:i, s:f, s:o, s:o, s:o}", "users_held_out",
                     (int)r->nu.users_held_out, "train_users", (int)r->nu.train_users,
                     "train_ratings", (json_int_t)r->nu.train_ratings, "cf_users",
                     (int)r->nu.cf_users, "cf_items", (int)r->nu.cf_items, "seconds", r->nu.seconds,
                     "fit_seconds", fit, "levels", levels, "vs_best",
                     vs_best_obj(r, r->nu.levels, c->new_users.n_n, "given", NULL));
}

/* Learning curves: one entry per (instance, epoch) with a value per K. */
static json_t *curves_obj(const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->n_curve; i++) {
        const rs_eval_curve_point *p = &r->curve[i];
        json_t *rec = json_object(), *nd = json_object();
        for (size_t k = 0; rec && nd && k < c->n_k; k++) {
            char key[16];
            snprintf(key, sizeof key, "%d", c->k[k]);
            json_object_set_new(rec, key, num(p->recall[k]));
            json_object_set_new(nd, key, num(p->ndcg[k]));
        }
        json_array_append_new(a, json_pack("{s:s, s:i, s:o, s:o, s:o}", "instance", p->instance,
                                           "epoch", p->epoch, "fit_seconds", num(p->fit_seconds),
                                           "recall", rec, "ndcg", nd));
    }
    return a;
}

static json_t *probes_obj(const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    size_t k = (size_t)c->probes.k;
    json_t *probes = json_array(), *mean = json_object(), *errors = json_object();
    for (size_t g = 0; g < c->probes.n_genres; g++) {
        const rs_eval_probe *p = &r->probes.probe[g];
        json_t *rated = json_array(), *res = json_object();
        for (int32_t j = 0; j < p->n_rated; j++)
            json_array_append_new(rated, probe_item(&p->rated_info[j]));
        for (size_t i = 0; i < c->n_instances; i++) {
            json_t *top = json_array();
            for (size_t s = 0; s < p->n_top[i]; s++)
                json_array_append_new(top, probe_item(&p->top_info[i * k + s]));
            json_object_set_new(res, c->instances[i],
                                json_pack("{s:o, s:o, s:o}", "genre_share", num(p->share[i]),
                                          "median_ratings", num(p->median_count[i]), "top", top));
        }
        json_array_append_new(probes, json_pack("{s:s, s:o, s:o}", "genre", p->genre, "rated",
                                                rated, "results", res));
    }
    for (size_t i = 0; i < c->n_instances; i++) {
        json_object_set_new(mean, c->instances[i],
                            json_pack("{s:o, s:o}", "genre_share", num(r->probes.mean_share[i]),
                                      "median_ratings", num(r->probes.mean_median[i])));
        if (r->probes.error[i])
            json_object_set_new(errors, c->instances[i], json_string(r->probes.error[i]));
    }
    return json_pack("{s:i, s:f, s:o, s:o, s:o}", "k", c->probes.k, "seconds", r->probes.seconds,
                     "mean", mean, "errors", errors, "probes", probes);
}

rs_status rs_eval_write_json(const rs_eval_report *r, const char *path, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    json_t *inst = json_array(), *levels = json_array();
    for (size_t i = 0; i < c->n_instances; i++)
        json_array_append_new(inst, json_pack("{s:s, s:s?, s:s?}", "name", c->instances[i],
                                              "plugin", r->plugin[i], "version", r->version[i]));
    for (size_t l = 0; !r->sweep_skipped && l < c->n_levels; l++)
        json_array_append_new(levels, level_obj(r, &r->levels[l]));
    /* Per phase, so bench/eval_protocols.sh can print them. */
    json_t *timings = json_object();
    json_object_set_new(timings, "load_seconds", json_real(r->load_seconds));
    json_object_set_new(timings, "total_seconds", json_real(r->total_seconds));
    json_object_set_new(timings, "sweep_seconds", json_real(r->sweep_seconds));
    json_object_set_new(timings, "new_users_seconds", json_real(r->nu.seconds));
    json_object_set_new(timings, "taste_probes_seconds", json_real(r->probes.seconds));
    char ci[160];
    snprintf(ci, sizeof ci,
             "bootstrap percentile 95%%, users resampled with replacement, "
             "%d resamples, paired across instances, seed %llu",
             c->bootstrap_resamples, (unsigned long long)c->seed);
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:b, s:s?, s:s?, s:o, s:s, s:o,"
        " s:{s:i, s:i, s:I, s:I, s:I, s:I, s:I}, s:o, s:I, s:o}",
        "recsys_version", r->recsys_version, "started_utc", r->started_utc, "evaluated_on",
        r->validate ? "validation" : "test", "validate", r->validate, "host_config", r->host_config,
        "data_dir", r->data_dir, "config", config_obj(c), "ci_method", ci, "instances", inst,
        "dataset", "users", (int)r->n_users, "items", (int)r->n_items, "ratings",
        (json_int_t)r->n_ratings, "train_ratings", (json_int_t)r->n_train, "validation_ratings",
        (json_int_t)r->n_valid, "test_ratings", (json_int_t)r->n_test, "scored_positives",
        (json_int_t)r->n_test_positive, "timings", timings, "failures", (json_int_t)r->n_failures,
        "levels", levels);
    if (root && r->levels_full && !r->sweep_skipped) {
        json_t *full = json_array();
        for (size_t l = 0; l < c->n_levels; l++)
            json_array_append_new(full, level_obj(r, &r->levels_full[l]));
        json_object_set_new(root, "levels_exclude_full", full);
    }
    if (root && !r->sweep_skipped)
        json_object_set_new(root, "vs_best",
                            vs_best_obj(r, r->levels, c->n_levels,
                                        rs_sweep_exclude_str(c->sweep_exclude == RS_EXCLUDE_FULL
                                                                 ? RS_EXCLUDE_FULL
                                                                 : RS_EXCLUDE_GIVEN),
                                        r->levels_full));
    if (root && r->nu.ran)
        json_object_set_new(root, "new_users", new_users_obj(r));
    if (root && r->probes.ran)
        json_object_set_new(root, "taste_probes", probes_obj(r));
    if (root && r->n_curve)
        json_object_set_new(root, "curves", curves_obj(r));
    if (!root)
        return rs_error_set(err, RS_ERR_INTERNAL, "%s: could not build the JSON report", path);
    int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (rc != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: could not write the JSON report", path);
    return RS_OK;
}
