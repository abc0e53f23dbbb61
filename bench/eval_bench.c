/*
 * Benchmarks of the evaluation harness (figures, not a test):
 *   metrics    per-user cost of all five top-K metrics (K = 20, 10 positives)
 *   bootstrap  one slice: 600 users x 10 columns, 1000 resamples
 *   sweep      the whole run of an eval file (--sweep FILE), end to end,
 *              with the wall time of each phase: load, the sparsity sweep,
 *              the new-user protocol (its fits, then its queries and
 *              statistics) and the taste probes
 * Medians over repetitions; the machine is shared, so quote medians only.
 * --phases-only skips the micro-benchmarks (bench/eval_protocols.sh).
 *
 * usage: bench_eval [--reps N] [--sweep evaluation/sparsity.yaml] [--phases-only]
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
    printf("metrics    all five @%d, %d users: median %.1f ns/user (%d reps, checksum %.3f)\n", K,
           USERS, median(t, reps) / USERS * 1e9, reps, sink);
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
    printf("bootstrap  %d users x %d columns, %d resamples: median %.2f ms (%d reps)\n", ROWS, COLS,
           B, median(t, reps) * 1e3, reps);
    free(x);
    free(t);
}

/* Wall time per phase of one run. */
enum { N_PHASES = 6 };
static const char *const k_phase[N_PHASES] = {"load",   "sweep", "new-user fit", "new-user queries",
                                              "probes", "total"};

static void phases(const rs_eval_report *rep, double *out)
{
    double fit = 0;
    for (size_t i = 0; rep->nu.fit_seconds && i < rep->cfg->n_instances; i++)
        fit += rep->nu.fit_seconds[i];
    out[0] = rep->load_seconds;
    out[1] = rep->sweep_seconds;
    out[2] = fit;
    out[3] = rep->nu.seconds > fit ? rep->nu.seconds - fit : 0;
    out[4] = rep->probes.seconds;
    out[5] = rep->total_seconds;
}

static void print_instances(const char *file, const rs_eval_config *cfg, const rs_eval_report *rep)
{
    printf("run        %s: %zu levels%s, new users %s, probes %s; instances:", file, cfg->n_levels,
           rep->sweep_skipped ? " (skipped)" : "", rep->nu.ran ? "on" : "off",
           rep->probes.ran ? "on" : "off");
    for (size_t i = 0; i < cfg->n_instances; i++)
        printf(" %s", cfg->instances[i]);
    putchar('\n');
    for (size_t i = 0; i < cfg->n_instances; i++) {
        double fit = 0, rec = 0, nrec = 0;
        for (size_t l = 0; !rep->sweep_skipped && l < cfg->n_levels; l++) {
            fit += rep->levels[l].cells[i].fit_seconds;
            rec += rep->levels[l].cells[i].recommend_seconds;
        }
        for (size_t l = 0; rep->nu.ran && l < cfg->new_users.n_n; l++)
            nrec += rep->nu.levels[l].cells[i].recommend_seconds;
        printf("           %-12s sweep fit %.2f s, recommend %.2f s; new users fit %.2f s, "
               "recommend %.2f s\n",
               cfg->instances[i], fit, rec, rep->nu.ran ? rep->nu.fit_seconds[i] : 0.0, nrec);
    }
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
    double *ph = calloc((size_t)reps * N_PHASES, sizeof *ph);
    rs_eval_options opt = {0, 1};
    for (int r = 0; r < reps; r++) {
        rs_eval_report *rep = NULL;
        double t0 = bu_now();
        if (rs_eval_run(cfg, &opt, &rep, &err) != RS_OK) {
            fprintf(stderr, "bench_eval: %s\n", err.message);
            free(t);
            free(ph);
            rs_eval_config_free(cfg);
            return 1;
        }
        t[r] = bu_now() - t0;
        if (r == 0)
            print_instances(file, cfg, rep);
        phases(rep, &ph[(size_t)r * N_PHASES]);
        printf("rep %d     ", r + 1);
        for (int p = 0; p < N_PHASES; p++)
            printf(" %s %.1f s%s", k_phase[p], ph[(size_t)r * N_PHASES + p],
                   p + 1 < N_PHASES ? "," : "\n");
        rs_eval_report_free(rep);
    }
    printf("median    ");
    for (int p = 0; p < N_PHASES; p++) {
        double *col = malloc((size_t)reps * sizeof *col);
        for (int r = 0; r < reps; r++)
            col[r] = ph[(size_t)r * N_PHASES + p];
        printf(" %s %.1f s%s", k_phase[p], median(col, reps), p + 1 < N_PHASES ? "," : "\n");
        free(col);
    }
    free(ph);
    printf("run        total: median %.2f s (%d reps)\n", median(t, reps), reps);
    free(t);
    rs_eval_config_free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = 7, sweep_reps = 1, phases_only = 0;
    const char *sweep = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = (int)strtol(argv[++i], NULL, 10);
            sweep_reps = reps;
        } else if (!strcmp(argv[i], "--sweep") && i + 1 < argc) {
            sweep = argv[++i];
        } else if (!strcmp(argv[i], "--phases-only")) {
            phases_only = 1;
        } else {
            fprintf(stderr, "usage: bench_eval [--reps N] [--sweep FILE] [--phases-only]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = sweep_reps = 1;
    if (!phases_only) {
        bench_metrics(reps);
        bench_bootstrap(reps);
    }
    return sweep ? bench_sweep(sweep, sweep_reps) : 0;
}
