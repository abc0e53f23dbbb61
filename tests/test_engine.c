/* Engine: training, artifacts, capability errors, and hot swaps that never
 * disturb readers. */
#include <pthread.h>

#include "host_fixture.h"

/* (Re)write the config with the "good" instance's params and open it, in
 * the fixture's current directory (artifacts stay). */
static void config_good(hf *f, const char *params)
{
    char inst[512];
    rs_error err = {0};
    snprintf(inst, sizeof inst,
             "  - name: good\n    plugin: tp_good\n    params: {%s}\n"
             "  - {name: popularity, plugin: popularity}\n",
             params);
    hf_write_config(f, inst, NULL);
    ck_assert_msg(hf_open(f, &err) == RS_OK, "%s", err.message);
}

static void open_good(hf *f, const char *params)
{
    hf_setup(f);
    config_good(f, params);
}

static void expect_good_list(rs_engine *e)
{
    rs_rating r[] = {{0, 4.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 1, NULL, 0);
    rs_scored out[3];
    size_t n;
    rs_error err = {0};
    ck_assert_int_eq(rs_engine_recommend(e, "good", &q, 3, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(out[0].item, 1); /* item 0 is rated */
    ck_assert_int_eq(out[2].item, 3);
}

START_TEST(train_save_load)
{
    hf f;
    rs_error err = {0};
    char p[4400];
    open_good(&f, "");
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 0);
    ck_assert_msg(rs_engine_load_or_train(f.engine, 0, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 1);
    snprintf(p, sizeof p, "%s/MANIFEST", rs_engine_artifact_dir(f.engine, "good"));
    ck_assert_int_eq(access(p, R_OK), 0);
    expect_good_list(f.engine);
    hf_close_engine(&f);
    /* A second start loads the artifacts instead of training. */
    ck_assert_int_eq(hf_open(&f, &err), RS_OK);
    ck_assert_msg(rs_engine_load_or_train(f.engine, 0, &err) == RS_OK, "%s", err.message);
    expect_good_list(f.engine);
    hf_teardown(&f);
}
END_TEST

/* The MANIFEST line `key: ...` of the "good" artifacts (empty if none). */
static void manifest_line(hf *f, const char *key, char *out, size_t cap)
{
    char p[4400], line[1024];
    size_t n = strlen(key);
    snprintf(p, sizeof p, "%s/MANIFEST", rs_engine_artifact_dir(f->engine, "good"));
    FILE *m = fopen(p, "r");
    ck_assert_ptr_nonnull(m);
    out[0] = '\0';
    while (fgets(line, sizeof line, m))
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, cap, "%s", line + n + 2);
        }
    fclose(m);
}

/* Artifacts know what made them: params and data are in the MANIFEST; a
 * start-up with other params or other data retrains (never serves the old
 * model), and a hot reload of artifacts made with other params is refused
 * naming the param. */
START_TEST(stale_artifacts_are_not_served)
{
    hf f;
    rs_error err = {0};
    char v[512], data1[512], data2[512];
    open_good(&f, "delay_ms: 1");
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    manifest_line(&f, "param.delay_ms", v, sizeof v);
    ck_assert_str_eq(v, "1");
    manifest_line(&f, "param.ratio", v, sizeof v);
    ck_assert_str_eq(v, "0.5"); /* defaults are recorded too */
    manifest_line(&f, "data", data1, sizeof data1);
    tu_assert_contains(data1, "4 users, 4 items, 8 ratings");
    /* Same config and data: loaded, not retrained (the MANIFEST is kept). */
    manifest_line(&f, "saved_at", v, sizeof v);
    char p[4400];
    snprintf(p, sizeof p, "%s/MANIFEST", rs_engine_artifact_dir(f.engine, "good"));
    FILE *m = fopen(p, "a");
    fputs("marker: kept\n", m);
    fclose(m);
    hf_close_engine(&f);
    ck_assert_int_eq(hf_open(&f, &err), RS_OK);
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    manifest_line(&f, "marker", v, sizeof v);
    ck_assert_str_eq(v, "kept");
    /* The artifacts on disk (delay_ms 1) against a config with delay_ms 2:
     * a hot reload refuses them naming the param... */
    hf_close_engine(&f);
    config_good(&f, "delay_ms: 2");
    ck_assert_int_eq(rs_engine_reload(f.engine, "good", NULL, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "param delay_ms = 1 in ");
    tu_assert_contains(err.message, "2 in the config");
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 0);
    /* ...and start-up retrains and records the new value. */
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    manifest_line(&f, "param.delay_ms", v, sizeof v);
    ck_assert_str_eq(v, "2");
    manifest_line(&f, "marker", v, sizeof v);
    ck_assert_str_eq(v, "");
    /* Other data (one rating changed): start-up retrains. */
    hf_close_engine(&f);
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/data", f.dir);
    tu_write(dir, "ratings.csv",
             "userId,movieId,rating,timestamp\n1,1,5.0,1\n1,2,3.0,1\n2,1,4.0,1\n"
             "2,3,5.0,1\n3,1,2.0,1\n3,3,4.0,1\n3,4,5.0,1\n4,2,1.5,1\n");
    ck_assert_int_eq(hf_open(&f, &err), RS_OK);
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    manifest_line(&f, "data", data2, sizeof data2);
    ck_assert_str_ne(data1, data2);
    tu_assert_contains(data2, "4 users, 4 items, 8 ratings");
    hf_teardown(&f);
}
END_TEST

START_TEST(capability_and_name_errors)
{
    hf f;
    rs_error err = {0};
    rs_scored out[2];
    size_t n;
    open_good(&f, "");
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    ck_assert_int_eq(rs_engine_similar(f.engine, "good", 0, 2, out, &n, &err), RS_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.message, "instance 'good' (plugin tp_good) does not support similar");
    ck_assert_int_eq(rs_engine_similar(f.engine, "good", 99, 2, out, &n, &err), RS_ERR_NOT_FOUND);
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "nope", &q, 2, out, NULL, &n, &err),
                     RS_ERR_NOT_FOUND);
    ck_assert_str_eq(err.message, "no instance named 'nope' (configured: good, popularity)");
    hf_teardown(&f);
}
END_TEST

static void corrupt(hf *f)
{
    tu_write(rs_engine_artifact_dir(f->engine, "good"), "model.txt", "corrupt\n");
}

START_TEST(reload_swaps_and_rejects_corrupt)
{
    hf f;
    rs_error err = {0};
    rs_instance_ref ref;
    open_good(&f, "");
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    ck_assert_int_eq(rs_engine_acquire(f.engine, "good", &ref, &err), RS_OK);
    ck_assert_msg(rs_engine_reload(f.engine, "good", NULL, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 2);
    /* The old version stays alive for its reader. */
    rs_scored out[2];
    size_t n;
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(ref.entry->recommend(ref.instance, &q, 2, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(n, 2);
    rs_engine_release(f.engine, &ref);
    corrupt(&f);
    ck_assert_int_eq(rs_engine_reload(f.engine, "good", NULL, &err), RS_ERR_FORMAT);
    tu_assert_contains(err.message, "instance 'good' (plugin tp_good): load failed:");
    tu_assert_contains(err.message, "corrupt test model");
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 2);
    expect_good_list(f.engine);
    hf_teardown(&f);
}
END_TEST

/* A candidate serves nobody until it is published: fitted, judged in
 * memory, saved to a version dir, published; the defaults get the version
 * by install (a copy, no plugin call); a corrupt or foreign candidate
 * changes nothing. */
START_TEST(candidates_save_publish_install)
{
    hf f;
    rs_error err = {0};
    rs_candidate *c = NULL;
    int64_t v = 0;
    char dir[4400], p[4500];
    open_good(&f, "");
    ck_assert_msg(rs_engine_fit_candidate(f.engine, "good", NULL, &c, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_str_eq(rs_candidate_name(c), "good");
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 0);
    rs_rating r[] = {{0, 4.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 1, NULL, 0);
    rs_scored out[3];
    size_t n = 0;
    ck_assert_int_eq(rs_candidate_recommend(c, &q, 3, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(out[0].item, 1); /* the list it will serve */
    int32_t items[] = {1, 3};
    float sc[2];
    ck_assert_int_eq(rs_candidate_score(c, &q, items, 2, sc, &err), RS_OK);
    ck_assert(sc[0] > sc[1]);
    /* Saved before it serves: the MANIFEST is there, the staging dir gone. */
    snprintf(dir, sizeof dir, "%s/versions/good/1", f.dir);
    ck_assert_msg(rs_candidate_save(c, dir, &err) == RS_OK, "%s", err.message);
    snprintf(p, sizeof p, "%s/MANIFEST", dir);
    ck_assert_int_eq(access(p, R_OK), 0);
    snprintf(p, sizeof p, "%s.new", dir);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 0);
    ck_assert_int_eq(rs_engine_publish(f.engine, c, &v, &err), RS_OK);
    ck_assert_int_eq(v, 1);
    expect_good_list(f.engine);
    /* Nothing was saved to the defaults; installing the version fills them
     * (sub-directories included: a plugin may lay its files out so). */
    ck_assert_int_eq(rs_engine_load(f.engine, "good", &err), RS_ERR_NOT_FOUND);
    snprintf(p, sizeof p, "%s/extra", dir);
    ck_assert_int_eq(rs_mkdir_p(p), 0);
    tu_write(p, "x.txt", "nested\n");
    ck_assert_msg(rs_engine_install_artifacts(f.engine, "good", dir, &err) == RS_OK, "%s",
                  err.message);
    snprintf(p, sizeof p, "%s/extra/x.txt", rs_engine_artifact_dir(f.engine, "good"));
    ck_assert_int_eq(access(p, R_OK), 0);
    ck_assert_msg(rs_engine_load_candidate(f.engine, "good", NULL, &c, &err) == RS_OK, "%s",
                  err.message);
    rs_candidate_free(c); /* dropping a candidate leaves the serving version alone */
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 1);
    expect_good_list(f.engine);
    /* A corrupt version is not loaded; a dir without a MANIFEST is not
     * installed, and the defaults still load. */
    tu_write(dir, "model.txt", "corrupt\n");
    ck_assert_int_eq(rs_engine_load_candidate(f.engine, "good", dir, &c, &err), RS_ERR_FORMAT);
    ck_assert_ptr_null(c);
    snprintf(p, sizeof p, "%s/empty", f.dir);
    ck_assert_int_eq(rs_mkdir_p(p), 0);
    ck_assert_int_eq(rs_engine_install_artifacts(f.engine, "good", p, &err), RS_ERR_NOT_FOUND);
    ck_assert_msg(rs_engine_reload(f.engine, "good", NULL, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 2);
    /* A candidate of another engine is refused (and freed). */
    rs_engine *other = NULL;
    ck_assert_int_eq(rs_engine_new(f.cfg, rs_engine_dataset(f.engine), &other, &err), RS_OK);
    ck_assert_int_eq(rs_engine_fit_candidate(other, "good", NULL, &c, &err), RS_OK);
    ck_assert_int_eq(rs_engine_publish(f.engine, c, NULL, &err), RS_ERR_INVALID);
    tu_assert_contains(err.message, "belongs to another engine");
    rs_engine_free(other);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 2);
    hf_teardown(&f);
}
END_TEST

typedef struct hammer {
    rs_engine *e;
    int stop;
    long ok, bad;
} hammer;

static void *hammer_run(void *arg)
{
    hammer *h = arg;
    rs_rating r[] = {{0, 4.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 1, NULL, 0);
    while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
        rs_scored out[3];
        size_t n;
        rs_error err = {0};
        rs_status st = rs_engine_recommend(h->e, "good", &q, 3, out, NULL, &n, &err);
        if (st == RS_OK && n == 3 && out[0].item == 1 && out[2].item == 3)
            __atomic_add_fetch(&h->ok, 1, __ATOMIC_RELAXED);
        else
            __atomic_add_fetch(&h->bad, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

START_TEST(swaps_under_load)
{
    hf f;
    rs_error err = {0};
    open_good(&f, "delay_ms: 1");
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 0, &err), RS_OK);
    char good_model[4400], tmp[4400];
    snprintf(good_model, sizeof good_model, "%s", rs_engine_artifact_dir(f.engine, "good"));
    snprintf(tmp, sizeof tmp, "%s/corrupt", f.dir);
    ck_assert_int_eq(rs_mkdir_p(tmp), 0);
    tu_write(tmp, "model.txt", "corrupt\n");
    tu_write(tmp, "MANIFEST", "plugin: tp_good\n");
    hammer h = {f.engine, 0, 0, 0};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer_run, &h);
    int good = 0, refused = 0;
    for (int i = 0; i < 40; i++) {
        if (i % 2 == 0)
            good += rs_engine_reload(f.engine, "good", NULL, &err) == RS_OK;
        else
            refused += rs_engine_reload(f.engine, "good", tmp, &err) != RS_OK;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    __atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(good, 20);
    ck_assert_int_eq(refused, 20);
    ck_assert_int_eq(h.bad, 0);
    ck_assert_int_gt(h.ok, 40);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "good"), 21);
    hf_teardown(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, train_save_load);
    tcase_add_test(tc, stale_artifacts_are_not_served);
    tcase_add_test(tc, capability_and_name_errors);
    tcase_add_test(tc, reload_swaps_and_rejects_corrupt);
    tcase_add_test(tc, candidates_save_publish_install);
    tcase_add_test(tc, swaps_under_load);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
