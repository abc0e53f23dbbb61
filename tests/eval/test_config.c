/* The eval YAML: defaults, overrides, and errors that point at
 * file:line:column. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/eval_config.h"
#include "test_util.h"

static rs_eval_config *parse_ok(const char *text)
{
    rs_eval_config *c = NULL;
    rs_error err = {RS_OK, ""};
    rs_status st = rs_eval_config_parse(text, "t.yaml", "/base", &c, &err);
    ck_assert_msg(st == RS_OK, "%s", err.message);
    return c;
}

/* Parse must fail with RS_ERR_CONFIG and a message holding `want`. */
static void parse_fails(const char *text, const char *want)
{
    rs_eval_config *c = NULL;
    rs_error err = {RS_OK, ""};
    ck_assert_int_eq(rs_eval_config_parse(text, "t.yaml", NULL, &c, &err), RS_ERR_CONFIG);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err.message, want), "'%s' not in '%s'", want, err.message);
}

START_TEST(defaults)
{
    rs_eval_config *c = parse_ok("seed: 42\n");
    /* instances, baseline and compare come from the host config */
    ck_assert_uint_eq(c->n_instances, 0);
    ck_assert_ptr_null(c->baseline);
    ck_assert_int_eq(c->split.kind, RS_SPLIT_RANDOM);
    ck_assert_double_eq(c->split.test_fraction, 0.2);
    ck_assert_double_eq(c->positive_threshold, 4.0);
    ck_assert_uint_eq(c->n_levels, 5);
    ck_assert_double_eq(c->levels[4], 0.05);
    ck_assert_uint_eq(c->n_k, 2);
    ck_assert_int_eq(c->k[1], 20);
    ck_assert_uint_eq(c->n_buckets, 4);
    ck_assert_int_eq(c->bucket_lo[3], 51);
    ck_assert_uint_eq(c->n_compare, 0);
    ck_assert_str_eq(c->host_config, "/base/../configs/default.yaml");
    ck_assert_int_eq(c->skip_missing, 0);
    ck_assert_int_eq(c->cf_subset, RS_CF_SCALED);
    /* every protocol on, the sweep excluding only what it gave */
    ck_assert_int_eq(c->sweep_enabled, 1);
    ck_assert_int_eq(c->sweep_exclude, RS_EXCLUDE_GIVEN);
    ck_assert_int_eq(c->new_users.enabled, 1);
    ck_assert_double_eq(c->new_users.holdout_fraction, 0.2);
    ck_assert_uint_eq(c->new_users.n_n, 5);
    ck_assert_int_eq(c->new_users.n[0], 1);
    ck_assert_int_eq(c->new_users.n[4], 20);
    ck_assert_int_eq(c->new_users.order, RS_QUERY_EARLIEST);
    ck_assert_int_eq(c->new_users.min_positives, 1);
    ck_assert_uint_eq(c->new_users.seed, 42); /* the top-level seed */
    ck_assert_int_eq(c->probes.enabled, 1);
    ck_assert_uint_eq(c->probes.n_genres, 6);
    ck_assert_str_eq(c->probes.genres[1], "Western");
    ck_assert_int_eq(c->probes.n_rated, 10);
    ck_assert_int_eq(c->probes.k, 20);
    rs_eval_config_free(c);
}
END_TEST

START_TEST(protocol_sections)
{
    rs_eval_config *c = parse_ok(
        "seed: 9\n"
        "sweep: {enabled: false, exclude: full}\n"
        "new_users: {holdout_fraction: 0.3, n: [2, 4], order: random, min_positives: 2}\n"
        "taste_probes: {enabled: false, genres: [Horror], n_rated: 5, rating: 4.5, k: 10}\n");
    ck_assert_int_eq(c->sweep_enabled, 0);
    ck_assert_int_eq(c->sweep_exclude, RS_EXCLUDE_FULL);
    ck_assert_double_eq(c->new_users.holdout_fraction, 0.3);
    ck_assert_uint_eq(c->new_users.n_n, 2);
    ck_assert_int_eq(c->new_users.n[1], 4);
    ck_assert_int_eq(c->new_users.order, RS_QUERY_RANDOM);
    ck_assert_int_eq(c->new_users.min_positives, 2);
    ck_assert_uint_eq(c->new_users.seed, 9); /* follows the top-level seed */
    ck_assert_int_eq(c->probes.enabled, 0);
    ck_assert_uint_eq(c->probes.n_genres, 1);
    ck_assert_str_eq(c->probes.genres[0], "Horror");
    ck_assert_double_eq(c->probes.rating, 4.5);
    ck_assert_int_eq(c->probes.k, 10);
    rs_eval_config_free(c);
    c = parse_ok("seed: 9\nnew_users: {seed: 3}\n");
    ck_assert_uint_eq(c->new_users.seed, 3);
    rs_eval_config_free(c);
}
END_TEST

START_TEST(overrides)
{
    rs_eval_config *c = parse_ok(
        "host_config: /etc/recsys.yaml\n"
        "instances: [popularity, lightgcn]\n"
        "split: {kind: temporal, temporal_quantile: 0.9, validation_fraction: 0}\n"
        "levels: [1.0, 0.1]\n"
        "k: [5]\n"
        "activity_buckets: [0, 10]\n"
        "seed: 7\n"
        "missing_instances: skip\n"
        "cf_subset: host\n"
        "output_dir: out\n");
    ck_assert_str_eq(c->host_config, "/etc/recsys.yaml");
    ck_assert_str_eq(c->output_dir, "/base/out");
    ck_assert_uint_eq(c->n_instances, 2);
    ck_assert_uint_eq(c->n_compare, 0);          /* none until the host names its served source */
    ck_assert_str_eq(c->baseline, "popularity"); /* the first, until the host is known */
    ck_assert_int_eq(c->split.kind, RS_SPLIT_TEMPORAL);
    ck_assert_double_eq(c->split.temporal_quantile, 0.9);
    ck_assert_double_eq(c->split.validation_fraction, 0.0);
    ck_assert_uint_eq(c->split.seed, 7);
    ck_assert_uint_eq(c->n_levels, 2);
    ck_assert_int_eq(c->k[0], 5);
    ck_assert_int_eq(c->bucket_lo[0], 0);
    ck_assert_int_eq(c->skip_missing, 1);
    ck_assert_int_eq(c->cf_subset, RS_CF_HOST);
    rs_eval_config_free(c);
}
END_TEST

START_TEST(errors_name_the_place)
{
    parse_fails("seed: 1\nlevles: [1.0]\n", "t.yaml:2:1: unknown key 'levles'");
    parse_fails("split:\n  kind: random\n  test_frac: 0.2\n",
                "t.yaml:3:3: unknown key 'test_frac'");
    parse_fails("levels: [1.0, 1.5]\n",
                "t.yaml:1:15: 'each of levels' must be in (0, 1], got '1.5'");
    parse_fails("levels: [0.5, 0.5]\n", "distinct");
    parse_fails("k: [20, 10]\n", "t.yaml:1:9: 'k' must be strictly ascending");
    parse_fails("k: ten\n", "t.yaml:1:4: 'k' must be a list");
    parse_fails("seed: abc\n", "t.yaml:1:7: 'seed' must be");
    parse_fails("split: {kind: random, test_fraction: 1.0}\n",
                "t.yaml:1:38: 'split.test_fraction' = 1.0 is out of range (0, 1)");
    parse_fails("split: {kind: kfold}\n",
                "'split.kind' = 'kfold' is not one of: random, loo, temporal, files");
    parse_fails("baseline: nope\ninstances: [a]\n",
                "t.yaml:1:11: baseline 'nope' is not one of instances");
    parse_fails("instances: [a, b, a]\n", "t.yaml:1:19: instances lists 'a' twice");
    parse_fails("instances: [a, b]\nbaseline: a\ncompare: [[a, c]]\n",
                "t.yaml:3:15: compare names 'c'");
    parse_fails("threads: 0\n", "'threads' = 0 is out of range [1, 256]");
    parse_fails("missing_instances: maybe\n",
                "'missing_instances' = 'maybe' is not one of: error, skip");
    parse_fails("- a\n- b\n", "must be a mapping");
    parse_fails("params: {nosuch: {epochs: 1}}\ninstances: [a]\n",
                "t.yaml:1:18: params names 'nosuch'");
    parse_fails("params: {lightgcn: 3}\n", "t.yaml:1:20: params.lightgcn must be a mapping");
    parse_fails("params: [1]\n", "'params' must be a mapping");
    parse_fails("cf_subset: some\n",
                "t.yaml:1:12: 'cf_subset' = 'some' is not one of: scaled, host, all");
    parse_fails("sweep: {exclude: some}\n",
                "t.yaml:1:18: 'sweep.exclude' = 'some' is not one of: given, full, both");
    parse_fails("sweep: {enabled: maybe}\n", "t.yaml:1:18:");
    parse_fails("sweep: [1]\n", "'sweep' must be a mapping");
    parse_fails("new_users: {n: [5, 3]}\n",
                "t.yaml:1:20: 'new_users.n' must be strictly ascending");
    parse_fails("new_users: {holdout_fraction: 1}\n",
                "'new_users.holdout_fraction' = 1 is out of range (0, 1)");
    parse_fails("new_users: {order: latest}\n",
                "'new_users.order' = 'latest' is not one of: earliest, random");
    parse_fails("new_users: {min_positives: 0}\n",
                "'new_users.min_positives' = 0 is out of range [1, 1000000]");
    parse_fails("new_users: {hold: 0.2}\n", "t.yaml:1:13: unknown key 'hold'");
    parse_fails("taste_probes: {genres: []}\n", "'taste_probes.genres' must have at least 1 item");
    parse_fails("taste_probes: {genres: [Horror, Horror]}\n", "lists 'Horror' twice");
    parse_fails("taste_probes: {k: 0}\n", "'taste_probes.k' = 0 is out of range [1, 1000]");
}
END_TEST

START_TEST(apply_host_skips_or_refuses)
{
    rs_config *host = NULL;
    rs_error err = {RS_OK, ""};
    /* A host config that defines popularity only; only its instance list
     * matters here, so any existing directory stands in for the data. */
    char *dir = tu_tempdir();
    char path[4200];
    tu_write(dir, "host.yaml",
             "data: {dir: /}\ninstances:\n  - {name: popularity, plugin: popularity}\n");
    snprintf(path, sizeof path, "%s/host.yaml", dir);
    unsetenv("RECSYS_DATA_DIR");
    ck_assert_int_eq(rs_config_load(path, &host, &err), RS_OK);
    rs_eval_config *c = parse_ok("instances: [popularity, nosuch]\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "t.yaml:1:25: instance 'nosuch' is not defined"));
    rs_eval_config_free(c);

    c = parse_ok("instances: [popularity, nosuch, hybrid]\nmissing_instances: skip\n"
                 "compare: [[hybrid, popularity]]\n");
    ck_assert_uint_eq(c->n_compare, 1);
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_OK);
    ck_assert_uint_eq(c->n_instances, 1);
    ck_assert_str_eq(c->instances[0], "popularity");
    ck_assert_uint_eq(c->n_compare, 0);
    rs_eval_config_free(c);

    c = parse_ok("instances: [nosuch]\nbaseline: nosuch\nmissing_instances: skip\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "baseline cannot be skipped"));
    rs_eval_config_free(c);
    rs_config_free(host);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

/* Without instances, baseline or compare, the eval takes the host's
 * instances, its cold-start source as the baseline, and compares the
 * served source with it; names in the file are checked once known. */
START_TEST(defaults_from_the_host)
{
    rs_config *host = NULL;
    rs_error err = {RS_OK, ""};
    char *dir = tu_tempdir();
    char path[4200];
    tu_write(dir, "host.yaml",
             "data: {dir: /}\ninstances:\n  - {name: a, plugin: x}\n  - {name: b, plugin: y}\n"
             "  - {name: c, plugin: z}\nserving: {default_source: c, cold_start: b}\n");
    snprintf(path, sizeof path, "%s/host.yaml", dir);
    unsetenv("RECSYS_DATA_DIR");
    ck_assert_msg(rs_config_load(path, &host, &err) == RS_OK, "%s", err.message);
    rs_eval_config *c = parse_ok("seed: 1\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_OK);
    ck_assert_uint_eq(c->n_instances, 3);
    ck_assert_str_eq(c->instances[0], "a");
    ck_assert_str_eq(c->instances[2], "c");
    ck_assert_str_eq(c->baseline, "b");
    ck_assert_uint_eq(c->n_compare, 1);
    ck_assert_str_eq(c->compare[0].a, "c");
    ck_assert_str_eq(c->compare[0].b, "b");
    rs_eval_config_free(c);
    /* a listed baseline wins; an unlisted one defaults to the cold start */
    c = parse_ok("instances: [a, b]\nbaseline: a\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_OK);
    ck_assert_str_eq(c->baseline, "a");
    ck_assert_uint_eq(c->n_compare, 0); /* c, the served source, is not evaluated */
    rs_eval_config_free(c);
    c = parse_ok("instances: [a, b]\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_OK);
    ck_assert_str_eq(c->baseline, "b");
    rs_eval_config_free(c);
    /* names are checked against the host's instances */
    c = parse_ok("seed: 1\nbaseline: nope\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "t.yaml:2:11: baseline 'nope' is not one of instances");
    rs_eval_config_free(c);
    c = parse_ok("compare: [[a, d]]\n");
    ck_assert_int_eq(rs_eval_config_apply_host(c, host, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "t.yaml:1:15: compare names 'd'");
    rs_eval_config_free(c);
    rs_config_free(host);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(the_shipped_file_loads)
{
    rs_eval_config *c = NULL;
    rs_error err = {RS_OK, ""};
    ck_assert_msg(rs_eval_config_load(RS_SOURCE_DIR "/evaluation/sparsity.yaml", &c, &err) == RS_OK,
                  "%s", err.message);
    ck_assert_str_eq(c->host_config, RS_SOURCE_DIR "/evaluation/../configs/default.yaml");
    ck_assert_uint_eq(c->n_levels, 5);
    rs_eval_config_free(c);
    ck_assert_int_eq(rs_eval_config_load("/nonexistent/eval.yaml", &c, &err), RS_ERR_NOT_FOUND);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("eval_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, defaults_from_the_host);
    tcase_add_test(tc, overrides);
    tcase_add_test(tc, protocol_sections);
    tcase_add_test(tc, errors_name_the_place);
    tcase_add_test(tc, apply_host_skips_or_refuses);
    tcase_add_test(tc, the_shipped_file_loads);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
