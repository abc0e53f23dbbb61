/* The writers on a hand-filled report: every number lands where the
 * schema says, undefined values become null/empty, the Markdown names the
 * largest change, and the chart is drawn (or skipped without gnuplot). */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recsys/eval.h"
#include "recsys/eval_report.h"
#include "recsys/fsutil.h"
#include "test_util.h"

static rs_eval_config *cfg;
static rs_eval_report *rep;
static char *dir;

/* A distinct, recognisable value per (level, instance, k, metric). */
static double value(size_t l, size_t i, size_t k, int m)
{
    return 0.1 * (double)(i + 1) + 0.01 * (double)l + 0.001 * (double)k + 0.0001 * m;
}

static void setup(void)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_config_parse("instances: [popularity, hybrid]\n"
                                          "baseline: popularity\n"
                                          "compare: [[hybrid, popularity]]\n"
                                          "levels: [1.0, 0.5]\n",
                                          "t.yaml", NULL, &cfg, &err),
                     RS_OK);
    ck_assert_int_eq(rs_eval_report_new(cfg, &rep, &err), RS_OK);
    snprintf(rep->started_utc, sizeof rep->started_utc, "2026-01-01T00:00:00Z");
    snprintf(rep->recsys_version, sizeof rep->recsys_version, "0.1.0");
    rep->n_users = 610;
    rep->n_items = 9742;
    for (size_t i = 0; i < cfg->n_instances; i++) {
        rep->plugin[i] = strdup(cfg->instances[i]);
        rep->version[i] = strdup("1.2.3");
    }
    for (size_t l = 0; l < cfg->n_levels; l++) {
        rs_eval_level *lv = &rep->levels[l];
        lv->users_evaluated = 599;
        for (size_t i = 0; i < cfg->n_instances; i++) {
            rs_eval_cell *c = &lv->cells[i];
            c->fit_seconds = 1.5;
            for (size_t k = 0; k < cfg->n_k; k++) {
                c->coverage[k] = 0.01 * (double)(i + 1);
                for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
                    double v = value(l, i, k, m);
                    *rs_eval_cell_stat(rep, c, k, m) = (rs_ci){v, v - 0.01, v + 0.01};
                    for (size_t b = 0; b < cfg->n_buckets; b++)
                        *rs_eval_cell_bucket_stat(rep, c, b, k, m) = (rs_ci){v, NAN, NAN};
                }
            }
        }
        for (size_t p = 0; p < rep->n_pairs; p++)
            for (size_t k = 0; k < cfg->n_k; k++)
                for (int m = 0; m < RS_EVAL_N_METRICS; m++)
                    *rs_eval_level_rel(rep, lv, p, k, m) = (rs_ci){0.1, 0.0, 0.2};
    }
    /* the headline: hybrid vs popularity, NDCG@20 at 0.5 of the data */
    *rs_eval_level_rel(rep, &rep->levels[1], 2, 1, RS_EVAL_NDCG) = (rs_ci){0.3, 0.1, 0.5};
    /* undefined: no user had a cold positive */
    *rs_eval_cell_stat(rep, &rep->levels[0].cells[0], 0, RS_EVAL_COLD_RECALL) = (rs_ci){NAN, NAN,
                                                                                        NAN};
    dir = tu_tempdir();
}

static void teardown(void)
{
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    ck_assert_int_eq(rs_remove_tree(dir), 0);
    free(dir);
}

static char *path_of(const char *name)
{
    static char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

START_TEST(json_holds_every_number)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_write_json(rep, path_of("report.json"), &err), RS_OK);
    json_error_t je;
    json_t *root = json_load_file(path_of("report.json"), 0, &je);
    ck_assert_msg(root != NULL, "%s", je.text);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "config"), "seed")),
                     42);
    json_t *inst = json_array_get(json_object_get(root, "instances"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(inst, "version")), "1.2.3");
    json_t *l1 = json_array_get(json_object_get(root, "levels"), 1);
    ck_assert_double_eq(json_real_value(json_object_get(l1, "fraction")), 0.5);
    json_t *m = json_object_get(json_object_get(json_object_get(l1, "results"), "hybrid"),
                                "metrics");
    json_t *ndcg20 = json_object_get(m, "ndcg@20");
    ck_assert_double_eq_tol(json_real_value(json_object_get(ndcg20, "mean")),
                            value(1, 1, 1, RS_EVAL_NDCG), 1e-9);
    ck_assert_double_eq_tol(json_real_value(json_object_get(ndcg20, "hi")),
                            value(1, 1, 1, RS_EVAL_NDCG) + 0.01, 1e-9);
    json_t *l0 = json_array_get(json_object_get(root, "levels"), 0);
    json_t *cold = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(l0, "results"), "popularity"),
                            "metrics"),
            "cold_recall@10"),
        "mean");
    ck_assert(json_is_null(cold));
    /* the baseline against itself is not listed: hybrid vs popularity twice */
    ck_assert_uint_eq(json_array_size(json_object_get(l1, "relative")), 2);
    json_decref(root);
}
END_TEST

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = 0;
    for (int ch; (ch = fgetc(f)) != EOF;)
        n += ch == '\n';
    fclose(f);
    return n;
}

START_TEST(csv_has_one_row_per_number)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_write_csv(rep, path_of("report.csv"), &err), RS_OK);
    /* per level: per instance (all + 4 buckets) x 2 K x 6 metrics + 2
     * coverage + 2 timings = 64; two comparison blocks of 12; hybrid vs
     * its best other instance, Recall and NDCG at K = 20: 2; 2 levels;
     * plus the header */
    ck_assert_uint_eq(count_lines(path_of("report.csv")), 1 + 2 * (2 * 64 + 2 * 12 + 2));
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(markdown_tables_and_headline)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_write_md(rep, path_of("report.md"), &err), RS_OK);
    const char *md = slurp(path_of("report.md"));
    ck_assert_ptr_nonnull(strstr(md, "## hybrid vs popularity"));
    ck_assert_ptr_nonnull(strstr(md, "| kept | popularity | hybrid |"));
    ck_assert_ptr_nonnull(strstr(md, "Largest improvement of hybrid over popularity"));
    ck_assert_ptr_nonnull(strstr(md, "+30.0% in NDCG@20 at 0.5 of the training data"));
    ck_assert_ptr_nonnull(strstr(md, "(baseline)"));
    /* '*' marks an interval that excludes 0, and only such */
    ck_assert_ptr_nonnull(strstr(md, "+30.0% [+10.0, +50.0]* |"));
    ck_assert_ptr_nonnull(strstr(md, "+10.0% [+0.0, +20.0] |"));
    ck_assert_ptr_nonnull(
        strstr(md, "| 0.5 | 0.1110 [0.1010, 0.1210] | 0.2110 [0.2010, 0.2210] |"));
}
END_TEST

START_TEST(chart_is_drawn_when_gnuplot_exists)
{
    rs_error err;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "gnuplot not installed: chart check skipped\n");
        return;
    }
    ck_assert_msg(rs_eval_write_chart(rep, dir, &err) == RS_OK, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(slurp(path_of("report.svg")), "<svg"));
    ck_assert_ptr_nonnull(strstr(slurp(path_of("report.dat")), "0.5 0.111"));
}
END_TEST

START_TEST(chart_is_skipped_without_gnuplot)
{
    rs_error err;
    setenv("PATH", "/nonexistent", 1); /* fork mode: this test only */
    ck_assert_int_eq(rs_eval_write_chart(rep, dir, &err), RS_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.message, "gnuplot is not installed"));
    ck_assert_int_ne(access(path_of("report.svg"), F_OK), 0);
}
END_TEST

START_TEST(io_failures_name_the_path)
{
    rs_error err = {RS_OK, ""};
    ck_assert_int_eq(rs_eval_write_json(rep, "/nonexistent/x/report.json", &err), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x/report.json"));
    ck_assert_int_eq(rs_eval_write_csv(rep, "/nonexistent/x/report.csv", &err), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x/report.csv: No such file"));
    ck_assert_int_eq(rs_eval_write_md(rep, "/nonexistent/x/report.md", &err), RS_ERR_IO);
    /* a regular file where the output directory should be */
    FILE *f = fopen(path_of("plain"), "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/plain/out", dir);
    ck_assert_int_eq(rs_eval_write_all(rep, sub, &err), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot create"));
    /* /dev/full: the write itself fails, not the open */
    if (access("/dev/full", W_OK) == 0) {
        ck_assert_int_eq(rs_eval_write_md(rep, "/dev/full", &err), RS_ERR_IO);
        ck_assert_ptr_nonnull(strstr(err.message, "write failed"));
    }
}
END_TEST

/*
 * Hybrid against its best other instance, on a hand-filled report where
 * the best differs per level and mode: ease at 1.0, lightgcn at 0.5,
 * popularity (the baseline, also a `compare` pair) at 0.25; semantic has
 * the highest mean everywhere but is not paired with hybrid, so it is
 * never the best. Every pair the table must not read holds an "above"
 * interval, so reading the wrong pair changes the verdict.
 */
static rs_eval_config *vcfg;
static rs_eval_report *vrep;

enum { V_POP, V_LGCN, V_EASE, V_SEM, V_HYB };

/* Recall@20 means [level][instance]; the full mode adds 0.01 (order kept)
 * except at 0.25, where ease leads. */
static const double k_recall[3][5] = {
    {0.10, 0.20, 0.25, 0.90, 0.26},
    {0.15, 0.18, 0.12, 0.90, 0.17},
    {0.14, 0.11, 0.10, 0.90, 0.12},
};

static size_t pair_of(int a, int b)
{
    for (size_t p = vcfg->n_instances; p < vrep->n_pairs; p++)
        if (vrep->pairs[p].a == a && vrep->pairs[p].b == b)
            return p;
    ck_abort_msg("no pair %d %d", a, b);
    return 0;
}

static void set_rel(rs_eval_level *lv, size_t p, rs_ci recall, rs_ci ndcg)
{
    *rs_eval_level_rel(vrep, lv, p, 1, RS_EVAL_RECALL) = recall;
    *rs_eval_level_rel(vrep, lv, p, 1, RS_EVAL_NDCG) = ndcg;
}

static void vs_setup(void)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_config_parse("instances: [popularity, lightgcn, ease, semantic, "
                                          "hybrid]\n"
                                          "baseline: popularity\n"
                                          "compare: [[hybrid, lightgcn], [hybrid, popularity],\n"
                                          "          [hybrid, ease], [ease, lightgcn]]\n"
                                          "levels: [1.0, 0.5, 0.25]\n"
                                          "sweep: {exclude: both}\n",
                                          "t.yaml", NULL, &vcfg, &err),
                     RS_OK);
    ck_assert_int_eq(rs_eval_report_new(vcfg, &vrep, &err), RS_OK);
    snprintf(vrep->started_utc, sizeof vrep->started_utc, "2026-01-01T00:00:00Z");
    for (size_t i = 0; i < vcfg->n_instances; i++) {
        vrep->plugin[i] = strdup(vcfg->instances[i]);
        vrep->version[i] = strdup("1.0.0");
    }
    for (int full = 0; full < 2; full++)
        for (size_t l = 0; l < vcfg->n_levels; l++) {
            rs_eval_level *lv = full ? &vrep->levels_full[l] : &vrep->levels[l];
            for (size_t i = 0; i < vcfg->n_instances; i++)
                for (size_t k = 0; k < vcfg->n_k; k++)
                    for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
                        double v = k_recall[l][i] + 0.01 * full;
                        if (full && l == 2 && i == V_EASE)
                            v = 0.30;
                        *rs_eval_cell_stat(vrep, &lv->cells[i], k, m) = (rs_ci){v, v - 0.02,
                                                                                v + 0.02};
                    }
            for (size_t p = 0; p < vrep->n_pairs; p++)
                for (size_t k = 0; k < vcfg->n_k; k++)
                    for (int m = 0; m < RS_EVAL_N_METRICS; m++)
                        *rs_eval_level_rel(vrep, lv, p, k, m) = (rs_ci){0.5, 0.4, 0.6};
        }
    /* given: above at 1.0, within at 0.5, below at 0.25 (the baseline pair
     * [hybrid, popularity] comes first, so it is the one read) */
    set_rel(&vrep->levels[0], pair_of(V_HYB, V_EASE), (rs_ci){0.04, 0.01, 0.07},
            (rs_ci){0.02, -0.01, 0.05});
    set_rel(&vrep->levels[1], pair_of(V_HYB, V_LGCN), (rs_ci){-0.05, -0.10, 0.02},
            (rs_ci){-0.03, -0.06, 0.00});
    set_rel(&vrep->levels[2], V_HYB, (rs_ci){-0.14, -0.20, -0.08}, (rs_ci){-0.1, -0.15, -0.05});
    /* full: within at 1.0, hybrid failed at 0.5, below ease at 0.25 */
    set_rel(&vrep->levels_full[0], pair_of(V_HYB, V_EASE), (rs_ci){0.01, 0.00, 0.03},
            (rs_ci){0.01, -0.01, 0.03});
    for (size_t k = 0; k < vcfg->n_k; k++)
        for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
            *rs_eval_cell_stat(vrep, &vrep->levels_full[1].cells[V_HYB], k, m) = (rs_ci){NAN, NAN,
                                                                                         NAN};
            for (size_t p = 0; p < vrep->n_pairs; p++)
                if (vrep->pairs[p].a == V_HYB)
                    *rs_eval_level_rel(vrep, &vrep->levels_full[1], p, k, m) = (rs_ci){NAN, NAN,
                                                                                       NAN};
        }
    set_rel(&vrep->levels_full[2], pair_of(V_HYB, V_EASE), (rs_ci){-0.6, -0.7, -0.5},
            (rs_ci){-0.5, -0.6, -0.4});
    dir = tu_tempdir();
}

static void vs_teardown(void)
{
    rs_eval_report_free(vrep);
    rs_eval_config_free(vcfg);
    ck_assert_int_eq(rs_remove_tree(dir), 0);
    free(dir);
}

START_TEST(verdict_follows_the_interval)
{
    ck_assert_int_eq(rs_eval_verdict_of(&(rs_ci){0.1, 0.01, 0.2}), RS_EVAL_VERDICT_ABOVE);
    ck_assert_int_eq(rs_eval_verdict_of(&(rs_ci){0.1, 0.0, 0.2}), RS_EVAL_VERDICT_WITHIN);
    ck_assert_int_eq(rs_eval_verdict_of(&(rs_ci){-0.1, -0.2, 0.0}), RS_EVAL_VERDICT_WITHIN);
    ck_assert_int_eq(rs_eval_verdict_of(&(rs_ci){-0.1, -0.2, -0.01}), RS_EVAL_VERDICT_BELOW);
    ck_assert_int_eq(rs_eval_verdict_of(&(rs_ci){0.1, NAN, NAN}), RS_EVAL_VERDICT_NA);
    ck_assert_str_eq(rs_eval_verdict_str(RS_EVAL_VERDICT_BELOW), "below");
    ck_assert_str_eq(rs_eval_verdict_str(RS_EVAL_VERDICT_NA), "n/a");
}
END_TEST

/* The best is the paired instance with the highest mean, independently
 * recomputed here, and the change is that pair's, with its verdict. */
START_TEST(best_other_is_the_highest_paired_mean)
{
    ck_assert(rs_eval_vs_best_subject(vrep, V_HYB));
    ck_assert(rs_eval_vs_best_subject(vrep, V_EASE));
    ck_assert(!rs_eval_vs_best_subject(vrep, V_POP));
    ck_assert(!rs_eval_vs_best_candidate(vrep, V_HYB, V_SEM));
    ck_assert(!rs_eval_vs_best_candidate(vrep, V_HYB, V_HYB));
    ck_assert(rs_eval_vs_best_candidate(vrep, V_HYB, V_POP)); /* the baseline */
    const int want[2][3] = {{V_EASE, V_LGCN, V_POP}, {V_EASE, V_LGCN, V_EASE}};
    const rs_eval_verdict verdict[2][3] = {
        {RS_EVAL_VERDICT_ABOVE, RS_EVAL_VERDICT_WITHIN, RS_EVAL_VERDICT_BELOW},
        {RS_EVAL_VERDICT_WITHIN, RS_EVAL_VERDICT_NA, RS_EVAL_VERDICT_BELOW}};
    for (int full = 0; full < 2; full++)
        for (size_t l = 0; l < 3; l++) {
            rs_eval_level *lv = full ? &vrep->levels_full[l] : &vrep->levels[l];
            int best = -1;
            for (int b = 0; b < (int)vcfg->n_instances; b++) {
                double m = rs_eval_cell_stat(vrep, &lv->cells[b], 1, RS_EVAL_RECALL)->mean;
                if (b != V_HYB && b != V_SEM &&
                    (best < 0 ||
                     m > rs_eval_cell_stat(vrep, &lv->cells[best], 1, RS_EVAL_RECALL)->mean))
                    best = b;
            }
            ck_assert_int_eq(best, want[full][l]);
            rs_eval_vs_best v;
            rs_eval_vs_best_at(vrep, lv, V_HYB, 1, RS_EVAL_RECALL, &v);
            ck_assert_int_eq(v.best, best);
            ck_assert_int_eq(vrep->pairs[v.pair].a, V_HYB);
            ck_assert_int_eq(vrep->pairs[v.pair].b, best);
            ck_assert_int_eq(v.verdict, verdict[full][l]);
            ck_assert_int_eq(v.verdict, rs_eval_verdict_of(&v.rel));
            ck_assert_double_eq(v.best_stat.mean,
                                rs_eval_cell_stat(vrep, &lv->cells[best], 1, RS_EVAL_RECALL)->mean);
        }
    /* ease's own table: among lightgcn and popularity */
    rs_eval_vs_best v;
    rs_eval_vs_best_at(vrep, &vrep->levels[0], V_EASE, 1, RS_EVAL_RECALL, &v);
    ck_assert_int_eq(v.best, V_LGCN);
    ck_assert_int_eq(v.verdict, RS_EVAL_VERDICT_ABOVE);
}
END_TEST

START_TEST(json_carries_the_best_other_per_level)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_write_json(vrep, path_of("report.json"), &err), RS_OK);
    json_error_t je;
    json_t *root = json_load_file(path_of("report.json"), 0, &je);
    ck_assert_msg(root != NULL, "%s", je.text);
    json_t *vb = json_object_get(root, "vs_best");
    ck_assert_uint_eq(json_array_size(vb), 2); /* ease and hybrid, instance order */
    json_t *h = json_array_get(vb, 1);
    ck_assert_str_eq(json_string_value(json_object_get(h, "instance")), "hybrid");
    ck_assert_str_eq(json_string_value(json_object_get(h, "metric")), "recall@20");
    ck_assert_uint_eq(json_array_size(json_object_get(h, "candidates")), 3);
    ck_assert(json_is_false(json_object_get(h, "never_below")));
    json_t *rows = json_object_get(h, "rows");
    ck_assert_uint_eq(json_array_size(rows), 6);
    const char *best[6] = {"ease", "lightgcn", "popularity", "ease", "lightgcn", "ease"};
    const char *verdict[6] = {"above", "within", "below", "within", "n/a", "below"};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        ck_assert_str_eq(json_string_value(json_object_get(row, "exclude")),
                         i < 3 ? "given" : "full");
        ck_assert_double_eq(json_real_value(json_object_get(row, "level")), vcfg->levels[i % 3]);
        ck_assert_str_eq(json_string_value(json_object_get(row, "best")), best[i]);
        ck_assert_str_eq(json_string_value(json_object_get(row, "verdict")), verdict[i]);
        json_t *lo = json_object_get(row, "ci_lo"), *hi = json_object_get(row, "ci_hi");
        if (json_is_null(lo)) {
            ck_assert_str_eq(verdict[i], "n/a");
            ck_assert(json_is_null(json_object_get(row, "a_mean")));
            continue;
        }
        const char *sign = json_real_value(lo) > 0   ? "above"
                           : json_real_value(hi) < 0 ? "below"
                                                     : "within";
        ck_assert_str_eq(sign, verdict[i]);
        ck_assert(json_real_value(json_object_get(row, "best_mean")) >
                  json_real_value(json_object_get(row, "a_mean")) - 0.02);
    }
    row = json_array_get(rows, 2);
    ck_assert_double_eq_tol(json_real_value(json_object_get(row, "rel_change")), -0.14, 1e-12);
    ck_assert_double_eq_tol(json_real_value(json_object_get(row, "ndcg_ci_hi")), -0.05, 1e-12);
    ck_assert_double_eq_tol(json_real_value(json_object_get(row, "a_mean")), 0.12, 1e-12);
    ck_assert_double_eq_tol(json_real_value(json_object_get(row, "best_mean")), 0.14, 1e-12);
    json_decref(root);
}
END_TEST

/* The CSV is longer than slurp's buffer: look for a whole line. */
static int has_line(const char *path, const char *want)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        found = strcmp(line, want) == 0;
    }
    fclose(f);
    return found;
}

/* The whole report is too long for a Check message: name the needle. */
#define HAS(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL, "missing: %s", (needle))

START_TEST(markdown_and_csv_state_the_verdicts)
{
    rs_error err;
    ck_assert_int_eq(rs_eval_write_md(vrep, path_of("report.md"), &err), RS_OK);
    const char *md = slurp(path_of("report.md"));
    HAS(md, "## hybrid vs its best other instance (Recall@20)");
    HAS(md, "not compared, so not considered: semantic");
    HAS(md, "### Excluding each user's full training set (`full`)");
    HAS(md, "| 0.5 | lightgcn | 0.1700 [0.1500, 0.1900] | 0.1800 [0.1600, 0.2000] | "
            "-5.0% [-10.0, +2.0] | within | -3.0% [-6.0, +0.0] |");
    HAS(md, "**hybrid is below its best other instance at kept 0.25 (popularity, "
            "-14.0% [-20.0, -8.0])** (Recall@20: above at 1, within at 1, below "
            "at 1 of 3 rows).");
    HAS(md, "| 0.5 | lightgcn | n/a | 0.1900 [0.1700, 0.2100] | n/a | n/a | n/a |");
    HAS(md, "no verdict at 1");
    /* ease is above lightgcn everywhere in the given mode */
    HAS(md, "**ease is never below its best other instance by more than the "
            "interval** (Recall@20: above at 3, within at 0, below at 0 of 3 rows)");
    ck_assert_int_eq(rs_eval_write_csv(vrep, path_of("report.csv"), &err), RS_OK);
    ck_assert(has_line(path_of("report.csv"),
                       "0.25,vs_best,hybrid,popularity,all,recall,20,-0.14,-0.2,-0.08,0"));
    ck_assert(has_line(path_of("report.csv"),
                       "0.25,exclude_full_vs_best,hybrid,ease,all,ndcg,20,-0.5,-0.6,-0.4,0"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_report");
    TCase *tc = tcase_create("writers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, json_holds_every_number);
    tcase_add_test(tc, csv_has_one_row_per_number);
    tcase_add_test(tc, markdown_tables_and_headline);
    tcase_add_test(tc, chart_is_drawn_when_gnuplot_exists);
    tcase_add_test(tc, chart_is_skipped_without_gnuplot);
    tcase_add_test(tc, io_failures_name_the_path);
    suite_add_tcase(s, tc);
    TCase *vb = tcase_create("vs_best");
    tcase_add_checked_fixture(vb, vs_setup, vs_teardown);
    tcase_add_test(vb, verdict_follows_the_interval);
    tcase_add_test(vb, best_other_is_the_highest_paired_mean);
    tcase_add_test(vb, json_carries_the_best_other_per_level);
    tcase_add_test(vb, markdown_and_csv_state_the_verdicts);
    suite_add_tcase(s, vb);
    return s;
}

RS_CHECK_MAIN(make_suite)
