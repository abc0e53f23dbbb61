/* Experiments: parsing with located errors, and hash-based assignment that
 * matches the shares, is stable, and is independent across salts. */
#include <math.h>

#include "host_fixture.h"
#include "recsys/experiment.h"

static rs_yaml_node *doc;

static rs_status parse(const char *text, rs_experiments **x, rs_error *err)
{
    rs_yaml_free(doc);
    doc = NULL;
    ck_assert_int_eq(rs_yaml_load_string(text, "exp.yaml", &doc, err), RS_OK);
    return rs_experiments_parse(rs_yaml_get(doc, "experiments"), x, err);
}

static void teardown(void)
{
    rs_yaml_free(doc);
    doc = NULL;
}

static const char *three_arms = "experiments:\n"
                                "  - name: e1\n"
                                "    salt: salt-1\n"
                                "    arms:\n"
                                "      - {name: a, source: popularity, share: 0.2}\n"
                                "      - {name: b, source: good, share: 0.3}\n"
                                "      - {name: c, source: popularity, share: 0.5}\n"
                                "  - name: e2\n"
                                "    mode: interleave\n"
                                "    salt: other\n"
                                "    enabled: false\n"
                                "    arms:\n"
                                "      - {name: x, source: popularity}\n"
                                "      - {name: y, source: good}\n";

START_TEST(parses_both_modes)
{
    rs_experiments *x;
    rs_error err = {0};
    ck_assert_msg(parse(three_arms, &x, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_experiments_count(x), 2);
    const rs_experiment *e1 = rs_experiments_find(x, "e1");
    ck_assert_int_eq(e1->mode, RS_EXPERIMENT_SPLIT);
    ck_assert_int_eq(e1->n_arms, 3);
    ck_assert_str_eq(e1->arms[1].source, "good");
    ck_assert_double_eq_tol(e1->arms[2].share, 0.5, 1e-12);
    const rs_experiment *e2 = rs_experiments_get(x, 1);
    ck_assert_int_eq(e2->mode, RS_EXPERIMENT_INTERLEAVE);
    ck_assert_int_eq(e2->enabled, 0);
    ck_assert_ptr_eq(rs_experiments_active(x), e1);
    ck_assert_int_eq(rs_experiment_assign(e2, 12345), 0);
    rs_experiments_free(x);
    /* No section: no experiments, not an error. */
    ck_assert_int_eq(rs_experiments_parse(NULL, &x, &err), RS_OK);
    ck_assert_int_eq(rs_experiments_count(x), 0);
    ck_assert_ptr_null(rs_experiments_active(x));
    rs_experiments_free(x);
}
END_TEST

static void expect_error(const char *text, const char *want)
{
    rs_experiments *x = NULL;
    rs_error err = {0};
    ck_assert_int_eq(parse(text, &x, &err), RS_ERR_CONFIG);
    ck_assert_msg(strcmp(err.message, want) == 0, "got '%s'\nwant '%s'", err.message, want);
}

START_TEST(errors_are_located)
{
    expect_error("experiments:\n  - name: e\n    salt: s\n    arms:\n"
                 "      - {name: a, source: p, share: 0.5}\n"
                 "      - {name: b, source: q, share: 0.4}\n",
                 "exp.yaml:5:7: experiment 'e': arm shares must sum to 1, got 0.9");
    expect_error("experiments:\n  - name: e\n    salt: s\n    mode: interleave\n    arms:\n"
                 "      - {name: a, source: p}\n",
                 "exp.yaml:6:7: experiment 'e': interleave needs exactly two arms, got 1");
    expect_error(
        "experiments:\n  - name: e\n    salt: s\n    mode: bandit\n    arms: []\n",
        "exp.yaml:4:11: 'experiments[0].mode' = 'bandit' is not one of: split, interleave");
    expect_error("experiments:\n  - name: e\n    arms: [{name: a, source: p, share: 1}]\n",
                 "exp.yaml:2:5: experiment 'e': missing key 'salt'");
    expect_error("experiments:\n  - name: e\n    salt: s\n    arms:\n"
                 "      - {name: a, source: p, share: 1.5}\n",
                 "exp.yaml:5:37: 'experiments[0].arms[0].share' = 1.5 is out of range (0, 1]");
    expect_error("experiments:\n  - name: e\n    salt: s\n    arms:\n"
                 "      - {name: a, source: p, share: 0.5}\n"
                 "      - {name: a, source: q, share: 0.5}\n",
                 "exp.yaml:6:9: experiment 'e': duplicate arm 'a'");
    expect_error("experiments: {name: e}\n", "exp.yaml:1:14: experiments must be a list");
    /* Unknown keys go through the field table: the message names them. */
    rs_experiments *x = NULL;
    rs_error err = {0};
    ck_assert_int_eq(parse("experiments:\n  - {name: e, salt: s, sharez: 1, arms: []}\n", &x, &err),
                     RS_ERR_CONFIG);
    tu_assert_contains(err.message, "exp.yaml:2:");
    tu_assert_contains(err.message, "sharez");
}
END_TEST

START_TEST(hash_is_documented_blake2b)
{
    /* Reference digests from Python: hashlib.blake2b(b"salt-1:42",
     * digest_size=8), read little-endian. Pinning them keeps assignment
     * stable across releases, not just across restarts. */
    ck_assert_uint_eq(rs_experiment_hash("salt-1", 42), 0xb651541062539d6cull);
    ck_assert_uint_eq(rs_experiment_hash("abc", -7), 0x0a474be6bead50abull);
}
END_TEST

START_TEST(distribution_matches_shares)
{
    rs_experiments *x;
    rs_error err = {0};
    ck_assert_msg(parse(three_arms, &x, &err) == RS_OK, "%s", err.message);
    const rs_experiment *e = rs_experiments_find(x, "e1");
    enum { N = 100000 };
    size_t count[3] = {0};
    for (int64_t u = 1; u <= N; u++)
        count[rs_experiment_assign(e, u)]++;
    for (size_t a = 0; a < 3; a++) {
        double got = (double)count[a] / N, want = e->arms[a].share;
        /* 5 standard errors: fails by chance about once in 3.5 million. */
        double tol = 5 * sqrt(want * (1 - want) / N);
        ck_assert_msg(fabs(got - want) < tol, "arm %zu: share %.4f, expected %.2f +- %.4f", a, got,
                      want, tol);
    }
    rs_experiments_free(x);
}
END_TEST

START_TEST(stable_across_restarts)
{
    rs_experiments *x;
    rs_error err = {0};
    size_t first[1000];
    ck_assert_int_eq(parse(three_arms, &x, &err), RS_OK);
    for (int u = 0; u < 1000; u++)
        first[u] = rs_experiment_assign(rs_experiments_find(x, "e1"), u);
    for (int u = 0; u < 1000; u++) /* same process, same id */
        ck_assert_int_eq(rs_experiment_assign(rs_experiments_find(x, "e1"), u), first[u]);
    rs_experiments_free(x);
    /* A fresh parse (a restart) assigns identically. */
    ck_assert_int_eq(parse(three_arms, &x, &err), RS_OK);
    for (int u = 0; u < 1000; u++)
        ck_assert_int_eq(rs_experiment_assign(rs_experiments_find(x, "e1"), u), first[u]);
    rs_experiments_free(x);
}
END_TEST

START_TEST(salts_are_independent)
{
    rs_experiment_arm arms[2] = {{"a", "p", 0.5, NULL}, {"b", "q", 0.5, NULL}};
    rs_experiment e1 = {"e1", RS_EXPERIMENT_SPLIT, "first", 1, arms, 2, NULL};
    rs_experiment e2 = {"e2", RS_EXPERIMENT_SPLIT, "second", 1, arms, 2, NULL};
    enum { N = 100000 };
    size_t joint[2][2] = {{0}};
    for (int64_t u = 0; u < N; u++)
        joint[rs_experiment_assign(&e1, u)][rs_experiment_assign(&e2, u)]++;
    /* Independent 50/50 assignments fill every cell with a quarter; a
     * correlated hash (e.g. salt ignored) would pile up on the diagonal. */
    double chi2 = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double d = (double)joint[i][j] - N / 4.0;
            chi2 += d * d / (N / 4.0);
        }
    /* 1 degree of freedom for a 2x2 table with fixed margins; 15.1 is the
     * 0.9999 quantile. */
    ck_assert_msg(chi2 < 15.1, "chi2 %.2f: cells %zu %zu %zu %zu", chi2, joint[0][0], joint[0][1],
                  joint[1][0], joint[1][1]);
}
END_TEST

START_TEST(sources_checked_against_engine)
{
    hf f;
    rs_error err = {0};
    rs_experiments *x;
    hf_setup(&f);
    hf_write_config(&f, "  - {name: popularity, plugin: popularity}\n", NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(parse(three_arms, &x, &err), RS_OK);
    ck_assert_int_eq(rs_experiments_check_sources(x, f.engine, &err), RS_ERR_CONFIG);
    ck_assert_str_eq(err.message, "exp.yaml:6:9: experiment 'e1' arm 'b': no instance named "
                                  "'good' (configured: popularity)");
    rs_experiments_free(x);
    hf_teardown(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("experiment");
    TCase *tc = tcase_create("experiment");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, parses_both_modes);
    tcase_add_test(tc, errors_are_located);
    tcase_add_test(tc, hash_is_documented_blake2b);
    tcase_add_test(tc, distribution_matches_shares);
    tcase_add_test(tc, stable_across_restarts);
    tcase_add_test(tc, salts_are_independent);
    tcase_add_test(tc, sources_checked_against_engine);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
