/* Unit tests of the blending arithmetic (plugins/hybrid/blend.c) and of
 * the weight learner (plugins/hybrid/learn.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blend.h"
#include "learn.h"
#include "check_main.h"

#define EPS 1e-6

START_TEST(zscore_has_zero_mean_unit_spread_and_keeps_missing)
{
    float raw[] = {2.0f, NAN, 4.0f, 6.0f, 100.0f};
    uint8_t skip[] = {0, 0, 0, 0, 1}; /* a rated item: out of the stats */
    float z[5];
    ck_assert_uint_eq(rs_hybrid_zscore(raw, skip, 5, 0, z), 3);
    double sd = sqrt(8.0 / 3.0); /* values 2, 4, 6: mean 4 */
    ck_assert_float_eq_tol(z[0], -2.0 / sd, EPS);
    ck_assert_float_eq_tol(z[2], 0.0f, EPS);
    ck_assert_float_eq_tol(z[3], 2.0 / sd, EPS);
    ck_assert_float_eq_tol(z[4], 96.0 / sd, 1e-4); /* still on the scale */
    ck_assert(isnan(z[1]));

    /* log1p: counts 0, e-1, e^2-1 become 0, 1, 2 before standardising;
     * negative scores count as 0. */
    float cnt[] = {0.0f, (float)(M_E - 1), (float)(M_E * M_E - 1), -5.0f};
    ck_assert_uint_eq(rs_hybrid_zscore(cnt, NULL, 4, 1, z), 4);
    /* values 0, 1, 2, 0: mean 0.75, sd sqrt(0.6875) */
    double m = 0.75, sd2 = sqrt(0.6875);
    ck_assert_float_eq_tol(z[0], (0 - m) / sd2, 1e-4);
    ck_assert_float_eq_tol(z[1], (1 - m) / sd2, 1e-4);
    ck_assert_float_eq_tol(z[2], (2 - m) / sd2, 1e-4);
    ck_assert_float_eq_tol(z[3], z[0], EPS);

    /* A child that scores everything the same expresses no preference. */
    float flat[] = {3.0f, 3.0f, NAN};
    ck_assert_uint_eq(rs_hybrid_zscore(flat, NULL, 3, 0, z), 2);
    ck_assert_float_eq(z[0], 0.0f);
    ck_assert(isnan(z[2]));
    /* One that scores nothing says so. */
    float none[] = {NAN, NAN};
    ck_assert_uint_eq(rs_hybrid_zscore(none, NULL, 2, 0, z), 0);
}
END_TEST

START_TEST(combine_counts_missing_as_the_childs_mean)
{
    /* two children x three items */
    float z[] = {1.0f, NAN, NAN,   /* child 0 */
                 -1.0f, 2.0f, NAN}; /* child 1 */
    double w[] = {0.75, 0.25};
    float out[3];
    rs_hybrid_combine(2, w, z, 3, NULL, out);
    ck_assert_float_eq_tol(out[0], 0.75 - 0.25, EPS);
    ck_assert_float_eq_tol(out[1], 0.5, EPS); /* child 0: no opinion */
    ck_assert(isnan(out[2]));                 /* nobody scored it */

    /* Child 1 stands in for child 0: item 1 counts 2.0 for both. */
    const int8_t stand[] = {1, -1};
    rs_hybrid_combine(2, w, z, 3, stand, out);
    ck_assert_float_eq_tol(out[0], 0.75 - 0.25, EPS); /* child 0 scored it */
    ck_assert_float_eq_tol(out[1], 2.0, EPS);
    ck_assert(isnan(out[2]));
    /* ... and is credited with the whole of it. */
    float sh[2];
    ck_assert_int_eq(rs_hybrid_shares(2, w, z, 3, 1, stand, NULL, sh), 1);
    ck_assert_float_eq(sh[0], 0.0f);
    ck_assert_float_eq_tol(sh[1], 1.0f, EPS);
}
END_TEST

START_TEST(shares_split_the_positive_contributions_and_name_the_winner)
{
    /* three children x two items */
    float z[] = {2.0f, -1.0f, /* child 0 */
                 1.0f, -2.0f, /* child 1 */
                 -3.0f, NAN}; /* child 2 */
    double w[] = {0.25, 0.5, 0.25};
    float sh[3];
    /* item 0: contributions 0.5, 0.5, -0.75: ties go to the first. */
    ck_assert_int_eq(rs_hybrid_shares(3, w, z, 2, 0, NULL, NULL, sh), 0);
    ck_assert_float_eq_tol(sh[0], 0.5f, EPS);
    ck_assert_float_eq_tol(sh[1], 0.5f, EPS);
    ck_assert_float_eq(sh[2], 0.0f);
    /* Only child 1 may explain: it wins. */
    uint8_t only1[] = {0, 1, 0};
    ck_assert_int_eq(rs_hybrid_shares(3, w, z, 2, 0, NULL, only1, sh), 1);
    /* item 1: nobody lifted it; shares are the weights of who scored. */
    ck_assert_int_eq(rs_hybrid_shares(3, w, z, 2, 1, NULL, NULL, sh), -1);
    ck_assert_float_eq_tol(sh[0], 0.25f / 0.75f, EPS);
    ck_assert_float_eq_tol(sh[1], 0.5f / 0.75f, EPS);
    ck_assert_float_eq(sh[2], 0.0f);
}
END_TEST

START_TEST(buckets_are_nearest_on_a_log_scale)
{
    int32_t b[] = {1, 3, 5, 10, 20, 50};
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 0), 0);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 1), 0);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 2), 1); /* log 2: nearer 3 */
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 7), 2); /* sqrt(50) ~ 7.07 */
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 8), 3);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 14), 3);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 15), 4);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 2698), 5);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 0, 7), 0);
}
END_TEST

/* ---- the learner --------------------------------------------------------- */

#define C 3
#define CANDS 200
#define REL 8

static uint64_t lcg = 12345;
static double uniform(void)
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / 9007199254740992.0;
}
static double gauss(void)
{
    double u = uniform() + 1e-12, v = uniform();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

typedef struct built {
    rs_hybrid_lquery *q;
    float *feat;
    uint8_t *rel;
    rs_hybrid_ldata d;
} built;

/* Queries whose relevant items are exactly the REL best candidates under
 * the hidden weights truth[bucket][C] (plus a little noise in the truth
 * per query), so the optimal blend weights are known. */
static built build(size_t n_buckets, size_t per_bucket,
                   const double truth[][C], size_t bucket_stride)
{
    built b;
    size_t nq = n_buckets * per_bucket;
    b.q = calloc(nq, sizeof *b.q);
    b.feat = malloc(nq * CANDS * C * sizeof *b.feat);
    b.rel = calloc(nq * CANDS, 1);
    for (size_t i = 0; i < nq; i++) {
        size_t bk = i / per_bucket, off = i * CANDS;
        double s[CANDS];
        for (size_t j = 0; j < CANDS; j++) {
            s[j] = 0;
            for (size_t c = 0; c < C; c++) {
                float f = (float)gauss();
                b.feat[(off + j) * C + c] = f;
                s[j] += truth[bk][c] * f;
            }
        }
        for (size_t r = 0; r < REL; r++) { /* mark the REL best */
            size_t best = 0;
            double bs = -INFINITY;
            for (size_t j = 0; j < CANDS; j++)
                if (!b.rel[off + j] && s[j] > bs) {
                    bs = s[j];
                    best = j;
                }
            b.rel[off + best] = 1;
        }
        b.q[i] = (rs_hybrid_lquery){(uint32_t)(bk * bucket_stride), CANDS,
                                    REL, off};
    }
    b.d = (rs_hybrid_ldata){C,     (n_buckets - 1) * bucket_stride + 1,
                            nq,    b.q,
                            b.feat, b.rel,
                            NULL};
    return b;
}

static void built_free(built *b)
{
    free(b->q);
    free(b->feat);
    free(b->rel);
}

/* Buckets 0 and 2 hold queries with different hidden weights; bucket 1
 * (between them) has none. Each learns its own truth (a bucket borrows
 * half of its neighbours' NDCG, and the empty one lends nothing). */
START_TEST(learner_recovers_known_weights_per_bucket)
{
    const double truth[2][C] = {{0.6, 0.3, 0.1}, {0.15, 0.0, 0.85}};
    built b = build(2, 60, truth, 2);
    double w3[3 * C], nd3[3], w[2 * C], nd[2];
    rs_hybrid_learn(&b.d, NULL, 20, 10, NULL, 1, -1, w3, nd3);
    ck_assert(isnan(nd3[1]));
    memcpy(w, w3, C * sizeof *w);
    memcpy(w + C, w3 + 2 * C, C * sizeof *w);
    nd[0] = nd3[0];
    nd[1] = nd3[2];
    for (size_t bk = 0; bk < 2; bk++) {
        double sum = 0;
        for (size_t c = 0; c < C; c++) {
            sum += w[bk * C + c];
            ck_assert_msg(fabs(w[bk * C + c] - truth[bk][c]) <= 0.06,
                          "bucket %zu child %zu: learned %.3f, truth %.3f",
                          bk, c, w[bk * C + c], truth[bk][c]);
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-9);
        /* The truth ranks every query perfectly, and so nearly does what
         * was learned. */
        size_t n;
        ck_assert_double_eq_tol(
            rs_hybrid_ndcg(&b.d, truth[bk], 20, 2 * bk, &n), 1.0, 1e-9);
        ck_assert_uint_eq(n, 60);
        ck_assert(nd[bk] > 0.97);
        ck_assert_double_eq_tol(
            nd[bk], rs_hybrid_ndcg(&b.d, w + bk * C, 20, 2 * bk, NULL), 1e-9);
    }
    built_free(&b);
}
END_TEST

START_TEST(learner_respects_live_children_and_empty_buckets)
{
    const double truth[1][C] = {{0.5, 0.5, 0.0}};
    built b = build(1, 40, truth, 1);
    b.d.n_buckets = 3; /* buckets 1 and 2 have no queries */
    double w[3 * C], nd[3];
    uint8_t live[C] = {1, 0, 1}; /* child 1 is unavailable */
    rs_hybrid_learn(&b.d, live, 20, 10, NULL, 1, -1, w, nd);
    ck_assert_double_eq(w[1], 0.0);
    ck_assert(w[0] > w[2]); /* child 0 carries what can be carried */
    ck_assert(!isnan(nd[0]) && isnan(nd[1]) && isnan(nd[2]));
    for (size_t c = 0; c < C; c++) { /* empty buckets: the global weights */
        ck_assert_double_eq_tol(w[C + c], w[c], 0.11);
        ck_assert_double_eq(w[2 * C + c], w[C + c]);
    }

    /* A floor on child 2 (in bucket 0) is honoured, the rest still
     * learned. */
    const double floor[3 * C] = {0.0, 0.0, 0.3, 0, 0, 0, 0, 0, 0};
    live[1] = 1;
    rs_hybrid_learn(&b.d, live, 20, 10, floor, 1, -1, w, nd);
    ck_assert(w[2] >= 0.3 - 1e-9);
    ck_assert(w[0] > 0.2 && w[1] > 0.2); /* the truth's two children */
    ck_assert_double_eq_tol(w[0] + w[1] + w[2], 1.0, 1e-9);

    /* Nothing to learn from: all weight on the fallback child. */
    b.d.n_queries = 0;
    rs_hybrid_learn(&b.d, NULL, 20, 10, NULL, 1, 2, w, nd);
    for (size_t bk = 0; bk < 3; bk++) {
        ck_assert_double_eq(w[bk * C + 0], 0.0);
        ck_assert_double_eq(w[bk * C + 1], 0.0);
        ck_assert_double_eq(w[bk * C + 2], 1.0);
    }
    /* Too few queries to learn from is nothing to learn from. */
    b.d.n_queries = 40;
    rs_hybrid_learn(&b.d, NULL, 20, 10, NULL, 41, 2, w, nd);
    ck_assert_double_eq(w[2], 1.0);
    b.d.n_queries = 0;
    /* ... or equal weights over the live children without one. */
    live[1] = 0;
    rs_hybrid_learn(&b.d, live, 20, 10, NULL, 1, -1, w, nd);
    ck_assert_double_eq_tol(w[0], 0.5, 1e-12);
    ck_assert_double_eq(w[1], 0.0);
    ck_assert_double_eq_tol(w[2], 0.5, 1e-12);
    built_free(&b);
}
END_TEST

START_TEST(ndcg_matches_a_hand_computed_case)
{
    /* One query, 4 candidates, one child; relevant: candidates 1 and 3.
     * Ranking by score: 2, 1, 3, 0 -> hits at ranks 2 and 3 (1-based). */
    float feat[] = {0.1f, 0.5f, 0.9f, 0.3f};
    uint8_t rel[] = {0, 1, 0, 1};
    rs_hybrid_lquery q = {0, 4, 2, 0};
    rs_hybrid_ldata d = {1, 1, 1, &q, feat, rel, NULL};
    double w = 1.0;
    double dcg = 1 / log2(3.0) + 1 / log2(4.0), idcg = 1 + 1 / log2(3.0);
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, &w, 20, SIZE_MAX, NULL),
                            dcg / idcg, 1e-12);
    /* k = 1: the top item is not relevant. */
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, &w, 1, 0, NULL), 0.0, 1e-12);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("hybrid_blend");
    TCase *tc = tcase_create("blend");
    tcase_add_test(tc, zscore_has_zero_mean_unit_spread_and_keeps_missing);
    tcase_add_test(tc, combine_counts_missing_as_the_childs_mean);
    tcase_add_test(tc, shares_split_the_positive_contributions_and_name_the_winner);
    tcase_add_test(tc, buckets_are_nearest_on_a_log_scale);
    tcase_add_test(tc, learner_recovers_known_weights_per_bucket);
    tcase_add_test(tc, learner_respects_live_children_and_empty_buckets);
    tcase_add_test(tc, ndcg_matches_a_hand_computed_case);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
