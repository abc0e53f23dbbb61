#include "sem_idmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct pair {
    int64_t id;
    int32_t index;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

rs_status sem_idmap_build(sem_idmap *m, const int64_t *ids, int32_t n, const char *what,
                          rs_error *err)
{
    memset(m, 0, sizeof *m);
    pair *p = malloc(((size_t)n + 1) * sizeof *p);
    m->id = malloc(((size_t)n + 1) * sizeof *m->id);
    m->index = malloc(((size_t)n + 1) * sizeof *m->index);
    if (!p || !m->id || !m->index) {
        free(p);
        sem_idmap_free(m);
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    }
    for (int32_t i = 0; i < n; i++)
        p[i] = (pair){ids[i], i};
    qsort(p, (size_t)n, sizeof *p, cmp_pair);
    for (int32_t i = 0; i < n; i++) {
        if (i > 0 && p[i].id == p[i - 1].id) {
            rs_status st = rs_error_set(err, RS_ERR_INVALID,
                                        "semantic: duplicate %s id %lld (rows %d "
                                        "and %d)",
                                        what, (long long)p[i].id, (int)p[i - 1].index + 1,
                                        (int)p[i].index + 1);
            free(p);
            sem_idmap_free(m);
            return st;
        }
        m->id[i] = p[i].id;
        m->index[i] = p[i].index;
    }
    m->n = n;
    free(p);
    return RS_OK;
}

rs_status sem_idmap_build_items(sem_idmap *m, const rs_dataset *d, rs_error *err)
{
    int64_t *ids = malloc(((size_t)d->n_items + 1) * sizeof *ids);
    if (!ids)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    for (int32_t i = 0; i < d->n_items; i++)
        ids[i] = d->items[i].movie_id;
    rs_status st = sem_idmap_build(m, ids, d->n_items, "catalogue movie", err);
    free(ids);
    return st;
}

void sem_idmap_free(sem_idmap *m)
{
    if (!m)
        return;
    free(m->id);
    free(m->index);
    memset(m, 0, sizeof *m);
}

int32_t sem_idmap_find(const sem_idmap *m, int64_t id)
{
    int32_t lo = 0, hi = m->n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (m->id[mid] < id)
            lo = mid + 1;
        else if (m->id[mid] > id)
            hi = mid;
        else
            return m->index[mid];
    }
    return -1;
}
