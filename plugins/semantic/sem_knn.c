#include "sem_knn.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "recsys/topk.h"

void sem_knn_free(sem_knn *g)
{
    if (!g)
        return;
    free(g->nb);
    free(g->sim);
    free(g);
}

static rs_status knn_alloc(int32_t n, int k, sem_knn **out, rs_error *err)
{
    sem_knn *g = calloc(1, sizeof *g);
    if (g) {
        g->n_items = n;
        g->k = k;
        g->nb = malloc((size_t)n * (size_t)k * sizeof *g->nb);
        g->sim = malloc((size_t)n * (size_t)k * sizeof *g->sim);
    }
    if (!g || !g->nb || !g->sim) {
        sem_knn_free(g);
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (neighbour lists)");
    }
    for (size_t i = 0; i < (size_t)n * (size_t)k; i++) {
        g->nb[i] = -1;
        g->sim[i] = 0.0f;
    }
    *out = g;
    return RS_OK;
}

/* Column view (term -> movies) of a CSR matrix. */
typedef struct csc {
    size_t *ptr;
    int32_t *row;
    float *val;
} csc;

static int csc_build(const sem_csr *x, csc *t)
{
    size_t nnz = x->ptr[x->rows];
    t->ptr = calloc((size_t)x->cols + 1, sizeof *t->ptr);
    t->row = malloc((nnz ? nnz : 1) * sizeof *t->row);
    t->val = malloc((nnz ? nnz : 1) * sizeof *t->val);
    if (!t->ptr || !t->row || !t->val)
        return -1;
    for (size_t p = 0; p < nnz; p++)
        t->ptr[x->col[p] + 1]++;
    for (int32_t c = 0; c < x->cols; c++)
        t->ptr[c + 1] += t->ptr[c];
    size_t *fill = malloc(((size_t)x->cols + 1) * sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, t->ptr, ((size_t)x->cols + 1) * sizeof *fill);
    for (int32_t r = 0; r < x->rows; r++) /* rows ascending per column */
        for (size_t p = x->ptr[r]; p < x->ptr[r + 1]; p++) {
            size_t q = fill[x->col[p]]++;
            t->row[q] = r;
            t->val[q] = x->val[p];
        }
    free(fill);
    return 0;
}

static void csc_free(csc *t)
{
    free(t->ptr);
    free(t->row);
    free(t->val);
}

/* Row i's neighbours: accumulate its dot products with every row sharing
 * a term (acc and touched are the thread's scratch; acc is all zero on
 * entry and left all zero). */
static void knn_row(const sem_csr *x, const csc *t, int32_t i, sem_knn *g, float *acc,
                    int32_t *touched, rs_scored *heap)
{
    size_t n_touched = 0;
    for (size_t p = x->ptr[i]; p < x->ptr[i + 1]; p++) {
        int32_t c = x->col[p];
        float v = x->val[p];
        for (size_t q = t->ptr[c]; q < t->ptr[c + 1]; q++) {
            int32_t j = t->row[q];
            if (acc[j] == 0.0f)
                touched[n_touched++] = j;
            acc[j] += v * t->val[q];
        }
    }
    rs_topk top;
    rs_topk_init(&top, heap, (size_t)g->k);
    for (size_t a = 0; a < n_touched; a++) {
        int32_t j = touched[a];
        if (j != i && acc[j] > 0.0f)
            rs_topk_push(&top, j, acc[j]);
        acc[j] = 0.0f;
    }
    size_t got = rs_topk_finish(&top);
    for (size_t a = 0; a < got; a++) {
        g->nb[(size_t)i * g->k + a] = heap[a].item;
        g->sim[(size_t)i * g->k + a] = heap[a].score;
    }
}

rs_status sem_knn_from_csr(const sem_csr *x, int k, int threads, sem_knn **out, rs_error *err)
{
    sem_knn *g = NULL;
    csc t = {0};
    rs_status st = knn_alloc(x->rows, k, &g, err);
    if (st != RS_OK)
        return st;
    if (csc_build(x, &t) != 0) {
        csc_free(&t);
        sem_knn_free(g);
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (neighbour lists)");
    }
    int failed = 0;
    if (threads < 1)
        threads = 1;
        /* Sum over terms of df^2 multiply-adds (~10^8 on ml-latest-small): the
     * rows are independent, so split them over the host's threads. Each
     * thread owns its scratch; rows write disjoint parts of g. */
#pragma omp parallel num_threads(threads) reduction(| : failed)
    {
        float *acc = calloc((size_t)x->rows, sizeof *acc);
        int32_t *touched = malloc((size_t)x->rows * sizeof *touched);
        rs_scored *heap = malloc((size_t)k * sizeof *heap);
        if (!acc || !touched || !heap)
            failed = 1;
#pragma omp for schedule(dynamic, 64)
        for (int32_t i = 0; i < x->rows; i++)
            if (!failed)
                knn_row(x, &t, i, g, acc, touched, heap);
        free(acc);
        free(touched);
        free(heap);
    }
    csc_free(&t);
    if (failed) {
        sem_knn_free(g);
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (neighbour lists)");
    }
    *out = g;
    return RS_OK;
}

rs_status sem_knn_from_index(const sem_index *ix, const float *vec, int32_t n, int dim, int k,
                             sem_knn **out, rs_error *err)
{
    sem_knn *g = NULL;
    rs_status st = knn_alloc(n, k, &g, err);
    if (st != RS_OK)
        return st;
    size_t fetch = (size_t)k + 1; /* the movie itself comes back first */
    float *dist = malloc((size_t)n * fetch * sizeof *dist);
    int64_t *lab = malloc((size_t)n * fetch * sizeof *lab);
    if (!dist || !lab) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (neighbour lists)");
        goto done;
    }
    if ((st = sem_index_search_batch(ix, vec, n, fetch, dist, lab, err)) != RS_OK)
        goto done;
    for (int32_t i = 0; i < n; i++) {
        const float *v = vec + (size_t)i * dim;
        float n2 = 0.0f;
        for (int c = 0; c < dim; c++)
            n2 += v[c] * v[c];
        if (n2 == 0.0f)
            continue; /* a zero vector is similar to nothing */
        int got = 0;
        for (size_t j = 0; j < fetch && got < k; j++) {
            int64_t l = lab[(size_t)i * fetch + j];
            float s = dist[(size_t)i * fetch + j];
            if (l < 0 || l == i || !(s > 0.0f))
                continue;
            g->nb[(size_t)i * k + got] = (int32_t)l;
            g->sim[(size_t)i * k + got] = s;
            got++;
        }
    }
done:
    free(dist);
    free(lab);
    if (st != RS_OK) {
        sem_knn_free(g);
        return st;
    }
    *out = g;
    return RS_OK;
}

void sem_knn_accumulate(const sem_knn *g, const int32_t *items, const float *w, size_t n,
                        float *acc)
{
    for (size_t r = 0; r < n; r++) {
        const int32_t *nb = g->nb + (size_t)items[r] * g->k;
        const float *sim = g->sim + (size_t)items[r] * g->k;
        for (int a = 0; a < g->k && nb[a] >= 0; a++)
            acc[nb[a]] += w[r] * sim[a];
    }
}

float sem_knn_sim(const sem_knn *g, int32_t i, int32_t j)
{
    const int32_t *nb = g->nb + (size_t)i * g->k;
    for (int a = 0; a < g->k && nb[a] >= 0; a++)
        if (nb[a] == j)
            return g->sim[(size_t)i * g->k + a];
    return 0.0f;
}
