/*
 * A trained LightGCN model as served: final (layer-mean) embeddings for the
 * trained users and the CF items, the item layer embeddings fold-in needs,
 * and the id maps onto a dataset's catalogue.
 *
 * Thread contract: after lgcn_model_index() returns RS_OK the model is
 * immutable and every query function may run on many threads at once.
 */
#ifndef LGCN_MODEL_H
#define LGCN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef enum lgcn_metric { LGCN_COSINE = 0, LGCN_DOT = 1 } lgcn_metric;

typedef struct lgcn_model {
    /* Persisted (see lgcn_artifact.h). */
    int32_t dim, layers;
    int32_t n_users, n_items;
    int32_t n_item_layers; /* max(layers, 1): item layers 0..L-1 stored */
    float threshold;       /* ratings >= this were positives (0 = all) */
    uint64_t n_edges;      /* training positives */
    int64_t *user_ext;     /* [n_users] external userId */
    int64_t *item_movie;   /* [n_items] external movieId */
    uint32_t *item_deg;    /* [n_items] degree in the training graph */
    float *user_final;     /* [n_users][dim] */
    float *item_final;     /* [n_items][dim] */
    float *item_layers;    /* [n_item_layers][n_items][dim] */
    float *foldin_w;       /* [dim][dim]: user ego ~= (layer-1 row) * W */
    /* Derived by lgcn_model_index() for one dataset; never persisted. */
    const rs_dataset *data;
    int32_t *cat_item;    /* [data->n_items] catalogue -> model item, -1 */
    int32_t *item_cat;    /* [n_items] model item -> catalogue index */
    int32_t *user_dense;  /* [n_users] model user -> data user, -1 */
    float *item_inv_norm; /* [n_items] 1/|item_final| (0 for a zero row) */
    float *pop_score;     /* [n_items] deg / max deg, the no-signal score */
    int32_t *dense_user;  /* [data->n_users] data user -> model user, -1:
                               queries arrive with the data index (ABI 1.1
                               user_index), so no id lookup per request */
} lgcn_model;

/* A zeroed model with its persisted arrays allocated for the given sizes. */
rs_status lgcn_model_alloc(int32_t dim, int32_t layers, int32_t n_users, int32_t n_items,
                           lgcn_model **out, rs_error *err);
void lgcn_model_free(lgcn_model *m);

/* Map the model onto `data`'s catalogue and users. Fails (leaving the
 * derived state cleared) when a movieId is missing from the catalogue or
 * ids repeat. */
rs_status lgcn_model_index(lgcn_model *m, const rs_dataset *data, rs_error *err);

/* Fit foldin_w by ridge regression of the trained users' ego embeddings
 * (user_ego [n_users][dim]) on their first-layer embeddings (user_l1). */
rs_status lgcn_model_fit_foldin(lgcn_model *m, const float *user_ego, const float *user_l1,
                                rs_error *err);

/* Model user for an external id, or -1. */
/* The model user of the query's user (rs_query_user_index), or -1. */
int32_t lgcn_model_user(const lgcn_model *m, const rs_query *q);

/* Fold in a user from their positive model items (any order, no
 * duplicates): out[dim] receives the approximate final embedding.
 * scratch holds 2 * dim floats (callers own it: serving threads may have
 * small stacks). */
void lgcn_model_fold_in(const lgcn_model *m, const int32_t *items, size_t n, float *out,
                        float *scratch);

/* Serving entry points, with the plugin ABI's semantics. */
rs_status lgcn_model_recommend(const lgcn_model *m, const rs_query *q, size_t k, rs_scored *out,
                               rs_explanation *explain, const char *source, size_t *n_out,
                               rs_error *err);
rs_status lgcn_model_score(const lgcn_model *m, const rs_query *q, const int32_t *items, size_t n,
                           float *scores, rs_error *err);
rs_status lgcn_model_similar(const lgcn_model *m, lgcn_metric metric, int32_t item, size_t k,
                             rs_scored *out, size_t *n_out, rs_error *err);

#endif /* LGCN_MODEL_H */
