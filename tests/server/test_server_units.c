/* Unit tests for the server's in-memory parts: rate limiter, metrics,
 * onboarding picks, password hashing, `server:` config parsing, error
 * bodies. */
#include <check.h>
#include <pthread.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "metrics.h"
#include "onboarding.h"
#include "ratelimit.h"
#include "recsys/server.h"
#include "server_internal.h"
#include "check_main.h"

START_TEST(test_ratelimit_window)
{
    rs_ratelimit *rl = rs_ratelimit_new(3);
    time_t t = 1000 * 60;
    for (int i = 0; i < 3; i++) {
        ck_assert(!rs_ratelimit_exceeded(rl, "ip:1.2.3.4", t + i));
        rs_ratelimit_hit(rl, "ip:1.2.3.4", t + i);
    }
    ck_assert(rs_ratelimit_exceeded(rl, "ip:1.2.3.4", t + 10));
    ck_assert(!rs_ratelimit_exceeded(rl, "ip:5.6.7.8", t + 10));
    /* The next minute starts afresh. */
    ck_assert(!rs_ratelimit_exceeded(rl, "ip:1.2.3.4", t + 60));
    rs_ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_flood_bounded)
{
    rs_ratelimit *rl = rs_ratelimit_new(2);
    time_t t = 7 * 60;
    rs_ratelimit_hit(rl, "acct:victim", t);
    rs_ratelimit_hit(rl, "acct:victim", t);
    char key[32];
    /* Far more keys than slots: memory stays fixed; the busiest key in its
     * probe range survives eviction of one-hit keys. */
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "ip:%d", i);
        rs_ratelimit_hit(rl, key, t);
    }
    ck_assert(rs_ratelimit_exceeded(rl, "acct:victim", t));
    rs_ratelimit_free(rl);
}
END_TEST

/* Issue 18, defect 7: check and count in one step, so parallel attempts
 * cannot all pass the check before any is counted. */
static rs_ratelimit *g_rl;
static int g_taken;
static pthread_mutex_t g_taken_lock = PTHREAD_MUTEX_INITIALIZER;

static void *take_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        if (rs_ratelimit_take(g_rl, "acct:kirk", 60 * 60, 1)) {
            pthread_mutex_lock(&g_taken_lock);
            g_taken++;
            pthread_mutex_unlock(&g_taken_lock);
        }
    return NULL;
}

START_TEST(test_ratelimit_take_is_atomic)
{
    g_rl = rs_ratelimit_new(10);
    g_taken = 0;
    pthread_t th[16];
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, take_many, NULL), 0);
    for (int i = 0; i < 16; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(g_taken, 10);
    ck_assert(rs_ratelimit_exceeded(g_rl, "acct:kirk", 60 * 60));
    /* A correct password gives its attempt back; never below zero. */
    rs_ratelimit_give_back(g_rl, "acct:kirk", 60 * 60, 1);
    ck_assert(rs_ratelimit_take(g_rl, "acct:kirk", 60 * 60, 1));
    ck_assert(!rs_ratelimit_take(g_rl, "acct:kirk", 60 * 60, 1));
    rs_ratelimit_give_back(g_rl, "acct:kirk", 60 * 60, 1000);
    ck_assert(rs_ratelimit_take(g_rl, "acct:kirk", 60 * 60, 10));
    rs_ratelimit_free(g_rl);
}
END_TEST

START_TEST(test_ratelimit_take_units)
{
    /* Exposure rows: a whole list fits or none of it is counted. */
    rs_ratelimit *rl = rs_ratelimit_new(50);
    time_t t = 3 * 60;
    ck_assert(rs_ratelimit_take(rl, "user:1", t, 20));
    ck_assert(rs_ratelimit_take(rl, "user:1", t, 20));
    ck_assert(!rs_ratelimit_take(rl, "user:1", t, 20));
    ck_assert(rs_ratelimit_take(rl, "user:1", t, 10)); /* 40 + 10 = 50 */
    ck_assert(!rs_ratelimit_take(rl, "user:1", t, 1));
    ck_assert(rs_ratelimit_take(rl, "user:2", t, 50));
    ck_assert(rs_ratelimit_take(rl, "user:1", t + 60, 20)); /* next minute */
    rs_ratelimit_free(rl);
    rl = rs_ratelimit_new(0); /* 0: nothing allowed */
    ck_assert(!rs_ratelimit_take(rl, "user:1", t, 1));
    rs_ratelimit_free(rl);
}
END_TEST

/* Issue 18, defect 6: an error message carrying bytes that are not UTF-8
 * (a client's parameter echoed back) must still give a JSON body with a
 * message, not {}. */
START_TEST(test_error_body_not_utf8)
{
    json_t *b = rs_error_body("bad_request", "unknown source '%s'", "a\xff\xfe");
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(json_string_value(json_object_get(b, "error")), "bad_request");
    ck_assert_str_eq(json_string_value(json_object_get(b, "message")),
                     "unknown source 'a\\xff\\xfe'");
    json_decref(b);
    /* Valid UTF-8 passes through untouched. */
    b = rs_error_body("bad_request", "unknown source '%s'", "Am\xc3\xa9lie");
    ck_assert_str_eq(json_string_value(json_object_get(b, "message")),
                     "unknown source 'Am\xc3\xa9lie'");
    json_decref(b);
    /* A long message cut inside a two-byte character is still a message. */
    char longer[4 * RS_ERROR_MESSAGE_MAX];
    size_t n = 0;
    while (n + 2 < sizeof longer) {
        longer[n++] = '\xc3';
        longer[n++] = '\xa9';
    }
    longer[n] = '\0';
    b = rs_error_body("internal", "x%s", longer);
    const char *m = json_string_value(json_object_get(b, "message"));
    ck_assert_ptr_nonnull(m);
    ck_assert_int_gt(strlen(m), RS_ERROR_MESSAGE_MAX);
    char *text = json_dumps(b, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    json_t *back = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(back);
    json_decref(back);
    free(text);
    json_decref(b);
}
END_TEST

START_TEST(test_metrics_render)
{
    const char *routes[] = {"GET /api/a", "GET /api/b"};
    const char *sources[] = {"popularity", "hybrid"};
    rs_metrics *m = rs_metrics_new(2, routes, 2, sources);
    rs_metrics_observe(m, 0, -1, 200, 0.0007);
    rs_metrics_observe(m, 0, -1, 404, 0.2);
    rs_metrics_observe(m, 1, 1, 200, 0.003);
    rs_metrics_observe(m, 9, 0, 200, 0.003); /* unknown route: ignored */
    char *t = rs_metrics_render(m, "x_extra 1\n");
    ck_assert_ptr_nonnull(
        strstr(t, "recsys_http_requests_total{route=\"GET /api/a\",source=\"\",code=\"2xx\"} 1\n"));
    ck_assert_ptr_nonnull(
        strstr(t, "recsys_http_requests_total{route=\"GET /api/a\",source=\"\",code=\"4xx\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(
        t, "recsys_http_requests_total{route=\"GET /api/b\",source=\"hybrid\",code=\"2xx\"} 1\n"));
    ck_assert_ptr_null(strstr(t, "source=\"popularity\""));
    /* Cumulative buckets. */
    ck_assert_ptr_nonnull(strstr(t, "{route=\"GET /api/a\",source=\"\",le=\"0.0005\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(t, "{route=\"GET /api/a\",source=\"\",le=\"0.001\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(t, "{route=\"GET /api/a\",source=\"\",le=\"0.1\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(t, "{route=\"GET /api/a\",source=\"\",le=\"0.25\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(t, "{route=\"GET /api/a\",source=\"\",le=\"+Inf\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(
        t, "recsys_http_request_duration_seconds_count{route=\"GET /api/a\",source=\"\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(
        t,
        "recsys_http_request_duration_seconds_sum{route=\"GET /api/a\",source=\"\"} 0.200700\n"));
    ck_assert_ptr_nonnull(strstr(t, "x_extra 1\n"));
    free(t);
    rs_metrics_free(m);
}
END_TEST

/* A hand-made catalogue: 5 items, genres 0..2, ratings by 40 users.
 *   0 Drama, 40 ratings all 4.0      (well known, not divisive: score 0)
 *   1 Drama, 40 ratings 1/5 split    (the most divisive)
 *   2 Drama, 15 ratings 1/5 split    (divisive, same genre as 1)
 *   3 Comedy, 40 ratings 2/4 split   (less divisive, another genre)
 *   4 Horror, 5 ratings 1/5 split    (too few ratings: never picked) */
typedef struct fixture {
    rs_dataset d;
    rs_item_meta items[5];
    size_t item_ptr[6];
    float item_rating[200];
} fixture;

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    static const uint32_t genre[5] = {1, 1, 1, 2, 4};
    static const int count[5] = {40, 40, 15, 40, 5};
    size_t k = 0;
    for (int i = 0; i < 5; i++) {
        f->items[i].movie_id = 100 + i;
        f->items[i].title = "t";
        f->items[i].genre_mask = genre[i];
        f->item_ptr[i] = k;
        for (int j = 0; j < count[i]; j++) {
            float r = i == 0 ? 4.0f : i == 3 ? (j % 2 ? 2.0f : 4.0f) : (j % 2 ? 1.0f : 5.0f);
            f->item_rating[k++] = r;
        }
    }
    f->item_ptr[5] = k;
    f->d.struct_size = sizeof f->d;
    f->d.n_items = 5;
    f->d.n_ratings = k;
    f->d.items = f->items;
    f->d.item_ptr = f->item_ptr;
    f->d.item_rating = f->item_rating;
}

START_TEST(test_onboarding_scores_and_diversity)
{
    fixture f;
    fixture_init(&f);
    rs_onboarding *o = rs_onboarding_new(&f.d);
    ck_assert_ptr_nonnull(o);
    ck_assert(rs_onboarding_score(o, 0) == 0.0);
    ck_assert(fabs(rs_onboarding_score(o, 1) - log(40.0) * 2.0) < 1e-9);
    ck_assert(fabs(rs_onboarding_score(o, 3) - log(40.0) * 1.0) < 1e-9);
    ck_assert(rs_onboarding_score(o, 4) == 0.0);
    int32_t out[5];
    size_t n = rs_onboarding_pick(o, NULL, 5, out);
    ck_assert_uint_eq(n, 4); /* item 4 has too few ratings */
    ck_assert_int_eq(out[0], 1);
    /* By raw score item 2 (ln 15 * 2 = 5.42) beats item 3 (ln 40 = 3.69),
     * but it shares Drama with the first pick: 5.42 / 1.6 = 3.39 < 3.69. */
    ck_assert_int_eq(out[1], 3);
    ck_assert_int_eq(out[2], 2);
    ck_assert_int_eq(out[3], 0);
    uint8_t skip[5] = {0, 1, 0, 0, 0};
    n = rs_onboarding_pick(o, skip, 1, out);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(out[0], 2);
    rs_onboarding_free(o);
}
END_TEST

START_TEST(test_password_hash)
{
    rs_error err = {0};
    ck_assert_int_eq(rs_auth_init(&err), RS_OK);
    char h[crypto_pwhash_STRBYTES];
    ck_assert_int_eq(rs_password_hash("correct horse", crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                      8192 * 1024, h, sizeof h, &err),
                     RS_OK);
    ck_assert_ptr_nonnull(strstr(h, "$argon2id$"));
    ck_assert(rs_password_verify(h, "correct horse"));
    ck_assert(!rs_password_verify(h, "correct horsE"));
    char h2[crypto_pwhash_STRBYTES];
    rs_password_hash("correct horse", crypto_pwhash_OPSLIMIT_INTERACTIVE, 8192 * 1024, h2,
                     sizeof h2, &err);
    ck_assert_str_ne(h, h2); /* salted */
    ck_assert_int_eq(rs_password_hash("x", 2, 8192, h, 10, &err), RS_ERR_INVALID);
}
END_TEST

static char cfg_path[256];

static rs_config *load_config(const char *server_section, rs_error *err)
{
    const char *data = getenv("RECSYS_SHARED_DATA");
    /* The config below is the test's: the caller's environment must not
     * override it. */
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_TEXT_FILE");
    unsetenv("RECSYS_PLUGIN_PATH");
    snprintf(cfg_path, sizeof cfg_path, "/tmp/rs_server_units_%d.yaml", (int)getpid());
    FILE *f = fopen(cfg_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "data: {dir: %s/ml-latest-small}\nwork_dir: /tmp/rs_units_work\n"
            "plugins: {path: [%s]}\ninstances:\n  - {name: popularity, plugin: popularity}\n%s",
            data && *data ? data : RS_SHARED_DATA_DEFAULT, RS_PLUGIN_BUILD_DIR, server_section);
    fclose(f);
    rs_config *cfg = NULL;
    rs_status st = rs_config_load(cfg_path, &cfg, err);
    unlink(cfg_path);
    return st == RS_OK ? cfg : NULL;
}

START_TEST(test_server_options)
{
    rs_error err = {0};
    rs_config *cfg = load_config("server:\n  port: 9000\n  static_dir: web\n"
                                 "  request_max_bytes: 1024\n  password_memlimit_kib: 16\n",
                                 &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    rs_server_options o;
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_OK);
    ck_assert_int_eq(o.port, 9000);
    ck_assert_str_eq(o.static_dir, "/tmp/web");
    ck_assert_uint_eq(o.request_max_bytes, 1024);
    ck_assert_uint_eq(o.pwhash_memlimit, 16 * 1024);
    ck_assert_str_eq(o.bind, "127.0.0.1");
    ck_assert_str_eq(o.default_source, "popularity"); /* serving: unset: the first instance */
    ck_assert_int_eq(o.threads, 32);
    rs_config_free(cfg);

    cfg = load_config("server:\n  port: 9000\n  prot: 1\n", &err);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_int_ne(rs_server_options_from_config(cfg, &o, &err), RS_OK);
    ck_assert_msg(strstr(err.message, ":8:3:") && strstr(err.message, "prot"), "%s", err.message);
    rs_config_free(cfg);

    cfg = load_config("server:\n  port: 70000\n", &err);
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_ERR_CONFIG);
    ck_assert_msg(strstr(err.message, ":7:9: 'server.port' = 70000 is out of range [0, 65535]"),
                  "%s", err.message);
    rs_config_free(cfg);

    cfg = load_config("server:\n  threads: many\n", &err);
    ck_assert_int_ne(rs_server_options_from_config(cfg, &o, &err), RS_OK);
    ck_assert_msg(strstr(err.message, "threads"), "%s", err.message);
    rs_config_free(cfg);
}
END_TEST

START_TEST(test_server_options_limits)
{
    rs_error err = {0};
    rs_config *cfg = load_config("server:\n  port: 1\n", &err);
    ck_assert_ptr_nonnull(cfg);
    rs_server_options o;
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_OK);
    ck_assert_int_eq(o.request_timeout_ms, 10000);
    ck_assert_int_eq(o.keep_alive_timeout_ms, 2000);
    ck_assert_int_eq(o.exposures_per_user_per_min, 500);
    ck_assert_int_eq(o.exposure_queue_rows, 65536);
    ck_assert_int_eq(o.session_cache_ttl_s, 60);
    ck_assert_int_eq(o.response_cache_ttl_ms, 5000);
    rs_config_free(cfg);

    cfg = load_config("server:\n  exposure_queue_rows: 0\n  session_cache_ttl_s: 0\n"
                      "  response_cache_ttl_ms: 250\n",
                      &err);
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_OK);
    ck_assert_int_eq(o.exposure_queue_rows, 0);
    ck_assert_int_eq(o.session_cache_ttl_s, 0);
    ck_assert_int_eq(o.response_cache_ttl_ms, 250);
    rs_config_free(cfg);
    cfg = load_config("server:\n  session_cache_ttl_s: 7200\n", &err);
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_ERR_CONFIG);
    ck_assert_msg(
        strstr(err.message, ":7:24: 'server.session_cache_ttl_s' = 7200 is out of range [0, 3600]"),
        "%s", err.message);
    rs_config_free(cfg);

    cfg = load_config("server:\n  request_timeout_ms: 2500\n  keep_alive_timeout_ms: 0\n"
                      "  exposures_per_user_per_min: 40\n",
                      &err);
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_OK);
    ck_assert_int_eq(o.request_timeout_ms, 2500);
    ck_assert_int_eq(o.keep_alive_timeout_ms, 0);
    ck_assert_int_eq(o.exposures_per_user_per_min, 40);
    rs_config_free(cfg);

    cfg = load_config("server:\n  request_timeout_ms: 5\n", &err);
    ck_assert_int_eq(rs_server_options_from_config(cfg, &o, &err), RS_ERR_CONFIG);
    ck_assert_msg(
        strstr(err.message, "'server.request_timeout_ms' = 5 is out of range [100, 600000]"), "%s",
        err.message);
    rs_config_free(cfg);
}
END_TEST

/* One list type from the plugin to the JSON: "no explanation" has one
 * form, copies never carry stale explanations, a filter keeps each item's
 * explanation and credit with it. */
START_TEST(test_reco_list_shapes)
{
    rs_reco_list a, b, plain;
    rs_error err = {0};
    ck_assert_int_eq(rs_reco_list_init(&a, 4, 1, &err), RS_OK);
    ck_assert_int_eq(rs_reco_list_init(&b, 2, 1, &err), RS_OK);
    ck_assert_int_eq(rs_reco_list_init(&plain, 4, 0, &err), RS_OK);
    ck_assert_ptr_null(plain.explain);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(a.explain[i].because_item, -1);
        ck_assert_int_eq(a.explain[i].n_parts, 0);
        a.items[i] = (rs_scored){(int32_t)(10 + i), 1.0f - 0.1f * (float)i};
        plain.items[i] = a.items[i];
    }
    a.n = plain.n = 4;
    a.model_version = 7;
    snprintf(a.source, sizeof a.source, "ease");
    a.explain[1].because_item = 3;
    a.explain[2].n_parts = 1;
    ck_assert_int_eq(rs_reco_list_explained(&a, 0), 0);
    ck_assert_int_eq(rs_reco_list_explained(&a, 1), 1);
    ck_assert_int_eq(rs_reco_list_explained(&a, 2), 1);
    ck_assert_int_eq(rs_reco_list_explained(&plain, 1), 0);
    ck_assert_int_eq(rs_reco_list_explained(&a, 4), 0); /* past n */

    /* A copy stops at the destination's capacity, with version and source. */
    rs_reco_list_copy(&b, &a);
    ck_assert_uint_eq(b.n, 2);
    ck_assert_int_eq(b.items[1].item, 11);
    ck_assert_int_eq(b.explain[1].because_item, 3);
    ck_assert_int_eq(b.model_version, 7);
    ck_assert_str_eq(b.source, "ease");
    /* From a list without explanations: the destination's read "none". */
    rs_reco_list_copy(&b, &plain);
    ck_assert_int_eq(b.explain[1].because_item, -1);
    ck_assert_int_eq(rs_reco_list_explained(&b, 1), 0);

    /* Drop items 11 and 13 (catalogue indexes) and keep at most 3. */
    rs_serving_choice *ch = calloc(1, sizeof *ch);
    ck_assert_ptr_nonnull(ch);
    for (size_t i = 0; i < 4; i++)
        snprintf(ch->credit[i], sizeof ch->credit[i], "src%zu", i);
    uint8_t drop[16] = {0};
    drop[11] = drop[13] = 1;
    ck_assert_uint_eq(rs_serving_drop(&a, ch, drop, 3), 2);
    ck_assert_uint_eq(a.n, 2);
    ck_assert_int_eq(a.items[0].item, 10);
    ck_assert_int_eq(a.items[1].item, 12);
    ck_assert_int_eq(a.explain[1].n_parts, 1); /* item 12's explanation moved along */
    ck_assert_str_eq(ch->credit[1], "src2");
    /* k bounds the kept items, not the dropped ones. */
    ck_assert_uint_eq(rs_serving_drop(&plain, ch, drop, 1), 0);
    ck_assert_uint_eq(plain.n, 1);
    free(ch);
    rs_reco_list_release(&a);
    rs_reco_list_release(&b);
    rs_reco_list_release(&plain);
    ck_assert_ptr_null(a.items);
}
END_TEST

/* The reco service takes its cold-start and similar sources from the
 * serving roles, and refuses an instance that cannot play its role. */
START_TEST(test_reco_roles)
{
    rs_error err = {0};
    rs_config *cfg = load_config("serving: {cold_start: popularity}\n", &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    rs_load_options lo = {NULL, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    rs_movielens *ml = NULL;
    rs_engine *e = NULL;
    ck_assert_msg(rs_movielens_load(cfg->data_dir, &lo, &ml, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_new(cfg, rs_movielens_view(ml), &e, &err) == RS_OK, "%s", err.message);
    rs_reco_service *svc = NULL;
    ck_assert_int_eq(rs_reco_service_new(e, ml, NULL, NULL, &svc, &err), RS_OK);
    ck_assert_ptr_null(rs_reco_cold_source(svc)); /* no role, no fallback by name */
    ck_assert_int_eq(rs_reco_service_set_roles(svc, cfg, &err), RS_OK);
    ck_assert_str_eq(rs_reco_cold_source(svc), "popularity");
    ck_assert_ptr_null(rs_reco_default_similar(svc)); /* popularity cannot answer it */
    rs_reco_service_free(svc);

    /* the engine borrows from cfg: a second config for the roles only */
    rs_config *bad = load_config("serving: {similar_source: popularity}\n", &err);
    ck_assert_msg(bad != NULL, "%s", err.message);
    ck_assert_int_eq(rs_reco_service_new(e, ml, NULL, NULL, &svc, &err), RS_OK);
    ck_assert_int_eq(rs_reco_service_set_roles(svc, bad, &err), RS_ERR_CONFIG);
    ck_assert_msg(strstr(err.message, "serving.similar_source: instance 'popularity' cannot "
                                      "answer similar"),
                  "%s", err.message);
    rs_reco_service_free(svc);
    rs_config_free(bad);
    rs_engine_free(e);
    rs_movielens_free(ml);
    rs_config_free(cfg);
}
END_TEST

/* Every shipped config names role instances that can play their roles
 * (a server refuses to start otherwise): the plugins are loaded and their
 * instances created, nothing is trained. */
START_TEST(test_shipped_configs_roles)
{
    static const char *const configs[] = {"configs/default.yaml", "configs/fast.yaml",
                                          "configs/cluster.yaml"};
    const char *shared = getenv("RECSYS_SHARED_DATA");
    char data[PATH_MAX], path[PATH_MAX];
    snprintf(data, sizeof data, "%s/ml-latest-small",
             shared && *shared ? shared : RS_SHARED_DATA_DEFAULT);
    /* the data and the plugins of this build, whatever the caller set */
    setenv("RECSYS_DATA_DIR", data, 1);
    setenv("RECSYS_PLUGIN_PATH", RS_PLUGIN_BUILD_DIR, 1);
    setenv("RECSYS_WORK_DIR", "/tmp/rs_units_work", 1);
    unsetenv("RECSYS_TEXT_FILE");
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        rs_error err = {0};
        rs_config *cfg = NULL;
        snprintf(path, sizeof path, "%s/%s", RS_SOURCE_DIR, configs[i]);
        ck_assert_msg(rs_config_load(path, &cfg, &err) == RS_OK, "%s: %s", path, err.message);
        rs_load_options lo = {NULL, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
        rs_movielens *ml = NULL;
        rs_engine *e = NULL;
        rs_reco_service *svc = NULL;
        ck_assert_msg(rs_movielens_load(cfg->data_dir, &lo, &ml, &err) == RS_OK, "%s", err.message);
        ck_assert_msg(rs_engine_new(cfg, rs_movielens_view(ml), &e, &err) == RS_OK, "%s: %s", path,
                      err.message);
        ck_assert_int_eq(rs_reco_service_new(e, ml, NULL, NULL, &svc, &err), RS_OK);
        ck_assert_msg(rs_reco_service_set_roles(svc, cfg, &err) == RS_OK, "%s: %s", path,
                      err.message);
        rs_reco_service_free(svc);
        rs_engine_free(e);
        rs_movielens_free(ml);
        rs_config_free(cfg);
    }
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_PLUGIN_PATH");
    unsetenv("RECSYS_WORK_DIR");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("server_units");
    TCase *tc = tcase_create("units");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ratelimit_window);
    tcase_add_test(tc, test_ratelimit_flood_bounded);
    tcase_add_test(tc, test_ratelimit_take_is_atomic);
    tcase_add_test(tc, test_ratelimit_take_units);
    tcase_add_test(tc, test_error_body_not_utf8);
    tcase_add_test(tc, test_metrics_render);
    tcase_add_test(tc, test_onboarding_scores_and_diversity);
    tcase_add_test(tc, test_password_hash);
    tcase_add_test(tc, test_server_options);
    tcase_add_test(tc, test_server_options_limits);
    tcase_add_test(tc, test_reco_list_shapes);
    tcase_add_test(tc, test_reco_roles);
    tcase_add_test(tc, test_shipped_configs_roles);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
