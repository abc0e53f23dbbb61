/*
 * The builtin text encoder: TF-IDF over a movie's metadata (sem_tfidf)
 * reduced by randomised truncated SVD (sem_rsvd) to `dim` dimensions and
 * L2-normalised. It keeps the vocabulary, idf and projection basis, so a
 * movie that was not in the fitted catalogue can be embedded at run time
 * with sem_encoder_embed and lands in the same space.
 *
 * Thread contract: immutable after fit/read; embed may run concurrently.
 */
#ifndef RS_SEMANTIC_ENCODER_H
#define RS_SEMANTIC_ENCODER_H

#include "sem_io.h"
#include "sem_tfidf.h"

typedef struct sem_encoder sem_encoder;

typedef struct sem_encoder_opts {
    sem_weights weights;
    int dim;
    int min_df;
    double max_df;
    int oversample;
    int power_iters;
    uint64_t seed;
} sem_encoder_opts;

/* Fit on the n catalogue movies and write their unit-length embeddings
 * into vectors[n * dim]. A movie with no vocabulary term gets a zero
 * vector (it scores 0 against everything). */
rs_status sem_encoder_fit(const rs_item_meta *items, int32_t n, const sem_encoder_opts *o,
                          float *vectors, sem_encoder **out, rs_error *err);
void sem_encoder_free(sem_encoder *e);

int sem_encoder_dim(const sem_encoder *e);
const sem_vocab *sem_encoder_vocab(const sem_encoder *e);

/* Embed one movie's metadata into out[dim] (unit length, or all zeros when
 * none of its terms is in the vocabulary; *n_terms, when not NULL, gets
 * the number of known terms). */
rs_status sem_encoder_embed(const sem_encoder *e, const rs_item_meta *m, float *out,
                            size_t *n_terms, rs_error *err);

/* The L2-normalised TF-IDF rows of n movies under e's vocabulary (owned
 * CSR; release with sem_tfidf_rows_free). The encoder's SVD input, and the
 * un-reduced space the kNN scorer's neighbours are computed in. */
typedef struct sem_tfidf_rows {
    int32_t rows, cols;
    size_t *ptr;  /* [rows + 1] */
    int32_t *col; /* [nnz] */
    float *val;   /* [nnz] */
} sem_tfidf_rows;

rs_status sem_encoder_tfidf(const sem_encoder *e, const rs_item_meta *items, int32_t n,
                            sem_tfidf_rows *out, rs_error *err);
void sem_tfidf_rows_free(sem_tfidf_rows *x);

/* Serialise into / restore from an open file (part of the artifact). */
void sem_encoder_write(const sem_encoder *e, sem_writer *w);
rs_status sem_encoder_read(sem_reader *r, int dim, sem_encoder **out, rs_error *err);

#endif /* RS_SEMANTIC_ENCODER_H */
