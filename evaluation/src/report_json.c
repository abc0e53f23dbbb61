/* report.json: every number of the sweep, the config, seed, versions and
 * timings, written with jansson. NaN (undefined) becomes null. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "recsys/eval_report.h"

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *ci_obj(const rs_ci *c)
{
    return json_pack("{s:o, s:o, s:o}", "mean", num(c->mean), "lo", num(c->lo),
                     "hi", num(c->hi));
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

static json_t *config_obj(const rs_eval_config *c)
{
    json_t *inst = json_array(), *levels = json_array(), *k = json_array(),
           *buckets = json_array(), *cmp = json_array();
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
    return json_pack(
        "{s:s?, s:s, s:o, s:s, s:o, s:{s:s, s:f, s:f, s:f}, s:f, s:o, s:o, s:i,"
        " s:o, s:I, s:i, s:i, s:s, s:o, s:s}",
        "file", c->path, "host_config", c->host_config, "instances", inst,
        "baseline", c->baseline, "compare", cmp, "split", "kind",
        rs_split_kind_str(c->split.kind), "test_fraction", c->split.test_fraction,
        "temporal_quantile", c->split.temporal_quantile, "validation_fraction",
        c->split.validation_fraction, "positive_threshold", c->positive_threshold,
        "levels", levels, "k", k, "cold_item_max_ratings", c->cold_item_max_ratings,
        "activity_buckets", buckets, "seed", (json_int_t)c->seed,
        "bootstrap_resamples", c->bootstrap_resamples, "threads", c->threads,
        "output_dir", c->output_dir, "params", params_obj(c), "cf_subset",
        rs_cf_subset_str(c->cf_subset));
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

static json_t *cell_obj(const rs_eval_report *r, const rs_eval_level *l,
                        const rs_eval_cell *cell)
{
    const rs_eval_config *c = r->cfg;
    json_t *o = json_pack("{s:s?, s:f, s:f, s:o}", "error", cell->error,
                          "fit_seconds", cell->fit_seconds,
                          "recommend_seconds", cell->recommend_seconds,
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
                         (int)l->bucket_users[i], "cold_users",
                         (int)l->bucket_cold_users[i], "metrics",
                         metrics_obj(c, cell->bucket + i * c->n_k * RS_EVAL_N_METRICS)));
    }
    json_object_set_new(o, "activity_buckets", b);
    return o;
}

static json_t *level_obj(const rs_eval_report *r, const rs_eval_level *l)
{
    const rs_eval_config *c = r->cfg;
    json_t *res = json_object(), *rel = json_array();
    for (size_t i = 0; i < c->n_instances; i++)
        json_object_set_new(res, c->instances[i], cell_obj(r, l, &l->cells[i]));
    for (size_t p = 0; p < r->n_pairs; p++) {
        const rs_eval_cmp *cmp = &r->pairs[p];
        if (cmp->a == cmp->b)
            continue; /* the baseline against itself */
        json_array_append_new(
            rel, json_pack("{s:s, s:s, s:o}", "instance", c->instances[cmp->a],
                           "reference", c->instances[cmp->b], "relative_change",
                           metrics_obj(c, l->rel + p * c->n_k * RS_EVAL_N_METRICS)));
    }
    return json_pack("{s:f, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o}", "fraction",
                     l->fraction, "train_ratings", (json_int_t)l->train_ratings,
                     "cf_users", (int)l->cf_users, "cf_items", (int)l->cf_items,
                     "users_evaluated", (int)l->users_evaluated, "users_excluded",
                     (int)l->users_excluded, "cold_users", (int)l->cold_users,
                     "cold_items", (int)l->cold_items, "results", res, "relative",
                     rel);
}

rs_status rs_eval_write_json(const rs_eval_report *r, const char *path,
                             rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    json_t *inst = json_array(), *levels = json_array();
    for (size_t i = 0; i < c->n_instances; i++)
        json_array_append_new(inst, json_pack("{s:s, s:s?, s:s?}", "name",
                                              c->instances[i], "plugin",
                                              r->plugin[i], "version", r->version[i]));
    for (size_t l = 0; l < c->n_levels; l++)
        json_array_append_new(levels, level_obj(r, &r->levels[l]));
    char ci[160];
    snprintf(ci, sizeof ci,
             "bootstrap percentile 95%%, users resampled with replacement, "
             "%d resamples, paired across instances, seed %llu",
             c->bootstrap_resamples, (unsigned long long)c->seed);
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:b, s:s?, s:s?, s:o, s:s, s:o,"
        " s:{s:i, s:i, s:I, s:I, s:I, s:I, s:I}, s:{s:f, s:f}, s:I, s:o}",
        "recsys_version", r->recsys_version, "started_utc", r->started_utc,
        "evaluated_on", r->validate ? "validation" : "test", "validate", r->validate,
        "host_config", r->host_config, "data_dir", r->data_dir, "config",
        config_obj(c), "ci_method", ci, "instances", inst, "dataset", "users",
        (int)r->n_users, "items", (int)r->n_items, "ratings", (json_int_t)r->n_ratings,
        "train_ratings", (json_int_t)r->n_train, "validation_ratings",
        (json_int_t)r->n_valid, "test_ratings", (json_int_t)r->n_test,
        "scored_positives", (json_int_t)r->n_test_positive, "timings",
        "load_seconds", r->load_seconds, "total_seconds", r->total_seconds,
        "failures", (json_int_t)r->n_failures, "levels", levels);
    if (!root)
        return rs_error_set(err, RS_ERR_INTERNAL, "%s: could not build the JSON report", path);
    int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (rc != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: could not write the JSON report", path);
    return RS_OK;
}
