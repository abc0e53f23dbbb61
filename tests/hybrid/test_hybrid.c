/*
 * The hybrid plugin through a real host boundary: the plugin and its test
 * children are MODULEs dlopened by tests/hybrid/test_host.c, and every
 * child is reached only through acquire_instance/release_instance.
 *
 * Fixture: 40 items. "cf" knows items 0..29 (lower index = better) and
 * cannot score 30..39; "content" ranks by closeness to item 35, a cold item
 * the CF child cannot see; "pop" prefers high indices. Most tests fix the
 * weights (cf 0.5, content 0.5) so the blend is known; the "learning"
 * case fits them on a larger fixture.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "test_host.h"
#include "check_main.h"

#define N_ITEMS 40
#define COLD 35

static hyb_fixture *fx;
static th_host *th;

/* User 0 (id 100) rated 1, 2, 3; user 1 (id 101) rated 10..21. */
static const rs_rating light[] = {{1, 5.0f, 0}, {2, 3.0f, 0}, {3, 4.0f, 0}};
static rs_rating heavy[12];

static void setup(void)
{
    hyb_triple t[3 + 12];
    size_t n = 0;
    for (int i = 0; i < 3; i++)
        t[n++] = (hyb_triple){0, light[i].item, light[i].rating};
    for (int i = 0; i < 12; i++) {
        heavy[i] = (rs_rating){10 + i, 4.0f, 0};
        t[n++] = (hyb_triple){1, 10 + i, 4.0f};
    }
    fx = hyb_fixture_new(2, N_ITEMS, t, n);
    ck_assert_ptr_nonnull(fx);
    th = th_new(hyb_fixture_view(fx));
    rs_error err = {0};
    const char *cf[] = {"known_items=30", "because=true", NULL};
    const char *content[] = {"favourite=35", NULL};
    ck_assert_int_eq(th_add(th, "cf", HYB_FAKE_CF_SO, cf, &err), RS_OK);
    ck_assert_int_eq(th_add(th, "content", HYB_FAKE_CONTENT_SO, content, &err), RS_OK);
    ck_assert_int_eq(th_add(th, "pop", HYB_FAKE_POP_SO, NULL, &err), RS_OK);
}

static void teardown(void)
{
    ck_assert_int_eq(th_free(th), 0); /* fails if a reference leaked */
    hyb_fixture_free(fx);
}

/* Add hybrid instance `name` blending cf and content with fixed equal
 * weights (pop is the fallback only), plus extra params. The evidence
 * gate is off so the hand-computed z-scores hold (the fixture's films
 * have 0-2 ratings each); its own test sets it. */
static void add_hybrid(const char *name, const char *const *extra)
{
    const char *p[16] = {"ease=",
                         "cf=cf",
                         "content=content",
                         "popularity=",
                         "fallback=pop",
                         "weights=cf=0.5,content=0.5",
                         "content_evidence=0"};
    size_t n = 7;
    for (size_t i = 0; extra && extra[i]; i++)
        p[n++] = extra[i];
    p[n] = NULL;
    rs_error err = {0};
    rs_status s = th_add(th, name, HYB_PLUGIN_SO, p, &err);
    ck_assert_msg(s == RS_OK, "add %s: %s", name, err.message);
}

static rs_query query(const rs_rating *r, size_t n)
{
    return RS_QUERY(RS_USER_NONE, r, n, NULL, 0);
}

static size_t rec(const char *inst, const rs_query *q, size_t k, rs_scored *out, rs_explanation *x)
{
    size_t n = 0;
    rs_error err = {0};
    /* Through the SDK test host, as the engine serves: it fills the query
     * and checks the output. */
    rs_status s = rs_testhost_recommend(th, inst, q, k, out, x, &n, &err);
    ck_assert_msg(s == RS_OK, "%s recommend: %s", inst, err.message);
    return n;
}

static float score1(const char *inst, const rs_query *q, int32_t item)
{
    float s;
    rs_error err = {0};
    ck_assert_int_eq(rs_testhost_score(th, inst, q, &item, 1, &s, &err), RS_OK);
    return s;
}

static int contains(const rs_scored *r, size_t n, int32_t item)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].item == item)
            return (int)i + 1;
    return 0;
}

/* The z-score of `item` under the content fake's rule (1 / (1 + |i -
 * fav|)) over the catalogue minus the `skip`ped items. */
static double content_z(int32_t item, int32_t fav, const int32_t *skip, size_t n_skip)
{
    double sum = 0, ss = 0;
    size_t m = 0;
    for (int32_t i = 0; i < N_ITEMS; i++) {
        int skipped = 0;
        for (size_t j = 0; j < n_skip; j++)
            skipped |= skip[j] == i;
        if (skipped)
            continue;
        double v = (float)(1.0f / (1.0f + (float)abs(i - fav)));
        sum += v;
        ss += v * v;
        m++;
    }
    double mean = sum / m, sd = sqrt(ss / m - mean * mean);
    return ((float)(1.0f / (1.0f + (float)abs(item - fav))) - mean) / sd;
}

START_TEST(blend_finds_the_cold_item_the_cf_child_misses)
{
    add_hybrid("hybrid", NULL);
    rs_query q = query(light, 3);
    rs_scored cf[5], hy[5];
    size_t ncf = rec("cf", &q, 5, cf, NULL);
    size_t nhy = rec("hybrid", &q, 5, hy, NULL);
    ck_assert_uint_eq(ncf, 5);
    ck_assert_uint_eq(nhy, 5);
    ck_assert(!contains(cf, ncf, COLD));
    ck_assert(isnan(score1("cf", &q, COLD))); /* truly outside its catalogue */
    ck_assert_int_eq(hy[0].item, COLD);
    for (size_t i = 0; i < nhy; i++) /* never a rated item */
        ck_assert(hy[i].item < 1 || hy[i].item > 3);
    ck_assert_int_eq(th_refs_held(th), 0);
}
END_TEST

/* Where the CF child cannot score an item (the cold movie), the content
 * child's z-score stands in for it, so the cold item's blended score is
 * content's z at full weight; with cold_items = mean it is the CF child's
 * mean (z = 0) instead, and only content's weight counts. */
START_TEST(missing_scores_take_contents_word_or_the_childs_mean)
{
    const char *stand[] = {"cold_items=content", NULL};
    add_hybrid("hybrid", stand);
    const char *mean[] = {"cold_items=mean", NULL};
    add_hybrid("meanonly", mean);
    rs_query q = query(light, 3);
    const int32_t rated[] = {1, 2, 3};
    double z = content_z(COLD, 35, rated, 3);
    ck_assert_double_eq_tol(score1("hybrid", &q, COLD), z, 1e-4);
    ck_assert_double_eq_tol(score1("meanonly", &q, COLD), 0.5 * z, 1e-4);
    /* An item both score is unaffected. */
    ck_assert_float_eq_tol(score1("hybrid", &q, 7), score1("meanonly", &q, 7), 1e-6f);

    /* An item no child can score stays missing, not 0. */
    rs_error err = {0};
    const char *part[] = {"favourite=35", "known_items=38", NULL};
    ck_assert_int_eq(th_add(th, "content38", HYB_FAKE_CONTENT_SO, part, &err), RS_OK);
    const char *p2[] = {"content=content38", "cold_items=content", NULL};
    add_hybrid("h38", p2);
    ck_assert(isnan(score1("h38", &q, 39)));
    ck_assert(!isnan(score1("h38", &q, 37)));

    /* Explanations credit nothing to the child that could not score. */
    rs_scored out[3];
    rs_explanation ex[3];
    size_t n = rec("hybrid", &q, 3, out, ex);
    ck_assert_int_eq(out[0].item, COLD);
    ck_assert_uint_eq(ex[0].n_parts, 2);
    for (size_t j = 0; j < n; j++) {
        float sum = 0;
        for (uint32_t p = 0; p < ex[j].n_parts; p++)
            sum += ex[j].parts[p].share;
        ck_assert_float_eq_tol(sum, 1.0f, 1e-5f);
    }
    ck_assert_str_eq(ex[0].parts[0].source, "cf");
    ck_assert_float_eq(ex[0].parts[0].share, 0.0f);
    ck_assert_str_eq(ex[0].parts[1].source, "content");
    ck_assert_float_eq_tol(ex[0].parts[1].share, 1.0f, 1e-6f);
}
END_TEST

/* score() equals the score recommend() ranked by: both use z-scores over
 * the whole catalogue, whatever items score() is asked about. */
START_TEST(score_agrees_with_recommend)
{
    add_hybrid("hybrid", NULL);
    rs_query q = query(light, 3);
    rs_scored out[10];
    size_t n = rec("hybrid", &q, 10, out, NULL);
    for (size_t j = 0; j < n; j++)
        ck_assert_float_eq_tol(score1("hybrid", &q, out[j].item), out[j].score, 1e-6f);
}
END_TEST

START_TEST(zero_rating_users_get_the_fallback_list)
{
    add_hybrid("hybrid", NULL);
    rs_query q = query(NULL, 0);
    rs_scored a[8], b[8];
    rs_explanation ex[8];
    size_t na = rec("hybrid", &q, 8, a, ex);
    size_t nb = rec("pop", &q, 8, b, NULL);
    ck_assert_uint_eq(na, nb);
    ck_assert_uint_eq(na, 8);
    for (size_t i = 0; i < na; i++) {
        ck_assert_int_eq(a[i].item, b[i].item);
        ck_assert_str_eq(ex[i].parts[0].source, "pop");
        ck_assert_float_eq(ex[i].parts[0].share, 1.0f);
    }
    ck_assert_int_eq(a[0].item, N_ITEMS - 1); /* pop's, not the blend's */
    ck_assert_float_eq(score1("hybrid", &q, 7), score1("pop", &q, 7));
}
END_TEST

START_TEST(ties_break_by_item_index_deterministically)
{
    rs_error err = {0};
    const char *cf[] = {"known_items=30", "flat=true", NULL};
    const char *ct[] = {"flat=true", NULL};
    ck_assert_int_eq(th_add(th, "cf_flat", HYB_FAKE_CF_SO, cf, &err), RS_OK);
    ck_assert_int_eq(th_add(th, "ct_flat", HYB_FAKE_CONTENT_SO, ct, &err), RS_OK);
    const char *p[] = {"cf=cf_flat", "content=ct_flat", NULL};
    add_hybrid("hybrid", p);
    rs_query q = query(light, 3);
    rs_scored a[6], b[6];
    size_t na = rec("hybrid", &q, 6, a, NULL);
    ck_assert_uint_eq(na, 6);
    const int32_t want[] = {0, 4, 5, 6, 7, 8}; /* 1..3 rated */
    for (size_t i = 0; i < na; i++) {
        ck_assert_int_eq(a[i].item, want[i]);
        ck_assert_float_eq(a[i].score, a[0].score);
    }
    for (int rep = 0; rep < 20; rep++) {
        ck_assert_uint_eq(rec("hybrid", &q, 6, b, NULL), na);
        ck_assert_mem_eq(a, b, na * sizeof *a);
    }
    /* score() is independent of the order it is asked in. */
    add_hybrid("plain", NULL);
    int32_t fwd[] = {4, 12, 30, 35}, rev[] = {35, 30, 12, 4};
    float sf[4], sr[4];
    ck_assert_int_eq(th_entry(th, "plain")->score(th_instance(th, "plain"), &q, fwd, 4, sf, &err),
                     RS_OK);
    ck_assert_int_eq(th_entry(th, "plain")->score(th_instance(th, "plain"), &q, rev, 4, sr, &err),
                     RS_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(sf[i], sr[3 - i]);
}
END_TEST

typedef struct worker {
    const rs_scored *want;
    const rs_explanation *want_x;
    size_t n;
    int mismatches;
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    rs_query q = query(light, 3);
    const rs_plugin_entry *e = th_entry(th, "hybrid");
    void *inst = th_instance(th, "hybrid");
    for (int i = 0; i < 200; i++) {
        rs_scored out[10];
        rs_explanation x[10];
        size_t n = 0;
        rs_error err = {0};
        if (e->recommend(inst, &q, 10, out, x, &n, &err) != RS_OK || n != w->n ||
            memcmp(out, w->want, n * sizeof *out) || memcmp(x, w->want_x, n * sizeof *x))
            w->mismatches++;
    }
    return NULL;
}

START_TEST(eight_threads_get_identical_results)
{
    add_hybrid("hybrid", NULL);
    rs_query q = query(light, 3);
    rs_scored want[10];
    rs_explanation want_x[10];
    memset(want_x, 0, sizeof want_x);
    size_t n = rec("hybrid", &q, 10, want, want_x);
    pthread_t t[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){want, want_x, n, 0};
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(w[i].mismatches, 0);
    }
    ck_assert_int_eq(th_refs_held(th), 0);
}
END_TEST

START_TEST(a_missing_child_degrades_to_the_other_and_logs_once)
{
    const char *p[] = {"content=nope", NULL};
    add_hybrid("hybrid", p); /* fit warns that 'nope' is not there */
    ck_assert_uint_eq(th_log_count(th, "'nope'"), 1);
    rs_query q = query(light, 3);
    rs_scored a[5], b[5];
    for (int i = 0; i < 5; i++) {
        size_t na = rec("hybrid", &q, 5, a, NULL);
        size_t nb = rec("cf", &q, 5, b, NULL);
        ck_assert_uint_eq(na, nb);
        for (size_t j = 0; j < na; j++)
            ck_assert_int_eq(a[j].item, b[j].item); /* cf alone */
    }
    /* fit's warning plus one request-time line, not one per request. */
    ck_assert_uint_eq(th_log_count(th, "'nope'"), 2);
    ck_assert_uint_eq(th_log_count(th, "content child 'nope' is unavailable"), 1);
}
END_TEST

START_TEST(a_failing_child_degrades_and_recovers_after_a_swap)
{
    rs_error err = {0};
    const char *bad[] = {"fail=true", NULL};
    ck_assert_int_eq(th_add(th, "flaky", HYB_FAKE_CONTENT_SO, bad, &err), RS_OK);
    const char *p[] = {"content=flaky", NULL};
    add_hybrid("hybrid", p);
    rs_query q = query(light, 3);
    rs_scored a[5], b[5];
    for (int i = 0; i < 3; i++) {
        size_t na = rec("hybrid", &q, 5, a, NULL);
        ck_assert_uint_eq(na, rec("cf", &q, 5, b, NULL));
        ck_assert_int_eq(a[0].item, b[0].item);
        ck_assert(!contains(a, na, COLD));
    }
    ck_assert_uint_eq(th_log_count(th, "injected failure"), 1);
    /* A hot swap of the child is picked up by the next request. */
    const char *good[] = {"favourite=35", NULL};
    ck_assert_int_eq(th_swap(th, "flaky", HYB_FAKE_CONTENT_SO, good, &err), RS_OK);
    rec("hybrid", &q, 5, a, NULL);
    ck_assert_int_eq(a[0].item, COLD);
    ck_assert_uint_eq(th_log_count(th, "content child 'flaky' recovered"), 1);
    const char *moved[] = {"favourite=33", NULL};
    ck_assert_int_eq(th_swap(th, "flaky", HYB_FAKE_CONTENT_SO, moved, &err), RS_OK);
    rec("hybrid", &q, 5, a, NULL);
    ck_assert_int_eq(a[0].item, 33);
    ck_assert_int_eq(th_refs_held(th), 0);
}
END_TEST

/* A child whose score() fails is left out of the blend (z-scores need a
 * score for every item; a top list would truncate the distribution) and
 * logged once, not once a request. */
START_TEST(a_child_that_cannot_score_is_left_out_and_logged_once)
{
    rs_error err = {0};
    const char *p0[] = {"favourite=35", "fail_score=true", NULL};
    ck_assert_int_eq(th_add(th, "listonly", HYB_FAKE_CONTENT_SO, p0, &err), RS_OK);
    const char *p[] = {"content=listonly", NULL};
    add_hybrid("hybrid", p);
    rs_query q = query(light, 3);
    rs_scored a[10], b[10];
    for (int i = 0; i < 5; i++) {
        size_t na = rec("hybrid", &q, 10, a, NULL);
        size_t nb = rec("cf", &q, 10, b, NULL);
        ck_assert_uint_eq(na, nb);
        for (size_t j = 0; j < na; j++)
            ck_assert_int_eq(a[j].item, b[j].item);
    }
    ck_assert_uint_eq(th_log_count(th, "'listonly' failed to score"), 1);
    ck_assert_uint_eq(th_log_count(th, "recovered"), 0);
}
END_TEST

START_TEST(no_children_at_all_is_an_error_not_a_crash)
{
    add_hybrid("hybrid", NULL);
    th_remove(th, "cf");
    th_remove(th, "content");
    rs_query q = query(light, 3);
    rs_scored a[5], b[5];
    size_t na = rec("hybrid", &q, 5, a, NULL); /* the fallback serves */
    ck_assert_uint_eq(na, rec("pop", &q, 5, b, NULL));
    ck_assert_int_eq(a[0].item, b[0].item);
    th_remove(th, "pop");
    rs_error err = {0};
    size_t n = 99;
    ck_assert_int_eq(
        th_entry(th, "hybrid")->recommend(th_instance(th, "hybrid"), &q, 5, a, NULL, &n, &err),
        RS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(strstr(err.message, "'pop'"));
    ck_assert_int_eq(th_refs_held(th), 0);
}
END_TEST

START_TEST(bad_configuration_is_refused_with_the_field)
{
    rs_error err = {0};
    const char *self[] = {"cf=hy", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, self, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "names itself"));
    const char *ln[] = {"learn_n=5,3", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, ln, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "'learn_n'"));
    const char *w[] = {"weights=cf=0.5,colour=0.5", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, w, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "'weights'"));
    const char *cold[] = {"cold_items=warm", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, cold, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "'cold_items'"));
    const char *w0[] = {"weights=cf=0", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, w0, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "sums to 0"));
    const char *empty[] = {"ease=", "cf=", "content=", "popularity=", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, empty, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "every blend role"));
    const char *none[] = {"cf=a", "content=b", "fallback=c", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, none, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "'b' (content)"));
}
END_TEST

/* The focus rule (docs/hybrid.md, "Focused tastes"): films 20..39 are
 * "Western", the rest "Drama"; of the 15 training ratings 2 fall on
 * Westerns (user 1 rated 20 and 21), so Western's base rate is 2/15. A
 * user who liked five Westerns has focus ln(15/2) = 2.0; five Dramas,
 * ln(15/13) = 0.14. With cf weighted 0.9 and content 0.1 the CF child's
 * favourite (item 0) leads; content_focus 0.9 must hand the focused user
 * content's favourite (item 28, a Western CF ranks low) and leave the
 * other user's list alone. cold_items=mean keeps the stand-in out of it. */
START_TEST(a_focused_taste_raises_the_content_weight)
{
    static const char *const names[] = {"Drama", "Western"};
    uint32_t masks[N_ITEMS];
    for (int i = 0; i < N_ITEMS; i++)
        masks[i] = i >= 20 ? 2u : 1u;
    hyb_fixture_set_genres(fx, 2, names, masks);
    rs_error err = {0};
    const char *content[] = {"favourite=28", NULL};
    ck_assert_int_eq(th_swap(th, "content", HYB_FAKE_CONTENT_SO, content, &err), RS_OK);
    const char *p[] = {"ease=",
                       "cf=cf",
                       "content=content",
                       "popularity=",
                       "fallback=pop",
                       "weights=cf=0.9,content=0.1",
                       "cold_items=mean",
                       "content_floor_n=5",
                       "content_focus=0.9",
                       "focus_lo=1.0",
                       "focus_hi=1.5",
                       "content_evidence=0",
                       NULL};
    ck_assert_int_eq(th_add(th, "focus", HYB_PLUGIN_SO, p, &err), RS_OK);
    const char *off[] = {"ease=",           "cf=cf",
                         "content=content", "popularity=",
                         "fallback=pop",    "weights=cf=0.9,content=0.1",
                         "cold_items=mean", "content_evidence=0",
                         "content_focus=0", NULL};
    ck_assert_int_eq(th_add(th, "plain", HYB_PLUGIN_SO, off, &err), RS_OK);

    rs_rating westerns[5], dramas[5];
    for (int i = 0; i < 5; i++) {
        westerns[i] = (rs_rating){22 + i, 5.0f, 0};
        dramas[i] = (rs_rating){5 + i, 5.0f, 0};
    }
    rs_query qw = query(westerns, 5), qd = query(dramas, 5);
    rs_scored out[3];
    ck_assert_uint_eq(rec("focus", &qw, 3, out, NULL), 3);
    ck_assert_int_eq(out[0].item, 28);
    ck_assert_uint_eq(rec("plain", &qw, 3, out, NULL), 3);
    ck_assert_int_eq(out[0].item, 0);
    ck_assert_uint_eq(rec("focus", &qd, 3, out, NULL), 3);
    ck_assert_int_eq(out[0].item, 0);
    /* The raised weights are 0.9 content, 0.1 cf (the 9 : 1 of the other
     * children kept): the score of item 28 says so. */
    const int32_t skip[] = {22, 23, 24, 25, 26};
    double zc = content_z(28, 28, skip, 5);
    /* cf's z of 28, from the plain blend: (plain - 0.1 zc) / 0.9. */
    double zcf = (score1("plain", &qw, 28) - 0.1 * zc) / 0.9;
    ck_assert_double_eq_tol(score1("focus", &qw, 28), 0.1 * zcf + 0.9 * zc, 1e-4);
    /* Three ratings are 3/5 of the ramp, squared: 0.9 * 0.36 = 0.324
     * content, the rest cf. */
    rs_query q3 = query(westerns, 3);
    const int32_t skip3[] = {22, 23, 24};
    double zc3 = content_z(28, 28, skip3, 3);
    double zcf3 = (score1("plain", &q3, 28) - 0.1 * zc3) / 0.9;
    ck_assert_double_eq_tol(score1("focus", &q3, 28), 0.676 * zcf3 + 0.324 * zc3, 1e-4);
    ck_assert_int_eq(th_refs_held(th), 0);
}
END_TEST

/* "Because you rated X" comes from the child that contributed most to
 * the item, in that child's own words. Both children explain, by
 * different rules, so the answer shows which one was asked: cf names the
 * rated item nearest by index, content the highest-rated one (item 1, 5
 * stars). Item 4 is CF's (cf z high, content z low): nearest rated = 3.
 * Items 35 and 34 are content's (cf cannot score them): item 1. */
START_TEST(explanations_name_the_winning_childs_rating)
{
    rs_error err = {0};
    const char *ct[] = {"favourite=35", "because=true", "because_highest=true", NULL};
    ck_assert_int_eq(th_add(th, "content_b", HYB_FAKE_CONTENT_SO, ct, &err), RS_OK);
    const char *p[] = {"content=content_b", NULL};
    add_hybrid("hybrid", p);
    rs_query q = query(light, 3);
    rs_scored out[40];
    rs_explanation ex[40];
    size_t n = rec("hybrid", &q, 37, out, ex);
    ck_assert_uint_eq(n, 37);
    int seen = 0;
    for (size_t j = 0; j < n; j++) {
        int32_t it = out[j].item;
        ck_assert_uint_eq(ex[j].n_parts, 2);
        int cf_won = ex[j].parts[0].share > ex[j].parts[1].share;
        if (it == 4) {
            ck_assert(cf_won);
            ck_assert_int_eq(ex[j].because_item, 3);
            seen++;
        } else if (it == 34 || it == COLD) {
            ck_assert(!cf_won);
            ck_assert_float_eq_tol(ex[j].parts[1].share, 1.0f, 1e-6f);
            ck_assert_int_eq(ex[j].because_item, 1);
            seen++;
        }
        /* In general: the winner's rule, whenever the winner lifted it. */
        if (ex[j].parts[0].share > 0.5f)
            ck_assert_int_eq(ex[j].because_item, it <= 2 ? 1 : 3);
        else if (ex[j].parts[1].share > 0.5f)
            ck_assert_int_eq(ex[j].because_item, 1);
    }
    ck_assert_int_eq(seen, 3);
    /* explain_depth 0: the children are never asked. */
    const char *p0[] = {"content=content_b", "explain_depth=0", NULL};
    add_hybrid("shallow", p0);
    n = rec("shallow", &q, 1, out, ex);
    ck_assert_int_eq(out[0].item, COLD);
    ck_assert_int_eq(ex[0].because_item, -1);
}
END_TEST

START_TEST(queries_by_fitted_user_id_and_exclusions)
{
    add_hybrid("hybrid", NULL);
    rs_query byid = RS_QUERY(100, NULL, 0, NULL, 0);
    rs_query given = query(light, 3);
    rs_scored a[10], b[10];
    size_t na = rec("hybrid", &byid, 10, a, NULL);
    size_t nb = rec("hybrid", &given, 10, b, NULL);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na * sizeof *a);
    for (size_t i = 0; i < na; i++) /* the dataset's ratings were excluded */
        ck_assert(a[i].item < 1 || a[i].item > 3);

    int32_t ex[] = {0, COLD};
    given.exclude = ex;
    given.n_exclude = 2;
    na = rec("hybrid", &given, 10, a, NULL);
    ck_assert(!contains(a, na, COLD) && !contains(a, na, 0));
    /* k beyond the catalogue returns it all: 40 - 3 rated - 2. */
    rs_scored all[64];
    ck_assert_uint_eq(rec("hybrid", &given, 64, all, NULL), N_ITEMS - 5);
    ck_assert_uint_eq(rec("hybrid", &given, 0, all, NULL), 0);
}
END_TEST

/* ---- Learned weights ------------------------------------------------------

 * A larger fixture: 30 users over 60 items. Each user gives 5 stars to 6
 * items and 2 stars to 6 others, drawn by a fixed LCG, so no item-level
 * rule (cf: low index, content: near 15, pop: high index) predicts them.
 * "oracle" is a fake that returns the fitted rating of the user whose
 * ratings contain the query: a perfect model of the held-out positives.
 */
#define L_USERS 30
#define L_ITEMS 60

static hyb_fixture *lfx;
static th_host *lth;

static void learn_setup(void)
{
    hyb_triple t[L_USERS * 12];
    size_t n = 0;
    uint64_t s = 7;
    for (int32_t u = 0; u < L_USERS; u++) {
        uint8_t used[L_ITEMS] = {0};
        for (int j = 0; j < 12; j++) {
            int32_t it;
            do {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                it = (int32_t)((s >> 33) % L_ITEMS);
            } while (used[it]);
            used[it] = 1;
            t[n++] = (hyb_triple){u, it, j < 6 ? 5.0f : 2.0f};
        }
    }
    lfx = hyb_fixture_new(L_USERS, L_ITEMS, t, n);
    ck_assert_ptr_nonnull(lfx);
    lth = th_new(hyb_fixture_view(lfx));
    rs_error err = {0};
    const char *oracle[] = {"oracle=true", NULL};
    ck_assert_int_eq(th_add(lth, "oracle", HYB_FAKE_CF_SO, oracle, &err), RS_OK);
    ck_assert_int_eq(th_add(lth, "cf", HYB_FAKE_CF_SO, NULL, &err), RS_OK);
    ck_assert_int_eq(th_add(lth, "content", HYB_FAKE_CONTENT_SO, NULL, &err), RS_OK);
    ck_assert_int_eq(th_add(lth, "pop", HYB_FAKE_POP_SO, NULL, &err), RS_OK);
}

static void learn_teardown(void)
{
    ck_assert_int_eq(th_free(lth), 0);
    hyb_fixture_free(lfx);
}

/* Save the instance's weights and read bucket `n`'s row back (n = 0: the
 * known-user line), with the metric it was fitted to (may be NULL). */
static void saved_line(th_host *h, const char *inst, int n, double w[4], double *metric)
{
    char dir[] = "/tmp/hyb_test_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rs_error err = {0};
    ck_assert_int_eq(th_entry(h, inst)->save(th_instance(h, inst), dir, &err), RS_OK);
    char path[64], line[512];
    snprintf(path, sizeof path, "%s/weights.txt", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        int bn;
        if (getenv("HYB_DEBUG"))
            fputs(line, stderr);
        if ((sscanf(line, "bucket %d", &bn) == 1 && bn == n) ||
            (n == 0 && strncmp(line, "known ", 6) == 0)) {
            const char *p = strstr(line, "weights ");
            const char *m = strstr(line, "ndcg ");
            ck_assert_ptr_nonnull(p);
            ck_assert_ptr_nonnull(m);
            ck_assert_int_eq(sscanf(p, "weights %lf %lf %lf %lf", &w[0], &w[1], &w[2], &w[3]), 4);
            if (metric)
                *metric = strtod(m + 5, NULL);
            found = 1;
        }
    }
    fclose(f);
    remove(path);
    rmdir(dir);
    ck_assert_msg(found, "no bucket %d in the weights file", n);
}

static void saved_weights(th_host *h, const char *inst, int n, double w[4])
{
    saved_line(h, inst, n, w, NULL);
}

START_TEST(learned_weights_go_to_the_child_that_predicts_held_out_ratings)
{
    const char *p[] = {
        "ease=oracle",          "cf=cf",       "content=content", "popularity=pop",
        "fallback=pop",         "learn_n=5,8", "content_floor=0", "learn_min_item_ratings=0",
        "learn_min_queries=10", NULL};
    rs_error err = {0};
    ck_assert_int_eq(th_add(lth, "hybrid", HYB_PLUGIN_SO, p, &err), RS_OK);
    /* (5 or 8 of 12 ratings identify the user: the oracle is perfect.) */
    for (int n = 5; n <= 8; n += 3) {
        double w[4];
        saved_weights(lth, "hybrid", n, w);
        ck_assert_msg(w[0] >= 0.8, "n=%d: oracle weight %.3f", n, w[0]);
        ck_assert_double_eq_tol(w[0] + w[1] + w[2] + w[3], 1.0, 1e-4);
    }
    ck_assert_uint_eq(th_log_count(lth, "weights learned"), 1);
    /* And the blend serves the oracle's picks: a user's unseen 5-star
     * items first. */
    const rs_dataset *d = hyb_fixture_view(lfx);
    rs_rating q3[5];
    for (int i = 0; i < 5; i++)
        q3[i] = (rs_rating){d->user_item[d->user_ptr[4] + (size_t)i],
                            d->user_rating[d->user_ptr[4] + (size_t)i], 0};
    rs_query q = RS_QUERY(RS_USER_NONE, q3, 5, NULL, 0);
    rs_scored out[3];
    size_t n = 0;
    ck_assert_int_eq(
        th_entry(lth, "hybrid")->recommend(th_instance(lth, "hybrid"), &q, 3, out, NULL, &n, &err),
        RS_OK);
    ck_assert_uint_eq(n, 3);
    for (size_t j = 0; j < n; j++) {
        float r = 0;
        for (size_t p2 = d->user_ptr[4]; p2 < d->user_ptr[5]; p2++)
            if (d->user_item[p2] == out[j].item)
                r = d->user_rating[p2];
        ck_assert_float_eq(r, 5.0f);
    }
}
END_TEST

/* Users the children know are served weights learned on private refits
 * of the children without the ratings they are scored on: the oracle,
 * which memorises its fitted users (and so looks perfect to learning that
 * scores a user on ratings the child was fitted on, as the per-size
 * buckets above do), gets nothing there, and a known user is served those
 * weights. */
START_TEST(known_user_weights_are_learned_without_leakage)
{
    const char *p[] = {"ease=oracle",
                       "cf=cf",
                       "content=content",
                       "popularity=pop",
                       "fallback=pop",
                       "learn_n=5,8",
                       "content_floor=0",
                       "content_focus=0",
                       "learn_min_item_ratings=0",
                       "learn_min_queries=10",
                       NULL};
    rs_error err = {0};
    ck_assert_int_eq(th_add(lth, "hybrid", HYB_PLUGIN_SO, p, &err), RS_OK);
    double w[4], nd_leaky, nd_known;
    saved_line(lth, "hybrid", 8, w, &nd_leaky);
    ck_assert_msg(w[0] >= 0.8 && nd_leaky > 0.99, "fold-in (leaky) oracle weight %.3f NDCG %.3f",
                  w[0], nd_leaky);
    /* The known line: learned on queries no child was fitted on, so the
     * memorising oracle predicts nothing and NDCG is what the honest
     * children reach on random 5-star films. */
    saved_line(lth, "hybrid", 0, w, &nd_known);
    ck_assert_msg(nd_known < 0.5, "known-user learning NDCG %.3f: leaked", nd_known);
    ck_assert_double_eq_tol(w[0] + w[1] + w[2] + w[3], 1.0, 1e-4);
    /* A known user (named by id; the host fills the ratings) is served
     * exactly those weights: the same list as a hybrid fixed to them. */
    char fixed[160];
    snprintf(fixed, sizeof fixed, "weights=ease=%.6f,cf=%.6f,content=%.6f,popularity=%.6f", w[0],
             w[1], w[2], w[3]);
    const char *pf[] = {"ease=oracle",  "cf=cf", "content=content", "popularity=pop",
                        "fallback=pop", fixed,   "content_focus=0", NULL};
    ck_assert_int_eq(th_add(lth, "fixed", HYB_PLUGIN_SO, pf, &err), RS_OK);
    const rs_dataset *d = hyb_fixture_view(lfx);
    for (int32_t u = 0; u < 6; u++) {
        rs_query q = RS_QUERY(d->user_ids[u], NULL, 0, NULL, 0); /* the host fills it */
        rs_scored a[8], b[8];
        size_t na = 0, nb = 0;
        ck_assert_int_eq(th_recommend(lth, "hybrid", &q, 8, a, NULL, &na, &err), RS_OK);
        ck_assert_int_eq(th_recommend(lth, "fixed", &q, 8, b, NULL, &nb, &err), RS_OK);
        ck_assert_uint_eq(na, nb);
        for (size_t j = 0; j < na; j++)
            ck_assert_int_eq(a[j].item, b[j].item);
    }
    /* learn_fold_in: private learns the buckets on the same private fits,
     * with the fold-in learners removed from them: the oracle no longer
     * knows who is asking. */
    const char *pp[] = {"ease=oracle",
                        "cf=cf",
                        "content=content",
                        "popularity=pop",
                        "fallback=pop",
                        "learn_n=5,8",
                        "content_focus=0",
                        "learn_min_item_ratings=0",
                        "learn_min_queries=10",
                        "learn_fold_in=private",
                        NULL};
    ck_assert_int_eq(th_add(lth, "private", HYB_PLUGIN_SO, pp, &err), RS_OK);
    double nd_private;
    saved_line(lth, "private", 8, w, &nd_private);
    ck_assert_msg(nd_private < 0.5, "private fold-in learning NDCG %.3f: leaked", nd_private);
    /* Without known-user learning, known users get the bucket weights. */
    const char *off[] = {
        "ease=oracle",         "cf=cf",       "content=content",          "popularity=pop",
        "fallback=pop",        "learn_n=5,8", "learn_min_item_ratings=0", "learn_min_queries=10",
        "learn_known_users=0", NULL};
    ck_assert_int_eq(th_add(lth, "off", HYB_PLUGIN_SO, off, &err), RS_OK);
    char desc[4096];
    ck_assert_int_eq(
        th_entry(lth, "off")->describe(th_instance(lth, "off"), desc, sizeof desc, &err), RS_OK);
    ck_assert_ptr_nonnull(strstr(desc, "\"known_users\": null"));
    ck_assert_int_eq(
        th_entry(lth, "hybrid")->describe(th_instance(lth, "hybrid"), desc, sizeof desc, &err),
        RS_OK);
    ck_assert_ptr_nonnull(strstr(desc, "\"known_users\": {\"w\""));
}
END_TEST

/* When popularity is what predicts the held-out ratings, the blend is
 * free to put (nearly) everything on it; with nobody to learn from, it
 * puts everything on it. */
START_TEST(learned_weights_may_fall_back_to_popularity)
{
    /* Everyone loves the five most popular items (55..59, pop's top) and
     * rated low-index items 2 stars. */
    hyb_triple t[20 * 10];
    size_t n = 0;
    for (int32_t u = 0; u < 20; u++)
        for (int j = 0; j < 10; j++)
            t[n++] = j < 5 ? (hyb_triple){u, L_ITEMS - 1 - j, 5.0f}
                           : (hyb_triple){u, (u + j) % 20, 2.0f};
    hyb_fixture *pf = hyb_fixture_new(20, L_ITEMS, t, n);
    th_host *h = th_new(hyb_fixture_view(pf));
    rs_error err = {0};
    const char *ct[] = {"favourite=0", NULL};
    ck_assert_int_eq(th_add(h, "cf", HYB_FAKE_CF_SO, NULL, &err), RS_OK);
    ck_assert_int_eq(th_add(h, "content", HYB_FAKE_CONTENT_SO, ct, &err), RS_OK);
    ck_assert_int_eq(th_add(h, "pop", HYB_FAKE_POP_SO, NULL, &err), RS_OK);
    const char *p[] = {"ease=",
                       "cf=cf",
                       "content=content",
                       "popularity=pop",
                       "fallback=pop",
                       "learn_n=3",
                       "content_floor=0",
                       "learn_min_item_ratings=0",
                       "learn_min_queries=10",
                       NULL};
    ck_assert_int_eq(th_add(h, "hybrid", HYB_PLUGIN_SO, p, &err), RS_OK);
    double w[4];
    saved_weights(h, "hybrid", 3, w);
    /* Popularity carries the blend (other points that rank as well
     * exist: NDCG ties keep the first grid point found). */
    ck_assert_msg(w[3] >= 0.5 && w[3] > w[1] && w[3] > w[2], "popularity weight %.3f", w[3]);
    /* Users the children know too: held-out ratings are the popular films. */
    saved_weights(h, "hybrid", 0, w);
    ck_assert_msg(w[3] >= 0.5 && w[3] > w[1] && w[3] > w[2], "known popularity weight %.3f", w[3]);
    rs_rating q3[3] = {{0, 2.0f, 0}, {1, 2.0f, 0}, {2, 2.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, q3, 3, NULL, 0);
    rs_scored a[5], b[5];
    size_t na = 0, nb = 0;
    ck_assert_int_eq(
        th_entry(h, "hybrid")->recommend(th_instance(h, "hybrid"), &q, 5, a, NULL, &na, &err),
        RS_OK);
    ck_assert_int_eq(
        th_entry(h, "pop")->recommend(th_instance(h, "pop"), &q, 5, b, NULL, &nb, &err), RS_OK);
    ck_assert_uint_eq(na, nb);
    for (size_t j = 0; j < na; j++)
        ck_assert_int_eq(a[j].item, b[j].item);
    const char *none[] = {"ease=",        "cf=cf",     "content=content", "popularity=pop",
                          "fallback=pop", "learn_n=3", "learn_users=0",   NULL};
    ck_assert_int_eq(th_add(h, "untrained", HYB_PLUGIN_SO, none, &err), RS_OK);
    saved_weights(h, "untrained", 3, w);
    ck_assert_double_eq(w[3], 1.0);
    ck_assert_uint_eq(th_log_count(h, "all weight on popularity"), 1);
    /* Held-out ratings of movies with too few ratings are not evidence
     * (the children may have memorised them): items 55..59 have 20
     * ratings each, so at 21 nothing is left to learn from. */
    const char *guard[] = {"ease=",
                           "cf=cf",
                           "content=content",
                           "popularity=pop",
                           "fallback=pop",
                           "learn_n=3",
                           "content_floor=0",
                           "learn_min_queries=10",
                           "learn_min_item_ratings=21",
                           NULL};
    ck_assert_int_eq(th_add(h, "guarded", HYB_PLUGIN_SO, guard, &err), RS_OK);
    saved_weights(h, "guarded", 3, w);
    ck_assert_double_eq(w[3], 1.0);
    ck_assert_uint_eq(th_log_count(h, "0 learning queries from 20 sampled"), 1);
    ck_assert_int_eq(th_free(h), 0);
    hyb_fixture_free(pf);
}
END_TEST

/* The learned table survives save/load; a file learned for other children
 * is refused with both names. */
START_TEST(weights_persist_and_are_checked_on_load)
{
    const char *p[] = {"ease=oracle",
                       "cf=cf",
                       "content=content",
                       "popularity=pop",
                       "fallback=pop",
                       "learn_n=3,5",
                       "learn_min_item_ratings=0",
                       "learn_min_queries=10",
                       NULL};
    rs_error err = {0};
    ck_assert_int_eq(th_add(lth, "hybrid", HYB_PLUGIN_SO, p, &err), RS_OK);
    char dir[] = "/tmp/hyb_test_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const rs_plugin_entry *e = th_entry(lth, "hybrid");
    ck_assert_int_eq(e->save(th_instance(lth, "hybrid"), dir, &err), RS_OK);

    /* A fresh instance with fixed (different) weights, then load. */
    const char *p2[] = {
        "ease=oracle",       "cf=cf", "content=content", "popularity=pop", "fallback=pop",
        "weights=content=1", NULL};
    ck_assert_int_eq(th_add(lth, "loaded", HYB_PLUGIN_SO, p2, &err), RS_OK);
    const rs_dataset *d = hyb_fixture_view(lfx);
    rs_rating q3[3];
    for (int i = 0; i < 3; i++)
        q3[i] = (rs_rating){d->user_item[d->user_ptr[7] + (size_t)i], 5.0f, 0};
    rs_query q = RS_QUERY(RS_USER_NONE, q3, 3, NULL, 0);
    rs_scored a[10], b[10];
    size_t na = 0, nb = 0;
    ck_assert_int_eq(e->load(th_instance(lth, "loaded"), dir, d, &err), RS_OK);
    ck_assert_int_eq(e->recommend(th_instance(lth, "hybrid"), &q, 10, a, NULL, &na, &err), RS_OK);
    ck_assert_int_eq(e->recommend(th_instance(lth, "loaded"), &q, 10, b, NULL, &nb, &err), RS_OK);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na * sizeof *a);
    ck_assert_uint_eq(th_log_count(lth, "weights loaded"), 1);

    const char *p3[] = {
        "ease=",        "cf=cf", "content=content", "popularity=pop", "fallback=pop",
        "weights=cf=1", NULL};
    ck_assert_int_eq(th_add(lth, "other", HYB_PLUGIN_SO, p3, &err), RS_OK);
    ck_assert_int_eq(e->load(th_instance(lth, "other"), dir, d, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "ease=oracle"));
    ck_assert_ptr_nonnull(strstr(err.message, "refit"));

    char path[64];
    snprintf(path, sizeof path, "%s/weights.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("recsys-hybrid-weights 1\nchildren ease=oracle cf=cf "
          "content=content popularity=pop\nbucket 3 queries 1 ndcg 0.5 "
          "weights 0.5 0.5 0.5 0.5\n",
          f);
    fclose(f);
    ck_assert_int_eq(e->load(th_instance(lth, "other"), dir, d, &err), RS_ERR_FORMAT);
    ck_assert_int_eq(e->load(th_instance(lth, "loaded"), dir, d, &err),
                     RS_ERR_FORMAT); /* weights do not sum to 1 */
    ck_assert_ptr_nonnull(strstr(err.message, ":3: malformed"));
    remove(path);
    rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("hybrid");
    TCase *tc = tcase_create("plugin");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, blend_finds_the_cold_item_the_cf_child_misses);
    tcase_add_test(tc, missing_scores_take_contents_word_or_the_childs_mean);
    tcase_add_test(tc, score_agrees_with_recommend);
    tcase_add_test(tc, zero_rating_users_get_the_fallback_list);
    tcase_add_test(tc, ties_break_by_item_index_deterministically);
    tcase_add_test(tc, eight_threads_get_identical_results);
    tcase_add_test(tc, a_missing_child_degrades_to_the_other_and_logs_once);
    tcase_add_test(tc, a_failing_child_degrades_and_recovers_after_a_swap);
    tcase_add_test(tc, a_child_that_cannot_score_is_left_out_and_logged_once);
    tcase_add_test(tc, no_children_at_all_is_an_error_not_a_crash);
    tcase_add_test(tc, bad_configuration_is_refused_with_the_field);
    tcase_add_test(tc, explanations_name_the_winning_childs_rating);
    tcase_add_test(tc, queries_by_fitted_user_id_and_exclusions);
    tcase_add_test(tc, a_focused_taste_raises_the_content_weight);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("learning");
    tcase_add_checked_fixture(tl, learn_setup, learn_teardown);
    tcase_set_timeout(tl, 60);
    tcase_add_test(tl, learned_weights_go_to_the_child_that_predicts_held_out_ratings);
    tcase_add_test(tl, learned_weights_may_fall_back_to_popularity);
    tcase_add_test(tl, known_user_weights_are_learned_without_leakage);
    tcase_add_test(tl, weights_persist_and_are_checked_on_load);
    suite_add_tcase(s, tl);
    return s;
}

RS_CHECK_MAIN(make_suite)
