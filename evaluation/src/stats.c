/* Bootstrap percentile intervals; see recsys/eval_stats.h. */
#include "recsys/eval_stats.h"

#include <math.h>
#include <stdlib.h>

#include "rng.h"

double rs_quantile_sorted(const double *a, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double h = q * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return a[n - 1];
    return a[lo] + (h - (double)lo) * (a[lo + 1] - a[lo]);
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void col_means(const double *x, const uint32_t *rows, size_t n_rows, size_t n_cols,
                      double *out)
{
    for (size_t c = 0; c < n_cols; c++)
        out[c] = 0.0;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + (size_t)(rows ? rows[i] : i) * n_cols;
        for (size_t c = 0; c < n_cols; c++)
            out[c] += r[c];
    }
    for (size_t c = 0; c < n_cols; c++)
        out[c] /= (double)n_rows;
}

static double rel_change(double a, double b) { return b == 0.0 ? NAN : a / b - 1.0; }

/* Shared driver: y == NULL gives means of x, otherwise relative changes.
 * draws[b * n_cols + c] holds resample b's statistic for column c. */
static rs_status bootstrap(const double *x, const double *y, size_t n_rows, size_t n_cols,
                           size_t resamples, uint64_t seed, rs_ci *out, rs_error *err)
{
    double *mx = malloc(2 * (n_cols ? n_cols : 1) * sizeof *mx);
    if (!mx)
        return rs_error_set(err, RS_ERR_NOMEM, "bootstrap: out of memory");
    double *my = mx + n_cols;
    for (size_t c = 0; c < n_cols; c++)
        out[c].mean = out[c].lo = out[c].hi = NAN;
    if (n_rows == 0) {
        free(mx);
        return RS_OK;
    }
    if (n_rows > UINT32_MAX) {
        free(mx);
        return rs_error_set(err, RS_ERR_INVALID, "bootstrap: %zu rows is more than supported",
                            n_rows);
    }
    col_means(x, NULL, n_rows, n_cols, mx);
    if (y)
        col_means(y, NULL, n_rows, n_cols, my);
    for (size_t c = 0; c < n_cols; c++)
        out[c].mean = y ? rel_change(mx[c], my[c]) : mx[c];
    if (resamples == 0) {
        free(mx);
        return RS_OK;
    }

    rs_status st = RS_OK;
    uint32_t *rows = malloc(n_rows * sizeof *rows);
    double *draws = malloc(resamples * n_cols * sizeof *draws);
    double *col = malloc(resamples * sizeof *col);
    if (!rows || !draws || !col) {
        st = rs_error_set(err, RS_ERR_NOMEM, "bootstrap: out of memory for %zu resamples",
                          resamples);
        goto free_all;
    }
    rs_rng r = rs_rng_stream(seed, 0xB007, n_rows);
    for (size_t b = 0; b < resamples; b++) {
        for (size_t i = 0; i < n_rows; i++)
            rows[i] = rs_rng_below(&r, (uint32_t)n_rows);
        col_means(x, rows, n_rows, n_cols, mx);
        if (y)
            col_means(y, rows, n_rows, n_cols, my);
        for (size_t c = 0; c < n_cols; c++)
            draws[b * n_cols + c] = y ? rel_change(mx[c], my[c]) : mx[c];
    }
    for (size_t c = 0; c < n_cols; c++) {
        size_t m = 0;
        for (size_t b = 0; b < resamples; b++) {
            double v = draws[b * n_cols + c];
            if (!isnan(v)) /* a resample whose baseline mean is 0 */
                col[m++] = v;
        }
        qsort(col, m, sizeof *col, dbl_cmp);
        out[c].lo = rs_quantile_sorted(col, m, 0.025);
        out[c].hi = rs_quantile_sorted(col, m, 0.975);
    }
free_all:
    free(col);
    free(draws);
    free(rows);
    free(mx);
    return st;
}

rs_status rs_bootstrap_means(const double *x, size_t n_rows, size_t n_cols, size_t resamples,
                             uint64_t seed, rs_ci *out, rs_error *err)
{
    return bootstrap(x, NULL, n_rows, n_cols, resamples, seed, out, err);
}

rs_status rs_bootstrap_relative(const double *x, const double *y, size_t n_rows, size_t n_cols,
                                size_t resamples, uint64_t seed, rs_ci *out, rs_error *err)
{
    return bootstrap(x, y, n_rows, n_cols, resamples, seed, out, err);
}
