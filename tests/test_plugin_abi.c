/* The host refuses plugins of another ABI before calling into them, with a
 * message naming the plugin, the field and both values. */
#include <dlfcn.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_fixture.h"

static void expect_refusal(const char *plugin, rs_status code, const char *n1, const char *n2)
{
    hf f;
    char inst[256];
    rs_error err = {0};
    hf_setup(&f);
    snprintf(inst, sizeof inst, "  - {name: x, plugin: %s}\n", plugin);
    hf_write_config(&f, inst, NULL);
    ck_assert_int_eq(hf_open(&f, &err), code);
    ck_assert_ptr_null(f.engine);
    tu_assert_contains(err.message, n1);
    tu_assert_contains(err.message, n2);
    hf_teardown(&f);
}

START_TEST(good_plugin_loads)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(&f, "  - {name: good, plugin: tp_good}\n", NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_instance_count(f.engine), 1);
    ck_assert_str_eq(rs_engine_instance_entry(f.engine, "good")->version, "0.0.1");
    hf_teardown(&f);
}
END_TEST

START_TEST(major_mismatch)
{
    expect_refusal("tp_major", RS_ERR_ABI, "plugin 'tp_major'",
                   "built for plugin ABI 2.1, host ABI is 1.1 (abi_major differs");
}
END_TEST

START_TEST(newer_minor)
{
    expect_refusal("tp_minor", RS_ERR_ABI, "plugin 'tp_minor'",
                   "ABI 1.99, newer than host ABI 1.1");
}
END_TEST

START_TEST(oversized_entry)
{
    expect_refusal("tp_oversized", RS_ERR_ABI, "plugin 'tp_oversized'", "exceeds host's");
}
END_TEST

START_TEST(undersized_entry)
{
    expect_refusal("tp_undersized", RS_ERR_ABI, "plugin 'tp_undersized'", "smaller than ABI 1.0");
}
END_TEST

START_TEST(missing_entry_symbol)
{
    expect_refusal("tp_noentry", RS_ERR_ABI, "plugin 'tp_noentry'",
                   "no exported symbol rs_plugin_entry_v1");
}
END_TEST

START_TEST(unknown_plugin)
{
    expect_refusal("nope", RS_ERR_NOT_FOUND, "instance 'x': plugin 'nope' not found", "cfg.yaml:");
}
END_TEST

/* A descriptor is checked before dlopen: wrong ABI, a path in `library`,
 * and a name that disagrees with the entry. */
static void custom_descriptor(const char *name, const char *body, const char *n1)
{
    hf f;
    char dir[4300], link[4400], target[4400], inst[256], path[4300];
    rs_error err = {0};
    hf_setup(&f);
    snprintf(dir, sizeof dir, "%s/plugins/%s", f.dir, name);
    ck_assert_int_eq(rs_mkdir_p(dir), 0);
    tu_write(dir, "plugin.yaml", body);
    snprintf(link, sizeof link, "%s/libtp_tp_good.so", dir);
    snprintf(target, sizeof target, "%s/tp_good/libtp_tp_good.so", RS_TEST_PLUGIN_DIR);
    ck_assert_int_eq(symlink(target, link), 0);
    snprintf(inst, sizeof inst, "  - {name: x, plugin: %s}\n", name);
    snprintf(path, sizeof path, "plugins:\n  path: [%s/plugins]\n", f.dir);
    char text[8192];
    snprintf(text, sizeof text, "data:\n  dir: data\nwork_dir: work\n%sinstances:\n%s", path, inst);
    tu_write(f.dir, "cfg.yaml", text);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    ck_assert_int_ne(hf_open(&f, &err), RS_OK);
    tu_assert_contains(err.message, n1);
    hf_teardown(&f);
}

START_TEST(descriptor_checks)
{
    custom_descriptor("tp_d1",
                      "name: tp_d1\nlibrary: libtp_tp_good.so\nabi: \"2.0\"\nversion: \"1\"\n",
                      "declares ABI 2.0, host ABI is 1.1");
    custom_descriptor("tp_d2",
                      "name: tp_d2\nlibrary: ../libtp_tp_good.so\nabi: \"1.0\"\nversion: \"1\"\n",
                      "plugin.yaml:2:10: 'library' must be a file name beside the descriptor");
    custom_descriptor("tp_d3",
                      "name: tp_d3\nlibrary: libtp_tp_good.so\nabi: \"1.0\"\nversion: \"1\"\n",
                      "entry name 'tp_good' differs from descriptor name");
    custom_descriptor("tp_d4", "name: tp_d4\nlibrary: libtp_tp_good.so\nabi: \"1.0\"\n",
                      "missing required key 'version'");
    custom_descriptor("tp_d5",
                      "name: tp_d5\nlibrary: libtp_tp_good.so\nabi: \"1.0\"\nversion: \"1\"\n"
                      "params:\n  k: {type: int, default: 500, max: 10}\n",
                      "plugin.yaml:6:27: 'k' = 500 is out of range");
}
END_TEST

/* ---- where a library may be loaded from (defect 9 of issue 18) --------- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert_msg(in && out, "copy %s -> %s", from, to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* f.dir/plugins/tp_good: a copy of the good test plugin, dir 0755, lib
 * 0755, whatever the umask; cfg.yaml searches only f.dir/plugins. */
static void copied_plugin(hf *f, char *dir, char *lib)
{
    char from[4400], text[8192];
    hf_setup(f);
    snprintf(dir, 4300, "%s/plugins/tp_good", f->dir);
    ck_assert_int_eq(rs_mkdir_p(dir), 0);
    snprintf(from, sizeof from, "%s/tp_good/plugin.yaml", RS_TEST_PLUGIN_DIR);
    snprintf(lib, 4400, "%s/plugin.yaml", dir);
    copy_file(from, lib);
    snprintf(from, sizeof from, "%s/tp_good/libtp_tp_good.so", RS_TEST_PLUGIN_DIR);
    snprintf(lib, 4400, "%s/libtp_tp_good.so", dir);
    copy_file(from, lib);
    ck_assert_int_eq(chmod(f->dir, 0755), 0);
    snprintf(text, sizeof text, "%s/plugins", f->dir);
    ck_assert_int_eq(chmod(text, 0755), 0);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(chmod(lib, 0755), 0);
    snprintf(text, sizeof text,
             "data:\n  dir: data\nwork_dir: work\nplugins:\n  path: [%s/plugins]\n"
             "instances:\n  - {name: good, plugin: tp_good}\n",
             f->dir);
    tu_write(f->dir, "cfg.yaml", text);
    snprintf(f->cfg_path, sizeof f->cfg_path, "%s/cfg.yaml", f->dir);
}

/* Open, expect a refusal naming `path` and `why`, and that the library was
 * never mapped (so none of its code ran). */
static void expect_unsafe(hf *f, const char *lib, const char *path, const char *why)
{
    rs_error err = {0};
    ck_assert_int_eq(hf_open(f, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "plugin 'tp_good'");
    tu_assert_contains(err.message, "refusing to load it");
    tu_assert_contains(err.message, path);
    tu_assert_contains(err.message, why);
    ck_assert_ptr_null(dlopen(lib, RTLD_NOW | RTLD_NOLOAD));
    hf_close_engine(f);
}

START_TEST(copied_plugin_in_private_dir_loads)
{
    hf f;
    char dir[4300], lib[4400];
    rs_error err = {0};
    copied_plugin(&f, dir, lib);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_instance_count(f.engine), 1);
    hf_teardown(&f);
}
END_TEST

START_TEST(world_writable_dir_refused)
{
    hf f;
    char dir[4300], lib[4400];
    copied_plugin(&f, dir, lib);
    ck_assert_int_eq(chmod(dir, 0777), 0);
    expect_unsafe(&f, lib, dir, "is world-writable");
    /* Sticky does not excuse the library's own directory. */
    ck_assert_int_eq(chmod(dir, 01777), 0);
    expect_unsafe(&f, lib, dir, "is world-writable");
    hf_teardown(&f);
}
END_TEST

START_TEST(writable_library_refused)
{
    hf f;
    char dir[4300], lib[4400];
    copied_plugin(&f, dir, lib);
    ck_assert_int_eq(chmod(lib, 0757), 0);
    expect_unsafe(&f, lib, lib, "is world-writable");
    hf_teardown(&f);
}
END_TEST

/* The audit's case: a symlink to a library in a directory anyone can write.
 * The loader follows it to the real file and judges that. */
START_TEST(symlink_to_unsafe_target_refused)
{
    hf f;
    char dir[4300], lib[4400], drop[4300], target[4400];
    copied_plugin(&f, dir, lib);
    snprintf(drop, sizeof drop, "%s/drop", f.dir);
    ck_assert_int_eq(rs_mkdir_p(drop), 0);
    snprintf(target, sizeof target, "%s/libtp_tp_good.so", drop);
    ck_assert_int_eq(rename(lib, target), 0);
    ck_assert_int_eq(symlink(target, lib), 0);
    ck_assert_int_eq(chmod(drop, 0777), 0);
    expect_unsafe(&f, target, drop, "is world-writable");
    /* The same link to a safe place loads, from the real path. */
    ck_assert_int_eq(chmod(drop, 0755), 0);
    rs_error err = {0};
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_ptr_nonnull(dlopen(target, RTLD_NOW | RTLD_NOLOAD));
    hf_teardown(&f);
}
END_TEST

/* Group-writable is refused unless the group is the owner's private one
 * (umask 002 under Debian's user private groups). Needs a foreign group:
 * root can hand the files to nogroup (and to another owner). */
START_TEST(group_writable_and_foreign_owner_refused)
{
    if (geteuid() != 0)
        return; /* cannot give files away; the world-writable cases cover the rule */
    hf f;
    char dir[4300], lib[4400];
    copied_plugin(&f, dir, lib);
    struct group *g = getgrnam("nogroup");
    gid_t other = g ? g->gr_gid : 65534;
    ck_assert_int_eq(chown(dir, 0, other), 0);
    ck_assert_int_eq(chmod(dir, 0775), 0);
    expect_unsafe(&f, lib, dir, "is group-writable");
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(chown(lib, 65534, 0), 0);
    expect_unsafe(&f, lib, lib, "is owned by another user");
    hf_teardown(&f);
}
END_TEST

START_TEST(failing_fit_is_reported)
{
    hf f;
    rs_error err = {0};
    rs_instance_ref ref;
    hf_setup(&f);
    hf_write_config(&f, "  - {name: broken, plugin: tp_failfit}\n", NULL);
    ck_assert_int_eq(hf_open(&f, &err), RS_OK);
    ck_assert_int_eq(rs_engine_fit(f.engine, "broken", NULL, &err), RS_ERR_INTERNAL);
    tu_assert_contains(err.message,
                       "instance 'broken' (plugin tp_failfit): fit failed: deliberate fit failure");
    ck_assert_int_eq(rs_engine_acquire(f.engine, "broken", &ref, &err), RS_ERR_STATE);
    tu_assert_contains(err.message, "not trained or loaded");
    hf_teardown(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("plugin_abi");
    TCase *tc = tcase_create("abi");
    tcase_add_test(tc, good_plugin_loads);
    tcase_add_test(tc, major_mismatch);
    tcase_add_test(tc, newer_minor);
    tcase_add_test(tc, oversized_entry);
    tcase_add_test(tc, undersized_entry);
    tcase_add_test(tc, missing_entry_symbol);
    tcase_add_test(tc, unknown_plugin);
    tcase_add_test(tc, descriptor_checks);
    tcase_add_test(tc, failing_fit_is_reported);
    tcase_add_test(tc, copied_plugin_in_private_dir_loads);
    tcase_add_test(tc, world_writable_dir_refused);
    tcase_add_test(tc, writable_library_refused);
    tcase_add_test(tc, symlink_to_unsafe_target_refused);
    tcase_add_test(tc, group_writable_and_foreign_owner_refused);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
