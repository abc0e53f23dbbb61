/* Popularity on a hand-checked fixture (see host_fixture.h):
 *   counts A3 B2 C2 D1 -> A, B, C, D (B/C tie broken by index)
 *   damped mean, damping 1, global mean 29/8: D 4.31, C 4.21, A 3.66, B 2.54
 *   time decay, half-life 1 day: B 2.0, C 1.0, D 1.0, A 0.75 (C/D tie) */
#include "host_fixture.h"

static void ranking(const char *params, const int *want, rs_query *q, size_t k)
{
    hf f;
    char inst[512];
    rs_error err = {0};
    hf_setup(&f);
    snprintf(inst, sizeof inst, "  - name: pop\n    plugin: popularity\n    params: {%s}\n",
             params);
    hf_write_config(&f, inst, NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_fit(f.engine, "pop", NULL, &err), RS_OK);
    rs_scored out[4];
    size_t n;
    rs_query none = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "pop", q ? q : &none, k, out, NULL, &n, &err),
                     RS_OK);
    ck_assert_int_eq(n, k);
    for (size_t i = 0; i < k; i++)
        ck_assert_msg(out[i].item == want[i], "%s: rank %zu is item %d, expected %d", params, i,
                      out[i].item, want[i]);
    hf_teardown(&f);
}

START_TEST(count_mode) { ranking("mode: count", (int[]){0, 1, 2, 3}, NULL, 4); }
END_TEST

START_TEST(damped_mean_mode)
{
    ranking("mode: damped_mean, damping: 1", (int[]){3, 2, 0, 1}, NULL, 4);
}
END_TEST

START_TEST(time_decay_mode)
{
    ranking("mode: time_decay, half_life_days: 1", (int[]){1, 2, 3, 0}, NULL, 4);
}
END_TEST

START_TEST(threshold_counts_positive_only)
{
    /* ratings >= 4: A 2 (5,4), B 0, C 2, D 1 -> A, C, D, B */
    ranking("mode: count, positive_threshold: 4", (int[]){0, 2, 3, 1}, NULL, 4);
}
END_TEST

START_TEST(excludes_rated_and_excluded)
{
    rs_rating r[] = {{0, 5.0f, 0}};
    int32_t ex[] = {2};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 1, ex, 1);
    ranking("mode: count", (int[]){1, 3}, &q, 2);
}
END_TEST

START_TEST(artifacts_round_trip_and_refuse_corruption)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(&f, "  - {name: pop, plugin: popularity}\n", NULL);
    ck_assert_int_eq(hf_open(&f, &err), RS_OK);
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    ck_assert_int_eq(rs_engine_reload(f.engine, "pop", NULL, &err), RS_OK);
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    int32_t items[] = {0, 3, 7};
    float sc[3];
    ck_assert_int_eq(rs_engine_score(f.engine, "pop", &q, items, 3, sc, &err), RS_OK);
    ck_assert_float_eq(sc[0], 3.0f);
    ck_assert_float_eq(sc[1], 1.0f);
    ck_assert(isnan(sc[2]));
    const char *dir = rs_engine_artifact_dir(f.engine, "pop");
    tu_write(dir, "popularity.tsv", "recsys-popularity 1 0 4\n1\t3\n2\t2\n");
    ck_assert_int_eq(rs_engine_reload(f.engine, "pop", NULL, &err), RS_ERR_FORMAT);
    tu_assert_contains(err.message, "popularity.tsv:4: truncated: 4 rows expected");
    /* Exactly n rows, one per line, each movie once, nothing after them. */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"recsys-popularity 1 0 2\n1\t3\n2\t2\n3\t1\n", "popularity.tsv:4: rows beyond"},
        {"recsys-popularity 1 0 2\n1\t3\n1\t2\n", "popularity.tsv:3: movie 1 listed twice"},
        {"recsys-popularity 1 0 2\n1\t3 junk\n2\t2\n", "popularity.tsv:2: malformed row"},
        {"recsys-popularity 1 0 2\n1\n3\n", "popularity.tsv:2: malformed row"},
        {"recsys-popularity 1 0 1\n1\tnan\n", "popularity.tsv:2: malformed row"},
        {"recsys-popularity 1 0 1\n1\t3                                                     "
         "                                                                            \n",
         "popularity.tsv:2: row longer than 127 bytes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_write(dir, "popularity.tsv", bad[i].text);
        ck_assert_int_eq(rs_engine_reload(f.engine, "pop", NULL, &err), RS_ERR_FORMAT);
        tu_assert_contains(err.message, bad[i].want);
    }
    tu_write(dir, "popularity.tsv", "something-else 1 0 4\n");
    ck_assert_int_eq(rs_engine_reload(f.engine, "pop", NULL, &err), RS_ERR_FORMAT);
    tu_assert_contains(err.message, "not a popularity artifact");
    tu_write(dir, "popularity.tsv", "recsys-popularity 1 2 4\n");
    ck_assert_int_eq(rs_engine_reload(f.engine, "pop", NULL, &err), RS_ERR_FORMAT);
    tu_assert_contains(err.message, "mode 2, expected format 1 mode 0");
    /* Still serving the good version. */
    ck_assert_int_eq(rs_engine_score(f.engine, "pop", &q, items, 1, sc, &err), RS_OK);
    ck_assert_float_eq(sc[0], 3.0f);
    /* A file without its last newline, and a movie no longer in the
     * catalogue, still load: movie 1 keeps 7, the rest score 0. */
    tu_write(dir, "popularity.tsv", "recsys-popularity 1 0 2\n1\t7\n99999\t2");
    ck_assert_msg(rs_engine_reload(f.engine, "pop", NULL, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_score(f.engine, "pop", &q, items, 2, sc, &err), RS_OK);
    ck_assert_float_eq(sc[0], 7.0f);
    ck_assert_float_eq(sc[1], 0.0f);
    hf_teardown(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("popularity");
    TCase *tc = tcase_create("popularity");
    tcase_add_test(tc, count_mode);
    tcase_add_test(tc, damped_mean_mode);
    tcase_add_test(tc, time_decay_mode);
    tcase_add_test(tc, threshold_counts_positive_only);
    tcase_add_test(tc, excludes_rated_and_excluded);
    tcase_add_test(tc, artifacts_round_trip_and_refuse_corruption);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
