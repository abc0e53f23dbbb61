/*
 * The request-path caches of issue 15, for what they must not change:
 *  - sessions: a cached session is refused at once after logout, account
 *    deletion and a password change, through the real HTTP server (and the
 *    cache is really in use: a row deleted behind the server's back is
 *    still accepted until one of those happens);
 *  - exposures: batched logging writes the same rows and gives the same
 *    A/B statistics as synchronous logging on a fixed sequence of
 *    requests; the queue is bounded, counts what it drops, and writes what
 *    it holds when freed (clean shutdown);
 *  - prebuilt bodies: a kept body follows the list (a rating or a hidden
 *    film leaves it at once) and is keyed by fingerprint, expiry and user.
 * A real private PostgreSQL (scripts/pg-cluster) and the real server in
 * process (rs_app_open), driven over loopback HTTP by libcurl.
 */
#include <check.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "body_cache.h"
#include "exposure_queue.h"
#include "http_client.h"
#include "pg_fixture.h"
#include "recsys/server.h"
#include "session_cache.h"

#define ADMIN_TOKEN "perf-paths-admin"
#define EXPOSURE_CAP 100

static char g_dir[1024], g_url[512];
static int port;
static rs_app *app;
static http_resp R;
static int user_seq;

static const char *shared_data(void)
{
    const char *e = getenv("RECSYS_SHARED_DATA");
    return e && *e ? e : RS_SHARED_DATA_DEFAULT;
}

/* A config with popularity and the genre test plugin, a split experiment
 * between them, and `queue_rows` for server.exposure_queue_rows. */
static void write_config(const char *path, int queue_rows)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "data:\n  dir: %s/ml-latest-small\n"
            "  text_file: %s/movie-text/ml-latest-small_text.csv\n"
            "work_dir: %s/work\n"
            "plugins:\n  path: [%s]\n"
            "instances:\n"
            "  - {name: popularity, plugin: popularity}\n"
            "  - {name: genre, plugin: test_genre}\n"
            "server:\n  port: 0\n  threads: 4\n  default_source: popularity\n"
            "  password_memlimit_kib: 8192\n  login_per_ip_per_min: 100000\n"
            "  exposures_per_user_per_min: %d\n  exposure_queue_rows: %d\n"
            "database:\n  pool_size: 4\n"
            "admin: {token: " ADMIN_TOKEN "}\n"
            "experiments:\n"
            "  - name: pop-vs-genre\n    salt: perf-paths\n    arms:\n"
            "      - {name: control, source: popularity, share: 0.5}\n"
            "      - {name: treatment, source: genre, share: 0.5}\n",
            shared_data(), shared_data(), g_dir, RS_PLUGIN_BUILD_DIR, EXPOSURE_CAP, queue_rows);
    fclose(f);
}

static void open_app(int queue_rows)
{
    char cfg[1200];
    snprintf(cfg, sizeof cfg, "%s/perf-%d.yaml", g_dir, queue_rows);
    write_config(cfg, queue_rows);
    rs_error err = {0};
    ck_assert_msg(rs_app_open(cfg, 0, &app, &err) == RS_OK, "rs_app_open: %s", err.message);
    port = rs_app_port(app);
}

static void close_app(void)
{
    http_resp_free(&R);
    rs_app_close(app);
    app = NULL;
}

static void teardown(void)
{
    if (app)
        close_app();
}

static void call(const char *method, const char *path, const char *body, const char *cookie)
{
    http_call(port, &R, method, path, body, cookie);
}

static void admin_get(const char *path)
{
    http_resp_free(&R);
    CURL *h = curl_easy_init();
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(http_do_on(h, port, "GET", path, NULL, NULL, NULL, ADMIN_TOKEN, &R), 0);
    curl_easy_cleanup(h);
}

static long long q(const char *sql) { return db_scalar(g_url, sql); }

/* One text value from sql ("" for NULL); malloc'd. */
static char *q_text(const char *sql)
{
    PGconn *c = PQconnectdb(g_url);
    ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK,
                  "%s: %s", sql, PQerrorMessage(c));
    char *v = strdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0)
                                                                               : "");
    PQclear(r);
    PQfinish(c);
    return v;
}

static void new_user(char *name, size_t size, char *cookie)
{
    snprintf(name, size, "p%d_%d", (int)getpid(), ++user_seq);
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", name);
    call("POST", "/api/register", body, NULL);
    ck_assert_msg(R.status == 201, "register: %ld %s", R.status, R.body);
    strcpy(cookie, R.cookie);
}

static void login(const char *name, const char *password, char *cookie)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", name, password);
    call("POST", "/api/login", body, NULL);
    ck_assert_msg(R.status == 200, "login: %ld %s", R.status, R.body);
    strcpy(cookie, R.cookie);
}

static long me_status(const char *cookie)
{
    call("GET", "/api/me", NULL, cookie);
    return R.status;
}

/* ---- sessions ------------------------------------------------------------ */

START_TEST(test_logout_is_refused_at_once)
{
    open_app(65536);
    char name[64], cookie[128], sql[256];
    new_user(name, sizeof name, cookie);
    ck_assert_int_eq(me_status(cookie), 200);
    /* The cache is in use: with the row gone behind the server's back the
     * cached session still answers (until its expiry in the cache)... */
    snprintf(sql, sizeof sql,
             "WITH d AS (DELETE FROM sessions s USING users u WHERE u.id = s.user_id"
             " AND u.username = '%s' RETURNING 1) SELECT count(*) FROM d",
             name);
    ck_assert_int_eq(q(sql), 1);
    ck_assert_int_eq(me_status(cookie), 200);
    /* ...but a logout through the server ends it at once. */
    call("POST", "/api/logout", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    ck_assert_int_eq(me_status(cookie), 401);
    call("GET", "/api/recommendations", NULL, cookie);
    ck_assert_int_eq(R.status, 401);

    /* The ordinary case: a live session, logged out, refused. */
    login(name, "correct horse", cookie);
    ck_assert_int_eq(me_status(cookie), 200);
    ck_assert_int_eq(me_status(cookie), 200);
    call("POST", "/api/logout", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    ck_assert_int_eq(me_status(cookie), 401);

    call("GET", "/metrics", NULL, NULL);
    ck_assert_ptr_nonnull(strstr(R.body, "recsys_exposures_dropped_total 0\n"));
}
END_TEST

START_TEST(test_account_deletion_ends_every_session_at_once)
{
    open_app(65536);
    char name[64], first[128], second[128];
    new_user(name, sizeof name, first);
    login(name, "correct horse", second);
    ck_assert_int_eq(me_status(first), 200);
    ck_assert_int_eq(me_status(second), 200); /* both cached */
    call("DELETE", "/api/me", NULL, first);
    ck_assert_int_eq(R.status, 204);
    ck_assert_int_eq(me_status(second), 401);
    ck_assert_int_eq(me_status(first), 401);
}
END_TEST

START_TEST(test_password_change_ends_every_session_at_once)
{
    open_app(65536);
    char name[64], first[128], second[128], fresh[128];
    new_user(name, sizeof name, first);
    login(name, "correct horse", second);
    ck_assert_int_eq(me_status(first), 200);
    ck_assert_int_eq(me_status(second), 200);
    /* Wrong current password, short new one: refused, nothing ends. */
    call("PUT", "/api/me/password",
         "{\"password\":\"wrong horse\",\"new_password\":\"battery staple\"}", first);
    ck_assert_int_eq(R.status, 401);
    call("PUT", "/api/me/password", "{\"password\":\"correct horse\",\"new_password\":\"short\"}",
         first);
    ck_assert_int_eq(R.status, 400);
    ck_assert_int_eq(me_status(second), 200);

    call("PUT", "/api/me/password",
         "{\"password\":\"correct horse\",\"new_password\":\"battery staple\"}", first);
    ck_assert_msg(R.status == 200, "%ld %s", R.status, R.body);
    ck_assert(R.cookie[0]);
    strcpy(fresh, R.cookie);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(R.json, "user"), "username")), name);
    ck_assert_int_eq(me_status(first), 401);
    ck_assert_int_eq(me_status(second), 401);
    ck_assert_int_eq(me_status(fresh), 200);
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", name);
    call("POST", "/api/login", body, NULL);
    ck_assert_int_eq(R.status, 401);
    login(name, "battery staple", second);
    ck_assert_int_eq(me_status(second), 200);
}
END_TEST

/* ---- prebuilt bodies ------------------------------------------------------ */

static int list_has(const char *body, long long movie_id)
{
    json_t *j = json_loads(body, 0, NULL);
    ck_assert_ptr_nonnull(j);
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
        found |= json_integer_value(json_object_get(json_object_get(it, "movie"), "id")) ==
                 movie_id;
    json_decref(j);
    return found;
}

static long long item_id(const char *body, size_t i)
{
    json_t *j = json_loads(body, 0, NULL);
    long long id = json_integer_value(json_object_get(
        json_object_get(json_array_get(json_object_get(j, "items"), i), "movie"), "id"));
    json_decref(j);
    return id;
}

START_TEST(test_prebuilt_body_follows_the_list)
{
    open_app(65536);
    char name[64], cookie[128];
    new_user(name, sizeof name, cookie);
    call("PUT", "/api/ratings/1", "{\"rating\":5}", cookie);
    ck_assert_int_eq(R.status, 200);
    const char *path = "/api/recommendations?source=popularity&k=10";
    call("GET", path, NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    char *first = strdup(R.body);
    call("GET", path, NULL, cookie);
    ck_assert_str_eq(R.body, first);
    ck_assert_str_eq(R.content_type, "application/json");

    /* Rated: gone from the very next answer. */
    long long top = item_id(first, 0), second = item_id(first, 1);
    ck_assert(list_has(first, top) && list_has(first, second));
    char p[64];
    snprintf(p, sizeof p, "/api/ratings/%lld", top);
    call("PUT", p, "{\"rating\":2}", cookie);
    ck_assert_int_eq(R.status, 200);
    call("GET", path, NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert(!list_has(R.body, top));
    ck_assert(list_has(R.body, second));
    /* Hidden: gone too, and back when un-hidden. */
    snprintf(p, sizeof p, "/api/hidden/%lld", second);
    call("PUT", p, NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    call("GET", path, NULL, cookie);
    ck_assert(!list_has(R.body, second));
    call("GET", path, NULL, cookie);
    ck_assert(!list_has(R.body, second));
    free(first);

    /* Similar: the same answer twice, byte for byte. */
    call("GET", "/api/movies/1/similar?k=5&source=genre", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    char *sim = strdup(R.body);
    call("GET", "/api/movies/1/similar?k=5&source=genre", NULL, NULL);
    ck_assert_str_eq(R.body, sim);
    call("GET", "/api/movies/1/similar?k=4&source=genre", NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(R.json, "items")), 4);
    free(sim);
}
END_TEST

START_TEST(test_body_cache_keys_fingerprints_and_forgets)
{
    rs_body_cache *c = rs_body_cache_new(128, 60000);
    ck_assert_ptr_nonnull(c);
    rs_body_hit hit;
    uint64_t epoch;
    ck_assert_int_eq(rs_body_cache_get(c, "k1", 7, &hit, &epoch), 0);
    rs_body_cache_put(c, "k1", 42, 7, "{\"a\":1}", 7, "xy", 2, epoch);
    ck_assert_int_eq(rs_body_cache_get(c, "k1", 7, &hit, &epoch), 1);
    ck_assert_str_eq(hit.body, "{\"a\":1}");
    ck_assert_uint_eq(hit.len, 7);
    ck_assert_uint_eq(hit.aux_len, 2);
    ck_assert_int_eq(memcmp(hit.aux, "xy", 2), 0);
    rs_body_hit_free(&hit);
    /* Another fingerprint (a new model version, a changed list): a miss. */
    ck_assert_int_eq(rs_body_cache_get(c, "k1", 8, &hit, &epoch), 0);
    ck_assert_int_eq(rs_body_cache_get(c, "k2", 7, &hit, &epoch), 0);
    /* A forget drops the user's entries, and a put that raced with it
     * (its get came before) stores nothing. */
    uint64_t stale;
    ck_assert_int_eq(rs_body_cache_get(c, "k3", 1, &hit, &stale), 0);
    rs_body_cache_forget_user(c, 42);
    ck_assert_int_eq(rs_body_cache_get(c, "k1", 7, &hit, &epoch), 0);
    rs_body_cache_put(c, "k3", 42, 1, "old", 3, NULL, 0, stale);
    ck_assert_int_eq(rs_body_cache_get(c, "k3", 1, &hit, &epoch), 0);
    rs_body_cache_put(c, "k3", 42, 1, "new", 3, NULL, 0, epoch);
    ck_assert_int_eq(rs_body_cache_get(c, "k3", 1, &hit, &epoch), 1);
    rs_body_hit_free(&hit);
    rs_body_cache_free(c);

    /* Entries expire. */
    c = rs_body_cache_new(128, 1);
    ck_assert_int_eq(rs_body_cache_get(c, "k", 1, &hit, &epoch), 0);
    rs_body_cache_put(c, "k", -1, 1, "b", 1, NULL, 0, epoch);
    usleep(5000);
    ck_assert_int_eq(rs_body_cache_get(c, "k", 1, &hit, &epoch), 0);
    rs_body_cache_free(c);
}
END_TEST

START_TEST(test_session_cache_expiry_and_races)
{
    ck_assert_int_ge(sodium_init(), 0);
    rs_session_cache *c = rs_session_cache_new(64, 60);
    ck_assert_ptr_nonnull(c);
    rs_session_info in = {.user_id = 5, .username = "five", .created_at = "2026-01-01T00:00:00Z"};
    rs_session_info out;
    uint64_t epoch, stale;
    double far = (double)time(NULL) + 3600;
    ck_assert_int_eq(rs_session_cache_get(c, "tok-a", &out, &epoch), 0);
    rs_session_cache_put(c, "tok-a", &in, far, epoch);
    ck_assert_int_eq(rs_session_cache_get(c, "tok-a", &out, &epoch), 1);
    ck_assert_int_eq(out.user_id, 5);
    ck_assert_str_eq(out.username, "five");
    ck_assert_int_eq(rs_session_cache_get(c, "tok-b", &out, &epoch), 0);
    /* A session past its own expiry is never stored. */
    rs_session_cache_put(c, "tok-b", &in, (double)time(NULL) - 1, epoch);
    ck_assert_int_eq(rs_session_cache_get(c, "tok-b", &out, &epoch), 0);
    /* A lookup that began before a logout cannot cache the deleted row. */
    ck_assert_int_eq(rs_session_cache_get(c, "tok-c", &out, &stale), 0);
    rs_session_cache_forget_token(c, "tok-a");
    ck_assert_int_eq(rs_session_cache_get(c, "tok-a", &out, &epoch), 0);
    rs_session_cache_put(c, "tok-c", &in, far, stale);
    ck_assert_int_eq(rs_session_cache_get(c, "tok-c", &out, &epoch), 0);
    rs_session_cache_put(c, "tok-c", &in, far, epoch);
    rs_session_cache_put(c, "tok-d", &in, far, epoch);
    ck_assert_int_eq(rs_session_cache_get(c, "tok-c", &out, &epoch), 1);
    rs_session_cache_forget_user(c, 5);
    ck_assert_int_eq(rs_session_cache_get(c, "tok-c", &out, &epoch), 0);
    ck_assert_int_eq(rs_session_cache_get(c, "tok-d", &out, &epoch), 0);
    /* Bounded: far more sessions than slots, the table does not grow and
     * the newest is found. */
    char tok[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(tok, sizeof tok, "many-%d", i);
        ck_assert_int_eq(rs_session_cache_get(c, tok, &out, &epoch), 0);
        rs_session_cache_put(c, tok, &in, far, epoch);
    }
    ck_assert_int_eq(rs_session_cache_get(c, tok, &out, &epoch), 1);
    rs_session_cache_free(c);
}
END_TEST

/* ---- exposures ------------------------------------------------------------ */

/* The fixed sequence: six users; each asks for recommendations (their
 * experiment arm), rates two of the films shown, asks again; one asks with
 * source= (an override); one asks past the per-minute cap. Spaced a few
 * milliseconds apart, because the statistics group rows into responses by
 * shown_at at millisecond resolution, with either kind of logging. */
static char *run_sequence(int queue_rows, char **rows_out)
{
    /* The same user ids in both runs, so the same experiment arms. */
    free(q_text("TRUNCATE users RESTART IDENTITY CASCADE"));
    /* All of it inside one minute: the cap's window must not move. */
    while (time(NULL) % 60 > 40)
        sleep(1);
    open_app(queue_rows);
    static const int first_rated[6] = {1, 260, 296, 318, 356, 480};
    char name[64], cookie[6][128], path[96];
    for (int u = 0; u < 6; u++) {
        new_user(name, sizeof name, cookie[u]);
        snprintf(path, sizeof path, "/api/ratings/%d", first_rated[u]);
        call("PUT", path, "{\"rating\":4.5}", cookie[u]);
        ck_assert_int_eq(R.status, 200);
    }
    for (int u = 0; u < 6; u++) {
        call("GET", "/api/recommendations?k=8", NULL, cookie[u]);
        ck_assert_int_eq(R.status, 200);
        long long a = item_id(R.body, 0), b = item_id(R.body, 3);
        usleep(5000);
        snprintf(path, sizeof path, "/api/ratings/%lld", a);
        call("PUT", path, "{\"rating\":5}", cookie[u]);
        snprintf(path, sizeof path, "/api/ratings/%lld", b);
        call("PUT", path, u % 2 ? "{\"rating\":2}" : "{\"rating\":4}", cookie[u]);
        usleep(5000);
        call("GET", "/api/recommendations?k=8", NULL, cookie[u]);
        ck_assert_int_eq(R.status, 200);
        usleep(5000);
    }
    call("GET", "/api/recommendations?k=5&source=genre", NULL, cookie[2]);
    ck_assert_int_eq(R.status, 200);
    for (int i = 0; i < EXPOSURE_CAP / 20 + 3; i++) { /* 3 lists over the cap */
        usleep(5000);
        call("GET", "/api/recommendations?k=20", NULL, cookie[4]);
        ck_assert_int_eq(R.status, 200);
    }
    admin_get("/api/admin/experiments");
    ck_assert_msg(R.status == 200, "%s", R.body);
    char *stats = strdup(R.body);
    close_app(); /* the batch writer has written everything by now */
    *rows_out = q_text(
        "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', user_id, movie_id, source,"
        " coalesce(arm, '-'), position, r), ';' ORDER BY user_id, r, position)"
        " FROM (SELECT *, dense_rank() OVER (PARTITION BY user_id ORDER BY shown_at) AS r"
        "       FROM exposures) t");
    return stats;
}

START_TEST(test_batched_exposures_match_synchronous)
{
    char *sync_rows, *batch_rows;
    char *sync_stats = run_sequence(0, &sync_rows);
    char *batch_stats = run_sequence(65536, &batch_rows);
    ck_assert_msg(strlen(sync_rows) > 0, "no exposures logged");
    /* (2 lists + an override for one user) per user, capped lists left out */
    ck_assert_str_eq(batch_rows, sync_rows);
    json_t *a = json_loads(sync_stats, 0, NULL), *b = json_loads(batch_stats, 0, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_msg(json_equal(a, b), "statistics differ:\nsync  %s\nbatch %s", sync_stats,
                  batch_stats);
    /* Non-trivial statistics: both arms saw users, and some were hits. */
    ck_assert_ptr_nonnull(strstr(sync_stats, "\"hits\""));
    ck_assert_int_eq(json_integer_value(json_object_get(a, "override_exposures")), 5);
    json_decref(a);
    json_decref(b);
    /* The cap held in both: user 5 (id 5) has 2 lists of 8 plus
     * EXPOSURE_CAP - 16 rows' worth of whole 20-lists. */
    ck_assert_int_eq(q("SELECT count(*) FROM exposures WHERE user_id = 5"),
                     16 + ((EXPOSURE_CAP - 16) / 20) * 20);
    free(sync_rows);
    free(batch_rows);
    free(sync_stats);
    free(batch_stats);
}
END_TEST

START_TEST(test_exposure_queue_bounds_flush_and_shutdown)
{
    rs_db *db;
    rs_error err = {0};
    ck_assert_msg(rs_db_open(g_url, 2, &db, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_db_migrate(db, &err), RS_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO users (username, password_hash) VALUES ('queue%d', 'x') RETURNING id",
             (int)getpid());
    long long uid = q(sql);
    ck_assert_int_gt(uid, 0);
    int64_t movies[12];
    char sources[12][RS_SOURCE_NAME_MAX];
    for (int i = 0; i < 12; i++) {
        movies[i] = 100 + i;
        snprintf(sources[i], sizeof sources[i], "%s", i % 2 ? "po\"p" : "genre");
    }
    /* (a cast: ISO C before C2X does not add const to an array's elements) */
    const char(*src)[RS_SOURCE_NAME_MAX] = (const char(*)[RS_SOURCE_NAME_MAX])sources;
    rs_exposure_queue *qu;
    ck_assert_int_eq(rs_exposure_queue_new(db, 10, &qu, &err), RS_OK);
    /* Bounded: a response that does not fit is dropped whole, counted. */
    ck_assert_int_eq(rs_exposure_queue_push(qu, uid, movies, src, 11, "x/a"), 0);
    ck_assert_uint_eq(rs_exposure_queue_dropped(qu), 11);
    /* Written in the background, without anyone asking. */
    ck_assert_int_eq(rs_exposure_queue_push(qu, uid, movies, src, 4, "x/a"), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM exposures WHERE user_id = %lld AND arm = 'x/a'",
             uid);
    for (int i = 0; i < 600 && q(sql) < 4; i++)
        usleep(50000);
    ck_assert_int_eq(q(sql), 4);
    ck_assert_uint_eq(rs_exposure_queue_written(qu), 4);
    /* A flush waits for what is queued. */
    ck_assert_int_eq(rs_exposure_queue_push(qu, uid, movies, src, 2, "x/b"), 1);
    ck_assert_int_eq(rs_exposure_queue_flush(qu), 0);
    ck_assert_uint_eq(rs_exposure_queue_written(qu), 6);
    /* Clean shutdown: freed without a flush, what it held is written. A
     * user gone in between (here: never there) costs only its own rows. */
    ck_assert_int_eq(rs_exposure_queue_push(qu, uid, movies, src, 6, ""), 1);
    ck_assert_int_eq(rs_exposure_queue_push(qu, uid + 1000000, movies, src, 3, ""), 1);
    rs_exposure_queue_free(qu);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM exposures WHERE user_id = %lld AND arm IS NULL",
             uid);
    ck_assert_int_eq(q(sql), 6);
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT shown_at) FROM exposures WHERE user_id = %lld",
             uid);
    ck_assert_int_eq(q(sql), 3); /* one per response */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM exposures WHERE user_id = %lld AND source = 'po\"p'"
             " AND position %% 2 = 1",
             uid);
    ck_assert_int_eq(q(sql), 6); /* positions 1, 3 of 4; 1 of 2; 1, 3, 5 of 6 */
    rs_db_free(db);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("server_perf_paths");
    TCase *tc = tcase_create("perf_paths");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_body_cache_keys_fingerprints_and_forgets);
    tcase_add_test(tc, test_session_cache_expiry_and_races);
    tcase_add_test(tc, test_logout_is_refused_at_once);
    tcase_add_test(tc, test_account_deletion_ends_every_session_at_once);
    tcase_add_test(tc, test_password_change_ends_every_session_at_once);
    tcase_add_test(tc, test_prebuilt_body_follows_the_list);
    tcase_add_test(tc, test_exposure_queue_bounds_flush_and_shutdown);
    tcase_add_test(tc, test_batched_exposures_match_synchronous);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* The suite writes its own config: nothing from the caller's
     * environment may override it. */
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_TEXT_FILE");
    unsetenv("RECSYS_PLUGIN_PATH");
    unsetenv("RECSYS_PG_CLUSTER");
    unsetenv("RECSYS_ADMIN_TOKEN");
    snprintf(g_dir, sizeof g_dir, "%s/test-perf-paths", RS_BUILD_DIR);
    mkdir(g_dir, 0755);
    chmod(g_dir, 0755);
    if (pg_fixture_start(g_dir, g_url, sizeof g_url) != 0)
        return EXIT_FAILURE;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pg_fixture_stop(g_dir);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
