/* Bootstrap intervals: exact cases, determinism, and the width theory
 * predicts for a Bernoulli mean. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "recsys/eval_stats.h"
#include "test_util.h"

START_TEST(quantiles_interpolate)
{
    const double a[] = {1, 2, 3, 4};
    ck_assert_double_eq_tol(rs_quantile_sorted(a, 4, 0.5), 2.5, 1e-12);
    ck_assert_double_eq_tol(rs_quantile_sorted(a, 4, 0.0), 1.0, 1e-12);
    ck_assert_double_eq_tol(rs_quantile_sorted(a, 4, 1.0), 4.0, 1e-12);
    ck_assert(isnan(rs_quantile_sorted(a, 0, 0.5)));
}
END_TEST

START_TEST(means_and_constant_columns)
{
    /* column 0 constant 0.5, column 1 = 0, 1, 2, ... */
    double x[20 * 2];
    for (int i = 0; i < 20; i++) {
        x[2 * i] = 0.5;
        x[2 * i + 1] = i;
    }
    rs_ci ci[2];
    rs_error err;
    ck_assert_int_eq(rs_bootstrap_means(x, 20, 2, 500, 1, ci, &err), RS_OK);
    ck_assert_double_eq_tol(ci[0].mean, 0.5, 1e-12);
    ck_assert_double_eq_tol(ci[0].lo, 0.5, 1e-12);
    ck_assert_double_eq_tol(ci[0].hi, 0.5, 1e-12);
    ck_assert_double_eq_tol(ci[1].mean, 9.5, 1e-12);
    ck_assert(ci[1].lo < 9.5 && ci[1].hi > 9.5);
    ck_assert(ci[1].lo > 5.0 && ci[1].hi < 14.0);
    rs_ci again[2];
    ck_assert_int_eq(rs_bootstrap_means(x, 20, 2, 500, 1, again, &err), RS_OK);
    ck_assert_double_eq(again[1].lo, ci[1].lo);
    ck_assert_double_eq(again[1].hi, ci[1].hi);
    ck_assert_int_eq(rs_bootstrap_means(x, 0, 2, 500, 1, ci, &err), RS_OK);
    ck_assert(isnan(ci[0].mean) && isnan(ci[0].lo));
}
END_TEST

START_TEST(bernoulli_width_matches_theory)
{
    /* p = 0.5, n = 400: standard error 0.025, so the 95 % interval is about
     * 2 * 1.96 * 0.025 = 0.098 wide. */
    enum { N = 400 };
    double *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++)
        x[i] = i % 2;
    rs_ci ci;
    rs_error err;
    ck_assert_int_eq(rs_bootstrap_means(x, N, 1, 2000, 9, &ci, &err), RS_OK);
    double w = ci.hi - ci.lo;
    ck_assert_msg(w > 0.085 && w < 0.111, "width %g", w);
    free(x);
}
END_TEST

START_TEST(relative_change_is_paired)
{
    /* x = 1.1 * y row by row: every resample gives exactly +10 %, so the
     * paired interval collapses, although y itself varies a lot. */
    enum { N = 50 };
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        y[i] = (i % 7) + 1;
        x[i] = 1.1 * y[i];
    }
    rs_ci ci;
    rs_error err;
    ck_assert_int_eq(rs_bootstrap_relative(x, y, N, 1, 300, 4, &ci, &err), RS_OK);
    ck_assert_double_eq_tol(ci.mean, 0.1, 1e-9);
    ck_assert_double_eq_tol(ci.lo, 0.1, 1e-9);
    ck_assert_double_eq_tol(ci.hi, 0.1, 1e-9);
    /* baseline mean 0: undefined */
    double z[N] = {0};
    ck_assert_int_eq(rs_bootstrap_relative(x, z, N, 1, 300, 4, &ci, &err), RS_OK);
    ck_assert(isnan(ci.mean));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_stats");
    TCase *tc = tcase_create("bootstrap");
    tcase_add_test(tc, quantiles_interpolate);
    tcase_add_test(tc, means_and_constant_columns);
    tcase_add_test(tc, bernoulli_width_matches_theory);
    tcase_add_test(tc, relative_change_is_paired);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
