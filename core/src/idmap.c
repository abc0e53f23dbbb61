#include "idmap.h"

#include <stdlib.h>

static size_t slot_of(int64_t id, size_t cap)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull; /* Fibonacci hashing */
    return (size_t)(h >> 17) & (cap - 1);
}

int rs_idmap_init(rs_idmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    m->keys = malloc(cap * sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    m->cap = cap;
    m->n = 0;
    if (!m->keys || !m->vals) {
        rs_idmap_destroy(m);
        return -1;
    }
    for (size_t i = 0; i < cap; i++)
        m->vals[i] = -1;
    return 0;
}

void rs_idmap_destroy(rs_idmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}

static int grow(rs_idmap *m)
{
    rs_idmap bigger;
    if (rs_idmap_init(&bigger, m->cap) != 0)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i] >= 0)
            rs_idmap_put(&bigger, m->keys[i], m->vals[i]);
    rs_idmap_destroy(m);
    *m = bigger;
    return 0;
}

int32_t rs_idmap_put(rs_idmap *m, int64_t id, int32_t idx)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
        return -2;
    size_t s = slot_of(id, m->cap);
    while (m->vals[s] >= 0) {
        if (m->keys[s] == id)
            return m->vals[s];
        s = (s + 1) & (m->cap - 1);
    }
    m->keys[s] = id;
    m->vals[s] = idx;
    m->n++;
    return idx;
}

int32_t rs_idmap_get(const rs_idmap *m, int64_t id)
{
    if (!m->cap)
        return -1;
    size_t s = slot_of(id, m->cap);
    while (m->vals[s] >= 0) {
        if (m->keys[s] == id)
            return m->vals[s];
        s = (s + 1) & (m->cap - 1);
    }
    return -1;
}
