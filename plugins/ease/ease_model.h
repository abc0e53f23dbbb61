/*
 * EASE model (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data",
 * WWW 2019): one dense item-item weight matrix B over the CF subset,
 *
 *     P = (X'X + lambda I)^-1,   B = I - P diag(1 / diag(P)),  diag(B) = 0,
 *
 * X the binary user x item matrix of positives (rating >= threshold). A
 * user's score for item i is sum over their positives x of B[x][i], so a
 * new user needs nothing but their ratings: there is no user state at all.
 *
 * Thread contract: ease_model_fit/index/free run on one thread; a model
 * that was fitted or loaded and indexed is immutable and may be read by any
 * number of threads.
 */
#ifndef EASE_MODEL_H
#define EASE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <recsys/plugin.h>

typedef struct ease_model {
    int32_t n;        /* items in the model (the CF subset at fit time) */
    float threshold;  /* ratings >= this were positives */
    double lambda;    /* L2 weight on B */
    uint64_t n_users; /* training users with at least one positive */
    uint64_t n_positives;
    int64_t *movie;  /* [n] external movieId of model item j */
    uint32_t *count; /* [n] training positives of model item j */
    float *B;        /* [n * n] row-major; row x = x's weight on every item */

    /* Derived by ease_model_index from the catalogue; not persisted. */
    int32_t n_catalogue;
    int32_t *item_cat; /* [n] model item -> catalogue index */
    int32_t *cat_item; /* [n_catalogue] catalogue index -> model item or -1 */
    int32_t *by_count; /* [n] model items, most positives first */
    int32_t *pop_rank; /* [n] model item -> its position in by_count */
} ease_model;

/* Hyperparameters of one fit. */
typedef struct ease_params {
    double lambda;
    float threshold;
    int64_t max_items;
} ease_params;

/* Bytes of the dense matrix while fitting (double) and serving (float32)
 * for an n-item subset, or 0 when that would overflow size_t. */
size_t ease_fit_bytes(int64_t n);
size_t ease_serve_bytes(int64_t n);

/* Fill err with the refusal for n items above max_items (the memory they
 * would need and what to change); `what` names them ("the CF subset").
 * Returns RS_ERR_CONFIG. */
rs_status ease_refuse_size(const char *what, int64_t n, int64_t max_items, rs_error *err);

/* Allocate an n-item model with zeroed arrays (B included). */
rs_status ease_model_alloc(int32_t n, ease_model **out, rs_error *err);
void ease_model_free(ease_model *m);

/* Fit on `data`'s CF subset. `progress` may be NULL. On failure *out stays
 * NULL. The factorisation runs in the calling thread plus OpenBLAS's pool. */
typedef void (*ease_progress_fn)(void *ctx, const char *step, double done, double total);
rs_status ease_model_fit(const rs_dataset *data, const ease_params *p, ease_progress_fn progress,
                         void *ctx, ease_model **out, rs_error *err);

/* Map the model's movie ids onto `data`'s catalogue (after fit or load).
 * Fails, leaving the model unindexed, when a movie id is missing from the
 * catalogue or appears twice. */
rs_status ease_model_index(ease_model *m, const rs_dataset *data, rs_error *err);

#endif /* EASE_MODEL_H */
