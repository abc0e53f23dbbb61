/* The eval YAML: parse, apply defaults, validate; see recsys/eval_config.h. */
#include "recsys/eval_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/config_fields.h"
#include "recsys/log.h"

/* The scalar settings, one table per section (recsys/config_fields.h);
 * the defaults are set_defaults'. Lists, paths and names are read by hand
 * below: the *_other keys. */
#define F(key, type, member, lo, hi, doc)                                          \
    {                                                                              \
        key, type, offsetof(rs_eval_config, member), lo, hi, 0, 0, NULL, doc, NULL \
    }
#define FO(key, member, lo, lo_open, hi, hi_open, doc)                                         \
    {                                                                                          \
        key, RS_FIELD_FLOAT, offsetof(rs_eval_config, member), lo, hi, lo_open, hi_open, NULL, \
            doc, NULL                                                                          \
    }
#define FE(key, member, values, doc)                                                        \
    {                                                                                       \
        key, RS_FIELD_ENUM, offsetof(rs_eval_config, member), 0, 0, 0, 0, values, doc, NULL \
    }
static const char *const k_missing[] = {"error", "skip", NULL};
static const char *const k_cf_subset[] = {"scaled", "host", "all", NULL};
static const char *const k_split_kind[] = {"random", "loo", "temporal", "files", NULL};
static const char *const k_exclude[] = {"given", "full", "both", NULL};
static const char *const k_order[] = {"earliest", "random", NULL};
static const rs_config_field k_top_fields[] = {
    FO("positive_threshold", positive_threshold, 0, 0, 10, 0,
       "a held-out rating >= this is relevant"),
    F("cold_item_max_ratings", RS_FIELD_INT, cold_item_max_ratings, 0, 1000000,
      "cold item: fewer than this many training ratings"),
    F("seed", RS_FIELD_INT64, seed, 0, (double)INT64_MAX, "every random draw derives from it"),
    F("bootstrap_resamples", RS_FIELD_INT, bootstrap_resamples, 0, 100000,
      "0 = point estimates only"),
    F("threads", RS_FIELD_INT, threads, 1, 256, "recommend worker threads"),
    FE("missing_instances", skip_missing, k_missing,
       "skip = drop instances the host config lacks, with a warning"),
    FE("cf_subset", cf_subset, k_cf_subset, "CF subset thresholds on thinned data"),
};
static const char *const k_top_other[] = {
    "host_config", "instances", "baseline",         "compare",    "split",
    "levels",      "k",         "activity_buckets", "output_dir", "params",
    "sweep",       "new_users", "taste_probes",     "curve",      NULL};
static const rs_config_field k_split_fields[] = {
    FE("kind", split.kind, k_split_kind, "random | loo | temporal | files"),
    FO("test_fraction", split.test_fraction, 0, 1, 1, 1, "random: share of each user held out"),
    FO("temporal_quantile", split.temporal_quantile, 0, 1, 1, 1,
       "temporal: share of all ratings before the cut"),
    FO("validation_fraction", split.validation_fraction, 0, 0, 1, 1,
       "carved from train with the same kind"),
};
static const rs_config_field k_sweep_fields[] = {
    F("enabled", RS_FIELD_BOOL, sweep_enabled, 0, 0, "run the sparsity levels"),
    FE("exclude", sweep_exclude, k_exclude, "what is never ranked at a level"),
};
static const rs_config_field k_new_user_fields[] = {
    F("enabled", RS_FIELD_BOOL, new_users.enabled, 0, 0, "run the new-user protocol"),
    FO("holdout_fraction", new_users.holdout_fraction, 0, 1, 1, 1,
       "share of all users held out of training"),
    F("min_positives", RS_FIELD_INT, new_users.min_positives, 1, 1000000,
      "positives left after the n for the user to count"),
    F("seed", RS_FIELD_INT64, new_users.seed, 0, (double)INT64_MAX, "default: the top-level seed"),
    FE("order", new_users.order, k_order, "which n ratings are given"),
};
static const char *const k_new_user_other[] = {"n", NULL};
static const rs_config_field k_probe_fields[] = {
    F("enabled", RS_FIELD_BOOL, probes.enabled, 0, 0, "run the taste probes"),
    F("n_rated", RS_FIELD_INT, probes.n_rated, 1, 10000, "films each probe rates"),
    FO("rating", probes.rating, 0, 1, 10, 0, "the rating they get"),
    F("k", RS_FIELD_INT, probes.k, 1, 1000, "list length judged"),
};
static const char *const k_probe_other[] = {"genres", NULL};
#undef F
#undef FO
#undef FE
static const char *const k_curve_keys[] = {"instances", "eval_every", NULL};

static const double k_default_levels[] = {1.0, 0.5, 0.25, 0.1, 0.05};
static const int k_default_k[] = {10, 20};
static const int k_default_buckets[] = {1, 6, 21, 51};
static const int k_default_new_user_n[] = {1, 3, 5, 10, 20};
/* Genres of ml-latest-small with distinct audiences and enough rated films
 * (Documentary is the thinnest: its 10th most rated film has ~20 ratings). */
static const char *const k_default_genres[] = {"Animation",   "Western", "Horror",
                                               "Documentary", "Romance", "Sci-Fi"};

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Relative paths in the file are relative to the file's directory. */
static char *resolve(const char *base_dir, const char *p)
{
    if (p[0] == '/' || !base_dir || !base_dir[0])
        return dup(p);
    size_t n = strlen(base_dir) + strlen(p) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", base_dir, p);
    return s;
}

const char *rs_sweep_exclude_str(rs_sweep_exclude e)
{
    switch (e) {
    case RS_EXCLUDE_GIVEN: return "given";
    case RS_EXCLUDE_FULL: return "full";
    case RS_EXCLUDE_BOTH: return "both";
    }
    return "unknown";
}

const char *rs_query_order_str(rs_query_order o)
{
    switch (o) {
    case RS_QUERY_EARLIEST: return "earliest";
    case RS_QUERY_RANDOM: return "random";
    }
    return "unknown";
}

const char *rs_cf_subset_str(rs_cf_subset s)
{
    switch (s) {
    case RS_CF_SCALED: return "scaled";
    case RS_CF_HOST: return "host";
    case RS_CF_ALL: return "all";
    }
    return "unknown";
}

void rs_eval_config_free(rs_eval_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->host_config);
    for (size_t i = 0; i < c->n_instances; i++)
        free(c->instances[i]);
    free(c->instances);
    for (size_t i = 0; i < c->n_curve_instances; i++)
        free(c->curve_instances[i]);
    free(c->curve_instances);
    free(c->baseline);
    for (size_t i = 0; i < c->n_compare; i++) {
        free(c->compare[i].a);
        free(c->compare[i].b);
    }
    free(c->compare);
    free(c->levels);
    free(c->k);
    free(c->bucket_lo);
    free(c->output_dir);
    free(c->new_users.n);
    for (size_t i = 0; i < c->probes.n_genres; i++)
        free(c->probes.genres[i]);
    free(c->probes.genres);
    rs_yaml_free(c->root);
    free(c);
}

static rs_status nomem(rs_error *err)
{
    return rs_error_set(err, RS_ERR_NOMEM, "eval config: out of memory");
}

/* Everything except paths, which depend on where the file lives. */
static rs_status set_defaults(rs_eval_config *c, rs_error *err)
{
    /* instances, baseline and compare default to the host config's
     * (rs_eval_config_apply_host): the harness names no plugin. */
    c->split.kind = RS_SPLIT_RANDOM;
    c->split.test_fraction = 0.2;
    c->split.temporal_quantile = 0.8;
    c->split.validation_fraction = 0.1;
    c->positive_threshold = 4.0;
    c->n_levels = sizeof k_default_levels / sizeof *k_default_levels;
    c->n_k = sizeof k_default_k / sizeof *k_default_k;
    c->n_buckets = sizeof k_default_buckets / sizeof *k_default_buckets;
    c->levels = malloc(c->n_levels * sizeof *c->levels);
    c->k = malloc(c->n_k * sizeof *c->k);
    c->bucket_lo = malloc(c->n_buckets * sizeof *c->bucket_lo);
    if (!c->levels || !c->k || !c->bucket_lo)
        return nomem(err);
    memcpy(c->levels, k_default_levels, sizeof k_default_levels);
    memcpy(c->k, k_default_k, sizeof k_default_k);
    memcpy(c->bucket_lo, k_default_buckets, sizeof k_default_buckets);
    c->cold_item_max_ratings = 5;
    c->seed = 42;
    c->bootstrap_resamples = 1000;
    c->threads = 2;
    c->sweep_enabled = 1;
    c->sweep_exclude = RS_EXCLUDE_GIVEN;
    rs_eval_new_users *nu = &c->new_users;
    nu->enabled = 1;
    nu->holdout_fraction = 0.2;
    nu->order = RS_QUERY_EARLIEST;
    nu->min_positives = 1;
    nu->seed = c->seed;
    nu->n_n = sizeof k_default_new_user_n / sizeof *k_default_new_user_n;
    if (!(nu->n = malloc(sizeof k_default_new_user_n)))
        return nomem(err);
    memcpy(nu->n, k_default_new_user_n, sizeof k_default_new_user_n);
    rs_eval_probes *pr = &c->probes;
    pr->enabled = 1;
    pr->n_rated = 10;
    pr->rating = 5.0;
    pr->k = 20;
    size_t ng = sizeof k_default_genres / sizeof *k_default_genres;
    if (!(pr->genres = calloc(ng, sizeof *pr->genres)))
        return nomem(err);
    for (size_t i = 0; i < ng; i++)
        if (!(pr->genres[pr->n_genres++] = dup(k_default_genres[i])))
            return nomem(err);
    return RS_OK;
}

static rs_status range_error(const rs_yaml_node *n, const char *what, const char *range,
                             rs_error *err)
{
    char where[256];
    return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' must be %s, got '%s'",
                        rs_yaml_where(n, where, sizeof where), what, range,
                        n->kind == RS_YAML_SCALAR ? n->scalar : "(not a scalar)");
}

static rs_status need_seq(const rs_yaml_node *n, const char *what, size_t min_items, rs_error *err)
{
    char where[256];
    if (n->kind != RS_YAML_SEQ)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' must be a list",
                            rs_yaml_where(n, where, sizeof where), what);
    if (n->n < min_items)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' must have at least %zu item%s",
                            rs_yaml_where(n, where, sizeof where), what, min_items,
                            min_items == 1 ? "" : "s");
    return RS_OK;
}

/* A list of distinct non-empty strings. */
static rs_status parse_names(const rs_yaml_node *n, const char *what, char ***out, size_t *n_out,
                             rs_error *err)
{
    rs_status st = need_seq(n, what, 1, err);
    if (st != RS_OK)
        return st;
    char **v = calloc(n->n, sizeof *v);
    if (!v)
        return nomem(err);
    size_t m = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *s;
        char where[256];
        if ((st = rs_yaml_string(n->items[i], what, &s, err)) != RS_OK)
            goto fail;
        if (!s[0]) {
            st = range_error(n->items[i], what, "a non-empty name", err);
            goto fail;
        }
        for (size_t j = 0; j < m; j++)
            if (strcmp(v[j], s) == 0) {
                st = rs_error_set(err, RS_ERR_CONFIG, "%s%s lists '%s' twice",
                                  rs_yaml_where(n->items[i], where, sizeof where), what, s);
                goto fail;
            }
        if (!(v[m++] = dup(s))) {
            st = nomem(err);
            goto fail;
        }
    }
    *out = v;
    *n_out = m;
    return RS_OK;
fail:
    for (size_t j = 0; j < m; j++)
        free(v[j]);
    free(v);
    return st;
}

static rs_status parse_levels(rs_eval_config *c, const rs_yaml_node *n, rs_error *err)
{
    rs_status st = need_seq(n, "levels", 1, err);
    if (st != RS_OK)
        return st;
    double *v = malloc(n->n * sizeof *v);
    if (!v)
        return nomem(err);
    for (size_t i = 0; i < n->n; i++) {
        if ((st = rs_yaml_float(n->items[i], "levels[]", &v[i], err)) != RS_OK)
            goto fail;
        if (!(v[i] > 0.0 && v[i] <= 1.0)) {
            st = range_error(n->items[i], "each of levels", "in (0, 1]", err);
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (v[j] == v[i]) {
                st = range_error(n->items[i], "each of levels", "distinct", err);
                goto fail;
            }
    }
    free(c->levels);
    c->levels = v;
    c->n_levels = n->n;
    return RS_OK;
fail:
    free(v);
    return st;
}

/* Ascending distinct ints in [lo, hi] (K values, bucket lower bounds). */
static rs_status parse_ascending(const rs_yaml_node *n, const char *what, int lo, int hi, int **out,
                                 size_t *n_out, rs_error *err)
{
    rs_status st = need_seq(n, what, 1, err);
    if (st != RS_OK)
        return st;
    int *v = malloc(n->n * sizeof *v);
    if (!v)
        return nomem(err);
    for (size_t i = 0; i < n->n; i++) {
        int64_t x;
        if ((st = rs_yaml_int(n->items[i], what, &x, err)) != RS_OK)
            goto fail;
        char range[96];
        snprintf(range, sizeof range, "in [%d, %d]", lo, hi);
        if (x < lo || x > hi) {
            st = range_error(n->items[i], what, range, err);
            goto fail;
        }
        v[i] = (int)x;
        if (i > 0 && v[i] <= v[i - 1]) {
            st = range_error(n->items[i], what, "strictly ascending", err);
            goto fail;
        }
    }
    free(*out);
    *out = v;
    *n_out = n->n;
    return RS_OK;
fail:
    free(v);
    return st;
}

static rs_status parse_compare(rs_eval_config *c, const rs_yaml_node *n, rs_error *err)
{
    rs_status st = need_seq(n, "compare", 0, err);
    if (st != RS_OK)
        return st;
    c->compare = calloc(n->n ? n->n : 1, sizeof *c->compare);
    if (!c->compare)
        return nomem(err);
    for (size_t i = 0; i < n->n; i++) {
        const rs_yaml_node *p = n->items[i];
        char where[256];
        if (p->kind != RS_YAML_SEQ || p->n != 2)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%scompare entries must be [instance, reference] pairs",
                                rs_yaml_where(p, where, sizeof where));
        const char *a, *b;
        if ((st = rs_yaml_string(p->items[0], "compare[0]", &a, err)) ||
            (st = rs_yaml_string(p->items[1], "compare[1]", &b, err)))
            return st;
        for (int j = 0; j < 2; j++) {
            const char *s = j ? b : a;
            if (rs_eval_config_instance_index(c, s) < 0)
                return rs_error_set(err, RS_ERR_CONFIG,
                                    "%scompare names '%s', which is not in instances",
                                    rs_yaml_where(p->items[j], where, sizeof where), s);
        }
        c->compare[c->n_compare].a = dup(a);
        c->compare[c->n_compare].b = dup(b);
        c->n_compare++;
        if (!c->compare[c->n_compare - 1].a || !c->compare[c->n_compare - 1].b)
            return nomem(err);
    }
    return RS_OK;
}

/* Without a `compare` key: the host's default source (what users are
 * served) against the baseline, when both are evaluated. */
static rs_status default_compare(rs_eval_config *c, const rs_config *host, rs_error *err)
{
    const char *served = rs_config_role(host, RS_ROLE_DEFAULT_SOURCE);
    if (!(c->compare = calloc(1, sizeof *c->compare)))
        return nomem(err);
    if (!served || strcmp(served, c->baseline) == 0 || rs_eval_config_instance_index(c, served) < 0)
        return RS_OK;
    c->compare[0].a = dup(served);
    c->compare[0].b = dup(c->baseline);
    c->n_compare = 1;
    return c->compare[0].a && c->compare[0].b ? RS_OK : nomem(err);
}

/* Overrides are mappings by instance name; the names are checked against
 * the evaluated instances by bind_names, the keys and values against each
 * plugin's schema by the engine. */
static rs_status parse_params(rs_eval_config *c, const rs_yaml_node *n, rs_error *err)
{
    char where[256];
    if (n->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'params' must be a mapping of instance names",
                            rs_yaml_where(n, where, sizeof where));
    for (size_t i = 0; i < n->n; i++)
        if (n->items[i]->kind != RS_YAML_MAP)
            return rs_error_set(err, RS_ERR_CONFIG, "%sparams.%s must be a mapping",
                                rs_yaml_where(n->items[i], where, sizeof where), n->keys[i]);
    c->params = n;
    return RS_OK;
}

static rs_status need_map(const rs_yaml_node *n, const char *what, const char *const *keys,
                          rs_error *err)
{
    char where[256];
    if (n->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' must be a mapping",
                            rs_yaml_where(n, where, sizeof where), what);
    return rs_yaml_check_keys(n, what, keys, err);
}

/* `curve: {instances: [names], eval_every: N}` */
static rs_status parse_curve(rs_eval_config *c, const rs_yaml_node *n, rs_error *err)
{
    char where[300];
    int64_t every = 0;
    rs_status st = need_map(n, "curve", k_curve_keys, err);
    if (st != RS_OK || (st = rs_yaml_get_int(n, "eval_every", &every, err)))
        return st;
    const rs_yaml_node *list = rs_yaml_get(n, "instances");
    if (every < 1 || every > 100000 || !list || list->kind != RS_YAML_SEQ || !list->n)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%scurve needs eval_every in 1..100000 and a non-empty "
                            "instances list",
                            rs_yaml_where(n, where, sizeof where));
    c->curve_instances = calloc(list->n, sizeof *c->curve_instances);
    if (!c->curve_instances)
        return rs_error_set(err, RS_ERR_NOMEM, "eval config: out of memory");
    for (size_t i = 0; i < list->n; i++) {
        const char *s;
        if ((st = rs_yaml_string(list->items[i], "curve.instances", &s, err)))
            return st;
        if (!(c->curve_instances[c->n_curve_instances++] = strdup(s)))
            return rs_error_set(err, RS_ERR_NOMEM, "eval config: out of memory");
    }
    c->curve_every = (int)every;
    return RS_OK;
}

/* `new_users: {enabled, holdout_fraction, n, order, min_positives, seed}`;
 * its seed defaults to the top-level one (parsed before this). */
static rs_status parse_new_users(rs_eval_config *c, const rs_yaml_node *n, rs_error *err)
{
    rs_eval_new_users *nu = &c->new_users;
    rs_status st = rs_config_fields_read(n, "new_users", k_new_user_fields,
                                         RS_FIELD_COUNT(k_new_user_fields), k_new_user_other, c,
                                         err);
    const rs_yaml_node *x;
    if (st == RS_OK && (x = rs_yaml_get(n, "n")))
        st = parse_ascending(x, "new_users.n", 1, 10000, &nu->n, &nu->n_n, err);
    return st;
}

/* `taste_probes: {enabled, genres, n_rated, rating, k}`; whether each genre
 * exists is checked against the dataset when the probes run. */
static rs_status parse_probes(rs_eval_config *c, const rs_yaml_node *n, rs_error *err)
{
    rs_eval_probes *pr = &c->probes;
    rs_status st = rs_config_fields_read(n, "taste_probes", k_probe_fields,
                                         RS_FIELD_COUNT(k_probe_fields), k_probe_other, c, err);
    const rs_yaml_node *x;
    if (st != RS_OK || !(x = rs_yaml_get(n, "genres")))
        return st;
    char **g;
    size_t ng;
    if ((st = parse_names(x, "taste_probes.genres", &g, &ng, err)))
        return st;
    for (size_t i = 0; i < pr->n_genres; i++)
        free(pr->genres[i]);
    free(pr->genres);
    pr->genres = g;
    pr->n_genres = ng;
    return RS_OK;
}

/* Once the instances are known: the baseline (by default the first), and
 * the keys that name instances. */
static rs_status bind_names(rs_eval_config *c, rs_error *err)
{
    char where[256];
    const rs_yaml_node *n;
    if (!c->baseline && !(c->baseline = dup(c->instances[0])))
        return nomem(err);
    if (rs_eval_config_instance_index(c, c->baseline) < 0) {
        n = c->root ? rs_yaml_get(c->root, "baseline") : NULL;
        return rs_error_set(err, RS_ERR_CONFIG, "%sbaseline '%s' is not one of instances",
                            n ? rs_yaml_where(n, where, sizeof where) : "", c->baseline);
    }
    for (size_t i = 0; c->params && i < c->params->n; i++)
        if (rs_eval_config_instance_index(c, c->params->keys[i]) < 0)
            return rs_error_set(
                err, RS_ERR_CONFIG, "%sparams names '%s', which is not in instances",
                rs_yaml_where(c->params->items[i], where, sizeof where), c->params->keys[i]);
    if (c->root && (n = rs_yaml_get(c->root, "compare")))
        return parse_compare(c, n, err);
    return RS_OK;
}

static rs_status parse_root(rs_eval_config *c, const rs_yaml_node *root, const char *base_dir,
                            rs_error *err)
{
    char where[256];
    rs_status st;
    if (root->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG, "%sthe eval config must be a mapping",
                            rs_yaml_where(root, where, sizeof where));
    if ((st = rs_config_fields_read(root, NULL, k_top_fields, RS_FIELD_COUNT(k_top_fields),
                                    k_top_other, c, err)) ||
        (st = rs_config_fields_read(rs_yaml_get(root, "split"), "split", k_split_fields,
                                    RS_FIELD_COUNT(k_split_fields), NULL, c, err)) ||
        (st = rs_config_fields_read(rs_yaml_get(root, "sweep"), "sweep", k_sweep_fields,
                                    RS_FIELD_COUNT(k_sweep_fields), NULL, c, err)))
        return st;

    const char *s = "../configs/default.yaml";
    if ((st = rs_yaml_get_string(root, "host_config", &s, err)))
        return st;
    if (!(c->host_config = resolve(base_dir, s)))
        return nomem(err);
    s = "../build/eval-report";
    if ((st = rs_yaml_get_string(root, "output_dir", &s, err)))
        return st;
    if (!(c->output_dir = resolve(base_dir, s)))
        return nomem(err);

    const rs_yaml_node *n;
    if ((n = rs_yaml_get(root, "instances")) &&
        (st = parse_names(n, "instances", &c->instances, &c->n_instances, err)))
        return st;
    if ((n = rs_yaml_get(root, "baseline"))) {
        if ((st = rs_yaml_string(n, "baseline", &s, err)))
            return st;
        if (!(c->baseline = dup(s)))
            return nomem(err);
    }
    if ((n = rs_yaml_get(root, "levels")) && (st = parse_levels(c, n, err)))
        return st;
    if ((n = rs_yaml_get(root, "k")) &&
        (st = parse_ascending(n, "k", 1, 1000, &c->k, &c->n_k, err)))
        return st;
    if ((n = rs_yaml_get(root, "activity_buckets")) &&
        (st = parse_ascending(n, "activity_buckets", 0, 1000000, &c->bucket_lo, &c->n_buckets,
                              err)))
        return st;
    if ((n = rs_yaml_get(root, "params")) && (st = parse_params(c, n, err)))
        return st;
    c->new_users.seed = c->seed;
    if ((n = rs_yaml_get(root, "curve")) && (st = parse_curve(c, n, err)))
        return st;
    if ((n = rs_yaml_get(root, "new_users")) && (st = parse_new_users(c, n, err)))
        return st;
    if ((n = rs_yaml_get(root, "taste_probes")) && (st = parse_probes(c, n, err)))
        return st;
    c->split.seed = c->seed;
    /* Without a list, the names are bound to the host's instances. */
    return c->n_instances ? bind_names(c, err) : RS_OK;
}

rs_status rs_eval_config_default(rs_eval_config **out, rs_error *err)
{
    rs_eval_config *c = calloc(1, sizeof *c);
    if (!c)
        return nomem(err);
    rs_status st = set_defaults(c, err);
    if (st == RS_OK &&
        (!(c->host_config = dup("configs/default.yaml")) || !(c->output_dir = dup("eval-report"))))
        st = nomem(err);
    if (st != RS_OK) {
        rs_eval_config_free(c);
        return st;
    }
    c->split.seed = c->seed;
    *out = c;
    return RS_OK;
}

static rs_status finish(rs_yaml_node *root, const char *path, const char *base_dir,
                        rs_eval_config **out, rs_error *err)
{
    rs_eval_config *c = calloc(1, sizeof *c);
    if (!c) {
        rs_yaml_free(root);
        return nomem(err);
    }
    c->root = root;
    rs_status st = set_defaults(c, err);
    if (st == RS_OK && path && !(c->path = dup(path)))
        st = nomem(err);
    if (st == RS_OK)
        st = parse_root(c, root, base_dir, err);
    if (st != RS_OK) {
        rs_eval_config_free(c);
        return st;
    }
    *out = c;
    return RS_OK;
}

rs_status rs_eval_config_parse(const char *text, const char *name, const char *base_dir,
                               rs_eval_config **out, rs_error *err)
{
    rs_yaml_node *root;
    rs_status st = rs_yaml_load_string(text, name, &root, err);
    if (st != RS_OK)
        return st;
    return finish(root, NULL, base_dir, out, err);
}

rs_status rs_eval_config_load(const char *path, rs_eval_config **out, rs_error *err)
{
    rs_yaml_node *root;
    rs_status st = rs_yaml_load_file(path, &root, err);
    if (st != RS_OK)
        return st;
    char *dir = dup(path);
    if (!dir) {
        rs_yaml_free(root);
        return nomem(err);
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    st = finish(root, path, slash ? (dir[0] ? dir : "/") : NULL, out, err);
    free(dir);
    return st;
}

int rs_eval_config_instance_index(const rs_eval_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_instances; i++)
        if (strcmp(c->instances[i], name) == 0)
            return (int)i;
    return -1;
}

const char *rs_eval_config_where(const rs_eval_config *c, const char *key, char *buf, size_t size)
{
    const rs_yaml_node *n = c->root ? rs_yaml_get(c->root, key) : NULL;
    if (!n) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    return rs_yaml_where(n, buf, size);
}

static void drop_instance(rs_eval_config *c, size_t i)
{
    const char *name = c->instances[i];
    for (size_t p = 0; p < c->n_compare;) {
        if (strcmp(c->compare[p].a, name) == 0 || strcmp(c->compare[p].b, name) == 0) {
            free(c->compare[p].a);
            free(c->compare[p].b);
            memmove(&c->compare[p], &c->compare[p + 1],
                    (c->n_compare - p - 1) * sizeof *c->compare);
            c->n_compare--;
        } else {
            p++;
        }
    }
    free(c->instances[i]);
    memmove(&c->instances[i], &c->instances[i + 1],
            (c->n_instances - i - 1) * sizeof *c->instances);
    c->n_instances--;
}

/* No `instances` list: every instance of the host config, in its order. */
static rs_status instances_from_host(rs_eval_config *c, const rs_config *host, rs_error *err)
{
    if (!(c->instances = calloc(host->n_instances ? host->n_instances : 1, sizeof *c->instances)))
        return nomem(err);
    for (size_t i = 0; i < host->n_instances; i++)
        if (!(c->instances[c->n_instances++] = dup(host->instances[i].name)))
            return nomem(err);
    return RS_OK;
}

rs_status rs_eval_config_apply_host(rs_eval_config *c, const rs_config *host, rs_error *err)
{
    int listed = c->n_instances > 0;
    rs_status st = listed ? RS_OK : instances_from_host(c, host, err);
    if (st != RS_OK)
        return st;
    /* The baseline defaults to the host's cold-start source (what a user
     * with no ratings gets) when it is evaluated, else to the first
     * evaluated instance the host defines. */
    if (!c->root || !rs_yaml_get(c->root, "baseline")) {
        const char *base = rs_config_role(host, RS_ROLE_COLD_START);
        if (!base || rs_eval_config_instance_index(c, base) < 0)
            for (size_t i = c->n_instances; i-- > 0;)
                if (rs_config_instance(host, c->instances[i]))
                    base = c->instances[i];
        char *b = base ? dup(base) : NULL;
        if (base && !b)
            return nomem(err);
        if (b) {
            free(c->baseline);
            c->baseline = b;
        }
    }
    if (!listed && c->n_instances && (st = bind_names(c, err)) != RS_OK)
        return st;
    if ((!c->root || !rs_yaml_get(c->root, "compare")) && c->n_instances &&
        (st = default_compare(c, host, err)) != RS_OK)
        return st;
    const rs_yaml_node *list = c->root ? rs_yaml_get(c->root, "instances") : NULL;
    /* Walk the YAML list alongside, so messages point at the right item
     * even after earlier ones were dropped. */
    size_t yaml_i = 0;
    for (size_t i = 0; i < c->n_instances; yaml_i++) {
        if (rs_config_instance(host, c->instances[i])) {
            i++;
            continue;
        }
        char where[256] = "";
        if (list && list->kind == RS_YAML_SEQ && yaml_i < list->n)
            rs_yaml_where(list->items[yaml_i], where, sizeof where);
        if (!c->skip_missing || strcmp(c->instances[i], c->baseline) == 0)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sinstance '%s' is not defined in the host config %s%s", where,
                                c->instances[i], host->path,
                                c->skip_missing ? " (the baseline cannot be skipped)" : "");
        rs_log(RS_LOG_WARN, "eval", "%sinstance '%s' is not defined in %s: skipped", where,
               c->instances[i], host->path);
        drop_instance(c, i);
    }
    return RS_OK;
}
