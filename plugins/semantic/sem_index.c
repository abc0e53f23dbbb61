#include "sem_index.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "recsys/topk.h"

#include <AutoTune_c.h>
#include <Index_c.h>
#include <error_c.h>
#include <index_factory_c.h>
#include <index_io_c.h>

struct sem_index {
    FaissIndex *index;
    char description[128];
    int dim;
    int32_t n;
};

/* Copy faiss's thread-local last error now, before another call replaces
 * it. */
static rs_status faiss_fail(rs_error *err, int code, const char *what, const char *subject)
{
    const char *msg = faiss_get_last_error();
    return rs_error_set(err, RS_ERR_INTERNAL,
                        "semantic: faiss %s (%s) failed "
                        "(code %d): %s",
                        what, subject, code, msg && *msg ? msg : "no message");
}

void sem_index_free(sem_index *ix)
{
    if (!ix)
        return;
    if (ix->index)
        faiss_Index_free(ix->index);
    free(ix);
}

static rs_status new_handle(const char *description, int dim, sem_index **out, rs_error *err)
{
    if (strlen(description) >= sizeof((sem_index *)0)->description)
        return rs_error_set(err, RS_ERR_CONFIG, "semantic: index description '%s' is too long",
                            description);
    sem_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    snprintf(ix->description, sizeof ix->description, "%s", description);
    ix->dim = dim;
    *out = ix;
    return RS_OK;
}

rs_status sem_index_build(const char *description, int dim, const float *x, int32_t n,
                          sem_index **out, rs_error *err)
{
    sem_index *ix = NULL;
    rs_status st = new_handle(description, dim, &ix, err);
    if (st != RS_OK)
        return st;
    int rc = faiss_index_factory(&ix->index, dim, description, METRIC_INNER_PRODUCT);
    if (rc != 0) {
        st = faiss_fail(err, rc, "index_factory", description);
        ix->index = NULL;
        goto fail;
    }
    if (!faiss_Index_is_trained(ix->index)) {
        /* IVF: k-means over the catalogue itself; the vectors are few
         * enough (thousands) to train on all of them. */
        if ((rc = faiss_Index_train(ix->index, n, x)) != 0) {
            st = faiss_fail(err, rc, "train", description);
            goto fail;
        }
    }
    if ((rc = faiss_Index_add(ix->index, n, x)) != 0) {
        st = faiss_fail(err, rc, "add", description);
        goto fail;
    }
    ix->n = n;
    *out = ix;
    return RS_OK;
fail:
    sem_index_free(ix);
    return st;
}

rs_status sem_index_load(const char *path, const char *description, int dim, int32_t n,
                         sem_index **out, rs_error *err)
{
    sem_index *ix = NULL;
    rs_status st = new_handle(description, dim, &ix, err);
    if (st != RS_OK)
        return st;
    int rc = faiss_read_index_fname(path, 0, &ix->index);
    if (rc != 0) {
        st = faiss_fail(err, rc, "read_index", path);
        ix->index = NULL;
        goto fail;
    }
    if (faiss_Index_d(ix->index) != dim || faiss_Index_ntotal(ix->index) != n ||
        faiss_Index_metric_type(ix->index) != METRIC_INNER_PRODUCT) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "%s: index holds %lld vectors of dim %d (metric %d); "
                          "expected %d of dim %d by inner product",
                          path, (long long)faiss_Index_ntotal(ix->index), faiss_Index_d(ix->index),
                          (int)faiss_Index_metric_type(ix->index), (int)n, dim);
        goto fail;
    }
    ix->n = n;
    *out = ix;
    return RS_OK;
fail:
    sem_index_free(ix);
    return st;
}

rs_status sem_index_save(const sem_index *ix, const char *path, rs_error *err)
{
    int rc = faiss_write_index_fname(ix->index, path);
    if (rc != 0)
        return faiss_fail(err, rc, "write_index", path);
    return RS_OK;
}

static rs_status set_param(FaissIndex *index, const char *name, double v, rs_error *err)
{
    FaissParameterSpace *ps = NULL;
    int rc = faiss_ParameterSpace_new(&ps);
    if (rc != 0)
        return faiss_fail(err, rc, "ParameterSpace_new", name);
    rc = faiss_ParameterSpace_set_index_parameter(ps, index, name, v);
    rs_status st = rc != 0 ? faiss_fail(err, rc, "set_index_parameter", name) : RS_OK;
    faiss_ParameterSpace_free(ps);
    return st;
}

rs_status sem_index_tune(sem_index *ix, int ef_search, int nprobe, rs_error *err)
{
    rs_status st = RS_OK;
    if (ef_search > 0 && strstr(ix->description, "HNSW"))
        st = set_param(ix->index, "efSearch", ef_search, err);
    if (st == RS_OK && nprobe > 0 && strstr(ix->description, "IVF"))
        st = set_param(ix->index, "nprobe", nprobe, err);
    return st;
}

static int cmp_scored(const void *a, const void *b)
{
    rs_scored x = *(const rs_scored *)a, y = *(const rs_scored *)b;
    return rs_scored_better(x, y) ? -1 : rs_scored_better(y, x) ? 1 : 0;
}

rs_status sem_index_search(const sem_index *ix, const float *q, size_t k, sem_skip_fn skip,
                           const void *ctx, size_t max_skip, rs_scored *out, size_t *n_out,
                           rs_error *err)
{
    size_t total = (size_t)ix->n, fetch = k + max_skip, got = 0;
    rs_status st = RS_OK;
    *n_out = 0;
    if (k == 0 || total == 0)
        return RS_OK;
    if (fetch > total)
        fetch = total;

    /* One query needs no thread team, but faiss's HNSW search opens an
     * OpenMP parallel region unconditionally (each member allocating a
     * visited table over the whole catalogue). With many request threads
     * that multiplies into oversubscription, so search on one thread. The
     * setting is per calling thread (an OpenMP ICV), restored below. */
    int saved_threads = omp_get_max_threads();
    omp_set_num_threads(1);

    float *dist = NULL;
    idx_t *lab = NULL;
    for (;;) {
        float *d2 = realloc(dist, fetch * sizeof *d2);
        if (d2)
            dist = d2;
        idx_t *l2 = realloc(lab, fetch * sizeof *l2);
        if (l2)
            lab = l2;
        if (!d2 || !l2) {
            st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
            break;
        }
        int rc = faiss_Index_search(ix->index, 1, q, (idx_t)fetch, dist, lab);
        if (rc != 0) {
            st = faiss_fail(err, rc, "search", ix->description);
            break;
        }
        int exhausted = 0;
        got = 0;
        for (size_t j = 0; j < fetch && got < k; j++) {
            if (lab[j] < 0) { /* padding: the index has nothing more */
                exhausted = 1;
                break;
            }
            int32_t item = (int32_t)lab[j];
            if (skip && skip(ctx, item))
                continue;
            out[got++] = (rs_scored){item, dist[j]};
        }
        if (got == k || exhausted || fetch == total)
            break;
        fetch = fetch * 2 > total ? total : fetch * 2;
    }
    omp_set_num_threads(saved_threads);
    free(dist);
    free(lab);
    if (st == RS_OK) {
        /* faiss orders equal scores by its own heap; the SDK rule is the
         * smaller item first (duplicate movies have identical vectors). */
        qsort(out, got, sizeof *out, cmp_scored);
        *n_out = got;
    }
    return st;
}

rs_status sem_index_search_batch(const sem_index *ix, const float *x, int32_t n, size_t k,
                                 float *dist, int64_t *lab, rs_error *err)
{
    _Static_assert(sizeof(idx_t) == sizeof(int64_t), "faiss idx_t is 64-bit");
    if (n <= 0 || k == 0)
        return RS_OK;
    int rc = faiss_Index_search(ix->index, n, x, (idx_t)k, dist, (idx_t *)lab);
    if (rc != 0)
        return faiss_fail(err, rc, "batch search", ix->description);
    return RS_OK;
}
