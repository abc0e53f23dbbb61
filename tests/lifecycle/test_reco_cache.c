/* Recommendation cache + refresher: a rating is reflected within one
 * interval (real popularity engine, a fake ratings store standing in for
 * PostgreSQL), marks during on-demand computes are kept, model swaps,
 * eviction, failures, shutdown, and concurrent readers. */
#include <pthread.h>
#include <time.h>

#include "host_fixture.h"
#include "recsys/reco_cache.h"

/* The "database": per-user ratings behind a mutex. */
typedef struct store {
    pthread_mutex_t mu;
    rs_rating r[8][8];
    size_t n[8];
    rs_engine *engine;
    const char *fail_source; /* compute fails for this source when set */
    int calls;
    /* Blocking hook for the in-flight test. */
    int block_user, entered, release;
    pthread_cond_t cv;
} store;

static rs_status compute(void *ctx, int64_t user, const char *source, rs_reco_list *out,
                         rs_error *err)
{
    store *s = ctx;
    rs_rating r[8];
    size_t n;
    pthread_mutex_lock(&s->mu);
    s->calls++;
    if (s->block_user && user == s->block_user) {
        s->entered = 1;
        pthread_cond_broadcast(&s->cv);
        while (!s->release)
            pthread_cond_wait(&s->cv, &s->mu);
    }
    int fail = s->fail_source && strcmp(s->fail_source, source) == 0;
    n = s->n[user % 8];
    memcpy(r, s->r[user % 8], n * sizeof *r);
    pthread_mutex_unlock(&s->mu);
    if (fail)
        return rs_error_set(err, RS_ERR_DATABASE, "fake database down");
    rs_query q = RS_QUERY(RS_USER_NONE, r, n, NULL, 0);
    out->model_version = rs_engine_instance_version(s->engine, source);
    /* A stand-in explanation the cache must carry: because = first rated. */
    rs_status st = rs_engine_recommend(s->engine, source, &q, out->cap, out->items, NULL, &out->n,
                                       err);
    for (size_t i = 0; out->explain && i < out->n; i++)
        out->explain[i] = (rs_explanation){n ? r[0].item : -1, 0, {{"", 0}}};
    if (n == 0) /* as the server does for cold users */
        snprintf(out->source, sizeof out->source, "cold");
    return st;
}

static void add_rating(store *s, int64_t user, int32_t item)
{
    pthread_mutex_lock(&s->mu);
    /* Keep the query sorted by item, as a SQL ORDER BY would. */
    size_t *n = &s->n[user % 8], i = *n;
    while (i > 0 && s->r[user % 8][i - 1].item > item) {
        s->r[user % 8][i] = s->r[user % 8][i - 1];
        i--;
    }
    s->r[user % 8][i] = (rs_rating){item, 4.0f, 0};
    (*n)++;
    pthread_mutex_unlock(&s->mu);
}

static hf fx;
static store st;

static void setup(void)
{
    rs_error err = {0};
    hf_setup(&fx);
    hf_write_config(&fx, "  - {name: pop, plugin: popularity}\n  - {name: good, plugin: tp_good}\n",
                    NULL);
    ck_assert_msg(hf_open(&fx, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_load_or_train(fx.engine, 1, &err), RS_OK);
    memset(&st, 0, sizeof st);
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.cv, NULL);
    st.engine = fx.engine;
    add_rating(&st, 4, 1); /* user 4 rated B, as in the fixture */
}

static void teardown(void) { hf_teardown(&fx); }

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static rs_reco_cache *cache_with(double interval, size_t max_entries)
{
    rs_reco_cache_config c;
    rs_reco_cache *rc;
    rs_error err = {0};
    rs_reco_cache_config_default(&c);
    c.interval_s = interval;
    c.list_size = 4;
    c.max_entries = max_entries;
    ck_assert_int_eq(rs_reco_cache_new(&c, compute, &st, &rc, &err), RS_OK);
    return rc;
}

START_TEST(config_parse)
{
    rs_reco_cache_config c;
    rs_error err = {0};
    rs_yaml_node *doc;
    ck_assert_int_eq(rs_reco_cache_config_parse(NULL, &c, &err), RS_OK);
    ck_assert_double_eq_tol(c.interval_s, 60, 1e-12);
    ck_assert_int_eq(
        rs_yaml_load_string("refresh: {interval_s: 5, list_size: 30}\n", "r.yaml", &doc, &err),
        RS_OK);
    ck_assert_int_eq(rs_reco_cache_config_parse(rs_yaml_get(doc, "refresh"), &c, &err), RS_OK);
    ck_assert_double_eq_tol(c.interval_s, 5, 1e-12);
    ck_assert_int_eq(c.list_size, 30);
    rs_yaml_free(doc);
    ck_assert_int_eq(rs_yaml_load_string("refresh:\n  interval_s: 0\n", "r.yaml", &doc, &err),
                     RS_OK);
    ck_assert_int_eq(rs_reco_cache_config_parse(rs_yaml_get(doc, "refresh"), &c, &err),
                     RS_ERR_CONFIG);
    ck_assert_str_eq(err.message,
                     "r.yaml:2:15: 'refresh.interval_s' = 0 is out of range [0.05, 86400]");
    rs_yaml_free(doc);
}
END_TEST

static rs_reco_list last; /* of the latest get() */
static rs_explanation last_explain[4];

static void get(rs_reco_cache *rc, int64_t user, const char *src, int32_t *items, size_t *n,
                rs_reco_meta *meta)
{
    static rs_scored out[4];
    rs_error err = {0};
    last = (rs_reco_list){out, last_explain, 4, 0, 0, ""};
    ck_assert_msg(rs_reco_cache_get(rc, user, src, &last, meta, &err) == RS_OK, "%s", err.message);
    *n = last.n;
    for (size_t i = 0; i < *n; i++)
        items[i] = out[i].item;
}

START_TEST(rating_reflected_within_one_interval)
{
    rs_reco_cache *rc = cache_with(1.0, 100);
    rs_error err = {0};
    int32_t items[4];
    size_t n;
    rs_reco_meta meta;
    ck_assert_int_eq(rs_reco_cache_start(rc, &err), RS_OK);
    /* Popularity ranks A B C D; user 4 rated B. */
    get(rc, 4, "pop", items, &n, &meta);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(items[0], 0);
    ck_assert_int_eq(meta.from_cache, 0);
    ck_assert_int_eq(last.model_version, 1);
    ck_assert_int_eq(meta.has_explanations, 1);
    ck_assert_int_eq(last_explain[0].because_item, 1);
    ck_assert_str_eq(last.source, "pop"); /* the source asked for answered */
    get(rc, 4, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 1);
    ck_assert_int_eq(last_explain[2].because_item, 1); /* kept with the list */
    /* A user with no ratings: the fallback's name travels with the cached list. */
    get(rc, 6, "pop", items, &n, &meta);
    get(rc, 6, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 1);
    ck_assert_str_eq(last.source, "cold");
    /* The user rates A: the refresher must recompute within one interval.
     * (Without rs_reco_cache_exclude, which the server also calls, so
     * that only the refresher can make the change visible here.) */
    add_rating(&st, 4, 0);
    rs_reco_cache_mark_dirty(rc, 4);
    double t0 = mono(), elapsed = 0;
    for (;;) {
        get(rc, 4, "pop", items, &n, &meta);
        elapsed = mono() - t0;
        if (n == 2 || elapsed > 3.0)
            break;
        ck_assert_int_eq(meta.refresh_pending, 1); /* stale but flagged */
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(items[0], 2);
    ck_assert_int_eq(items[1], 3);
    ck_assert_int_eq(meta.refresh_pending, 0);
    /* One interval plus scheduling slack on a loaded machine. */
    ck_assert_msg(elapsed <= 1.3, "reflected after %.3f s (interval 1 s)", elapsed);
    rs_reco_cache_stats s;
    rs_reco_cache_get_stats(rc, &s);
    ck_assert_uint_ge(s.passes, 1);
    ck_assert_uint_eq(s.refreshed, 1);
    ck_assert_uint_eq(s.misses, 2);
    rs_reco_cache_free(rc);
}
END_TEST

static void *get_user9(void *arg)
{
    int32_t items[4];
    size_t n;
    rs_reco_meta meta;
    get(arg, 9, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.refresh_pending, 1);
    return NULL;
}

START_TEST(exclude_is_immediate)
{
    rs_reco_cache *rc = cache_with(60, 100);
    int32_t items[4];
    size_t n;
    rs_reco_meta meta;
    get(rc, 4, "pop", items, &n, &meta); /* A C D */
    ck_assert_int_eq(n, 3);
    rs_reco_cache_exclude(rc, 4, 2);
    get(rc, 4, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 1);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(items[0], 0);
    ck_assert_int_eq(items[1], 3);
    ck_assert_int_eq(last_explain[1].because_item, 1); /* explanations moved along */
    /* A cold user's fallback list is dropped on their first rating; a
     * list of the real source is kept. */
    get(rc, 6, "pop", items, &n, &meta);
    ck_assert_str_eq(last.source, "cold");
    rs_reco_cache_drop_fallbacks(rc, 6);
    rs_reco_cache_drop_fallbacks(rc, 4);
    get(rc, 6, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 0);
    get(rc, 4, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 1);
    rs_reco_cache_free(rc);
}
END_TEST

START_TEST(mark_during_on_demand_compute_is_kept)
{
    rs_reco_cache *rc = cache_with(60, 100);
    pthread_t t;
    size_t done;
    rs_error err = {0};
    st.block_user = 9;
    pthread_create(&t, NULL, get_user9, rc);
    pthread_mutex_lock(&st.mu);
    while (!st.entered)
        pthread_cond_wait(&st.cv, &st.mu);
    pthread_mutex_unlock(&st.mu);
    /* The compute has read its ratings; a change arrives now. */
    rs_reco_cache_mark_dirty(rc, 9);
    pthread_mutex_lock(&st.mu);
    st.release = 1;
    pthread_cond_broadcast(&st.cv);
    pthread_mutex_unlock(&st.mu);
    pthread_join(t, NULL);
    ck_assert_int_eq(rs_reco_cache_refresh_now(rc, &done, &err), RS_OK);
    ck_assert_int_eq(done, 1);
    ck_assert_int_eq(rs_reco_cache_refresh_now(rc, &done, &err), RS_OK);
    ck_assert_int_eq(done, 0);
    rs_reco_cache_free(rc);
}
END_TEST

START_TEST(model_swap_marks_everyone)
{
    rs_reco_cache *rc = cache_with(60, 100);
    int32_t items[4];
    size_t n, done;
    rs_reco_meta meta;
    rs_error err = {0};
    for (int64_t u = 1; u <= 3; u++) {
        get(rc, u, "pop", items, &n, &meta);
        get(rc, u, "good", items, &n, &meta);
    }
    ck_assert_int_eq(rs_engine_reload(fx.engine, "pop", NULL, &err), RS_OK);
    rs_reco_cache_mark_all_dirty(rc);
    ck_assert_int_eq(rs_reco_cache_refresh_now(rc, &done, &err), RS_OK);
    ck_assert_int_eq(done, 6);
    get(rc, 2, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 1);
    ck_assert_int_eq(last.model_version, 2);
    get(rc, 2, "good", items, &n, &meta);
    ck_assert_int_eq(last.model_version, 1);
    /* Forgetting a user drops both of their lists. */
    rs_reco_cache_forget(rc, 2);
    rs_reco_cache_stats s;
    rs_reco_cache_get_stats(rc, &s);
    ck_assert_int_eq(s.entries, 4);
    rs_reco_cache_free(rc);
}
END_TEST

START_TEST(bounded_and_failures_keep_old_lists)
{
    rs_reco_cache *rc = cache_with(60, 4);
    int32_t items[4];
    size_t n, done;
    rs_reco_meta meta;
    rs_error err = {0};
    for (int64_t u = 0; u < 10; u++)
        get(rc, u, "pop", items, &n, &meta);
    rs_reco_cache_stats s;
    rs_reco_cache_get_stats(rc, &s);
    ck_assert_int_eq(s.entries, 4);
    /* The database fails during a pass: old list kept, retried later.
     * User 9 came last, so it is still cached. */
    get(rc, 9, "pop", items, &n, &meta);
    ck_assert_int_eq(meta.from_cache, 1);
    size_t before = n;
    add_rating(&st, 9, 0);
    st.fail_source = "pop";
    rs_reco_cache_mark_dirty(rc, 9);
    ck_assert_int_eq(rs_reco_cache_refresh_now(rc, &done, &err), RS_ERR_DATABASE);
    ck_assert_str_eq(err.message, "fake database down");
    get(rc, 9, "pop", items, &n, &meta);
    ck_assert_int_eq(n, before);
    ck_assert_int_eq(meta.refresh_pending, 1);
    st.fail_source = NULL;
    ck_assert_int_eq(rs_reco_cache_refresh_now(rc, &done, &err), RS_OK);
    ck_assert_int_eq(done, 1);
    get(rc, 9, "pop", items, &n, &meta);
    ck_assert_int_eq(n, before - 1);
    /* A failing on-demand compute is reported and not cached. */
    st.fail_source = "good";
    rs_scored out[4];
    rs_reco_list l = {out, NULL, 4, 0, 0, ""};
    ck_assert_int_eq(rs_reco_cache_get(rc, 1, "good", &l, &meta, &err), RS_ERR_DATABASE);
    rs_reco_cache_free(rc);
}
END_TEST

START_TEST(stop_is_prompt)
{
    rs_reco_cache *rc = cache_with(60, 100);
    rs_error err = {0};
    ck_assert_int_eq(rs_reco_cache_start(rc, &err), RS_OK);
    ck_assert_int_eq(rs_reco_cache_start(rc, &err), RS_OK); /* idempotent */
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    double t0 = mono();
    rs_reco_cache_stop(rc);
    ck_assert_msg(mono() - t0 < 0.5, "stop took %.3f s", mono() - t0);
    rs_reco_cache_stop(rc);
    rs_reco_cache_free(rc);
}
END_TEST

typedef struct reader_arg {
    rs_reco_cache *rc;
    int bad;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *a = p;
    rs_scored out[4];
    rs_explanation ex[4];
    rs_reco_meta meta;
    rs_error err = {0};
    size_t n;
    for (int i = 0; i < 3000; i++) {
        int64_t u = i % 7;
        rs_reco_list l = {out, i % 3 ? ex : NULL, 4, 0, 0, ""};
        rs_status st = rs_reco_cache_get(a->rc, u, i % 2 ? "pop" : "good", &l, &meta, &err);
        n = l.n;
        if (st != RS_OK || n == 0 || n > 4)
            a->bad++;
        for (size_t j = 0; j < n; j++)
            a->bad += out[j].item < 0 || out[j].item > 3;
    }
    return NULL;
}

START_TEST(concurrent_readers_and_refresher)
{
    rs_reco_cache *rc = cache_with(0.05, 100);
    rs_error err = {0};
    pthread_t t[4];
    reader_arg a[4];
    ck_assert_int_eq(rs_reco_cache_start(rc, &err), RS_OK);
    for (int i = 0; i < 4; i++) {
        a[i].rc = rc;
        a[i].bad = 0;
        pthread_create(&t[i], NULL, reader, &a[i]);
    }
    for (int i = 0; i < 200; i++) {
        rs_reco_cache_mark_dirty(rc, i % 7);
        if (i % 50 == 0)
            rs_reco_cache_mark_all_dirty(rc);
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].bad, 0);
    }
    rs_reco_cache_free(rc);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("reco_cache");
    TCase *tc = tcase_create("reco_cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, config_parse);
    tcase_add_test(tc, rating_reflected_within_one_interval);
    tcase_add_test(tc, exclude_is_immediate);
    tcase_add_test(tc, mark_during_on_demand_compute_is_kept);
    tcase_add_test(tc, model_swap_marks_everyone);
    tcase_add_test(tc, bounded_and_failures_keep_old_lists);
    tcase_add_test(tc, stop_is_prompt);
    tcase_add_test(tc, concurrent_readers_and_refresher);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
