/* LightGCN BPR training: forward propagation, backward through it, Adam. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "lgcn_train.h"

#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgcn_simd.h"
#include "lgcn_team.h"
#include "recsys/splitmix64.h"
#include "recsys/topk.h"

#define LGCN_ADAM_B1 0.9
/* Rows per task of the Adam pass (and of the fused last product). */
#define LGCN_ADAM_CHUNK 64
#define LGCN_ADAM_B2 0.999
#define LGCN_ADAM_EPS 1e-8
#define LGCN_RECALL_K 20

/* One Adam step's scalars (adam_begin). */
typedef struct adam_consts {
    float step, inv_sqrt_bc2, scale, reg_coef;
} adam_consts;

struct lgcn_trainer {
    const lgcn_graph *g;
    lgcn_hparams hp;
    size_t nd;  /* n_nodes * dim */
    float *ego; /* E0, the parameters */
    float *adam_m, *adam_v;
    float **layer; /* [K + 1]; layer[0] == ego, layer[1..K-1] in work */
    float *grad_f; /* dL/dF, nonzero only on the batch's rows */
    /* Horner ping-pong for sum_k A^k grad_f. It runs after the loss, when
     * layers 1..K-1 are dead, so it reuses their tables (work[0], work[1]):
     * a smaller working set keeps more of a step in the last-level cache. */
    float *back_a, *back_b;
    float **work; /* [n_work] tables of [n_nodes][dim] */
    int n_work;
    const float *back;          /* which of back_a/back_b holds the result */
    float *reg_cnt;             /* occurrences of each row in the batch */
    uint8_t *mark;              /* row touched by the batch */
    int32_t *rows;              /* touched rows, up to min(3 * batch, n_nodes) */
    int32_t *slot;              /* [n_nodes] row -> index in rows (valid if marked) */
    float *fin;                 /* [touched][dim] final rows of the touched rows */
    double *ego_sq;             /* [touched] |E0_r|^2 of the touched rows */
    double *tri_loss;           /* [batch] softplus(x) per triple */
    float *tri_gs;              /* [batch] sigmoid(x) / n per triple */
    uint32_t *occ;              /* [3 * batch] occurrences grouped by touched row */
    size_t *occ_ptr, *occ_fill; /* [touched + 1] */
    float *chunk_grad;          /* [threads][LGCN_ADAM_CHUNK][dim] (train_step) */
    size_t n_rows;
    size_t batch_n; /* size of the last batch */
    long step;      /* Adam steps taken */
    /* epoch sampling */
    int32_t *pair_u, *pair_i; /* every positive edge */
    uint32_t *perm;
    int32_t *su, *si, *sj; /* this epoch's triples */
    lgcn_rng rng;
    /* run state: what lgcn_trainer_run continues from (see lgcn_run_state) */
    int epoch;
    int best_epoch, since_best;
    double best_val_recall;
    float *best; /* E0 of the best evaluated epoch (patience > 0) */
    lgcn_checkpoint_fn ck_fn;
    void *ck_ctx;
    int ck_every;
    /* A step's phases run in one parallel region and meet here (see
     * lgcn_team.h); what thread 0 computes for the others between them: */
    lgcn_team team;
    int team_ok;
    adam_consts ac;      /* this step's Adam scalars */
    double loss;         /* the last batch's loss */
    uint64_t epoch_seed; /* this epoch's negative-sampling seed */
};

/* ---- RNG: xoshiro256** seeded by splitmix64 ----------------------------- */

void lgcn_rng_seed(lgcn_rng *r, uint64_t seed)
{
    for (int k = 0; k < 4; k++)
        r->s[k] = rs_splitmix64_next(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t lgcn_rng_next(lgcn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint32_t lgcn_rng_below(lgcn_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; the bias (< n / 2^32) is irrelevant here. */
    return (uint32_t)(((lgcn_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double lgcn_rng_normal(lgcn_rng *r)
{
    /* Box-Muller; one of the pair is discarded to keep the stream simple. */
    double u1 = ((double)(lgcn_rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(lgcn_rng_next(r) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- Construction ----------------------------------------------------- */

/* A zeroed table of n floats starting on a cache line: with d = 64 every
 * row is then exactly four lines (malloc's 16-byte alignment makes most
 * rows straddle five), which makes the SpMM's row gathers ~15 % faster. */
static float *table_alloc(size_t n)
{
    size_t bytes = ((n + 1) * sizeof(float) + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void lgcn_trainer_free(lgcn_trainer *t)
{
    if (!t)
        return;
    if (t->work)
        for (int k = 0; k < t->n_work; k++)
            free(t->work[k]);
    free(t->work);
    free(t->layer);
    free(t->ego);
    free(t->adam_m);
    free(t->adam_v);
    free(t->grad_f);
    free(t->reg_cnt);
    free(t->mark);
    free(t->rows);
    free(t->slot);
    free(t->fin);
    free(t->ego_sq);
    free(t->tri_loss);
    free(t->tri_gs);
    free(t->occ);
    free(t->occ_ptr);
    free(t->occ_fill);
    free(t->chunk_grad);
    free(t->pair_u);
    free(t->pair_i);
    free(t->perm);
    free(t->su);
    free(t->si);
    free(t->sj);
    free(t->best);
    if (t->team_ok)
        lgcn_team_destroy(&t->team);
    free(t);
}

rs_status lgcn_trainer_new(const lgcn_graph *g, const lgcn_hparams *hp, lgcn_trainer **out,
                           rs_error *err)
{
    *out = NULL;
    /* dim <= 4096: the batch loop keeps three final rows on the stack. */
    /* batch < 2^29: occurrence tags pack the triple index with 2 bits */
    if (hp->dim < 1 || hp->dim > 4096 || hp->layers < 0 || hp->batch < 1 || hp->batch > (1 << 29) ||
        hp->epochs < 0)
        return rs_error_set(err, RS_ERR_INVALID,
                            "lightgcn: bad hyper-parameters (dim %d, layers "
                            "%d, batch %d, epochs %d)",
                            hp->dim, hp->layers, hp->batch, hp->epochs);
    lgcn_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    t->g = g;
    t->hp = *hp;
    if (hp->steps_per_epoch > 0) {
        size_t steps = (size_t)hp->steps_per_epoch;
        size_t b = (g->n_edges + steps - 1) / steps;
        if (b > (1u << 29)) {
            free(t);
            return rs_error_set(err, RS_ERR_INVALID,
                                "lightgcn: steps_per_epoch %d gives batches "
                                "of %zu triples (at most 2^29)",
                                hp->steps_per_epoch, b);
        }
        t->hp.batch = b > 0 ? (int)b : 1;
    }
    if (t->hp.threads < 1)
        t->hp.threads = 1;
    size_t n = (size_t)g->n_nodes, d = (size_t)hp->dim, ne = g->n_edges;
    /* a batch touches at most 3 rows per triple and at most every node */
    size_t occs = 3 * (size_t)t->hp.batch, maxrows = occs < n ? occs : n;
    t->nd = n * d;
    t->ego = table_alloc(t->nd);
    t->adam_m = table_alloc(t->nd);
    t->adam_v = table_alloc(t->nd);
    t->grad_f = table_alloc(t->nd);
    t->reg_cnt = calloc(n + 1, sizeof *t->reg_cnt);
    t->mark = calloc(n + 1, 1);
    t->rows = malloc((maxrows + 1) * sizeof *t->rows);
    t->slot = malloc((n + 1) * sizeof *t->slot);
    t->fin = table_alloc(maxrows * d);
    t->ego_sq = malloc((maxrows + 1) * sizeof *t->ego_sq);
    t->tri_loss = malloc(((size_t)t->hp.batch + 1) * sizeof *t->tri_loss);
    t->tri_gs = malloc(((size_t)t->hp.batch + 1) * sizeof *t->tri_gs);
    t->occ = malloc((occs + 1) * sizeof *t->occ);
    t->occ_ptr = malloc((maxrows + 1) * sizeof *t->occ_ptr);
    t->occ_fill = malloc((maxrows + 1) * sizeof *t->occ_fill);
    t->chunk_grad = table_alloc((size_t)t->hp.threads * LGCN_ADAM_CHUNK * d);
    t->layer = calloc((size_t)hp->layers + 1, sizeof *t->layer);
    t->pair_u = malloc((ne + 1) * sizeof *t->pair_u);
    t->pair_i = malloc((ne + 1) * sizeof *t->pair_i);
    t->perm = malloc((ne + 1) * sizeof *t->perm);
    t->su = malloc((ne + 1) * sizeof *t->su);
    t->si = malloc((ne + 1) * sizeof *t->si);
    t->sj = malloc((ne + 1) * sizeof *t->sj);
    if (hp->patience > 0)
        t->best = table_alloc(t->nd);
    t->n_work = hp->layers - 1 > 2 ? hp->layers - 1 : 2;
    t->work = calloc((size_t)t->n_work, sizeof *t->work);
    int ok = t->ego && t->adam_m && t->adam_v && t->grad_f && t->work && t->reg_cnt && t->mark &&
             t->rows && t->slot && t->fin && t->ego_sq && t->layer && t->tri_loss && t->tri_gs &&
             t->occ && t->occ_ptr && t->occ_fill && t->chunk_grad && t->pair_u && t->pair_i &&
             t->perm && t->su && t->si && t->sj && (hp->patience <= 0 || t->best);
    if (ok)
        ok = t->team_ok = lgcn_team_init(&t->team) == 0;
    if (ok) {
        t->layer[0] = t->ego;
        for (int k = 0; k < t->n_work && ok; k++)
            ok = (t->work[k] = table_alloc(t->nd)) != NULL;
        /* layer K is never stored whole (see final_range) */
        for (int k = 1; k < hp->layers && ok; k++)
            t->layer[k] = t->work[k - 1];
        t->back_a = ok ? t->work[0] : NULL;
        t->back_b = ok ? t->work[1] : NULL;
    }
    if (!ok) {
        lgcn_trainer_free(t);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory for %d x %d embeddings",
                            g->n_nodes, hp->dim);
    }
    lgcn_rng_seed(&t->rng, hp->seed);
    for (size_t k = 0; k < t->nd; k++)
        t->ego[k] = (float)(hp->init_std * lgcn_rng_normal(&t->rng));
    size_t e = 0;
    for (int32_t u = 0; u < g->n_users; u++)
        for (size_t p = g->ptr[u]; p < g->ptr[u + 1]; p++, e++) {
            t->pair_u[e] = u;
            t->pair_i[e] = g->col[p] - g->n_users;
        }
    t->back = t->back_a;
    t->best_val_recall = NAN;
    *out = t;
    return RS_OK;
}

float *lgcn_trainer_ego(lgcn_trainer *t) { return t->ego; }
float *lgcn_trainer_adam_m(lgcn_trainer *t) { return t->adam_m; }
float *lgcn_trainer_adam_v(lgcn_trainer *t) { return t->adam_v; }
float *lgcn_trainer_best(lgcn_trainer *t) { return t->best; }
size_t lgcn_trainer_table_size(const lgcn_trainer *t) { return t->nd; }
const lgcn_hparams *lgcn_trainer_hparams(const lgcn_trainer *t) { return &t->hp; }
void lgcn_trainer_set_epochs(lgcn_trainer *t, int epochs) { t->hp.epochs = epochs; }

void lgcn_trainer_get_state(const lgcn_trainer *t, lgcn_run_state *s)
{
    s->epoch = t->epoch;
    s->step = t->step;
    memcpy(s->rng, t->rng.s, sizeof s->rng);
    s->best_epoch = t->best_epoch;
    s->since_best = t->since_best;
    s->best_val_recall = t->best_val_recall;
}

void lgcn_trainer_set_state(lgcn_trainer *t, const lgcn_run_state *s)
{
    t->epoch = s->epoch;
    t->step = (long)s->step;
    memcpy(t->rng.s, s->rng, sizeof s->rng);
    t->best_epoch = s->best_epoch;
    t->since_best = s->since_best;
    t->best_val_recall = s->best_val_recall;
}

void lgcn_trainer_on_checkpoint(lgcn_trainer *t, int every, lgcn_checkpoint_fn fn, void *ctx)
{
    t->ck_every = fn ? every : 0;
    t->ck_fn = fn;
    t->ck_ctx = ctx;
}

/* ---- One mini-batch ---------------------------------------------------- */

static void touch(lgcn_trainer *t, int32_t r)
{
    if (!t->mark[r]) {
        t->mark[r] = 1;
        t->slot[r] = (int32_t)t->n_rows;
        t->rows[t->n_rows++] = r;
    }
    t->reg_cnt[r] += 1.0f;
}

/* Rows handed to the fused final pass at a time: their layer-K rows
 * (16 KB at d = 64) are summed while still in L1. */
#define LGCN_FINAL_SUB 32

/* Final embeddings (mean of layers 0..K) and |E0|^2 of touched rows
 * k0..k1, into the compact buffers the loss loop reads. Layer K is needed
 * only on these rows, so it is computed here straight into fin (never
 * stored as a table) and summed with layers 0..K-1 while hot. */
LGCN_CLONES
static void final_range(const lgcn_graph *g, float *restrict fin, double *restrict ego_sq,
                        float *const *layer, const int32_t *rows, int d, int K, size_t k0,
                        size_t k1)
{
    float inv = 1.0f / (float)(K + 1);
    /* |E0_r|^2 is a serial double sum per row (its order fixes the loss's
     * bits), so one row is a chain of d dependent adds; four rows at once
     * give the core four independent chains, each summed in the same
     * order as one row alone. */
    size_t k = k0;
    for (; k + 4 <= k1; k += 4) {
        const float *s0 = layer[0] + (size_t)rows[k] * d;
        const float *s1 = layer[0] + (size_t)rows[k + 1] * d;
        const float *s2 = layer[0] + (size_t)rows[k + 2] * d;
        const float *s3 = layer[0] + (size_t)rows[k + 3] * d;
        double q0 = 0.0, q1 = 0.0, q2 = 0.0, q3 = 0.0;
        for (int c = 0; c < d; c++) {
            q0 += (double)s0[c] * s0[c];
            q1 += (double)s1[c] * s1[c];
            q2 += (double)s2[c] * s2[c];
            q3 += (double)s3[c] * s3[c];
        }
        ego_sq[k] = q0;
        ego_sq[k + 1] = q1;
        ego_sq[k + 2] = q2;
        ego_sq[k + 3] = q3;
    }
    for (; k < k1; k++) {
        const float *src = layer[0] + (size_t)rows[k] * d;
        double sq = 0.0;
        for (int c = 0; c < d; c++)
            sq += (double)src[c] * src[c];
        ego_sq[k] = sq;
    }
    for (size_t s0 = k0; s0 < k1; s0 += LGCN_FINAL_SUB) {
        size_t s1 = s0 + LGCN_FINAL_SUB < k1 ? s0 + LGCN_FINAL_SUB : k1;
        if (K >= 1)
            lgcn_spmm_gather(g, layer[K - 1], fin + s0 * (size_t)d, d, rows, s0, s1);
        for (k = s0; k < s1; k++) {
            size_t r = (size_t)rows[k];
            float *out = fin + k * (size_t)d; /* holds layer K (if K > 0) */
            const float *src = layer[0] + r * d;
            if (d == 64) {
                /* The same per-element adds in the same order as the
                 * generic loop, 8 lanes at a time (that loop ends up
                 * scalar: runtime d, aliasing between the layers and fin). */
                for (int q = 0; q < 64; q += 8) {
                    lgcn_v8 acc = lgcn_v8_load(src + q);
                    for (int l = 1; l < K; l++)
                        acc += lgcn_v8_load(layer[l] + r * 64 + q);
                    if (K >= 1)
                        acc += lgcn_v8_load(out + q);
                    lgcn_v8_store(out + q, acc * inv);
                }
                continue;
            }
            for (int c = 0; c < d; c++) {
                float a = src[c];
                for (int l = 1; l <= K; l++)
                    a += l < K ? layer[l][r * d + (size_t)c] : out[c];
                out[c] = a * inv;
            }
        }
    }
}

static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* Triple s = (ru, ri, rj) in node indexing: its BPR loss softplus(x)
 * with x = F_u . (F_j - F_i), and sigmoid(x) / n, the weight of its
 * gradient terms. */
static void score_triple(lgcn_trainer *t, int32_t ru, int32_t ri, int32_t rj, double inv_n,
                         size_t s)
{
    int d = t->hp.dim;
    const float *fu = t->fin + (size_t)t->slot[ru] * d;
    const float *fi = t->fin + (size_t)t->slot[ri] * d;
    const float *fj = t->fin + (size_t)t->slot[rj] * d;
    double x = 0.0;
    for (int c = 0; c < d; c++)
        x += (double)fu[c] * ((double)fj[c] - fi[c]);
    t->tri_loss[s] = softplus(x);
    t->tri_gs[s] = (float)(inv_n / (1.0 + exp(-x))); /* sigmoid(x) / n */
}

/* Occurrence lists: for touched row k, occ[occ_ptr[k] .. occ_ptr[k+1])
 * holds (triple << 2 | role) in triple order, role 0 = user, 1 = positive,
 * 2 = negative. A counting sort on the slots touch() assigned. */
static void group_occurrences(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                              size_t n)
{
    int32_t nu = t->g->n_users;
    size_t *fill = t->occ_fill;
    t->occ_ptr[0] = 0;
    for (size_t k = 0; k < t->n_rows; k++) {
        fill[k] = t->occ_ptr[k];
        t->occ_ptr[k + 1] = t->occ_ptr[k] + (size_t)t->reg_cnt[t->rows[k]];
    }
    for (size_t s = 0; s < n; s++) {
        uint32_t tag = (uint32_t)s << 2;
        t->occ[fill[t->slot[u[s]]]++] = tag;
        t->occ[fill[t->slot[nu + i[s]]]++] = tag | 1u;
        t->occ[fill[t->slot[nu + j[s]]]++] = tag | 2u;
    }
}

/* dL/dF for touched rows k0..k1 (each written whole): each row's terms
 * added in triple order, the same fused multiply-adds a serial scatter
 * over the triples does. */
LGCN_CLONES
static void grad_rows(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                      size_t k0, size_t k1)
{
    int d = t->hp.dim;
    int32_t nu = t->g->n_users;
    const float *fin = t->fin;
    for (size_t k = k0; k < k1; k++) {
        float *restrict out = t->grad_f + (size_t)t->rows[k] * d;
        memset(out, 0, (size_t)d * sizeof *out);
        for (size_t o = t->occ_ptr[k]; o < t->occ_ptr[k + 1]; o++) {
            uint32_t s = t->occ[o] >> 2, role = t->occ[o] & 3u;
            float gs = t->tri_gs[s];
            const float *restrict fu = fin + (size_t)t->slot[u[s]] * d;
            if (role == 0) {
                const float *restrict fi = fin + (size_t)t->slot[nu + i[s]] * d;
                const float *restrict fj = fin + (size_t)t->slot[nu + j[s]] * d;
                for (int c = 0; c < d; c++)
                    out[c] += gs * (fj[c] - fi[c]);
            } else if (role == 1) {
                for (int c = 0; c < d; c++)
                    out[c] -= gs * fu[c];
            } else {
                for (int c = 0; c < d; c++)
                    out[c] += gs * fu[c];
            }
        }
    }
}

/* ---- A step's phases on a team ------------------------------------------ *
 * Every function below taking a team runs on every thread of one parallel
 * region (lgcn_team.h) and ends at a lgcn_team_sync; `me` is the thread's
 * index, and thread 0 does the serial bookkeeping between phases. Chunks
 * are claimed dynamically (a user row costs ~15x an item row, and a
 * preempted thread then holds back one chunk, not a static share); which
 * thread runs a chunk never changes its arithmetic. */

/* Rows of a whole-graph SpMM per claim (and per claim of the fused Adam
 * pass, in LGCN_ADAM_CHUNK pieces). */
#define LGCN_SPMM_CLAIM 256
/* Triples per claim of the scoring pass. */
#define LGCN_SCORE_CLAIM 256

static size_t chunks_of(size_t n, size_t per) { return (n + per - 1) / per; }

/* y = A x (+ base), masked as lgcn_spmm_masked, over all rows. */
static void team_spmm(lgcn_team *tm, const lgcn_graph *g, const float *x, const uint8_t *nz,
                      const float *base, const uint8_t *base_nz, float *y, int d)
{
    size_t rows = (size_t)g->n_nodes, c;
    size_t chunks = chunks_of(rows, LGCN_SPMM_CLAIM);
    while (lgcn_team_claim(tm, chunks, &c)) {
        size_t r0 = c * LGCN_SPMM_CLAIM;
        size_t r1 = r0 + LGCN_SPMM_CLAIM < rows ? r0 + LGCN_SPMM_CLAIM : rows;
        /* compact output starting at row r0 is y itself from r0 on */
        lgcn_spmm_chunk(g, x, nz, base, base_nz, y + r0 * (size_t)d, d, r0, r1);
    }
    lgcn_team_sync(tm);
}

/* A row-wise pass over the batch's touched rows, 2 x LGCN_FINAL_SUB rows
 * per claim: a user row costs ~15x an item row and both kinds are mixed in
 * touch order. */
typedef enum { PASS_FINAL, PASS_GRAD } touched_pass;

static void team_touched_rows(lgcn_trainer *t, lgcn_team *tm, touched_pass pass, const int32_t *u,
                              const int32_t *i, const int32_t *j)
{
    size_t per = 2 * LGCN_FINAL_SUB, c;
    size_t chunks = chunks_of(t->n_rows, per);
    while (lgcn_team_claim(tm, chunks, &c)) {
        size_t k0 = c * per;
        size_t k1 = k0 + per < t->n_rows ? k0 + per : t->n_rows;
        if (pass == PASS_FINAL)
            final_range(t->g, t->fin, t->ego_sq, t->layer, t->rows, t->hp.dim, t->hp.layers, k0,
                        k1);
        else
            grad_rows(t, u, i, j, k0, k1);
    }
    lgcn_team_sync(tm);
}

/* Thread 0, before a batch's phases: clear the previous batch's sparse
 * state (only its rows), mark this batch's rows and group their
 * occurrences. Rows of dL/dF are read only where this batch's mark is set
 * (every SpMM masks them), and grad_rows writes those whole, except with
 * K = 0, where Adam reads dL/dF densely. */
static void batch_prelude(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                          size_t n)
{
    int d = t->hp.dim, K = t->hp.layers;
    int32_t nu = t->g->n_users;
    for (size_t k = 0; k < t->n_rows; k++) {
        int32_t r = t->rows[k];
        if (K == 0)
            memset(t->grad_f + (size_t)r * d, 0, (size_t)d * sizeof(float));
        t->reg_cnt[r] = 0.0f;
        t->mark[r] = 0;
    }
    t->n_rows = 0;
    for (size_t s = 0; s < n; s++) {
        touch(t, u[s]);
        touch(t, nu + i[s]);
        touch(t, nu + j[s]);
    }
    /* needs only the slots and counts: done here, off the phases */
    group_occurrences(t, u, i, j, n);
    t->batch_n = n;
}

/* Forward, loss and dL/dF on the batch rows, after batch_prelude; the
 * loss lands in t->loss (thread 0). */
static void team_loss(lgcn_trainer *t, lgcn_team *tm, int me, const int32_t *u, const int32_t *i,
                      const int32_t *j, size_t n)
{
    const lgcn_graph *g = t->g;
    int d = t->hp.dim, K = t->hp.layers;
    int32_t nu = g->n_users;

    /* Forward: layers 1..K-1 over the whole graph; layer K is needed only
     * where the loss reads it (the batch's rows): the final pass makes it. */
    for (int k = 1; k < K; k++)
        team_spmm(tm, g, t->layer[k - 1], NULL, NULL, NULL, t->layer[k], d);

    /* Final rows once per touched node (users recur across a batch). */
    team_touched_rows(t, tm, PASS_FINAL, u, i, j);

    /* BPR loss and dL/dF on the batch rows, in parallel but with the
     * arithmetic (and so the bits) of one serial pass over the triples:
     * scores per triple, the loss summed in triple order, then each row's
     * gradient summed over its occurrences in triple order. */
    double inv_n = 1.0 / (double)n;
    size_t c, chunks = chunks_of(n, LGCN_SCORE_CLAIM);
    while (lgcn_team_claim(tm, chunks, &c)) {
        size_t s1 = (c + 1) * LGCN_SCORE_CLAIM < n ? (c + 1) * LGCN_SCORE_CLAIM : n;
        for (size_t s = c * LGCN_SCORE_CLAIM; s < s1; s++)
            score_triple(t, u[s], nu + i[s], nu + j[s], inv_n, s);
    }
    lgcn_team_sync(tm);
    if (me == 0) { /* serial sums, in a fixed order, while others start */
        double bpr = 0.0, reg = 0.0;
        for (size_t s = 0; s < n; s++)
            bpr += t->tri_loss[s];
        /* The L2 term counts a row once per occurrence in the batch. */
        for (size_t k = 0; k < t->n_rows; k++)
            reg += (double)t->reg_cnt[t->rows[k]] * t->ego_sq[k];
        t->loss = bpr * inv_n + t->hp.decay * 0.5 * reg * inv_n;
    }
    team_touched_rows(t, tm, PASS_GRAD, u, i, j);
}

/*
 * Backward: F = (1/(K+1)) sum_k A^k E0 and A is symmetric, so
 * dL/dE0 = (1/(K+1)) sum_k A^k dL/dF, evaluated Horner-style as
 * G + A(G + A(G + A G)) with K SpMMs (base = G fused in the kernel). This
 * runs all but the last product and returns its input; *next is where the
 * last one writes. The first product reads only the batch's rows of G
 * (the rest are zero), hence the mask.
 */
static const float *team_backward_prefix(lgcn_trainer *t, lgcn_team *tm, float **next)
{
    int d = t->hp.dim, K = t->hp.layers;
    const float *cur = t->grad_f;
    *next = t->back_a;
    for (int k = 0; k + 1 < K; k++) {
        team_spmm(tm, t->g, cur, k == 0 ? t->mark : NULL, t->grad_f, t->mark, *next, d);
        cur = *next;
        *next = *next == t->back_a ? t->back_b : t->back_a;
    }
    return cur;
}

/* The threads for a region of `want`: no more than this process may run
 * on (two threads on one allowed core only take turns at every barrier).
 * Results do not depend on it. */
static int team_size(int want)
{
    cpu_set_t set;
    if (want > 1 && sched_getaffinity(0, sizeof set, &set) == 0) {
        int cores = CPU_COUNT(&set);
        if (cores >= 1 && cores < want)
            return cores;
    }
    return want > 1 ? want : 1;
}

double lgcn_trainer_batch(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                          size_t n)
{
    int nt = team_size(t->hp.threads);
    batch_prelude(t, u, i, j, n);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        lgcn_team *tm = &t->team;
        int me = lgcn_team_join(tm);
        team_loss(t, tm, me, u, i, j, n);
        float *next;
        const float *cur = team_backward_prefix(t, tm, &next);
        if (t->hp.layers >= 1) {
            team_spmm(tm, t->g, cur, t->hp.layers == 1 ? t->mark : NULL, t->grad_f, t->mark, next,
                      t->hp.dim);
            cur = next;
        }
        if (me == 0)
            t->back = cur;
    }
    return t->loss;
}

/* dL/dE0 for row r: the propagated BPR gradient plus the L2 term, which
 * counts a row once per occurrence in the batch (as the reference's
 * norm over the gathered batch embeddings does). */
static inline void grad_row(const float *restrict back, const float *restrict ego, float reg_cnt,
                            float scale, float reg_coef, int d, float *restrict out)
{
    float rc = reg_cnt * reg_coef;
    for (int c = 0; c < d; c++)
        out[c] = back[c] * scale + rc * ego[c];
}

void lgcn_trainer_grad(const lgcn_trainer *t, float *out)
{
    if (!t->back) /* after lgcn_trainer_step: no whole table to read */
        return;
    int d = t->hp.dim;
    float scale = 1.0f / (float)(t->hp.layers + 1);
    float reg_coef = (float)(t->hp.decay / (double)t->batch_n);
    for (int32_t r = 0; r < t->g->n_nodes; r++)
        grad_row(t->back + (size_t)r * d, t->ego + (size_t)r * d, t->reg_cnt[r], scale, reg_coef, d,
                 out + (size_t)r * d);
}

/* PyTorch's Adam (no weight decay, no amsgrad) on rows r0..r1. */
LGCN_CLONES
static void adam_range(float *restrict p, float *restrict m, float *restrict v,
                       const float *restrict back, size_t back_r0, const float *restrict cnt,
                       float scale, float reg_coef, float step, float inv_sqrt_bc2, int d,
                       size_t r0, size_t r1)
{
    const float b1 = (float)LGCN_ADAM_B1, b2 = (float)LGCN_ADAM_B2;
    const float eps = (float)LGCN_ADAM_EPS;
    for (size_t r = r0; r < r1; r++) {
        float *pr = p + r * d, *mr = m + r * d, *vr = v + r * d;
        const float *br = back + (r - back_r0) * d;
        float rc = cnt[r] * reg_coef;
        for (int c = 0; c < d; c++) {
            float gr = br[c] * scale + rc * pr[c];
            mr[c] = b1 * mr[c] + (1.0f - b1) * gr;
            vr[c] = b2 * vr[c] + (1.0f - b2) * gr * gr;
            pr[c] -= step * mr[c] / (sqrtf(vr[c]) * inv_sqrt_bc2 + eps);
        }
    }
}

/* Advance the step counter and derive this step's scalars. */
static adam_consts adam_begin(lgcn_trainer *t)
{
    t->step++;
    double bc1 = 1.0 - pow(LGCN_ADAM_B1, (double)t->step);
    double bc2 = 1.0 - pow(LGCN_ADAM_B2, (double)t->step);
    return (adam_consts){(float)(t->hp.lr / bc1), (float)(1.0 / sqrt(bc2)),
                         1.0f / (float)(t->hp.layers + 1),
                         (float)(t->hp.decay / (double)t->batch_n)};
}

void lgcn_trainer_adam_step(lgcn_trainer *t)
{
    if (!t->back)
        return;
    int d = t->hp.dim, nt = t->hp.threads;
    adam_consts a = adam_begin(t);
    size_t n = (size_t)t->g->n_nodes;
    long chunks = (long)((n + LGCN_ADAM_CHUNK - 1) / LGCN_ADAM_CHUNK);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (long c = 0; c < chunks; c++) {
        size_t r0 = (size_t)c * LGCN_ADAM_CHUNK;
        size_t r1 = r0 + LGCN_ADAM_CHUNK < n ? r0 + LGCN_ADAM_CHUNK : n;
        adam_range(t->ego, t->adam_m, t->adam_v, t->back, 0, t->reg_cnt, a.scale, a.reg_coef,
                   a.step, a.inv_sqrt_bc2, d, r0, r1);
    }
}

/* The training step: the same arithmetic as lgcn_trainer_batch followed by
 * lgcn_trainer_adam_step, but the last backward product and Adam run
 * chunk by chunk: each chunk's gradient rows go to a per-thread buffer
 * that stays in L1 and are consumed at once, so the last product's table
 * is never written (nor read back) through memory. On every thread of a
 * team; the loss lands in t->loss. */
static void team_step(lgcn_trainer *t, lgcn_team *tm, int me, const int32_t *u, const int32_t *i,
                      const int32_t *j, size_t n)
{
    const lgcn_graph *g = t->g;
    int d = t->hp.dim, K = t->hp.layers;
    if (me == 0) {
        batch_prelude(t, u, i, j, n);
        t->ac = adam_begin(t);
    }
    lgcn_team_sync(tm);
    team_loss(t, tm, me, u, i, j, n);
    float *next;
    const float *cur = team_backward_prefix(t, tm, &next);
    const uint8_t *nz = K == 1 ? t->mark : NULL;
    adam_consts a = t->ac;
    size_t rows = (size_t)g->n_nodes, c;
    size_t chunks = chunks_of(rows, LGCN_SPMM_CLAIM);
    float *buf = t->chunk_grad + (size_t)me * LGCN_ADAM_CHUNK * (size_t)d;
    while (lgcn_team_claim(tm, chunks, &c)) {
        size_t end = (c + 1) * LGCN_SPMM_CLAIM < rows ? (c + 1) * LGCN_SPMM_CLAIM : rows;
        for (size_t r0 = c * LGCN_SPMM_CLAIM; r0 < end; r0 += LGCN_ADAM_CHUNK) {
            size_t r1 = r0 + LGCN_ADAM_CHUNK < end ? r0 + LGCN_ADAM_CHUNK : end;
            const float *back = t->grad_f; /* K == 0: dL/dE0 is dL/dF */
            size_t back_r0 = 0;
            if (K >= 1) {
                lgcn_spmm_chunk(g, cur, nz, t->grad_f, t->mark, buf, d, r0, r1);
                back = buf;
                back_r0 = r0;
            }
            adam_range(t->ego, t->adam_m, t->adam_v, back, back_r0, t->reg_cnt, a.scale, a.reg_coef,
                       a.step, a.inv_sqrt_bc2, d, r0, r1);
        }
    }
    lgcn_team_sync(tm);
}

double lgcn_trainer_step(lgcn_trainer *t, const int32_t *u, const int32_t *i, const int32_t *j,
                         size_t n)
{
    int nt = team_size(t->hp.threads);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        lgcn_team *tm = &t->team;
        team_step(t, tm, lgcn_team_join(tm), u, i, j, n);
    }
    t->back = NULL; /* no whole gradient table: see lgcn_trainer_grad */
    return t->loss;
}

/* ---- Epochs ------------------------------------------------------------ */

static int user_has(const lgcn_graph *g, int32_t u, int32_t item)
{
    int32_t node = g->n_users + item;
    return rs_sorted_contains(g->col + g->ptr[u], g->ptr[u + 1] - g->ptr[u], node);
}

/* Positions per negative-sampling block: each block draws from its own
 * generator, seeded from the epoch's stream and the block's index, so the
 * negatives are the same whatever the thread count. */
#define LGCN_SAMPLE_BLOCK 4096

/* A uniform negative for u: rejection sampling; a user who rated (nearly)
 * everything could loop for long, so give up after a bounded number of
 * draws. */
static int32_t draw_negative(const lgcn_graph *g, lgcn_rng *rng, int32_t u)
{
    int32_t j = 0;
    for (int tries = 0; tries < 64; tries++) {
        j = (int32_t)lgcn_rng_below(rng, (uint32_t)g->n_items);
        if (!user_has(g, u, j))
            break;
    }
    return j;
}

/* Triple e of the epoch, drawn from the block's generator. per_positive:
 * the perm[e]-th positive. user_uniform (the reference's scheme): a user
 * drawn uniformly (every graph user has a positive: users without one are
 * not nodes), then one of their positives uniformly. */
static void draw_triple(lgcn_trainer *t, lgcn_rng *rng, size_t e)
{
    const lgcn_graph *g = t->g;
    int32_t u, i;
    if (t->hp.sampling == LGCN_SAMPLE_USER_UNIFORM) {
        u = (int32_t)lgcn_rng_below(rng, (uint32_t)g->n_users);
        size_t p0 = g->ptr[u], deg = g->ptr[u + 1] - p0;
        size_t p = p0 + (deg > 1 ? lgcn_rng_below(rng, (uint32_t)deg) : 0);
        i = g->col[p] - g->n_users;
    } else {
        u = t->pair_u[t->perm[e]];
        i = t->pair_i[t->perm[e]];
    }
    t->su[e] = u;
    t->si[e] = i;
    t->sj[e] = draw_negative(g, rng, u);
}

/* One epoch's triples, one uniform negative each: per positive (every
 * positive once, in a fresh random order) or user-uniform. On every
 * thread of a team. */
static void team_sample(lgcn_trainer *t, lgcn_team *tm, int me)
{
    size_t ne = t->g->n_edges;
    if (me == 0) {
        if (t->hp.sampling != LGCN_SAMPLE_USER_UNIFORM) {
            for (size_t e = 0; e < ne; e++)
                t->perm[e] = (uint32_t)e;
            for (size_t e = ne; e > 1; e--) {
                uint32_t k = lgcn_rng_below(&t->rng, (uint32_t)e);
                uint32_t tmp = t->perm[e - 1];
                t->perm[e - 1] = t->perm[k];
                t->perm[k] = tmp;
            }
        }
        t->epoch_seed = lgcn_rng_next(&t->rng);
    }
    lgcn_team_sync(tm);
    size_t b, blocks = chunks_of(ne, LGCN_SAMPLE_BLOCK);
    while (lgcn_team_claim(tm, blocks, &b)) {
        lgcn_rng rng;
        lgcn_rng_seed(&rng, t->epoch_seed + 0x9e3779b97f4a7c15ull * (uint64_t)b);
        size_t e0 = b * LGCN_SAMPLE_BLOCK;
        size_t e1 = e0 + LGCN_SAMPLE_BLOCK < ne ? e0 + LGCN_SAMPLE_BLOCK : ne;
        for (size_t e = e0; e < e1; e++)
            draw_triple(t, &rng, e);
    }
    lgcn_team_sync(tm);
}

/*
 * The team keeps its size under load. An adaptive team (halve it when its
 * threads were on a core less than half the epoch, grow it back by trial)
 * was tried and measured on an idle 16-core machine pinned to 2 cores with
 * two competing CPU-bound threads: 3.5x the quiet epoch, against 2.5-2.7x
 * for the fixed team. A lone thread shares a core with a competitor for
 * as long as the scheduler leaves it there (0.5 core), and every trial of
 * the larger team is an epoch of barrier waits; two threads get a fair
 * share of both cores (docs/results-lightgcn.md).
 */

/* One epoch, sampling included, in one parallel region: its loss (mean
 * over batches), the seconds spent sampling and the team's size. */
static double run_epoch(lgcn_trainer *t, double *sample_secs, int *team)
{
    size_t ne = t->g->n_edges, bs = (size_t)t->hp.batch;
    int nt = team_size(t->hp.threads);
    double loss = 0.0, t0 = now_seconds();
    size_t nb = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        lgcn_team *tm = &t->team;
        int me = lgcn_team_join(tm);
        team_sample(t, tm, me);
        if (me == 0)
            *sample_secs = now_seconds() - t0;
        for (size_t b = 0; b < ne; b += bs) {
            team_step(t, tm, me, t->su + b, t->si + b, t->sj + b, ne - b < bs ? ne - b : bs);
            if (me == 0) {
                loss += t->loss;
                nb++;
            }
        }
    }
    *team = atomic_load(&t->team.n);
    t->back = NULL;
    return loss / (double)nb;
}

/* Early stopping's evaluation after epoch ep: Recall@20 on val, the best
 * epoch's E0 kept aside. Returns 1 when patience has run out. */
static int evaluate_epoch(lgcn_trainer *t, const lgcn_pos *val, float *final, int ep,
                          lgcn_epoch_info *info)
{
    const lgcn_hparams *hp = &t->hp;
    info->val_recall = lgcn_recall20(t->g, final, hp->dim, val, hp->threads);
    int stop = 0;
    if (t->best_epoch == 0 || info->val_recall > t->best_val_recall) {
        t->best_val_recall = info->val_recall;
        t->best_epoch = ep;
        memcpy(t->best, t->ego, t->nd * sizeof *t->best);
        t->since_best = 0;
    } else if (++t->since_best >= hp->patience) {
        stop = 1;
    }
    info->best_epoch = t->best_epoch;
    return stop;
}

rs_status lgcn_trainer_run(lgcn_trainer *t, const lgcn_pos *val, lgcn_progress_fn progress,
                           void *ctx, lgcn_train_report *rep, rs_error *err)
{
    const lgcn_graph *g = t->g;
    const lgcn_hparams *hp = &t->hp;
    int d = hp->dim;
    int early = val && hp->patience > 0 && t->best;
    int every = hp->eval_every > 0 ? hp->eval_every : 1;
    float *final = NULL;
    rs_status st = RS_OK;
    memset(rep, 0, sizeof *rep);
    if (g->n_edges == 0 || g->n_items < 2)
        return rs_error_set(err, RS_ERR_INVALID,
                            "lightgcn: nothing to train on (%zu positives, %d "
                            "items)",
                            g->n_edges, g->n_items);
    if (early && !(final = malloc((t->nd + 1) * sizeof *final)))
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    double total_secs = 0.0;
    int run_here = 0;
    rep->epochs_run = t->epoch;
    for (int ep = t->epoch + 1; ep <= hp->epochs; ep++) {
        double t0 = now_seconds(), sample_secs = 0.0;
        int team = 1;
        double loss = run_epoch(t, &sample_secs, &team);
        rep->sample_seconds += sample_secs;
        double secs = now_seconds() - t0;
        total_secs += secs;
        run_here++;
        lgcn_epoch_info info = {ep, hp->epochs, loss, secs, NAN, t->best_epoch, team};
        t->epoch = ep;
        rep->epochs_run = ep;
        rep->final_loss = info.loss;
        int stop = 0;
        if (early && (ep % every == 0 || ep == hp->epochs)) {
            if ((st = lgcn_propagate(g, t->ego, d, hp->layers, NULL, final, hp->threads, err)) !=
                RS_OK)
                goto out;
            stop = evaluate_epoch(t, val, final, ep, &info);
        }
        if (progress)
            progress(ctx, &info);
        /* After the evaluation, so a resumed run sees the same best epoch
         * and patience count an uninterrupted one would. */
        if (t->ck_fn && (ep % t->ck_every == 0 || ep == hp->epochs || stop) &&
            (st = t->ck_fn(t->ck_ctx, t, err)) != RS_OK)
            goto out;
        if (stop)
            break;
    }
    if (early && t->best_epoch > 0)
        memcpy(t->ego, t->best, t->nd * sizeof *t->best);
    rep->best_epoch = early && t->best_epoch > 0 ? t->best_epoch : rep->epochs_run;
    rep->best_val_recall = early ? t->best_val_recall : NAN;
    rep->mean_epoch_seconds = run_here ? total_secs / run_here : 0.0;
out:
    free(final);
    return st;
}

/* ---- Inference helpers -------------------------------------------------- */

rs_status lgcn_propagate(const lgcn_graph *g, const float *ego, int d, int K, float *layers,
                         float *final, int threads, rs_error *err)
{
    size_t nd = (size_t)g->n_nodes * (size_t)d;
    float *a = table_alloc(nd), *b = table_alloc(nd);
    if (!a || !b) {
        free(a);
        free(b);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    memcpy(final, ego, nd * sizeof *final);
    if (layers)
        memcpy(layers, ego, nd * sizeof *layers);
    const float *cur = ego;
    for (int k = 1; k <= K; k++) {
        float *next = (k & 1) ? a : b;
        lgcn_spmm(g, cur, NULL, next, d, threads);
        for (size_t x = 0; x < nd; x++)
            final[x] += next[x];
        if (layers)
            memcpy(layers + (size_t)k * nd, next, nd * sizeof *layers);
        cur = next;
    }
    float inv = 1.0f / (float)(K + 1);
    for (size_t x = 0; x < nd; x++)
        final[x] *= inv;
    free(a);
    free(b);
    return RS_OK;
}

double lgcn_recall20(const lgcn_graph *g, const float *final, int d, const lgcn_pos *heldout,
                     int threads)
{
    int32_t nu = g->n_users, ni = g->n_items;
    double sum = 0.0;
    long users = 0;
    double *per = calloc((size_t)nu + 1, sizeof *per);
    if (!per)
        return NAN;
    if (threads < 1)
        threads = 1;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 8) if (threads > 1)
    for (int32_t u = 0; u < nu; u++) {
        size_t h0 = heldout->ptr[u], h1 = heldout->ptr[u + 1];
        if (h0 == h1) {
            per[u] = -1.0;
            continue;
        }
        rs_scored store[LGCN_RECALL_K];
        rs_topk top;
        rs_topk_init(&top, store, LGCN_RECALL_K);
        const float *fu = final + (size_t)u * d;
        for (int32_t i = 0; i < ni; i++) {
            if (user_has(g, u, i))
                continue;
            const float *fi = final + (size_t)(nu + i) * d;
            float s = 0.0f;
            for (int c = 0; c < d; c++)
                s += fu[c] * fi[c];
            rs_topk_push(&top, i, s);
        }
        size_t n = rs_topk_finish(&top), hits = 0;
        for (size_t k = 0; k < n; k++)
            hits += rs_sorted_contains(heldout->item + h0, h1 - h0, store[k].item);
        per[u] = (double)hits / (double)(h1 - h0);
    }
    for (int32_t u = 0; u < nu; u++)
        if (per[u] >= 0.0) {
            sum += per[u];
            users++;
        }
    free(per);
    return users ? sum / (double)users : NAN;
}

rs_status lgcn_split_validation(const lgcn_pos *all, double frac, uint64_t seed, lgcn_pos *train,
                                lgcn_pos *val, rs_error *err)
{
    int32_t nu = all->n_users;
    size_t ne = all->ptr[nu];
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    train->n_users = val->n_users = nu;
    train->n_items = val->n_items = all->n_items;
    train->ptr = calloc((size_t)nu + 1, sizeof *train->ptr);
    val->ptr = calloc((size_t)nu + 1, sizeof *val->ptr);
    train->item = malloc((ne + 1) * sizeof *train->item);
    val->item = malloc((ne + 1) * sizeof *val->item);
    uint8_t *held = calloc(ne + 1, 1);
    uint32_t *idx = malloc((ne + 1) * sizeof *idx);
    if (!train->ptr || !val->ptr || !train->item || !val->item || !held || !idx) {
        free(held);
        free(idx);
        lgcn_pos_free(train);
        lgcn_pos_free(val);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    lgcn_rng rng;
    lgcn_rng_seed(&rng, seed ^ 0x76616c69646174ull); /* "validat" */
    size_t nt = 0, nv = 0;
    for (int32_t u = 0; u < nu; u++) {
        size_t p0 = all->ptr[u], deg = all->ptr[u + 1] - p0;
        size_t take = (size_t)(frac * (double)deg + 0.5);
        if (frac > 0.0 && take == 0)
            take = 1;
        if (deg < 2)
            take = 0;
        else if (take >= deg)
            take = deg - 1;
        /* Partial Fisher-Yates over the row's offsets picks `take` of them. */
        for (size_t k = 0; k < deg; k++)
            idx[k] = (uint32_t)k;
        for (size_t k = 0; k < take; k++) {
            size_t r = k + lgcn_rng_below(&rng, (uint32_t)(deg - k));
            uint32_t tmp = idx[k];
            idx[k] = idx[r];
            idx[r] = tmp;
            held[p0 + idx[k]] = 1;
        }
        for (size_t k = 0; k < deg; k++) {
            if (held[p0 + k])
                val->item[nv++] = all->item[p0 + k];
            else
                train->item[nt++] = all->item[p0 + k];
        }
        train->ptr[u + 1] = nt;
        val->ptr[u + 1] = nv;
    }
    free(held);
    free(idx);
    return RS_OK;
}
