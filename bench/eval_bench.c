/*
 * Benchmarks of the evaluation harness (figures, not a test):
 *   metrics    per-user cost of all five top-K metrics (K = 20, 10 positives)
 *   bootstrap  one slice: 600 users x 10 columns, 1000 resamples
 *   sweep      the full sweep of an eval file (--sweep FILE), end to end
 * Medians over repetitions; the machine is shared, so quote medians only.
 *
 * usage: bench_eval [--reps N] [--sweep evaluation/sparsity.yaml]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/eval.h"
#include "recsys/eval_metrics.h"
#include "recsys/eval_stats.h"
#include "bench_util.h"

static double median(double *v, int n) { return bu_quantile(v, (size_t)n, 0.5); }

static void bench_metrics(int reps)
{
    enum { USERS = 100000, K = 20, REL = 10, ITEMS = 9742 };
    int32_t *ranked = malloc((size_t)USERS * K * sizeof *ranked);
    int32_t *rel = malloc((size_t)USERS * REL * sizeof *rel);
    srand(1);
    for (size_t i = 0; i < (size_t)USERS * K; i++)
        ranked[i] = rand() % ITEMS;
    for (size_t u = 0; u < USERS; u++) /* sorted positives */
        for (int j = 0; j < REL; j++)
            rel[u * REL + j] = j * (ITEMS / REL) + rand() % (ITEMS / REL);
    double *t = malloc((size_t)reps * sizeof *t), sink = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = bu_now();
        for (size_t u = 0; u < USERS; u++) {
            const int32_t *a = ranked + u * K, *b = rel + u * REL;
            sink += rs_metric_recall(a, K, b, REL, K) + rs_metric_ndcg(a, K, b, REL, K) +
                    rs_metric_precision(a, K, b, REL, K) + rs_metric_hit_rate(a, K, b, REL, K) +
                    rs_metric_ap(a, K, b, REL, K);
        }
        t[r] = bu_now() - t0;
    }
    printf("metrics    all five @%d, %d users: median %.1f ns/user (%d reps, checksum %.3f)\n",
           K, USERS, median(t, reps) / USERS * 1e9, reps, sink);
    free(t);
    free(ranked);
    free(rel);
}

static void bench_bootstrap(int reps)
{
    enum { ROWS = 600, COLS = 10, B = 1000 };
    double *x = malloc(ROWS * COLS * sizeof *x), *t = malloc((size_t)reps * sizeof *t);
    rs_ci ci[COLS];
    rs_error err;
    for (int i = 0; i < ROWS * COLS; i++)
        x[i] = (double)(i % 17) / 17.0;
    for (int r = 0; r < reps; r++) {
        double t0 = bu_now();
        rs_bootstrap_means(x, ROWS, COLS, B, 42, ci, &err);
        t[r] = bu_now() - t0;
    }
    printf("bootstrap  %d users x %d columns, %d resamples: median %.2f ms (%d reps)\n",
           ROWS, COLS, B, median(t, reps) * 1e3, reps);
    free(x);
    free(t);
}

static int bench_sweep(const char *file, int reps)
{
    rs_error err = {RS_OK, ""};
    rs_eval_config *cfg = NULL;
    rs_config *host = NULL;
    if (rs_eval_config_load(file, &cfg, &err) || rs_config_load(cfg->host_config, &host, &err) ||
        rs_eval_config_apply_host(cfg, host, &err)) {
        fprintf(stderr, "bench_eval: %s\n", err.message);
        rs_config_free(host);
        rs_eval_config_free(cfg);
        return 1;
    }
    rs_config_free(host);
    double *t = malloc((size_t)reps * sizeof *t);
    rs_eval_options opt = {0, 1};
    for (int r = 0; r < reps; r++) {
        rs_eval_report *rep = NULL;
        double t0 = bu_now();
        if (rs_eval_run(cfg, &opt, &rep, &err) != RS_OK) {
            fprintf(stderr, "bench_eval: %s\n", err.message);
            free(t);
            rs_eval_config_free(cfg);
            return 1;
        }
        t[r] = bu_now() - t0;
        if (r == 0) {
            printf("sweep      %s: %zu levels, instances:", file, cfg->n_levels);
            for (size_t i = 0; i < cfg->n_instances; i++)
                printf(" %s", cfg->instances[i]);
            printf("\n           load %.2f s\n", rep->load_seconds);
            for (size_t i = 0; i < cfg->n_instances; i++) {
                double fit = 0, rec = 0;
                for (size_t l = 0; l < cfg->n_levels; l++) {
                    fit += rep->levels[l].cells[i].fit_seconds;
                    rec += rep->levels[l].cells[i].recommend_seconds;
                }
                printf("           %-12s fit %.2f s, recommend %.2f s (all levels)\n",
                       cfg->instances[i], fit, rec);
            }
        }
        rs_eval_report_free(rep);
    }
    printf("sweep      total: median %.2f s (%d reps)\n", median(t, reps), reps);
    free(t);
    rs_eval_config_free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = 7, sweep_reps = 1;
    const char *sweep = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = (int)strtol(argv[++i], NULL, 10);
            sweep_reps = reps;
        } else if (!strcmp(argv[i], "--sweep") && i + 1 < argc) {
            sweep = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_eval [--reps N] [--sweep FILE]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = sweep_reps = 1;
    bench_metrics(reps);
    bench_bootstrap(reps);
    return sweep ? bench_sweep(sweep, sweep_reps) : 0;
}
