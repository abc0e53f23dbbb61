/*
 * split.kind files: the host dataset's own train/test (LightGCN format),
 * scored with the same metrics as the drawn splits, on a fixture small
 * enough to score by hand (popularity, k = 1 and 2).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recsys/eval.h"
#include "recsys/fsutil.h"
#include "test_util.h"

/* Train counts: item 1 x3, item 2 x3, item 3 x2, item 4 x1; item 9 only in
 * test. User 2's test item 1 is also in their train: kept as training. */
#define TRAIN "0 1 2 3\n1 1 2\n2 1 4\n3 2 3\n"
#define TEST "0 4 9\n1 3\n2 2 1\n"

/* Tests never depend on the caller's environment. */
static void clean_env(void)
{
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_PLUGIN_PATH");
    setenv("RECSYS_LOG", "error", 1);
}

static rs_status run(const char *dir, const char *split_extra, rs_eval_report **rep,
                     rs_eval_config **cfg, rs_error *err)
{
    char text[4096], path[4200];
    clean_env();
    tu_write(dir, "train.txt", TRAIN);
    tu_write(dir, "test.txt", TEST);
    tu_write(dir, "valid.txt", "3 4\n");
    snprintf(text, sizeof text,
             "dataset:\n  format: lightgcn\n  train: train.txt\n  test: test.txt\n%s"
             "work_dir: work\nplugins:\n  path: [%s]\n"
             "instances:\n  - {name: popularity, plugin: popularity}\n",
             split_extra, RS_PLUGIN_BUILD_DIR);
    tu_write(dir, "host.yaml", text);
    tu_write(dir, "eval.yaml",
             "host_config: host.yaml\ninstances: [popularity]\nsplit: {kind: files}\n"
             "positive_threshold: 1.0\nlevels: [1.0]\nk: [1, 2]\nseed: 1\n"
             "bootstrap_resamples: 50\nthreads: 1\noutput_dir: out\n"
             "sweep: {enabled: true, exclude: full}\nnew_users: {enabled: false}\n"
             "taste_probes: {enabled: false}\n");
    snprintf(path, sizeof path, "%s/eval.yaml", dir);
    rs_config *host = NULL;
    rs_status st = rs_eval_config_load(path, cfg, err);
    if (st == RS_OK)
        st = rs_config_load((*cfg)->host_config, &host, err);
    if (st == RS_OK)
        st = rs_eval_config_apply_host(*cfg, host, err);
    rs_config_free(host);
    rs_eval_options opt = {0, 1};
    return st == RS_OK ? rs_eval_run(*cfg, &opt, rep, err) : st;
}

static double metric(const rs_eval_report *r, size_t ki, rs_eval_metric m)
{
    return r->levels[0].cells[0].all[ki * RS_EVAL_N_METRICS + m].mean;
}

START_TEST(files_split_scored_by_hand)
{
    char *dir = tu_tempdir();
    rs_error err = {0};
    rs_eval_report *rep = NULL;
    rs_eval_config *cfg = NULL;
    /* The host's own training checkpoints survive the harness's fits. */
    char ck[4300];
    snprintf(ck, sizeof ck, "%s/work/checkpoints/popularity", dir);
    ck_assert_int_eq(rs_mkdir_p(ck), 0);
    tu_write(ck, "keep", "x");
    ck_assert_msg(run(dir, "", &rep, &cfg, &err) == RS_OK, "%s", err.message);
    strncat(ck, "/keep", sizeof ck - strlen(ck) - 1);
    ck_assert_int_eq(access(ck, R_OK), 0);
    ck_assert_uint_eq(rep->n_test, 4); /* (0,4) (0,9) (1,3) (2,2) */
    ck_assert_uint_eq(rep->n_train, 9);
    ck_assert_int_eq(rep->levels[0].users_evaluated, 3);
    /* k = 1, training items excluded: user 0 gets 4 (1 of 2 hit), user 1
     * gets 3 (hit), user 2 gets 2 (hit). */
    ck_assert_double_eq_tol(metric(rep, 0, RS_EVAL_RECALL), (0.5 + 1 + 1) / 3, 1e-12);
    ck_assert_double_eq_tol(metric(rep, 0, RS_EVAL_NDCG), 1.0, 1e-12);
    /* k = 2: user 0's list is {4, 9}: the test-only item is in the catalogue
     * and rankable, so every test item is found. */
    ck_assert_double_eq_tol(metric(rep, 1, RS_EVAL_RECALL), 1.0, 1e-12);
    ck_assert_double_eq_tol(metric(rep, 1, RS_EVAL_PRECISION), (1.0 + 0.5 + 0.5) / 3, 1e-12);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

/* A validation file: --validate's target, and fitted on when scoring test. */
START_TEST(files_split_validation_and_errors)
{
    char *dir = tu_tempdir();
    rs_error err = {0};
    rs_eval_report *rep = NULL;
    rs_eval_config *cfg = NULL;
    ck_assert_msg(run(dir, "  validation: valid.txt\n", &rep, &cfg, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_uint_eq(rep->n_valid, 1);
    ck_assert_uint_eq(rep->n_test, 4);
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    /* A MovieLens host has no files to split on. */
    tu_write(dir, "host.yaml", "data: {dir: .}\ninstances:\n  - {name: popularity}\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/eval.yaml", dir);
    rs_config *host = NULL;
    ck_assert_int_eq(rs_eval_config_load(path, &cfg, &err), RS_OK);
    tu_write(dir, "movies.csv", "movieId,title,genres\n1,A (1990),Drama\n");
    tu_write(dir, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n");
    ck_assert_int_eq(rs_config_load(cfg->host_config, &host, &err), RS_OK);
    rs_config_free(host);
    rs_eval_options opt = {0, 1};
    ck_assert_int_eq(rs_eval_run(cfg, &opt, &rep, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "split.kind files needs a host dataset section");
    rs_eval_config_free(cfg);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

/* Learning curve: LightGCN scored every 2 epochs up to 4 by training in
 * segments with resume; the last point equals the sweep's own (straight)
 * 4-epoch training, bit for bit, so the segments changed nothing. */
START_TEST(files_split_learning_curve)
{
    char *dir = tu_tempdir(), text[4096], path[4200];
    rs_error err = {0};
    rs_eval_report *rep = NULL;
    rs_eval_config *cfg = NULL;
    rs_config *host = NULL;
    clean_env();
    tu_write(dir, "train.txt", TRAIN);
    tu_write(dir, "test.txt", TEST);
    snprintf(text, sizeof text,
             "dataset: {format: lightgcn, train: train.txt, test: test.txt}\n"
             "work_dir: work\nthreads: 2\nplugins:\n  path: [%s]\n"
             "instances:\n  - {name: popularity, plugin: popularity}\n"
             "  - {name: lgcn, plugin: lightgcn, params: {epochs: 4, dim: 8, lr: 0.05, "
             "positive_threshold: 0}}\n",
             RS_PLUGIN_BUILD_DIR);
    tu_write(dir, "host.yaml", text);
    tu_write(dir, "eval.yaml",
             "host_config: host.yaml\ninstances: [popularity, lgcn]\nsplit: {kind: files}\n"
             "positive_threshold: 1.0\nlevels: [1.0]\nk: [1, 2]\nseed: 1\n"
             "bootstrap_resamples: 20\nthreads: 1\noutput_dir: out\n"
             "sweep: {enabled: true, exclude: full}\nnew_users: {enabled: false}\n"
             "taste_probes: {enabled: false}\ncurve: {instances: [lgcn], eval_every: 2}\n");
    snprintf(path, sizeof path, "%s/eval.yaml", dir);
    ck_assert_msg(rs_eval_config_load(path, &cfg, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_config_load(cfg->host_config, &host, &err), RS_OK);
    ck_assert_int_eq(rs_eval_config_apply_host(cfg, host, &err), RS_OK);
    rs_config_free(host);
    rs_eval_options opt = {0, 1};
    ck_assert_msg(rs_eval_run(cfg, &opt, &rep, &err) == RS_OK, "%s", err.message);
    ck_assert_uint_eq(rep->n_curve, 2);
    ck_assert_int_eq(rep->curve[0].epoch, 2);
    ck_assert_int_eq(rep->curve[1].epoch, 4);
    ck_assert_str_eq(rep->curve[1].instance, "lgcn");
    for (size_t k = 0; k < 2; k++) {
        const rs_ci *cell = rep->levels[0].cells[1].all + k * RS_EVAL_N_METRICS;
        ck_assert_double_eq(rep->curve[1].recall[k], cell[RS_EVAL_RECALL].mean);
        ck_assert_double_eq(rep->curve[1].ndcg[k], cell[RS_EVAL_NDCG].mean);
    }
    snprintf(path, sizeof path, "%s/out", dir);
    ck_assert_msg(rs_eval_write_all(rep, path, &err) == RS_OK, "%s", err.message);
    snprintf(path, sizeof path, "%s/out/report.json", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char json[1 << 20];
    size_t n = fread(json, 1, sizeof json - 1, f);
    json[n] = '\0';
    fclose(f);
    tu_assert_contains(json, "\"curves\"");
    tu_assert_contains(json, "\"epoch\": 4");
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_files_split");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, files_split_scored_by_hand);
    tcase_add_test(tc, files_split_validation_and_errors);
    tcase_add_test(tc, files_split_learning_curve);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
