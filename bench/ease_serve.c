/*
 * EASE on ml-latest-small through the real engine and plugin .so: fit time
 * (X'X by DSYRK + Cholesky inverse, median of a few fits), then per-call
 * latency of recommend for users folded in from their ratings (all of a
 * real user's ratings, and only 10 of them, as a new sign-up), score() of
 * a hybrid-sized candidate set, and similar(). Prints medians and p99.
 *
 * usage: ease_serve [lambda] [calls] [fits]   (defaults: 500, 2000, 3)
 * env RECSYS_SHARED_DATA: where ml-latest-small lives.
 * OpenBLAS uses its own thread pool for the fit (OPENBLAS_NUM_THREADS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "ease_bench.h"
#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/fsutil.h"

#define K 20
#define CANDIDATES 200

static void report(const char *what, double *t, size_t n)
{
    double p50 = bu_quantile(t, n, 0.5), p99 = bu_quantile(t, n, 0.99);
    printf("  %-50s median %8.1f us   p99 %8.1f us   (%zu calls)\n", what, p50 * 1e6, p99 * 1e6, n);
}

/* The ratings of dense user u (at most `cap`, the first by item order). */
static rs_query query_of(const rs_dataset *d, int32_t u, size_t cap, rs_rating *buf)
{
    size_t n = 0;
    for (size_t p = d->user_ptr[u]; p < d->user_ptr[u + 1] && n < cap; p++)
        buf[n++] = (rs_rating){d->user_item[p], d->user_rating[p], 0};
    return RS_QUERY(RS_USER_NONE, buf, n, NULL, 0);
}

int main(int argc, char **argv)
{
    const char *lambda = argc > 1 ? argv[1] : "500";
    size_t calls = argc > 2 ? (size_t)atol(argv[2]) : 2000;
    int fits = argc > 3 ? atoi(argv[3]) : 3;
    const char *ml = eb_ml_dir();
    if (calls < 1 || fits < 1 || atof(lambda) <= 0) {
        fprintf(stderr, "usage: %s [lambda>0] [calls>=1] [fits>=1]\n", argv[0]);
        return 2;
    }
    if (!ml) {
        printf("ease_serve: ml-latest-small not found: skipped\n");
        return 0;
    }
    char tmp[] = "/tmp/ease-bench-XXXXXX", cfg_path[4200], inst[256];
    snprintf(inst, sizeof inst, "  - {name: ease, plugin: ease, params: {lambda: %s}}\n", lambda);
    if (!eb_write_config(tmp, ml, inst, cfg_path, sizeof cfg_path))
        return 1;

    rs_error err = {0};
    rs_config *cfg = NULL;
    rs_movielens *data = NULL;
    rs_engine *e = NULL;
    int rc = 1;
    setenv("RECSYS_LOG", "warn", 0); /* no per-fit progress lines */
    if (rs_config_load(cfg_path, &cfg, &err) != RS_OK)
        goto out;
    rs_load_options opt = {NULL, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    if (rs_movielens_load(cfg->data_dir, &opt, &data, &err) != RS_OK ||
        rs_engine_new(cfg, rs_movielens_view(data), &e, &err) != RS_OK)
        goto out;
    const rs_dataset *d = rs_movielens_view(data);
    rs_cf_stats cf = rs_dataset_cf_stats(d);
    printf("ease_serve: ml-latest-small, CF subset %d items x %d users, lambda %s\n", cf.items,
           cf.users, lambda);

    double *t = malloc((calls > (size_t)fits ? calls : (size_t)fits) * sizeof *t);
    rs_rating *buf = malloc((d->n_ratings + 1) * sizeof *buf);
    if (!t || !buf)
        goto out;
    for (int r = 0; r < fits; r++) {
        double t0 = bu_now();
        if (rs_engine_fit(e, "ease", NULL, &err) != RS_OK)
            goto out_free;
        t[r] = bu_now() - t0;
    }
    printf("  %-50s median %8.3f s    (%d fits)\n", "fit (Gram + Cholesky inverse)",
           bu_quantile(t, (size_t)fits, 0.5), fits);

    rs_scored out[K];
    rs_explanation ex[K];
    float scores[CANDIDATES];
    int32_t cand[CANDIDATES];
    size_t n, total = 0;
    for (size_t c = 0; c < calls; c++) { /* every user in turn, all ratings */
        rs_query q = query_of(d, (int32_t)(c % (size_t)d->n_users), d->n_ratings, buf);
        total += q.n_ratings;
        double t0 = bu_now();
        if (rs_engine_recommend(e, "ease", &q, K, out, ex, &n, &err) != RS_OK)
            goto out_free;
        t[c] = bu_now() - t0;
    }
    char what[96];
    snprintf(what, sizeof what, "recommend k=%d + explain (mean %zu ratings)", K, total / calls);
    report(what, t, calls);
    for (size_t c = 0; c < calls; c++) {
        rs_query q = query_of(d, (int32_t)(c % (size_t)d->n_users), 10, buf);
        double t0 = bu_now();
        if (rs_engine_recommend(e, "ease", &q, K, out, ex, &n, &err) != RS_OK)
            goto out_free;
        t[c] = bu_now() - t0;
    }
    report("recommend k=20 + explain, new user (10 ratings)", t, calls);
    for (size_t c = 0; c < calls; c++) {
        rs_query q = query_of(d, (int32_t)(c % (size_t)d->n_users), d->n_ratings, buf);
        for (int j = 0; j < CANDIDATES; j++)
            cand[j] = (int32_t)(((size_t)j * 48271u + c) % (size_t)d->n_items);
        double t0 = bu_now();
        if (rs_engine_score(e, "ease", &q, cand, CANDIDATES, scores, &err) != RS_OK)
            goto out_free;
        t[c] = bu_now() - t0;
    }
    report("score 200 candidates", t, calls);
    size_t m = 0;
    for (size_t c = 0; m < calls && c < calls * 8; c++) {
        int32_t item = (int32_t)(c % (size_t)d->n_items);
        if (!d->cf_item[item])
            continue;
        double t0 = bu_now();
        if (rs_engine_similar(e, "ease", item, K, out, &n, &err) != RS_OK)
            goto out_free;
        t[m++] = bu_now() - t0;
    }
    report("similar k=20", t, m);
    rc = 0;
out_free:
    free(t);
    free(buf);
out:
    if (rc)
        fprintf(stderr, "ease_serve: %s\n", err.message);
    rs_engine_free(e);
    rs_movielens_free(data);
    rs_config_free(cfg);
    rs_remove_tree(tmp);
    return rc;
}
