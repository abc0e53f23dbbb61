/*
 * Randomised truncated SVD of a sparse matrix (Halko, Martinsson & Tropp
 * 2011, algorithms 4.4 + 5.1) on OpenBLAS/LAPACKE.
 *
 * Used by the builtin encoder to reduce the TF-IDF matrix (movies x terms)
 * to its top-k right singular vectors: the basis that maps any TF-IDF row
 * x to x * V_k, the same projection for catalogue and new movies.
 *
 * Deterministic for a seed: the Gaussian test matrix comes from a
 * counter-based generator, and each basis vector's sign is fixed so its
 * largest-magnitude entry is positive.
 */
#ifndef RS_SEMANTIC_RSVD_H
#define RS_SEMANTIC_RSVD_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

/* A read-only CSR matrix. */
typedef struct sem_csr {
    int32_t rows, cols;
    const size_t *ptr;  /* [rows + 1] */
    const int32_t *col; /* [nnz] */
    const float *val;   /* [nnz] */
} sem_csr;

/*
 * Top-k right singular vectors of a into basis[cols * k] (row-major: row t
 * holds term t's k coordinates) and, when sigma is not NULL, the k singular
 * values in decreasing order. k must not exceed min(rows, cols).
 * oversample extra columns and power_iters subspace iterations trade time
 * for accuracy (Halko et al. suggest 5-10 and 1-3; text spectra decay
 * slowly, so more iterations help).
 */
rs_status sem_rsvd(const sem_csr *a, int k, int oversample, int power_iters, uint64_t seed,
                   float *basis, float *sigma, rs_error *err);

#endif /* RS_SEMANTIC_RSVD_H */
