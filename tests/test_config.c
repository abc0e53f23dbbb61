/* Configuration errors stop start-up with file:line:column naming the key. */
#include "host_fixture.h"

/* Load cfg text (instances appended) and expect `needle` in the error from
 * config load or engine creation. */
static void expect_error(const char *extra, const char *instances, const char *needle)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(&f, instances, extra);
    rs_status st = hf_open(&f, &err);
    ck_assert_msg(st != RS_OK, "expected an error containing '%s'", needle);
    ck_assert_ptr_null(f.engine);
    tu_assert_contains(err.message, needle);
    hf_teardown(&f);
}

#define GOOD "  - {name: a, plugin: tp_good}\n"

START_TEST(unknown_top_level_key)
{
    /* hf_write_config puts `extra` on line 10 */
    expect_error("bogus: 1\n", GOOD, "cfg.yaml:10:1: unknown key 'bogus' in the configuration");
}
END_TEST

START_TEST(wrong_type_and_range)
{
    expect_error("server: {}\nprepare2: 1\n", GOOD, "cfg.yaml:11:1: unknown key 'prepare2'");
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    tu_write(f.dir, "cfg.yaml", "data: {dir: data}\nthreads: many\ninstances:\n" GOOD);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "cfg.yaml:2:10: 'threads' must be an integer, got 'many'");
    tu_write(f.dir, "cfg.yaml", "data: {dir: data}\nthreads: 9999\ninstances:\n" GOOD);
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "cfg.yaml:2:10: 'threads' = 9999 is out of range [0, 256]");
    hf_teardown(&f);
}
END_TEST

START_TEST(missing_data_dir)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    tu_write(f.dir, "cfg.yaml", "data:\n  dir: nowhere\ninstances:\n" GOOD);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_ERR_NOT_FOUND);
    tu_assert_contains(err.message, "cfg.yaml:2:8: data.dir: directory");
    tu_assert_contains(err.message, "nowhere' does not exist");
    tu_write(f.dir, "cfg.yaml", "data:\n  dir: data\n  text_file: none.csv\ninstances:\n" GOOD);
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_ERR_NOT_FOUND);
    tu_assert_contains(err.message, "cfg.yaml:3:14: data.text_file: file");
    hf_teardown(&f);
}
END_TEST

START_TEST(duplicate_instance)
{
    expect_error(NULL, GOOD "  - {name: a, plugin: popularity}\n",
                 "cfg.yaml:12:12: duplicate instance name 'a' (first at line 11)");
}
END_TEST

START_TEST(instance_shape)
{
    expect_error(NULL, "  - {plugin: tp_good}\n", "cfg.yaml:11:5: instance lacks 'name'");
    expect_error(NULL, "  - {name: A B, plugin: tp_good}\n", "must be 1-31 characters");
    expect_error(NULL, "  - {name: a, plugin: tp_good, param: {}}\n",
                 "cfg.yaml:11:32: unknown key 'param' in instance");
}
END_TEST

START_TEST(param_validation)
{
    expect_error(NULL, "  - name: a\n    plugin: tp_good\n    params: {bogus: 1}\n",
                 "cfg.yaml:13:14: instance 'a': unknown param 'bogus' for plugin 'tp_good' "
                 "(known: delay_ms, ratio, mode, on, misbehave, child)");
    expect_error(NULL, "  - name: a\n    plugin: tp_good\n    params: {delay_ms: \"fast\"}\n",
                 "cfg.yaml:13:24: 'delay_ms' must be an integer, got 'fast'");
    expect_error(NULL, "  - name: a\n    plugin: tp_good\n    params: {ratio: 2.0}\n",
                 "cfg.yaml:13:21: 'ratio' = 2.0 is out of range [0, 1]");
    expect_error(NULL, "  - name: a\n    plugin: tp_good\n    params: {mode: c}\n",
                 "cfg.yaml:13:20: 'mode' = 'c' is not one of: a, b");
    expect_error(NULL, "  - name: a\n    plugin: tp_good\n    params: {on: maybe}\n",
                 "'on' must be true or false, got 'maybe'");
    expect_error(NULL, "  - name: a\n    plugin: popularity\n    params: {mode: [count]}\n",
                 "'mode' must be a string, got 'a sequence'");
}
END_TEST

START_TEST(yaml_syntax_error)
{
    expect_error("server: [unclosed\n", GOOD, "cfg.yaml:11:10: did not find expected ',' or ']'");
}
END_TEST

/* "Billion laughs": nine levels of nine aliases would expand to 9^9
 * scalars (the audit's 396-byte config reached 1.5 GB); the tree builder
 * stops at its node cap and names where. */
#define LAUGHS                                              \
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" \
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"          \
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"          \
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"          \
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"          \
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"          \
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"          \
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"          \
    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"

START_TEST(yaml_alias_expansion_capped)
{
    rs_yaml_node *root = NULL;
    rs_error err = {0};
    ck_assert_int_eq(rs_yaml_load_string(LAUGHS, "laughs.yaml", &root, &err), RS_ERR_CONFIG);
    ck_assert_ptr_null(root);
    tu_assert_contains(err.message, "laughs.yaml:1:");
    tu_assert_contains(err.message, "expands (through aliases) to more than 100000 nodes");
    /* The same through a config file. */
    expect_error(LAUGHS, GOOD, "cfg.yaml:10:");
    expect_error(LAUGHS, GOOD, "to more than 100000 nodes");
    /* Ordinary aliases still expand. */
    ck_assert_int_eq(
        rs_yaml_load_string("base: &b {k: 1}\nuse: [*b, *b]\n", "ok.yaml", &root, &err), RS_OK);
    const rs_yaml_node *use = rs_yaml_get(root, "use");
    ck_assert_int_eq((int)use->n, 2);
    ck_assert_str_eq(rs_yaml_get(use->items[1], "k")->scalar, "1");
    rs_yaml_free(root);
    /* Nesting has its own limit, named as such. */
    char deep[400] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "[");
    for (int i = 0; i < 70; i++)
        strcat(deep, "]");
    root = NULL;
    ck_assert_int_eq(rs_yaml_load_string(deep, "deep.yaml", &root, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "deep.yaml:1:66: nesting deeper than 64 levels");
}
END_TEST

START_TEST(valid_params_reach_plugin)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(
        &f,
        "  - name: a\n    plugin: tp_good\n    params: {delay_ms: 0, ratio: 1, mode: b, on: yes}\n",
        NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_ptr_nonnull(rs_config_instance(f.cfg, "a"));
    ck_assert_ptr_null(rs_config_instance(f.cfg, "b"));
    tu_assert_contains(f.cfg->data_dir, "/data");
    hf_teardown(&f);
}
END_TEST

START_TEST(env_overrides)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    tu_write(f.dir, "cfg.yaml", "data: {dir: nowhere}\nwork_dir: w\ninstances:\n" GOOD);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    char data[4300];
    snprintf(data, sizeof data, "%s/data", f.dir);
    setenv("RECSYS_DATA_DIR", data, 1);
    setenv("RECSYS_WORK_DIR", "/tmp/rs-work-override", 1);
    ck_assert_msg(rs_config_load(f.cfg_path, &f.cfg, &err) == RS_OK, "%s", err.message);
    ck_assert_str_eq(f.cfg->data_dir, data);
    ck_assert_str_eq(f.cfg->work_dir, "/tmp/rs-work-override");
    hf_clear_env();
    hf_teardown(&f);
}
END_TEST

/* The declarative sections (recsys/config_fields.h): bounds, types and
 * unknown keys, each named with its section and place. */
START_TEST(declared_fields)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"prepare: {cf_min_item_ratings: -1}\n",
         "cfg.yaml:2:32: 'prepare.cf_min_item_ratings' = -1 is out of range [0, 1000000]"},
        {"prepare: {cf_min_user_ratings: x}\n",
         "cfg.yaml:2:32: 'prepare.cf_min_user_ratings' must be an integer, got 'x'"},
        {"prepare: {min: 1}\n", "cfg.yaml:2:11: unknown key 'min' in prepare"},
        {"work_dir: [a]\n", "cfg.yaml:2:11: 'work_dir' must be a string"},
    };
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "data: {dir: data}\n%sinstances:\n" GOOD, cases[i].text);
        tu_write(f.dir, "cfg.yaml", text);
        ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_ERR_CONFIG);
        tu_assert_contains(err.message, cases[i].want);
    }
    hf_teardown(&f);
}
END_TEST

/* The serving roles name configured instances; unset, the default source is
 * the first instance and the other roles are empty. */
START_TEST(serving_roles)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(&f, GOOD "  - {name: b, plugin: tp_good}\n", NULL);
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_OK);
    ck_assert_str_eq(rs_config_role(f.cfg, RS_ROLE_DEFAULT_SOURCE), "a");
    ck_assert_ptr_null(rs_config_role(f.cfg, RS_ROLE_COLD_START));
    ck_assert_ptr_null(rs_config_role(f.cfg, RS_ROLE_SIMILAR_SOURCE));
    rs_config_free(f.cfg);
    f.cfg = NULL;
    hf_write_config(&f, GOOD "  - {name: b, plugin: tp_good}\n",
                    "serving: {default_source: b, cold_start: a, similar_source: b}\n");
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_OK);
    ck_assert_str_eq(rs_config_role(f.cfg, RS_ROLE_DEFAULT_SOURCE), "b");
    ck_assert_str_eq(rs_config_role(f.cfg, RS_ROLE_COLD_START), "a");
    ck_assert_str_eq(rs_config_role(f.cfg, RS_ROLE_SIMILAR_SOURCE), "b");
    rs_config_free(f.cfg);
    f.cfg = NULL;
    /* the older spelling, server.default_source, still works */
    hf_write_config(&f, GOOD "  - {name: b, plugin: tp_good}\n", "server: {default_source: b}\n");
    ck_assert_int_eq(rs_config_load(f.cfg_path, &f.cfg, &err), RS_OK);
    ck_assert_str_eq(rs_config_role(f.cfg, RS_ROLE_DEFAULT_SOURCE), "b");
    hf_teardown(&f);
    expect_error("serving:\n  cold_start: nope\n", GOOD,
                 "cfg.yaml:11:15: serving.cold_start: 'nope' is not a configured instance");
    expect_error("server: {default_source: nope}\n", GOOD,
                 "cfg.yaml:10:26: server.default_source: 'nope' is not a configured instance");
    expect_error("serving: {cold: a}\n", GOOD, "cfg.yaml:10:11: unknown key 'cold' in serving");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, unknown_top_level_key);
    tcase_add_test(tc, wrong_type_and_range);
    tcase_add_test(tc, missing_data_dir);
    tcase_add_test(tc, duplicate_instance);
    tcase_add_test(tc, instance_shape);
    tcase_add_test(tc, param_validation);
    tcase_add_test(tc, yaml_syntax_error);
    tcase_add_test(tc, yaml_alias_expansion_capped);
    tcase_add_test(tc, valid_params_reach_plugin);
    tcase_add_test(tc, env_overrides);
    tcase_add_test(tc, serving_roles);
    tcase_add_test(tc, declared_fields);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
