/*
 * Internal view of a fitted semantic instance, for the plugin's own tests
 * and benchmarks (linked statically; not exported from the .so, whose only
 * exported symbol is the plugin entry).
 */
#ifndef RS_SEMANTIC_MODEL_H
#define RS_SEMANTIC_MODEL_H

#include "sem_encoder.h"
#include "sem_knn.h"

typedef struct sem_model sem_model;

void sem_model_free(sem_model *m);
/* The model of an instance created by the semantic entry, or NULL before
 * fit/load. */
const sem_model *sem_instance_model(const void *instance);
const float *sem_model_vectors(const sem_model *m); /* [n_items * dim] */
int sem_model_dim(const sem_model *m);
/* The builtin encoder (NULL for embeddings=vectors): embeds new movies. */
const sem_encoder *sem_model_encoder(const sem_model *m);
/* The kNN scorer's neighbour lists (NULL for scorer: profile). */
const sem_knn *sem_model_knn(const sem_model *m);
/* The prior's per-movie score multipliers [n_items]. */
const float *sem_model_prior(const sem_model *m);

#endif /* RS_SEMANTIC_MODEL_H */
