/* Every metric against values computed by hand (see the comments). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "recsys/eval_metrics.h"
#include "recsys/topk.h"
#include "test_util.h"

#define EPS 1e-9

/* ranked = [5, 3, 9, 1, 7], relevant = {1, 3, 8}: hits at ranks 2 and 4. */
static const int32_t R[] = {5, 3, 9, 1, 7};
static const int32_t T[] = {1, 3, 8};

START_TEST(hits_and_recall_precision_hit_rate)
{
    ck_assert_uint_eq(rs_metric_hits(R, 5, T, 3, 5), 2);
    ck_assert_double_eq_tol(rs_metric_recall(R, 5, T, 3, 5), 2.0 / 3.0, EPS);
    ck_assert_double_eq_tol(rs_metric_precision(R, 5, T, 3, 5), 0.4, EPS);
    ck_assert_double_eq_tol(rs_metric_hit_rate(R, 5, T, 3, 5), 1.0, EPS);
    /* k = 2: only item 3 is in the top 2 */
    ck_assert_double_eq_tol(rs_metric_recall(R, 5, T, 3, 2), 1.0 / 3.0, EPS);
    ck_assert_double_eq_tol(rs_metric_precision(R, 5, T, 3, 2), 0.5, EPS);
    /* k = 1: item 5 is a miss */
    ck_assert_double_eq_tol(rs_metric_recall(R, 5, T, 3, 1), 0.0, EPS);
    ck_assert_double_eq_tol(rs_metric_hit_rate(R, 5, T, 3, 1), 0.0, EPS);
}
END_TEST

START_TEST(ndcg_by_hand)
{
    /* DCG = 1/log2(3) + 1/log2(5) = 0.6309298 + 0.4306766;
     * IDCG over min(3, 5) = 3 positions = 1 + 0.6309298 + 0.5 */
    double dcg = 1.0 / log2(3.0) + 1.0 / log2(5.0);
    double idcg = 1.0 + 1.0 / log2(3.0) + 0.5;
    ck_assert_double_eq_tol(rs_metric_ndcg(R, 5, T, 3, 5), dcg / idcg, EPS);
    ck_assert_double_eq_tol(rs_metric_ndcg(R, 5, T, 3, 5), 0.4981893, 1e-6);
    /* k = 2: DCG = 0.6309298, IDCG over min(3, 2) = 2 positions */
    ck_assert_double_eq_tol(rs_metric_ndcg(R, 5, T, 3, 2), 0.6309298 / 1.6309298, 1e-6);
}
END_TEST

START_TEST(ap_by_hand)
{
    /* precision at the hits: 1/2 and 2/4; sum 1.0 over min(3, 5) = 3 */
    ck_assert_double_eq_tol(rs_metric_ap(R, 5, T, 3, 5), 1.0 / 3.0, EPS);
    /* k = 2: 1/2 over min(3, 2) = 2 */
    ck_assert_double_eq_tol(rs_metric_ap(R, 5, T, 3, 2), 0.25, EPS);
    /* hits at ranks 1, 3: (1/1 + 2/3) / 2 */
    const int32_t r2[] = {1, 4, 3};
    ck_assert_double_eq_tol(rs_metric_ap(r2, 3, T, 2, 3), (1.0 + 2.0 / 3.0) / 2.0, EPS);
}
END_TEST

START_TEST(perfect_ranking_and_short_list)
{
    const int32_t perfect[] = {8, 1, 3};
    ck_assert_double_eq_tol(rs_metric_recall(perfect, 3, T, 3, 10), 1.0, EPS);
    ck_assert_double_eq_tol(rs_metric_ndcg(perfect, 3, T, 3, 10), 1.0, EPS);
    ck_assert_double_eq_tol(rs_metric_ap(perfect, 3, T, 3, 10), 1.0, EPS);
    /* a 3-item list at k = 10 is padded with misses: precision 3/10 */
    ck_assert_double_eq_tol(rs_metric_precision(perfect, 3, T, 3, 10), 0.3, EPS);
    /* k smaller than |relevant|: ideal DCG uses only k positions */
    ck_assert_double_eq_tol(rs_metric_ndcg(perfect, 3, T, 3, 2), 1.0, EPS);
    ck_assert_double_eq_tol(rs_metric_recall(perfect, 3, T, 3, 2), 2.0 / 3.0, EPS);
    /* empty list: defined user, all zero */
    ck_assert_double_eq_tol(rs_metric_ndcg(NULL, 0, T, 3, 10), 0.0, EPS);
}
END_TEST

START_TEST(ties_use_the_plugins_order)
{
    /* Items 5 and 3 score the same; the SDK's top-k breaks the tie by the
     * smaller index, so 3 ranks first and is a hit at rank 1. */
    rs_scored buf[2];
    rs_topk tk;
    rs_topk_init(&tk, buf, 2);
    rs_topk_push(&tk, 5, 0.7f);
    rs_topk_push(&tk, 3, 0.7f);
    size_t n = rs_topk_finish(&tk);
    int32_t ranked[2] = {buf[0].item, buf[1].item};
    const int32_t rel[] = {3};
    ck_assert_uint_eq(n, 2);
    ck_assert_double_eq_tol(rs_metric_ndcg(ranked, 2, rel, 1, 2), 1.0, EPS);
    ck_assert_double_eq_tol(rs_metric_ap(ranked, 2, rel, 1, 2), 1.0, EPS);
    /* The metric reads positions only: the reversed list (same scores)
     * scores the hit at rank 2. */
    int32_t reversed[2] = {5, 3};
    ck_assert_double_eq_tol(rs_metric_ndcg(reversed, 2, rel, 1, 2), 1.0 / log2(3.0), EPS);
    ck_assert_double_eq_tol(rs_metric_ap(reversed, 2, rel, 1, 2), 0.5, EPS);
}
END_TEST

START_TEST(users_without_test_items_are_undefined)
{
    ck_assert_int_eq(rs_metric_defined(0), 0);
    ck_assert_int_eq(rs_metric_defined(1), 1);
    ck_assert(isnan(rs_metric_recall(R, 5, NULL, 0, 5)));
    ck_assert(isnan(rs_metric_precision(R, 5, NULL, 0, 5)));
    ck_assert(isnan(rs_metric_hit_rate(R, 5, NULL, 0, 5)));
    ck_assert(isnan(rs_metric_ndcg(R, 5, NULL, 0, 5)));
    ck_assert(isnan(rs_metric_ap(R, 5, NULL, 0, 5)));
}
END_TEST

START_TEST(coverage)
{
    uint8_t seen[10] = {0};
    const int32_t a[] = {1, 2, 3}, b[] = {3, 4, 9};
    rs_coverage_add(seen, 10, a, 3, 2); /* 1, 2 */
    rs_coverage_add(seen, 10, b, 3, 2); /* 3, 4 */
    ck_assert_double_eq_tol(rs_coverage_ratio(seen, 10), 0.4, EPS);
    rs_coverage_add(seen, 10, b, 3, 3); /* + 9 */
    ck_assert_double_eq_tol(rs_coverage_ratio(seen, 10), 0.5, EPS);
    ck_assert(isnan(rs_coverage_ratio(seen, 0)));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, hits_and_recall_precision_hit_rate);
    tcase_add_test(tc, ndcg_by_hand);
    tcase_add_test(tc, ap_by_hand);
    tcase_add_test(tc, perfect_ranking_and_short_list);
    tcase_add_test(tc, ties_use_the_plugins_order);
    tcase_add_test(tc, users_without_test_items_are_undefined);
    tcase_add_test(tc, coverage);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
