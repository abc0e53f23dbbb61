/*
 * Semantic plugin benchmark on ml-latest-small + plot text:
 *   - build time of the builtin encoder (TF-IDF + randomised SVD) and of a
 *     whole fit (encoder + faiss index), median of runs;
 *   - similar() and recommend() latency, median and p99, Flat vs HNSW32;
 *   - catalogue coverage: share of movies that can be recommended at all
 *     (non-zero vector) and that actually appear in some user's top 10,
 *     against the share of movies with >= 10 ratings (a CF subset).
 * Usage: bench_semantic_search [runs]   (data: $RECSYS_SHARED_DATA)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "sem_encoder.h"
#include "sem_knn.h"
#include "sem_fixture.h"
#include "sem_model.h"
#include "sem_plug.h"

/* CPU time of this thread: on a shared, oversubscribed machine wall time
 * mostly measures the scheduler, so both are printed. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double proc_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double pct(double *v, size_t n, double p) { return bu_quantile(v, n, p); }

/* On the SDK test host (tests/semantic/support/sem_plug.h). */
static void *make(sem_plug *h, const rs_plugin_entry *e, const char *index, const char *ef,
                  const rs_dataset *d, double *fit_s)
{
    rs_error err = {0};
    sem_plug_init(h, d);
    sem_plug_set(h, "index", index);
    if (ef)
        sem_plug_set(h, "ef_search", ef);
    if (sem_plug_create(h, &err) != RS_OK) {
        fprintf(stderr, "create: %s\n", err.message);
        return NULL;
    }
    void *inst = h->inst;
    double t0 = bu_now();
    if (e->fit(inst, d, &err) != RS_OK) {
        fprintf(stderr, "fit: %s\n", err.message);
        sem_plug_destroy(h);
        return NULL;
    }
    *fit_s = bu_now() - t0;
    return inst;
}

static void report(const char *what, const char *index, double *wall, double *cpu, size_t n,
                   const char *extra)
{
    double wm = pct(wall, n, 0.5), w99 = pct(wall, n, 0.99);
    double cm = pct(cpu, n, 0.5), c99 = pct(cpu, n, 0.99);
    printf("%-9s %-7s k=10  wall median %7.1f us p99 %7.1f us | cpu median "
           "%7.1f us p99 %7.1f us  (%s)\n",
           what, index, wm, w99, cm, c99, extra);
}

static void latency(const char *index, const rs_plugin_entry *e, void *inst, const rs_dataset *d)
{
    enum { NQ = 2000, K = 10 };
    static double tw[NQ], tc[NQ];
    rs_scored out[K];
    size_t n;
    rs_error err = {0};
    char extra[128];
    for (int q = 0; q < NQ; q++) {
        int32_t it = (int32_t)(((int64_t)q * 7919) % d->n_items);
        double w0 = bu_now(), c0 = cpu_s();
        e->similar(inst, it, K, out, &n, &err);
        tc[q] = (cpu_s() - c0) * 1e6;
        tw[q] = (bu_now() - w0) * 1e6;
    }
    snprintf(extra, sizeof extra, "%d movies", NQ);
    report("similar", index, tw, tc, NQ, extra);
    int nu = d->n_users;
    double *uw = malloc((size_t)nu * sizeof *uw), *uc = malloc((size_t)nu * sizeof *uc);
    for (int32_t u = 0; u < nu; u++) {
        rs_query q = RS_QUERY(d->user_ids[u], NULL, 0, NULL, 0);
        double w0 = bu_now(), c0 = cpu_s();
        e->recommend(inst, &q, K, out, NULL, &n, &err);
        uc[u] = (cpu_s() - c0) * 1e6;
        uw[u] = (bu_now() - w0) * 1e6;
    }
    snprintf(extra, sizeof extra, "%d users, mean %zu ratings", nu, d->user_ptr[nu] / (size_t)nu);
    report("recommend", index, uw, uc, (size_t)nu, extra);
    free(uw);
    free(uc);
}

static void coverage(const rs_plugin_entry *e, void *inst, const rs_dataset *d)
{
    const sem_model *m = sem_instance_model(inst);
    const float *v = sem_model_vectors(m);
    int dim = sem_model_dim(m);
    int32_t nonzero = 0, cf = 0, appear = 0;
    uint8_t *seen = calloc((size_t)d->n_items, 1);
    for (int32_t i = 0; i < d->n_items; i++) {
        float n2 = 0.0f;
        for (int c = 0; c < dim; c++)
            n2 += v[(size_t)i * dim + c] * v[(size_t)i * dim + c];
        nonzero += n2 > 0.0f;
        cf += d->item_ptr[i + 1] - d->item_ptr[i] >= 10;
    }
    rs_scored out[10];
    size_t n;
    rs_error err = {0};
    for (int32_t u = 0; u < d->n_users; u++) {
        rs_query q = RS_QUERY(d->user_ids[u], NULL, 0, NULL, 0);
        if (e->recommend(inst, &q, 10, out, NULL, &n, &err) != RS_OK)
            continue;
        for (size_t i = 0; i < n; i++)
            if (!seen[out[i].item]++)
                appear++;
    }
    int32_t sim_seen = 0;
    memset(seen, 0, (size_t)d->n_items);
    for (int32_t i = 0; i < d->n_items; i++) {
        if (e->similar(inst, i, 10, out, &n, &err) != RS_OK)
            continue;
        for (size_t j = 0; j < n; j++)
            if (!seen[out[j].item]++)
                sim_seen++;
    }
    double N = d->n_items;
    printf("coverage: catalogue %d movies\n", (int)d->n_items);
    printf("  recommendable (non-zero vector)        %5d  %5.1f%%\n", nonzero, 100.0 * nonzero / N);
    printf("  movies with >= 10 ratings (CF subset)  %5d  %5.1f%%\n", cf, 100.0 * cf / N);
    printf("  in some user's top-10 (610 users)      %5d  %5.1f%%\n", appear, 100.0 * appear / N);
    printf("  in some movie's similar top-10         %5d  %5.1f%%\n", sim_seen,
           100.0 * sim_seen / N);
    free(seen);
}

/* Share of Flat's top-10 that the approximate index also returns. */
static double recall(const rs_plugin_entry *e, void *flat, void *inst, const rs_dataset *d)
{
    rs_scored a[10], b[10];
    size_t na, nb;
    rs_error err = {0};
    int hit = 0, total = 0;
    for (int q = 0; q < 1000; q++) {
        int32_t it = (int32_t)(((int64_t)q * 7919) % d->n_items);
        e->similar(flat, it, 10, a, &na, &err);
        e->similar(inst, it, 10, b, &nb, &err);
        for (size_t i = 0; i < na; i++, total++)
            for (size_t j = 0; j < nb; j++)
                if (b[j].item == a[i].item) {
                    hit++;
                    break;
                }
    }
    return total ? (double)hit / total : 0.0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* figures appear as they are measured */
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
    if (runs < 1)
        runs = 1;
    sem_fixture *fx = sem_fixture_load(sem_fixture_data_dir(), 1);
    if (!fx) {
        fprintf(stderr, "bench: MovieLens data not found; set RECSYS_SHARED_DATA\n");
        return 1;
    }
    const rs_dataset *d = sem_fixture_view(fx);
    const rs_plugin_entry *e = sem_test_entry();

    /* Encoder alone, default params (dim 128, 10 oversample, 4 iters). */
    double *te = malloc((size_t)runs * sizeof *te);
    double *tp = malloc((size_t)runs * sizeof *tp);
    float *vec = malloc((size_t)d->n_items * 128 * sizeof *vec);
    size_t n_terms = 0;
    for (int r = 0; r < runs; r++) {
        sem_encoder_opts o = {{2, 2, 1, 1, 1}, 128, 2, 0.5, 10, 4, 42};
        sem_encoder *enc = NULL;
        rs_error err = {0};
        double t0 = bu_now(), p0 = proc_cpu_s();
        if (sem_encoder_fit(d->items, d->n_items, &o, vec, &enc, &err) != RS_OK) {
            fprintf(stderr, "encoder: %s\n", err.message);
            return 1;
        }
        te[r] = bu_now() - t0;
        tp[r] = proc_cpu_s() - p0;
        n_terms = (size_t)sem_vocab_size(sem_encoder_vocab(enc));
        sem_encoder_free(enc);
    }
    printf("builtin encoder: %d movies, %zu terms, dim 128: wall median %.2f s, "
           "process cpu median %.2f s (all threads), over %d runs\n",
           (int)d->n_items, n_terms, pct(te, (size_t)runs, 0.5), pct(tp, (size_t)runs, 0.5), runs);
    /* kNN scorer's neighbour lists (k = 50) over the un-reduced TF-IDF,
     * built at every fit and load of a scorer: knn instance. */
    for (int threads = 1; threads <= 2; threads++) {
        sem_encoder_opts o = {{2, 2, 1, 1, 1}, 128, 2, 0.5, 10, 4, 42};
        sem_encoder *enc = NULL;
        rs_error err = {0};
        if (sem_encoder_fit(d->items, d->n_items, &o, vec, &enc, &err) != RS_OK)
            return 1;
        for (int r = 0; r < runs; r++) {
            sem_tfidf_rows x;
            sem_knn *g = NULL;
            double t0 = bu_now(), p0 = proc_cpu_s();
            if (sem_encoder_tfidf(enc, d->items, d->n_items, &x, &err) != RS_OK)
                return 1;
            sem_csr a = {x.rows, x.cols, x.ptr, x.col, x.val};
            if (sem_knn_from_csr(&a, 50, threads, &g, &err) != RS_OK) {
                fprintf(stderr, "knn: %s\n", err.message);
                return 1;
            }
            te[r] = bu_now() - t0;
            tp[r] = proc_cpu_s() - p0;
            sem_knn_free(g);
            sem_tfidf_rows_free(&x);
        }
        printf("kNN lists (TF-IDF, k 50, %d thread%s): wall median %.2f s, "
               "process cpu median %.2f s, over %d runs\n",
               threads, threads > 1 ? "s" : "", pct(te, (size_t)runs, 0.5),
               pct(tp, (size_t)runs, 0.5), runs);
        sem_encoder_free(enc);
    }
    free(te);
    free(tp);
    free(vec);

    sem_plug hf;
    double fit_s = 0;
    void *flat = make(&hf, e, "Flat", NULL, d, &fit_s);
    if (!flat)
        return 1;
    printf("fit (encoder + Flat index): %.2f s\n", fit_s);
    latency("Flat", e, flat, d);
    coverage(e, flat, d);
    const char *efs[3] = {"128", "64", "32"}; /* 64 is the default */
    for (int i = 0; i < 3; i++) {
        sem_plug h;
        void *inst = make(&h, e, "HNSW32", efs[i], d, &fit_s);
        if (!inst)
            return 1;
        char label[32];
        snprintf(label, sizeof label, "HNSW/%s", efs[i]);
        printf("fit (encoder + HNSW32 index): %.2f s; efSearch %s recall@10 vs "
               "Flat %.3f\n",
               fit_s, efs[i], recall(e, flat, inst, d));
        latency(label, e, inst, d);
        sem_plug_destroy(&h);
    }
    sem_plug_destroy(&hf);
    sem_fixture_free(fx);
    return 0;
}
