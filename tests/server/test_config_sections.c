/*
 * The host config's sections, each read through its field table
 * (recsys/config_fields.h): the server's, the lifecycle's, the database's,
 * admin's and cluster's, and core's serving and dataset. For each section
 * an unknown key, a wrong type and a value out of range (or not one of the
 * allowed values) are refused with file:line:column and the field's full
 * path; every default passes its own row's checks; the shipped configs,
 * and the cluster: sections the launchers write, read the same values as
 * the hand-written readers the tables replaced; and docs/configuration.md
 * lists every row.
 */
#include <sodium.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_fixture.h"
#include "lifecycle.h"
#include "recsys/config_fields.h"
#include "recsys/experiment.h"
#include "recsys/reco_cache.h"
#include "recsys/retrain.h"
#include "recsys/server.h"
#include "recsys/swap_gate.h"
#include "replica.h"

/* Who reads the section under test, through its real entry point. */
typedef enum reader {
    BY_LOAD,        /* rs_config_load: core's sections */
    BY_SERVER,      /* rs_server_options_from_config */
    BY_REFRESH,     /* rs_reco_cache_config_parse */
    BY_RETRAIN,     /* rs_retrain_config_parse */
    BY_GATE,        /* rs_gate_config_parse */
    BY_APP,         /* rs_app_open: database (read before anything slow) */
    BY_LC,          /* rs_lc_new: admin (read first) */
    BY_EXPERIMENTS, /* rs_experiments_from_config */
    BY_CLUSTER      /* rs_replica_config_parse */
} reader;

static rs_status read_with(reader r, hf *f, rs_error *err)
{
    rs_status st = rs_config_load(f->cfg_path, &f->cfg, err);
    if (st != RS_OK || r == BY_LOAD)
        return st;
    switch (r) {
    case BY_SERVER: {
        rs_server_options o;
        return rs_server_options_from_config(f->cfg, &o, err);
    }
    case BY_REFRESH: {
        rs_reco_cache_config c;
        return rs_reco_cache_config_parse(rs_config_section(f->cfg, "refresh"), &c, err);
    }
    case BY_RETRAIN: {
        rs_retrain_config c;
        return rs_retrain_config_parse(rs_config_section(f->cfg, "retrain"), &c, err);
    }
    case BY_GATE: {
        rs_gate_config c;
        return rs_gate_config_parse(rs_config_section(f->cfg, "swap_gate"), &c, err);
    }
    case BY_APP: {
        rs_app *app = NULL;
        st = rs_app_open(f->cfg_path, 0, &app, err);
        rs_app_close(app);
        return st;
    }
    case BY_LC: {
        rs_lc_deps deps = {f->cfg, NULL, NULL, NULL, NULL};
        rs_lc *lc = NULL;
        st = rs_lc_new(&deps, &lc, err);
        rs_lc_free(lc);
        return st;
    }
    case BY_EXPERIMENTS: {
        rs_experiments *x = NULL;
        st = rs_experiments_from_config(f->cfg, &x, err);
        rs_experiments_free(x);
        return st;
    }
    case BY_CLUSTER: {
        rs_replica_config c;
        return rs_replica_config_parse(f->cfg, &c, err);
    }
    case BY_LOAD: break;
    }
    return st;
}

/* hf_write_config puts `extra` on line 10; the messages below count from
 * there. */
static const struct bad_case {
    reader r;
    const char *extra;
    const char *message;
} bad_cases[] = {
    /* server */
    {BY_SERVER, "server:\n  prot: 8080\n", "cfg.yaml:11:3: unknown key 'prot' in server"},
    {BY_SERVER, "server:\n  threads: many\n",
     "cfg.yaml:11:12: 'server.threads' must be an integer, got 'many'"},
    {BY_SERVER, "server:\n  port: 70000\n",
     "cfg.yaml:11:9: 'server.port' = 70000 is out of range [0, 65535]"},
    {BY_SERVER,
     "server: {bind: 0123456789012345678901234567890123456789012345678901234567890123}\n",
     "cfg.yaml:10:16: 'server.bind' is too long (64 bytes, at most 63)"},
    /* refresh */
    {BY_REFRESH, "refresh:\n  interval: 5\n", "cfg.yaml:11:3: unknown key 'interval' in refresh"},
    {BY_REFRESH, "refresh:\n  enabled: maybe\n",
     "cfg.yaml:11:12: 'refresh.enabled' must be true or false, got 'maybe'"},
    {BY_REFRESH, "refresh:\n  list_size: 10001\n",
     "cfg.yaml:11:14: 'refresh.list_size' = 10001 is out of range [1, 10000]"},
    /* retrain */
    {BY_RETRAIN, "retrain:\n  every_hour: 1\n",
     "cfg.yaml:11:3: unknown key 'every_hour' in retrain"},
    {BY_RETRAIN, "retrain:\n  every_hours: soon\n",
     "cfg.yaml:11:16: 'retrain.every_hours' must be a number, got 'soon'"},
    {BY_RETRAIN, "retrain:\n  keep_versions: 0\n",
     "cfg.yaml:11:18: 'retrain.keep_versions' = 0 is below 1"},
    {BY_RETRAIN, "retrain:\n  every_hours: -1\n",
     "cfg.yaml:11:16: 'retrain.every_hours' = -1 is below 0"},
    /* swap_gate */
    {BY_GATE, "swap_gate:\n  tolerence: 0.1\n",
     "cfg.yaml:11:3: unknown key 'tolerence' in swap_gate"},
    {BY_GATE, "swap_gate:\n  k: [5]\n",
     "cfg.yaml:11:6: 'swap_gate.k' must be an integer, got 'a sequence'"},
    {BY_GATE, "swap_gate:\n  holdout_fraction: 1\n",
     "cfg.yaml:11:21: 'swap_gate.holdout_fraction' = 1 is out of range (0, 1)"},
    /* database */
    {BY_APP, "database:\n  host: x\n", "cfg.yaml:11:3: unknown key 'host' in database"},
    {BY_APP, "database:\n  url: {a: 1}\n",
     "cfg.yaml:11:8: 'database.url' must be a string, got 'a mapping'"},
    {BY_APP, "database:\n  pool_size: 65\n",
     "cfg.yaml:11:14: 'database.pool_size' = 65 is out of range [1, 64]"},
    /* admin */
    {BY_LC, "admin:\n  tokens: x\n", "cfg.yaml:11:3: unknown key 'tokens' in admin"},
    {BY_LC, "admin:\n  token: [x]\n",
     "cfg.yaml:11:10: 'admin.token' must be a string, got 'a sequence'"},
    /* experiments: a list; each experiment's and arm's scalars */
    {BY_EXPERIMENTS, "experiments:\n  - {name: e, salt: s, mdoe: split, arms: []}\n",
     "cfg.yaml:11:24: unknown key 'mdoe' in experiments[0]"},
    {BY_EXPERIMENTS, "experiments:\n  - {name: e, salt: s, enabled: 2, arms: []}\n",
     "cfg.yaml:11:33: 'experiments[0].enabled' must be true or false, got '2'"},
    {BY_EXPERIMENTS,
     "experiments:\n  - name: e\n    salt: s\n    arms:\n      - {name: a, source: a, share: 0}\n",
     "cfg.yaml:14:37: 'experiments[0].arms[0].share' = 0 is out of range (0, 1]"},
    /* cluster */
    {BY_CLUSTER, "cluster:\n  replicas: 3\n", "cfg.yaml:11:3: unknown key 'replicas' in cluster"},
    {BY_CLUSTER, "cluster:\n  poll_interval_s: often\n",
     "cfg.yaml:11:20: 'cluster.poll_interval_s' must be a number, got 'often'"},
    {BY_CLUSTER, "cluster:\n  poll_interval_s: 0.01\n",
     "cfg.yaml:11:20: 'cluster.poll_interval_s' = 0.01 is out of range [0.05, 86400]"},
    {BY_CLUSTER, "cluster:\n  retrain_every_s: -1\n",
     "cfg.yaml:11:20: 'cluster.retrain_every_s' = -1 is below 0"},
    {BY_CLUSTER, "cluster:\n  drain_wait_ms: 600001\n",
     "cfg.yaml:11:18: 'cluster.drain_wait_ms' = 600001 is out of range [0, 600000]"},
    {BY_CLUSTER,
     "cluster: {replica_id: 0123456789012345678901234567890123456789012345678901234567890123}\n",
     "cfg.yaml:10:23: 'cluster.replica_id' is too long (64 bytes, at most 63)"},
    /* the check no row expresses: one schedule, the cluster's */
    {BY_CLUSTER, "retrain:\n  every_hours: 24\ncluster: {}\n",
     "cfg.yaml:11:16: a cluster retrains on one replica at a time"},
    /* serving */
    {BY_LOAD, "serving:\n  cold: a\n", "cfg.yaml:11:3: unknown key 'cold' in serving"},
    {BY_LOAD, "serving:\n  cold_start: [a]\n",
     "cfg.yaml:11:15: 'serving.cold_start' must be a string, got 'a sequence'"},
    {BY_LOAD, "serving:\n  cold_start: b\n",
     "cfg.yaml:11:15: serving.cold_start: 'b' is not a configured instance"},
    /* dataset */
    {BY_LOAD, "dataset:\n  fromat: csv\n", "cfg.yaml:11:3: unknown key 'fromat' in dataset"},
    {BY_LOAD, "dataset:\n  train: [a]\n", "cfg.yaml:11:10: 'dataset.train' must be a string"},
    {BY_LOAD, "dataset:\n  format: parquet\n",
     "cfg.yaml:11:11: 'dataset.format' = 'parquet' is not one of: movielens, lightgcn, csv"},
};

START_TEST(bad_values_named)
{
    const struct bad_case *c = &bad_cases[_i];
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    unsetenv("RECSYS_ADMIN_TOKEN");
    unsetenv("RECSYS_DATABASE_URL");
    unsetenv("RECSYS_REPLICA_ID");
    hf_write_config(&f, "  - {name: a, plugin: tp_good}\n", c->extra);
    ck_assert_int_eq(read_with(c->r, &f, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, c->message);
    hf_teardown(&f);
}
END_TEST

/* Every table the host reads, by section. */
typedef struct table_ref {
    const char *section; /* NULL: the top level */
    const rs_config_field *fields;
    size_t n;
} table_ref;

static size_t all_tables(table_ref *out)
{
    static const char *const core_sections[] = {
        NULL, "data", "prepare", "dataset", "dataset.columns", "serving"};
    static const struct {
        const char *section;
        const rs_config_field *(*fields)(size_t *n);
    } modules[] = {
        {"server", rs_server_config_fields},
        {"database", rs_app_database_config_fields},
        {"refresh", rs_reco_cache_config_fields},
        {"retrain", rs_retrain_config_fields},
        {"swap_gate", rs_gate_config_fields},
        {"experiments[i]", rs_experiment_config_fields},
        {"experiments[i].arms[j]", rs_experiment_arm_config_fields},
        {"admin", rs_lc_admin_config_fields},
        {"cluster", rs_replica_config_fields},
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof core_sections / sizeof *core_sections; i++, k++) {
        out[k].section = core_sections[i];
        out[k].fields = rs_config_host_fields(core_sections[i], &out[k].n);
    }
    for (size_t i = 0; i < sizeof modules / sizeof *modules; i++, k++) {
        out[k].section = modules[i].section;
        out[k].fields = modules[i].fields(&out[k].n);
    }
    return k;
}

/* Each row's default, written as YAML and read back through the row: a
 * default outside its own range or of the wrong type fails here. */
START_TEST(defaults_pass_their_rows)
{
    table_ref t[24];
    size_t nt = all_tables(t);
    for (size_t i = 0; i < nt; i++) {
        ck_assert_msg(t[i].fields && t[i].n > 0, "table %zu empty", i);
        char yaml[8192] = "", line[512];
        size_t with_default = 0;
        for (size_t j = 0; j < t[i].n; j++) {
            const rs_config_field *fl = &t[i].fields[j];
            ck_assert_msg(fl->doc && *fl->doc, "%s.%s has no doc", t[i].section, fl->key);
            if (!fl->dflt)
                continue;
            snprintf(line, sizeof line, "%s: \"%s\"\n", fl->key, fl->dflt);
            /* numbers and booleans unquoted, as a user writes them */
            if (fl->type != RS_FIELD_STRING && fl->type != RS_FIELD_ENUM)
                snprintf(line, sizeof line, "%s: %s\n", fl->key, fl->dflt);
            strncat(yaml, line, sizeof yaml - strlen(yaml) - 1);
            with_default++;
        }
        if (!with_default)
            continue;
        rs_yaml_node *doc = NULL;
        rs_error err = {0};
        ck_assert_int_eq(rs_yaml_load_string(yaml, "defaults.yaml", &doc, &err), RS_OK);
        /* big enough for any base the tables point into (rs_config too) */
        alignas(max_align_t) static char base[1 << 16];
        ck_assert_uint_lt(sizeof(rs_config), sizeof base);
        memset(base, 0, sizeof base);
        ck_assert_msg(rs_config_fields_read(doc, t[i].section, t[i].fields, t[i].n, NULL, base,
                                            &err) == RS_OK,
                      "%s", err.message);
        rs_yaml_free(doc);
    }
}
END_TEST

/* ---- before/after: the hand-written readers the tables replaced ---------- */

/* The old rs_server_options_from_config, value for value (the old
 * defaults, then rs_yaml_get_* per key; ranges are not needed on valid
 * configs). */
static void legacy_server(const rs_config *cfg, rs_server_options *o)
{
    int64_t v;
    const char *s;
    const rs_yaml_node *sec = rs_config_section(cfg, "server");
    memset(o, 0, sizeof *o);
    snprintf(o->bind, sizeof o->bind, "127.0.0.1");
    o->port = 8080;
    o->threads = 32;
    o->request_max_bytes = 65536;
    o->pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    o->login_per_ip_per_min = 30;
    o->login_per_account_per_min = 10;
    o->session_ttl_s = 30 * 24 * 3600;
    o->request_timeout_ms = 10000;
    o->keep_alive_timeout_ms = 2000;
    o->exposures_per_user_per_min = 500;
    o->exposure_queue_rows = 65536;
    o->session_cache_ttl_s = 60;
    o->response_cache_ttl_ms = 5000;
    char *sd = rs_config_resolve(cfg, "../frontend/dist");
    snprintf(o->static_dir, sizeof o->static_dir, "%s", sd);
    free(sd);
#define GI(key, member)                                               \
    do {                                                              \
        v = -12345;                                                   \
        ck_assert_int_eq(rs_yaml_get_int(sec, key, &v, NULL), RS_OK); \
        if (v != -12345)                                              \
            o->member = v;                                            \
    } while (0)
    GI("port", port);
    GI("threads", threads);
    GI("request_max_bytes", request_max_bytes);
    GI("login_per_ip_per_min", login_per_ip_per_min);
    GI("login_per_account_per_min", login_per_account_per_min);
    GI("session_ttl_s", session_ttl_s);
    GI("request_timeout_ms", request_timeout_ms);
    GI("keep_alive_timeout_ms", keep_alive_timeout_ms);
    GI("exposures_per_user_per_min", exposures_per_user_per_min);
    GI("exposure_queue_rows", exposure_queue_rows);
    GI("session_cache_ttl_s", session_cache_ttl_s);
    GI("response_cache_ttl_ms", response_cache_ttl_ms);
#undef GI
    v = -1;
    ck_assert_int_eq(rs_yaml_get_int(sec, "password_memlimit_kib", &v, NULL), RS_OK);
    if (v != -1)
        o->pwhash_memlimit = (size_t)v * 1024;
    s = NULL;
    ck_assert_int_eq(rs_yaml_get_string(sec, "bind", &s, NULL), RS_OK);
    if (s)
        snprintf(o->bind, sizeof o->bind, "%s", s);
    s = NULL;
    ck_assert_int_eq(rs_yaml_get_string(sec, "tmdb_api_key", &s, NULL), RS_OK);
    if (s)
        snprintf(o->tmdb_api_key, sizeof o->tmdb_api_key, "%s", s);
    s = NULL;
    ck_assert_int_eq(rs_yaml_get_string(sec, "static_dir", &s, NULL), RS_OK);
    if (s && *s) {
        sd = rs_config_resolve(cfg, s);
        snprintf(o->static_dir, sizeof o->static_dir, "%s", sd);
        free(sd);
    }
    if (!rs_yaml_get(sec, "session_cache_ttl_s") && rs_config_section(cfg, "cluster"))
        o->session_cache_ttl_s = 0;
}

static void assert_same_server(const rs_server_options *a, const rs_server_options *b,
                               const char *file)
{
    ck_assert_msg(!strcmp(a->bind, b->bind), "%s: bind", file);
    ck_assert_msg(!strcmp(a->static_dir, b->static_dir), "%s: static_dir %s vs %s", file,
                  a->static_dir, b->static_dir);
    ck_assert_msg(!strcmp(a->tmdb_api_key, b->tmdb_api_key), "%s: tmdb_api_key", file);
    ck_assert_msg(a->port == b->port && a->threads == b->threads, "%s: port/threads", file);
    ck_assert_msg(a->request_max_bytes == b->request_max_bytes, "%s: request_max_bytes", file);
    ck_assert_msg(a->pwhash_memlimit == b->pwhash_memlimit, "%s: pwhash_memlimit", file);
    ck_assert_msg(a->login_per_ip_per_min == b->login_per_ip_per_min &&
                      a->login_per_account_per_min == b->login_per_account_per_min,
                  "%s: login limits", file);
    ck_assert_msg(a->session_ttl_s == b->session_ttl_s, "%s: session_ttl_s", file);
    ck_assert_msg(a->request_timeout_ms == b->request_timeout_ms &&
                      a->keep_alive_timeout_ms == b->keep_alive_timeout_ms,
                  "%s: timeouts", file);
    ck_assert_msg(a->exposures_per_user_per_min == b->exposures_per_user_per_min &&
                      a->exposure_queue_rows == b->exposure_queue_rows,
                  "%s: exposures", file);
    ck_assert_msg(a->session_cache_ttl_s == b->session_cache_ttl_s &&
                      a->response_cache_ttl_ms == b->response_cache_ttl_ms,
                  "%s: caches", file);
}

/* The old lifecycle readers: defaults overlaid with rs_yaml_get_*. */
static void legacy_refresh(const rs_yaml_node *sec, rs_reco_cache_config *c)
{
    int64_t list = 50, max = 20000;
    c->interval_s = 60;
    c->explanations = c->enabled = 1;
    ck_assert_int_eq(rs_yaml_get_float(sec, "interval_s", &c->interval_s, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "list_size", &list, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "max_entries", &max, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_bool(sec, "explanations", &c->explanations, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_bool(sec, "enabled", &c->enabled, NULL), RS_OK);
    c->list_size = (size_t)list;
    c->max_entries = (size_t)max;
}

static void legacy_retrain(const rs_yaml_node *sec, rs_retrain_config *c)
{
    memset(c, 0, sizeof *c);
    c->keep_versions = 5;
    c->low_priority = 1;
    ck_assert_int_eq(rs_yaml_get_float(sec, "every_hours", &c->every_hours, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "after_new_ratings", &c->after_new_ratings, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "keep_versions", &c->keep_versions, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_bool(sec, "low_priority", &c->low_priority, NULL), RS_OK);
}

static void legacy_gate(const rs_yaml_node *sec, rs_gate_config *c)
{
    *c = (rs_gate_config){0.05, 1, 200, 20, 10, 0.2, 4.0, 5};
    ck_assert_int_eq(rs_yaml_get_float(sec, "tolerance", &c->tolerance, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_bool(sec, "relative", &c->relative, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "holdout_users", &c->holdout_users, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "k", &c->k, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "min_ratings", &c->min_ratings, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_float(sec, "holdout_fraction", &c->holdout_fraction, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_float(sec, "positive", &c->positive, NULL), RS_OK);
    ck_assert_int_eq(rs_yaml_get_int(sec, "smoke_users", &c->smoke_users, NULL), RS_OK);
}

/* The old rs_replica_config_parse: its defaults, rs_yaml_get_* per key,
 * the environment's id (ranges are not needed on valid configs). */
static void legacy_cluster(const rs_config *cfg, rs_replica_config *c)
{
    memset(c, 0, sizeof *c);
    c->poll_interval_s = 10;
    c->drain_wait_ms = 2000;
    const rs_yaml_node *sec = rs_config_section(cfg, "cluster");
    const char *id = "", *dir = "artifacts";
    if (sec) {
        c->enabled = 1;
        ck_assert_int_eq(rs_yaml_get_string(sec, "replica_id", &id, NULL), RS_OK);
        ck_assert_int_eq(rs_yaml_get_string(sec, "artifact_dir", &dir, NULL), RS_OK);
        ck_assert_int_eq(rs_yaml_get_float(sec, "poll_interval_s", &c->poll_interval_s, NULL),
                         RS_OK);
        ck_assert_int_eq(rs_yaml_get_float(sec, "retrain_every_s", &c->retrain_every_s, NULL),
                         RS_OK);
        ck_assert_int_eq(rs_yaml_get_int(sec, "drain_wait_ms", &c->drain_wait_ms, NULL), RS_OK);
        char *abs = rs_config_resolve(cfg, dir);
        snprintf(c->artifact_dir, sizeof c->artifact_dir, "%s", abs);
        free(abs);
    } else {
        c->drain_wait_ms = 0;
    }
    const char *env = getenv("RECSYS_REPLICA_ID");
    if (env && *env)
        id = env;
    snprintf(c->id, sizeof c->id, "%s", id); /* empty: host-pid, checked by the caller */
}

/* The new reader and the old one agree on cfg, with no RECSYS_REPLICA_ID
 * and with the one scripts/cluster gives each replica. */
static void assert_cluster_as_before(const rs_config *cfg, const char *file)
{
    static const char *const ids[] = {NULL, "r2"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        if (ids[i])
            setenv("RECSYS_REPLICA_ID", ids[i], 1);
        else
            unsetenv("RECSYS_REPLICA_ID");
        rs_replica_config a, b;
        rs_error err = {0};
        ck_assert_msg(rs_replica_config_parse(cfg, &a, &err) == RS_OK, "%s: %s", file, err.message);
        legacy_cluster(cfg, &b);
        ck_assert_msg(a.enabled == b.enabled, "%s: enabled", file);
        if (!*b.id) { /* the old reader's fallback was <host>-<pid> */
            char pid[32];
            snprintf(pid, sizeof pid, "-%ld", (long)getpid());
            size_t n = strlen(a.id), k = strlen(pid);
            ck_assert_msg(n > k && !strcmp(a.id + n - k, pid), "%s: id %s", file, a.id);
        } else {
            ck_assert_msg(!strcmp(a.id, b.id), "%s: id %s vs %s", file, a.id, b.id);
        }
        ck_assert_msg(!strcmp(a.artifact_dir, b.artifact_dir), "%s: artifact_dir %s vs %s", file,
                      a.artifact_dir, b.artifact_dir);
        ck_assert_msg(a.poll_interval_s == b.poll_interval_s, "%s: poll_interval_s", file);
        ck_assert_msg(a.retrain_every_s == b.retrain_every_s, "%s: retrain_every_s", file);
        ck_assert_msg(a.drain_wait_ms == b.drain_wait_ms, "%s: drain_wait_ms", file);
    }
    unsetenv("RECSYS_REPLICA_ID");
}

/* Shipped host configs (the research ones name dataset files that may be
 * absent: their lifecycle sections are compared from the YAML alone). */
static const char *const shipped[] = {
    "configs/default.yaml",          "configs/fast.yaml",
    "configs/cluster.yaml",          "configs/research/generated.yaml",
    "configs/research/gowalla.yaml", "configs/research/ml100k.yaml",
};

START_TEST(shipped_configs_read_as_before)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", RS_SOURCE_DIR, shipped[_i]);
    rs_yaml_node *doc = NULL;
    rs_error err = {0};
    ck_assert_msg(rs_yaml_load_file(path, &doc, &err) == RS_OK, "%s", err.message);

    rs_reco_cache_config r_new, r_old;
    memset(&r_old, 0, sizeof r_old);
    legacy_refresh(rs_yaml_get(doc, "refresh"), &r_old);
    ck_assert_msg(rs_reco_cache_config_parse(rs_yaml_get(doc, "refresh"), &r_new, &err) == RS_OK,
                  "%s", err.message);
    ck_assert(r_new.interval_s == r_old.interval_s && r_new.list_size == r_old.list_size &&
              r_new.max_entries == r_old.max_entries && r_new.explanations == r_old.explanations &&
              r_new.enabled == r_old.enabled);

    rs_retrain_config t_new, t_old;
    legacy_retrain(rs_yaml_get(doc, "retrain"), &t_old);
    ck_assert_msg(rs_retrain_config_parse(rs_yaml_get(doc, "retrain"), &t_new, &err) == RS_OK, "%s",
                  err.message);
    ck_assert(t_new.every_hours == t_old.every_hours &&
              t_new.after_new_ratings == t_old.after_new_ratings &&
              t_new.keep_versions == t_old.keep_versions &&
              t_new.low_priority == t_old.low_priority);

    rs_gate_config g_new, g_old;
    legacy_gate(rs_yaml_get(doc, "swap_gate"), &g_old);
    ck_assert_msg(rs_gate_config_parse(rs_yaml_get(doc, "swap_gate"), &g_new, &err) == RS_OK, "%s",
                  err.message);
    ck_assert(memcmp(&g_new, &g_old, sizeof g_new) == 0);
    rs_yaml_free(doc);

    /* The whole file, where its data can be found: MovieLens configs read
     * the fixture's data (set here, so the caller's environment does not
     * matter). */
    hf f;
    hf_setup(&f);
    char data[4200], work[4200];
    snprintf(data, sizeof data, "%s/data", f.dir);
    snprintf(work, sizeof work, "%s/work", f.dir);
    setenv("RECSYS_DATA_DIR", data, 1);
    setenv("RECSYS_WORK_DIR", work, 1);
    rs_config *cfg = NULL;
    rs_status st = rs_config_load(path, &cfg, &err);
    if (strncmp(shipped[_i], "configs/research/", 17) != 0)
        ck_assert_msg(st == RS_OK, "%s: %s", shipped[_i], err.message);
    if (st == RS_OK) {
        rs_server_options o_new, o_old;
        ck_assert_msg(rs_server_options_from_config(cfg, &o_new, &err) == RS_OK, "%s", err.message);
        legacy_server(cfg, &o_old);
        assert_same_server(&o_new, &o_old, shipped[_i]);
        assert_cluster_as_before(cfg, shipped[_i]);
    }
    rs_config_free(cfg);
    hf_teardown(&f);
}
END_TEST

/* cluster: sections as the launchers write them: tests/scale/test_scale.c
 * (an absolute store, sub-second timings), configs/cluster.yaml's keys
 * (relative store; scripts/cluster adds only RECSYS_REPLICA_ID, covered
 * above), an id in the file, and the bare section. */
static const char *const cluster_sections[] = {
    "cluster:\n  artifact_dir: /tmp/rs-scale/artifacts\n  poll_interval_s: 1\n"
    "  retrain_every_s: 3\n  drain_wait_ms: 1500\n",
    "cluster:\n  artifact_dir: ../work/cluster-artifacts\n  poll_interval_s: 10\n"
    "  retrain_every_s: 86400\n  drain_wait_ms: 3000\n",
    "cluster:\n  replica_id: r7\n  artifact_dir: store\n  poll_interval_s: 2.5\n"
    "  retrain_every_s: 0\n  drain_wait_ms: 0\n",
    "cluster: {}\n",
};

START_TEST(generated_cluster_configs_read_as_before)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    char extra[1024];
    snprintf(extra, sizeof extra, "retrain:\n  every_hours: 0\n  after_new_ratings: 0\n%s",
             cluster_sections[_i]);
    hf_write_config(&f, "  - {name: a, plugin: tp_good}\n", extra);
    ck_assert_msg(rs_config_load(f.cfg_path, &f.cfg, &err) == RS_OK, "%s", err.message);
    assert_cluster_as_before(f.cfg, cluster_sections[_i]);
    hf_teardown(&f);
}
END_TEST

/* RECSYS_REPLICA_ID is held to the key's bound, and named as the culprit
 * (no file position: it is not in the file). */
START_TEST(replica_id_from_env_bounded)
{
    hf f;
    rs_error err = {0};
    hf_setup(&f);
    hf_write_config(&f, "  - {name: a, plugin: tp_good}\n", "cluster: {replica_id: r1}\n");
    ck_assert_msg(rs_config_load(f.cfg_path, &f.cfg, &err) == RS_OK, "%s", err.message);
    char id[80];
    memset(id, 'x', 64);
    id[64] = '\0';
    setenv("RECSYS_REPLICA_ID", id, 1);
    rs_replica_config c;
    ck_assert_int_eq(rs_replica_config_parse(f.cfg, &c, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "RECSYS_REPLICA_ID: longer than 63 bytes");
    id[63] = '\0';
    setenv("RECSYS_REPLICA_ID", id, 1);
    ck_assert_msg(rs_replica_config_parse(f.cfg, &c, &err) == RS_OK, "%s", err.message);
    ck_assert_str_eq(c.id, id);
    unsetenv("RECSYS_REPLICA_ID");
    hf_teardown(&f);
}
END_TEST

/* docs/configuration.md carries every row the tables would print. */
START_TEST(docs_list_every_key)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/configuration.md", RS_SOURCE_DIR);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    static char page[1 << 17];
    size_t len = fread(page, 1, sizeof page - 1, fp);
    page[len] = '\0';
    fclose(fp);
    table_ref t[24];
    size_t nt = all_tables(t), missing = 0;
    for (size_t i = 0; i < nt; i++) {
        static char rows[1 << 14];
        rs_config_fields_markdown(t[i].section, t[i].fields, t[i].n, rows, sizeof rows);
        for (char *line = rows, *end; *line; line = end + 1) {
            end = strchr(line, '\n');
            *end = '\0';
            if (!strstr(page, line)) {
                fprintf(stderr, "%s\n", line);
                missing++;
            }
        }
    }
    ck_assert_msg(missing == 0,
                  "docs/configuration.md lacks %zu rows (printed above; regenerate the tables)",
                  missing);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("config_sections");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, bad_values_named, 0, (int)(sizeof bad_cases / sizeof *bad_cases));
    tcase_add_test(tc, defaults_pass_their_rows);
    tcase_add_loop_test(tc, shipped_configs_read_as_before, 0,
                        (int)(sizeof shipped / sizeof *shipped));
    tcase_add_loop_test(tc, generated_cluster_configs_read_as_before, 0,
                        (int)(sizeof cluster_sections / sizeof *cluster_sections));
    tcase_add_test(tc, replica_id_from_env_bounded);
    tcase_add_test(tc, docs_list_every_key);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
