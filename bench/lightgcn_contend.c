/*
 * LightGCN training on a busy machine: seconds per epoch quiet and while two
 * CPU-bound threads (spawned here, in this process) compete for the cores,
 * side by side in one run, and the ratio. Issue 15's bar: at most 3x the
 * quiet epoch with two competitors on a 2-core machine (a fair share of
 * the CPU would be 2x).
 *
 * Phases alternate (quiet, loaded, quiet, loaded, ...) so that a change of
 * the shared machine's clock or load lands on both; each phase trains
 * `epochs` more epochs of one trainer, and the figures are medians over
 * every epoch of every phase of a kind. Also printed: how much work the
 * competitors got done per second while the trainer ran against them,
 * against them running alone (the trainer's footprint on other work: a
 * trainer that spins takes CPU it does not turn into epochs).
 *
 * usage: lightgcn_contend [threads] [epochs] [rounds]   (defaults: 2, 5, 4)
 * env RECSYS_SHARED_DATA: where ml-latest-small lives (a generated graph of
 * ml-100k's shape when it is absent).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "lgcn_graph.h"
#include "lgcn_test_support.h"
#include "lgcn_train.h"
#include "recsys/dataset.h"

#define N_HOGS 2
#define MAX_EPOCHS 4096

/* ---- Competitors ---------------------------------------------------------- */

typedef struct hog {
    pthread_t thread;
    atomic_int *run;
    atomic_ullong done; /* work units finished */
    double cpu;         /* its CPU seconds, when it stops */
} hog;

/* CPU seconds of this thread or of the whole process (every thread, the
 * finished ones included). */
static double cpu_seconds(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pure ALU work (a dependent multiply-xorshift chain): it competes for the
 * core, not for memory bandwidth, so what it measures is scheduling. */
static void *hog_main(void *arg)
{
    hog *h = arg;
    uint64_t x = (uint64_t)(uintptr_t)h | 1u;
    while (atomic_load_explicit(h->run, memory_order_relaxed)) {
        for (int k = 0; k < 100000; k++) {
            x ^= x >> 12;
            x *= 0x2545f4914f6cdd1dull;
        }
        atomic_fetch_add_explicit(&h->done, 1, memory_order_relaxed);
    }
    h->cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    return (void *)(uintptr_t)x;
}

static void hogs_start(hog *h, atomic_int *run)
{
    atomic_store(run, 1);
    for (int k = 0; k < N_HOGS; k++) {
        h[k].run = run;
        atomic_store(&h[k].done, 0);
        if (pthread_create(&h[k].thread, NULL, hog_main, &h[k]) != 0) {
            fprintf(stderr, "lightgcn_contend: pthread_create failed\n");
            exit(1);
        }
    }
}

/* Stops them; returns their work units and adds their CPU seconds to
 * *cpu. */
static unsigned long long hogs_stop(hog *h, atomic_int *run, double *cpu)
{
    unsigned long long done = 0;
    atomic_store(run, 0);
    for (int k = 0; k < N_HOGS; k++) {
        pthread_join(h[k].thread, NULL);
        done += atomic_load(&h[k].done);
        *cpu += h[k].cpu;
    }
    return done;
}

/* ---- Data ----------------------------------------------------------------- */

/* ml-latest-small's positives (rating >= 4), as fit trains on them. */
static int ml_positives(lgcn_pos *p)
{
    const char *dir = td_ml_small_dir();
    rs_movielens *ml = NULL;
    rs_load_options opt = {NULL, 1, 1};
    if (!dir || rs_movielens_load(dir, &opt, &ml, NULL) != RS_OK)
        return 0;
    const rs_dataset *v = rs_movielens_view(ml);
    *p = (lgcn_pos){v->n_users, v->n_items, calloc((size_t)v->n_users + 1, sizeof(size_t)),
                    malloc(v->n_ratings * sizeof(int32_t))};
    size_t n = 0;
    for (int32_t u = 0; u < v->n_users; u++) {
        for (size_t k = v->user_ptr[u]; k < v->user_ptr[u + 1]; k++)
            if (v->user_rating[k] >= 4.0f)
                p->item[n++] = v->user_item[k];
        p->ptr[u + 1] = n;
    }
    rs_movielens_free(ml);
    return 1;
}

/* ml-100k's shape without the file: 943 users, 1682 items, ~55k positives
 * (its ratings >= 4), items drawn from a Zipf-like popularity. */
static void generated_positives(lgcn_pos *p)
{
    enum { NU = 943, NI = 1682, PER_USER = 58 };
    lgcn_rng rng;
    lgcn_rng_seed(&rng, 100);
    *p = (lgcn_pos){NU, NI, calloc(NU + 1, sizeof(size_t)),
                    malloc((size_t)NU * NI * sizeof(int32_t))};
    uint8_t *seen = calloc(NI, 1);
    size_t n = 0;
    for (int32_t u = 0; u < NU; u++) {
        uint32_t want = 10 + lgcn_rng_below(&rng, 2 * PER_USER - 20);
        for (uint32_t k = 0; k < want; k++) {
            /* a product of two uniforms favours low (popular) indices */
            uint32_t a = lgcn_rng_below(&rng, NI), b = lgcn_rng_below(&rng, NI);
            seen[(uint64_t)a * b / NI] = 1;
        }
        for (int32_t i = 0; i < NI; i++)
            if (seen[i]) {
                p->item[n++] = i;
                seen[i] = 0;
            }
        p->ptr[u + 1] = n;
    }
    free(seen);
}

/* ---- Timing --------------------------------------------------------------- */

typedef struct epochs_seen {
    double secs[MAX_EPOCHS];
    int n;
    long threads; /* sum of the epochs' team sizes */
} epochs_seen;

static void on_epoch(void *ctx, const lgcn_epoch_info *e)
{
    epochs_seen *s = ctx;
    if (s->n < MAX_EPOCHS) {
        s->secs[s->n++] = e->seconds;
        s->threads += e->threads;
    }
}

/* Train `epochs` more epochs, appending each one's seconds to *seen;
 * returns the phase's median. */
static double phase(lgcn_trainer *t, int *done_epochs, int epochs, epochs_seen *seen)
{
    epochs_seen mine = {.n = 0};
    lgcn_train_report rep;
    rs_error err = {0};
    *done_epochs += epochs;
    lgcn_trainer_set_epochs(t, *done_epochs);
    if (lgcn_trainer_run(t, NULL, on_epoch, &mine, &rep, &err) != RS_OK) {
        fprintf(stderr, "lightgcn_contend: %s\n", err.message);
        exit(1);
    }
    for (int k = 0; k < mine.n && seen->n < MAX_EPOCHS; k++)
        seen->secs[seen->n++] = mine.secs[k];
    seen->threads += mine.threads;
    return bu_quantile(mine.secs, (size_t)mine.n, 0.5);
}

static double median_of(epochs_seen *s) { return bu_quantile(s->secs, (size_t)s->n, 0.5); }

static void print_env(const char *name)
{
    const char *v = getenv(name);
    if (v)
        printf(" %s=%s", name, v);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int epochs = argc > 2 ? atoi(argv[2]) : 5;
    int rounds = argc > 3 ? atoi(argv[3]) : 4;
    if (threads < 1 || epochs < 1 || rounds < 1 || 2 * rounds * epochs + 1 > MAX_EPOCHS) {
        fprintf(stderr, "usage: %s [threads>=1] [epochs>=1] [rounds>=1]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    lgcn_pos p;
    const char *label = "ml-latest-small (>= 4)";
    if (!ml_positives(&p)) {
        label = "generated, ml-100k shape (ml-latest-small not found)";
        generated_positives(&p);
    }
    int32_t *perm = malloc((size_t)p.n_items * sizeof *perm);
    lgcn_pos_order_by_degree(&p, perm, NULL); /* as fit does */
    free(perm);
    lgcn_graph g;
    rs_error err = {0};
    if (lgcn_graph_build(&g, &p, &err) != RS_OK) {
        fprintf(stderr, "lightgcn_contend: %s\n", err.message);
        return 1;
    }
    /* The plugin's defaults (plugin.yaml). */
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
        fprintf(stderr, "lightgcn_contend: %s\n", err.message);
        return 1;
    }
    printf("lightgcn_contend: %s, %d users, %d items, %zu interactions, "
           "d=64, K=3, batch 2048, threads %d, %d competing CPU-bound "
           "threads, %d rounds of %d epochs quiet + %d loaded;",
           label, g.n_users, g.n_items, g.n_edges, threads, N_HOGS, rounds, epochs, epochs);
    print_env("OMP_WAIT_POLICY");
    print_env("GOMP_SPINCOUNT");
    print_env("OMP_NUM_THREADS");
    FILE *la = fopen("/proc/loadavg", "r");
    char load[128] = "";
    if (la) { /* the shared machines' background, for the record */
        if (!fgets(load, sizeof load, la))
            load[0] = '\0';
        fclose(la);
        load[strcspn(load, "\n")] = '\0';
        printf(" loadavg %s", load);
    }
    printf("\n");

    /* Competitors alone: their work rate with the cores to themselves. */
    hog hogs[N_HOGS];
    atomic_int run;
    double t0 = bu_now();
    hogs_start(hogs, &run);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double hog_cpu = 0.0;
    double alone_rate = (double)hogs_stop(hogs, &run, &hog_cpu) / (bu_now() - t0);

    int done = 0;
    epochs_seen quiet = {.n = 0}, loaded = {.n = 0};
    double loaded_rate_sum = 0.0, cpu_quiet = 0.0, cpu_loaded = 0.0;
    phase(t, &done, 1, &(epochs_seen){.n = 0}); /* warm-up */
    for (int r = 0; r < rounds; r++) {
        double c0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
        double q = phase(t, &done, epochs, &quiet);
        double c1 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
        cpu_quiet += c1 - c0;
        t0 = bu_now();
        hog_cpu = 0.0;
        hogs_start(hogs, &run);
        double l = phase(t, &done, epochs, &loaded);
        unsigned long long work = hogs_stop(hogs, &run, &hog_cpu);
        /* the trainer's own CPU: the process's less the competitors' */
        cpu_loaded += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c1 - hog_cpu;
        double rate = (double)work / (bu_now() - t0);
        loaded_rate_sum += rate;
        printf("  round %d: quiet %.4f s/epoch, loaded %.4f s/epoch "
               "(%.2fx); competitors at %.0f%% of their rate alone\n",
               r + 1, q, l, l / q, 100.0 * rate / alone_rate);
    }
    double mq = median_of(&quiet), ml = median_of(&loaded);
    printf("epoch: quiet median %.4f s (%d epochs), with %d competing "
           "threads median %.4f s (%d epochs): ratio %.2fx (bar 3x, fair "
           "share 2x); competitors kept %.0f%% of their rate alone\n",
           mq, quiet.n, N_HOGS, ml, loaded.n, ml / mq,
           100.0 * loaded_rate_sum / rounds / alone_rate);
    /* CPU the trainer burns per epoch: a spinning wait shows up here as
     * CPU time that did not shorten the epoch */
    printf("trainer CPU per epoch: quiet %.4f s, with competitors %.4f s "
           "(%.2fx); mean team size quiet %.2f, with competitors %.2f\n",
           cpu_quiet / quiet.n, cpu_loaded / loaded.n,
           (cpu_loaded / loaded.n) / (cpu_quiet / quiet.n), (double)quiet.threads / quiet.n,
           (double)loaded.threads / loaded.n);
    lgcn_trainer_free(t);
    lgcn_graph_free(&g);
    lgcn_pos_free(&p);
    return 0;
}
