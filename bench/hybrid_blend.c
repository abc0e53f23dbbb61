/*
 * Benchmark of the hybrid's request path: recommend(k=10) through the test
 * host over the fake children (tests/hybrid) at MovieLens-small scale
 * (9742 items, CF child knows 4000). The children's own cost is measured
 * too, so the blend's overhead (candidate union, the children's score calls,
 * normalisation, top-k, explanations) is the difference; the arithmetic
 * alone (blend.c: two normalisations and the combination) is timed
 * separately, since on a loaded machine it is the part the noise hides.
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

static double now_us(void)
{
    return bu_now() * 1e6;
}

static double median_recommend(th_host *th, const char *inst,
                               const rs_query *q, int explain, int reps)
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
        if (e->recommend(in, q, 10, out, explain ? x : NULL, &n, &err) !=
            RS_OK) {
            fprintf(stderr, "%s: %s\n", inst, err.message);
            exit(1);
        }
        t[r] = now_us() - t0;
    }
    double m = bu_quantile(t, (size_t)reps, 0.5);
    free(t);
    return m;
}

static void add(th_host *th, const char *name, const char *so,
                const char *const *p)
{
    rs_error err = {0};
    if (th_add(th, name, so, p, &err) != RS_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        exit(1);
    }
}

/* normalise two children over n candidates and combine them */
static double median_arith(rs_hybrid_norm m, size_t n, int reps)
{
    float *raw = malloc(2 * n * sizeof *raw), *b = malloc(n * sizeof *b);
    double *lift = malloc(2 * n * sizeof *lift), *t = malloc((size_t)reps * sizeof *t);
    rs_hybrid_rank *scratch = malloc(n * sizeof *scratch);
    double w[2] = {0.4, 0.6};
    for (size_t i = 0; i < 2 * n; i++) /* a quarter missing, like cold items */
        raw[i] = (i % 4 == 3) ? RS_SCORE_MISSING
                              : (float)((i * 2654435761u) % 10007) / 10007.0f;
    for (int r = 0; r < reps; r++) {
        double t0 = now_us();
        for (int c = 0; c < 2; c++)
            rs_hybrid_normalise(m, 60.0, raw + c * n, n, scratch, lift + c * n);
        rs_hybrid_combine(2, w, lift, n, b);
        t[r] = now_us() - t0;
    }
    double med = bu_quantile(t, (size_t)reps, 0.5);
    free(raw), free(b), free(lift), free(t), free(scratch);
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
    static const char *const norms[] = {"rrf", "zscore", "minmax"};
    static const char *const cands[] = {"200", "1000"};
    char names[6][32], pn[6][32], pc[6][32];
    for (int i = 0; i < 6; i++) {
        snprintf(names[i], sizeof names[i], "h_%s_%s", norms[i % 3],
                 cands[i / 3]);
        snprintf(pn[i], sizeof pn[i], "normalise=%s", norms[i % 3]);
        snprintf(pc[i], sizeof pc[i], "candidates=%s", cands[i / 3]);
        const char *p[] = {"cf=cf", "content=content", "fallback=pop", pn[i],
                           pc[i], NULL};
        add(th, names[i], HYB_PLUGIN_SO, p);
    }

    rs_rating r[50];
    for (int i = 0; i < 50; i++)
        r[i] = (rs_rating){i * 7, 4.0f, 0};
    rs_query q = {sizeof q, RS_USER_NONE, r, 50, NULL, 0};

    printf("hybrid recommend k=10, %d items, user with 50 ratings, "
           "median of %d (us)\n", N_ITEMS, reps);
    printf("  child cf recommend       %8.1f\n",
           median_recommend(th, "cf", &q, 0, reps));
    printf("  child content recommend  %8.1f\n",
           median_recommend(th, "content", &q, 0, reps));
    for (int i = 0; i < 6; i++)
        printf("  %-14s plain %8.1f   explain %8.1f\n", names[i],
               median_recommend(th, names[i], &q, 0, reps),
               median_recommend(th, names[i], &q, 1, reps));
    rs_query cold = {sizeof q, RS_USER_NONE, NULL, 0, NULL, 0};
    printf("  zero-rating user (fallback) %8.1f\n",
           median_recommend(th, names[0], &cold, 0, reps));
    printf("blend arithmetic only (2 children), median of %d (us)\n", reps);
    for (size_t n = 400; n <= 2000; n += 1600)
        printf("  %4zu candidates: rrf %6.1f  zscore %6.1f  minmax %6.1f\n", n,
               median_arith(RS_HYBRID_RRF, n, reps),
               median_arith(RS_HYBRID_ZSCORE, n, reps),
               median_arith(RS_HYBRID_MINMAX, n, reps));
    th_free(th);
    hyb_fixture_free(fx);
    return 0;
}
