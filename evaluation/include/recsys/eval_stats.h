/*
 * Confidence intervals for means over users: the bootstrap percentile
 * method (resample users with replacement, take the 2.5 % and 97.5 %
 * quantiles of the resampled means, linear interpolation between order
 * statistics). Values are row-major matrices x[row = user][col = metric].
 *
 * Resampling is driven only by (seed, n_rows), so two calls with the same
 * seed over the same users draw the same resamples: that is what makes the
 * relative change of a plugin against a baseline a *paired* comparison.
 *
 * Thread contract: pure; call from any thread.
 */
#ifndef RECSYS_EVAL_STATS_H
#define RECSYS_EVAL_STATS_H

#include "recsys/plugin.h"

typedef struct rs_ci {
    double mean;   /* point estimate on the full sample */
    double lo, hi; /* 95 % interval; NAN when n_rows == 0 */
} rs_ci;

/* Column means of x[n_rows][n_cols] with 95 % bootstrap intervals. */
rs_status rs_bootstrap_means(const double *x, size_t n_rows, size_t n_cols, size_t resamples,
                             uint64_t seed, rs_ci *out, rs_error *err);

/* Relative change mean(x)/mean(y) - 1 per column (x and y paired by row),
 * with a paired bootstrap interval. NAN where the baseline mean is 0. */
rs_status rs_bootstrap_relative(const double *x, const double *y, size_t n_rows, size_t n_cols,
                                size_t resamples, uint64_t seed, rs_ci *out, rs_error *err);

/* Quantile q in [0,1] of sorted a[n] by linear interpolation (R type 7). */
double rs_quantile_sorted(const double *a, size_t n, double q);

#endif /* RECSYS_EVAL_STATS_H */
