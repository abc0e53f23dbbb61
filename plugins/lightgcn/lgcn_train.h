/*
 * LightGCN training: BPR over the propagated embeddings, with the exact
 * gradient of the reference's per-mini-batch loss (the full K-layer
 * propagation is recomputed for every mini-batch, as LightGCN-PyTorch does,
 * but with CSR SpMM instead of torch.sparse), L2 on the batch's ego
 * embeddings and dense Adam.
 *
 * Thread contract: a trainer is used by one thread at a time; it runs
 * OpenMP regions with up to hp->threads workers inside (an epoch runs on
 * fewer when its threads spend most of it off the cores). Every parallel loop writes
 * disjoint rows and all reductions are serial, so a run is bit-for-bit
 * reproducible for a given seed (and, on one machine, for any thread count).
 */
#ifndef LGCN_TRAIN_H
#define LGCN_TRAIN_H

#include "lgcn_graph.h"

typedef struct lgcn_hparams {
    int dim;    /* embedding width d */
    int layers; /* propagation layers K */
    int epochs; /* upper bound on epochs */
    int batch;  /* BPR triples per Adam step */
    /* > 0: this many steps per epoch, of ceil(positives / steps) triples
     * (overrides batch): epochs then cost O(E), not O(E^2 / batch). */
    int steps_per_epoch;
    double lr;       /* Adam learning rate */
    double decay;    /* L2 weight on the batch's ego embeddings */
    double init_std; /* normal init of ego embeddings */
    uint64_t seed;
    int threads;
    /* Early stopping (off when patience == 0 or val is NULL in train). */
    int patience;   /* evaluations without improvement before stopping */
    int eval_every; /* epochs between validation evaluations */
    int sampling;   /* lgcn_sampling; 0 = LGCN_SAMPLE_PER_POSITIVE */
} lgcn_hparams;

/* How an epoch's BPR triples are drawn (one uniform negative each). */
typedef enum lgcn_sampling {
    /* every training positive once, in a fresh random order */
    LGCN_SAMPLE_PER_POSITIVE = 0,
    /* LightGCN-PyTorch's UniformSample_original: as many triples as
     * positives, each a uniformly drawn user and one of their positives
     * drawn uniformly (light users get more updates) */
    LGCN_SAMPLE_USER_UNIFORM = 1
} lgcn_sampling;

typedef struct lgcn_epoch_info {
    int epoch;         /* 1-based */
    int epochs;        /* planned total */
    double loss;       /* mean over the epoch's batches of BPR + reg */
    double seconds;    /* wall time of this epoch (sampling included) */
    double val_recall; /* Recall@20 on validation, NAN when not evaluated */
    int best_epoch;    /* best evaluated epoch so far, 0 when none */
    int threads;       /* the epoch's team size (<= hp.threads: fewer
                         * when the cores are busy, see lgcn_train.c) */
} lgcn_epoch_info;

typedef void (*lgcn_progress_fn)(void *ctx, const lgcn_epoch_info *info);

typedef struct lgcn_train_report {
    int epochs_run;
    int best_epoch;         /* epoch whose weights were kept */
    double best_val_recall; /* NAN without validation */
    double final_loss;
    double mean_epoch_seconds;
    double sample_seconds; /* total time spent in negative sampling */
} lgcn_train_report;

typedef struct lgcn_trainer lgcn_trainer;

/* Allocate every buffer the run needs (nothing is allocated per batch) and
 * initialise the ego embeddings from hp->seed. `g` must outlive it. */
rs_status lgcn_trainer_new(const lgcn_graph *g, const lgcn_hparams *hp, lgcn_trainer **out,
                           rs_error *err);
void lgcn_trainer_free(lgcn_trainer *t);

/* The ego embeddings E0, [n_nodes][dim] (mutable: tests set them). */
float *lgcn_trainer_ego(lgcn_trainer *t);

/* Loss of one mini-batch of (user, pos item, neg item) triples in model
 * indexing, leaving its gradient w.r.t. E0 inside the trainer. */
double lgcn_trainer_batch(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                          size_t n);
/* The gradient of the last lgcn_trainer_batch as a dense [n_nodes][dim]
 * array (after lgcn_trainer_step there is none: out is left untouched). */
void lgcn_trainer_grad(const lgcn_trainer *t, float *out);
/* One Adam step with the last lgcn_trainer_batch's gradient (no-op after
 * lgcn_trainer_step, which has taken its step already). */
void lgcn_trainer_adam_step(lgcn_trainer *t);
/* lgcn_trainer_batch + lgcn_trainer_adam_step fused (what training runs):
 * returns the batch loss. */
double lgcn_trainer_step(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                         size_t n);

/* What a run needs besides E0 and Adam's moments to continue exactly
 * (a checkpoint holds it): counters, the sampling stream and the early
 * stopping bookkeeping. */
typedef struct lgcn_run_state {
    int epoch;              /* epochs completed */
    int64_t step;           /* Adam steps taken (bias correction) */
    uint64_t rng[4];        /* the sampling generator */
    int best_epoch;         /* best evaluated epoch, 0 = none */
    int since_best;         /* evaluations since it */
    double best_val_recall; /* NAN when none */
} lgcn_run_state;

void lgcn_trainer_get_state(const lgcn_trainer *t, lgcn_run_state *s);
void lgcn_trainer_set_state(lgcn_trainer *t, const lgcn_run_state *s);
/* The parameter tables a checkpoint stores, each [n_nodes][dim]: E0,
 * Adam's m and v, and the best epoch's E0 (NULL when hp->patience == 0). */
size_t lgcn_trainer_table_size(const lgcn_trainer *t);
float *lgcn_trainer_adam_m(lgcn_trainer *t);
float *lgcn_trainer_adam_v(lgcn_trainer *t);
float *lgcn_trainer_best(lgcn_trainer *t);
const lgcn_hparams *lgcn_trainer_hparams(const lgcn_trainer *t);

/* Move the run's target to `epochs` in total (counted from the first
 * epoch, restored ones included). */
void lgcn_trainer_set_epochs(lgcn_trainer *t, int epochs);

/* Called after every `every`-th epoch and after the last one (when
 * every > 0) with the trainer between epochs; a failure stops the run
 * with that status. */
typedef rs_status (*lgcn_checkpoint_fn)(void *ctx, const lgcn_trainer *t, rs_error *err);
void lgcn_trainer_on_checkpoint(lgcn_trainer *t, int every, lgcn_checkpoint_fn fn, void *ctx);

/* Train until hp->epochs epochs are complete in total (a trainer restored
 * from a checkpoint at epoch N runs N+1 .. hp->epochs) over the graph's
 * edges. With `val` (positives held
 * out of the graph) and hp->patience > 0, evaluates Recall@20 every
 * hp->eval_every epochs, stops after `patience` evaluations without
 * improvement and restores the best epoch's weights. */
rs_status lgcn_trainer_run(lgcn_trainer *t, const lgcn_pos *val, lgcn_progress_fn progress,
                           void *ctx, lgcn_train_report *rep, rs_error *err);

/* layers (may be NULL) receives E0..EK as (K+1) blocks of [n_nodes][d];
 * final receives their mean. Allocates scratch internally. */
rs_status lgcn_propagate(const lgcn_graph *g, const float *ego, int d, int K, float *layers,
                         float *final, int threads, rs_error *err);

/* Recall@20 of `final` embeddings on held-out positives, excluding the
 * graph's (training) positives; users without held-out items are skipped. */
double lgcn_recall20(const lgcn_graph *g, const float *final, int d, const lgcn_pos *heldout,
                     int threads);

/* Split each user's positives: round(frac * deg) (at least one, never all)
 * go to val, the rest to train. Users with one positive keep it. */
rs_status lgcn_split_validation(const lgcn_pos *all, double frac, uint64_t seed, lgcn_pos *train,
                                lgcn_pos *val, rs_error *err);

/* Deterministic generator shared by training, splits and tests. */
typedef struct lgcn_rng {
    uint64_t s[4];
} lgcn_rng;
void lgcn_rng_seed(lgcn_rng *r, uint64_t seed);
uint64_t lgcn_rng_next(lgcn_rng *r);
uint32_t lgcn_rng_below(lgcn_rng *r, uint32_t n); /* uniform in [0, n) */
double lgcn_rng_normal(lgcn_rng *r);

#endif /* LGCN_TRAIN_H */
