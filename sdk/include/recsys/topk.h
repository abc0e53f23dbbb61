/*
 * Header-only top-k selection for plugins (part of the SDK).
 *
 * A bounded min-heap over rs_scored: push n candidates, keep the k best,
 * then sort them best first. Ties break deterministically: equal scores
 * rank the smaller item index first, so results never depend on thread
 * timing or hash order. The caller provides the storage (k entries).
 */
#ifndef RECSYS_TOPK_H
#define RECSYS_TOPK_H

#include <stdlib.h>

#include "recsys/plugin.h"

typedef struct rs_topk {
    rs_scored *heap; /* caller storage, capacity cap */
    size_t cap;
    size_t n;
} rs_topk;

/* a ranks strictly better than b */
static inline int rs_scored_better(rs_scored a, rs_scored b)
{
    if (a.score != b.score)
        return a.score > b.score;
    return a.item < b.item;
}

static inline void rs_topk_init(rs_topk *t, rs_scored *storage, size_t cap)
{
    t->heap = storage;
    t->cap = cap;
    t->n = 0;
}

static inline void rs_topk__sift_down(rs_topk *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        if (l < t->n && rs_scored_better(t->heap[worst], t->heap[l]))
            worst = l;
        if (r < t->n && rs_scored_better(t->heap[worst], t->heap[r]))
            worst = r;
        if (worst == i)
            return;
        rs_scored tmp = t->heap[i];
        t->heap[i] = t->heap[worst];
        t->heap[worst] = tmp;
        i = worst;
    }
}

/* The current k-th best score, or -INFINITY while the heap is not full:
 * a candidate at or below it (with a larger index) cannot enter. */
static inline float rs_topk_threshold(const rs_topk *t)
{
    return t->n < t->cap ? -INFINITY : t->heap[0].score;
}

static inline void rs_topk_push(rs_topk *t, int32_t item, float score)
{
    rs_scored s = {item, score};
    if (t->cap == 0 || isnan(score))
        return;
    if (t->n < t->cap) {
        size_t i = t->n++;
        t->heap[i] = s;
        while (i > 0) { /* sift up: the root holds the worst kept entry */
            size_t p = (i - 1) / 2;
            if (!rs_scored_better(t->heap[p], t->heap[i]))
                break;
            rs_scored tmp = t->heap[p];
            t->heap[p] = t->heap[i];
            t->heap[i] = tmp;
            i = p;
        }
        return;
    }
    if (!rs_scored_better(s, t->heap[0]))
        return;
    t->heap[0] = s;
    rs_topk__sift_down(t, 0);
}

static inline int rs_topk__cmp(const void *a, const void *b)
{
    rs_scored x = *(const rs_scored *)a, y = *(const rs_scored *)b;
    if (rs_scored_better(x, y))
        return -1;
    if (rs_scored_better(y, x))
        return 1;
    return 0;
}

/* Sort the kept entries best first in place; returns how many. */
static inline size_t rs_topk_finish(rs_topk *t)
{
    qsort(t->heap, t->n, sizeof *t->heap, rs_topk__cmp);
    return t->n;
}

/* Binary search in a sorted int32 array (used for exclude lists). */
static inline int rs_sorted_contains(const int32_t *a, size_t n, int32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else if (a[mid] > x)
            hi = mid;
        else
            return 1;
    }
    return 0;
}

#endif /* RECSYS_TOPK_H */
