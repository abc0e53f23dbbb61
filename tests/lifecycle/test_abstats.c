/* Experiment statistics against hand-computed values. */
#include <math.h>

#include "recsys/abstats.h"
#include "test_util.h"

START_TEST(sign_test_exact)
{
    /* 8 : 2 -> 2 * (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 * 56 / 1024. */
    ck_assert_double_eq_tol(rs_abstats_sign_test(8, 2), 112.0 / 1024.0, 1e-12);
    ck_assert_double_eq_tol(rs_abstats_sign_test(2, 8), 112.0 / 1024.0, 1e-12);
    /* 9 : 1 -> 2 * 11 / 1024; 0 : 6 -> 2 / 64. */
    ck_assert_double_eq_tol(rs_abstats_sign_test(9, 1), 22.0 / 1024.0, 1e-12);
    ck_assert_double_eq_tol(rs_abstats_sign_test(0, 6), 2.0 / 64.0, 1e-12);
    /* Balanced or empty: no evidence. */
    ck_assert_double_eq(rs_abstats_sign_test(5, 5), 1.0);
    ck_assert_double_eq(rs_abstats_sign_test(0, 0), 1.0);
    /* 60 : 40 -> 2 * sum_{i<=40} C(100,i) / 2^100 = 0.0568879 (exact sum). */
    ck_assert_double_eq_tol(rs_abstats_sign_test(60, 40), 0.05688793364, 1e-9);
    /* Large n stays finite and tiny: 600 : 400. */
    double p = rs_abstats_sign_test(600, 400);
    ck_assert(p > 0 && p < 1e-9);
}
END_TEST

START_TEST(two_proportion)
{
    double z, p;
    rs_error err = {0};
    /* 30/100 vs 20/100: pooled 0.25, se = sqrt(0.25 * 0.75 * 0.02). */
    ck_assert_int_eq(rs_abstats_two_proportion(30, 100, 20, 100, &z, &p, &err), RS_OK);
    ck_assert_double_eq_tol(z, 0.1 / sqrt(0.25 * 0.75 * 0.02), 1e-12);
    ck_assert_double_eq_tol(z, 1.6329931619, 1e-9);
    ck_assert_double_eq_tol(p, 0.1024704349, 1e-9);
    ck_assert_int_eq(rs_abstats_two_proportion(20, 100, 30, 100, &z, &p, &err), RS_OK);
    ck_assert(z < 0);
    ck_assert_int_eq(rs_abstats_two_proportion(1, 0, 3, 10, &z, &p, &err), RS_ERR_INVALID);
    tu_assert_contains(err.message, "n1=0");
    ck_assert_int_eq(rs_abstats_two_proportion(11, 10, 3, 10, &z, &p, &err), RS_ERR_INVALID);
    ck_assert_int_eq(rs_abstats_two_proportion(0, 10, 0, 20, &z, &p, &err), RS_ERR_INVALID);
    tu_assert_contains(err.message, "no variance");
}
END_TEST

START_TEST(arm_intervals)
{
    rs_arm_counts c = {10, 25, 100, 30, 0, 0};
    /* Hits rated 4 (x10), 5 (x10), 3 (x10): mean 4, sample sd sqrt(20/29). */
    c.rating_sum = 10 * 4 + 10 * 5 + 10 * 3;
    c.rating_sumsq = 10 * 16 + 10 * 25 + 10 * 9;
    rs_arm_stats s;
    rs_abstats_arm(&c, &s);
    ck_assert_double_eq_tol(s.hit_rate, 0.30, 1e-12);
    /* Wilson 95 % for 30/100: [0.21895, 0.39585]. */
    ck_assert_double_eq_tol(s.hit_rate_lo, 0.2189488529, 1e-9);
    ck_assert_double_eq_tol(s.hit_rate_hi, 0.3958485463, 1e-9);
    ck_assert_double_eq_tol(s.mean_rating, 4.0, 1e-12);
    double half = 2.0452 * sqrt(20.0 / 29.0) / sqrt(30.0); /* t(29) = 2.0452 */
    ck_assert_double_eq_tol(s.mean_lo, 4.0 - half, 1e-9);
    ck_assert_double_eq_tol(s.mean_hi, 4.0 + half, 1e-9);
    /* One hit: a mean but no interval; no hits: neither. */
    rs_arm_counts one = {1, 1, 5, 1, 4.5, 20.25};
    rs_abstats_arm(&one, &s);
    ck_assert_double_eq_tol(s.mean_rating, 4.5, 1e-12);
    ck_assert(isnan(s.mean_lo) && isnan(s.mean_hi));
    rs_arm_counts none = {0, 0, 0, 0, 0, 0};
    rs_abstats_arm(&none, &s);
    ck_assert_double_eq(s.hit_rate, 0);
    ck_assert(isnan(s.mean_rating));
}
END_TEST

START_TEST(t_quantiles)
{
    ck_assert_double_eq_tol(rs_abstats_t975(1), 12.7062, 1e-4);
    ck_assert_double_eq_tol(rs_abstats_t975(10), 2.2281, 1e-4);
    /* Beyond the table: published values 2.0211 (40), 1.9840 (100),
     * 1.9623 (1000). */
    ck_assert_double_eq_tol(rs_abstats_t975(40), 2.0211, 2e-4);
    ck_assert_double_eq_tol(rs_abstats_t975(100), 1.9840, 2e-4);
    ck_assert_double_eq_tol(rs_abstats_t975(1000), 1.9623, 2e-4);
    ck_assert(isnan(rs_abstats_t975(0)));
}
END_TEST

START_TEST(tally_counts_pairs_not_rows)
{
    /* Arm 0: user 1 sees {10, 11} at t=100 and again {10, 11} at t=200
     * (a reload), rates 10 at t=150 (4.0) and 12 (never shown).
     * User 2 sees {10} at t=100, rated it at t=50 (before: not a hit).
     * Arm 1: user 3 sees {20, 21, 22} at t=100, rates 21 (5.0) and
     * 22 (3.0) at t=300. */
    rs_exposure_row ex[] = {
        {1, 0, 10, 200}, {1, 0, 11, 200}, {1, 0, 10, 100}, {1, 0, 11, 100},
        {2, 0, 10, 100}, {3, 1, 20, 100}, {3, 1, 21, 100}, {3, 1, 22, 100},
    };
    rs_rating_row r[] = {
        {1, 10, 4.0f, 150}, {1, 12, 2.0f, 160}, {2, 10, 5.0f, 50},
        {3, 22, 3.0f, 300}, {3, 21, 5.0f, 300},
    };
    rs_arm_counts c[2];
    rs_error err = {0};
    ck_assert_int_eq(rs_abstats_tally(ex, 8, r, 5, 2, c, &err), RS_OK);
    ck_assert_int_eq(c[0].users, 2);
    ck_assert_int_eq(c[0].exposures, 3);
    ck_assert_int_eq(c[0].shown, 3); /* (1,10) (1,11) (2,10) */
    ck_assert_int_eq(c[0].hits, 1);
    ck_assert_double_eq_tol(c[0].rating_sum, 4.0, 1e-12);
    ck_assert_int_eq(c[1].users, 1);
    ck_assert_int_eq(c[1].exposures, 1);
    ck_assert_int_eq(c[1].shown, 3);
    ck_assert_int_eq(c[1].hits, 2);
    ck_assert_double_eq_tol(c[1].rating_sum, 8.0, 1e-12);
    ck_assert_double_eq_tol(c[1].rating_sumsq, 34.0, 1e-12);
    rs_exposure_row bad = {1, 5, 1, 1};
    ck_assert_int_eq(rs_abstats_tally(&bad, 1, r, 0, 2, c, &err), RS_ERR_INVALID);
    ck_assert_str_eq(err.message, "exposure row 0: arm 5 outside 0..1");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("abstats");
    TCase *tc = tcase_create("abstats");
    tcase_add_test(tc, sign_test_exact);
    tcase_add_test(tc, two_proportion);
    tcase_add_test(tc, arm_intervals);
    tcase_add_test(tc, t_quantiles);
    tcase_add_test(tc, tally_counts_pairs_not_rows);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
