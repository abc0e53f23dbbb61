/*
 * Integration tests for `recsys serve`: a real private PostgreSQL (started
 * once per run with scripts/pg-cluster, schema dropped first) and the real
 * server in-process on a free loopback port, driven over HTTP by libcurl.
 * Every error path asserts the status, the JSON error body, and that the
 * database did not change.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_client.h"
#include "pg_fixture.h"
#include "recsys/server.h"
#include "check_main.h"
#include "cli.h"

static char g_dir[1024], g_cfg[1100], g_url[512];
static int port;
static rs_app *app;
static http_resp R;
static int user_seq;

static const char *shared_data(void)
{
    const char *e = getenv("RECSYS_SHARED_DATA");
    return e && *e ? e : RS_SHARED_DATA_DEFAULT;
}

static void write_file(const char *path, const char *text)
{
    /* Also used by the suite fixture, outside any test: no ck_assert. */
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "test: cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void write_config(const char *path, const char *work)
{
    char text[4096];
    snprintf(text, sizeof text,
             "data:\n  dir: %s/ml-latest-small\n"
             "  text_file: %s/movie-text/ml-latest-small_text.csv\n"
             "work_dir: %s\n"
             "prepare: {cf_min_item_ratings: 10, cf_min_user_ratings: 5}\n"
             "plugins:\n  path: [%s]\n"
             "instances:\n"
             "  - {name: popularity, plugin: popularity}\n"
             "  - {name: genre, plugin: test_genre}\n"
             "serving: {default_source: popularity, cold_start: popularity}\n"
             "server:\n  port: 0\n  threads: 4\n"
             "  static_dir: %s/static\n"
             "  request_max_bytes: 4096\n"
             "  password_memlimit_kib: 8192\n"
             "  login_per_account_per_min: 3\n"
             "  login_per_ip_per_min: 1000\n"
             /* The suite counts exposure rows right after each response:
              * synchronous logging (batching: test_server_perf_paths). */
             "  exposure_queue_rows: 0\n"
             "database:\n  pool_size: 4\n",
             shared_data(), shared_data(), work, RS_PLUGIN_BUILD_DIR, g_dir);
    write_file(path, text);
}

/* ---- suite fixture (parent process): one PostgreSQL for the run ------- */

static void run_setup(void)
{
    /* The suite writes its own config: nothing from the caller's
     * environment may override it (a RECSYS_WORK_DIR of the caller's once
     * moved the private cluster somewhere postgres could not reach). */
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_TEXT_FILE");
    unsetenv("RECSYS_PLUGIN_PATH");
    unsetenv("RECSYS_PG_CLUSTER");
    snprintf(g_dir, sizeof g_dir, "%s/test-server", RS_BUILD_DIR);
    mkdir(g_dir, 0755);
    chmod(g_dir, 0755);
    if (pg_fixture_start(g_dir, g_url, sizeof g_url) != 0)
        exit(1);
    char static_dir[1100], path[1200], work[1100];
    snprintf(static_dir, sizeof static_dir, "%s/static", g_dir);
    mkdir(static_dir, 0755);
    snprintf(path, sizeof path, "%s/index.html", static_dir);
    write_file(path, "<!doctype html><title>recsys</title><div id=root></div>\n");
    snprintf(path, sizeof path, "%s/app.js", static_dir);
    write_file(path, "console.log('recsys');\n");
    snprintf(work, sizeof work, "%s/work", g_dir);
    snprintf(g_cfg, sizeof g_cfg, "%s/server.yaml", g_dir);
    write_config(g_cfg, work);
}

static void run_teardown(void) { pg_fixture_stop(g_dir); }

/* ---- per-test fixture (forked child): the real server ----------------- */

static void server_setup(void)
{
    rs_error err = {0};
    ck_assert_msg(rs_app_open(g_cfg, 0, &app, &err) == RS_OK, "rs_app_open: %s", err.message);
    port = rs_app_port(app);
    ck_assert_int_gt(port, 0);
}

static void server_teardown(void)
{
    http_resp_free(&R);
    rs_app_close(app);
    app = NULL;
}

static void call(const char *method, const char *path, const char *body, const char *cookie)
{
    http_call(port, &R, method, path, body, cookie);
}

static void call_ct(const char *method, const char *path, const char *body, const char *type,
                    const char *cookie)
{
    http_resp_free(&R);
    ck_assert_int_eq(http_do(port, method, path, body, type, cookie, &R), 0);
}

static void expect_error(long status, const char *code) { http_expect_error(&R, status, code); }

static long long q(const char *sql) { return db_scalar(g_url, sql); }

/* Register a fresh user; its name goes to name, its cookie to cookie. */
static void new_user(char *name, size_t size, char *cookie)
{
    snprintf(name, size, "u%d_%d", (int)getpid(), ++user_seq);
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", name);
    call("POST", "/api/register", body, NULL);
    ck_assert_msg(R.status == 201, "register: %ld %s", R.status, R.body);
    ck_assert(R.cookie[0]);
    strcpy(cookie, R.cookie);
}

static json_t *J(const char *key) { return json_object_get(R.json, key); }

/* ---- accounts ---------------------------------------------------------- */

START_TEST(test_register_login_logout)
{
    char name[64], cookie[128];
    new_user(name, sizeof name, cookie);
    json_t *u = J("user");
    ck_assert_str_eq(json_string_value(json_object_get(u, "username")), name);
    ck_assert_int_gt(json_integer_value(json_object_get(u, "id")), 0);
    ck_assert_ptr_nonnull(strstr(R.set_cookie, "HttpOnly"));
    ck_assert_ptr_nonnull(strstr(R.set_cookie, "SameSite=Lax"));
    ck_assert_ptr_nonnull(strstr(R.set_cookie, "Path=/"));
    ck_assert_int_eq(strlen(cookie), 43); /* 256 bits, base64url */
    /* Only the hash is stored. */
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE token_hash = '%s'", cookie);
    ck_assert_int_eq(q(sql), 0);
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM users WHERE username = '%s' AND password_hash LIKE '$argon2id$%%'",
        name);
    ck_assert_int_eq(q(sql), 1);

    call("GET", "/api/me", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(J("user"), "n_ratings")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(J("user"), "username")), name);

    call("POST", "/api/logout", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    ck_assert_ptr_nonnull(strstr(R.set_cookie, "Max-Age=0"));
    call("GET", "/api/me", NULL, cookie);
    expect_error(401, "unauthorized");

    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", name);
    call("POST", "/api/login", body, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert(R.cookie[0]);
    ck_assert_str_ne(R.cookie, cookie);
    strcpy(cookie, R.cookie);
    call("GET", "/api/me", NULL, cookie);
    ck_assert_int_eq(R.status, 200);

    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"wrong horse\"}", name);
    long long sessions = q("SELECT count(*) FROM sessions");
    call("POST", "/api/login", body, NULL);
    expect_error(401, "unauthorized");
    ck_assert_str_eq(R.cookie, "");
    call("POST", "/api/login", "{\"username\":\"nobody_here\",\"password\":\"whatever1\"}", NULL);
    expect_error(401, "unauthorized");
    ck_assert_int_eq(q("SELECT count(*) FROM sessions"), sessions);
}
END_TEST

START_TEST(test_register_errors_change_nothing)
{
    char name[64], cookie[128], body[8192];
    new_user(name, sizeof name, cookie);
    long long users = q("SELECT count(*) FROM users");
    long long sessions = q("SELECT count(*) FROM sessions");

    /* Duplicate, also when only the case differs. */
    for (char *p = name; *p; p++)
        *p = (char)(*p == 'u' ? 'U' : *p);
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"another one\"}", name);
    call("POST", "/api/register", body, NULL);
    expect_error(409, "conflict");

    call("POST", "/api/register", "{\"username\":\"ab\",\"password\":\"long enough\"}", NULL);
    expect_error(400, "bad_request");
    call("POST", "/api/register", "{\"username\":\"bad name!\",\"password\":\"long enough\"}",
         NULL);
    expect_error(400, "bad_request");
    call("POST", "/api/register", "{\"username\":\"okname\",\"password\":\"short\"}", NULL);
    expect_error(400, "bad_request");
    call("POST", "/api/register", "{\"username\":\"okname\"}", NULL);
    expect_error(400, "bad_request");
    call("POST", "/api/register", "{\"username\":\"okname\",\"password\":12345678}", NULL);
    expect_error(400, "bad_request");
    call("POST", "/api/register", "{\"username\":\"okname\",", NULL);
    expect_error(400, "bad_request");
    ck_assert_ptr_nonnull(strstr(json_string_value(J("message")), "malformed JSON"));
    call("POST", "/api/register", "[1,2]", NULL);
    expect_error(400, "bad_request");
    /* 1900 levels once overflowed the worker's 100 KiB stack inside the
     * parser and killed the process; refused before parsing now. */
    {
        char deep[3801];
        memset(deep, '[', 1900);
        memset(deep + 1900, ']', 1900);
        deep[3800] = '\0';
        call("POST", "/api/login", deep, NULL);
        expect_error(400, "bad_request");
        ck_assert_ptr_nonnull(strstr(json_string_value(J("message")), "deeper than"));
        call("POST", "/api/login", "{\"username\":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", NULL);
        expect_error(400, "bad_request");
        call("GET", "/api/health", NULL, NULL);
        ck_assert_int_eq(R.status, 200);
    }
    call_ct("POST", "/api/register", "username=okname&password=longenough",
            "application/x-www-form-urlencoded", NULL);
    expect_error(415, "unsupported_media_type");
    /* Over request_max_bytes (4096 in the test config). */
    memset(body, 'x', sizeof body);
    memcpy(body, "{\"username\":\"okname\",\"password\":\"", 33);
    strcpy(body + sizeof body - 3, "\"}");
    call("POST", "/api/register", body, NULL);
    expect_error(413, "payload_too_large");

    ck_assert_int_eq(q("SELECT count(*) FROM users"), users);
    ck_assert_int_eq(q("SELECT count(*) FROM sessions"), sessions);
    ck_assert_int_eq(q("SELECT count(*) FROM users WHERE username = 'okname'"), 0);
}
END_TEST

START_TEST(test_login_rate_limited_per_account)
{
    char name[64], cookie[128], body[256];
    new_user(name, sizeof name, cookie);
    long long sessions = q("SELECT count(*) FROM sessions");
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"wrong horse\"}", name);
    for (int i = 0; i < 3; i++) { /* login_per_account_per_min: 3 */
        call("POST", "/api/login", body, NULL);
        expect_error(401, "unauthorized");
    }
    /* Now even the right password is refused for this account... */
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", name);
    call("POST", "/api/login", body, NULL);
    expect_error(429, "rate_limited");
    ck_assert_str_eq(R.retry_after, "60");
    ck_assert_str_eq(R.cookie, "");
    ck_assert_int_eq(q("SELECT count(*) FROM sessions"), sessions);
    /* ...but another account from the same address is not affected. */
    char other[64], cookie2[128];
    new_user(other, sizeof other, cookie2);
    call("POST", "/api/logout", NULL, cookie2);
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", other);
    call("POST", "/api/login", body, NULL);
    ck_assert_int_eq(R.status, 200);
}
END_TEST

START_TEST(test_delete_account)
{
    char name[64], cookie[128], sql[256];
    new_user(name, sizeof name, cookie);
    long long base = q("SELECT base_n + app_n FROM movies WHERE id = 1");
    call("PUT", "/api/ratings/1", "{\"rating\":4}", cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(q("SELECT base_n + app_n FROM movies WHERE id = 1"), base + 1);
    call("GET", "/api/me", NULL, cookie);
    long long uid = json_integer_value(json_object_get(J("user"), "id"));
    call("DELETE", "/api/me", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM users WHERE id = %lld", uid);
    ck_assert_int_eq(q(sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ratings WHERE user_id = %lld", uid);
    ck_assert_int_eq(q(sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE user_id = %lld", uid);
    ck_assert_int_eq(q(sql), 0);
    ck_assert_int_eq(q("SELECT base_n + app_n FROM movies WHERE id = 1"), base);
    call("GET", "/api/me", NULL, cookie);
    expect_error(401, "unauthorized");
    call("DELETE", "/api/me", NULL, NULL);
    expect_error(401, "unauthorized");
}
END_TEST

/* ---- ratings ----------------------------------------------------------- */

START_TEST(test_ratings_flow)
{
    char name[64], cookie[128];
    new_user(name, sizeof name, cookie);
    long long n0 = q("SELECT base_n + app_n FROM movies WHERE id = 1");
    call("PUT", "/api/ratings/1", "{\"rating\":4.5}", cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(J("movie_id")), 1);
    ck_assert(json_real_value(J("rating")) == 4.5);
    ck_assert_ptr_nonnull(json_string_value(J("updated_at")));
    call("PUT", "/api/ratings/2", "{\"rating\":2}", cookie);
    ck_assert_int_eq(R.status, 200);
    call("PUT", "/api/ratings/1", "{\"rating\":3.0}", cookie); /* change: newest now */
    ck_assert_int_eq(R.status, 200);

    call("GET", "/api/ratings", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(J("total")), 2);
    json_t *list = J("ratings");
    ck_assert_int_eq(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(first, "movie"), "id")), 1);
    ck_assert(json_real_value(json_object_get(first, "rating")) == 3.0);
    call("GET", "/api/ratings?page=2&page_size=1", NULL, cookie);
    ck_assert_int_eq(json_array_size(J("ratings")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(json_array_get(J("ratings"), 0), "movie"), "id")),
                     2);

    /* The movie's count includes the app rating; the page shows it. */
    call("GET", "/api/movies/1", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(J("n_ratings")), n0 + 1);
    ck_assert(json_real_value(J("user_rating")) == 3.0);
    call("GET", "/api/me", NULL, cookie);
    ck_assert_int_eq(json_integer_value(json_object_get(J("user"), "n_ratings")), 2);

    call("DELETE", "/api/ratings/2", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    call("DELETE", "/api/ratings/2", NULL, cookie); /* idempotent */
    ck_assert_int_eq(R.status, 204);
    call("GET", "/api/ratings", NULL, cookie);
    ck_assert_int_eq(json_integer_value(J("total")), 1);
}
END_TEST

START_TEST(test_rating_errors_change_nothing)
{
    char name[64], cookie[128];
    new_user(name, sizeof name, cookie);
    call("PUT", "/api/ratings/1", "{\"rating\":4}", cookie);
    long long ratings = q("SELECT count(*) FROM ratings");
    long long sum = q("SELECT sum(rating * 2)::bigint FROM ratings");
    static const char *bad[] = {"{\"rating\":5.5}",
                                "{\"rating\":0}",
                                "{\"rating\":0.3}",
                                "{\"rating\":-1}",
                                "{\"rating\":\"4\"}",
                                "{\"rating\":null}",
                                "{}",
                                "{\"rating\":4.25}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call("PUT", "/api/ratings/1", bad[i], cookie);
        expect_error(400, "bad_request");
    }
    call("PUT", "/api/ratings/1", "{\"rating\":", cookie);
    expect_error(400, "bad_request");
    call("PUT", "/api/ratings/999999999", "{\"rating\":4}", cookie);
    expect_error(404, "not_found");
    call("DELETE", "/api/ratings/999999999", NULL, cookie);
    expect_error(404, "not_found");
    call("PUT", "/api/ratings/abc", "{\"rating\":4}", cookie);
    expect_error(404, "not_found");
    call("PUT", "/api/ratings/1", "{\"rating\":4}", NULL);
    expect_error(401, "unauthorized");
    call("PUT", "/api/ratings/1", "{\"rating\":4}", "forgedforgedforgedforgedforgedforgedforged");
    expect_error(401, "unauthorized");
    call("DELETE", "/api/ratings/1", NULL, NULL);
    expect_error(401, "unauthorized");
    call("GET", "/api/ratings", NULL, NULL);
    expect_error(401, "unauthorized");
    call("GET", "/api/ratings?page=0", NULL, cookie);
    expect_error(400, "bad_request");
    call("POST", "/api/ratings/1", "{\"rating\":4}", cookie);
    expect_error(405, "method_not_allowed");
    ck_assert_int_eq(q("SELECT count(*) FROM ratings"), ratings);
    ck_assert_int_eq(q("SELECT sum(rating * 2)::bigint FROM ratings"), sum);
}
END_TEST

/* ---- recommendations and similar -------------------------------------- */

START_TEST(test_recommendations)
{
    char name[64], cookie[128];
    new_user(name, sizeof name, cookie);
    /* A cold user gets popularity, without explanations. */
    call("GET", "/api/recommendations?source=genre&k=5", NULL, cookie);
    ck_assert_msg(R.status == 200, "%s", R.body);
    ck_assert_str_eq(json_string_value(J("source")), "popularity");
    ck_assert(json_is_null(J("arm")));
    ck_assert_int_ge(json_integer_value(J("model_version")), 1);
    json_t *items = J("items");
    ck_assert_int_eq(json_array_size(items), 5);
    json_t *top = json_object_get(json_array_get(items, 0), "movie");
    ck_assert(json_is_null(json_object_get(json_array_get(items, 0), "explanation")));
    long long top_id = json_integer_value(json_object_get(top, "id"));
    /* The most-rated movie of the dataset, as the database counts it. */
    ck_assert_int_eq(top_id, q("SELECT id FROM movies ORDER BY base_n + app_n DESC, id LIMIT 1"));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(top, "poster_url")));

    /* After rating it, it is never recommended again. */
    char path[128];
    snprintf(path, sizeof path, "/api/ratings/%lld", top_id);
    call("PUT", path, "{\"rating\":5}", cookie);
    call("GET", "/api/recommendations?source=popularity&k=20", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("source")), "popularity");
    size_t i;
    json_t *it;
    json_array_foreach(J("items"), i, it) ck_assert_int_ne(
        json_integer_value(json_object_get(json_object_get(it, "movie"), "id")), top_id);
    ck_assert_int_eq(json_array_size(J("items")), 20);

    /* An explaining source names the rated movie. */
    call("GET", "/api/recommendations?source=genre&k=3", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("source")), "genre");
    json_t *ex = json_object_get(json_array_get(J("items"), 0), "explanation");
    ck_assert(json_is_object(ex));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ex, "because"), "id")),
                     top_id);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(ex, "parts"), 0), "source")),
                     "genre");

    /* Default source from the config (popularity in the test config). */
    call("GET", "/api/recommendations", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_array_size(J("items")), 20);

    long long exposures = q("SELECT count(*) FROM exposures");
    static const char *bad_k[] = {"k=0", "k=101", "k=abc", "k=5x", "k="};
    for (size_t j = 0; j < sizeof bad_k / sizeof bad_k[0]; j++) {
        snprintf(path, sizeof path, "/api/recommendations?source=popularity&%s", bad_k[j]);
        call("GET", path, NULL, cookie);
        expect_error(400, "bad_request");
    }
    call("GET", "/api/recommendations?source=nope", NULL, cookie);
    expect_error(400, "bad_request");
    ck_assert_ptr_nonnull(strstr(json_string_value(J("message")), "popularity"));
    ck_assert_ptr_nonnull(strstr(json_string_value(J("message")), "genre"));
    call("GET", "/api/recommendations?source=popularity", NULL, NULL);
    expect_error(401, "unauthorized");
    ck_assert_int_eq(q("SELECT count(*) FROM exposures"), exposures);
}
END_TEST

START_TEST(test_similar)
{
    call("GET", "/api/movies/1/similar?k=5", NULL, NULL);
    ck_assert_msg(R.status == 200, "%s", R.body);
    ck_assert_int_eq(json_integer_value(J("movie_id")), 1);
    ck_assert_str_eq(json_string_value(J("source")), "genre"); /* the only one able */
    json_t *items = J("items");
    ck_assert_int_eq(json_array_size(items), 5);
    size_t i;
    json_t *it;
    double prev = 1e9;
    json_array_foreach(items, i, it)
    {
        json_t *m = json_object_get(it, "movie");
        ck_assert_int_ne(json_integer_value(json_object_get(m, "id")), 1);
        double s = json_number_value(json_object_get(it, "score"));
        ck_assert(s <= prev);
        prev = s;
        /* Toy Story's genres: every similar movie shares some. */
        ck_assert_int_gt(json_array_size(json_object_get(m, "genres")), 0);
    }
    call("GET", "/api/movies/1/similar?source=popularity", NULL, NULL);
    expect_error(400, "bad_request");
    ck_assert_str_eq(json_string_value(J("message")),
                     "instance popularity does not support similar");
    call("GET", "/api/movies/1/similar?source=nope", NULL, NULL);
    expect_error(400, "bad_request");
    call("GET", "/api/movies/1/similar?k=0", NULL, NULL);
    expect_error(400, "bad_request");
    call("GET", "/api/movies/1/similar?k=1000", NULL, NULL);
    expect_error(400, "bad_request");
    call("GET", "/api/movies/999999999/similar", NULL, NULL);
    expect_error(404, "not_found");
}
END_TEST

/* ---- catalogue --------------------------------------------------------- */

START_TEST(test_catalogue)
{
    call("GET", "/api/movies?query=toy%20story&page_size=5", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_ge(json_integer_value(J("total")), 3);
    json_t *m = json_array_get(J("movies"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(m, "title")), "Toy Story");
    ck_assert_int_eq(json_integer_value(json_object_get(m, "year")), 1995);
    ck_assert_int_eq(json_integer_value(json_object_get(m, "tmdb_id")), 862);
    ck_assert_str_eq(json_string_value(json_object_get(m, "poster_url")), "/api/posters/1");
    ck_assert(json_number_value(json_object_get(m, "mean_rating")) > 3.0);

    call("GET", "/api/movies?query=TOY%20STORY", NULL, NULL); /* case-insensitive */
    ck_assert_int_ge(json_integer_value(J("total")), 3);
    /* LIKE wildcards in the user's text match literally. */
    call("GET", "/api/movies?query=%25", NULL, NULL);
    ck_assert_int_eq(json_integer_value(J("total")),
                     q("SELECT count(*) FROM movies WHERE strpos(title, '%') > 0"));
    call("GET", "/api/movies?query=_", NULL, NULL);
    ck_assert_int_eq(json_integer_value(J("total")),
                     q("SELECT count(*) FROM movies WHERE strpos(title, '_') > 0"));
    ck_assert_int_lt(json_integer_value(J("total")), 100);
    call("GET", "/api/movies?query=%5C", NULL, NULL); /* a backslash */
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(J("total")),
                     q("SELECT count(*) FROM movies WHERE strpos(title, '\\') > 0"));
    /* Past the last page of a search: no movies, the total still counted. */
    call("GET", "/api/movies?query=toy&page=1000&page_size=10", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_array_size(J("movies")), 0);
    ck_assert_int_eq(json_integer_value(J("total")),
                     q("SELECT count(*) FROM movies WHERE strpos(lower(title), 'toy') > 0"));
    ck_assert_int_ge(json_integer_value(J("total")), 3);

    long long total_all = q("SELECT count(*) FROM movies");
    call("GET", "/api/movies?page=2&page_size=10", NULL, NULL);
    ck_assert_int_eq(json_integer_value(J("total")), total_all);
    ck_assert_int_eq(json_array_size(J("movies")), 10);
    /* Most-rated first when there is no query. */
    long long prev = 1 << 30;
    size_t i;
    json_t *it;
    json_array_foreach(J("movies"), i, it)
    {
        long long n = json_integer_value(json_object_get(it, "n_ratings"));
        ck_assert(n <= prev);
        prev = n;
    }

    call("GET", "/api/movies?genre=Animation&page_size=100", NULL, NULL);
    ck_assert_int_eq(json_integer_value(J("total")),
                     q("SELECT count(*) FROM movies WHERE 'Animation' = ANY(genres)"));
    json_array_foreach(J("movies"), i, it)
    {
        int found = 0;
        size_t k;
        json_t *g;
        json_array_foreach(json_object_get(it, "genres"), k, g)
            found |= strcmp(json_string_value(g), "Animation") == 0;
        ck_assert(found);
    }
    call("GET", "/api/movies?page_size=1000", NULL, NULL);
    expect_error(400, "bad_request");

    call("GET", "/api/movies/1", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert(json_is_null(J("user_rating")));
    ck_assert_ptr_nonnull(strstr(json_string_value(J("overview")), "Woody"));
    ck_assert(json_is_array(J("tags")));
    call("GET", "/api/movies/999999999", NULL, NULL);
    expect_error(404, "not_found");
    call("GET", "/api/nothing-here", NULL, NULL);
    expect_error(404, "not_found");

    call("GET", "/api/genres", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_ge(json_array_size(J("genres")), 18);
    call("GET", "/api/sources", NULL, NULL);
    ck_assert_str_eq(json_string_value(J("default")), "popularity");
    ck_assert_int_eq(json_array_size(J("sources")), 2);
    json_t *genre = json_array_get(J("sources"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(genre, "plugin")), "test_genre");
}
END_TEST

START_TEST(test_onboarding)
{
    char name[64], cookie[128];
    new_user(name, sizeof name, cookie);
    call("GET", "/api/onboarding?n=12", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    json_t *items = J("items");
    ck_assert_int_eq(json_array_size(items), 12);
    long long first = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    /* Well known: every pick has many ratings; diverse: more than 4
     * distinct first genres. */
    size_t i;
    json_t *it;
    json_t *seen = json_object();
    json_array_foreach(items, i, it)
    {
        ck_assert_int_ge(json_integer_value(json_object_get(it, "n_ratings")), 10);
        json_t *g = json_object_get(it, "genres");
        size_t k;
        json_t *gn;
        json_array_foreach(g, k, gn) json_object_set_new(seen, json_string_value(gn), json_true());
    }
    ck_assert_int_ge(json_object_size(seen), 8);
    json_decref(seen);
    /* Rated movies drop out. */
    char path[64];
    snprintf(path, sizeof path, "/api/ratings/%lld", first);
    call("PUT", path, "{\"rating\":3.5}", cookie);
    call("GET", "/api/onboarding?n=12", NULL, cookie);
    json_array_foreach(J("items"), i, it)
        ck_assert_int_ne(json_integer_value(json_object_get(it, "id")), first);
    call("GET", "/api/onboarding?n=0", NULL, cookie);
    expect_error(400, "bad_request");
}
END_TEST

START_TEST(test_posters_health_metrics_static)
{
    call("GET", "/api/posters/1", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(R.content_type, "image/svg+xml");
    ck_assert_ptr_nonnull(strstr(R.body, "<svg"));
    ck_assert_ptr_nonnull(strstr(R.body, "Toy Story"));
    ck_assert_ptr_nonnull(strstr(R.body, "1995"));
    char first[4096];
    snprintf(first, sizeof first, "%s", R.body);
    call("GET", "/api/posters/2", NULL, NULL);
    ck_assert_str_ne(R.body, first); /* another title, another colour */
    call("GET", "/api/posters/999999999", NULL, NULL);
    expect_error(404, "not_found");

    call("GET", "/api/health", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("status")), "ok");
    ck_assert_str_eq(json_string_value(J("database")), "ok");
    ck_assert_int_ge(json_integer_value(json_object_get(J("models"), "popularity")), 1);

    call("GET", "/api/evaluation", NULL, NULL);
    expect_error(404, "not_found");

    call("GET", "/metrics", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_ptr_nonnull(
        strstr(R.body,
               "recsys_http_requests_total{route=\"GET /api/health\",source=\"\",code=\"2xx\"} 1"));
    ck_assert_ptr_nonnull(strstr(
        R.body, "recsys_http_request_duration_seconds_bucket{route=\"GET /api/posters/{id}\""));
    ck_assert_ptr_nonnull(strstr(R.body, "recsys_model_version{instance=\"popularity\""));

    call("GET", "/", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_ptr_nonnull(strstr(R.body, "<div id=root>"));
    call("GET", "/movies/1", NULL, NULL); /* a client-side route */
    ck_assert_int_eq(R.status, 200);
    ck_assert_ptr_nonnull(strstr(R.body, "<div id=root>"));
    call("GET", "/app.js", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_ptr_nonnull(strstr(R.body, "console.log"));
    call("GET", "/missing.js", NULL, NULL);
    expect_error(404, "not_found");
    /* Nothing outside static_dir, however the path is spelled. */
    static const char *escapes[] = {"/../server.yaml", "/%2e%2e/server.yaml",
                                    "/static/../server.yaml", "/..%2fserver.yaml"};
    for (size_t k = 0; k < sizeof escapes / sizeof escapes[0]; k++) {
        call("GET", escapes[k], NULL, NULL);
        ck_assert_msg(!strstr(R.body, "request_max_bytes"), "%s served the config", escapes[k]);
    }
}
END_TEST

START_TEST(test_migrations_idempotent)
{
    /* The fixture's start-up applied them (a second time for every test
     * after the first); each is recorded exactly once. */
    ck_assert_int_eq(q("SELECT count(*) FROM schema_migrations"),
                     (long long)rs_db_migration_count());
    ck_assert_int_eq(q("SELECT count(*) FROM schema_migrations WHERE version = '001_init'"), 1);
    long long movies = q("SELECT count(*) FROM movies");
    ck_assert_int_gt(movies, 9000);
    /* A second app on the same database re-syncs without duplicating. */
    rs_app *second = NULL;
    rs_error err = {0};
    ck_assert_msg(rs_app_open(g_cfg, 0, &second, &err) == RS_OK, "%s", err.message);
    ck_assert_int_ne(rs_app_port(second), port);
    rs_app_close(second);
    ck_assert_int_eq(q("SELECT count(*) FROM movies"), movies);
    /* The database rejects what the API rejects, too. */
    ck_assert_int_eq(
        q("SELECT count(*) FROM pg_constraint WHERE conname LIKE 'ratings_rating_check'"), 1);
}
END_TEST

/* The default deployment: no URL anywhere, so the app starts (and stops)
 * a private cluster under its work_dir. */
START_TEST(test_private_cluster)
{
    char work[1200], cfg[1300], cmd[2600];
    snprintf(work, sizeof work, "%s/work-private", g_dir);
    snprintf(cfg, sizeof cfg, "%s/private.yaml", g_dir);
    write_config(cfg, work);
    unsetenv("RECSYS_DATABASE_URL");
    rs_app *own = NULL;
    rs_error err = {0};
    ck_assert_msg(rs_app_open(cfg, 0, &own, &err) == RS_OK, "%s", err.message);
    const char *url = rs_app_database_url(own);
    ck_assert_ptr_nonnull(strstr(url, "postgresql://"));
    ck_assert_str_ne(url, g_url);
    port = rs_app_port(own);
    call("GET", "/api/health", NULL, NULL);
    ck_assert_int_eq(R.status, 200);

    /* The database goes away: 503s with the error shape, no crash... */
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-cluster' stop '%s/pg'", RS_SOURCE_DIR, work);
    ck_assert_int_eq(system(cmd), 0);
    call("GET", "/api/health", NULL, NULL);
    ck_assert_int_eq(R.status, 503);
    ck_assert_str_eq(json_string_value(J("status")), "degraded");
    ck_assert_str_eq(json_string_value(J("database")), "unreachable");
    call("GET", "/api/movies?query=toy", NULL, NULL);
    expect_error(503, "unavailable");
    call("POST", "/api/login", "{\"username\":\"someone\",\"password\":\"whatever1\"}", NULL);
    expect_error(503, "unavailable");
    /* ...and it comes back: the pool reconnects on the next borrow. */
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-cluster' start '%s/pg' >/dev/null", RS_SOURCE_DIR,
             work);
    ck_assert_int_eq(system(cmd), 0);
    call("GET", "/api/movies?query=toy", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    call("GET", "/api/health", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    http_resp_free(&R);
    rs_app_close(own);
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-cluster' status '%s/pg' 2>/dev/null", RS_SOURCE_DIR,
             work);
    ck_assert_int_ne(system(cmd), 0); /* stopped at close */
    setenv("RECSYS_DATABASE_URL", g_url, 1);
}
END_TEST

/* `recsys serve` as the CLI runs it: usage errors, then a real start,
 * SIGTERM, a clean exit 0 and a closed port. */
START_TEST(test_cli_usage_and_sigterm)
{
    char *bad_port[] = {"serve", "--port", "http", NULL};
    ck_assert_int_eq(rs_cli_serve(3, bad_port), 2);
    char *unknown[] = {"serve", "--frobnicate", NULL};
    ck_assert_int_eq(rs_cli_serve(2, unknown), 2);
    char *extra[] = {"serve", "stray", NULL};
    ck_assert_int_eq(rs_cli_serve(2, extra), 2);
    char *missing[] = {"serve", "--config", "/nonexistent/recsys.yaml", NULL};
    ck_assert_int_eq(rs_cli_serve(3, missing), 1);

    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd[1], STDERR_FILENO);
        close(fd[0]);
        char *argv[] = {"serve", "--config", g_cfg, "--port", "0", NULL};
        _exit(rs_cli_serve(5, argv));
    }
    close(fd[1]);
    FILE *log = fdopen(fd[0], "r");
    char line[512];
    const char *tag = "recsys: serving on http://127.0.0.1:";
    port = 0;
    while (!port && fgets(line, sizeof line, log))
        if (strncmp(line, tag, strlen(tag)) == 0)
            port = atoi(line + strlen(tag));
    ck_assert_int_gt(port, 0);
    call("GET", "/api/health", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    http_resp_free(&R);
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    int stopped = 0;
    while (fgets(line, sizeof line, log))
        stopped |= strstr(line, "recsys: stopped") != NULL;
    fclose(log);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert(stopped);
    ck_assert_int_ne(http_do(port, "GET", "/api/health", NULL, NULL, NULL, &R), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("server_api");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, server_setup, server_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_register_login_logout);
    tcase_add_test(tc, test_register_errors_change_nothing);
    tcase_add_test(tc, test_login_rate_limited_per_account);
    tcase_add_test(tc, test_delete_account);
    tcase_add_test(tc, test_ratings_flow);
    tcase_add_test(tc, test_rating_errors_change_nothing);
    tcase_add_test(tc, test_recommendations);
    tcase_add_test(tc, test_similar);
    tcase_add_test(tc, test_catalogue);
    tcase_add_test(tc, test_onboarding);
    tcase_add_test(tc, test_posters_health_metrics_static);
    tcase_add_test(tc, test_migrations_idempotent);
    suite_add_tcase(s, tc);
    TCase *own = tcase_create("private_cluster");
    tcase_set_timeout(own, 180);
    tcase_add_test(own, test_private_cluster);
    tcase_add_test(own, test_cli_usage_and_sigterm);
    suite_add_tcase(s, own);
    return s;
}

RS_CHECK_MAIN_WITH(suite, run_setup, run_teardown)
