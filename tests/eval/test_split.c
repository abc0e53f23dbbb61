/* Splits and thinning on synthetic triples. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/eval_split.h"
#include "test_util.h"

enum { USERS = 10, PER_USER = 10, N = USERS * PER_USER };

/* User u rates items u*10 .. u*10+9 at increasing, globally distinct times. */
static void make(rs_triple *t)
{
    for (int i = 0; i < N; i++) {
        t[i].user = i / PER_USER;
        t[i].item = i;
        t[i].rating = (float)(1 + i % 5);
        t[i].timestamp = 1000 + (int64_t)(i % PER_USER) * USERS + i / PER_USER;
    }
}

static int count_role(const uint8_t *role, int user, uint8_t r)
{
    int c = 0;
    for (int i = 0; i < N; i++)
        c += i / PER_USER == user && role[i] == r;
    return c;
}

static rs_split_options opts(rs_split_kind kind, double valid)
{
    rs_split_options o = {kind, 0.2, 0.8, valid, 7};
    return o;
}

START_TEST(random_holds_out_a_share_of_each_user)
{
    rs_triple t[N];
    uint8_t role[N];
    rs_error err;
    make(t);
    rs_split_options o = opts(RS_SPLIT_RANDOM, 0.25);
    ck_assert_int_eq(rs_eval_split(t, N, USERS, &o, role, &err), RS_OK);
    for (int u = 0; u < USERS; u++) {
        ck_assert_int_eq(count_role(role, u, RS_ROLE_TEST), 2);  /* 0.2 * 10 */
        ck_assert_int_eq(count_role(role, u, RS_ROLE_VALID), 2); /* 0.25 * 8 */
        ck_assert_int_eq(count_role(role, u, RS_ROLE_TRAIN), 6);
    }
}
END_TEST

START_TEST(random_is_deterministic_and_order_free)
{
    rs_triple t[N], rev[N];
    uint8_t a[N], b[N], c[N];
    rs_error err;
    make(t);
    for (int i = 0; i < N; i++)
        rev[i] = t[N - 1 - i];
    rs_split_options o = opts(RS_SPLIT_RANDOM, 0.0);
    ck_assert_int_eq(rs_eval_split(t, N, USERS, &o, a, &err), RS_OK);
    ck_assert_int_eq(rs_eval_split(rev, N, USERS, &o, b, &err), RS_OK);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(a[i], b[N - 1 - i]);
    o.seed = 8;
    ck_assert_int_eq(rs_eval_split(t, N, USERS, &o, c, &err), RS_OK);
    ck_assert(memcmp(a, c, N) != 0);
}
END_TEST

START_TEST(loo_takes_the_latest)
{
    rs_triple t[N + 1];
    uint8_t role[N + 1];
    rs_error err;
    make(t);
    /* user 10 has a single rating: it must stay in train */
    t[N] = (rs_triple){10, 5, 4.0f, 99999};
    rs_split_options o = opts(RS_SPLIT_LOO, 0.1);
    ck_assert_int_eq(rs_eval_split(t, N + 1, USERS + 1, &o, role, &err), RS_OK);
    for (int i = 0; i < N; i++) {
        int pos = i % PER_USER; /* timestamps grow with pos */
        int want = pos == PER_USER - 1   ? RS_ROLE_TEST
                   : pos == PER_USER - 2 ? RS_ROLE_VALID
                                         : RS_ROLE_TRAIN;
        ck_assert_int_eq(role[i], want);
    }
    ck_assert_int_eq(role[N], RS_ROLE_TRAIN);
}
END_TEST

START_TEST(temporal_cuts_globally)
{
    rs_triple t[N];
    uint8_t role[N];
    rs_error err;
    make(t); /* timestamps 1000 .. 1099, all distinct */
    rs_split_options o = opts(RS_SPLIT_TEMPORAL, 0.25);
    ck_assert_int_eq(rs_eval_split(t, N, USERS, &o, role, &err), RS_OK);
    int test = 0, valid = 0;
    for (int i = 0; i < N; i++) {
        /* the 80 earliest ratings are before the cut (<= 1079) */
        int want = t[i].timestamp >= 1080   ? RS_ROLE_TEST
                   : t[i].timestamp >= 1060 ? RS_ROLE_VALID /* last 25 % of 80 */
                                            : RS_ROLE_TRAIN;
        ck_assert_int_eq(role[i], want);
        test += role[i] == RS_ROLE_TEST;
        valid += role[i] == RS_ROLE_VALID;
    }
    ck_assert_int_eq(test, 20);
    ck_assert_int_eq(valid, 20);
}
END_TEST

START_TEST(bad_user_index_is_an_error)
{
    rs_triple t[N];
    uint8_t role[N];
    rs_error err;
    make(t);
    t[3].user = USERS;
    rs_split_options o = opts(RS_SPLIT_RANDOM, 0.0);
    ck_assert_int_eq(rs_eval_split(t, N, USERS, &o, role, &err), RS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "rating 3"));
}
END_TEST

START_TEST(thinning_keeps_a_nested_share_at_least_one)
{
    rs_triple t[N];
    uint8_t half[N], quarter[N], tiny[N], sel[N];
    size_t kept;
    rs_error err;
    make(t);
    ck_assert_int_eq(rs_eval_thin(t, N, USERS, NULL, 0.5, 3, half, &kept, &err), RS_OK);
    ck_assert_uint_eq(kept, 50);
    ck_assert_int_eq(rs_eval_thin(t, N, USERS, NULL, 0.25, 3, quarter, &kept, &err), RS_OK);
    ck_assert_uint_eq(kept, 30); /* round(2.5) = 3 per user */
    ck_assert_int_eq(rs_eval_thin(t, N, USERS, NULL, 0.01, 3, tiny, &kept, &err), RS_OK);
    ck_assert_uint_eq(kept, USERS); /* at least one each */
    for (int i = 0; i < N; i++) {
        if (quarter[i])
            ck_assert_int_eq(half[i], 1);
        if (tiny[i])
            ck_assert_int_eq(quarter[i], 1);
    }
    for (int u = 0; u < USERS; u++) {
        int c = 0;
        for (int i = u * PER_USER; i < (u + 1) * PER_USER; i++)
            c += half[i];
        ck_assert_int_eq(c, 5);
    }
    /* Only selected triples are candidates. */
    for (int i = 0; i < N; i++)
        sel[i] = i % 2;
    ck_assert_int_eq(rs_eval_thin(t, N, USERS, sel, 1.0, 3, half, &kept, &err), RS_OK);
    ck_assert_uint_eq(kept, 50);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(half[i], i % 2);
    ck_assert_int_eq(rs_eval_thin(t, N, USERS, NULL, 0.0, 3, half, &kept, &err), RS_ERR_INVALID);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_split");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, random_holds_out_a_share_of_each_user);
    tcase_add_test(tc, random_is_deterministic_and_order_free);
    tcase_add_test(tc, loo_takes_the_latest);
    tcase_add_test(tc, temporal_cuts_globally);
    tcase_add_test(tc, bad_user_index_is_an_error);
    tcase_add_test(tc, thinning_keeps_a_nested_share_at_least_one);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
