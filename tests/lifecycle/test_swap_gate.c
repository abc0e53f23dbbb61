/* Swap gate: config, the time-split holdout and Recall@k on a hand-checked
 * fixture, and gated reloads on the real data (degraded candidates
 * refused with both figures, good ones accepted, force, corrupt files). */
#include <math.h>

#include "lc_fixture.h"
#include "recsys/swap_gate.h"

START_TEST(config_defaults_and_errors)
{
    rs_gate_config c;
    rs_error err = {0};
    rs_yaml_node *doc;
    ck_assert_int_eq(rs_gate_config_parse(NULL, &c, &err), RS_OK);
    ck_assert_double_eq_tol(c.tolerance, 0.05, 1e-12);
    ck_assert_int_eq(c.holdout_users, 200);
    ck_assert_int_eq(c.k, 20);
    ck_assert_int_eq(rs_yaml_load_string("swap_gate: {tolerance: 0.1, holdout_users: 50, k: 10}\n",
                                         "g.yaml", &doc, &err),
                     RS_OK);
    ck_assert_int_eq(rs_gate_config_parse(rs_yaml_get(doc, "swap_gate"), &c, &err), RS_OK);
    ck_assert_double_eq_tol(c.tolerance, 0.1, 1e-12);
    ck_assert_int_eq(c.holdout_users, 50);
    ck_assert_int_eq(c.k, 10);
    ck_assert_int_eq(c.min_ratings, 10);
    rs_yaml_free(doc);
    ck_assert_int_eq(rs_yaml_load_string("swap_gate:\n  tolerance: 1.5\n", "g.yaml", &doc, &err),
                     RS_OK);
    ck_assert_int_eq(rs_gate_config_parse(rs_yaml_get(doc, "swap_gate"), &c, &err), RS_ERR_CONFIG);
    ck_assert_str_eq(err.message,
                     "g.yaml:2:14: 'swap_gate.tolerance' = 1.5 is out of range [0, 1]");
    rs_yaml_free(doc);
    ck_assert_int_eq(rs_yaml_load_string("swap_gate:\n  tolerence: 0.1\n", "g.yaml", &doc, &err),
                     RS_OK);
    ck_assert_int_eq(rs_gate_config_parse(rs_yaml_get(doc, "swap_gate"), &c, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "g.yaml:2:3:");
    tu_assert_contains(err.message, "tolerence");
    rs_yaml_free(doc);
}
END_TEST

/* Fixture (host_fixture.h), items A0 B1 C2 D3, with min_ratings 2 and a
 * 20 % holdout (one rating for these users):
 *   user 3: A, C | D=5.0 held out -> target D, latest activity T
 *   user 1: A | B=3.0 held out, not positive -> not held out
 *   user 2: A | C=5.0 held out -> target C, latest T-1d
 *   user 4: one rating -> too few
 * Popularity (count) ranks A B C D. Top 1 for user 3 (query A, C) is B,
 * for user 2 (query A) is B: Recall@1 = 0. Top 2 adds D and C: both hit,
 * Recall@2 = 1. */
static void fixture_gate(hf *f, rs_gate_config *c, int64_t k)
{
    rs_error err = {0};
    hf_setup(f);
    hf_write_config(f, "  - {name: pop, plugin: popularity}\n", NULL);
    ck_assert_msg(hf_open(f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_fit(f->engine, "pop", NULL, &err), RS_OK);
    rs_gate_config_default(c);
    c->min_ratings = 2;
    c->k = k;
}

START_TEST(holdout_recall_hand_checked)
{
    hf f;
    rs_gate_config c;
    rs_holdout *h;
    rs_error err = {0};
    double r;
    fixture_gate(&f, &c, 1);
    ck_assert_msg(rs_holdout_new(rs_engine_dataset(f.engine), &c, &h, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_int_eq(rs_holdout_user_count(h), 2);
    ck_assert_int_eq(rs_holdout_recall(h, f.engine, "pop", &r, &err), RS_OK);
    ck_assert_double_eq_tol(r, 0.0, 1e-12);
    rs_holdout_free(h);
    c.k = 2;
    ck_assert_int_eq(rs_holdout_new(rs_engine_dataset(f.engine), &c, &h, &err), RS_OK);
    ck_assert_int_eq(rs_holdout_recall(h, f.engine, "pop", &r, &err), RS_OK);
    ck_assert_double_eq_tol(r, 1.0, 1e-12);
    /* Smoke test: k=2 leaves at least 2 unrated items for both users. */
    ck_assert_msg(rs_smoke_test(h, f.engine, "pop", &err) == RS_OK, "%s", err.message);
    rs_holdout_free(h);
    /* Only user 3 remains with holdout_users 1 (the newest). */
    c.holdout_users = 1;
    ck_assert_int_eq(rs_holdout_new(rs_engine_dataset(f.engine), &c, &h, &err), RS_OK);
    ck_assert_int_eq(rs_holdout_user_count(h), 1);
    rs_holdout_free(h);
    /* Nobody qualifies: a clear error, not a 0/0 recall. */
    c.min_ratings = 50;
    ck_assert_int_eq(rs_holdout_new(rs_engine_dataset(f.engine), &c, &h, &err), RS_ERR_STATE);
    tu_assert_contains(err.message, "no user has >= 50 ratings");
    hf_teardown(&f);
}
END_TEST

static rs_swap_gate *real_gate(hf *f, rs_engine **serving)
{
    rs_error err = {0};
    rs_gate_config c;
    rs_swap_gate *g;
    if (!lc_setup_real(
            f, "  - {name: pop, plugin: popularity}\n  - {name: good, plugin: tp_good}\n", NULL))
        return NULL;
    ck_assert_msg(hf_open(f, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_load_or_train(f->engine, 1, &err) == RS_OK, "%s", err.message);
    rs_gate_config_default(&c);
    ck_assert_int_eq(rs_swap_gate_new(f->cfg, f->engine, &c, &g, &err), RS_OK);
    *serving = f->engine;
    return g;
}

START_TEST(degraded_candidate_refused_good_accepted)
{
    hf f;
    rs_engine *e;
    rs_error err = {0};
    rs_gate_event ev;
    char dir[4500];
    rs_swap_gate *g = real_gate(&f, &e);
    if (!g)
        return; /* no MovieLens data here */
    const rs_dataset *d = rs_engine_dataset(e);
    ck_assert_int_eq(rs_engine_instance_version(e, "pop"), 1);

    /* A candidate fitted on item-permuted ratings: refused, both figures
     * in the message, version 1 keeps serving. */
    rs_ratings_set *bad = lc_degraded(d);
    snprintf(dir, sizeof dir, "%s/cand-bad", f.dir);
    lc_train_candidate(e, "pop", rs_ratings_set_view(bad), dir);
    ck_assert_int_eq(rs_engine_instance_version(e, "pop"), 1); /* saved, not published */
    ck_assert_int_eq(rs_swap_gate_reload(g, "pop", dir, 0, NULL, &ev, &err), RS_ERR_STATE);
    tu_assert_contains(err.message, "instance 'pop': swap refused: candidate Recall@20 ");
    char want[128];
    snprintf(want, sizeof want, "candidate Recall@20 %.4f vs serving %.4f", ev.candidate_recall,
             ev.serving_recall);
    tu_assert_contains(err.message, want);
    ck_assert_msg(ev.serving_recall > 0.02, "serving recall %.4f", ev.serving_recall);
    ck_assert_msg(ev.candidate_recall < 0.5 * ev.serving_recall, "candidate %.4f serving %.4f",
                  ev.candidate_recall, ev.serving_recall);
    ck_assert_int_eq(ev.accepted, 0);
    ck_assert_int_eq(rs_engine_instance_version(e, "pop"), 1);

    /* Retrained on the real data: same figure, accepted, version 2. */
    snprintf(dir, sizeof dir, "%s/cand-good", f.dir);
    lc_train_candidate(e, "pop", NULL, dir);
    ck_assert_msg(rs_swap_gate_reload(g, "pop", dir, 0, NULL, &ev, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_int_eq(ev.accepted, 1);
    ck_assert_double_eq_tol(ev.candidate_recall, ev.serving_recall, 1e-12);
    ck_assert_int_eq(rs_engine_instance_version(e, "pop"), 2);
    ck_assert_int_eq(ev.version, 2);

    /* Force: the degraded candidate goes live without evaluation. */
    snprintf(dir, sizeof dir, "%s/cand-bad", f.dir);
    ck_assert_int_eq(rs_swap_gate_reload(g, "pop", dir, 1, NULL, &ev, &err), RS_OK);
    ck_assert_int_eq(ev.forced, 1);
    ck_assert(isnan(ev.candidate_recall));
    ck_assert_int_eq(rs_engine_instance_version(e, "pop"), 3);

    /* The log, newest first. */
    rs_gate_event log[8];
    ck_assert_int_eq(rs_swap_gate_events(g, "pop", log, 8), 3);
    ck_assert_int_eq(log[0].forced, 1);
    ck_assert_int_eq(log[1].accepted, 1);
    ck_assert_int_eq(log[2].accepted, 0);
    tu_assert_contains(log[2].message, "swap refused");
    ck_assert_int_eq(rs_swap_gate_events(g, "good", log, 8), 0);
    rs_swap_gate_free(g);
    rs_ratings_set_free(bad);
    hf_teardown(&f);
}
END_TEST

START_TEST(corrupt_candidate_rejected)
{
    hf f;
    rs_engine *e;
    rs_error err = {0};
    rs_gate_event ev;
    rs_swap_gate *g = real_gate(&f, &e);
    if (!g)
        return;
    /* tp_good: an unchanged artifact is accepted (same ranking). */
    ck_assert_msg(rs_swap_gate_reload(g, "good", NULL, 0, NULL, &ev, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_int_eq(rs_engine_instance_version(e, "good"), 2);
    tu_write(rs_engine_artifact_dir(e, "good"), "model.txt", "corrupt\n");
    ck_assert_int_ne(rs_swap_gate_reload(g, "good", NULL, 0, NULL, &ev, &err), RS_OK);
    tu_assert_contains(err.message, "instance 'good': candidate from ");
    tu_assert_contains(err.message, "corrupt test model");
    ck_assert_int_eq(ev.accepted, 0);
    ck_assert_int_eq(rs_engine_instance_version(e, "good"), 2);
    /* Even force cannot publish what does not load. */
    ck_assert_int_ne(rs_swap_gate_reload(g, "good", NULL, 1, NULL, &ev, &err), RS_OK);
    ck_assert_int_eq(rs_engine_instance_version(e, "good"), 2);
    /* The old version still serves. */
    rs_rating r[] = {{0, 4.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 1, NULL, 0);
    rs_scored out[3];
    size_t n;
    ck_assert_int_eq(rs_engine_recommend(e, "good", &q, 3, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(rs_swap_gate_reload(g, "nope", NULL, 0, NULL, &ev, &err), RS_ERR_NOT_FOUND);
    rs_swap_gate_free(g);
    hf_teardown(&f);
}
END_TEST

/* Each defect of lc_defect's recommend is caught by the smoke test before
 * any figure is computed, named in the message; version 1 keeps serving. */
START_TEST(smoke_test_catches_defects)
{
    static const struct {
        const char *defect, *want;
    } cases[] = {
        {"rated", "rank 0: item 0 is already rated"},
        {"duplicate", "rank 1: item 1 returned twice"},
        {"short", "returned 1 items, expected 2"},
        {"nan", "score of item 1 is not finite"},
        {"outside", "rank 1: item 4 is not in the catalogue"},
    };
    hf f;
    rs_error err = {0};
    rs_gate_config c;
    rs_swap_gate *g;
    rs_gate_event ev;
    char text[64];
    hf_setup(&f);
    hf_write_config(&f, "  - {name: d, plugin: lc_defect}\n", NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 1, &err), RS_OK);
    rs_gate_config_default(&c);
    c.min_ratings = 2;
    c.k = 2;
    ck_assert_int_eq(rs_swap_gate_new(f.cfg, f.engine, &c, &g, &err), RS_OK);
    /* The clean artifact passes (and is version 2). */
    ck_assert_msg(rs_swap_gate_reload(g, "d", NULL, 0, NULL, &ev, &err) == RS_OK, "%s",
                  err.message);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s 4\n", cases[i].defect);
        tu_write(rs_engine_artifact_dir(f.engine, "d"), "defect.txt", text);
        ck_assert_int_eq(rs_swap_gate_reload(g, "d", NULL, 0, NULL, &ev, &err), RS_ERR_FORMAT);
        /* Newest held-out user first: user 3 (query A, C). */
        tu_assert_contains(err.message, "smoke test: user 3 (2 ratings): ");
        tu_assert_contains(err.message, cases[i].want);
        ck_assert_int_eq(ev.accepted, 0);
        ck_assert(isnan(ev.candidate_recall));
        ck_assert_int_eq(rs_engine_instance_version(f.engine, "d"), 2);
    }
    rs_swap_gate_free(g);
    hf_teardown(&f);
}
END_TEST

/* The real model plugins when they are built (semantic and lightgcn, from
 * their own areas): their artifacts pass the smoke test and the gate, so
 * the gate does not refuse every swap of a plugin that fills lists
 * differently from popularity. LightGCN also gets a candidate fitted on
 * item-permuted ratings, which must be refused. Skipped when a plugin or
 * the data is absent. */
static int plugin_built(const char *name)
{
    char desc[4200];
    snprintf(desc, sizeof desc, "%s/%s/plugin.yaml", RS_PLUGIN_BUILD_DIR, name);
    return access(desc, R_OK) == 0;
}

static void real_plugin_gate(const char *plugin, const char *params, int degrade)
{
    hf f;
    rs_error err = {0};
    rs_swap_gate *g;
    rs_gate_event ev;
    char inst[512], dir[4500];
    snprintf(inst, sizeof inst, "  - {name: m, plugin: %s, params: {%s}}\n", plugin, params);
    if (!plugin_built(plugin) || !lc_setup_real(&f, inst, NULL))
        return;
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_load_or_train(f.engine, 1, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_swap_gate_new(f.cfg, f.engine, NULL, &g, &err), RS_OK);
    ck_assert_msg(rs_swap_gate_reload(g, "m", NULL, 0, NULL, &ev, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_double_eq_tol(ev.candidate_recall, ev.serving_recall, 1e-9);
    fprintf(stderr, "%s {%s}: Recall@20 %.4f on the newest ratings\n", plugin, params,
            ev.candidate_recall);
    if (degrade) {
        const rs_dataset *d = rs_engine_dataset(f.engine);
        rs_ratings_set *bad = lc_degraded(d);
        snprintf(dir, sizeof dir, "%s/cand-bad", f.dir);
        lc_train_candidate(f.engine, "m", rs_ratings_set_view(bad), dir);
        ck_assert_int_eq(rs_swap_gate_reload(g, "m", dir, 0, NULL, &ev, &err), RS_ERR_STATE);
        fprintf(stderr, "%s degraded: %s\n", plugin, err.message);
        rs_ratings_set_free(bad);
    }
    rs_swap_gate_free(g);
    hf_teardown(&f);
}

START_TEST(real_plugins_pass_the_gate)
{
    real_plugin_gate("semantic", "dim: 32", 0);
    real_plugin_gate("lightgcn", "dim: 16, epochs: 8", 1);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("swap_gate");
    TCase *tc = tcase_create("swap_gate");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, config_defaults_and_errors);
    tcase_add_test(tc, holdout_recall_hand_checked);
    tcase_add_test(tc, degraded_candidate_refused_good_accepted);
    tcase_add_test(tc, corrupt_candidate_rejected);
    tcase_add_test(tc, smoke_test_catches_defects);
    tcase_add_test(tc, real_plugins_pass_the_gate);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
