/*
 * LightGCN training speed: seconds per epoch (median of several) on
 * ml-latest-small (ratings >= 4 as positives) and on a generated graph of
 * 1M interactions, with a roofline-style estimate of bytes moved and flops
 * per epoch and how close the measured time comes to it.
 *
 * usage: lightgcn_epoch [threads] [epochs]   (defaults: 2, 7)
 * env RECSYS_SHARED_DATA: where ml-latest-small lives;
 *     LGCN_BENCH_NO_GENERATED=1: ml-latest-small only (quick A/B runs).
 * Also prints how a step's and an epoch's cost grow from 125k to 4M
 * generated interactions (bench_scaling).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "lgcn_graph.h"
#include "lgcn_test_support.h"
#include "lgcn_train.h"
#include "recsys/dataset.h"

/* Median of v[0..n) (sorts v): the harness-wide nearest-rank median. */
static double median(double *v, int n) { return bu_quantile(v, (size_t)n, 0.5); }

typedef struct epochs_seen {
    double secs[1024];
    int n;
} epochs_seen;

static void on_epoch(void *ctx, const lgcn_epoch_info *e)
{
    epochs_seen *s = ctx;
    if (s->n < 1024)
        s->secs[s->n++] = e->seconds;
}

/* Streaming bandwidth of this machine now, on `threads` threads:
 * a = b + s*c over 3 x 64 MiB (best of 5). */
static double triad_gbs(int threads)
{
    size_t n = 16u << 20;
    float *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4);
    for (size_t k = 0; k < n; k++)
        b[k] = 1.0f, c[k] = 2.0f, a[k] = 0.0f;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = bu_now();
#pragma omp parallel for num_threads(threads) schedule(static)
        for (size_t k = 0; k < n; k++)
            a[k] = b[k] + 0.5f * c[k];
        double t = bu_now() - t0;
        if (t < best)
            best = t;
    }
    volatile float sink = a[n / 3];
    (void)sink;
    free(a), free(b), free(c);
    return 3.0 * n * 4 / best / 1e9;
}

/* The core clock now, in GHz: a chain of dependent integer adds retires
 * one per cycle. These shared machines change clock between phases (seen:
 * 1.3 to 2.9 GHz), which moves every timing here, so it is printed with
 * them. 0 where the chain is not available (non-x86). */
static double clock_ghz(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    long n = 200000000, x = 1;
    double t0 = bu_now();
    for (long k = 0; k < n; k++)
        __asm__ volatile("add $1, %0" : "+r"(x));
    return (double)n / (bu_now() - t0) / 1e9;
#else
    return 0.0;
#endif
}

/* Read bandwidth from wherever a table of `bytes` sits when it is read
 * over and over (L2/L3 for ml's 2.5 MB embedding table), on `threads`
 * threads each reading all of it, as the SpMM's row gathers do. */
static double cache_read_gbs(size_t bytes, int threads)
{
    size_t n = bytes / 4;
    float *t = aligned_alloc(64, (n + 16) * 4);
    for (size_t k = 0; k < n; k++)
        t[k] = (float)(k % 7);
    int reps = (int)(256e6 / (double)bytes) + 1;
    double best = 1e30, sink = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = bu_now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        for (int q = 0; q < reps; q++) {
            float acc[16] = {0};
            for (size_t k = 0; k + 16 <= n; k += 16)
                for (int l = 0; l < 16; l++)
                    acc[l] += t[k + l];
            sink += acc[q % 16];
        }
        double el = bu_now() - t0;
        if (el < best)
            best = el;
    }
    volatile double keep = sink;
    (void)keep;
    free(t);
    return (double)threads * reps * (double)bytes / best / 1e9;
}

/* n triples (user, positive, uniform negative) drawn from g's edges. */
static void random_batch(const lgcn_graph *g, int32_t *u, int32_t *i, int32_t *j, int n)
{
    lgcn_rng rng;
    lgcn_rng_seed(&rng, 77);
    for (int k = 0; k < n; k++) {
        size_t e = lgcn_rng_below(&rng, (uint32_t)g->n_edges);
        int32_t lo = 0, hi = g->n_users - 1; /* user owning edge e */
        while (lo < hi) {
            int32_t mid = lo + (hi - lo + 1) / 2;
            if (g->ptr[mid] <= e)
                lo = mid;
            else
                hi = mid - 1;
        }
        u[k] = lo;
        i[k] = g->col[e] - g->n_users;
        j[k] = (int32_t)lgcn_rng_below(&rng, (uint32_t)g->n_items);
    }
}

static void bench_graph(const char *label, const lgcn_pos *pos, int threads, int epochs, double bw,
                        size_t max_full_edges)
{
    lgcn_graph g;
    rs_error err = {0};
    if (lgcn_graph_build(&g, pos, &err) != RS_OK) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    lgcn_hparams hp = {.dim = 64,
                       .layers = 3,
                       .epochs = 1,
                       .batch = 2048,
                       .lr = 1e-3,
                       .decay = 1e-4,
                       .init_std = 0.1,
                       .seed = 2020,
                       .threads = threads};
    lgcn_trainer *t;
    if (lgcn_trainer_new(&g, &hp, &t, &err) != RS_OK) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    lgcn_train_report rep;
    epochs_seen seen = {.n = 0};
    double sample = 0.0, ep;
    double batches = ceil((double)g.n_edges / 2048.0);
    int whole = g.n_edges <= max_full_edges;
    double ghz0 = clock_ghz();
    if (whole) {
        lgcn_trainer_run(t, NULL, NULL, NULL, &rep, NULL); /* warm-up */
        for (int e = 0; e < epochs; e++) {
            /* a run continues to hp.epochs in total: one more each time */
            lgcn_trainer_set_epochs(t, e + 2);
            lgcn_trainer_run(t, NULL, on_epoch, &seen, &rep, NULL);
            sample += rep.sample_seconds;
        }
        ep = median(seen.secs, seen.n);
        sample /= epochs;
    } else {
        /* Per-batch cost is what scales (every batch propagates the whole
         * graph), so time real batches of random triples and extrapolate;
         * sampling is timed separately by one real epoch's share. */
        int32_t *u = malloc(2048 * sizeof *u), *i = malloc(2048 * sizeof *i),
                *j = malloc(2048 * sizeof *j);
        random_batch(&g, u, i, j, 2048);
        double bt[9];
        for (int r = 0; r < 9; r++) {
            double t0 = bu_now();
            lgcn_trainer_step(t, u, i, j, 2048);
            bt[r] = bu_now() - t0;
        }
        ep = median(bt, 9) * batches;
        seen.n = 9;
        free(u), free(i), free(j);
    }

    /* Components: one full SpMM, one (unfused) Adam pass, which needs a
     * whole gradient table: one unfused batch leaves it. */
    {
        int32_t u[2048], i[2048], j[2048];
        random_batch(&g, u, i, j, 2048);
        lgcn_trainer_batch(t, u, i, j, 2048);
    }
    size_t nd = (size_t)g.n_nodes * 64;
    /* cache-line aligned, as the trainer's tables are */
    float *x = aligned_alloc(64, nd * 4), *y = aligned_alloc(64, nd * 4);
    for (size_t k = 0; k < nd; k++)
        x[k] = (float)((k % 97) * 0.01);
    double sp[15], ad[15];
    for (int r = 0; r < 15; r++) {
        double t0 = bu_now();
        lgcn_spmm(&g, x, NULL, y, 64, threads);
        sp[r] = bu_now() - t0;
        t0 = bu_now();
        lgcn_trainer_adam_step(t);
        ad[r] = bu_now() - t0;
    }
    double spmm = median(sp, 15), adam = median(ad, 15);

    /* Roofline per epoch, as an upper bound on the work: per batch 2K
     * full-SpMM equivalents (K-1 forward, layer K on the batch's rows and
     * the masked first backward product counted as full, K-1 more
     * backward) and one dense Adam pass. Two floors: (1) DRAM, each SpMM
     * reading the CSR (nnz x 8 B) and writing + reading one n x d table,
     * Adam reading p,m,v,grad and writing p,m,v (7 x n x d x 4 B), at the
     * triad bandwidth; (2) the row gathers, nnz x d x 4 B per SpMM, at the
     * bandwidth of re-reading a table of this size from cache. The larger
     * is the floor. */
    double nnz = 2.0 * (double)g.n_edges, n = g.n_nodes, d = 64;
    double spmms = 2.0 * hp.layers;
    double spmm_bytes = nnz * 8 + 2 * n * d * 4;
    double adam_bytes = 7 * n * d * 4;
    double bytes = batches * (spmms * spmm_bytes + adam_bytes);
    double flops = batches * (spmms * 2 * nnz * d + 12 * n * d);
    double gather_bytes = batches * spmms * nnz * d * 4;
    double cache_bw = cache_read_gbs((size_t)(n * d * 4), threads);
    double dram_floor = bytes / (bw * 1e9);
    double gather_floor = gather_bytes / (cache_bw * 1e9);
    double floor_s = dram_floor > gather_floor ? dram_floor : gather_floor;
    double kernel_floor = batches * (spmms * spmm + adam);
    printf("%s: %d users, %d items, %zu interactions, d=64, K=3, batch 2048, "
           "threads %d\n",
           label, g.n_users, g.n_items, g.n_edges, threads);
    if (whole)
        printf("  epoch: median %.4f s over %d epochs (negative sampling "
               "%.4f s/epoch), %.0f batches; clock %.2f -> %.2f GHz\n",
               ep, seen.n, sample, batches, ghz0, clock_ghz());
    else
        printf("  epoch: %.2f s estimated = median of %d real batches x %.0f "
               "batches (sampling excluded)\n",
               ep, seen.n, batches);
    fflush(stdout);
    printf("  kernels: full SpMM %.3f ms, Adam step %.3f ms -> "
           "%d SpMM + 1 Adam per batch (an upper bound) = %.4f s/epoch at "
           "kernel speed\n",
           spmm * 1e3, adam * 1e3, (int)spmms, kernel_floor);
    printf("  roofline: %.0f MB DRAM traffic at %.1f GB/s triad = %.4f s; "
           "%.0f MB of row gathers at %.1f GB/s from cache = %.4f s; "
           "%.2f GFLOP. Measured is %.2fx the larger floor (%.1f GFLOP/s)\n",
           bytes / 1e6, bw, dram_floor, gather_bytes / 1e6, cache_bw, gather_floor, flops / 1e9,
           ep / floor_s, flops / ep / 1e9);
    printf("  vs reference LightGCN-PyTorch 1.7 s/epoch on ~80k "
           "interactions: %.1fx faster per epoch%s\n",
           1.7 / ep, g.n_edges > 200000 ? " (this graph is larger)" : "");
    free(x);
    free(y);
    lgcn_trainer_free(t);
    lgcn_graph_free(&g);
}

/* A power-law graph: user degrees ~ 1 + Pareto, items drawn from a Zipf
 * (s = 0.8) popularity so degrees look like a ratings dataset. */
static lgcn_pos generated(int32_t nu, int32_t ni, size_t target)
{
    lgcn_rng rng;
    lgcn_rng_seed(&rng, 1234);
    double *cdf = malloc((size_t)ni * sizeof *cdf), acc = 0;
    for (int32_t i = 0; i < ni; i++)
        cdf[i] = (acc += pow(i + 1.0, -0.8));
    lgcn_pos p = {nu, ni, calloc((size_t)nu + 1, sizeof(size_t)),
                  malloc((target + (size_t)nu * 2 + 1) * sizeof(int32_t))};
    uint8_t *seen = calloc((size_t)ni, 1);
    size_t n = 0, per = target / (size_t)nu;
    for (int32_t u = 0; u < nu; u++) {
        size_t want = per / 2 + lgcn_rng_below(&rng, (uint32_t)per + 1);
        size_t start = n;
        for (size_t k = 0; k < want; k++) {
            double r = (double)(lgcn_rng_next(&rng) >> 11) * 0x1.0p-53 * acc;
            size_t lo = 0, hi = (size_t)ni - 1;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cdf[mid] < r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (!seen[lo]) {
                seen[lo] = 1;
                p.item[n++] = (int32_t)lo;
            }
        }
        /* sort the row (small) and clear marks */
        for (size_t a = start + 1; a < n; a++)
            for (size_t b = a; b > start && p.item[b - 1] > p.item[b]; b--) {
                int32_t tmp = p.item[b];
                p.item[b] = p.item[b - 1];
                p.item[b - 1] = tmp;
            }
        for (size_t a = start; a < n; a++)
            seen[p.item[a]] = 0;
        p.ptr[u + 1] = n;
    }
    free(cdf);
    free(seen);
    return p;
}

/* Median seconds of `reps` training steps of `batch` triples, and of
 * `reps` full SpMMs (spmm may be NULL). */
static double time_step(const lgcn_graph *g, int threads, int reps, int batch, double *spmm)
{
    lgcn_hparams hp = {.dim = 64,
                       .layers = 3,
                       .epochs = 1,
                       .batch = batch,
                       .lr = 1e-3,
                       .decay = 1e-4,
                       .init_std = 0.1,
                       .seed = 2020,
                       .threads = threads};
    lgcn_trainer *t;
    if (lgcn_trainer_new(g, &hp, &t, NULL) != RS_OK)
        exit(1);
    int32_t *u = malloc((size_t)batch * sizeof *u), *i = malloc((size_t)batch * sizeof *i),
            *j = malloc((size_t)batch * sizeof *j);
    random_batch(g, u, i, j, batch);
    double st[32], sp[32];
    size_t nd = (size_t)g->n_nodes * 64;
    float *x = aligned_alloc(64, nd * 4), *y = aligned_alloc(64, nd * 4);
    for (size_t k = 0; k < nd; k++)
        x[k] = (float)((k % 97) * 0.01);
    lgcn_trainer_step(t, u, i, j, (size_t)batch); /* warm-up */
    for (int r = 0; r < reps; r++) {
        double t0 = bu_now();
        lgcn_trainer_step(t, u, i, j, (size_t)batch);
        st[r] = bu_now() - t0;
        if (spmm) {
            t0 = bu_now();
            lgcn_spmm(g, x, NULL, y, 64, threads);
            sp[r] = bu_now() - t0;
        }
    }
    if (spmm)
        *spmm = median(sp, reps);
    free(x), free(y), free(u), free(i), free(j);
    lgcn_trainer_free(t);
    return median(st, reps);
}

/*
 * How cost grows with interactions E: generated graphs of 125k..4M
 * interactions with the same shape (20 per user, 50 per item). A step
 * propagates the whole graph, so it costs O(E). An epoch under the paper's
 * schedule (batch 2048) has E / 2048 steps: O(E^2). With steps_per_epoch
 * (here 40, the paper's schedule on the reference's ~80k graph) it has 40
 * steps of E / 40 triples: O(E). Printed: medians of real steps, and the
 * log-log slopes (1 = linear), overall and, for the 40-step epoch,
 * between neighbouring sizes (it settles once the tables live in DRAM and
 * a batch touches every node).
 */
static void bench_scaling(int threads)
{
    static const size_t sizes[] = {125000, 250000, 500000, 1000000, 2000000, 4000000};
    enum { N_SIZES = sizeof sizes / sizeof sizes[0], STEPS = 40 };
    double step[N_SIZES], spmm[N_SIZES], edges[N_SIZES], ep_fixed[N_SIZES], ep_steps[N_SIZES];
    printf("scaling (generated, 20 interactions per user, 50 per item, "
           "d=64, K=3, threads %d):\n",
           threads);
    printf("  %9s %8s %10s %10s %8s %17s %15s %12s\n", "interact.", "table MB", "step(2048)",
           "full SpMM", "ns/edge", "epoch, batch 2048", "epoch, 40 steps", "local slope");
    for (int s = 0; s < N_SIZES; s++) {
        lgcn_pos p = generated((int32_t)(sizes[s] / 20), (int32_t)(sizes[s] / 50), sizes[s]);
        lgcn_graph g;
        if (lgcn_graph_build(&g, &p, NULL) != RS_OK)
            exit(1);
        edges[s] = (double)g.n_edges;
        step[s] = time_step(&g, threads, 7, 2048, &spmm[s]);
        ep_fixed[s] = step[s] * ceil(edges[s] / 2048.0);
        int big = (int)ceil(edges[s] / STEPS);
        ep_steps[s] = STEPS * time_step(&g, threads, 5, big, NULL);
        /* slope of the 40-step epoch against the previous size */
        double local = s ? log(ep_steps[s] / ep_steps[s - 1]) / log(edges[s] / edges[s - 1]) : NAN;
        printf("  %9zu %8.1f %8.2f ms %7.3f ms %8.2f %15.2f s %13.3f s %12.2f\n", g.n_edges,
               g.n_nodes * 256.0 / 1e6, step[s] * 1e3, spmm[s] * 1e3,
               spmm[s] * 1e9 / (2.0 * edges[s]), ep_fixed[s], ep_steps[s], local);
        lgcn_graph_free(&g);
        lgcn_pos_free(&p);
    }
    int l = N_SIZES - 1;
    double lx = log(edges[l] / edges[0]);
    printf("  log-log slope over %.1fx interactions: step %.2f, SpMM %.2f; "
           "epoch with batch 2048 %.2f, with 40 steps %.2f (1 = linear)\n",
           edges[l] / edges[0], log(step[l] / step[0]) / lx, log(spmm[l] / spmm[0]) / lx,
           log(ep_fixed[l] / ep_fixed[0]) / lx, log(ep_steps[l] / ep_steps[0]) / lx);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int epochs = argc > 2 ? atoi(argv[2]) : 7;
    if (threads < 1 || epochs < 1) {
        fprintf(stderr, "usage: %s [threads>=1] [epochs>=1]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    double bw = triad_gbs(threads);
    printf("lightgcn_epoch: threads %d, dims 64, triad bandwidth %.1f GB/s, "
           "core clock ~%.2f GHz\n",
           threads, bw, clock_ghz());
    const char *dir = td_ml_small_dir();
    rs_movielens *ml = NULL;
    rs_load_options opt = {NULL, 1, 1};
    if (dir && rs_movielens_load(dir, &opt, &ml, NULL) == RS_OK) {
        const rs_dataset *v = rs_movielens_view(ml);
        /* Two graphs: positives (>= 4, all users' ratings), and the
         * reference's setting, every rating as an interaction with a
         * fixed-seed 80% kept for training (~80k interactions). */
        for (int variant = 0; variant < 2; variant++) {
            lgcn_pos p = {v->n_users, v->n_items, calloc((size_t)v->n_users + 1, sizeof(size_t)),
                          malloc(v->n_ratings * sizeof(int32_t))};
            lgcn_rng rng;
            lgcn_rng_seed(&rng, 80);
            size_t n = 0; /* rows are sorted by item: they stay sorted */
            for (int32_t u = 0; u < v->n_users; u++) {
                for (size_t k = v->user_ptr[u]; k < v->user_ptr[u + 1]; k++)
                    if (variant == 0 ? v->user_rating[k] >= 4.0f : lgcn_rng_below(&rng, 100) < 80)
                        p.item[n++] = v->user_item[k];
                p.ptr[u + 1] = n;
            }
            int reorder = !getenv("LGCN_BENCH_NO_REORDER");
            if (reorder) { /* as fit does */
                int32_t *perm = malloc((size_t)p.n_items * sizeof *perm);
                lgcn_pos_order_by_degree(&p, perm, NULL);
                free(perm);
            }
            printf("items in %s order\n", reorder ? "degree" : "catalogue");
            bench_graph(variant == 0 ? "ml-latest-small (>= 4)"
                                     : "ml-latest-small (all ratings, 80%)",
                        &p, threads, epochs, bw, (size_t)-1);
            lgcn_pos_free(&p);
        }
        rs_movielens_free(ml);
    } else {
        printf("ml-latest-small not found: skipped\n");
    }
    if (getenv("LGCN_BENCH_NO_GENERATED")) /* quick A/B runs */
        return 0;
    bench_scaling(threads);
    lgcn_pos gen = generated(50000, 20000, 1000000);
    bench_graph("generated", &gen, threads, epochs, bw, 200000);
    lgcn_pos_free(&gen);
    return 0;
}
