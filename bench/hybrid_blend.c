/*
 * Benchmark of the hybrid's request path: recommend(k=10) through the test
 * host over the fake children (tests/hybrid) at MovieLens-small scale
 * (9742 items, CF child knows 4000), four children with fixed weights. The
 * children's own cost is measured too, so the blend's overhead (every
 * child's score() over the catalogue, z-scores, top-k, explanations) is the
 * difference; the arithmetic alone (blend.c: four z-scorings and the
 * combination over the catalogue) is timed separately, since on a loaded
 * machine it is the part the noise hides.
 * Prints medians.
 *
 *   build/bench/bench_hybrid [reps]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "blend.h"
#include "fixture.h"
#include "test_host.h"

#define N_ITEMS 9742

static double now_us(void) { return bu_now() * 1e6; }

static double median_recommend(th_host *th, const char *inst, const rs_query *q, int explain,
                               int reps)
{
    double *t = malloc((size_t)reps * sizeof *t);
    rs_scored out[10];
    rs_explanation x[10];
    const rs_plugin_entry *e = th_entry(th, inst);
    void *in = th_instance(th, inst);
    for (int r = 0; r < reps; r++) {
        size_t n;
        rs_error err = {0};
        double t0 = now_us();
        if (e->recommend(in, q, 10, out, explain ? x : NULL, &n, &err) != RS_OK) {
            fprintf(stderr, "%s: %s\n", inst, err.message);
            exit(1);
        }
        t[r] = now_us() - t0;
    }
    double m = bu_quantile(t, (size_t)reps, 0.5);
    free(t);
    return m;
}

static void add(th_host *th, const char *name, const char *so, const char *const *p)
{
    rs_error err = {0};
    if (th_add(th, name, so, p, &err) != RS_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        exit(1);
    }
}

/* z-score four children over n items and combine them */
static double median_arith(size_t n, int reps)
{
    enum { C = 4 };
    float *raw = malloc(C * n * sizeof *raw), *z = malloc(C * n * sizeof *z);
    float *b = malloc(n * sizeof *b);
    double *t = malloc((size_t)reps * sizeof *t);
    double w[C] = {0.3, 0.3, 0.1, 0.3};
    const int8_t stand[C] = {2, 2, -1, -1};
    for (size_t i = 0; i < C * n; i++) /* a quarter missing, like cold items */
        raw[i] = (i % 4 == 3) ? RS_SCORE_MISSING : (float)((i * 2654435761u) % 10007) / 10007.0f;
    for (int r = 0; r < reps; r++) {
        double t0 = now_us();
        for (int c = 0; c < C; c++)
            rs_hybrid_zscore(raw + c * n, NULL, n, c == 3, z + c * n);
        rs_hybrid_combine(C, w, z, n, stand, b);
        t[r] = now_us() - t0;
    }
    double med = bu_quantile(t, (size_t)reps, 0.5);
    free(raw), free(z), free(b), free(t);
    return med;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 200;
    if (reps < 1)
        reps = 1;
    hyb_fixture *fx = hyb_fixture_new(1, N_ITEMS, NULL, 0);
    th_host *th = th_new(hyb_fixture_view(fx));
    const char *cf[] = {"known_items=4000", NULL};
    const char *ct[] = {"favourite=6000", NULL};
    add(th, "cf", HYB_FAKE_CF_SO, cf);
    add(th, "content", HYB_FAKE_CONTENT_SO, ct);
    add(th, "pop", HYB_FAKE_POP_SO, NULL);
    const char *p[] = {"ease=",
                       "cf=cf",
                       "content=content",
                       "popularity=pop",
                       "fallback=pop",
                       "weights=cf=0.5,content=0.2,popularity=0.3",
                       NULL};
    add(th, "hybrid", HYB_PLUGIN_SO, p);

    rs_rating r[50];
    for (int i = 0; i < 50; i++)
        r[i] = (rs_rating){i * 7, 4.0f, 0};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 50, NULL, 0);

    printf("hybrid recommend k=10, %d items, user with 50 ratings, "
           "median of %d (us)\n",
           N_ITEMS, reps);
    printf("  child cf recommend       %8.1f\n", median_recommend(th, "cf", &q, 0, reps));
    printf("  child content recommend  %8.1f\n", median_recommend(th, "content", &q, 0, reps));
    printf("  child pop recommend      %8.1f\n", median_recommend(th, "pop", &q, 0, reps));
    printf("  hybrid         plain %8.1f   explain %8.1f\n",
           median_recommend(th, "hybrid", &q, 0, reps),
           median_recommend(th, "hybrid", &q, 1, reps));
    rs_query cold = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    printf("  zero-rating user (fallback) %8.1f\n", median_recommend(th, "hybrid", &cold, 0, reps));
    printf("blend arithmetic only (4 children), median of %d (us)\n", reps);
    printf("  %d items: %6.1f\n", N_ITEMS, median_arith(N_ITEMS, reps));
    th_free(th);
    hyb_fixture_free(fx);
    return 0;
}
