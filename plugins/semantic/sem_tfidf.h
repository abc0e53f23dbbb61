/*
 * Tokeniser and TF-IDF vocabulary of the builtin text encoder.
 *
 * A movie's document is made of fields (title words, genres, user tags,
 * decade, overview). Each field is tokenised, its term counts are damped
 * (sublinear tf: 1 + ln c), weighted by the field weight, summed per term,
 * multiplied by the smoothed idf ln((1+N)/(1+df)) + 1, and the row is
 * L2-normalised. The same function encodes catalogue movies at fit time and
 * new movies at run time, so both land in exactly the same space.
 *
 * Thread contract: a sem_vocab is immutable after fit/load; sem_vocab_encode
 * may run on many threads at once.
 */
#ifndef RS_SEMANTIC_TFIDF_H
#define RS_SEMANTIC_TFIDF_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

/* Field weights applied to the damped term counts of each field. */
typedef struct sem_weights {
    float title, genres, tags, overview, decade;
} sem_weights;

typedef struct sem_vocab sem_vocab;

/* One sparse row: n (term, value) pairs sorted by term id. Owned by the
 * caller; release with sem_sparse_free. */
typedef struct sem_sparse {
    size_t n, cap;
    int32_t *term;
    float *val;
} sem_sparse;

void sem_sparse_free(sem_sparse *s);

/*
 * Build the vocabulary over n movies: a term is kept when it appears in at
 * least min_df movies, and (for words, not genre/decade tokens) in at most
 * max_df of them as a fraction. Fails with RS_ERR_INVALID when nothing is
 * left.
 */
rs_status sem_vocab_fit(const rs_item_meta *items, int32_t n, const sem_weights *w, int min_df,
                        double max_df, sem_vocab **out, rs_error *err);

/* An empty vocabulary to refill from a saved artifact with sem_vocab_add
 * (terms must be unique; they get ids 0, 1, ... in call order). */
rs_status sem_vocab_new(const sem_weights *w, sem_vocab **out, rs_error *err);
rs_status sem_vocab_add(sem_vocab *v, const char *term, size_t len, float idf, rs_error *err);
void sem_vocab_free(sem_vocab *v);

int32_t sem_vocab_size(const sem_vocab *v);
const char *sem_vocab_term(const sem_vocab *v, int32_t t);
float sem_vocab_idf(const sem_vocab *v, int32_t t);
sem_weights sem_vocab_weights(const sem_vocab *v);
/* Term id, or -1 when the term is not in the vocabulary. */
int32_t sem_vocab_find(const sem_vocab *v, const char *term, size_t len);

/* The L2-normalised TF-IDF row of one movie into out (reused buffer).
 * Terms outside the vocabulary are ignored; a movie with none gives n = 0. */
rs_status sem_vocab_encode(const sem_vocab *v, const rs_item_meta *m, sem_sparse *out,
                           rs_error *err);

/* Call emit for each normalised word token of text (exposed for tests). */
void sem_tokenize_words(const char *text, void (*emit)(void *ctx, const char *tok, size_t len),
                        void *ctx);

#endif /* RS_SEMANTIC_TFIDF_H */
