/*
 * The hybrid plugin through a real host boundary: the plugin and its test
 * children are MODULEs dlopened by tests/hybrid/test_host.c, and every
 * child is reached only through acquire_instance/release_instance.
 *
 * Fixture: 40 items. "cf" knows items 0..29 (lower index = better) and
 * cannot score 30..39; "content" ranks by closeness to item 35, a cold item
 * the CF child cannot see; "pop" prefers high indices.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "test_host.h"

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
    ck_assert_int_eq(th_add(th, "content", HYB_FAKE_CONTENT_SO, content, &err),
                     RS_OK);
    ck_assert_int_eq(th_add(th, "pop", HYB_FAKE_POP_SO, NULL, &err), RS_OK);
}

static void teardown(void)
{
    ck_assert_int_eq(th_free(th), 0); /* fails if a reference leaked */
    hyb_fixture_free(fx);
}

/* Add hybrid instance `name` over cf/content/pop plus extra params. */
static void add_hybrid(const char *name, const char *const *extra)
{
    const char *p[16] = {"cf=cf", "content=content", "fallback=pop",
                         "activity_scale=4"};
    size_t n = 4;
    for (size_t i = 0; extra && extra[i]; i++)
        p[n++] = extra[i];
    p[n] = NULL;
    rs_error err = {0};
    rs_status s = th_add(th, name, HYB_PLUGIN_SO, p, &err);
    ck_assert_msg(s == RS_OK, "add %s: %s", name, err.message);
}

static rs_query query(const rs_rating *r, size_t n)
{
    return (rs_query){sizeof(rs_query), RS_USER_NONE, r, n, NULL, 0};
}

static size_t rec(const char *inst, const rs_query *q, size_t k,
                  rs_scored *out, rs_explanation *x)
{
    size_t n = 0;
    rs_error err = {0};
    rs_status s = th_entry(th, inst)->recommend(th_instance(th, inst), q, k,
                                                out, x, &n, &err);
    ck_assert_msg(s == RS_OK, "%s recommend: %s", inst, err.message);
    return n;
}

static float score1(const char *inst, const rs_query *q, int32_t item)
{
    float s;
    rs_error err = {0};
    ck_assert_int_eq(th_entry(th, inst)->score(th_instance(th, inst), q, &item,
                                               1, &s, &err),
                     RS_OK);
    return s;
}

static int contains(const rs_scored *r, size_t n, int32_t item)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].item == item)
            return (int)i + 1;
    return 0;
}

static double curve(double n, double scale)
{
    return 0.2 + (0.9 - 0.2) * exp(-n / scale);
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

/* With min-max, item 35 is the content child's maximum (lift 1) and the CF
 * child cannot score it (lift 0), so its blended score is exactly the
 * content weight: the computed weight is observable. */
START_TEST(content_weight_grows_as_the_rating_count_shrinks)
{
    const char *mm[] = {"normalise=minmax", NULL};
    add_hybrid("hybrid", mm);
    int32_t items[] = {0, 5, COLD, 30};
    rs_rating r[12];
    double prev = 2.0;
    for (size_t n = 1; n <= 12; n++) {
        for (size_t i = 0; i < n; i++)
            r[i] = (rs_rating){10 + (int32_t)i, 4.0f, 0};
        rs_query q = query(r, n);
        float s[4];
        rs_error err = {0};
        ck_assert_int_eq(th_entry(th, "hybrid")->score(
                             th_instance(th, "hybrid"), &q, items, 4, s, &err),
                         RS_OK);
        ck_assert_double_eq_tol(s[2], curve((double)n, 4.0), 1e-6);
        ck_assert(s[2] < prev);
        prev = s[2];
    }
    /* The ranking shifts: over the whole catalogue, the light user's blend
     * puts the cold item above the CF favourite, the heavy user's below. */
    int32_t all[N_ITEMS];
    float sl[N_ITEMS], sh[N_ITEMS];
    for (int32_t i = 0; i < N_ITEMS; i++)
        all[i] = i;
    rs_query ql = query(light, 3), qh = query(heavy, 12);
    rs_error err = {0};
    const rs_plugin_entry *e = th_entry(th, "hybrid");
    ck_assert_int_eq(e->score(th_instance(th, "hybrid"), &ql, all, N_ITEMS,
                              sl, &err),
                     RS_OK);
    ck_assert_int_eq(e->score(th_instance(th, "hybrid"), &qh, all, N_ITEMS,
                              sh, &err),
                     RS_OK);
    ck_assert(sl[COLD] > sl[0]);
    ck_assert(sh[0] > sh[COLD]);

    add_hybrid("rrf", NULL);
    rs_scored a[10], b[10];
    size_t na = rec("rrf", &ql, 10, a, NULL);
    size_t nb = rec("rrf", &qh, 10, b, NULL);
    ck_assert_int_eq(a[0].item, COLD);
    ck_assert_int_eq(b[0].item, 0);
    int ra = contains(a, na, COLD), rb = contains(b, nb, COLD);
    ck_assert(rb == 0 || rb > ra);
}
END_TEST

/* The CF child's weight keeps counting against an item it cannot score:
 * such an item sits on the child's floor (its lowest normalised score). */
START_TEST(missing_scores_sit_on_the_childs_floor)
{
    const char *mm[] = {"normalise=minmax", NULL};
    add_hybrid("hybrid", mm);
    rs_query q = query(light, 3);
    double wc = curve(3, 4.0);
    /* Candidates {0, 29, 35}: cf raw 100, 71, NaN -> lifts 1, 0, floor 0;
     * content raw 1/36, 1/7, 1 -> lifts 0, x, 1. */
    int32_t items[] = {0, 29, COLD};
    float s[3];
    rs_error err = {0};
    ck_assert_int_eq(th_entry(th, "hybrid")->score(th_instance(th, "hybrid"),
                                                   &q, items, 3, s, &err),
                     RS_OK);
    double c0 = 1.0 / 36, c29 = 1.0 / 7, c35 = 1.0;
    double x = (c29 - c0) / (c35 - c0);
    ck_assert_double_eq_tol(s[0], (1 - wc) * 1.0 + wc * 0.0, 1e-6);
    ck_assert_double_eq_tol(s[1], (1 - wc) * 0.0 + wc * x, 1e-6);
    /* Same CF contribution as the CF child's worst candidate (29): 0. */
    ck_assert_double_eq_tol(s[2], wc * 1.0, 1e-6);

    /* An item no child can score stays missing, not 0. */
    const char *part[] = {"favourite=35", "known_items=38", NULL};
    ck_assert_int_eq(th_add(th, "content38", HYB_FAKE_CONTENT_SO, part, &err),
                     RS_OK);
    const char *p2[] = {"content=content38", NULL};
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
    ck_assert_int_eq(th_add(th, "ct_flat", HYB_FAKE_CONTENT_SO, ct, &err),
                     RS_OK);
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
    /* score() is independent of candidate order (tied RRF ranks). */
    add_hybrid("plain", NULL);
    int32_t fwd[] = {4, 12, 30, 35}, rev[] = {35, 30, 12, 4};
    float sf[4], sr[4];
    ck_assert_int_eq(th_entry(th, "plain")->score(th_instance(th, "plain"), &q,
                                                  fwd, 4, sf, &err),
                     RS_OK);
    ck_assert_int_eq(th_entry(th, "plain")->score(th_instance(th, "plain"), &q,
                                                  rev, 4, sr, &err),
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
        if (e->recommend(inst, &q, 10, out, x, &n, &err) != RS_OK ||
            n != w->n || memcmp(out, w->want, n * sizeof *out) ||
            memcmp(x, w->want_x, n * sizeof *x))
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
    ck_assert_uint_eq(th_log_count(th, "content child 'nope' is unavailable"),
                      1);
}
END_TEST

START_TEST(a_failing_child_degrades_and_recovers_after_a_swap)
{
    rs_error err = {0};
    const char *bad[] = {"fail=true", NULL};
    ck_assert_int_eq(th_add(th, "flaky", HYB_FAKE_CONTENT_SO, bad, &err),
                     RS_OK);
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
    ck_assert_int_eq(th_swap(th, "flaky", HYB_FAKE_CONTENT_SO, good, &err),
                     RS_OK);
    rec("hybrid", &q, 5, a, NULL);
    ck_assert_int_eq(a[0].item, COLD);
    ck_assert_uint_eq(th_log_count(th, "content child 'flaky' recovered"), 1);
    const char *moved[] = {"favourite=33", NULL};
    ck_assert_int_eq(th_swap(th, "flaky", HYB_FAKE_CONTENT_SO, moved, &err),
                     RS_OK);
    rec("hybrid", &q, 5, a, NULL);
    ck_assert_int_eq(a[0].item, 33);
    ck_assert_int_eq(th_refs_held(th), 0);
}
END_TEST

/* A child whose score() fails still counts through its own top list. */
START_TEST(a_child_that_cannot_score_counts_through_its_top_list)
{
    rs_error err = {0};
    const char *p0[] = {"favourite=35", "fail_score=true", NULL};
    ck_assert_int_eq(th_add(th, "listonly", HYB_FAKE_CONTENT_SO, p0, &err),
                     RS_OK);
    const char *p[] = {"content=listonly", NULL};
    add_hybrid("hybrid", p);
    add_hybrid("reference", NULL);
    rs_query q = query(light, 3);
    rs_scored a[10], b[10];
    size_t na = rec("hybrid", &q, 10, a, NULL);
    size_t nb = rec("reference", &q, 10, b, NULL);
    ck_assert_int_eq(a[0].item, COLD);
    /* Its top-200 covers every candidate, so the blend is unchanged. */
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na * sizeof *a);
    for (int i = 0; i < 4; i++)
        rec("hybrid", &q, 10, a, NULL);
    ck_assert_uint_eq(th_log_count(th, "'listonly' failed to score"), 1);
    ck_assert_uint_eq(th_log_count(th, "recovered"), 0);
    /* With short lists (max(candidates, k) = 4 each), the CF picks are
     * outside the content list and so missing for that child. */
    const char *p2[] = {"content=listonly", "candidates=2", NULL};
    add_hybrid("short", p2);
    na = rec("short", &q, 4, a, NULL);
    ck_assert_uint_eq(na, 4);
    ck_assert_int_eq(a[0].item, COLD);
    float s35 = score1("short", &q, COLD);
    ck_assert(isnan(s35)); /* score() has no list to fall back on */
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
    ck_assert_int_eq(th_entry(th, "hybrid")->recommend(
                         th_instance(th, "hybrid"), &q, 5, a, NULL, &n, &err),
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
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, self, &err),
                     RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "names itself"));
    const char *norm[] = {"normalise=median", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, norm, &err),
                     RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "'normalise'"));
    const char *w[] = {"content_weight_min=0.8", "content_weight_max=0.3",
                       NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, w, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "content_weight_min"));
    const char *none[] = {"cf=a", "content=b", "fallback=c", NULL};
    ck_assert_int_eq(th_add(th, "hy", HYB_PLUGIN_SO, none, &err),
                     RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "'b' (content)"));
}
END_TEST

START_TEST(explanations_name_the_supporting_rating)
{
    add_hybrid("hybrid", NULL);
    rs_query q = query(light, 3);
    rs_scored out[10];
    rs_explanation ex[10];
    size_t n = rec("hybrid", &q, 10, out, ex);
    for (size_t j = 0; j < n; j++) {
        /* The content child gives none, so the CF child's (the nearest
         * rated index) is used where it recommended the item ... */
        if (out[j].item < 30) {
            int32_t want = out[j].item <= 2 ? 1 : 3;
            if (out[j].item == 2)
                want = 2;
            ck_assert_int_eq(ex[j].because_item, want);
        } else { /* ... else the highest-rated neighbour: item 1 (5.0). */
            ck_assert_int_eq(ex[j].because_item, 1);
        }
    }
    /* Few neighbours: none of 35's three nearest is rated. */
    const char *p[] = {"because_neighbours=3", NULL};
    add_hybrid("narrow", p);
    n = rec("narrow", &q, 1, out, ex);
    ck_assert_int_eq(out[0].item, COLD);
    ck_assert_int_eq(ex[0].because_item, -1);
}
END_TEST

START_TEST(queries_by_fitted_user_id_and_exclusions)
{
    add_hybrid("hybrid", NULL);
    rs_query byid = {sizeof(rs_query), 100, NULL, 0, NULL, 0};
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
    /* k beyond the candidates returns them all: 40 - 3 rated - 2. */
    rs_scored all[64];
    ck_assert_uint_eq(rec("hybrid", &given, 64, all, NULL), N_ITEMS - 5);
    ck_assert_uint_eq(rec("hybrid", &given, 0, all, NULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hybrid");
    TCase *tc = tcase_create("plugin");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, blend_finds_the_cold_item_the_cf_child_misses);
    tcase_add_test(tc, content_weight_grows_as_the_rating_count_shrinks);
    tcase_add_test(tc, missing_scores_sit_on_the_childs_floor);
    tcase_add_test(tc, zero_rating_users_get_the_fallback_list);
    tcase_add_test(tc, ties_break_by_item_index_deterministically);
    tcase_add_test(tc, eight_threads_get_identical_results);
    tcase_add_test(tc, a_missing_child_degrades_to_the_other_and_logs_once);
    tcase_add_test(tc, a_failing_child_degrades_and_recovers_after_a_swap);
    tcase_add_test(tc, a_child_that_cannot_score_counts_through_its_top_list);
    tcase_add_test(tc, no_children_at_all_is_an_error_not_a_crash);
    tcase_add_test(tc, bad_configuration_is_refused_with_the_field);
    tcase_add_test(tc, explanations_name_the_supporting_rating);
    tcase_add_test(tc, queries_by_fitted_user_id_and_exclusions);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
