/*
 * Item-item neighbour lists for the content scorer: each catalogue movie's
 * k most similar movies (cosine > 0) and their similarities.
 *
 * A user's kNN score of movie j is sum_i w_i * sim(i, j) over their rated
 * movies i that have j among their k neighbours (w_i: the profile weights
 * of sem_profile.h). Unlike the cosine to one profile vector, a sum of
 * neighbourhoods keeps a user's several tastes apart (liking both Westerns
 * and animation does not average into films that are neither), and built
 * over the un-reduced TF-IDF it keeps the specific terms (tags, names)
 * that a 128-d SVD blurs together.
 *
 * Built either from sparse TF-IDF rows (exact sparse dot products through
 * an inverted index: no dense n x terms matrix) or from dense unit vectors
 * with a faiss index (precomputed sentence vectors, or the SVD vectors).
 *
 * Thread contract: build/free on one thread; a built sem_knn is immutable
 * and sem_knn_accumulate / sem_knn_sim may run on many threads at once.
 */
#ifndef RS_SEMANTIC_KNN_H
#define RS_SEMANTIC_KNN_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"
#include "sem_index.h"
#include "sem_rsvd.h"

typedef struct sem_knn {
    int32_t n_items;
    int k;
    int32_t *nb; /* [n_items * k] neighbour items, best first; -1 pads */
    float *sim;  /* [n_items * k] their cosine similarities (> 0) */
} sem_knn;

/* Neighbours from L2-normalised sparse rows (one per catalogue movie),
 * computed on up to `threads` OpenMP threads. */
rs_status sem_knn_from_csr(const sem_csr *x, int k, int threads, sem_knn **out, rs_error *err);

/* Neighbours from the n unit vectors vec[n * dim] that ix was built over
 * (labels = rows). Zero vectors get no neighbours. */
rs_status sem_knn_from_index(const sem_index *ix, const float *vec, int32_t n, int dim, int k,
                             sem_knn **out, rs_error *err);

void sem_knn_free(sem_knn *g);

/* acc[j] += w[r] * sim(items[r], j) for every neighbour j of every items[r]
 * (acc has n_items entries). */
void sem_knn_accumulate(const sem_knn *g, const int32_t *items, const float *w, size_t n,
                        float *acc);

/* sim(i, j) when j is one of i's neighbours, else 0. */
float sem_knn_sim(const sem_knn *g, int32_t i, int32_t j);

#endif /* RS_SEMANTIC_KNN_H */
