/* The SDK test host (sdk/src/testhost.c) against the real test plugins: it
 * must serve a plugin exactly as the engine does at the boundary (query
 * filling, output checks, child calls, 1.0 plugins, refcounts), or a
 * plugin that passes its unit tests could still fail under the engine. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recsys/testhost.h"
#include "test_util.h"

/* Four movies, three users (ids 7, 8, 9); user 9 rated three. */
static const rs_item_meta items[4] = {{.movie_id = 1, .title = "A"},
                                      {.movie_id = 2, .title = "B"},
                                      {.movie_id = 3, .title = "C"},
                                      {.movie_id = 4, .title = "D"}};
static const int64_t user_ids[3] = {7, 8, 9};
static const size_t user_ptr[4] = {0, 1, 2, 5};
static const int32_t user_item[5] = {0, 1, 0, 2, 3};
static const float user_rating[5] = {5, 4, 3, 4, 2};
static const int64_t user_time[5] = {1, 2, 3, 4, 5};
static const size_t item_ptr[5] = {0, 2, 3, 4, 5};
static const int32_t item_user[5] = {0, 2, 1, 2, 2};
static const float item_rating[5] = {5, 3, 4, 4, 2};
static const rs_dataset data = {.struct_size = sizeof data,
                                .n_users = 3,
                                .n_items = 4,
                                .n_ratings = 5,
                                .user_ids = user_ids,
                                .items = items,
                                .user_ptr = user_ptr,
                                .user_item = user_item,
                                .user_rating = user_rating,
                                .user_time = user_time,
                                .item_ptr = item_ptr,
                                .item_user = item_user,
                                .item_rating = item_rating,
                                .item_meta_size = sizeof(rs_item_meta)};

#define SO(name) RS_TEST_PLUGIN_DIR "/" name "/libtp_" name ".so"

START_TEST(fills_queries_like_the_engine)
{
    rs_error err = {0};
    rs_testhost *th = rs_testhost_new(&data);
    const char *echo[] = {"misbehave=echo", NULL};
    ck_assert_msg(rs_testhost_add(th, "echo", SO("tp_good"), echo, &err) == RS_OK, "%s",
                  err.message);
    rs_scored out[2];
    size_t n = 0;
    for (int32_t u = 0; u < 3; u++) {
        rs_query q = RS_QUERY(user_ids[u], NULL, 0, NULL, 0);
        ck_assert_int_eq(rs_testhost_recommend(th, "echo", &q, 2, out, NULL, &n, &err), RS_OK);
        ck_assert_int_eq(out[0].item, (int32_t)(user_ptr[u + 1] - user_ptr[u]));
        ck_assert_float_eq(out[0].score, (float)u);
    }
    ck_assert_int_eq(rs_testhost_refs_held(th), 0);
    ck_assert_int_eq(rs_testhost_free(th), 0);
}
END_TEST

START_TEST(checks_outputs_and_child_calls)
{
    static const char *const modes[] = {"overrun", "range", "duplicate", "nan"};
    static const char *const want[] = {"n_out = 3 exceeds k = 2", "item 4 is not in the catalogue",
                                       "returned twice", "is not finite"};
    rs_error err = {0};
    rs_scored out[4];
    size_t n = 0;
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    for (size_t i = 0; i < 4; i++) {
        rs_testhost *th = rs_testhost_new(&data);
        char mode[64];
        snprintf(mode, sizeof mode, "misbehave=%s", modes[i]);
        const char *kid[] = {mode, NULL}, *top[] = {"child=kid", NULL};
        ck_assert_int_eq(rs_testhost_add(th, "kid", SO("tp_good"), kid, &err), RS_OK);
        ck_assert_int_eq(rs_testhost_add(th, "top", SO("tp_good"), top, &err), RS_OK);
        /* Directly, and through a composite's child_recommend. */
        ck_assert_int_eq(rs_testhost_recommend(th, "kid", &q, 2, out, NULL, &n, &err),
                         RS_ERR_FORMAT);
        tu_assert_contains(err.message, "instance 'kid' (plugin tp_good): recommend broke");
        tu_assert_contains(err.message, want[i]);
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(rs_testhost_recommend(th, "top", &q, 2, out, NULL, &n, &err),
                         RS_ERR_FORMAT);
        tu_assert_contains(err.message, want[i]);
        ck_assert_int_eq(rs_testhost_refs_held(th), 0);
        ck_assert_int_eq(rs_testhost_free(th), 0);
    }
}
END_TEST

START_TEST(serves_a_1_0_plugin_and_hot_swaps)
{
    rs_error err = {0};
    rs_testhost *th = rs_testhost_new(&data);
    ck_assert_int_eq(rs_testhost_add(th, "old", SO("tp_v10"), NULL, &err), RS_OK);
    ck_assert_uint_eq(rs_testhost_entry(th, "old")->struct_size, RS_ENTRY_V1_0_SIZE);
    ck_assert(rs_testhost_entry(th, "old")->describe == NULL);
    rs_scored out[4];
    size_t n = 0;
    rs_query q = RS_QUERY(9, NULL, 0, NULL, 0); /* rated A, C, D */
    ck_assert_int_eq(rs_testhost_recommend(th, "old", &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(out[0].item, 1);
    /* Refused like the engine refuses them. */
    ck_assert_int_eq(rs_testhost_add(th, "major", SO("tp_major"), NULL, &err), RS_ERR_ABI);
    ck_assert_int_eq(rs_testhost_add(th, "big", SO("tp_oversized"), NULL, &err), RS_ERR_ABI);
    /* A swap keeps the old version for its reader. */
    const rs_host *h = rs_testhost_table(th, "old");
    rs_instance_ref ref;
    ck_assert_int_eq(h->acquire_instance(h, "old", &ref, &err), RS_OK);
    ck_assert_int_eq(rs_testhost_swap(th, "old", SO("tp_good"), NULL, &err), RS_OK);
    ck_assert_int_eq(h->child_recommend(h, &ref, &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(rs_testhost_free(th), 1); /* refused: a reference is held */
    h->release_instance(h, &ref);
    ck_assert_int_eq(rs_testhost_free(th), 0);
}
END_TEST

/* ---- descriptor defaults -------------------------------------------------- */

static const rs_host *table(rs_testhost *th, const char *name)
{
    const rs_host *h = rs_testhost_table(th, name);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* plugin.yaml beside the library (tests/CMakeLists.txt writes tp_good's):
 * its defaults apply under the given params, an undeclared key is refused
 * as the engine refuses it; without a descriptor nothing is set. */
START_TEST(applies_descriptor_defaults)
{
    rs_error err = {0};
    rs_testhost *th = rs_testhost_new(&data);
    rs_testhost_options beside = {.descriptor = RS_TESTHOST_DESCRIPTOR_BESIDE};
    const char *echo[] = {"misbehave=echo", "ratio=0.25", NULL};
    ck_assert_msg(rs_testhost_add_with(th, "d", SO("tp_good"), NULL, echo, &beside, &err) == RS_OK,
                  "%s", err.message);
    const rs_host *h = table(th, "d");
    int64_t i = -1;
    double f = -1;
    int b = -1;
    const char *str = NULL;
    ck_assert_int_eq(h->param_int(h, "delay_ms", &i), RS_OK);
    ck_assert_int_eq(i, 0);
    ck_assert_int_eq(h->param_bool(h, "on", &b), RS_OK);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(h->param_string(h, "mode", &str), RS_OK);
    ck_assert_str_eq(str, "a");
    ck_assert_int_eq(h->param_float(h, "ratio", &f), RS_OK); /* given beats default */
    ck_assert_double_eq(f, 0.25);
    ck_assert_int_eq(h->param_string(h, "misbehave", &str), RS_OK);
    ck_assert_str_eq(str, "echo");
    /* The plugin sees the given value: it echoes the query. */
    rs_scored out[2];
    size_t n = 0;
    rs_query q = RS_QUERY(9, NULL, 0, NULL, 0);
    ck_assert_int_eq(rs_testhost_recommend(th, "d", &q, 2, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(out[0].item, 3);
    /* Without a descriptor the key is unset (recsys/params.h's default). */
    ck_assert_int_eq(rs_testhost_add(th, "plain", SO("tp_good"), NULL, &err), RS_OK);
    h = table(th, "plain");
    ck_assert_int_eq(h->param_int(h, "delay_ms", &i), RS_ERR_NOT_FOUND);
    /* An undeclared key, named with the file. */
    const char *typo[] = {"dealy_ms=5", NULL};
    ck_assert_int_eq(rs_testhost_add_with(th, "t", SO("tp_good"), NULL, typo, &beside, &err),
                     RS_ERR_CONFIG);
    tu_assert_contains(err.message, "param 'dealy_ms' is not declared in");
    tu_assert_contains(err.message, "tp_good/plugin.yaml");
    ck_assert_ptr_null(rs_testhost_table(th, "t"));
    ck_assert_int_eq(rs_testhost_free(th), 0);
}
END_TEST

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/rs-testhost-yaml-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* A real YAML reader: block style and quoting as the engine reads them,
 * a param without a default stays unset, and a broken file is reported
 * at file:line:column. */
START_TEST(reads_descriptor_yaml_properly)
{
    rs_error err = {0};
    char *good = write_temp("name: tp_good\n"
                            "params:\n"
                            "  delay_ms:\n"
                            "    type: int\n"
                            "    default: 7\n"
                            "  mode: {type: enum, values: [a, b], default: \"b\"}\n"
                            "  child: {type: string}\n");
    char *bad = write_temp("params:\n  delay_ms: {type: int, default: [1\n");
    rs_testhost *th = rs_testhost_new(&data);
    rs_testhost_options opt = {.descriptor = good};
    ck_assert_msg(rs_testhost_add_with(th, "g", SO("tp_good"), NULL, NULL, &opt, &err) == RS_OK,
                  "%s", err.message);
    const rs_host *h = table(th, "g");
    int64_t i = 0;
    const char *str = NULL;
    ck_assert_int_eq(h->param_int(h, "delay_ms", &i), RS_OK);
    ck_assert_int_eq(i, 7);
    ck_assert_int_eq(h->param_string(h, "mode", &str), RS_OK);
    ck_assert_str_eq(str, "b");
    ck_assert_int_eq(h->param_string(h, "child", &str), RS_ERR_NOT_FOUND);
    opt.descriptor = bad;
    ck_assert_int_eq(rs_testhost_add_with(th, "b", SO("tp_good"), NULL, NULL, &opt, &err),
                     RS_ERR_CONFIG);
    tu_assert_contains(err.message, bad);
    tu_assert_contains(err.message, ":3:"); /* the unclosed flow sequence ends there */
    opt.descriptor = "/nonexistent/plugin.yaml";
    ck_assert_int_eq(rs_testhost_add_with(th, "n", SO("tp_good"), NULL, NULL, &opt, &err),
                     RS_ERR_IO);
    tu_assert_contains(err.message, "/nonexistent/plugin.yaml");
    ck_assert_int_eq(rs_testhost_free(th), 0);
    unlink(good);
    unlink(bad);
    free(good);
    free(bad);
}
END_TEST

/* ---- checkpoints, resume, threads, progress -------------------------------- */

/* A plugin linked into the test that counts "epochs" across fits through
 * its checkpoint file, as a trainer that resumes would, and reports what
 * the host offered it. */
typedef struct ck_plugin {
    const rs_host *h;
    long epochs; /* the param */
    long done;   /* epochs trained, across resumes */
    int threads; /* host->threads() at fit */
    int had_dir; /* host->checkpoint_dir() was not NULL */
} ck_plugin;

static rs_status ck_create(const rs_host *h, void **out, rs_error *err)
{
    ck_plugin *p = calloc(1, sizeof *p);
    int64_t e = 0;
    if (!p)
        return rs_error_set(err, RS_ERR_NOMEM, "ck: out of memory");
    p->h = h;
    if (h->param_int(h, "epochs", &e) != RS_OK) {
        free(p);
        return rs_error_set(err, RS_ERR_CONFIG, "ck: epochs unset");
    }
    p->epochs = (long)e;
    *out = p;
    return RS_OK;
}

static void ck_destroy(void *inst) { free(inst); }

static rs_status ck_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    ck_plugin *p = inst;
    const rs_host *h = p->h;
    const char *dir = h->checkpoint_dir(h);
    char path[1024];
    (void)d;
    p->threads = h->threads(h);
    p->had_dir = dir != NULL;
    p->done = 0;
    if (dir) {
        snprintf(path, sizeof path, "%s/ck.txt", dir);
        FILE *f = h->resume(h) ? fopen(path, "r") : NULL;
        if (f) {
            if (fscanf(f, "%ld", &p->done) != 1)
                p->done = -1000;
            fclose(f);
        }
    }
    for (long e = 0; e < p->epochs; e++)
        h->progress(h, "ck", (double)(e + 1), (double)p->epochs, "loss 1");
    p->done += p->epochs;
    if (dir) {
        FILE *f = fopen(path, "w");
        if (!f)
            return rs_error_set(err, RS_ERR_IO, "ck: %s", path);
        fprintf(f, "%ld\n", p->done);
        fclose(f);
    }
    return RS_OK;
}

static const rs_plugin_entry ck_entry = {
    .abi_major = RS_ABI_MAJOR,
    .abi_minor = RS_ABI_MINOR,
    .struct_size = sizeof(rs_plugin_entry),
    .name = "ck",
    .capabilities = RS_CAP_FIT,
    .create = ck_create,
    .destroy = ck_destroy,
    .fit = ck_fit,
};

START_TEST(offers_checkpoints_resume_and_threads)
{
    rs_error err = {0};
    char last[256];
    struct stat st;
    rs_testhost *th = rs_testhost_new(&data);
    const char *three[] = {"epochs=3", NULL};
    /* No checkpointing asked: the host answers NULL, one thread. */
    ck_assert_int_eq(rs_testhost_add_with(th, "plain", NULL, &ck_entry, three, NULL, &err), RS_OK);
    ck_plugin *p = rs_testhost_instance(th, "plain");
    ck_assert_int_eq(p->had_dir, 0);
    ck_assert_int_eq(p->threads, 1);
    ck_assert_uint_eq(rs_testhost_progress(th, last, sizeof last), 3);
    ck_assert_str_eq(last, "ck 3/3 loss 1");
    /* Created without a fit, then fitted with a checkpoint dir. */
    rs_testhost_options opt = {.no_fit = 1, .threads = 4, .checkpoint = 1};
    ck_assert_int_eq(rs_testhost_add_with(th, "run", NULL, &ck_entry, three, &opt, &err), RS_OK);
    p = rs_testhost_instance(th, "run");
    ck_assert_int_eq(p->done, 0);
    ck_assert_int_eq(rs_testhost_fit(th, "run", NULL, &err), RS_OK);
    ck_assert_int_eq(p->had_dir, 1);
    ck_assert_int_eq(p->threads, 4);
    ck_assert_int_eq(p->done, 3);
    const char *ck = rs_testhost_checkpoint_dir(th, "run");
    const char *art = rs_testhost_artifact_dir(th, "run");
    ck_assert_ptr_nonnull(ck);
    ck_assert_ptr_nonnull(art);
    ck_assert_str_ne(ck, art);
    char file[1024];
    snprintf(file, sizeof file, "%s/ck.txt", ck);
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_str_eq(rs_testhost_table(th, "run")->artifact_dir(rs_testhost_table(th, "run")), art);
    /* The directory belongs to the name: a new instance resumes from it,
     * and one without resume starts afresh over it. */
    rs_testhost_remove(th, "run");
    opt = (rs_testhost_options){.checkpoint = 1, .resume = 1};
    ck_assert_int_eq(rs_testhost_add_with(th, "run", NULL, &ck_entry, three, &opt, &err), RS_OK);
    ck_assert_int_eq(((ck_plugin *)rs_testhost_instance(th, "run"))->done, 6);
    ck_assert_str_eq(rs_testhost_checkpoint_dir(th, "run"), ck);
    rs_testhost_remove(th, "run");
    opt.resume = 0;
    ck_assert_int_eq(rs_testhost_add_with(th, "run", NULL, &ck_entry, three, &opt, &err), RS_OK);
    ck_assert_int_eq(((ck_plugin *)rs_testhost_instance(th, "run"))->done, 3);
    /* Another name, another directory. */
    ck_assert_str_ne(rs_testhost_checkpoint_dir(th, "other"), ck);
    /* Freeing the host removes them, files and all. */
    char root[1024];
    snprintf(root, sizeof root, "%s", ck);
    ck_assert_int_eq(rs_testhost_free(th), 0);
    ck_assert_int_ne(stat(file, &st), 0);
    ck_assert_int_ne(stat(root, &st), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("testhost");
    TCase *tc = tcase_create("testhost");
    tcase_add_test(tc, fills_queries_like_the_engine);
    tcase_add_test(tc, checks_outputs_and_child_calls);
    tcase_add_test(tc, serves_a_1_0_plugin_and_hot_swaps);
    tcase_add_test(tc, applies_descriptor_defaults);
    tcase_add_test(tc, reads_descriptor_yaml_properly);
    tcase_add_test(tc, offers_checkpoints_resume_and_threads);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
