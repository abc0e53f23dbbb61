/* Timing helpers for benchmarks: monotonic seconds, medians, percentiles. */
#ifndef RS_BENCH_UTIL_H
#define RS_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double bu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static inline int bu_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v in place; q in [0, 1] (0.5 = median, 0.99 = p99). */
static inline double bu_quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, bu_cmp);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

#endif
