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
     * coverage + 2 timings = 64; two comparison blocks of 12; 2 levels;
     * plus the header */
    ck_assert_uint_eq(count_lines(path_of("report.csv")), 1 + 2 * (2 * 64 + 2 * 12));
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
    return s;
}

RS_CHECK_MAIN(make_suite)
