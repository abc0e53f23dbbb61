/* The cluster's statements in store.c (issue 19's seam), against a private
 * PostgreSQL: model versions numbered per source under the publish lock
 * (a failed fill inserts nothing; concurrent publishers get distinct
 * numbers), the newest per source, the rating feed read through the
 * trigger, and the one trainer lock (exclusive; kept while its session
 * lives, lost with it; released for the next). test_scale covers the same
 * through three real replicas. */
#define _GNU_SOURCE
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_fixture.h"
#include "store.h"

static char g_dir[1024];
static char g_url[1024];
static rs_db *g_db;

static void setup(void)
{
    rs_error err = {0};
    ck_assert_msg(rs_db_open(g_url, 4, &g_db, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_db_migrate(g_db, &err) == RS_OK, "%s", err.message);
}

static void teardown(void)
{
    rs_db_free(g_db);
    g_db = NULL;
}

/* One statement of test setup (tests may hold SQL; the server may not). */
static void sql(const char *text)
{
    rs_error err = {0};
    PGconn *c = rs_db_acquire(g_db, &err);
    ck_assert_ptr_nonnull(c);
    rs_status st = rs_db_exec(c, text, 0, NULL, NULL, &err);
    rs_db_release(g_db, c);
    ck_assert_msg(st == RS_OK, "%s: %s", text, err.message);
}

/* ---- model versions --------------------------------------------------------------- */

typedef struct fill_ctx {
    const char *tag;  /* written into path and checksum */
    int fail;         /* refuse: nothing may be inserted */
    useconds_t sleep; /* hold the publish lock this long */
    int64_t seen;     /* the version the store reserved */
} fill_ctx;

static rs_status fill(void *ctx, rs_model_version *v, rs_error *err)
{
    fill_ctx *f = ctx;
    f->seen = v->version;
    if (f->sleep)
        usleep(f->sleep);
    if (f->fail)
        return rs_error_set(err, RS_ERR_IO, "planted failure");
    snprintf(v->path, sizeof v->path, "/store/%s/%s/%lld", v->source, f->tag,
             (long long)v->version);
    snprintf(v->checksum, sizeof v->checksum, "sum-%s", f->tag);
    return RS_OK;
}

START_TEST(test_versions_numbered_per_source)
{
    rs_error err = {0};
    rs_model_version v, w;
    fill_ctx a = {"a", 0, 0, 0};
    ck_assert_msg(rs_store_model_version_add(g_db, "pop", NULL, "r1", fill, &a, &v, &err) == RS_OK,
                  "%s", err.message);
    ck_assert_int_eq(v.version, 1);
    ck_assert_str_eq(v.source, "pop");
    ck_assert_str_eq(v.path, "/store/pop/a/1");
    ck_assert_str_eq(v.checksum, "sum-a");
    ck_assert_str_eq(v.created_by, "r1");
    /* A fill that fails inserts nothing: the next publisher gets 2 again. */
    fill_ctx bad = {"bad", 1, 0, 0};
    ck_assert_int_eq(rs_store_model_version_add(g_db, "pop", "{}", "r2", fill, &bad, &v, &err),
                     RS_ERR_IO);
    ck_assert_int_eq(bad.seen, 2);
    ck_assert_int_eq(rs_store_model_version_get(g_db, "pop", 2, &w, &err), RS_ERR_NOT_FOUND);
    fill_ctx b = {"b", 0, 0, 0};
    ck_assert_int_eq(rs_store_model_version_add(g_db, "pop", "{\"k\":1}", "r2", fill, &b, &v, &err),
                     RS_OK);
    ck_assert_int_eq(v.version, 2);
    /* Numbering is per source. */
    fill_ctx c = {"c", 0, 0, 0};
    ck_assert_int_eq(rs_store_model_version_add(g_db, "ease", NULL, NULL, fill, &c, &v, &err),
                     RS_OK);
    ck_assert_int_eq(v.version, 1);
    ck_assert_str_eq(v.created_by, "");
    /* Metrics that are no JSON object text are the database's refusal. */
    ck_assert_int_eq(rs_store_model_version_add(g_db, "pop", "not json", "r1", fill, &c, &v, &err),
                     RS_ERR_DATABASE);

    ck_assert_msg(rs_store_model_version_get(g_db, "pop", 1, &w, &err) == RS_OK, "%s", err.message);
    ck_assert_str_eq(w.path, "/store/pop/a/1");
    ck_assert_int_eq(rs_store_model_version_get(g_db, "pop", 3, &w, &err), RS_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "no version 3 of 'pop'"));

    /* The newest of each source, by source name; cap is honoured. */
    rs_model_version rows[4];
    size_t n = 99;
    ck_assert_int_eq(rs_store_model_versions_latest(g_db, rows, 4, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(rows[0].source, "ease");
    ck_assert_int_eq(rows[0].version, 1);
    ck_assert_str_eq(rows[1].source, "pop");
    ck_assert_int_eq(rows[1].version, 2);
    ck_assert_str_eq(rows[1].checksum, "sum-b");
    ck_assert_int_eq(rs_store_model_versions_latest(g_db, rows, 1, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rows[0].source, "ease");
}
END_TEST

typedef struct publisher {
    fill_ctx f;
    rs_model_version v;
    rs_status st;
} publisher;

static void *publish_main(void *arg)
{
    publisher *p = arg;
    rs_error err = {0};
    p->st = rs_store_model_version_add(g_db, "race", NULL, p->f.tag, fill, &p->f, &p->v, &err);
    if (p->st != RS_OK)
        fprintf(stderr, "publisher %s: %s\n", p->f.tag, err.message);
    return NULL;
}

/* Two publishers at once (a retrain and an admin reload): without the
 * lock both would read the same max and one insert would fail. */
START_TEST(test_concurrent_publishers_are_serialised)
{
    publisher p[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].f = (fill_ctx){i % 2 ? "odd" : "even", 0, 200000, 0};
        ck_assert_int_eq(pthread_create(&t[i], NULL, publish_main, &p[i]), 0);
    }
    int got[5] = {0};
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(p[i].st, RS_OK);
        ck_assert(p[i].v.version >= 1 && p[i].v.version <= 4);
        got[p[i].v.version]++;
    }
    for (int v = 1; v <= 4; v++)
        ck_assert_int_eq(got[v], 1);
}
END_TEST

/* ---- the rating feed ---------------------------------------------------------------- */

typedef struct feed {
    int64_t users[16];
    int64_t at[16];
    int n;
} feed;

static rs_status feed_add(void *ctx, int64_t user, int64_t changed_us, rs_error *err)
{
    (void)err;
    feed *f = ctx;
    ck_assert_int_lt(f->n, 16);
    f->users[f->n] = user;
    f->at[f->n++] = changed_us;
    return RS_OK;
}

static rs_status feed_stop(void *ctx, int64_t user, int64_t changed_us, rs_error *err)
{
    (void)ctx;
    (void)user;
    (void)changed_us;
    return rs_error_set(err, RS_ERR_INTERNAL, "stop");
}

START_TEST(test_rating_feed_since)
{
    rs_error err = {0};
    sql("INSERT INTO movies (id, title) VALUES (1, 'One'), (2, 'Two')");
    sql("INSERT INTO users (id, username, password_hash) VALUES (71, 'feed71', 'x'),"
        " (72, 'feed72', 'x')");
    int64_t t0 = 0;
    ck_assert_int_eq(rs_store_clock_us(g_db, &t0, &err), RS_OK);
    ck_assert_int_gt(t0, 1600000000LL * 1000000); /* microseconds, on today's clock */
    sql("INSERT INTO ratings (user_id, movie_id, rating) VALUES (71, 1, 4)");
    int64_t t1 = 0;
    ck_assert_int_eq(rs_store_clock_us(g_db, &t1, &err), RS_OK);
    ck_assert_int_gt(t1, t0);
    /* A delete is a change too (the trigger notes it). */
    sql("INSERT INTO ratings (user_id, movie_id, rating) VALUES (72, 2, 3)");
    sql("DELETE FROM ratings WHERE user_id = 72");

    feed f = {0};
    ck_assert_int_eq(rs_store_rating_changes_since(g_db, t0, feed_add, &f, &err), RS_OK);
    ck_assert_int_eq(f.n, 2);
    int has71 = 0, has72 = 0;
    for (int i = 0; i < f.n; i++) {
        ck_assert(f.at[i] > t0);
        has71 |= f.users[i] == 71 && f.at[i] < t1;
        has72 |= f.users[i] == 72 && f.at[i] > t1;
    }
    ck_assert(has71 && has72);
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rs_store_rating_changes_since(g_db, t1, feed_add, &f, &err), RS_OK);
    ck_assert_int_eq(f.n, 1);
    ck_assert_int_eq(f.users[0], 72);
    /* The callback's failure stops the scan and is returned. */
    ck_assert_int_eq(rs_store_rating_changes_since(g_db, t0, feed_stop, NULL, &err),
                     RS_ERR_INTERNAL);
}
END_TEST

/* ---- the trainer lock ---------------------------------------------------------------- */

START_TEST(test_trainer_lock_is_exclusive)
{
    rs_error err = {0};
    rs_db *other;
    ck_assert_msg(rs_db_open(g_url, 2, &other, &err) == RS_OK, "%s", err.message);
    rs_store_trainer_lock *a = NULL, *b = NULL;
    ck_assert_int_eq(rs_store_trainer_lock_try(g_db, &a, &err), RS_OK);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(rs_store_trainer_lock_keep(&a, &err), RS_OK);
    ck_assert_ptr_nonnull(a);
    /* Another replica (pool) does not get it while a's session holds it. */
    ck_assert_int_eq(rs_store_trainer_lock_try(other, &b, &err), RS_OK);
    ck_assert_ptr_null(b);

    /* a's session dies (an administrator, a failover): the lock goes with
     * it, keep says so, and the other replica takes it. */
    sql("SELECT pg_terminate_backend(pid) FROM pg_locks"
        " WHERE locktype = 'advisory' AND classid = 7307013 AND objid = 1 AND granted"
        " AND pid <> pg_backend_pid()");
    ck_assert_int_ne(rs_store_trainer_lock_keep(&a, &err), RS_OK);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(rs_store_trainer_lock_try(other, &b, &err), RS_OK);
    ck_assert_ptr_nonnull(b);

    /* Released: unlocked before its connection goes back to the pool, so
     * the next taker gets it (and no pooled session keeps it). */
    rs_store_trainer_lock_release(b);
    ck_assert_int_eq(rs_store_trainer_lock_try(g_db, &a, &err), RS_OK);
    ck_assert_ptr_nonnull(a);
    rs_store_trainer_lock_release(a);
    rs_store_trainer_lock_release(NULL);
    rs_db_free(other);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("store_cluster");
    TCase *tc = tcase_create("store_cluster");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_versions_numbered_per_source);
    tcase_add_test(tc, test_concurrent_publishers_are_serialised);
    tcase_add_test(tc, test_rating_feed_since);
    tcase_add_test(tc, test_trainer_lock_is_exclusive);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    unsetenv("RECSYS_PG_CLUSTER");
    snprintf(g_dir, sizeof g_dir, "%s/test-store-cluster", RS_BUILD_DIR);
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
