/* Normalised adjacency construction and the propagation SpMM. */
#include "lgcn_graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgcn_simd.h"

/* Rows handed to one worker at a time: big enough to amortise scheduling,
 * small enough to balance the skewed degrees of MovieLens users. */
#define LGCN_ROW_CHUNK 64

void lgcn_pos_free(lgcn_pos *p)
{
    if (!p)
        return;
    free(p->ptr);
    free(p->item);
    memset(p, 0, sizeof *p);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

rs_status lgcn_pos_order_by_degree(lgcn_pos *p, int32_t *old_of_new, rs_error *err)
{
    size_t ni = (size_t)p->n_items, ne = p->ptr[p->n_users];
    uint32_t *deg = calloc(ni + 1, sizeof *deg);
    int32_t *new_of_old = malloc((ni + 1) * sizeof *new_of_old);
    if (!deg || !new_of_old) {
        free(deg);
        free(new_of_old);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    for (size_t e = 0; e < ne; e++)
        deg[p->item[e]]++;
    /* Counting sort on degree, descending, stable in the old index: no
     * comparator context needed and O(items + max degree). */
    uint32_t maxd = 0;
    for (size_t i = 0; i < ni; i++)
        if (deg[i] > maxd)
            maxd = deg[i];
    size_t *start = calloc((size_t)maxd + 2, sizeof *start);
    if (!start) {
        free(deg);
        free(new_of_old);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    for (size_t i = 0; i < ni; i++)
        start[maxd - deg[i] + 1]++;
    for (uint32_t k = 0; k <= maxd; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < ni; i++)
        old_of_new[start[maxd - deg[i]]++] = (int32_t)i;
    free(start);
    for (size_t i = 0; i < ni; i++)
        new_of_old[old_of_new[i]] = (int32_t)i;
    for (size_t e = 0; e < ne; e++)
        p->item[e] = new_of_old[p->item[e]];
    for (int32_t u = 0; u < p->n_users; u++)
        qsort(p->item + p->ptr[u], p->ptr[u + 1] - p->ptr[u], sizeof *p->item, cmp_i32);
    free(deg);
    free(new_of_old);
    return RS_OK;
}

void lgcn_graph_free(lgcn_graph *g)
{
    if (!g)
        return;
    free(g->ptr);
    free(g->col);
    free(g->val);
    free(g->deg);
    memset(g, 0, sizeof *g);
}

rs_status lgcn_graph_build(lgcn_graph *g, const lgcn_pos *pos, rs_error *err)
{
    memset(g, 0, sizeof *g);
    int32_t nu = pos->n_users, ni = pos->n_items;
    if (nu < 0 || ni < 0 || (int64_t)nu + ni > INT32_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: graph too large (%d users, %d items)",
                            nu, ni);
    int32_t n = nu + ni;
    size_t ne = pos->ptr[nu];
    g->n_users = nu;
    g->n_items = ni;
    g->n_nodes = n;
    g->n_edges = ne;
    g->ptr = calloc((size_t)n + 1, sizeof *g->ptr);
    g->deg = calloc((size_t)n + 1, sizeof *g->deg);
    g->col = malloc((2 * ne + 1) * sizeof *g->col);
    g->val = malloc((2 * ne + 1) * sizeof *g->val);
    size_t *fill = calloc((size_t)n + 1, sizeof *fill);
    if (!g->ptr || !g->deg || !g->col || !g->val || !fill) {
        free(fill);
        lgcn_graph_free(g);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory for a graph of %zu edges", ne);
    }
    for (int32_t u = 0; u < nu; u++) {
        for (size_t e = pos->ptr[u]; e < pos->ptr[u + 1]; e++) {
            g->deg[u]++;
            g->deg[nu + pos->item[e]]++;
        }
    }
    for (int32_t r = 0; r < n; r++)
        g->ptr[r + 1] = g->ptr[r] + g->deg[r];
    memcpy(fill, g->ptr, (size_t)n * sizeof *fill);
    /* User rows first, then item rows by scanning users in order, so both
     * halves come out with sorted columns without a sort pass. */
    for (int32_t u = 0; u < nu; u++) {
        for (size_t e = pos->ptr[u]; e < pos->ptr[u + 1]; e++) {
            int32_t it = nu + pos->item[e];
            float w = (float)(1.0 / sqrt((double)g->deg[u] * g->deg[it]));
            g->col[fill[u]] = it;
            g->val[fill[u]++] = w;
            g->col[fill[it]] = u;
            g->val[fill[it]++] = w;
        }
    }
    free(fill);
    return RS_OK;
}

/* out = init + sum_e val[e] x[col[e]] over one row's edges (init NULL:
 * zero). The d == 64 path has a compile-time width so the accumulator
 * lives in eight vector registers and the compiler fully unrolls the row
 * update. */
static inline __attribute__((always_inline)) void spmm_row(const int32_t *col, const float *val,
                                                           size_t len, const float *restrict x,
                                                           const uint8_t *nz,
                                                           const float *restrict init,
                                                           float *restrict out, int d)
{
    if (d == 64) {
        lgcn_v8 a0, a1, a2, a3, a4, a5, a6, a7;
        if (init) {
            a0 = lgcn_v8_load(init), a1 = lgcn_v8_load(init + 8);
            a2 = lgcn_v8_load(init + 16), a3 = lgcn_v8_load(init + 24);
            a4 = lgcn_v8_load(init + 32), a5 = lgcn_v8_load(init + 40);
            a6 = lgcn_v8_load(init + 48), a7 = lgcn_v8_load(init + 56);
        } else {
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = (lgcn_v8){0};
        }
        for (size_t e = 0; e < len; e++) {
            if (nz && !nz[col[e]]) /* loop-invariant test: unswitched */
                continue;
            const float *xr = x + (size_t)col[e] * 64;
            lgcn_v8 w = lgcn_v8_splat(val[e]);
            a0 += w * lgcn_v8_load(xr), a1 += w * lgcn_v8_load(xr + 8);
            a2 += w * lgcn_v8_load(xr + 16), a3 += w * lgcn_v8_load(xr + 24);
            a4 += w * lgcn_v8_load(xr + 32), a5 += w * lgcn_v8_load(xr + 40);
            a6 += w * lgcn_v8_load(xr + 48), a7 += w * lgcn_v8_load(xr + 56);
        }
        lgcn_v8_store(out, a0), lgcn_v8_store(out + 8, a1);
        lgcn_v8_store(out + 16, a2), lgcn_v8_store(out + 24, a3);
        lgcn_v8_store(out + 32, a4), lgcn_v8_store(out + 40, a5);
        lgcn_v8_store(out + 48, a6), lgcn_v8_store(out + 56, a7);
        return;
    }
    if (init)
        memcpy(out, init, (size_t)d * sizeof *out);
    else
        memset(out, 0, (size_t)d * sizeof *out);
    for (size_t e = 0; e < len; e++) {
        if (nz && !nz[col[e]])
            continue;
        const float *xr = x + (size_t)col[e] * (size_t)d;
        float a = val[e];
        for (int t = 0; t < d; t++)
            out[t] += a * xr[t];
    }
}

/* y[r] = (base[r]) + sum_c a_rc x[c] for rows r0..r1 (or rows[r0..r1)),
 * each row in one pass over its edges; compact writes the k-th to
 * y[k - r0] instead of y[r]. */
LGCN_CLONES
static void spmm_range(const lgcn_graph *g, const float *restrict x, const uint8_t *nz,
                       const float *restrict base, const uint8_t *base_nz, float *restrict y, int d,
                       const int32_t *rows, int compact, size_t r0, size_t r1)
{
    for (size_t k = r0; k < r1; k++) {
        size_t r = rows ? (size_t)rows[k] : k;
        size_t e0 = g->ptr[r];
        const float *init = base && (!base_nz || base_nz[r]) ? base + r * (size_t)d : NULL;
        spmm_row(g->col + e0, g->val + e0, g->ptr[r + 1] - e0, x, nz, init,
                 y + (compact ? k - r0 : r) * (size_t)d, d);
    }
}

static void spmm_driver(const lgcn_graph *g, const float *x, const uint8_t *nz, const float *base,
                        const uint8_t *base_nz, float *y, int d, size_t n_rows, int threads)
{
    long chunks = (long)((n_rows + LGCN_ROW_CHUNK - 1) / LGCN_ROW_CHUNK);
    if (threads < 1)
        threads = 1;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4) if (threads > 1)
    for (long c = 0; c < chunks; c++) {
        size_t r0 = (size_t)c * LGCN_ROW_CHUNK;
        size_t r1 = r0 + LGCN_ROW_CHUNK < n_rows ? r0 + LGCN_ROW_CHUNK : n_rows;
        spmm_range(g, x, nz, base, base_nz, y, d, NULL, 0, r0, r1);
    }
}

void lgcn_spmm_masked(const lgcn_graph *g, const float *x, const uint8_t *nz, const float *base,
                      const uint8_t *base_nz, float *y, int d, int threads)
{
    spmm_driver(g, x, nz, base, base_nz, y, d, (size_t)g->n_nodes, threads);
}

void lgcn_spmm_chunk(const lgcn_graph *g, const float *x, const uint8_t *nz, const float *base,
                     const uint8_t *base_nz, float *out, int d, size_t r0, size_t r1)
{
    spmm_range(g, x, nz, base, base_nz, out, d, NULL, 1, r0, r1);
}

void lgcn_spmm(const lgcn_graph *g, const float *x, const float *base, float *y, int d, int threads)
{
    lgcn_spmm_masked(g, x, NULL, base, NULL, y, d, threads);
}

void lgcn_spmm_gather(const lgcn_graph *g, const float *x, float *out, int d, const int32_t *rows,
                      size_t k0, size_t k1)
{
    spmm_range(g, x, NULL, NULL, NULL, out, d, rows, 1, k0, k1);
}
