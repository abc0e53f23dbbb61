/*
 * LightGCN serving latency through the plugin's entry points, on a model
 * fitted to ml-latest-small (the full dataset, CF subset as prepared):
 * recommend for a trained user, recommend for a user folded in from their
 * ratings (a new sign-up), score() of hybrid-sized candidate sets, and
 * similar(). Prints the median and p99 per call.
 *
 * usage: lightgcn_serve [epochs] [calls]   (defaults: 30, 2000)
 * env RECSYS_SHARED_DATA: where ml-latest-small lives.
 * The epoch count only shapes the embeddings; latency does not depend on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "lgcn_test_support.h"
#include "recsys/dataset.h"
#include "recsys/plugin.h"
#include "recsys/testhost.h"

/* lightgcn.c is linked in: its entry point, called directly. */
const rs_plugin_entry *rs_plugin_entry_v1(void);

#define DESCRIPTOR RS_SOURCE_DIR "/plugins/lightgcn/plugin.yaml"
#define K 20
#define CANDIDATES 200

static rs_query query_of(const rs_dataset *v, int32_t u, int known, rs_rating *buf)
{
    size_t n = 0;
    for (size_t p = v->user_ptr[u]; p < v->user_ptr[u + 1]; p++)
        buf[n++] = (rs_rating){v->user_item[p], v->user_rating[p], 0};
    return RS_QUERY(known ? v->user_ids[u] : RS_USER_NONE, buf, n, NULL, 0);
}

static void report(const char *what, double *t, size_t n)
{
    double p50 = bu_quantile(t, n, 0.5), p99 = bu_quantile(t, n, 0.99);
    printf("  %-44s median %8.1f us   p99 %8.1f us   (%zu calls)\n", what, p50 * 1e6, p99 * 1e6, n);
}

int main(int argc, char **argv)
{
    const char *epochs = argc > 1 ? argv[1] : "30";
    size_t calls = argc > 2 ? (size_t)atol(argv[2]) : 2000;
    if (atoi(epochs) < 1 || calls < 1) {
        fprintf(stderr, "usage: %s [epochs>=1] [calls>=1]\n", argv[0]);
        return 2;
    }
    const char *dir = td_ml_small_dir();
    rs_movielens *ml = NULL;
    rs_error err = {0};
    rs_load_options opt = {NULL, 10, 5}; /* the host's default CF subset */
    if (!dir || rs_movielens_load(dir, &opt, &ml, &err) != RS_OK) {
        printf("lightgcn_serve: ml-latest-small not found (%s): skipped\n", err.message);
        return 0;
    }
    const rs_dataset *v = rs_movielens_view(ml);
    /* The SDK test host with the descriptor's defaults; one thread, as a
     * request is served on one. */
    char ep[64];
    snprintf(ep, sizeof ep, "epochs=%s", epochs);
    const char *params[] = {ep, NULL};
    rs_testhost_options o = {.descriptor = DESCRIPTOR, .threads = 1};
    rs_testhost *th = rs_testhost_new(v);
    const rs_plugin_entry *e = rs_plugin_entry_v1();
    double t0 = bu_now();
    if (!th || rs_testhost_add_with(th, "lightgcn", NULL, e, params, &o, &err) != RS_OK) {
        fprintf(stderr, "lightgcn_serve: %s\n", err.message);
        return 1;
    }
    void *p = rs_testhost_instance(th, "lightgcn");
    printf("lightgcn_serve: ml-latest-small, %d users, %d items, fitted %s "
           "epochs in %.1f s; one thread per call, k = %d\n",
           v->n_users, v->n_items, epochs, bu_now() - t0, K);

    double *t = malloc(calls * sizeof *t);
    rs_rating *buf = malloc((v->n_ratings + 1) * sizeof *buf);
    rs_scored out[K];
    int32_t cand[CANDIDATES];
    float scores[CANDIDATES];
    size_t n_out;
    for (int known = 1; known >= 0; known--) {
        for (size_t c = 0; c < calls; c++) {
            int32_t u = (int32_t)(c * 7919 % (size_t)v->n_users);
            rs_query q = query_of(v, u, known, buf);
            double s = bu_now();
            if (e->recommend(p, &q, K, out, NULL, &n_out, &err) != RS_OK)
                return 1;
            t[c] = bu_now() - s;
        }
        report(known ? "recommend, trained user" : "recommend, folded-in user (ratings only)", t,
               calls);
    }
    for (size_t c = 0; c < calls; c++) {
        int32_t u = (int32_t)(c * 7919 % (size_t)v->n_users);
        rs_query q = query_of(v, u, 1, buf);
        for (int k = 0; k < CANDIDATES; k++)
            cand[k] = (int32_t)((c * 31 + (size_t)k * 97) % (size_t)v->n_items);
        double s = bu_now();
        if (e->score(p, &q, cand, CANDIDATES, scores, &err) != RS_OK)
            return 1;
        t[c] = bu_now() - s;
    }
    report("score, 200 candidates, trained user", t, calls);
    size_t n_sim = 0;
    for (size_t c = 0; n_sim < calls && c < 100 * calls; c++) {
        int32_t item = (int32_t)(c * 104729 % (size_t)v->n_items);
        double s = bu_now();
        rs_status st = e->similar(p, item, 10, out, &n_out, &err);
        double el = bu_now() - s;
        if (st == RS_OK && n_out > 0) /* items outside the CF subset: skip */
            t[n_sim++] = el;
    }
    if (n_sim)
        report("similar, k = 10", t, n_sim);
    free(t);
    free(buf);
    rs_testhost_free(th);
    rs_movielens_free(ml);
    return 0;
}
