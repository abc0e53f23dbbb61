/*
 * LightGCN graph: the symmetric-normalised user-item adjacency
 * D^-1/2 A D^-1/2 over one node space (users 0..nu-1, then items
 * nu..nu+ni-1) and the SpMM kernels that propagate d-wide embedding rows
 * through it.
 *
 * Thread contract: a built graph is immutable; the kernels may run on any
 * number of threads (they use OpenMP internally with `threads` workers and
 * write each output row from exactly one thread, so results do not depend on
 * the thread count).
 */
#ifndef LGCN_GRAPH_H
#define LGCN_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

/* Positive interactions in model indexing: user u's items are
 * item[ptr[u] .. ptr[u+1]), sorted ascending, unique, each < n_items. */
typedef struct lgcn_pos {
    int32_t n_users;
    int32_t n_items;
    size_t *ptr;   /* [n_users + 1] */
    int32_t *item; /* [ptr[n_users]] */
} lgcn_pos;

typedef struct lgcn_graph {
    int32_t n_users;
    int32_t n_items;
    int32_t n_nodes; /* n_users + n_items */
    size_t n_edges;  /* undirected user-item edges (= positives) */
    /* CSR over nodes, 2 * n_edges entries; columns sorted per row. */
    size_t *ptr;   /* [n_nodes + 1] */
    int32_t *col;  /* node index */
    float *val;    /* 1 / sqrt(deg(row) * deg(col)) */
    uint32_t *deg; /* [n_nodes] degree in the bipartite graph */
} lgcn_graph;

void lgcn_pos_free(lgcn_pos *p);

/* Relabel items in place by descending degree (ties: old index), sorting
 * every row again, and write old_of_new[n_items]. Popular items then share
 * cache lines and pages, so the SpMM's row gathers hit L2 far more often. */
rs_status lgcn_pos_order_by_degree(lgcn_pos *p, int32_t *old_of_new, rs_error *err);

/* Build the normalised adjacency of `pos`. Zero-degree nodes get empty rows
 * (the reference's D^-1/2 sets inf to 0 the same way). */
rs_status lgcn_graph_build(lgcn_graph *g, const lgcn_pos *pos, rs_error *err);
void lgcn_graph_free(lgcn_graph *g);

/* y = A x (+ base when base != NULL), all [n_nodes][d] row-major.
 * y must not alias x. */
void lgcn_spmm(const lgcn_graph *g, const float *x, const float *base, float *y, int d,
               int threads);

/* y = A x + base where only rows flagged in nz (of x) and base_nz (of
 * base) may be nonzero: the others are never read and count as zero (the
 * batch gradient is sparse before propagation). NULL masks mean dense;
 * base may be NULL. */
void lgcn_spmm_masked(const lgcn_graph *g, const float *x, const uint8_t *nz, const float *base,
                      const uint8_t *base_nz, float *y, int d, int threads);

/* Serial: rows r0..r1 of lgcn_spmm_masked written compactly, row r to
 * out[r - r0], for callers that consume the rows at once (while hot). */
void lgcn_spmm_chunk(const lgcn_graph *g, const float *x, const uint8_t *nz, const float *base,
                     const uint8_t *base_nz, float *out, int d, size_t r0, size_t r1);

/* Serial: out[k - k0] = (A x)[rows[k]] for k in k0..k1, compactly. */
void lgcn_spmm_gather(const lgcn_graph *g, const float *x, float *out, int d, const int32_t *rows,
                      size_t k0, size_t k1);

#endif /* LGCN_GRAPH_H */
