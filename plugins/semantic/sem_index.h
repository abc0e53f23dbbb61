/*
 * Inner-product nearest-neighbour search over the catalogue vectors with
 * the faiss C API. Labels are catalogue indices (vectors are added in
 * catalogue order). Every faiss failure is translated at once: the message
 * of faiss_get_last_error() is copied into the rs_error before any other
 * faiss call can overwrite it.
 *
 * Thread contract: build/load/tune/save/free from one thread; search may
 * run on many threads at once (faiss searches on a const index are
 * thread-safe for Flat, HNSW and IVF; efSearch and nprobe are set once,
 * before serving, never per query).
 */
#ifndef RS_SEMANTIC_INDEX_H
#define RS_SEMANTIC_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef struct sem_index sem_index;

/* Build from a faiss index_factory description ("Flat", "HNSW32",
 * "IVF64,Flat", ...) with METRIC_INNER_PRODUCT; trains it on x when the
 * index needs training (IVF), then adds x[n * dim]. */
rs_status sem_index_build(const char *description, int dim, const float *x, int32_t n,
                          sem_index **out, rs_error *err);

/* Read an index written by sem_index_save and check that it holds n
 * vectors of dimension dim searched by inner product. */
rs_status sem_index_load(const char *path, const char *description, int dim, int32_t n,
                         sem_index **out, rs_error *err);
rs_status sem_index_save(const sem_index *ix, const char *path, rs_error *err);

/* Search-time knobs: HNSW efSearch and IVF nprobe (applied only to index
 * types that have them; <= 0 keeps faiss's default). */
rs_status sem_index_tune(sem_index *ix, int ef_search, int nprobe, rs_error *err);

void sem_index_free(sem_index *ix);

/* True when item must not be returned. */
typedef int (*sem_skip_fn)(const void *ctx, int32_t item);

/*
 * Top-k by inner product with query q[dim], best first (equal scores: the
 * smaller item first, as rs_topk orders them), skipping items for
 * which skip() is true. faiss 1.7's C API has no search-time ID selector,
 * so this over-fetches k + max_skip (max_skip = how many items skip() can
 * reject), filters, and doubles the fetch while the filtered list is short
 * and the index still has more to give. Approximate indexes (HNSW, IVF
 * with few probes) may return fewer than k.
 */
rs_status sem_index_search(const sem_index *ix, const float *q, size_t k, sem_skip_fn skip,
                           const void *ctx, size_t max_skip, rs_scored *out, size_t *n_out,
                           rs_error *err);

/* Fit-time batch search: the top `k` labels and inner products of each of
 * the n queries x[n * dim] into lab[n * k] / dist[n * k] (-1 pads). Runs
 * on faiss's OpenMP threads; not for the request path. */
rs_status sem_index_search_batch(const sem_index *ix, const float *x, int32_t n, size_t k,
                                 float *dist, int64_t *lab, rs_error *err);

#endif /* RS_SEMANTIC_INDEX_H */
