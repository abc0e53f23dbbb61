/* Unit tests of the blending arithmetic (plugins/hybrid/blend.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "blend.h"

#define EPS 1e-12

START_TEST(weight_curve_follows_the_documented_formula)
{
    rs_hybrid_curve c = {0.2, 0.9, 20.0};
    ck_assert_double_eq_tol(rs_hybrid_content_weight(&c, 0), 0.9, EPS);
    /* One scale of ratings removes 1 - 1/e of the span. */
    ck_assert_double_eq_tol(rs_hybrid_content_weight(&c, 20),
                            0.2 + 0.7 * exp(-1.0), EPS);
    ck_assert_double_eq_tol(rs_hybrid_content_weight(&c, 1000000), 0.2, EPS);
    double prev = 2.0;
    for (size_t n = 0; n < 200; n++) {
        double w = rs_hybrid_content_weight(&c, n);
        ck_assert(w < prev);
        ck_assert(w >= c.w_min && w <= c.w_max);
        prev = w;
    }
    rs_hybrid_curve flat = {0.5, 0.5, 3.0};
    ck_assert_double_eq_tol(rs_hybrid_content_weight(&flat, 7), 0.5, EPS);
}
END_TEST

START_TEST(normalisation_names_parse_exactly)
{
    rs_hybrid_norm m;
    ck_assert(rs_hybrid_norm_parse("rrf", &m) && m == RS_HYBRID_RRF);
    ck_assert(rs_hybrid_norm_parse("zscore", &m) && m == RS_HYBRID_ZSCORE);
    ck_assert(rs_hybrid_norm_parse("minmax", &m) && m == RS_HYBRID_MINMAX);
    ck_assert(!rs_hybrid_norm_parse("RRF", &m));
    ck_assert(!rs_hybrid_norm_parse("", &m));
    ck_assert(!rs_hybrid_norm_parse(NULL, &m));
    ck_assert_str_eq(rs_hybrid_norm_name(RS_HYBRID_MINMAX), "minmax");
}
END_TEST

START_TEST(rrf_uses_competition_ranks_and_a_floor_below_the_last)
{
    float raw[] = {3.0f, NAN, 1.0f, 3.0f, 2.0f};
    rs_hybrid_rank scratch[5];
    double lift[5];
    size_t m = rs_hybrid_normalise(RS_HYBRID_RRF, 60.0, raw, 5, scratch, lift);
    ck_assert_uint_eq(m, 4);
    double floor = 1.0 / (60 + 5); /* rank m + 1 */
    ck_assert_double_eq_tol(lift[0], 1.0 / 61 - floor, EPS); /* tie: rank 1 */
    ck_assert_double_eq_tol(lift[3], 1.0 / 61 - floor, EPS);
    ck_assert_double_eq_tol(lift[4], 1.0 / 63 - floor, EPS); /* rank 3 */
    ck_assert_double_eq_tol(lift[2], 1.0 / 64 - floor, EPS); /* rank 4 */
    ck_assert(isnan(lift[1]));
    ck_assert(lift[2] > 0.0); /* the worst scored item beats a missing one */

    /* The same scores in another order get the same values. */
    float rev[] = {2.0f, 3.0f, 1.0f, NAN, 3.0f};
    double lrev[5];
    rs_hybrid_normalise(RS_HYBRID_RRF, 60.0, rev, 5, scratch, lrev);
    ck_assert_double_eq_tol(lrev[0], lift[4], EPS);
    ck_assert_double_eq_tol(lrev[1], lift[0], EPS);
    ck_assert_double_eq_tol(lrev[2], lift[2], EPS);
    ck_assert_double_eq_tol(lrev[4], lift[3], EPS);
}
END_TEST

START_TEST(minmax_and_zscore_lift_above_the_lowest_scored)
{
    float raw[] = {2.0f, NAN, 4.0f, 6.0f};
    double lift[4];
    ck_assert_uint_eq(
        rs_hybrid_normalise(RS_HYBRID_MINMAX, 0, raw, 4, NULL, lift), 3);
    ck_assert_double_eq_tol(lift[0], 0.0, EPS);
    ck_assert_double_eq_tol(lift[2], 0.5, EPS);
    ck_assert_double_eq_tol(lift[3], 1.0, EPS);
    ck_assert(isnan(lift[1]));

    rs_hybrid_normalise(RS_HYBRID_ZSCORE, 0, raw, 4, NULL, lift);
    double sd = sqrt((4.0 + 0.0 + 4.0) / 3.0); /* mean 4 */
    ck_assert_double_eq_tol(lift[0], 0.0, EPS);
    ck_assert_double_eq_tol(lift[2], 2.0 / sd, EPS);
    ck_assert_double_eq_tol(lift[3], 4.0 / sd, EPS);

    float flat[] = {5.0f, 5.0f, NAN};
    rs_hybrid_normalise(RS_HYBRID_ZSCORE, 0, flat, 3, NULL, lift);
    ck_assert_double_eq_tol(lift[0], 0.0, EPS);
    rs_hybrid_normalise(RS_HYBRID_MINMAX, 0, flat, 3, NULL, lift);
    ck_assert_double_eq_tol(lift[1], 0.0, EPS);
    ck_assert(isnan(lift[2]));

    float none[] = {NAN, NAN};
    ck_assert_uint_eq(
        rs_hybrid_normalise(RS_HYBRID_MINMAX, 0, none, 2, NULL, lift), 0);
}
END_TEST

START_TEST(combine_counts_missing_as_floor_and_all_missing_as_nan)
{
    /* child 0 lifts, child 1 lifts; item 1 missing in child 0, item 2 in
     * both. */
    double lift[] = {1.0, NAN, NAN, 0.5, /* child 0 */
                     0.2, 0.8, NAN, NAN}; /* child 1 */
    double w[] = {0.75, 0.25};
    float b[4];
    rs_hybrid_combine(2, w, lift, 4, b);
    ck_assert_float_eq_tol(b[0], 0.75f * 1.0f + 0.25f * 0.2f, 1e-6f);
    ck_assert_float_eq_tol(b[1], 0.25f * 0.8f, 1e-6f);
    ck_assert(isnan(b[2]));
    ck_assert_float_eq_tol(b[3], 0.75f * 0.5f, 1e-6f);

    float share[2];
    rs_hybrid_shares(2, w, lift, 4, 0, share);
    ck_assert_float_eq_tol(share[0] + share[1], 1.0f, 1e-6f);
    ck_assert_float_eq_tol(share[0], 0.75f / (0.75f + 0.05f), 1e-6f);
    rs_hybrid_shares(2, w, lift, 4, 1, share);
    ck_assert_float_eq(share[0], 0.0f); /* missing: no credit */
    ck_assert_float_eq_tol(share[1], 1.0f, 1e-6f);

    /* On every floor: shares follow the weights of who scored it. */
    double zero[] = {0.0, 0.0};
    rs_hybrid_shares(2, w, zero, 1, 0, share);
    ck_assert_float_eq_tol(share[0], 0.75f, 1e-6f);
    ck_assert_float_eq_tol(share[1], 0.25f, 1e-6f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hybrid_blend");
    TCase *tc = tcase_create("blend");
    tcase_add_test(tc, weight_curve_follows_the_documented_formula);
    tcase_add_test(tc, normalisation_names_parse_exactly);
    tcase_add_test(tc, rrf_uses_competition_ranks_and_a_floor_below_the_last);
    tcase_add_test(tc, minmax_and_zscore_lift_above_the_lowest_scored);
    tcase_add_test(tc, combine_counts_missing_as_floor_and_all_missing_as_nan);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
