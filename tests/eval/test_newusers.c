/*
 * The new-user protocol and the taste probes on a fixture small enough to
 * score by hand: the popularity plugin (count mode) ranks the training
 * users' films by rating count, so every list follows from the fixture,
 * and every expected number below is derived from it in the test (the
 * comments show the derivation). Also: the user holdout and the query
 * order are deterministic by seed.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/eval.h"
#include "recsys/eval_split.h"
#include "test_util.h"

static char *tmp;

static void setup(void) { tmp = tu_tempdir(); }

static void teardown(void)
{
    ck_assert_int_eq(rs_remove_tree(tmp), 0);
    free(tmp);
}

/* ---- holdout and query order ------------------------------------------ */

START_TEST(holdout_is_exact_and_deterministic_by_seed)
{
    enum { N = 200 };
    uint8_t a[N], b[N], c[N];
    int32_t na, nb, nc;
    rs_error err = {RS_OK, ""};
    ck_assert_int_eq(rs_eval_holdout_users(N, 0.2, 42, a, &na, &err), RS_OK);
    ck_assert_int_eq(rs_eval_holdout_users(N, 0.2, 42, b, &nb, &err), RS_OK);
    ck_assert_int_eq(rs_eval_holdout_users(N, 0.2, 43, c, &nc, &err), RS_OK);
    int held = 0, valid = 0, differ = 0;
    for (int u = 0; u < N; u++) {
        ck_assert_int_eq(a[u], b[u]); /* same seed, same users */
        held += a[u] == 1;
        valid += a[u] == 2;
        differ += (a[u] == 1) != (c[u] == 1);
    }
    ck_assert_int_eq(na, 40); /* round(0.2 x 200) */
    ck_assert_int_eq(held, 40);
    /* the validation holdout: as many again, disjoint by construction */
    ck_assert_int_eq(valid, 40);
    ck_assert_int_eq(nc, 40);
    /* Another seed draws another set: two random 40-subsets of 200 agree
     * entirely with probability 1 / C(200, 40). */
    ck_assert_int_gt(differ, 0);
    /* 0 and 1 are the ends: nobody and everybody. */
    ck_assert_int_eq(rs_eval_holdout_users(N, 0.0, 42, a, &na, &err), RS_OK);
    ck_assert_int_eq(na, 0);
    ck_assert_int_eq(rs_eval_holdout_users(N, 1.0, 42, a, &na, &err), RS_OK);
    ck_assert_int_eq(na, N);
    ck_assert_int_eq(a[0], 1); /* nobody left for validation */
    /* 0.6: 120 test users, only 80 left for validation */
    ck_assert_int_eq(rs_eval_holdout_users(N, 0.6, 42, a, &na, &err), RS_OK);
    valid = 0;
    for (int u = 0; u < N; u++)
        valid += a[u] == 2;
    ck_assert_int_eq(na, 120);
    ck_assert_int_eq(valid, 80);
    ck_assert_int_eq(rs_eval_holdout_users(N, 1.5, 42, a, &na, &err), RS_ERR_INVALID);
}
END_TEST

START_TEST(query_order_is_by_time_ties_seeded)
{
    /* User 0: stamps 30, 10, 20 (given in the order 10, 20, 30); user 1:
     * four ratings in one second, so the order is the seeded tie-break. */
    rs_triple t[] = {{0, 5, 4, 30}, {0, 6, 4, 10}, {0, 7, 4, 20}, {1, 1, 4, 99},
                     {1, 2, 4, 99}, {1, 3, 4, 99}, {1, 4, 4, 99}};
    size_t n = sizeof t / sizeof *t;
    uint32_t r1[7], r2[7], r3[7];
    rs_error err = {RS_OK, ""};
    ck_assert_int_eq(rs_eval_query_order(t, n, 2, NULL, 0, 42, r1, &err), RS_OK);
    ck_assert_uint_eq(r1[1], 0);
    ck_assert_uint_eq(r1[2], 1);
    ck_assert_uint_eq(r1[0], 2);
    /* user 1's four ranks are a permutation of 0..3 */
    ck_assert_uint_eq(r1[3] + r1[4] + r1[5] + r1[6], 0 + 1 + 2 + 3);
    ck_assert_int_eq(rs_eval_query_order(t, n, 2, NULL, 0, 42, r2, &err), RS_OK);
    ck_assert_mem_eq(r1, r2, sizeof r1);
    /* the input order does not matter: reverse it */
    rs_triple rev[7];
    for (size_t i = 0; i < n; i++)
        rev[i] = t[n - 1 - i];
    ck_assert_int_eq(rs_eval_query_order(rev, n, 2, NULL, 0, 42, r3, &err), RS_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(r3[n - 1 - i], r1[i]);
    /* unselected triples get no rank */
    uint8_t sel[7] = {0, 0, 0, 1, 1, 1, 1};
    ck_assert_int_eq(rs_eval_query_order(t, n, 2, sel, 1, 42, r3, &err), RS_OK);
    ck_assert_uint_eq(r3[0], UINT32_MAX);
    ck_assert_uint_eq(r3[3] + r3[4] + r3[5] + r3[6], 6);
}
END_TEST

/* ---- the protocol on a fixture ----------------------------------------- */

/*
 * 8 users, 6 films. Which 4 users are held out is whatever the holdout
 * draws for (8, 0.5, seed 7): the test asks rs_eval_holdout_users first
 * and writes the ratings around it.
 *
 * The 4 training users (in dense order j = 0..3) rate films 1..(4 - j)
 * (3 stars): counts film1 = 4, film2 = 3, film3 = 2, film4 = 1, films 5
 * and 6 = 0. Popularity (count) therefore ranks 1, 2, 3, 4 first.
 *
 * Every held-out user rates, in time order:
 *   t=100 film1 5.0, t=200 film3 4.0, t=300 film2 2.0, t=400 film4 4.5,
 *   t=500 film5 4.0
 * so their first n are the query and the rest >= 4 the positives.
 */
static const char *const k_movies = "movieId,title,genres\n"
                                    "1,One (2000),Western\n"
                                    "2,Two (2000),Comedy|Western\n"
                                    "3,Three (2000),Western\n"
                                    "4,Four (2000),Drama\n"
                                    "5,Five (2000),Western\n"
                                    "6,Six (2000),Drama\n";

enum { USERS = 8, SEED = 7 };

static void write_fixture(const uint8_t *held)
{
    char data[4300], path[4400];
    snprintf(data, sizeof data, "%s/data", tmp);
    ck_assert_int_eq(rs_mkdir_p(data), 0);
    tu_write(data, "movies.csv", k_movies);
    snprintf(path, sizeof path, "%s/ratings.csv", data);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("userId,movieId,rating,timestamp\n", f);
    static const struct {
        int film;
        double rating;
        int t;
    } held_pattern[] = {{1, 5.0, 100}, {3, 4.0, 200}, {2, 2.0, 300}, {4, 4.5, 400}, {5, 4.0, 500}};
    int j = 0;
    for (int u = 0; u < USERS; u++) {
        if (held[u] == 1) { /* (2, the validation holdout, trains here) */
            for (size_t i = 0; i < 5; i++)
                fprintf(f, "%d,%d,%.1f,%d\n", u + 1, held_pattern[i].film, held_pattern[i].rating,
                        held_pattern[i].t);
        } else {
            for (int film = 1; film <= 4 - j; film++)
                fprintf(f, "%d,%d,3.0,%d\n", u + 1, film, 1000 + film);
            j++;
        }
    }
    fclose(f);
    char host[5000];
    snprintf(host, sizeof host,
             "data: {dir: %s}\nwork_dir: %s/work\n"
             "prepare: {cf_min_item_ratings: 1, cf_min_user_ratings: 1}\n"
             "plugins: {path: [%s]}\n"
             "instances:\n  - {name: popularity, plugin: popularity, params: {mode: count}}\n",
             data, tmp, RS_PLUGIN_BUILD_DIR);
    tu_write(tmp, "host.yaml", host);
}

static rs_eval_report *run_fixture(rs_eval_config **cfg_out)
{
    uint8_t held[USERS];
    int32_t nh;
    rs_error err = {RS_OK, ""};
    ck_assert_int_eq(rs_eval_holdout_users(USERS, 0.5, SEED, held, &nh, &err), RS_OK);
    ck_assert_int_eq(nh, 4);
    write_fixture(held);
    /* The fixture must win over whatever the caller's environment says. */
    char data[4300];
    snprintf(data, sizeof data, "%s/data", tmp);
    setenv("RECSYS_DATA_DIR", data, 1);
    setenv("RECSYS_PLUGIN_PATH", RS_PLUGIN_BUILD_DIR, 1);
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_TEXT_FILE");
    setenv("RECSYS_LOG", "warn", 1);
    char text[5000];
    snprintf(text, sizeof text,
             "host_config: %s/host.yaml\n"
             "instances: [popularity]\n"
             "k: [2, 3]\n"
             "seed: %d\n"
             "bootstrap_resamples: 50\n"
             "sweep: {enabled: false}\n"
             "new_users: {holdout_fraction: 0.5, n: [1, 2, 5]}\n"
             "taste_probes: {genres: [Western], n_rated: 2, k: 2}\n",
             tmp, SEED);
    rs_eval_config *cfg = NULL;
    ck_assert_msg(rs_eval_config_parse(text, "t.yaml", tmp, &cfg, &err) == RS_OK, "%s",
                  err.message);
    rs_eval_options opt = {0, 1};
    rs_eval_report *r = NULL;
    ck_assert_msg(rs_eval_run(cfg, &opt, &r, &err) == RS_OK, "%s", err.message);
    *cfg_out = cfg;
    return r;
}

static double nu_stat(rs_eval_report *r, size_t n_idx, size_t k_idx, rs_eval_metric m)
{
    const rs_ci *c = rs_eval_cell_stat(r, &r->nu.levels[n_idx].cells[0], k_idx, m);
    /* every held-out user is identical, so every resample has the same
     * mean: the interval collapses onto it */
    if (isfinite(c->mean)) {
        ck_assert_double_eq_tol(c->lo, c->mean, 1e-12);
        ck_assert_double_eq_tol(c->hi, c->mean, 1e-12);
    }
    return c->mean;
}

static double g(int rank0) { return 1.0 / log2(rank0 + 2.0); } /* DCG gain */

START_TEST(new_user_metrics_match_the_hand_derivation)
{
    rs_eval_config *cfg;
    rs_eval_report *r = run_fixture(&cfg);
    ck_assert(r->nu.ran);
    ck_assert(r->sweep_skipped);
    ck_assert_int_eq(r->nu.users_held_out, 4);
    /* training = the other users' ratings: 4 + 3 + 2 + 1 */
    ck_assert_uint_eq(r->nu.train_ratings, 10);

    /* n = 1: query {film1}. Ranked (film1 excluded): 2, 3, 4, ...
     * Positives among the rest: film3 (4.0), film4 (4.5), film5 (4.0);
     * film2 (2.0) is not one. |T| = 3. */
    ck_assert_int_eq(r->nu.levels[0].users_evaluated, 4);
    /* K = 2: [2, 3] -> one hit, at rank 1 */
    ck_assert_double_eq_tol(nu_stat(r, 0, 0, RS_EVAL_RECALL), 1.0 / 3, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 0, RS_EVAL_PRECISION), 1.0 / 2, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 0, RS_EVAL_HIT_RATE), 1.0, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 0, RS_EVAL_NDCG), g(1) / (g(0) + g(1)), 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 0, RS_EVAL_MAP), (1.0 / 2) / 2, 1e-12);
    /* K = 3: [2, 3, 4] -> hits at ranks 1 and 2 */
    ck_assert_double_eq_tol(nu_stat(r, 0, 1, RS_EVAL_RECALL), 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 1, RS_EVAL_PRECISION), 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 1, RS_EVAL_NDCG), (g(1) + g(2)) / (g(0) + g(1) + g(2)),
                            1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 0, 1, RS_EVAL_MAP), (1.0 / 2 + 2.0 / 3) / 3, 1e-12);

    /* n = 2: query {film1, film3}. Ranked: 2, 4, 5 (film5 and film6 have
     * no training rating; popularity breaks the tie by the smaller index).
     * Positives: film4, film5. |T| = 2. */
    ck_assert_int_eq(r->nu.levels[1].users_evaluated, 4);
    /* K = 2: [2, 4] -> one hit at rank 1 */
    ck_assert_double_eq_tol(nu_stat(r, 1, 0, RS_EVAL_RECALL), 1.0 / 2, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 1, 0, RS_EVAL_NDCG), g(1) / (g(0) + g(1)), 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 1, 0, RS_EVAL_MAP), (1.0 / 2) / 2, 1e-12);
    /* K = 3: [2, 4, 5] -> hits at ranks 1 and 2: all of T */
    ck_assert_double_eq_tol(nu_stat(r, 1, 1, RS_EVAL_RECALL), 1.0, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 1, 1, RS_EVAL_PRECISION), 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 1, 1, RS_EVAL_NDCG), (g(1) + g(2)) / (g(0) + g(1)), 1e-12);
    ck_assert_double_eq_tol(nu_stat(r, 1, 1, RS_EVAL_MAP), (1.0 / 2 + 2.0 / 3) / 2, 1e-12);
    /* Cold positives (fewer than 5 training ratings): every film here. */
    ck_assert_int_eq(r->nu.levels[1].cold_users, 4);

    /* n = 5: the users have only 5 ratings, nothing is left to score. */
    ck_assert_int_eq(r->nu.levels[2].users_evaluated, 0);
    ck_assert_int_eq(r->nu.levels[2].users_excluded, 4);
    ck_assert(isnan(nu_stat(r, 2, 0, RS_EVAL_RECALL)));

    /* Writers carry the new section. */
    rs_error err = {RS_OK, ""};
    char out[4300];
    snprintf(out, sizeof out, "%s/out", tmp);
    ck_assert_msg(rs_eval_write_all(r, out, &err) == RS_OK, "%s", err.message);
    rs_eval_report_free(r);
    rs_eval_config_free(cfg);
}
END_TEST

START_TEST(taste_probe_share_and_median_match_the_fixture)
{
    rs_eval_config *cfg;
    rs_eval_report *r = run_fixture(&cfg);
    ck_assert(r->probes.ran);
    const rs_eval_probe *p = &r->probes.probe[0];
    ck_assert_str_eq(p->genre, "Western");
    /* The two most rated Westerns in training: film1 (4), film2 (3). */
    ck_assert_int_eq(p->n_rated, 2);
    ck_assert_int_eq(p->rated_info[0].movie_id, 1);
    ck_assert_int_eq(p->rated_info[1].movie_id, 2);
    /* Popularity without them: film3 (2 ratings, Western), film4 (1,
     * Drama): one of the 2 slots in the genre, median of {2, 1} = 1.5. */
    ck_assert_uint_eq(p->n_top[0], 2);
    ck_assert_int_eq(p->top_info[0].movie_id, 3);
    ck_assert_int_eq(p->top_info[1].movie_id, 4);
    ck_assert_double_eq_tol(p->share[0], 1.0 / 2, 1e-12);
    ck_assert_double_eq_tol(p->median_count[0], (2.0 + 1.0) / 2, 1e-12);
    ck_assert_double_eq_tol(r->probes.mean_share[0], 1.0 / 2, 1e-12);
    rs_eval_report_free(r);
    rs_eval_config_free(cfg);
}
END_TEST

START_TEST(unknown_probe_genre_names_the_line)
{
    uint8_t held[USERS];
    rs_error err = {RS_OK, ""};
    ck_assert_int_eq(rs_eval_holdout_users(USERS, 0.5, SEED, held, NULL, &err), RS_OK);
    write_fixture(held);
    char data[4300], text[5000];
    snprintf(data, sizeof data, "%s/data", tmp);
    setenv("RECSYS_DATA_DIR", data, 1);
    setenv("RECSYS_PLUGIN_PATH", RS_PLUGIN_BUILD_DIR, 1);
    setenv("RECSYS_LOG", "warn", 1);
    snprintf(text, sizeof text,
             "host_config: %s/host.yaml\ninstances: [popularity]\nsweep: {enabled: false}\n"
             "new_users: {enabled: false}\ntaste_probes:\n  genres: [Western, Noir]\n",
             tmp);
    rs_eval_config *cfg = NULL;
    ck_assert_int_eq(rs_eval_config_parse(text, "t.yaml", tmp, &cfg, &err), RS_OK);
    rs_eval_options opt = {0, 1};
    rs_eval_report *r = NULL;
    ck_assert_int_eq(rs_eval_run(cfg, &opt, &r, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "t.yaml:6:21: taste probe genre 'Noir'");
    rs_eval_config_free(cfg);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_newusers");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, holdout_is_exact_and_deterministic_by_seed);
    tcase_add_test(tc, query_order_is_by_time_ties_seeded);
    tcase_add_test(tc, new_user_metrics_match_the_hand_derivation);
    tcase_add_test(tc, taste_probe_share_and_median_match_the_fixture);
    tcase_add_test(tc, unknown_probe_genre_names_the_line);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
