/*
 * Integration: short sweeps over the real ml-latest-small with the plugins
 * built in this tree (popularity at least). Skipped when the data is absent.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recsys/eval.h"
#include "recsys/eval_metrics.h"
#include "recsys/fsutil.h"
#include "test_util.h"
#include "cli.h"

static char *tmp;
static int have_data;

static void setup(void)
{
    const char *ml = tu_shared_data();
    have_data = ml != NULL;
    tmp = tu_tempdir();
    char work[4200];
    snprintf(work, sizeof work, "%s/work", tmp);
    if (ml)
        setenv("RECSYS_DATA_DIR", ml, 1);
    setenv("RECSYS_WORK_DIR", work, 1);
    setenv("RECSYS_PLUGIN_PATH", RS_PLUGIN_BUILD_DIR, 1);
    setenv("RECSYS_LOG", "warn", 1);
}

static void teardown(void)
{
    ck_assert_int_eq(rs_remove_tree(tmp), 0);
    free(tmp);
}

#define SKIP_WITHOUT_DATA()                                          \
    do {                                                             \
        if (!have_data) {                                            \
            fprintf(stderr, "ml-latest-small not found: skipped\n"); \
            return;                                                  \
        }                                                            \
    } while (0)

/* Write an eval file in tmp over the repository's host config. */
static const char *eval_file(const char *extra)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/eval.yaml", tmp);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "host_config: %s/configs/default.yaml\n"
            "instances: [popularity]\n"
            "output_dir: out\n%s",
            RS_SOURCE_DIR, extra);
    fclose(f);
    return path;
}

/* Write `text` to tmp/name; the path goes to path[4200]. */
static const char *tmp_file(char *path, const char *name, const char *text)
{
    snprintf(path, 4200, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static rs_eval_report *run(const char *extra, int validate, rs_eval_config **cfg_out)
{
    rs_error err = {RS_OK, ""};
    rs_eval_config *cfg = NULL;
    rs_config *host = NULL;
    rs_eval_report *rep = NULL;
    ck_assert_msg(rs_eval_config_load(eval_file(extra), &cfg, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_config_load(cfg->host_config, &host, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_eval_config_apply_host(cfg, host, &err), RS_OK);
    rs_config_free(host);
    rs_eval_options opt = {validate, 1};
    ck_assert_msg(rs_eval_run(cfg, &opt, &rep, &err) == RS_OK, "%s", err.message);
    *cfg_out = cfg;
    return rep;
}

static int in_unit(json_t *x)
{
    return json_is_null(x) || (json_real_value(x) >= 0.0 && json_real_value(x) <= 1.0);
}

/* Every mean and interval bound of a metrics object is in [0, 1], and
 * lo <= mean <= hi where defined. */
static void check_metrics(json_t *metrics)
{
    const char *key;
    json_t *v;
    json_object_foreach(metrics, key, v)
    {
        json_t *m = json_object_get(v, "mean"), *lo = json_object_get(v, "lo"),
               *hi = json_object_get(v, "hi");
        ck_assert_msg(in_unit(m) && in_unit(lo) && in_unit(hi), "%s out of [0,1]", key);
        if (json_is_real(m) && json_is_real(lo))
            ck_assert_msg(json_real_value(lo) <= json_real_value(m) + 1e-12 &&
                              json_real_value(m) <= json_real_value(hi) + 1e-12,
                          "%s: interval does not hold the mean", key);
    }
}

static double metric(json_t *level, const char *inst, const char *key)
{
    json_t *m = json_object_get(
        json_object_get(json_object_get(json_object_get(level, "results"), inst), "metrics"), key);
    return json_real_value(json_object_get(m, "mean"));
}

START_TEST(two_level_sweep_writes_sane_reports)
{
    SKIP_WITHOUT_DATA();
    rs_eval_config *cfg;
    rs_eval_report *rep = run("levels: [1.0, 0.25]\nbootstrap_resamples: 200\n", 0, &cfg);
    rs_error err = {RS_OK, ""};
    ck_assert_msg(rs_eval_write_all(rep, cfg->output_dir, &err) == RS_OK, "%s", err.message);
    const char *files[] = {"report.json", "report.csv", "report.md"};
    char p[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", cfg->output_dir, files[i]);
        ck_assert_msg(access(p, R_OK) == 0, "%s missing", p);
    }
    if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
        snprintf(p, sizeof p, "%s/report.svg", cfg->output_dir);
        ck_assert_msg(access(p, R_OK) == 0, "%s missing", p);
    }

    snprintf(p, sizeof p, "%s/report.json", cfg->output_dir);
    json_error_t je;
    json_t *root = json_load_file(p, 0, &je);
    ck_assert_msg(root != NULL, "%s", je.text);
    json_t *levels = json_object_get(root, "levels");
    ck_assert_uint_eq(json_array_size(levels), 2);
    json_int_t users = json_integer_value(
        json_object_get(json_object_get(root, "dataset"), "users"));
    json_int_t prev_train = INT64_MAX;
    for (size_t l = 0; l < 2; l++) {
        json_t *lv = json_array_get(levels, l);
        json_int_t ev = json_integer_value(json_object_get(lv, "users_evaluated"));
        json_int_t ex = json_integer_value(json_object_get(lv, "users_excluded"));
        ck_assert_int_gt(ev, 0);
        ck_assert_int_eq(ev + ex, users);
        json_int_t train = json_integer_value(json_object_get(lv, "train_ratings"));
        ck_assert_int_lt(train, prev_train); /* thinner at each level */
        prev_train = train;
        json_t *pop = json_object_get(json_object_get(lv, "results"), "popularity");
        check_metrics(json_object_get(pop, "metrics"));
        json_t *b;
        size_t bi;
        json_array_foreach(json_object_get(pop, "activity_buckets"), bi, b)
            check_metrics(json_object_get(b, "metrics"));
        const char *key;
        json_t *cov;
        json_object_foreach(json_object_get(pop, "coverage"), key, cov)
            ck_assert(json_real_value(cov) > 0.0 && json_real_value(cov) <= 1.0);
        /* more slots can only add hits */
        ck_assert(metric(lv, "popularity", "recall@20") >= metric(lv, "popularity", "recall@10"));
    }
    ck_assert(metric(json_array_get(levels, 0), "popularity", "recall@20") > 0.0);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(root, "instances"), 0), "version")),
                     "1.0.0");
    json_decref(root);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
}
END_TEST

/* An independent re-implementation of the protocol for the popularity
 * plugin (count mode: rating count desc, item index asc), from the public
 * split/thin/metric functions: the harness's means must match it exactly.
 * This checks the plumbing end to end: split, thinning, the thinned
 * dataset, the engine, the query's exclusions and the aggregation. */
typedef struct oracle_item {
    int32_t item, count;
} oracle_item;

static int oracle_cmp(const void *a, const void *b)
{
    const oracle_item *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->item < y->item ? -1 : (x->item > y->item);
}

static void oracle(const rs_eval_config *cfg, double fraction, double *recall20, double *ndcg20,
                   double *coverage20)
{
    rs_error err = {RS_OK, ""};
    rs_movielens *ml = NULL;
    ck_assert_msg(rs_movielens_load(getenv("RECSYS_DATA_DIR"), NULL, &ml, &err) == RS_OK, "%s",
                  err.message);
    const rs_dataset *d = rs_movielens_view(ml);
    size_t n = d->n_ratings;
    rs_triple *t = malloc(n * sizeof *t);
    uint8_t *role = malloc(n), *fit = malloc(n), *keep = malloc(n);
    for (int32_t u = 0; u < d->n_users; u++)
        for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++)
            t[j] = (rs_triple){u, d->user_item[j], d->user_rating[j], d->user_time[j]};
    ck_assert_int_eq(rs_eval_split(t, n, d->n_users, &cfg->split, role, &err), RS_OK);
    for (size_t j = 0; j < n; j++)
        fit[j] = role[j] != RS_ROLE_TEST;
    ck_assert_int_eq(rs_eval_thin(t, n, d->n_users, fit, fraction, cfg->seed, keep, NULL, &err),
                     RS_OK);
    oracle_item *order = calloc((size_t)d->n_items, sizeof *order);
    for (int32_t i = 0; i < d->n_items; i++)
        order[i].item = i;
    for (size_t j = 0; j < n; j++)
        order[t[j].item].count += keep[j];
    qsort(order, (size_t)d->n_items, sizeof *order, oracle_cmp);
    uint8_t *seen = calloc((size_t)d->n_items, 1), *excl = calloc((size_t)d->n_items, 1);
    int32_t *rel = malloc((size_t)d->n_items * sizeof *rel), top[20];
    double sr = 0, sn = 0;
    int users = 0;
    for (int32_t u = 0; u < d->n_users; u++) {
        size_t nrel = 0;
        memset(excl, 0, (size_t)d->n_items);
        for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++) {
            /* what the sweep excludes: the thinned ratings it gave
             * (sweep.exclude: given) or the whole training set (full) */
            excl[t[j].item] = cfg->sweep_exclude == RS_EXCLUDE_FULL ? fit[j] : keep[j];
            if (role[j] == RS_ROLE_TEST && t[j].rating >= cfg->positive_threshold)
                rel[nrel++] = t[j].item; /* CSR rows are sorted by item */
        }
        if (nrel == 0)
            continue;
        size_t nt = 0;
        for (int32_t r = 0; r < d->n_items && nt < 20; r++)
            if (!excl[order[r].item])
                top[nt++] = order[r].item;
        rs_coverage_add(seen, d->n_items, top, nt, 20);
        sr += rs_metric_recall(top, nt, rel, nrel, 20);
        sn += rs_metric_ndcg(top, nt, rel, nrel, 20);
        users++;
    }
    *recall20 = sr / users;
    *ndcg20 = sn / users;
    *coverage20 = rs_coverage_ratio(seen, d->n_items);
    free(rel);
    free(excl);
    free(seen);
    free(order);
    free(keep);
    free(fit);
    free(role);
    free(t);
    rs_movielens_free(ml);
}

/* Both exclusion modes against the oracle; at level 1 they are the same
 * (everything in training is given), below it `full` also hides what the
 * model was not told, which lifts the figures. `both` scores the same
 * fits both ways in one run. */
static void check_against_oracle(rs_eval_report *rep, rs_eval_config *cfg, rs_eval_level *levels,
                                 rs_sweep_exclude ex, double *rec_at_01)
{
    rs_sweep_exclude saved = cfg->sweep_exclude;
    cfg->sweep_exclude = ex; /* what the oracle excludes */
    for (size_t l = 0; l < 2; l++) {
        double rec, ndcg, cov;
        oracle(cfg, cfg->levels[l], &rec, &ndcg, &cov);
        rs_eval_cell *c = &levels[l].cells[0];
        ck_assert_double_eq_tol(rs_eval_cell_stat(rep, c, 1, RS_EVAL_RECALL)->mean, rec, 1e-12);
        ck_assert_double_eq_tol(rs_eval_cell_stat(rep, c, 1, RS_EVAL_NDCG)->mean, ndcg, 1e-12);
        ck_assert_double_eq_tol(c->coverage[1], cov, 1e-12);
        if (l == 1)
            *rec_at_01 = rec;
    }
    cfg->sweep_exclude = saved;
}

START_TEST(matches_an_independent_popularity_oracle)
{
    SKIP_WITHOUT_DATA();
    const char *common = "levels: [1.0, 0.1]\nbootstrap_resamples: 0\n"
                         "new_users: {enabled: false}\ntaste_probes: {enabled: false}\n";
    char text[512];
    double given01, full01, both_full01;
    rs_eval_config *cfg;
    snprintf(text, sizeof text, "%ssweep: {exclude: full}\n", common);
    rs_eval_report *rep = run(text, 0, &cfg);
    ck_assert_int_eq(cfg->sweep_exclude, RS_EXCLUDE_FULL);
    ck_assert_ptr_null(rep->levels_full);
    check_against_oracle(rep, cfg, rep->levels, RS_EXCLUDE_FULL, &full01);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);

    snprintf(text, sizeof text, "%ssweep: {exclude: both}\n", common);
    rep = run(text, 0, &cfg);
    ck_assert_ptr_nonnull(rep->levels_full);
    check_against_oracle(rep, cfg, rep->levels, RS_EXCLUDE_GIVEN, &given01);
    check_against_oracle(rep, cfg, rep->levels_full, RS_EXCLUDE_FULL, &both_full01);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    ck_assert_double_eq(both_full01, full01);
    /* hiding what the model was not told flatters it */
    ck_assert(given01 < full01);
}
END_TEST

/* `params` overrides reach the plugin (damped mean ranks differently from
 * counts) and are validated against its schema with the eval file's
 * file:line:column. */
START_TEST(param_overrides_reach_the_plugin)
{
    SKIP_WITHOUT_DATA();
    rs_eval_config *cfg;
    rs_eval_report *count = run("levels: [1.0]\nbootstrap_resamples: 0\n", 0, &cfg);
    double r_count = rs_eval_cell_stat(count, &count->levels[0].cells[0], 1, RS_EVAL_NDCG)->mean;
    rs_eval_report_free(count);
    rs_eval_config_free(cfg);
    rs_eval_report *damped = run("levels: [1.0]\nbootstrap_resamples: 0\n"
                                 "params: {popularity: {mode: damped_mean, damping: 5}}\n",
                                 0, &cfg);
    double r_damped = rs_eval_cell_stat(damped, &damped->levels[0].cells[0], 1, RS_EVAL_NDCG)->mean;
    ck_assert_msg(fabs(r_count - r_damped) > 1e-6, "override had no effect (%g)", r_count);
    rs_eval_report_free(damped);
    rs_eval_config_free(cfg);

    rs_error err = {RS_OK, ""};
    rs_eval_report *rep = NULL;
    const char *bad[] = {"params: {popularity: {mode: loud}}\n",
                         "params: {popularity: {nosuch: 1}}\n"};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(rs_eval_config_load(eval_file(bad[i]), &cfg, &err), RS_OK);
        rs_eval_options opt = {0, 1};
        ck_assert_int_eq(rs_eval_run(cfg, &opt, &rep, &err), RS_ERR_CONFIG);
        tu_assert_contains(err.message, "eval.yaml:4:");
        rs_eval_config_free(cfg);
    }
}
END_TEST

/* Thinned data under the host's absolute CF thresholds loses most of the CF
 * subset; scaled thresholds keep it about as large as at full data. */
START_TEST(cf_subset_modes)
{
    SKIP_WITHOUT_DATA();
    const char *modes[] = {"host", "scaled", "all"};
    int32_t items[3], full[3];
    for (int m = 0; m < 3; m++) {
        char extra[128];
        snprintf(extra, sizeof extra,
                 "levels: [1.0, 0.25]\nbootstrap_resamples: 0\ncf_subset: %s\n", modes[m]);
        rs_eval_config *cfg;
        rs_eval_report *rep = run(extra, 0, &cfg);
        full[m] = rep->levels[0].cf_items;
        items[m] = rep->levels[1].cf_items;
        rs_eval_report_free(rep);
        rs_eval_config_free(cfg);
    }
    ck_assert_int_eq(full[0], full[1]); /* the same at full data */
    ck_assert_int_lt(items[0], items[1]);
    ck_assert_int_lt(items[1], items[2]);
}
END_TEST

START_TEST(leave_one_out_has_one_positive_per_user)
{
    SKIP_WITHOUT_DATA();
    rs_eval_config *cfg;
    rs_eval_report *rep = run("levels: [1.0]\nsplit: {kind: loo}\nbootstrap_resamples: 0\n", 0,
                              &cfg);
    rs_eval_level *lv = &rep->levels[0];
    ck_assert_int_gt(lv->users_evaluated, 0);
    ck_assert_uint_eq(rep->n_test, (size_t)rep->n_users);
    for (size_t k = 0; k < cfg->n_k; k++) {
        rs_ci *rec = rs_eval_cell_stat(rep, &lv->cells[0], k, RS_EVAL_RECALL);
        rs_ci *hr = rs_eval_cell_stat(rep, &lv->cells[0], k, RS_EVAL_HIT_RATE);
        rs_ci *prec = rs_eval_cell_stat(rep, &lv->cells[0], k, RS_EVAL_PRECISION);
        /* one relevant item: recall is the hit rate, precision hits/K */
        ck_assert_double_eq_tol(rec->mean, hr->mean, 1e-12);
        ck_assert_double_eq_tol(prec->mean, hr->mean / cfg->k[k], 1e-12);
        ck_assert(isnan(rec->lo)); /* no resamples, no interval */
    }
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
}
END_TEST

START_TEST(temporal_and_validation_runs)
{
    SKIP_WITHOUT_DATA();
    rs_eval_config *cfg;
    /* The temporal cut leaves some scored users without training ratings:
     * they are queried as unknown users (RS_USER_NONE). */
    rs_eval_report *rep = run("levels: [0.5]\nsplit: {kind: temporal}\nbootstrap_resamples: 50\n",
                              0, &cfg);
    ck_assert_int_gt(rep->levels[0].users_evaluated, 0);
    ck_assert_int_eq(rep->levels[0].bucket_users[0] + rep->levels[0].bucket_users[1] +
                             rep->levels[0].bucket_users[2] + rep->levels[0].bucket_users[3] <
                         rep->levels[0].users_evaluated,
                     1);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    rep = run("levels: [1.0]\nbootstrap_resamples: 50\n", 1, &cfg);
    ck_assert_int_eq(rep->validate, 1);
    ck_assert_uint_gt(rep->n_valid, 0);
    /* on validation, the fitted data excludes the validation ratings */
    ck_assert_uint_eq(rep->levels[0].train_ratings, rep->n_train);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
}
END_TEST

/* The core's deliberately failing test plugin beside popularity: the sweep
 * completes, the failure is recorded per level, the numbers of the broken
 * instance are undefined, and the CLI exits 1 after writing the reports. */
START_TEST(a_failing_plugin_is_reported_not_fatal)
{
    SKIP_WITHOUT_DATA();
    char host[4200], eval[4200], out[4300], text[9000];
    snprintf(text, sizeof text,
             "plugins: {path: [%s, %s]}\n"
             "instances:\n"
             "  - {name: popularity, plugin: popularity}\n"
             "  - {name: broken, plugin: tp_failfit}\n",
             RS_PLUGIN_BUILD_DIR, RS_TEST_PLUGIN_DIR);
    tmp_file(host, "host.yaml", text);
    tmp_file(eval, "eval-broken.yaml",
             "host_config: host.yaml\ninstances: [popularity, broken]\n"
             "levels: [1.0, 0.5]\nbootstrap_resamples: 20\noutput_dir: out-broken\n");

    rs_error err = {RS_OK, ""};
    rs_eval_config *cfg = NULL;
    rs_eval_report *rep = NULL;
    ck_assert_msg(rs_eval_config_load(eval, &cfg, &err) == RS_OK, "%s", err.message);
    rs_eval_options opt = {0, 1};
    ck_assert_msg(rs_eval_run(cfg, &opt, &rep, &err) == RS_OK, "%s", err.message);
    /* 2 levels + the new-user protocol's 5 n (one failed fit each); the
     * taste probes skip an instance whose fit failed */
    ck_assert_uint_eq(rep->n_failures, 2 + 5);
    for (size_t l = 0; l < 5; l++) {
        tu_assert_contains(rep->nu.levels[l].cells[1].error, "deliberate fit failure");
        ck_assert_ptr_null(rep->nu.levels[l].cells[0].error);
        ck_assert(isnan(rep->probes.probe[0].share[1]));
        ck_assert(rep->probes.probe[0].share[0] >= 0);
    }
    for (size_t l = 0; l < 2; l++) {
        rs_eval_level *lv = &rep->levels[l];
        ck_assert_ptr_null(lv->cells[0].error);
        ck_assert_ptr_nonnull(lv->cells[1].error);
        tu_assert_contains(lv->cells[1].error, "deliberate fit failure");
        ck_assert(rs_eval_cell_stat(rep, &lv->cells[0], 1, RS_EVAL_RECALL)->mean > 0);
        ck_assert(isnan(rs_eval_cell_stat(rep, &lv->cells[1], 1, RS_EVAL_RECALL)->mean));
        ck_assert(isnan(lv->cells[1].coverage[1]));
        ck_assert(isnan(rs_eval_level_rel(rep, lv, 1, 1, RS_EVAL_NDCG)->mean));
    }
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);

    char *argv[] = {"eval", "--config", eval, "--quiet", NULL};
    ck_assert_int_eq(rs_cli_eval(4, argv), 1);
    snprintf(out, sizeof out, "%s/out-broken/report.md", tmp);
    FILE *md = fopen(out, "r");
    ck_assert_ptr_nonnull(md);
    char buf[1 << 15];
    size_t n = fread(buf, 1, sizeof buf - 1, md);
    buf[n] = '\0';
    fclose(md);
    tu_assert_contains(buf, "## Failures (7)");
    tu_assert_contains(buf, "| kept 0.5 | broken | fit failed: ");
    tu_assert_contains(buf, "| new users, n = 20 | broken | fit failed: ");
}
END_TEST

/* The relative change of `inst` against `ref` for `key` in a level's
 * "relative" list, or NULL. */
static json_t *relative(json_t *level, const char *inst, const char *ref, const char *key)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(level, "relative"), i, x)
    {
        if (!strcmp(json_string_value(json_object_get(x, "instance")), inst) &&
            !strcmp(json_string_value(json_object_get(x, "reference")), ref))
            return json_object_get(json_object_get(x, "relative_change"), key);
    }
    return NULL;
}

/* Three popularity rankings on the real data, `damped` compared with the
 * other two, under both exclude modes: per level and mode, report.json's
 * best other instance is the one with the highest Recall@20 in the same
 * report, its change and interval are the harness's paired comparison
 * for that pair, and the verdict is the interval's sign. */
START_TEST(vs_best_reads_the_paired_comparisons)
{
    SKIP_WITHOUT_DATA();
    char host[4200], eval[4200], out[4300], text[9000];
    snprintf(text, sizeof text,
             "plugins: {path: [%s]}\n"
             "instances:\n"
             "  - {name: count, plugin: popularity, params: {mode: count}}\n"
             "  - {name: damped, plugin: popularity, params: {mode: damped_mean, damping: 5}}\n"
             "  - {name: decay, plugin: popularity, params: {mode: time_decay}}\n",
             RS_PLUGIN_BUILD_DIR);
    tmp_file(host, "host-pop.yaml", text);
    tmp_file(eval, "eval-pop.yaml",
             "host_config: host-pop.yaml\ninstances: [count, damped, decay]\n"
             "baseline: count\ncompare: [[damped, count], [damped, decay]]\n"
             "levels: [1.0, 0.25]\nbootstrap_resamples: 200\nsweep: {exclude: both}\n"
             "new_users: {enabled: false}\ntaste_probes: {enabled: false}\n"
             "output_dir: out-pop\n");
    char *argv[] = {"eval", "--config", eval, "--quiet", NULL};
    ck_assert_int_eq(rs_cli_eval(4, argv), 0);
    snprintf(out, sizeof out, "%s/out-pop/report.json", tmp);
    json_error_t je;
    json_t *root = json_load_file(out, 0, &je);
    ck_assert_msg(root != NULL, "%s", je.text);
    json_t *vb = json_object_get(root, "vs_best");
    ck_assert_uint_eq(json_array_size(vb), 1);
    json_t *d = json_array_get(vb, 0);
    ck_assert_str_eq(json_string_value(json_object_get(d, "instance")), "damped");
    json_t *rows = json_object_get(d, "rows");
    ck_assert_uint_eq(json_array_size(rows), 4);
    int never_below = 1;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *mode = json_string_value(json_object_get(row, "exclude"));
        ck_assert_str_eq(mode, i < 2 ? "given" : "full");
        json_t *lv = json_array_get(json_object_get(root, i < 2 ? "levels" : "levels_exclude_full"),
                                    i % 2);
        ck_assert_double_eq(json_real_value(json_object_get(row, "level")),
                            json_real_value(json_object_get(lv, "fraction")));
        double c = metric(lv, "count", "recall@20"), t = metric(lv, "decay", "recall@20");
        ck_assert(c != t); /* else the tie rule, not the means, would decide */
        const char *best = c > t ? "count" : "decay";
        ck_assert_str_eq(json_string_value(json_object_get(row, "best")), best);
        ck_assert_double_eq(json_real_value(json_object_get(row, "best_mean")), c > t ? c : t);
        ck_assert_double_eq(json_real_value(json_object_get(row, "a_mean")),
                            metric(lv, "damped", "recall@20"));
        json_t *rel = relative(lv, "damped", best, "recall@20");
        ck_assert_ptr_nonnull(rel);
        double lo = json_real_value(json_object_get(rel, "lo")),
               hi = json_real_value(json_object_get(rel, "hi"));
        ck_assert_double_eq(json_real_value(json_object_get(row, "rel_change")),
                            json_real_value(json_object_get(rel, "mean")));
        ck_assert_double_eq(json_real_value(json_object_get(row, "ci_lo")), lo);
        ck_assert_double_eq(json_real_value(json_object_get(row, "ci_hi")), hi);
        ck_assert(lo < hi);
        const char *verdict = lo > 0 ? "above" : hi < 0 ? "below" : "within";
        ck_assert_str_eq(json_string_value(json_object_get(row, "verdict")), verdict);
        never_below &= strcmp(verdict, "below") != 0;
    }
    ck_assert_int_eq(json_is_true(json_object_get(d, "never_below")), never_below);
    json_decref(root);
}
END_TEST

START_TEST(cli_exit_codes)
{
    char *help[] = {"eval", "--help", NULL};
    ck_assert_int_eq(rs_cli_eval(2, help), 0);
    char *bogus[] = {"eval", "--bogus", NULL};
    ck_assert_int_eq(rs_cli_eval(2, bogus), 2);
    char *novalue[] = {"eval", "--config", NULL};
    ck_assert_int_eq(rs_cli_eval(2, novalue), 2);
    char *bad[] = {"eval", "--config", NULL, NULL};
    bad[2] = (char *)eval_file("levels: [2.0]\n");
    ck_assert_int_eq(rs_cli_eval(3, bad), 2);
    char *missing[] = {"eval", "--config=/nonexistent/eval.yaml", NULL};
    ck_assert_int_eq(rs_cli_eval(2, missing), 1);
    if (!have_data)
        return;
    char out[4200];
    snprintf(out, sizeof out, "--out=%s/cli-out", tmp);
    char *ok[] = {"eval", "--config", NULL, out, "--quiet", NULL};
    ok[2] = (char *)eval_file("levels: [1.0]\nbootstrap_resamples: 20\n");
    ck_assert_int_eq(rs_cli_eval(5, ok), 0);
    snprintf(out, sizeof out, "%s/cli-out/report.md", tmp);
    ck_assert_int_eq(access(out, R_OK), 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_sweep");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, two_level_sweep_writes_sane_reports);
    tcase_add_test(tc, matches_an_independent_popularity_oracle);
    tcase_add_test(tc, param_overrides_reach_the_plugin);
    tcase_add_test(tc, cf_subset_modes);
    tcase_add_test(tc, leave_one_out_has_one_positive_per_user);
    tcase_add_test(tc, temporal_and_validation_runs);
    tcase_add_test(tc, a_failing_plugin_is_reported_not_fatal);
    tcase_add_test(tc, vs_best_reads_the_paired_comparisons);
    tcase_add_test(tc, cli_exit_codes);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
