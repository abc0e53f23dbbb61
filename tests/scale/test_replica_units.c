/*
 * Units of the replica modules (server/src/replica.c, model_versions.c):
 * the cluster: section, and the artifact store's copy and checksum, on
 * real files. The database side runs in test_scale.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_versions.h"
#include "recsys/config.h"
#include "replica.h"
#include "test_util.h"

static char *g_tmp;

static void setup(void)
{
    g_tmp = tu_tempdir();
    unsetenv("RECSYS_REPLICA_ID"); /* the config decides here */
}

static void teardown(void)
{
    rs_remove_tree(g_tmp);
    free(g_tmp);
}

/* A config file with `extra` appended; data and plugins are not needed
 * for rs_config_load to read the cluster: section. */
static rs_config *config_with(const char *extra, rs_error *err, rs_status *st)
{
    char text[2048], path[4200];
    snprintf(text, sizeof text,
             "data:\n  dir: %s\nwork_dir: %s/work\nplugins:\n  path: [%s]\n"
             "instances:\n  - {name: p, plugin: popularity}\n%s",
             g_tmp, g_tmp, RS_PLUGIN_BUILD_DIR, extra);
    tu_write(g_tmp, "c.yaml", text);
    snprintf(path, sizeof path, "%s/c.yaml", g_tmp);
    rs_config *cfg = NULL;
    *st = rs_config_load(path, &cfg, err);
    return cfg;
}

START_TEST(no_cluster_section_is_a_plain_server)
{
    rs_replica_config c;
    rs_error err = {0};
    ck_assert_int_eq(rs_replica_config_parse(NULL, &c, &err), RS_OK);
    ck_assert_int_eq(c.enabled, 0);
    ck_assert_int_eq(c.drain_wait_ms, 0); /* nobody to tell: stop at once */
    ck_assert(c.id[0]);                   /* host-pid */
}
END_TEST

START_TEST(cluster_section_parsed)
{
    rs_error err = {0};
    rs_status st;
    rs_config *cfg = config_with("cluster:\n  replica_id: r7\n  artifact_dir: store\n"
                                 "  poll_interval_s: 2.5\n  retrain_every_s: 60\n"
                                 "  drain_wait_ms: 900\n",
                                 &err, &st);
    ck_assert_msg(st == RS_OK, "%s", err.message);
    rs_replica_config c;
    ck_assert_int_eq(rs_replica_config_parse(cfg, &c, &err), RS_OK);
    ck_assert_int_eq(c.enabled, 1);
    ck_assert_str_eq(c.id, "r7");
    ck_assert_double_eq(c.poll_interval_s, 2.5);
    ck_assert_double_eq(c.retrain_every_s, 60);
    ck_assert_int_eq(c.drain_wait_ms, 900);
    char want[4200];
    snprintf(want, sizeof want, "%s/store", g_tmp); /* relative to the config file */
    ck_assert_str_eq(c.artifact_dir, want);
    /* The environment names the replica when the launcher sets it. */
    setenv("RECSYS_REPLICA_ID", "r9", 1);
    ck_assert_int_eq(rs_replica_config_parse(cfg, &c, &err), RS_OK);
    ck_assert_str_eq(c.id, "r9");
    unsetenv("RECSYS_REPLICA_ID");
    rs_config_free(cfg);
}
END_TEST

START_TEST(cluster_defaults)
{
    rs_error err = {0};
    rs_status st;
    rs_config *cfg = config_with("cluster: {}\n", &err, &st);
    ck_assert_msg(st == RS_OK, "%s", err.message);
    rs_replica_config c;
    ck_assert_int_eq(rs_replica_config_parse(cfg, &c, &err), RS_OK);
    ck_assert_double_eq(c.poll_interval_s, 10);
    ck_assert_double_eq(c.retrain_every_s, 0);
    ck_assert_int_eq(c.drain_wait_ms, 2000);
    rs_config_free(cfg);
}
END_TEST

static void refused(const char *extra, const char *needle)
{
    rs_error err = {0};
    rs_status st;
    rs_config *cfg = config_with(extra, &err, &st);
    ck_assert_msg(st == RS_OK, "%s", err.message);
    rs_replica_config c;
    ck_assert_int_eq(rs_replica_config_parse(cfg, &c, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, needle);
    tu_assert_contains(err.message, "c.yaml:"); /* file:line:column */
    rs_config_free(cfg);
}

START_TEST(cluster_section_errors_name_the_key)
{
    refused("cluster:\n  poll_interval_s: 0\n", "cluster.poll_interval_s");
    refused("cluster:\n  drain_wait_ms: -1\n", "cluster.drain_wait_ms");
    refused("cluster:\n  replicas: 3\n", "replicas");
    /* Every replica would train on its own schedule. */
    refused("retrain:\n  every_hours: 24\ncluster: {}\n", "retrain.every_hours");
    refused("retrain:\n  after_new_ratings: 10\ncluster: {}\n", "retrain.after_new_ratings");
}
END_TEST

/* ---- artifact store ------------------------------------------------------------- */

static void make_tree(const char *root)
{
    char sub[4200];
    mkdir(root, 0755);
    snprintf(sub, sizeof sub, "%s/sub", root);
    mkdir(sub, 0755);
    tu_write(root, "model.bin", "weights-1");
    tu_write(root, "manifest.yaml", "version: 1\n");
    tu_write(sub, "index.faiss", "index");
}

START_TEST(copy_keeps_the_checksum_and_leaves_no_temporary)
{
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/a", g_tmp);
    snprintf(b, sizeof b, "%s/b", g_tmp);
    make_tree(a);
    rs_error err = {0};
    char ha[RS_CHECKSUM_HEX], hb[RS_CHECKSUM_HEX];
    ck_assert_int_eq(rs_artifact_checksum(a, ha, &err), RS_OK);
    ck_assert_int_eq(strlen(ha), 64);
    ck_assert_msg(rs_artifact_copy(a, b, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_artifact_checksum(b, hb, &err), RS_OK);
    ck_assert_str_eq(ha, hb);
    char tmp[4300];
    struct stat sb;
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", b, (long)getpid());
    ck_assert_int_ne(stat(tmp, &sb), 0);
    /* A second copy onto an existing version refuses rather than mixes. */
    ck_assert_int_ne(rs_artifact_copy(a, b, &err), RS_OK);
}
END_TEST

START_TEST(checksum_sees_content_names_and_missing_dirs)
{
    char a[4200], sub[4300];
    snprintf(a, sizeof a, "%s/a", g_tmp);
    make_tree(a);
    rs_error err = {0};
    char h0[RS_CHECKSUM_HEX], h1[RS_CHECKSUM_HEX], h2[RS_CHECKSUM_HEX];
    ck_assert_int_eq(rs_artifact_checksum(a, h0, &err), RS_OK);
    tu_write(a, "model.bin", "weights-2"); /* same size, other bytes */
    ck_assert_int_eq(rs_artifact_checksum(a, h1, &err), RS_OK);
    ck_assert_str_ne(h0, h1);
    snprintf(sub, sizeof sub, "%s/sub", a);
    char from[4400], to[4400];
    snprintf(from, sizeof from, "%s/index.faiss", sub);
    snprintf(to, sizeof to, "%s/index2.faiss", sub);
    ck_assert_int_eq(rename(from, to), 0); /* same bytes, other name */
    ck_assert_int_eq(rs_artifact_checksum(a, h2, &err), RS_OK);
    ck_assert_str_ne(h1, h2);
    snprintf(sub, sizeof sub, "%s/none", g_tmp);
    ck_assert_int_eq(rs_artifact_checksum(sub, h2, &err), RS_ERR_NOT_FOUND);
    tu_assert_contains(err.message, "none");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replica units");
    TCase *tc = tcase_create("units");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, no_cluster_section_is_a_plain_server);
    tcase_add_test(tc, cluster_section_parsed);
    tcase_add_test(tc, cluster_defaults);
    tcase_add_test(tc, cluster_section_errors_name_the_key);
    tcase_add_test(tc, copy_keeps_the_checksum_and_leaves_no_temporary);
    tcase_add_test(tc, checksum_sees_content_names_and_missing_dirs);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
