/*
 * The lifecycle inside the real server: a private PostgreSQL (scripts/
 * pg-cluster), the real `recsys serve` in-process (rs_app_open), libcurl
 * clients. Admin auth, A/B arms with exposure logging and statistics,
 * source= overrides, gate refusals with both figures, and reloads (good,
 * corrupt, forced) under a recommendation load with zero failed or
 * malformed responses while the served version changes.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include "http_client.h"
#include "pg_fixture.h"
#include "lc_fixture.h"
#include "recsys/experiment.h"
#include "recsys/server.h"

#define TOKEN "s3cret-admin-token"

static char g_dir[1024], g_url[512];

/* ---- client: tests/server/http_client.c, one keep-alive handle per thread -- */

typedef http_resp resp;

/* A request on handle h, replacing (and freeing) what *out held. */
static int req(CURL *h, int port, const char *method, const char *path, const char *body,
               const char *cookie, const char *bearer, resp *out)
{
    http_resp_free(out);
    return http_do_on(h, port, method, path, body, NULL, cookie, bearer, out);
}

static long long db_count(const char *sql)
{
    long long v = db_scalar(g_url, sql);
    ck_assert_msg(v >= 0, "%s failed", sql);
    return v;
}

/* ---- suite fixture (parent process): one PostgreSQL ------------------------ */

static int have_pg;

static void run_setup(void)
{
    snprintf(g_dir, sizeof g_dir, "%s/test-lifecycle-server", RS_BUILD_DIR);
    mkdir(g_dir, 0755);
    chmod(g_dir, 0755);
    have_pg = pg_fixture_start(g_dir, g_url, sizeof g_url) == 0;
    if (!have_pg)
        return;
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void run_teardown(void) { pg_fixture_stop(g_dir); }

/* ---- per-test: the real server ------------------------------------------------ */

typedef struct srv {
    hf f; /* config dir; f.cfg etc. for the test's own engines */
    rs_app *app;
    int port;
    CURL *h;
    resp r;
} srv;

static const char *experiments_yaml = "experiments:\n"
                                      "  - name: pop-vs-good\n"
                                      "    salt: lifecycle-test\n"
                                      "    arms:\n"
                                      "      - {name: control, source: popularity, share: 0.5}\n"
                                      "      - {name: treatment, source: good, share: 0.5}\n";

/* 0 when the data is missing (the test returns early). */
static int srv_open_with(srv *s, const char *instances, const char *admin, const char *extra)
{
    char more[4096];
    rs_error err = {0};
    memset(s, 0, sizeof *s);
    ck_assert_msg(have_pg, "PostgreSQL is required");
    unsetenv("RECSYS_ADMIN_TOKEN");
    snprintf(more, sizeof more,
             "prepare: {cf_min_item_ratings: 1, cf_min_user_ratings: 1}\n"
             "serving: {default_source: popularity, cold_start: popularity}\n"
             "server:\n  port: 0\n  threads: 8\n"
             "  password_memlimit_kib: 8192\n  login_per_ip_per_min: 100000\n"
             /* Exposure rows are counted right after each response:
              * synchronous logging (batched: tests/server/
              * test_server_perf_paths.c compares the two). */
             "  exposure_queue_rows: 0\n"
             "database:\n  pool_size: 8\n"
             "refresh: {interval_s: 1, list_size: 20}\n"
             "swap_gate: {holdout_users: 100}\n%s%s",
             admin ? admin : "", extra ? extra : "");
    if (!lc_setup_real(&s->f, instances, more))
        return 0;
    ck_assert_msg(rs_app_open(s->f.cfg_path, 0, &s->app, &err) == RS_OK, "rs_app_open: %s",
                  err.message);
    s->port = rs_app_port(s->app);
    s->h = curl_easy_init();
    return 1;
}

static int srv_open(srv *s, const char *admin, const char *extra)
{
    return srv_open_with(s,
                         "  - {name: popularity, plugin: popularity}\n"
                         "  - {name: good, plugin: tp_good}\n",
                         admin, extra);
}

static void srv_close(srv *s)
{
    http_resp_free(&s->r);
    curl_easy_cleanup(s->h);
    rs_app_close(s->app);
    hf_teardown(&s->f);
}

static void call(srv *s, const char *method, const char *path, const char *body, const char *cookie,
                 const char *bearer)
{
    ck_assert_msg(req(s->h, s->port, method, path, body, cookie, bearer, &s->r) == 0,
                  "%s %s: transport failure", method, path);
}

static const char *err_code(const srv *s)
{
    return json_string_value(json_object_get(s->r.json, "error"));
}

/* A new account; returns its id, cookie into cookie. */
static int64_t new_user(srv *s, char *cookie)
{
    static int seq;
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"lc%d_%d\",\"password\":\"correct horse\"}",
             (int)getpid(), ++seq);
    call(s, "POST", "/api/register", body, NULL, NULL);
    ck_assert_msg(s->r.status == 201, "register: %ld %s", s->r.status, s->r.body);
    snprintf(cookie, 128, "%s", s->r.cookie);
    return json_integer_value(json_object_get(json_object_get(s->r.json, "user"), "id"));
}

static void rate(srv *s, const char *cookie, long long movie, double rating)
{
    char path[64], body[64];
    snprintf(path, sizeof path, "/api/ratings/%lld", movie);
    snprintf(body, sizeof body, "{\"rating\":%.1f}", rating);
    call(s, "PUT", path, body, cookie, NULL);
    ck_assert_msg(s->r.status == 200, "rate: %ld %s", s->r.status, s->r.body);
}

/* ---- pseudo-real-time: a rating reaches the lists within one interval ------ */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Share of the returned movies that carry `genre`, and generated_at. */
static double genre_share(srv *s, const char *cookie, const char *genre, char *generated,
                          size_t gsize)
{
    call(s, "GET", "/api/recommendations?source=semantic&k=10", NULL, cookie, NULL);
    ck_assert_msg(s->r.status == 200, "recommendations: %ld %s", s->r.status, s->r.body);
    json_t *items = json_object_get(s->r.json, "items");
    size_t n = json_array_size(items), hits = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_object_get(json_object_get(json_array_get(items, i), "movie"), "genres");
        for (size_t j = 0; j < json_array_size(g); j++)
            hits += strcmp(json_string_value(json_array_get(g, j)), genre) == 0;
    }
    const char *gen = json_string_value(json_object_get(s->r.json, "generated_at"));
    snprintf(generated, gsize, "%s", gen ? gen : "");
    return n ? (double)hits / (double)n : 0;
}

/* Refresher passes completed so far (GET /api/admin/models, cache). */
static long long refresher_passes(srv *s)
{
    call(s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
    ck_assert_msg(s->r.status == 200, "admin/models: %ld %s", s->r.status, s->r.body);
    json_t *c = json_object_get(s->r.json, "cache");
    ck_assert_ptr_nonnull(json_object_get(c, "passes"));
    return json_integer_value(json_object_get(c, "passes"));
}

START_TEST(rating_reaches_recommendations_within_one_interval)
{
    srv s;
    char cookie[128], gen0[64], gen[64];
    /* refresh.interval_s is 1 (srv_open_with); semantic folds in the
     * user's PostgreSQL ratings at every refresh. */
    if (!srv_open_with(&s,
                       "  - {name: popularity, plugin: popularity}\n"
                       "  - {name: semantic, plugin: semantic, params: {dim: 32}}\n",
                       "admin: {token: " TOKEN "}\n", NULL))
        return;
    new_user(&s, cookie);
    rate(&s, cookie, 1, 5.0);    /* Toy Story */
    rate(&s, cookie, 2355, 5.0); /* A Bug's Life */
    double before = genre_share(&s, cookie, "Horror", gen0, sizeof gen0);
    ck_assert_msg(before <= 0.1, "horror share before %.2f", before);
    /* Now a horror fan: the cached list must follow within one interval. */
    long long horror[] = {1258, 1997, 1387, 2710, 1982, 1350}; /* Shining, Exorcist, Jaws, ... */
    for (size_t i = 0; i < sizeof horror / sizeof horror[0]; i++)
        rate(&s, cookie, horror[i], 5.0);
    rate(&s, cookie, 1, 1.0);
    rate(&s, cookie, 2355, 1.0);
    long long passes0 = refresher_passes(&s);
    double t0 = now_s(), after = 0, waited = 0;
    while ((waited = now_s() - t0) < 30.0) {
        after = genre_share(&s, cookie, "Horror", gen, sizeof gen);
        /* (a share that moved from <= 0.1 to >= 0.5 is a recomputed list;
         * generated_at has one-second resolution, so it can repeat when the
         * first list and the refresh fall in the same second) */
        if (after >= 0.5)
            break;
        sleep_ms(100);
    }
    long long passes = refresher_passes(&s) - passes0;
    fprintf(stderr,
            "rating -> recommendations: horror share %.2f -> %.2f after %.2f s, "
            "%lld refresher passes (interval 1 s)\n",
            before, after, waited, passes);
    ck_assert_msg(after >= 0.5, "horror share only %.2f after %.2f s (generated_at %s -> %s)",
                  after, waited, gen0, gen);
    /* Within one interval means: the first pass that starts after the
     * ratings serves them (a pass already running may finish first). The
     * count, not the wall time, is the check: a sanitizer build on a busy
     * machine makes each pass slower, not the change later. */
    ck_assert_msg(passes <= 2, "the list followed only after %lld refresher passes (%.2f s)",
                  passes, waited);
    srv_close(&s);
}
END_TEST

/* ---- admin authentication --------------------------------------------------- */

START_TEST(admin_requires_token)
{
    srv s;
    if (!srv_open(&s, "admin: {token: " TOKEN "}\n", NULL))
        return;
    call(&s, "GET", "/api/admin/models", NULL, NULL, NULL);
    ck_assert_int_eq(s.r.status, 401);
    ck_assert_str_eq(err_code(&s), "unauthorized");
    call(&s, "GET", "/api/admin/models", NULL, NULL, "wrong");
    ck_assert_int_eq(s.r.status, 403);
    call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN "x");
    ck_assert_int_eq(s.r.status, 403);
    call(&s, "POST", "/api/admin/reload", "{\"source\":\"good\"}", NULL, "wrong");
    ck_assert_int_eq(s.r.status, 403);
    call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
    ck_assert_msg(s.r.status == 200, "%s", s.r.body);
    json_t *src = json_object_get(s.r.json, "sources");
    ck_assert_int_eq(json_array_size(src), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(src, 0), "serving_version")),
                     1);
    /* Each instance as it describes itself (ABI 1.1): popularity its mode
     * and catalogue, the test plugin its fitted catalogue. */
    json_t *pop = json_object_get(json_array_get(src, 0), "describe");
    ck_assert_str_eq(json_string_value(json_object_get(pop, "mode")), "count");
    json_int_t items = json_integer_value(json_object_get(pop, "items"));
    ck_assert_int_gt(items, 0);
    json_t *good = json_object_get(json_array_get(src, 1), "describe");
    ck_assert_int_eq(json_integer_value(json_object_get(good, "items")), items);
    ck_assert(json_is_object(json_object_get(s.r.json, "cache")));
    ck_assert_double_eq_tol(
        json_number_value(json_object_get(json_object_get(s.r.json, "gate"), "tolerance")), 0.05,
        1e-12);
    /* Bad reload bodies. */
    call(&s, "POST", "/api/admin/reload", "{}", NULL, TOKEN);
    ck_assert_int_eq(s.r.status, 400);
    call(&s, "POST", "/api/admin/reload", "{\"source\":\"nope\"}", NULL, TOKEN);
    ck_assert_int_eq(s.r.status, 404);
    srv_close(&s);
}
END_TEST

START_TEST(admin_disabled_without_token)
{
    srv s;
    if (!srv_open(&s, NULL, NULL))
        return;
    call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
    ck_assert_int_eq(s.r.status, 404);
    ck_assert_str_eq(err_code(&s), "not_found");
    call(&s, "POST", "/api/admin/reload", "{\"source\":\"good\"}", NULL, NULL);
    ck_assert_int_eq(s.r.status, 404);
    srv_close(&s);
    /* The environment variable enables it too. */
    setenv("RECSYS_ADMIN_TOKEN", "from-env", 1);
    rs_error err = {0};
    memset(&s, 0, sizeof s);
    ck_assert(lc_setup_real(&s.f, "  - {name: popularity, plugin: popularity}\n",
                            "server: {port: 0, password_memlimit_kib: 8192}\n"));
    ck_assert_msg(rs_app_open(s.f.cfg_path, 0, &s.app, &err) == RS_OK, "%s", err.message);
    s.port = rs_app_port(s.app);
    s.h = curl_easy_init();
    call(&s, "GET", "/api/admin/models", NULL, NULL, "from-env");
    ck_assert_int_eq(s.r.status, 200);
    unsetenv("RECSYS_ADMIN_TOKEN");
    srv_close(&s);
}
END_TEST

/* ---- experiments --------------------------------------------------------------- */

START_TEST(arms_exposures_and_statistics)
{
    srv s;
    char cookie[24][128];
    int64_t uid[24];
    rs_error err = {0};
    if (!srv_open(&s, "admin: {token: " TOKEN "}\n", experiments_yaml))
        return;
    rs_experiments *x;
    /* The test's own view of the experiment, from the same config file. */
    rs_config *cfg;
    ck_assert_int_eq(rs_config_load(s.f.cfg_path, &cfg, &err), RS_OK);
    ck_assert_int_eq(rs_experiments_from_config(cfg, &x, &err), RS_OK);
    const rs_experiment *e = rs_experiments_active(x);
    int per_arm[2] = {0, 0};
    for (int i = 0; i < 24; i++) {
        uid[i] = new_user(&s, cookie[i]);
        rate(&s, cookie[i], 1, 4.0); /* warm: otherwise both arms are popularity */
        call(&s, "GET", "/api/recommendations?k=5", NULL, cookie[i], NULL);
        ck_assert_msg(s.r.status == 200, "%s", s.r.body);
        size_t arm = rs_experiment_assign(e, uid[i]);
        per_arm[arm]++;
        ck_assert_str_eq(json_string_value(json_object_get(s.r.json, "arm")), e->arms[arm].name);
        ck_assert_str_eq(json_string_value(json_object_get(s.r.json, "experiment")), e->name);
        ck_assert_str_eq(json_string_value(json_object_get(s.r.json, "source")),
                         e->arms[arm].source);
        ck_assert_int_eq(json_array_size(json_object_get(s.r.json, "items")), 5);
    }
    ck_assert_msg(per_arm[0] > 0 && per_arm[1] > 0, "all 24 users in one arm");
    ck_assert_int_eq(db_count("SELECT count(*) FROM exposures WHERE arm LIKE 'pop-vs-good/%'"),
                     24 * 5);
    ck_assert_int_eq(db_count("SELECT count(DISTINCT shown_at) FROM exposures"), 24);
    ck_assert_int_eq(db_count("SELECT count(*) FROM exposures WHERE position = 4"), 24);
    /* source= overrides the arm for one request: arm null, logged so. */
    call(&s, "GET", "/api/recommendations?k=3&source=good", NULL, cookie[0], NULL);
    ck_assert_int_eq(s.r.status, 200);
    ck_assert(json_is_null(json_object_get(s.r.json, "arm")));
    ck_assert_int_eq(db_count("SELECT count(*) FROM exposures WHERE arm = 'override'"), 3);

    /* Users 0..7 rate the first two movies they were shown: hits. */
    for (int i = 0; i < 8; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT movie_id FROM exposures WHERE user_id = %lld AND arm <> 'override'"
                 " ORDER BY position LIMIT 1",
                 (long long)uid[i]);
        rate(&s, cookie[i], db_count(sql), 5.0);
        snprintf(sql, sizeof sql,
                 "SELECT movie_id FROM exposures WHERE user_id = %lld AND arm <> 'override'"
                 " ORDER BY position OFFSET 1 LIMIT 1",
                 (long long)uid[i]);
        rate(&s, cookie[i], db_count(sql), 3.0);
    }
    call(&s, "GET", "/api/admin/experiments", NULL, NULL, TOKEN);
    ck_assert_msg(s.r.status == 200, "%s", s.r.body);
    json_t *ex = json_array_get(json_object_get(s.r.json, "experiments"), 0);
    ck_assert(json_is_true(json_object_get(ex, "active")));
    json_t *arms = json_object_get(json_object_get(ex, "stats"), "arms");
    ck_assert_int_eq(json_array_size(arms), 2);
    long long users = 0, shown = 0, hits = 0;
    double sum = 0;
    for (size_t a = 0; a < 2; a++) {
        json_t *st = json_array_get(arms, a);
        users += json_integer_value(json_object_get(st, "users"));
        shown += json_integer_value(json_object_get(st, "shown"));
        hits += json_integer_value(json_object_get(st, "hits"));
        double mr = json_number_value(json_object_get(st, "mean_rating"));
        sum += mr * (double)json_integer_value(json_object_get(st, "hits"));
        ck_assert_int_eq(json_integer_value(json_object_get(st, "users")), per_arm[a]);
    }
    ck_assert_int_eq(users, 24);
    ck_assert_int_eq(shown, 24 * 5);
    ck_assert_int_eq(hits, 16);
    ck_assert_double_eq_tol(sum, 8 * 5.0 + 8 * 3.0, 1e-6); /* mean ratings of the hits */
    json_t *test = json_array_get(json_object_get(json_object_get(ex, "stats"), "tests"), 0);
    ck_assert_msg(json_is_number(json_object_get(test, "p")), "%s", s.r.body);
    ck_assert_int_eq(json_integer_value(json_object_get(s.r.json, "override_exposures")), 3);
    rs_experiments_free(x);
    rs_config_free(cfg);
    srv_close(&s);
}
END_TEST

START_TEST(interleaving_credits_each_movie)
{
    srv s;
    char cookie[128];
    if (!srv_open(&s, "admin: {token: " TOKEN "}\n",
                  "experiments:\n  - name: il\n    mode: interleave\n    salt: s\n    arms:\n"
                  "      - {name: a, source: popularity}\n      - {name: b, source: good}\n"))
        return;
    new_user(&s, cookie);
    rate(&s, cookie, 1, 4.0);
    call(&s, "GET", "/api/recommendations?k=10", NULL, cookie, NULL);
    ck_assert_msg(s.r.status == 200, "%s", s.r.body);
    ck_assert_str_eq(json_string_value(json_object_get(s.r.json, "arm")), "interleave");
    json_t *items = json_object_get(s.r.json, "items");
    ck_assert_int_eq(json_array_size(items), 10);
    int from_a = 0, from_b = 0;
    long long b_movie = -1;
    for (size_t i = 0; i < 10; i++) {
        const char *src = json_string_value(json_object_get(json_array_get(items, i), "source"));
        from_a += strcmp(src, "popularity") == 0;
        if (strcmp(src, "good") == 0) {
            from_b++;
            b_movie = json_integer_value(
                json_object_get(json_object_get(json_array_get(items, i), "movie"), "id"));
        }
    }
    /* Team draft: the two teams contribute 5 each to a 10-item list. */
    ck_assert_int_eq(from_a, 5);
    ck_assert_int_eq(from_b, 5);
    ck_assert_int_eq(db_count("SELECT count(*) FROM exposures WHERE arm = 'il/interleave' AND "
                              "source = 'good'"),
                     5);
    /* Rating a movie team B contributed: one impression won by B. */
    rate(&s, cookie, b_movie, 4.5);
    call(&s, "GET", "/api/admin/experiments", NULL, NULL, TOKEN);
    json_t *st = json_object_get(json_array_get(json_object_get(s.r.json, "experiments"), 0),
                                 "stats");
    ck_assert_msg(json_integer_value(json_object_get(st, "impressions")) == 1, "%s", s.r.body);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "wins_b")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "wins_a")), 0);
    ck_assert_double_eq_tol(json_number_value(json_object_get(st, "p_value")), 1.0, 1e-12);
    srv_close(&s);
}
END_TEST

/* ---- reloads under load ---------------------------------------------------------- */

typedef struct hammer {
    int port;
    char cookie[128];
    atomic_int *stop;
    atomic_long ok; /* read by the test thread while the client runs */
    long failed, malformed;
    int64_t min_version;
    atomic_llong max_version;
    char last_error[256];
} hammer;

/* A response is well formed when it is a 200 JSON object with k items,
 * each a movie with an id, and an integer model version. */
static void *hammer_main(void *arg)
{
    hammer *h = arg;
    CURL *c = curl_easy_init();
    resp r = {0};
    h->min_version = INT64_MAX;
    while (!atomic_load(h->stop)) {
        if (req(c, h->port, "GET", "/api/recommendations?k=10&source=good", NULL, h->cookie, NULL,
                &r) != 0 ||
            r.status != 200) {
            h->failed++;
            snprintf(h->last_error, sizeof h->last_error, "%ld %.200s", r.status,
                     r.body ? r.body : "(transport)");
            continue;
        }
        json_t *items = json_object_get(r.json, "items");
        json_t *v = json_object_get(r.json, "model_version");
        int good = json_is_array(items) && json_array_size(items) == 10 && json_is_integer(v);
        for (size_t i = 0; good && i < 10; i++)
            good = json_is_integer(
                json_object_get(json_object_get(json_array_get(items, i), "movie"), "id"));
        if (!good) {
            h->malformed++;
            snprintf(h->last_error, sizeof h->last_error, "malformed: %.200s", r.body);
            continue;
        }
        int64_t ver = json_integer_value(v);
        h->min_version = ver < h->min_version ? ver : h->min_version;
        if (ver > atomic_load(&h->max_version))
            atomic_store(&h->max_version, ver);
        atomic_fetch_add(&h->ok, 1);
    }
    http_resp_free(&r);
    curl_easy_cleanup(c);
    return NULL;
}

static void reload(srv *s, const char *body, long want_status)
{
    call(s, "POST", "/api/admin/reload", body, NULL, TOKEN);
    ck_assert_msg(s->r.status == want_status, "reload %s: %ld %s", body, s->r.status, s->r.body);
}

START_TEST(reloads_under_load)
{
    enum { CLIENTS = 4 };
    srv s;
    hammer h[CLIENTS];
    pthread_t t[CLIENTS];
    atomic_int stop = 0;
    char model[4600];
    if (!srv_open(&s, "admin: {token: " TOKEN "}\n", NULL))
        return;
    for (int i = 0; i < CLIENTS; i++) {
        memset(&h[i], 0, sizeof h[i]);
        h[i].port = s.port;
        h[i].stop = &stop;
        new_user(&s, h[i].cookie);
        rate(&s, h[i].cookie, 1 + i, 4.0);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&t[i], NULL, hammer_main, &h[i]);
    /* Every client has seen version 1 before the first reload (on a busy
     * machine the first answers can take longer than any fixed sleep). */
    for (int i = 0, waited = 0; i < CLIENTS && waited < 30000; waited += 50)
        if (atomic_load(&h[i].ok) > 0)
            i++;
        else
            sleep_ms(50);
    sleep_ms(200);
    /* Good reloads: versions 2, 3. */
    reload(&s, "{\"source\":\"good\"}", 200);
    ck_assert(json_is_true(json_object_get(s.r.json, "accepted")));
    sleep_ms(300);
    reload(&s, "{\"source\":\"good\"}", 200);
    ck_assert_int_eq(json_integer_value(json_object_get(s.r.json, "version")), 3);
    /* A corrupt artifact: 422, version 3 keeps serving. */
    rs_config *cfg;
    rs_error err = {0};
    ck_assert_int_eq(rs_config_load(s.f.cfg_path, &cfg, &err), RS_OK);
    snprintf(model, sizeof model, "%s/models/good", cfg->work_dir);
    char saved[256], file[4700];
    snprintf(file, sizeof file, "%s/model.txt", model);
    FILE *mf = fopen(file, "r");
    ck_assert_ptr_nonnull(mf);
    ck_assert_ptr_nonnull(fgets(saved, sizeof saved, mf));
    fclose(mf);
    tu_write(model, "model.txt", "corrupt\n");
    reload(&s, "{\"source\":\"good\"}", 422);
    ck_assert_str_eq(json_string_value(json_object_get(s.r.json, "error")), "invalid_model");
    tu_assert_contains(json_string_value(json_object_get(s.r.json, "message")),
                       "corrupt test model");
    reload(&s, "{\"source\":\"good\",\"force\":true}", 422); /* force cannot skip loading */
    sleep_ms(300);
    tu_write(model, "model.txt", saved);
    /* Forced and gated good reloads again: versions 4, 5. */
    reload(&s, "{\"source\":\"good\",\"force\":true}", 200);
    ck_assert(json_is_true(json_object_get(json_object_get(s.r.json, "event"), "forced")));
    reload(&s, "{\"source\":\"good\"}", 200);
    ck_assert_int_eq(json_integer_value(json_object_get(s.r.json, "version")), 5);
    /* The refresher picks the swap up within one interval (1 s); the
     * interval itself is checked by rating_reaches_recommendations_within_
     * one_interval. Here: every client reaches version 5 (a loaded machine
     * can starve the refresher behind four clients for a while), and no
     * request fails or is malformed on the way. */
    for (int i = 0, waited = 0; i < CLIENTS && waited < 30000; waited += 50)
        if (atomic_load(&h[i].max_version) >= 5)
            i++;
        else
            sleep_ms(50);
    sleep_ms(300);
    atomic_store(&stop, 1);
    long total = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(h[i].failed == 0 && h[i].malformed == 0,
                      "client %d: %ld failed, %ld malformed (%s)", i, h[i].failed, h[i].malformed,
                      h[i].last_error);
        ck_assert_int_eq(h[i].min_version, 1);
        ck_assert_int_eq(atomic_load(&h[i].max_version), 5);
        total += atomic_load(&h[i].ok);
    }
    ck_assert_msg(total > 100, "only %ld responses", total);
    fprintf(stderr, "reloads_under_load: %ld responses, 0 failed, versions 1..5\n", total);
    /* The admin view: both rejections logged, version 5 serving. */
    call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
    json_t *events = json_object_get(s.r.json, "events");
    ck_assert_int_eq(json_array_size(events), 6);
    int rejected = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) rejected += json_is_false(json_object_get(ev, "accepted"));
    ck_assert_int_eq(rejected, 2);
    rs_config_free(cfg);
    srv_close(&s);
}
END_TEST

/* A popularity candidate trained on item-permuted ratings: 409 with both
 * figures; the serving version stays. */
START_TEST(gate_refusal_reported)
{
    srv s;
    rs_error err = {0};
    char dir[4500], body[4700];
    if (!srv_open(&s, "admin: {token: " TOKEN "}\n", NULL))
        return;
    ck_assert_int_eq(hf_open(&s.f, &err), RS_OK); /* the test's own engine */
    const rs_dataset *d = rs_engine_dataset(s.f.engine);
    rs_ratings_set *bad = lc_degraded(d);
    snprintf(dir, sizeof dir, "%s/cand", s.f.dir);
    lc_train_candidate(s.f.engine, "popularity", rs_ratings_set_view(bad), dir);
    rs_ratings_set_free(bad);
    snprintf(body, sizeof body, "{\"source\":\"popularity\",\"dir\":\"%s\"}", dir);
    reload(&s, body, 409);
    ck_assert_str_eq(json_string_value(json_object_get(s.r.json, "error")), "refused");
    json_t *ev = json_object_get(s.r.json, "event");
    double cand = json_number_value(json_object_get(ev, "candidate_recall"));
    double serv = json_number_value(json_object_get(ev, "serving_recall"));
    ck_assert_msg(cand < serv && serv > 0, "candidate %f serving %f", cand, serv);
    tu_assert_contains(json_string_value(json_object_get(s.r.json, "message")), "swap refused");
    call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
    json_t *pop = json_array_get(json_object_get(s.r.json, "sources"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(pop, "serving_version")), 1);
    ck_assert(json_is_false(json_object_get(json_object_get(pop, "last_event"), "accepted")));
    /* An admin can force it. */
    snprintf(body, sizeof body, "{\"source\":\"popularity\",\"dir\":\"%s\",\"force\":true}", dir);
    reload(&s, body, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(s.r.json, "version")), 2);
    srv_close(&s);
}
END_TEST

/* Retraining inside the server: three app ratings trigger a run that
 * reads them from PostgreSQL, trains popularity on base + app ratings,
 * gates it and makes it live; /api/admin/models shows the figures. */
START_TEST(retrain_from_app_ratings)
{
    srv s;
    char cookie[128];
    if (!srv_open(&s, "admin: {token: " TOKEN "}\n",
                  "retrain: {after_new_ratings: 3, sources: [popularity]}\n"))
        return;
    new_user(&s, cookie);
    rate(&s, cookie, 1, 5.0);
    rate(&s, cookie, 2, 4.0);
    call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(s.r.json, "retrain"), "runs")), 0);
    rate(&s, cookie, 3, 3.5);
    json_t *rt = NULL;
    for (int i = 0; i < 300; i++) {
        call(&s, "GET", "/api/admin/models", NULL, NULL, TOKEN);
        rt = json_object_get(s.r.json, "retrain");
        if (json_integer_value(json_object_get(rt, "runs")) >= 1)
            break;
        sleep_ms(100);
    }
    ck_assert_msg(json_integer_value(json_object_get(rt, "runs")) == 1, "%s", s.r.body);
    ck_assert_str_eq(json_string_value(json_object_get(rt, "last_error")), "");
    ck_assert_int_eq(json_integer_value(json_object_get(rt, "new_ratings")), 0);
    /* Base ratings plus every app rating in the database (earlier tests'
     * accounts included: they share the cluster). */
    long long want = db_count("SELECT sum(base_n) FROM movies") +
                     db_count("SELECT count(*) FROM ratings");
    ck_assert_int_eq(json_integer_value(json_object_get(rt, "last_ratings")), want);
    json_t *pop = json_array_get(json_object_get(s.r.json, "sources"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(pop, "name")), "popularity");
    ck_assert_int_eq(json_integer_value(json_object_get(pop, "serving_version")), 2);
    ck_assert_int_eq(json_array_size(json_object_get(pop, "versions")), 1);
    json_t *ev = json_object_get(pop, "last_event");
    ck_assert(json_is_true(json_object_get(ev, "accepted")));
    json_t *train = json_object_get(ev, "train");
    ck_assert_int_eq(json_integer_value(json_object_get(train, "ratings")), want);
    ck_assert(json_is_number(json_object_get(ev, "candidate_recall")));
    ck_assert(json_is_number(json_object_get(train, "seconds")));
    srv_close(&s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *su = suite_create("lifecycle_server");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, admin_requires_token);
    tcase_add_test(tc, admin_disabled_without_token);
    tcase_add_test(tc, arms_exposures_and_statistics);
    tcase_add_test(tc, interleaving_credits_each_movie);
    tcase_add_test(tc, reloads_under_load);
    tcase_add_test(tc, gate_refusal_reported);
    tcase_add_test(tc, retrain_from_app_ratings);
    /* Last: it adds exposures that earlier tests count. */
    tcase_add_test(tc, rating_reaches_recommendations_within_one_interval);
    suite_add_tcase(su, tc);
    return su;
}

static void before_all(void)
{
    signal(SIGPIPE, SIG_IGN);
    run_setup();
}

RS_CHECK_MAIN_WITH(make_suite, before_all, run_teardown)
