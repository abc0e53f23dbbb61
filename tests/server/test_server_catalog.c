/*
 * Integration tests for the catalogue endpoints the web app leans on:
 * title search the way people type titles, the sources' similar default,
 * and adaptive onboarding. A real private PostgreSQL (its own cluster, so
 * this suite runs beside test_server_api) and the real server in-process
 * on a free loopback port, driven over HTTP by libcurl, on MovieLens.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_client.h"
#include "pg_fixture.h"
#include "recsys/server.h"
#include "check_main.h"

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

/* ---- suite fixture (parent process): one PostgreSQL for the run ------- */

static void run_setup(void)
{
    snprintf(g_dir, sizeof g_dir, "%s/test-server-catalog", RS_BUILD_DIR);
    mkdir(g_dir, 0755);
    chmod(g_dir, 0755);
    if (pg_fixture_start(g_dir, g_url, sizeof g_url) != 0)
        exit(1);
    char static_dir[1100], path[1200], text[4096];
    snprintf(static_dir, sizeof static_dir, "%s/static", g_dir);
    mkdir(static_dir, 0755);
    snprintf(path, sizeof path, "%s/index.html", static_dir);
    write_file(path, "<!doctype html><title>recsys</title><div id=root></div>\n");
    /* test_genre answers similar (genre overlap), so onboarding can adapt. */
    snprintf(text, sizeof text,
             "data:\n  dir: %s/ml-latest-small\n"
             "work_dir: %s/work\n"
             "prepare: {cf_min_item_ratings: 10, cf_min_user_ratings: 5}\n"
             "plugins:\n  path: [%s]\n"
             "instances:\n"
             "  - {name: popularity, plugin: popularity}\n"
             "  - {name: genre, plugin: test_genre}\n"
             "serving: {default_source: popularity, cold_start: popularity}\n"
             "server:\n  port: 0\n  threads: 4\n"
             "  static_dir: %s\n"
             "  password_memlimit_kib: 8192\n"
             "database:\n  pool_size: 4\n",
             shared_data(), g_dir, RS_PLUGIN_BUILD_DIR, static_dir);
    snprintf(g_cfg, sizeof g_cfg, "%s/server.yaml", g_dir);
    write_file(g_cfg, text);
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

static void expect_error(long status, const char *code) { http_expect_error(&R, status, code); }

static void new_user(char *cookie)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"c%d_%d\",\"password\":\"correct horse\"}",
             (int)getpid(), ++user_seq);
    call("POST", "/api/register", body, NULL);
    ck_assert_msg(R.status == 201, "register: %ld %s", R.status, R.body);
    strcpy(cookie, R.cookie);
}

static json_t *J(const char *key) { return json_object_get(R.json, key); }

static const char *title_at(size_t i)
{
    return json_string_value(json_object_get(json_array_get(J("movies"), i), "title"));
}

/* ---- search ------------------------------------------------------------ */

START_TEST(test_search_finds_titles_as_people_type_them)
{
    /* MovieLens stores "Matrix, The (1999)"; the catalogue keeps that form
     * (without the year), and every way of typing it finds it first. */
    static const char *const matrix[] = {"the%20matrix", "The%20Matrix", "matrix", "Matrix,%20The",
                                         "matrix,%20the"};
    for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/movies?query=%s&page_size=5", matrix[i]);
        call("GET", path, NULL, NULL);
        ck_assert_int_eq(R.status, 200);
        ck_assert_msg(json_array_size(J("movies")) > 0, "%s found nothing", matrix[i]);
        ck_assert_msg(strcmp(title_at(0), "Matrix, The") == 0, "%s: first hit '%s'", matrix[i],
                      title_at(0));
    }
    /* The sequels match too ("Matrix Reloaded, The" contains "matrix"). */
    call("GET", "/api/movies?query=the%20matrix", NULL, NULL);
    ck_assert_int_ge(json_integer_value(J("total")), 3);

    call("GET", "/api/movies?query=the%20lion%20king", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_gt(json_array_size(J("movies")), 0);
    ck_assert_str_eq(title_at(0), "Lion King, The");
    /* A French article, with its apostrophe. */
    call("GET", "/api/movies?query=l'atalante", NULL, NULL);
    ck_assert_int_gt(json_array_size(J("movies")), 0);
    ck_assert_str_eq(title_at(0), "Atalante, L'");
    /* An article alone, or a title that merely starts with "A", still
     * matches as typed. */
    call("GET", "/api/movies?query=a%20bug's%20life", NULL, NULL);
    ck_assert_int_gt(json_array_size(J("movies")), 0);
    ck_assert_str_eq(title_at(0), "Bug's Life, A");
    call("GET", "/api/movies?query=the", NULL, NULL);
    ck_assert_int_gt(json_integer_value(J("total")), 1000);
    /* Paging past the end keeps counting both forms. */
    call("GET", "/api/movies?query=the%20matrix&page=50&page_size=10", NULL, NULL);
    ck_assert_int_eq(json_array_size(J("movies")), 0);
    ck_assert_int_ge(json_integer_value(J("total")), 3);
}
END_TEST

START_TEST(test_generated_posters_show_natural_titles)
{
    call("GET", "/api/posters/2571", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_ptr_nonnull(strstr(R.body, "aria-label=\"The Matrix\""));
    ck_assert_ptr_null(strstr(R.body, "Matrix, The"));
    call("GET", "/api/posters/8195", NULL, NULL); /* Avventura, L' (Adventure, The) */
    ck_assert_ptr_nonnull(strstr(R.body, "aria-label=\"L'Avventura (Adventure, The)\""));
    call("GET", "/api/posters/1", NULL, NULL);
    ck_assert_ptr_nonnull(strstr(R.body, "aria-label=\"Toy Story\""));
}
END_TEST

START_TEST(test_search_too_long_is_a_clear_400)
{
    char path[3200] = "/api/movies?query=";
    size_t n = strlen(path);
    memset(path + n, 'a', 3000);
    path[n + 3000] = '\0';
    call("GET", path, NULL, NULL);
    expect_error(400, "bad_request");
    ck_assert_ptr_nonnull(strstr(json_string_value(J("message")), "too long"));
}
END_TEST

START_TEST(test_browse_sort_orders)
{
    /* year: newest first */
    call("GET", "/api/movies?genre=Animation&sort=year&page_size=50", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    json_t *ms = J("movies");
    ck_assert_int_eq(json_array_size(ms), 50);
    for (size_t i = 1; i < json_array_size(ms); i++)
        ck_assert_int_ge(json_integer_value(json_object_get(json_array_get(ms, i - 1), "year")),
                         json_integer_value(json_object_get(json_array_get(ms, i), "year")));
    /* rating: damped mean (sum + 35) / (n + 10), best first */
    call("GET", "/api/movies?sort=rating&page_size=30", NULL, NULL);
    ms = J("movies");
    double prev = 1e9;
    for (size_t i = 0; i < json_array_size(ms); i++) {
        json_t *m = json_array_get(ms, i);
        double n = (double)json_integer_value(json_object_get(m, "n_ratings"));
        double mean = json_real_value(json_object_get(m, "mean_rating"));
        double damped = (mean * n + 35.0) / (n + 10.0);
        ck_assert_msg(damped <= prev + 1e-6, "rating order broken at %zu", i);
        prev = damped;
        ck_assert_int_ge(n, 10); /* one 5-star rating does not top the list */
    }
    /* title: MovieLens's form, so "Matrix, The" files under M */
    call("GET", "/api/movies?query=matrix&sort=title", NULL, NULL);
    ms = J("movies");
    ck_assert_str_eq(title_at(0), "Matrix, The"); /* exact match still first */
    call("GET", "/api/movies?genre=Animation&sort=title&page_size=60", NULL, NULL);
    ms = J("movies");
    char last = 0;
    for (size_t i = 0; i < json_array_size(ms); i++) {
        char c = (char)tolower((unsigned char)title_at(i)[0]);
        if (!isalpha((unsigned char)c))
            continue;
        ck_assert_msg(c >= last, "'%s' after a title starting with '%c'", title_at(i), last);
        last = c;
    }
    /* the default is popularity: most rated first */
    call("GET", "/api/movies?page_size=5", NULL, NULL);
    json_t *pop = json_incref(J("movies"));
    call("GET", "/api/movies?page_size=5&sort=popularity", NULL, NULL);
    ck_assert(json_equal(pop, J("movies")));
    json_decref(pop);
    call("GET", "/api/movies?sort=random", NULL, NULL);
    expect_error(400, "bad_request");
}
END_TEST

/* ---- sources ----------------------------------------------------------- */

START_TEST(test_sources_name_the_similar_default)
{
    call("GET", "/api/sources", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    /* popularity cannot answer similar; test_genre can. */
    ck_assert_str_eq(json_string_value(J("default_similar")), "genre");
    call("GET", "/api/movies/1/similar?k=3", NULL, NULL);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("source")), "genre");
}
END_TEST

/* ---- onboarding -------------------------------------------------------- */

static int has_genre(json_t *movie, const char *genre)
{
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(movie, "genres"), i,
                       g) if (strcmp(json_string_value(g), genre) == 0) return 1;
    return 0;
}

static size_t count_genre(json_t *items, const char *genre)
{
    size_t i, n = 0;
    json_t *m;
    json_array_foreach(items, i, m) n += (size_t)has_genre(m, genre);
    return n;
}

START_TEST(test_onboarding_adapts_to_likes_and_never_repeats)
{
    char cookie[128];
    new_user(cookie);
    call("GET", "/api/onboarding?n=12", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_array_size(J("items")), 12);
    size_t cold_animation = count_genre(J("items"), "Animation");
    size_t i;
    json_t *m;
    /* Nothing liked yet: no pick has a reason. */
    json_array_foreach(J("items"), i, m) ck_assert(json_is_null(json_object_get(m, "because")));

    /* Someone who loves animated films: Toy Story (1) and Finding Nemo (6377). */
    call("PUT", "/api/ratings/1", "{\"rating\":5}", cookie);
    ck_assert_int_eq(R.status, 200);
    call("PUT", "/api/ratings/6377", "{\"rating\":4.5}", cookie);
    ck_assert_int_eq(R.status, 200);
    call("GET", "/api/onboarding?n=12", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    json_t *page1 = json_incref(J("items"));
    ck_assert_int_eq(json_array_size(page1), 12);
    size_t because = 0;
    json_array_foreach(page1, i, m)
    {
        long long id = json_integer_value(json_object_get(m, "id"));
        ck_assert(id != 1 && id != 6377); /* rated films never come back */
        ck_assert_int_ge(json_integer_value(json_object_get(m, "n_ratings")), 10);
        json_t *b = json_object_get(m, "because");
        if (json_is_null(b))
            continue;
        because++;
        long long from = json_integer_value(json_object_get(b, "id"));
        ck_assert(from == 1 || from == 6377);
        ck_assert(json_string_value(json_object_get(b, "title"))[0]);
        /* test_genre's neighbours share genres with the liked film. */
        ck_assert(has_genre(m, "Animation") || has_genre(m, "Children"));
    }
    /* Half the page follows the likes, the rest keeps spreading. */
    ck_assert_int_ge(because, 5);
    ck_assert_int_lt(because, 12);
    ck_assert_int_gt(count_genre(page1, "Animation"), cold_animation);

    /* "Show other movies": what the page showed is excluded. */
    char path[1024] = "/api/onboarding?n=12&exclude=";
    json_array_foreach(page1, i, m)
    {
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "%s%lld", i ? "," : "",
                 (long long)json_integer_value(json_object_get(m, "id")));
    }
    call("GET", path, NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_array_size(J("items")), 12);
    size_t k;
    json_t *m2;
    json_array_foreach(J("items"), k, m2)
    {
        json_array_foreach(page1, i, m)
            ck_assert_int_ne(json_integer_value(json_object_get(m, "id")),
                             json_integer_value(json_object_get(m2, "id")));
    }
    json_decref(page1);

    call("GET", "/api/onboarding?exclude=1,x", NULL, cookie);
    expect_error(400, "bad_request");
    call("GET", "/api/onboarding?exclude=1,,2", NULL, cookie);
    expect_error(400, "bad_request");
}
END_TEST

/* ---- lists: watchlist and "not interested" ----------------------------- */

static long long first_id(const char *key)
{
    json_t *a = J(key);
    json_t *x = json_array_get(a, 0);
    json_t *m = json_object_get(x, "movie");
    return json_integer_value(json_object_get(m ? m : x, "id"));
}

static int recs_contain(const char *cookie, long long id, size_t *n)
{
    call("GET", "/api/recommendations?k=20", NULL, cookie);
    ck_assert_msg(R.status == 200, "recommendations: %ld %s", R.status, R.body);
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(J("items"), i, it)
        found |= json_integer_value(json_object_get(json_object_get(it, "movie"), "id")) == id;
    *n = json_array_size(J("items"));
    return found;
}

START_TEST(test_watchlist)
{
    char cookie[128];
    new_user(cookie);
    call("PUT", "/api/watchlist/1", NULL, NULL);
    expect_error(401, "unauthorized");
    call("PUT", "/api/watchlist/2571", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("list")), "watchlist");
    char first[64];
    snprintf(first, sizeof first, "%s", json_string_value(J("added_at")));
    call("PUT", "/api/watchlist/1", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    call("PUT", "/api/watchlist/2571", NULL, cookie); /* idempotent */
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("added_at")), first);
    call("PUT", "/api/watchlist/999999999", NULL, cookie);
    expect_error(404, "not_found");

    call("GET", "/api/watchlist", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(J("total")), 2);
    ck_assert_int_eq(first_id("items"), 1); /* newest first */
    call("GET", "/api/me/marks", NULL, cookie);
    ck_assert_int_eq(json_array_size(J("watchlist")), 2);
    ck_assert_int_eq(json_array_size(J("hidden")), 0);

    call("DELETE", "/api/watchlist/1", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    call("DELETE", "/api/watchlist/1", NULL, cookie); /* already gone: still 204 */
    ck_assert_int_eq(R.status, 204);
    call("GET", "/api/watchlist?page_size=1", NULL, cookie);
    ck_assert_int_eq(json_integer_value(J("total")), 1);
    ck_assert_int_eq(first_id("items"), 2571);
    /* Another user's list is their own. */
    char other[128];
    new_user(other);
    call("GET", "/api/watchlist", NULL, other);
    ck_assert_int_eq(json_integer_value(J("total")), 0);
}
END_TEST

START_TEST(test_not_interested_leaves_lists_and_is_undoable)
{
    char cookie[128];
    new_user(cookie);
    call("PUT", "/api/ratings/1", "{\"rating\":4}", cookie);
    ck_assert_int_eq(R.status, 200);
    size_t n;
    call("GET", "/api/recommendations?k=20", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    long long top = first_id("items");
    ck_assert(recs_contain(cookie, top, &n));
    ck_assert_int_eq(n, 20);

    call("PUT", "/api/hidden/999999999", NULL, cookie);
    expect_error(404, "not_found");
    char path[64];
    snprintf(path, sizeof path, "/api/hidden/%lld", top);
    call("PUT", path, NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("list")), "hidden");
    /* Gone from recommendations at once, and the list is still full. */
    ck_assert(!recs_contain(cookie, top, &n));
    ck_assert_int_eq(n, 20);
    /* Onboarding never offers it either. */
    for (int page = 0; page < 3; page++) {
        call("GET", "/api/onboarding?n=50", NULL, cookie);
        size_t i;
        json_t *m;
        json_array_foreach(J("items"), i, m)
            ck_assert_int_ne(json_integer_value(json_object_get(m, "id")), top);
    }
    /* Stored in PostgreSQL: the marks and the list page show it. */
    call("GET", "/api/me/marks", NULL, cookie);
    ck_assert_int_eq(R.status, 200);
    ck_assert_int_eq(json_integer_value(json_array_get(J("hidden"), 0)), top);
    ck_assert(json_real_value(json_object_get(J("ratings"), "1")) == 4.0);
    call("GET", "/api/hidden", NULL, cookie);
    ck_assert_int_eq(json_integer_value(J("total")), 1);
    ck_assert_int_eq(first_id("items"), top);

    /* Undo. */
    call("DELETE", path, NULL, cookie);
    ck_assert_int_eq(R.status, 204);
    call("GET", "/api/hidden", NULL, cookie);
    ck_assert_int_eq(json_integer_value(J("total")), 0);
    /* A mark is a negative rating for the models: a user whose only signal
     * is one "Not interested" is no longer cold (served by the source
     * asked for, not the popularity fallback). */
    char fresh[128];
    new_user(fresh);
    call("GET", "/api/recommendations?k=5&source=genre", NULL, fresh);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("source")), "popularity");
    call("PUT", "/api/hidden/1", NULL, fresh);
    ck_assert_int_eq(R.status, 200);
    call("GET", "/api/recommendations?k=5&source=genre", NULL, fresh);
    ck_assert_int_eq(R.status, 200);
    ck_assert_str_eq(json_string_value(J("source")), "genre");
    ck_assert(!recs_contain(fresh, 1, &n));
    /* Deleting the account deletes its lists. */
    call("PUT", path, NULL, cookie);
    call("DELETE", "/api/me", NULL, cookie);
    ck_assert_int_eq(R.status, 204);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("server_catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_checked_fixture(tc, server_setup, server_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_search_finds_titles_as_people_type_them);
    tcase_add_test(tc, test_search_too_long_is_a_clear_400);
    tcase_add_test(tc, test_generated_posters_show_natural_titles);
    tcase_add_test(tc, test_browse_sort_orders);
    tcase_add_test(tc, test_sources_name_the_similar_default);
    tcase_add_test(tc, test_onboarding_adapts_to_likes_and_never_repeats);
    tcase_add_test(tc, test_watchlist);
    tcase_add_test(tc, test_not_interested_leaves_lists_and_is_undoable);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN_WITH(suite, run_setup, run_teardown)
