/* The SDK test host (sdk/src/testhost.c) against the real test plugins: it
 * must serve a plugin exactly as the engine does at the boundary (query
 * filling, output checks, child calls, 1.0 plugins, refcounts), or a
 * plugin that passes its unit tests could still fail under the engine. */
#include "recsys/testhost.h"
#include "test_util.h"

/* Four movies, three users (ids 7, 8, 9); user 9 rated three. */
static const rs_item_meta items[4] = {{.movie_id = 1, .title = "A"},
                                      {.movie_id = 2, .title = "B"},
                                      {.movie_id = 3, .title = "C"},
                                      {.movie_id = 4, .title = "D"}};
static const int64_t user_ids[3] = {7, 8, 9};
static const size_t user_ptr[4] = {0, 1, 2, 5};
static const int32_t user_item[5] = {0, 1, 0, 2, 3};
static const float user_rating[5] = {5, 4, 3, 4, 2};
static const int64_t user_time[5] = {1, 2, 3, 4, 5};
static const size_t item_ptr[5] = {0, 2, 3, 4, 5};
static const int32_t item_user[5] = {0, 2, 1, 2, 2};
static const float item_rating[5] = {5, 3, 4, 4, 2};
static const rs_dataset data = {.struct_size = sizeof data,
                                .n_users = 3,
                                .n_items = 4,
                                .n_ratings = 5,
                                .user_ids = user_ids,
                                .items = items,
                                .user_ptr = user_ptr,
                                .user_item = user_item,
                                .user_rating = user_rating,
                                .user_time = user_time,
                                .item_ptr = item_ptr,
                                .item_user = item_user,
                                .item_rating = item_rating,
                                .item_meta_size = sizeof(rs_item_meta)};

#define SO(name) RS_TEST_PLUGIN_DIR "/" name "/libtp_" name ".so"

START_TEST(fills_queries_like_the_engine)
{
    rs_error err = {0};
    rs_testhost *th = rs_testhost_new(&data);
    const char *echo[] = {"misbehave=echo", NULL};
    ck_assert_msg(rs_testhost_add(th, "echo", SO("tp_good"), echo, &err) == RS_OK, "%s",
                  err.message);
    rs_scored out[2];
    size_t n = 0;
    for (int32_t u = 0; u < 3; u++) {
        rs_query q = RS_QUERY(user_ids[u], NULL, 0, NULL, 0);
        ck_assert_int_eq(rs_testhost_recommend(th, "echo", &q, 2, out, NULL, &n, &err), RS_OK);
        ck_assert_int_eq(out[0].item, (int32_t)(user_ptr[u + 1] - user_ptr[u]));
        ck_assert_float_eq(out[0].score, (float)u);
    }
    ck_assert_int_eq(rs_testhost_refs_held(th), 0);
    ck_assert_int_eq(rs_testhost_free(th), 0);
}
END_TEST

START_TEST(checks_outputs_and_child_calls)
{
    static const char *const modes[] = {"overrun", "range", "duplicate", "nan"};
    static const char *const want[] = {"n_out = 3 exceeds k = 2", "item 4 is not in the catalogue",
                                       "returned twice", "is not finite"};
    rs_error err = {0};
    rs_scored out[4];
    size_t n = 0;
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    for (size_t i = 0; i < 4; i++) {
        rs_testhost *th = rs_testhost_new(&data);
        char mode[64];
        snprintf(mode, sizeof mode, "misbehave=%s", modes[i]);
        const char *kid[] = {mode, NULL}, *top[] = {"child=kid", NULL};
        ck_assert_int_eq(rs_testhost_add(th, "kid", SO("tp_good"), kid, &err), RS_OK);
        ck_assert_int_eq(rs_testhost_add(th, "top", SO("tp_good"), top, &err), RS_OK);
        /* Directly, and through a composite's child_recommend. */
        ck_assert_int_eq(rs_testhost_recommend(th, "kid", &q, 2, out, NULL, &n, &err),
                         RS_ERR_FORMAT);
        tu_assert_contains(err.message, "instance 'kid' (plugin tp_good): recommend broke");
        tu_assert_contains(err.message, want[i]);
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(rs_testhost_recommend(th, "top", &q, 2, out, NULL, &n, &err),
                         RS_ERR_FORMAT);
        tu_assert_contains(err.message, want[i]);
        ck_assert_int_eq(rs_testhost_refs_held(th), 0);
        ck_assert_int_eq(rs_testhost_free(th), 0);
    }
}
END_TEST

START_TEST(serves_a_1_0_plugin_and_hot_swaps)
{
    rs_error err = {0};
    rs_testhost *th = rs_testhost_new(&data);
    ck_assert_int_eq(rs_testhost_add(th, "old", SO("tp_v10"), NULL, &err), RS_OK);
    ck_assert_uint_eq(rs_testhost_entry(th, "old")->struct_size, RS_ENTRY_V1_0_SIZE);
    ck_assert(rs_testhost_entry(th, "old")->describe == NULL);
    rs_scored out[4];
    size_t n = 0;
    rs_query q = RS_QUERY(9, NULL, 0, NULL, 0); /* rated A, C, D */
    ck_assert_int_eq(rs_testhost_recommend(th, "old", &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(out[0].item, 1);
    /* Refused like the engine refuses them. */
    ck_assert_int_eq(rs_testhost_add(th, "major", SO("tp_major"), NULL, &err), RS_ERR_ABI);
    ck_assert_int_eq(rs_testhost_add(th, "big", SO("tp_oversized"), NULL, &err), RS_ERR_ABI);
    /* A swap keeps the old version for its reader. */
    const rs_host *h = rs_testhost_table(th, "old");
    rs_instance_ref ref;
    ck_assert_int_eq(h->acquire_instance(h, "old", &ref, &err), RS_OK);
    ck_assert_int_eq(rs_testhost_swap(th, "old", SO("tp_good"), NULL, &err), RS_OK);
    ck_assert_int_eq(h->child_recommend(h, &ref, &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(rs_testhost_free(th), 1); /* refused: a reference is held */
    h->release_instance(h, &ref);
    ck_assert_int_eq(rs_testhost_free(th), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("testhost");
    TCase *tc = tcase_create("testhost");
    tcase_add_test(tc, fills_queries_like_the_engine);
    tcase_add_test(tc, checks_outputs_and_child_calls);
    tcase_add_test(tc, serves_a_1_0_plugin_and_hot_swaps);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
