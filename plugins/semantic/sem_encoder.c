#include "sem_encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sem_rsvd.h"

#define SEM_MAX_TERMS 50000000u
#define SEM_MAX_TERM_LEN 255u
/* What a fit can produce, held on read so a crafted section cannot make
 * every embedding overflow to NaN: field weights are params bounded at 100
 * (plugin.yaml); idf = ln((1 + n) / (1 + df)) + 1 is under 23 for any
 * catalogue of int32 size; the basis has orthonormal columns, so no entry
 * exceeds 1 (plus rounding). */
#define SEM_MAX_FIELD_WEIGHT 100.0f
#define SEM_MAX_IDF 64.0f
#define SEM_MAX_BASIS 1.001f

struct sem_encoder {
    sem_vocab *vocab;
    int dim;
    float *basis; /* [n_terms * dim], row t = term t's coordinates */
};

int sem_encoder_dim(const sem_encoder *e) { return e->dim; }
const sem_vocab *sem_encoder_vocab(const sem_encoder *e) { return e->vocab; }

void sem_encoder_free(sem_encoder *e)
{
    if (!e)
        return;
    sem_vocab_free(e->vocab);
    free(e->basis);
    free(e);
}

/* out = normalise(x * basis). Shared by fit and embed so catalogue and
 * run-time vectors are computed by the very same arithmetic. */
static void project(const sem_encoder *e, const sem_sparse *x, float *out)
{
    int d = e->dim;
    double *acc = NULL, stack[512];
    acc = d <= 512 ? stack : calloc((size_t)d, sizeof *acc);
    if (!acc) { /* fall back to float accumulation rather than fail */
        memset(out, 0, (size_t)d * sizeof *out);
        for (size_t p = 0; p < x->n; p++)
            for (int c = 0; c < d; c++)
                out[c] += x->val[p] * e->basis[(size_t)x->term[p] * d + c];
    } else {
        memset(acc, 0, (size_t)d * sizeof *acc);
        for (size_t p = 0; p < x->n; p++) {
            const float *b = e->basis + (size_t)x->term[p] * d;
            for (int c = 0; c < d; c++)
                acc[c] += (double)x->val[p] * b[c];
        }
        for (int c = 0; c < d; c++)
            out[c] = (float)acc[c];
        if (acc != stack)
            free(acc);
    }
    double n2 = 0.0;
    for (int c = 0; c < d; c++)
        n2 += (double)out[c] * out[c];
    if (n2 > 0.0) {
        float inv = (float)(1.0 / sqrt(n2));
        if (isfinite(inv)) {
            for (int c = 0; c < d; c++)
                out[c] *= inv;
        } else { /* a subnormal vector: 1/|out| overflows a float */
            for (int c = 0; c < d; c++)
                out[c] = (float)(out[c] / sqrt(n2));
        }
    }
}

void sem_tfidf_rows_free(sem_tfidf_rows *x)
{
    if (!x)
        return;
    free(x->ptr);
    free(x->col);
    free(x->val);
    memset(x, 0, sizeof *x);
}

rs_status sem_encoder_tfidf(const sem_encoder *e, const rs_item_meta *items, int32_t n,
                            sem_tfidf_rows *out, rs_error *err)
{
    rs_status st = RS_OK;
    sem_sparse row = {0};
    size_t nnz = 0, cap = (size_t)n * 32 + 1;
    memset(out, 0, sizeof *out);
    out->rows = n;
    out->cols = sem_vocab_size(e->vocab);
    out->ptr = malloc(((size_t)n + 1) * sizeof *out->ptr);
    out->col = malloc(cap * sizeof *out->col);
    out->val = malloc(cap * sizeof *out->val);
    if (!out->ptr || !out->col || !out->val)
        goto oom;
    out->ptr[0] = 0;
    for (int32_t i = 0; i < n; i++) {
        if ((st = sem_vocab_encode(e->vocab, &items[i], &row, err)) != RS_OK)
            goto fail;
        if (nnz + row.n > cap) {
            while (nnz + row.n > cap)
                cap *= 2;
            int32_t *c2 = realloc(out->col, cap * sizeof *c2);
            if (!c2)
                goto oom;
            out->col = c2;
            float *v2 = realloc(out->val, cap * sizeof *v2);
            if (!v2)
                goto oom;
            out->val = v2;
        }
        if (row.n > 0) { /* an empty row may have no buffers yet */
            memcpy(out->col + nnz, row.term, row.n * sizeof *out->col);
            memcpy(out->val + nnz, row.val, row.n * sizeof *out->val);
        }
        nnz += row.n;
        out->ptr[i + 1] = nnz;
    }
    sem_sparse_free(&row);
    return RS_OK;
oom:
    st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (TF-IDF)");
fail:
    sem_sparse_free(&row);
    sem_tfidf_rows_free(out);
    return st;
}

rs_status sem_encoder_fit(const rs_item_meta *items, int32_t n, const sem_encoder_opts *o,
                          float *vectors, sem_encoder **out, rs_error *err)
{
    rs_status st;
    sem_tfidf_rows x = {0};
    sem_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    e->dim = o->dim;
    if ((st = sem_vocab_fit(items, n, &o->weights, o->min_df, o->max_df, &e->vocab, err)) !=
            RS_OK ||
        (st = sem_encoder_tfidf(e, items, n, &x, err)) != RS_OK)
        goto fail;
    e->basis = malloc((size_t)x.cols * (size_t)o->dim * sizeof *e->basis);
    if (!e->basis) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (SVD)");
        goto fail;
    }
    sem_csr a = {n, x.cols, x.ptr, x.col, x.val};
    st = sem_rsvd(&a, o->dim, o->oversample, o->power_iters, o->seed, e->basis, NULL, err);
    if (st != RS_OK)
        goto fail;
    for (int32_t i = 0; i < n; i++) {
        sem_sparse r = {x.ptr[i + 1] - x.ptr[i], 0, x.col + x.ptr[i], x.val + x.ptr[i]};
        project(e, &r, vectors + (size_t)i * o->dim);
    }
    sem_tfidf_rows_free(&x);
    *out = e;
    return RS_OK;
fail:
    sem_tfidf_rows_free(&x);
    sem_encoder_free(e);
    return st;
}

rs_status sem_encoder_embed(const sem_encoder *e, const rs_item_meta *m, float *out,
                            size_t *n_terms, rs_error *err)
{
    sem_sparse x = {0};
    rs_status st = sem_vocab_encode(e->vocab, m, &x, err);
    if (st != RS_OK)
        return st;
    project(e, &x, out);
    if (n_terms)
        *n_terms = x.n;
    sem_sparse_free(&x);
    return RS_OK;
}

/*
 * Section layout: u32 n_terms, float weights[5] (title, genres, tags,
 * overview, decade), then per term u16 length + bytes + float idf, then
 * float basis[n_terms * dim]. The dimension comes from the artifact header.
 */
void sem_encoder_write(const sem_encoder *e, sem_writer *w)
{
    int32_t nt = sem_vocab_size(e->vocab);
    sem_weights wt = sem_vocab_weights(e->vocab);
    float wv[5] = {wt.title, wt.genres, wt.tags, wt.overview, wt.decade};
    sem_write_u32(w, (uint32_t)nt);
    sem_write(w, wv, sizeof wv);
    for (int32_t t = 0; t < nt; t++) {
        const char *s = sem_vocab_term(e->vocab, t);
        uint16_t len = (uint16_t)strlen(s);
        float idf = sem_vocab_idf(e->vocab, t);
        sem_write(w, &len, sizeof len);
        sem_write(w, s, len);
        sem_write(w, &idf, sizeof idf);
    }
    sem_write(w, e->basis, (size_t)nt * (size_t)e->dim * sizeof *e->basis);
}

rs_status sem_encoder_read(sem_reader *r, int dim, sem_encoder **out, rs_error *err)
{
    rs_status st;
    uint32_t nt;
    float wv[5];
    char term[SEM_MAX_TERM_LEN + 1];
    sem_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    e->dim = dim;
    if ((st = sem_read_u32(r, &nt, "vocabulary size", err)) != RS_OK ||
        (st = sem_read(r, wv, sizeof wv, "field weights", err)) != RS_OK)
        goto fail;
    if (nt == 0 || nt > SEM_MAX_TERMS) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s: vocabulary size %u out of range 1..%u", r->path,
                          nt, SEM_MAX_TERMS);
        goto fail;
    }
    for (int i = 0; i < 5; i++)
        if (!(wv[i] >= 0.0f && wv[i] <= SEM_MAX_FIELD_WEIGHT)) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: field weight %d is not in [0, %g]", r->path,
                              i, (double)SEM_MAX_FIELD_WEIGHT);
            goto fail;
        }
    sem_weights w = {wv[0], wv[1], wv[2], wv[3], wv[4]};
    if ((st = sem_vocab_new(&w, &e->vocab, err)) != RS_OK)
        goto fail;
    for (uint32_t t = 0; t < nt; t++) {
        uint16_t len;
        if ((st = sem_read(r, &len, sizeof len, "term length", err)) != RS_OK)
            goto fail;
        if (len == 0 || len > SEM_MAX_TERM_LEN) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: term %u has bad length %u", r->path, t,
                              (unsigned)len);
            goto fail;
        }
        if ((st = sem_read(r, term, len, "term", err)) != RS_OK)
            goto fail;
        term[len] = '\0';
        if (memchr(term, '\0', len)) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: term %u contains a NUL byte", r->path, t);
            goto fail;
        }
        float idf;
        if ((st = sem_read(r, &idf, sizeof idf, "idf", err)) != RS_OK)
            goto fail;
        if (idf > SEM_MAX_IDF) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: term %u has idf %g, above %g", r->path, t,
                              (double)idf, (double)SEM_MAX_IDF);
            goto fail;
        }
        if ((st = sem_vocab_add(e->vocab, term, len, idf, err)) != RS_OK) {
            /* The vocabulary's own message does not know the file. */
            char msg[RS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->message : "");
            rs_error_set(err, st, "%s: vocabulary entry ending at byte %llu: %s", r->path,
                         (unsigned long long)r->off, msg);
            goto fail;
        }
    }
    e->basis = malloc((size_t)nt * (size_t)dim * sizeof *e->basis);
    if (!e->basis) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        goto fail;
    }
    size_t nb = (size_t)nt * (size_t)dim;
    if ((st = sem_read(r, e->basis, nb * sizeof *e->basis, "projection basis", err)) != RS_OK)
        goto fail;
    for (size_t i = 0; i < nb; i++)
        if (!(fabsf(e->basis[i]) <= SEM_MAX_BASIS)) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "%s: projection basis entry %zu is %g (entries of an "
                              "orthonormal basis are within [-1, 1])",
                              r->path, i, (double)e->basis[i]);
            goto fail;
        }
    *out = e;
    return RS_OK;
fail:
    sem_encoder_free(e);
    return st;
}
