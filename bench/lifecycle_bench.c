/* Lifecycle hot paths: arm assignment and interleaving (per request), cache
 * hits (per request), and the off-request costs of a gated swap and a
 * retraining run with popularity on ml-latest-small. Prints medians.
 * Run: build/bench/bench_lifecycle [repeats] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/experiment.h"
#include "recsys/fsutil.h"
#include "recsys/interleave.h"
#include "recsys/log.h"
#include "recsys/reco_cache.h"
#include "recsys/retrain.h"
#include "recsys/swap_gate.h"

#define MAX_REP 51

static int rep = 9;

static void report(const char *what, double *v, int n, const char *unit)
{
    double med = bu_quantile(v, (size_t)n, 0.5);
    printf("%-44s median %10.3f %s  (min %.3f, max %.3f, n=%d)\n", what, med, unit, v[0], v[n - 1],
           n);
}

static void bench_assign(void)
{
    rs_experiment_arm arms[2] = {{"a", "p", 0.5, NULL}, {"b", "q", 0.5, NULL}};
    rs_experiment e = {"e", RS_EXPERIMENT_SPLIT, "salt", 1, arms, 2, NULL};
    double v[MAX_REP];
    size_t sink = 0;
    enum { N = 200000 };
    for (int r = 0; r < rep; r++) {
        double t0 = bu_now();
        for (int64_t u = 0; u < N; u++)
            sink += rs_experiment_assign(&e, u);
        v[r] = (bu_now() - t0) / N * 1e9;
    }
    report("experiment assign (BLAKE2b)", v, rep, "ns/op");
    if (sink == 1)
        puts("");
}

static void bench_interleave(void)
{
    int32_t a[50], b[50], out[20];
    uint8_t team[20];
    size_t n;
    for (int i = 0; i < 50; i++) {
        a[i] = i;
        b[i] = (i * 7) % 50 + 25;
    }
    double v[MAX_REP];
    enum { N = 100000 };
    for (int r = 0; r < rep; r++) {
        double t0 = bu_now();
        for (int i = 0; i < N; i++)
            rs_interleave_team_draft(a, 50, b, 50, 20, (uint64_t)i * 2654435761u, out, team, &n);
        v[r] = (bu_now() - t0) / N * 1e9;
    }
    report("team-draft merge k=20 of 2x50 (+seed excl.)", v, rep, "ns/op");
}

static rs_status fake_compute(void *ctx, int64_t user, const char *source, rs_reco_list *out,
                              rs_error *err)
{
    (void)ctx;
    (void)source;
    (void)err;
    for (size_t i = 0; i < out->cap; i++)
        out->items[i] = (rs_scored){(int32_t)((user + (int64_t)i) % 1000), 1.0f};
    out->n = out->cap;
    out->model_version = 1;
    return RS_OK;
}

static void bench_cache(void)
{
    rs_reco_cache_config c = {60, 20, 100000, 1, 1};
    rs_reco_cache *rc;
    rs_scored out[20];
    rs_explanation ex[20];
    rs_reco_list l = {out, ex, 20, 0, 0, ""};
    rs_reco_meta meta;
    double v[MAX_REP];
    enum { USERS = 10000, N = 200000 };
    rs_reco_cache_new(&c, fake_compute, NULL, &rc, NULL);
    for (int64_t u = 0; u < USERS; u++)
        rs_reco_cache_get(rc, u, "hybrid", &l, &meta, NULL);
    for (int r = 0; r < rep; r++) {
        double t0 = bu_now();
        for (int i = 0; i < N; i++)
            rs_reco_cache_get(rc, i % USERS, "hybrid", &l, &meta, NULL);
        v[r] = (bu_now() - t0) / N * 1e9;
    }
    report("reco cache hit, 20 items + explanations", v, rep, "ns/op");
    for (int r = 0; r < rep; r++) {
        for (int64_t u = 0; u < USERS; u++)
            rs_reco_cache_mark_dirty(rc, u);
        double t0 = bu_now();
        rs_reco_cache_refresh_now(rc, NULL, NULL);
        v[r] = (bu_now() - t0) * 1e3;
    }
    report("refresh pass, 10k dirty users (fake compute)", v, rep, "ms");
    rs_reco_cache_free(rc);
}

static void bench_gate_and_retrain(void)
{
    const char *base = getenv("RECSYS_SHARED_DATA");
    char ml[4096], dir[] = "/tmp/rs-bench-lc-XXXXXX", cfgp[4200], text[8192];
    snprintf(ml, sizeof ml, "%s/ml-latest-small", base && *base ? base : RS_SHARED_DATA_DEFAULT);
    if (access(ml, R_OK) != 0 || !mkdtemp(dir)) {
        printf("gate/retrain: skipped (no %s)\n", ml);
        return;
    }
    snprintf(text, sizeof text,
             "data:\n  dir: %s\nwork_dir: work\nplugins:\n  path: [%s]\n"
             "instances:\n  - {name: pop, plugin: popularity}\n",
             ml, RS_PLUGIN_BUILD_DIR);
    snprintf(cfgp, sizeof cfgp, "%s/cfg.yaml", dir);
    FILE *f = fopen(cfgp, "w");
    fputs(text, f);
    fclose(f);
    rs_config *cfg;
    rs_movielens *m;
    rs_engine *e;
    rs_error err = {0};
    if (rs_config_load(cfgp, &cfg, &err) != RS_OK) {
        printf("gate/retrain: %s\n", err.message);
        return;
    }
    rs_load_options opt = {NULL, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    rs_movielens_load(cfg->data_dir, &opt, &m, &err);
    rs_engine_new(cfg, rs_movielens_view(m), &e, &err);
    rs_engine_load_or_train(e, 1, &err);
    const rs_dataset *d = rs_movielens_view(m);
    rs_gate_config gc;
    rs_gate_config_default(&gc);
    double v[MAX_REP];
    for (int r = 0; r < rep; r++) {
        rs_holdout *h;
        double recall, t0 = bu_now();
        rs_holdout_new(d, &gc, &h, &err);
        double t1 = bu_now();
        rs_holdout_recall(h, e, "pop", &recall, &err);
        v[r] = (bu_now() - t1) * 1e3;
        if (r == 0)
            printf("holdout: %zu users built in %.1f ms; popularity Recall@20 %.4f\n",
                   rs_holdout_user_count(h), (t1 - t0) * 1e3, recall);
        rs_holdout_free(h);
    }
    report("holdout Recall@20, 200 users, popularity", v, rep, "ms");
    /* A gated reload of the serving artifacts (serving figure cached
     * after the first). */
    rs_swap_gate *g;
    rs_swap_gate_new(cfg, e, &gc, &g, &err);
    for (int r = 0; r < rep; r++) {
        double t0 = bu_now();
        if (rs_swap_gate_reload(g, "pop", NULL, 0, NULL, NULL, &err) != RS_OK)
            printf("gate: %s\n", err.message);
        v[r] = (bu_now() - t0) * 1e3;
    }
    report("gated reload (load, smoke, recall, publish)", v, rep, "ms");
    rs_app_rating *app = malloc(10000 * sizeof *app);
    for (int i = 0; i < 10000; i++)
        app[i] = (rs_app_rating){1000000 + i / 20, (int32_t)((i * 37) % d->n_items), 4.0f,
                                 2000000000 + i};
    for (int r = 0; r < rep; r++) {
        rs_ratings_set *rs;
        double t0 = bu_now();
        rs_retrain_merge(d, app, 10000, 1, 1, &rs, &err);
        v[r] = (bu_now() - t0) * 1e3;
        rs_ratings_set_free(rs);
    }
    report("merge base (100k) + 10k app ratings", v, rep, "ms");
    free(app);
    rs_retrainer *rt;
    rs_retrain_config rc;
    rs_retrain_config_default(&rc);
    rc.keep_versions = 2;
    rs_retrainer_new(cfg, e, g, &rc, NULL, &rt, &err);
    for (int r = 0; r < rep; r++) {
        double t0 = bu_now();
        if (rs_retrainer_run_now(rt, NULL, &err) != RS_OK)
            printf("retrain: %s\n", err.message);
        v[r] = (bu_now() - t0) * 1e3;
    }
    report("retrain run, popularity (fit..gate..persist)", v, rep, "ms");
    rs_retrainer_free(rt);
    rs_swap_gate_free(g);
    rs_engine_free(e);
    rs_movielens_free(m);
    rs_config_free(cfg);
    rs_remove_tree(dir);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        rep = atoi(argv[1]) > 0 && atoi(argv[1]) <= MAX_REP ? atoi(argv[1]) : rep;
    rs_log_set_level(RS_LOG_ERROR);
    bench_assign();
    bench_interleave();
    bench_cache();
    bench_gate_and_retrain();
    return 0;
}
