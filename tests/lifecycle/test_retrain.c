/* Periodic retraining with popularity: merging app ratings, versioned
 * artifacts, gate decisions with training figures, persistence across a
 * restart, pruning, the low-priority scheduler thread. */
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include "lc_fixture.h"
#include "recsys/retrain.h"

static void read_text(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

START_TEST(config_parse)
{
    rs_retrain_config c;
    rs_error err = {0};
    rs_yaml_node *doc;
    ck_assert_int_eq(rs_retrain_config_parse(NULL, &c, &err), RS_OK);
    ck_assert_int_eq(c.n_sources, 0);
    ck_assert_int_eq(c.keep_versions, 5);
    ck_assert_int_eq(rs_yaml_load_string("retrain: {every_hours: 6, after_new_ratings: 100, "
                                         "sources: [pop], keep_versions: 2}\n",
                                         "t.yaml", &doc, &err),
                     RS_OK);
    ck_assert_int_eq(rs_retrain_config_parse(rs_yaml_get(doc, "retrain"), &c, &err), RS_OK);
    ck_assert_double_eq_tol(c.every_hours, 6, 1e-12);
    ck_assert_int_eq(c.after_new_ratings, 100);
    ck_assert_int_eq(c.n_sources, 1);
    ck_assert_str_eq(c.sources[0], "pop");
    rs_yaml_free(doc);
    ck_assert_int_eq(rs_yaml_load_string("retrain:\n  sources: pop\n", "t.yaml", &doc, &err),
                     RS_OK);
    ck_assert_int_eq(rs_retrain_config_parse(rs_yaml_get(doc, "retrain"), &c, &err), RS_ERR_CONFIG);
    ck_assert_str_eq(err.message, "t.yaml:2:12: retrain.sources must be a list of instance names");
    rs_yaml_free(doc);
}
END_TEST

START_TEST(merge_app_ratings)
{
    hf f;
    rs_error err = {0};
    rs_ratings_set *rs;
    hf_setup(&f);
    hf_write_config(&f, "  - {name: pop, plugin: popularity}\n", NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    const rs_dataset *base = rs_engine_dataset(f.engine);
    /* User 4 re-rates B (1.0 -> 5.0); new user 100 rates A and C. */
    rs_app_rating app[] = {
        {4, 1, 5.0f, HF_T + 10}, {100, 0, 4.0f, HF_T + 5}, {100, 2, 3.5f, HF_T + 6}};
    ck_assert_int_eq(rs_retrain_merge(base, app, 3, 1, 1, &rs, &err), RS_OK);
    const rs_dataset *d = rs_ratings_set_view(rs);
    ck_assert_int_eq(d->n_users, 5);
    ck_assert_int_eq(d->n_ratings, 10);
    ck_assert_int_eq(d->user_ids[4], 100);
    int32_t u4 = -1;
    for (int32_t u = 0; u < d->n_users; u++)
        if (d->user_ids[u] == 4)
            u4 = u;
    ck_assert_int_eq(d->user_ptr[u4 + 1] - d->user_ptr[u4], 1);
    ck_assert_double_eq_tol(d->user_rating[d->user_ptr[u4]], 5.0, 1e-6);
    ck_assert_int_eq(d->user_ptr[5] - d->user_ptr[4], 2);
    rs_ratings_set_free(rs);
    rs_app_rating bad = {7, 99, 3.0f, 0};
    ck_assert_int_eq(rs_retrain_merge(base, &bad, 1, 1, 1, &rs, &err), RS_ERR_INVALID);
    ck_assert_str_eq(err.message, "app rating 0: item index 99 outside 0..3");
    hf_teardown(&f);
}
END_TEST

/* App ratings: `n_fans` new users each rating items[] 5.0; the callback
 * also records the trainer thread's nice value. */
typedef struct app_db {
    int n_fans;
    int32_t items[20];
    int n_items;
    int calls;
    int nice_seen;
} app_db;

static rs_status app_ratings(void *ctx, rs_rating_sink *sink, rs_error *err)
{
    app_db *db = ctx;
    db->calls++;
    errno = 0;
    db->nice_seen = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    for (int i = 0; i < db->n_fans; i++)
        for (int j = 0; j < db->n_items; j++) {
            rs_app_rating r = {100000 + i, db->items[j], 5.0f, HF_T + 100 + i};
            rs_status st = rs_rating_sink_add(sink, &r, err);
            if (st != RS_OK)
                return st;
        }
    return RS_OK;
}

typedef struct swaps {
    int n;
    int64_t version;
} swaps;

static void on_swap(void *ctx, const char *source, int64_t version)
{
    swaps *s = ctx;
    if (strcmp(source, "pop") != 0)
        return;
    s->n++;
    s->version = version;
}

static int32_t top_item(rs_engine *e)
{
    rs_query q = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    rs_scored out[1];
    size_t n;
    rs_error err = {0};
    ck_assert_int_eq(rs_engine_recommend(e, "pop", &q, 1, out, NULL, &n, &err), RS_OK);
    return out[0].item;
}

typedef struct world {
    hf f;
    rs_swap_gate *gate;
    rs_retrainer *r;
    app_db db;
    swaps sw;
} world;

static void open_world(world *w, const char *retrain_yaml)
{
    rs_error err = {0};
    rs_gate_config gc;
    rs_retrain_config rc;
    rs_yaml_node *doc = NULL;
    memset(w, 0, sizeof *w);
    hf_setup(&w->f);
    hf_write_config(
        &w->f, "  - {name: pop, plugin: popularity}\n  - {name: good, plugin: tp_good}\n", NULL);
    ck_assert_msg(hf_open(&w->f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_load_or_train(w->f.engine, 1, &err), RS_OK);
    rs_gate_config_default(&gc);
    gc.min_ratings = 2; /* the fixture's users are small */
    ck_assert_int_eq(rs_swap_gate_new(w->f.cfg, w->f.engine, &gc, &w->gate, &err), RS_OK);
    ck_assert_int_eq(rs_yaml_load_string(retrain_yaml, "r.yaml", &doc, &err), RS_OK);
    ck_assert_int_eq(rs_retrain_config_parse(rs_yaml_get(doc, "retrain"), &rc, &err), RS_OK);
    rs_yaml_free(doc);
    rs_retrainer_options opt = {app_ratings, &w->db, on_swap, &w->sw};
    ck_assert_msg(rs_retrainer_new(w->f.cfg, w->f.engine, w->gate, &rc, &opt, &w->r, &err) == RS_OK,
                  "%s", err.message);
}

static void close_world(world *w)
{
    rs_retrainer_free(w->r);
    rs_swap_gate_free(w->gate);
    hf_teardown(&w->f);
}

START_TEST(run_versions_gates_and_persists)
{
    world w;
    rs_error err = {0};
    size_t accepted;
    open_world(&w, "retrain: {keep_versions: 2}\n");
    /* Default sources: every fit+persist instance (pop and good). */
    ck_assert_int_eq(rs_retrainer_source_count(w.r), 2);
    ck_assert_int_eq(top_item(w.f.engine), 0); /* A is the most rated */
    /* Five app users love D: the retrained popularity ranks D first. */
    w.db.n_fans = 5;
    w.db.items[0] = 3;
    w.db.n_items = 1;
    ck_assert_msg(rs_retrainer_run_now(w.r, &accepted, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(accepted, 2);
    ck_assert_int_eq(top_item(w.f.engine), 3);
    ck_assert_int_eq(rs_engine_instance_version(w.f.engine, "pop"), 2);
    ck_assert_int_eq(w.sw.n, 1);
    ck_assert_int_eq(w.sw.version, 2);
    int64_t v[8];
    ck_assert_int_eq(rs_retrainer_versions(w.r, "pop", v, 8), 1);
    ck_assert_int_eq(v[0], 1);
    char p[4600];
    snprintf(p, sizeof p, "%s/versions/pop/1/MANIFEST", w.f.cfg->work_dir);
    ck_assert_int_eq(access(p, R_OK), 0);
    /* The gate logged it with the training figures. */
    rs_gate_event ev;
    ck_assert_int_eq(rs_swap_gate_events(w.gate, "pop", &ev, 1), 1);
    ck_assert_int_eq(ev.accepted, 1);
    ck_assert_int_eq(ev.has_train, 1);
    ck_assert_int_eq(ev.train.ratings, 8 + 5);
    ck_assert_int_eq(ev.train.users, 4 + 5);
    ck_assert(ev.train.seconds >= 0);
    rs_retrain_status s;
    rs_retrainer_get_status(w.r, &s);
    ck_assert_int_eq(s.runs, 1);
    ck_assert_int_eq(s.last_ratings, 13);
    ck_assert_str_eq(s.last_error, "");
    /* Two more runs: only the newest two version dirs stay. */
    ck_assert_int_eq(rs_retrainer_run_now(w.r, NULL, &err), RS_OK);
    ck_assert_int_eq(rs_retrainer_run_now(w.r, NULL, &err), RS_OK);
    ck_assert_int_eq(rs_retrainer_versions(w.r, "pop", v, 8), 2);
    ck_assert_int_eq(v[0], 2);
    ck_assert_int_eq(v[1], 3);
    /* A restart loads the retrained model from the default artifacts. */
    rs_retrainer_free(w.r);
    w.r = NULL;
    rs_swap_gate_free(w.gate);
    w.gate = NULL;
    hf_close_engine(&w.f);
    ck_assert_int_eq(hf_open(&w.f, &err), RS_OK);
    ck_assert_int_eq(rs_engine_load_or_train(w.f.engine, 0, &err), RS_OK);
    ck_assert_int_eq(top_item(w.f.engine), 3);
    close_world(&w);
}
END_TEST

START_TEST(scheduler_runs_after_new_ratings_at_low_priority)
{
    world w;
    rs_error err = {0};
    rs_retrain_status s;
    open_world(&w, "retrain: {after_new_ratings: 3, sources: [pop]}\n");
    ck_assert_int_eq(rs_retrainer_source_count(w.r), 1);
    ck_assert_int_eq(rs_retrainer_start(w.r, &err), RS_OK);
    rs_retrainer_note_ratings(w.r, 2);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    rs_retrainer_get_status(w.r, &s);
    ck_assert_int_eq(s.runs, 0); /* below the threshold */
    rs_retrainer_note_ratings(w.r, 1);
    for (int i = 0; i < 200; i++) {
        rs_retrainer_get_status(w.r, &s);
        if (s.runs >= 1)
            break;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    ck_assert_int_eq(s.runs, 1);
    ck_assert_int_eq(s.new_ratings, 0);
    ck_assert_int_eq(w.db.calls, 1);
    ck_assert_int_eq(w.db.nice_seen, 19); /* trained on a nice 19 thread */
    ck_assert_int_eq(rs_engine_instance_version(w.f.engine, "pop"), 2);
    /* An explicit trigger runs again; stop is prompt and joins. */
    rs_retrainer_trigger(w.r);
    for (int i = 0; i < 200 && s.runs < 2; i++) {
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
        rs_retrainer_get_status(w.r, &s);
    }
    ck_assert_int_eq(s.runs, 2);
    rs_retrainer_stop(w.r);
    close_world(&w);
}
END_TEST

START_TEST(unknown_or_unfit_sources_refused)
{
    world w;
    rs_error err = {0};
    rs_retrain_config rc;
    rs_retrainer *r;
    open_world(&w, "retrain: {}\n");
    rs_retrain_config_default(&rc);
    snprintf(rc.sources[0], sizeof rc.sources[0], "nope");
    rc.n_sources = 1;
    ck_assert_int_eq(rs_retrainer_new(w.f.cfg, w.f.engine, w.gate, &rc, NULL, &r, &err),
                     RS_ERR_CONFIG);
    ck_assert_str_eq(err.message, "retrain.sources: no instance named 'nope'");
    close_world(&w);
}
END_TEST

/* Real data: 300 spam accounts rate the same 20 obscure movies 5.0. The
 * retrained popularity would rank them first; the gate refuses it with
 * both figures and the old model keeps serving. */
START_TEST(spam_retrain_refused_on_real_data)
{
    hf f;
    rs_error err = {0};
    rs_swap_gate *g;
    rs_retrainer *r;
    if (!lc_setup_real(&f, "  - {name: pop, plugin: popularity}\n", NULL))
        return;
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_engine_load_or_train(f.engine, 1, &err), RS_OK);
    ck_assert_int_eq(rs_swap_gate_new(f.cfg, f.engine, NULL, &g, &err), RS_OK);
    app_db db = {.n_fans = 300};
    /* The 20 last catalogue movies rated exactly once in the base data. */
    const rs_dataset *d = rs_engine_dataset(f.engine);
    for (int32_t i = d->n_items - 1; i >= 0 && db.n_items < 20; i--)
        if (d->item_ptr[i + 1] - d->item_ptr[i] == 1)
            db.items[db.n_items++] = i;
    ck_assert_int_eq(db.n_items, 20);
    int32_t obscure = db.items[0];
    rs_retrainer_options opt = {app_ratings, &db, NULL, NULL};
    ck_assert_int_eq(rs_retrainer_new(f.cfg, f.engine, g, NULL, &opt, &r, &err), RS_OK);
    char manifest[4400], before[2048], after[2048];
    snprintf(manifest, sizeof manifest, "%s/MANIFEST", rs_engine_artifact_dir(f.engine, "pop"));
    read_text(manifest, before, sizeof before);
    size_t accepted = 9;
    ck_assert_msg(rs_retrainer_run_now(r, &accepted, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(accepted, 0);
    ck_assert_int_eq(rs_engine_instance_version(f.engine, "pop"), 1);
    read_text(manifest, after, sizeof after); /* the refused version is not the default */
    ck_assert_str_eq(before, after);
    ck_assert_int_ne(top_item(f.engine), obscure);
    rs_gate_event ev;
    ck_assert_int_eq(rs_swap_gate_events(g, "pop", &ev, 1), 1);
    ck_assert_int_eq(ev.accepted, 0);
    tu_assert_contains(ev.message, "swap refused: candidate Recall@20 ");
    tu_assert_contains(ev.message, " vs serving ");
    ck_assert(ev.candidate_recall < ev.serving_recall);
    rs_retrainer_free(r);
    rs_swap_gate_free(g);
    hf_teardown(&f);
}
END_TEST

/* LightGCN (from its own area) retrained on base + app ratings when it is
 * built: a versioned dir, and a gate event with the training figures and
 * both recalls (accepted or refused: that is the gate's call). */
START_TEST(retrain_lightgcn_when_built)
{
    hf f;
    rs_error err = {0};
    rs_swap_gate *g;
    rs_retrainer *r;
    char desc[4200];
    snprintf(desc, sizeof desc, "%s/lightgcn/plugin.yaml", RS_PLUGIN_BUILD_DIR);
    if (access(desc, R_OK) != 0 ||
        !lc_setup_real(&f, "  - {name: lgcn, plugin: lightgcn, params: {dim: 16, epochs: 8}}\n",
                       NULL))
        return;
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_load_or_train(f.engine, 1, &err) == RS_OK, "%s", err.message);
    ck_assert_int_eq(rs_swap_gate_new(f.cfg, f.engine, NULL, &g, &err), RS_OK);
    app_db db = {.n_fans = 10, .items = {0, 1, 2, 3, 4}, .n_items = 5};
    rs_retrainer_options opt = {app_ratings, &db, NULL, NULL};
    ck_assert_int_eq(rs_retrainer_new(f.cfg, f.engine, g, NULL, &opt, &r, &err), RS_OK);
    ck_assert_int_eq(rs_retrainer_source_count(r), 1);
    ck_assert_msg(rs_retrainer_run_now(r, NULL, &err) == RS_OK, "%s", err.message);
    int64_t v[4];
    ck_assert_int_eq(rs_retrainer_versions(r, "lgcn", v, 4), 1);
    rs_gate_event ev;
    ck_assert_int_eq(rs_swap_gate_events(g, "lgcn", &ev, 1), 1);
    ck_assert_int_eq(ev.has_train, 1);
    ck_assert_int_eq(ev.train.ratings, (int64_t)rs_engine_dataset(f.engine)->n_ratings + 50);
    ck_assert(ev.candidate_recall > 0 && ev.serving_recall > 0);
    fprintf(stderr, "lightgcn retrain: %s (trained in %.1f s)\n", ev.message, ev.train.seconds);
    rs_retrainer_free(r);
    rs_swap_gate_free(g);
    hf_teardown(&f);
}
END_TEST

/* lc_defect's call log, one parsed line per call. */
typedef struct call {
    char inst[32];
    int serial;
    char op[16];
    char dir[4400];
} call;

static size_t read_calls(const char *path, call *out, size_t cap)
{
    char line[4600];
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (n < cap && fgets(line, sizeof line, f))
        if (sscanf(line, "%31s %d %15s %4399s", out[n].inst, &out[n].serial, out[n].op,
                   out[n].dir) == 4)
            n++;
    fclose(f);
    return n;
}

/* Index of the first call of `inst` doing `op` (NULL = any), or -1; *count
 * (may be NULL) receives how many there are. */
static int find_call(const call *c, size_t n, const char *inst, const char *op, int *count)
{
    int first = -1, k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].inst, inst) == 0 && (!op || strcmp(c[i].op, op) == 0)) {
            first = first < 0 ? (int)i : first;
            k++;
        }
    if (count)
        *count = k;
    return first;
}

static int calls(const call *c, size_t n, const char *inst, const char *op)
{
    int k;
    find_call(c, n, inst, op, &k);
    return k;
}

static int destroyed(const call *c, size_t n, int serial)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].serial == serial && strcmp(c[i].op, "destroy") == 0)
            return 1;
    return 0;
}

/* What one retrain of one source costs the plugin, counted by lc_defect
 * through the real path (rs_retrainer_run_now -> fit candidate -> save the
 * version -> the gate loads it -> publish -> install): exactly one fit, one
 * save and one load; the fitted instance is the saved one and never serves
 * (destroyed within the run); the loaded one is the version dir and is what
 * serves; the other slot (not retrained) sees no call at all, so no second
 * engine was built. */
START_TEST(one_fit_one_save_one_load_per_source)
{
    hf f;
    rs_error err = {0};
    rs_gate_config gc;
    rs_swap_gate *g;
    rs_retrainer *r;
    rs_retrain_config rc;
    char log[1024], inst[2400], vdir[4500], want[4600], def[4600], ver[4600];
    call c[64];
    hf_setup(&f);
    ck_assert_int_lt(snprintf(log, sizeof log, "%s/calls.log", f.dir), (int)sizeof log);
    snprintf(inst, sizeof inst,
             "  - {name: a, plugin: lc_defect, params: {log: \"%s\"}}\n"
             "  - {name: b, plugin: lc_defect, params: {log: \"%s\"}}\n",
             log, log);
    hf_write_config(&f, inst, NULL);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_load_or_train(f.engine, 1, &err) == RS_OK, "%s", err.message);
    /* Start-up: each slot fitted and saved once, the fitted instance serves. */
    size_t n = read_calls(log, c, 64);
    ck_assert_int_eq(calls(c, n, "a", "fit"), 1);
    ck_assert_int_eq(calls(c, n, "a", "save"), 1);
    ck_assert_int_eq(calls(c, n, "a", "load"), 0);
    rs_gate_config_default(&gc);
    gc.min_ratings = 2;
    ck_assert_int_eq(rs_swap_gate_new(f.cfg, f.engine, &gc, &g, &err), RS_OK);
    rs_retrain_config_default(&rc);
    snprintf(rc.sources[0], sizeof rc.sources[0], "a");
    rc.n_sources = 1;
    ck_assert_int_eq(rs_retrainer_new(f.cfg, f.engine, g, &rc, NULL, &r, &err), RS_OK);
    for (int run = 1; run <= 2; run++) {
        size_t accepted = 0;
        ck_assert_int_eq(unlink(log), 0);
        ck_assert_msg(rs_retrainer_run_now(r, &accepted, &err) == RS_OK, "%s", err.message);
        ck_assert_int_eq(accepted, 1);
        ck_assert_int_eq(rs_engine_instance_version(f.engine, "a"), 1 + run);
        n = read_calls(log, c, 64);
        fprintf(stderr,
                "retrain run %d of source a: fit %d, save %d, load %d, create %d, destroy %d; "
                "slot b: %d calls\n",
                run, calls(c, n, "a", "fit"), calls(c, n, "a", "save"), calls(c, n, "a", "load"),
                calls(c, n, "a", "create"), calls(c, n, "a", "destroy"), calls(c, n, "b", NULL));
        ck_assert_int_eq(calls(c, n, "a", "fit"), 1);
        ck_assert_int_eq(calls(c, n, "a", "save"), 1);
        ck_assert_int_eq(calls(c, n, "a", "load"), 1);
        ck_assert_int_eq(calls(c, n, "a", "create"), 2);  /* the fitted, the loaded */
        ck_assert_int_eq(calls(c, n, "a", "destroy"), 2); /* the fitted, the retired */
        ck_assert_int_eq(calls(c, n, "b", NULL), 0);
        const call *fit = &c[find_call(c, n, "a", "fit", NULL)];
        int si = find_call(c, n, "a", "save", NULL), li = find_call(c, n, "a", "load", NULL);
        ck_assert_int_lt(si, li); /* saved, then loaded back */
        rs_retrainer_version_dir(r, "a", run, vdir, sizeof vdir);
        snprintf(want, sizeof want, "%s.new", vdir); /* renamed to vdir once complete */
        ck_assert_int_eq(c[si].serial, fit->serial);
        ck_assert_str_eq(c[si].dir, want);
        ck_assert(destroyed(c, n, fit->serial)); /* the fitted one never served */
        ck_assert_str_eq(c[li].dir, vdir);
        ck_assert_int_ne(c[li].serial, fit->serial);
        ck_assert(!destroyed(c, n, c[li].serial)); /* the loaded one serves */
        /* The defaults are a copy of the version (no second save). */
        snprintf(def, sizeof def, "%s/defect.txt", rs_engine_artifact_dir(f.engine, "a"));
        snprintf(ver, sizeof ver, "%s/defect.txt", vdir);
        char a[64], b[64];
        read_text(def, a, sizeof a);
        read_text(ver, b, sizeof b);
        ck_assert_str_eq(a, b);
    }
    rs_retrainer_free(r);
    rs_swap_gate_free(g);
    hf_teardown(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("retrain");
    TCase *tc = tcase_create("retrain");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, config_parse);
    tcase_add_test(tc, merge_app_ratings);
    tcase_add_test(tc, run_versions_gates_and_persists);
    tcase_add_test(tc, one_fit_one_save_one_load_per_source);
    tcase_add_test(tc, scheduler_runs_after_new_ratings_at_low_priority);
    tcase_add_test(tc, unknown_or_unfit_sources_refused);
    tcase_add_test(tc, spam_retrain_refused_on_real_data);
    tcase_add_test(tc, retrain_lightgcn_when_built);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
