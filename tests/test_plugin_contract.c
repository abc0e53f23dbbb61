/* ABI 1.1 at the plugin boundary, through the real engine: a 1.0 plugin
 * still loads and serves; the engine fills every query (dense user index,
 * a known user's ratings) and checks every output, the plugins' own and a
 * composite's children's; `instance` params order the instances and a
 * missing one or a cycle is a config error; describe; a descriptor's
 * capabilities let `recsys plugins` describe a plugin without loading it. */
#include "host_fixture.h"

static void open_cfg(hf *f, const char *instances)
{
    rs_error err = {0};
    hf_setup(f);
    hf_write_config(f, instances, NULL);
    ck_assert_msg(hf_open(f, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_load_or_train(f->engine, 1, &err) == RS_OK, "%s", err.message);
}

START_TEST(plugin_built_for_1_0_loads_and_serves)
{
    hf f;
    rs_error err = {0};
    rs_scored out[4];
    size_t n = 0;
    char buf[64];
    open_cfg(&f, "  - {name: old, plugin: tp_v10}\n");
    const rs_plugin_entry *e = rs_engine_instance_entry(f.engine, "old");
    ck_assert_uint_eq(e->abi_minor, 0);
    ck_assert_uint_eq(e->struct_size, RS_ENTRY_V1_0_SIZE);
    ck_assert(e->describe == NULL); /* beyond its entry: read as NULL */
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "old", &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(out[0].item, 0);
    ck_assert_int_eq(rs_engine_describe_instance(f.engine, "old", buf, sizeof buf, &err),
                     RS_ERR_UNSUPPORTED);
    tu_assert_contains(err.message, "does not describe itself");
    hf_teardown(&f);
}
END_TEST

/* The echo plugin returns (n_ratings it saw, user_index it saw). */
START_TEST(engine_fills_user_index_and_ratings)
{
    hf f;
    rs_error err = {0};
    rs_scored out[2];
    size_t n = 0;
    open_cfg(&f, "  - {name: echo, plugin: tp_good, params: {misbehave: echo}}\n");
    const rs_dataset *d = rs_engine_dataset(f.engine);
    for (int32_t u = 0; u < d->n_users; u++) {
        rs_query q = RS_QUERY(d->user_ids[u], NULL, 0, NULL, 0);
        ck_assert_int_eq(rs_engine_recommend(f.engine, "echo", &q, 2, out, NULL, &n, &err), RS_OK);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(out[0].item, (int32_t)(d->user_ptr[u + 1] - d->user_ptr[u]));
        ck_assert_float_eq(out[0].score, (float)u);
    }
    /* Outside the data: index -1, and the caller's ratings are kept. */
    rs_rating one = {1, 4.0f, 0};
    rs_query q = RS_QUERY(999, &one, 1, NULL, 0);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "echo", &q, 2, out, NULL, &n, &err), RS_OK);
    ck_assert_int_eq(out[0].item, 1);
    ck_assert_float_eq(out[0].score, -1.0f);
    hf_teardown(&f);
}
END_TEST

static void expect_broken(const char *mode, int score, const char *field)
{
    hf f;
    rs_error err = {0};
    rs_scored out[8];
    float sc[4];
    int32_t items[4] = {0, 1, 2, 3};
    size_t n = 99;
    char inst[256];
    snprintf(inst, sizeof inst, "  - {name: bad, plugin: tp_good, params: {misbehave: %s}}\n",
             mode);
    open_cfg(&f, inst);
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    rs_status st = score ? rs_engine_score(f.engine, "bad", &q, items, 4, sc, &err)
                         : rs_engine_recommend(f.engine, "bad", &q, 3, out, NULL, &n, &err);
    ck_assert_int_eq(st, RS_ERR_FORMAT);
    tu_assert_contains(err.message, "instance 'bad' (plugin tp_good)");
    tu_assert_contains(err.message, "broke its contract");
    tu_assert_contains(err.message, field);
    if (!score)
        ck_assert_uint_eq(n, 0);
    hf_teardown(&f);
}

START_TEST(engine_checks_every_output)
{
    expect_broken("overrun", 0, "n_out = 4 exceeds k = 3");
    expect_broken("range", 0, "rank 0: item 4 is not in the catalogue [0, 4)");
    expect_broken("duplicate", 0, "rank 1: item 0 returned twice");
    expect_broken("nan", 0, "rank 0: score of item 0 is not finite (nan)");
    expect_broken("inf_score", 1, "scores[3] = inf is infinite");
}
END_TEST

/* A composite listed before its child is created after it, serves through
 * host->child_recommend, and a child breaking the contract is caught there,
 * named as itself. */
START_TEST(instance_params_order_and_child_calls)
{
    hf f;
    rs_error err = {0};
    rs_scored out[4];
    size_t n = 0;
    open_cfg(&f, "  - {name: top, plugin: tp_good, params: {child: kid}}\n"
                 "  - {name: kid, plugin: tp_good}\n");
    ck_assert_str_eq(rs_engine_instance_name(f.engine, 0), "kid");
    ck_assert_str_eq(rs_engine_instance_name(f.engine, 1), "top");
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "top", &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 4);
    hf_teardown(&f);

    open_cfg(&f, "  - {name: top, plugin: tp_good, params: {child: kid}}\n"
                 "  - {name: kid, plugin: tp_good, params: {misbehave: duplicate}}\n");
    ck_assert_int_eq(rs_engine_recommend(f.engine, "top", &q, 4, out, NULL, &n, &err),
                     RS_ERR_FORMAT);
    tu_assert_contains(err.message, "instance 'kid' (plugin tp_good): recommend broke");
    hf_teardown(&f);
}
END_TEST

/* A composite built before `instance` params (children named in a string
 * param) keeps the old rule: after every plain instance, which it prepares
 * first when it is prepared alone. */
START_TEST(legacy_composite_comes_last)
{
    hf f;
    rs_error err = {0};
    rs_scored out[4];
    size_t n = 0;
    hf_setup(&f);
    hf_write_config(&f,
                    "  - {name: top, plugin: tp_legacy, params: {child: kid}}\n"
                    "  - {name: kid, plugin: tp_good}\n",
                    NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_str_eq(rs_engine_instance_name(f.engine, 0), "kid");
    ck_assert_str_eq(rs_engine_instance_name(f.engine, 1), "top");
    ck_assert_msg(rs_engine_load_or_train_one(f.engine, "top", 1, &err) == RS_OK, "%s",
                  err.message);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "kid"), 1);
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "top", &q, 4, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 4);
    hf_teardown(&f);
}
END_TEST

static void expect_config_error(const char *instances, const char *where, const char *what)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(&f, instances, NULL);
    ck_assert_int_eq(hf_open(&f, &err), RS_ERR_CONFIG);
    ck_assert_ptr_null(f.engine);
    tu_assert_contains(err.message, where);
    tu_assert_contains(err.message, what);
    hf_teardown(&f);
}

START_TEST(missing_instance_and_cycle_are_config_errors)
{
    /* hf_write_config puts the instances from line 11 of cfg.yaml; the
     * location is the param's value. */
    expect_config_error("  - {name: top, plugin: tp_good, params: {child: nope}}\n",
                        "cfg.yaml:11:50: instance 'top'",
                        "param 'child' names instance 'nope', which is not configured");
    expect_config_error("  - {name: a, plugin: tp_good, params: {child: b}}\n"
                        "  - {name: b, plugin: tp_good, params: {child: a}}\n",
                        "cfg.yaml:12:48: instance 'b'",
                        "names instance 'a', which depends on 'b' in turn (a dependency cycle)");
    expect_config_error("  - {name: a, plugin: tp_good, params: {child: a}}\n",
                        "cfg.yaml:11:48: instance 'a'", "a dependency cycle");
}
END_TEST

START_TEST(describe_is_served)
{
    hf f;
    rs_error err = {0};
    char buf[128], tiny[4];
    open_cfg(&f, "  - {name: good, plugin: tp_good}\n");
    ck_assert_int_eq(rs_engine_describe_instance(f.engine, "good", buf, sizeof buf, &err), RS_OK);
    ck_assert_str_eq(buf, "{\"items\": 4, \"generation\": 1}");
    ck_assert_int_eq(rs_engine_describe_instance(f.engine, "good", tiny, sizeof tiny, &err),
                     RS_ERR_INVALID);
    tu_assert_contains(err.message, "instance 'good' (plugin tp_good): describe failed");
    ck_assert_str_eq(tiny, "");
    hf_teardown(&f);
}
END_TEST

/* A descriptor with capabilities: listed without opening the library (here
 * there is none to open); the loader refuses an entry that disagrees. */
START_TEST(descriptor_capabilities)
{
    hf f;
    rs_error err = {0};
    char dir[4300], text[8192], link[4400], target[4400];
    hf_setup(&f);
    snprintf(dir, sizeof dir, "%s/plugins/tp_caps", f.dir);
    ck_assert_int_eq(rs_mkdir_p(dir), 0);
    tu_write(dir, "plugin.yaml",
             "name: tp_caps\nlibrary: libnothere.so\nabi: \"1.1\"\nversion: \"3\"\n"
             "capabilities: [fit, recommend]\n");
    snprintf(text, sizeof text,
             "data:\n  dir: data\nwork_dir: work\nplugins:\n  path: [%s/plugins]\n"
             "instances:\n  - {name: c, plugin: tp_caps}\n",
             f.dir);
    tu_write(f.dir, "cfg.yaml", text);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_OK);
    char *listing = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&listing, &len);
    ck_assert_int_eq(rs_engine_describe_plugins(f.cfg, out, &err), RS_OK);
    fclose(out);
    tu_assert_contains(listing, "c  (plugin tp_caps 3, ABI 1.1)");
    tu_assert_contains(listing, "(not loaded: described by plugin.yaml)");
    tu_assert_contains(listing, "capabilities: fit,recommend");
    free(listing);
    rs_config_free(f.cfg);
    f.cfg = NULL;
    /* Capabilities that differ from the entry's: refused before any
     * instance exists, naming both lists. */
    snprintf(dir, sizeof dir, "%s/plugins/tp_good", f.dir);
    ck_assert_int_eq(rs_mkdir_p(dir), 0);
    tu_write(dir, "plugin.yaml",
             "name: tp_good\nlibrary: libtp_tp_good.so\nabi: \"1.1\"\nversion: \"3\"\n"
             "capabilities: [fit, recommend]\n");
    snprintf(link, sizeof link, "%s/libtp_tp_good.so", dir);
    snprintf(target, sizeof target, "%s/tp_good/libtp_tp_good.so", RS_TEST_PLUGIN_DIR);
    ck_assert_int_eq(symlink(target, link), 0);
    snprintf(text, sizeof text,
             "data:\n  dir: data\nwork_dir: work\nplugins:\n  path: [%s/plugins]\n"
             "instances:\n  - {name: g, plugin: tp_good}\n",
             f.dir);
    tu_write(f.dir, "cfg.yaml", text);
    ck_assert_int_eq(hf_open(&f, &err), RS_ERR_ABI);
    ck_assert_ptr_null(f.engine);
    tu_assert_contains(err.message, "entry capabilities [fit,persist,recommend,score] differ "
                                    "from descriptor");
    tu_assert_contains(err.message, "'capabilities' [fit,recommend]");
    hf_teardown(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plugin_contract");
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, plugin_built_for_1_0_loads_and_serves);
    tcase_add_test(tc, engine_fills_user_index_and_ratings);
    tcase_add_test(tc, engine_checks_every_output);
    tcase_add_test(tc, instance_params_order_and_child_calls);
    tcase_add_test(tc, missing_instance_and_cycle_are_config_errors);
    tcase_add_test(tc, legacy_composite_comes_last);
    tcase_add_test(tc, describe_is_served);
    tcase_add_test(tc, descriptor_capabilities);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
