/* One replica of several over one PostgreSQL (see replica.h). */
#include "replica.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model_versions.h"
#include "recsys/config_fields.h"
#include "recsys/fsutil.h"
#include "recsys/log.h"
#include "server_internal.h"
#include "store.h"

/* A rating_changes row may commit a little after rows with later
 * timestamps (it is stamped inside its transaction): each read reaches
 * back this far, and rows already seen are skipped. */
#define FEED_OVERLAP_US 2000000
#define MAX_SOURCES 64

typedef struct feed_row {
    int64_t user_id;
    int64_t changed_us;
} feed_row;

struct rs_replica {
    rs_server *srv;
    rs_replica_config c;
    atomic_int state;
    atomic_int leader;

    pthread_mutex_t mu; /* guards everything below and the wait */
    pthread_cond_t wake;
    int stop;
    pthread_t sync_thread, train_thread;
    int sync_running, train_running;

    size_t n;                     /* engine instances */
    int64_t applied[MAX_SOURCES]; /* cluster version serving (0 = none) */
    int64_t failed[MAX_SOURCES];  /* last version that failed (not retried) */
    char failed_msg[MAX_SOURCES][256];
    int64_t trains; /* retrains this replica ran as leader */

    rs_store_trainer_lock *lock; /* held while this replica is the leader */
    /* The rating feed (sync thread only). */
    int64_t feed_cursor_us; /* newest changed_at seen; 0 = not read yet */
    feed_row *seen;         /* rows of the last read within the overlap */
    size_t n_seen;
};

/* ---- config ------------------------------------------------------------------- */

/* The `cluster:` section as read, before it becomes rs_replica_config (the
 * id from the environment or host-pid, the directory made absolute). */
typedef struct cluster_scalars {
    const char *replica_id, *artifact_dir;
    double poll_interval_s, retrain_every_s;
    int64_t drain_wait_ms;
} cluster_scalars;

static const rs_config_field cluster_fields[] = {
    {"replica_id", RS_FIELD_STRING, offsetof(cluster_scalars, replica_id), 0,
     sizeof((rs_replica_config *)0)->id - 1, 0, 0, NULL,
     "this replica's name in logs and /api/admin/models; RECSYS_REPLICA_ID overrides; empty: "
     "<host>-<pid>",
     ""},
    {"artifact_dir", RS_FIELD_STRING, offsetof(cluster_scalars, artifact_dir), 0,
     sizeof((rs_replica_config *)0)->artifact_dir - 1, 0, 0, NULL,
     "the shared store of published versions, relative to the config file", "artifacts"},
    {"poll_interval_s", RS_FIELD_FLOAT, offsetof(cluster_scalars, poll_interval_s), 0.05, 86400, 0,
     0, NULL, "seconds between reads of model_versions", "10"},
    {"retrain_every_s", RS_FIELD_FLOAT, offsetof(cluster_scalars, retrain_every_s), 0, HUGE_VAL, 0,
     0, NULL, "scheduled retraining, on the one replica holding the trainer lock; 0 = none", "0"},
    {"drain_wait_ms", RS_FIELD_INT64, offsetof(cluster_scalars, drain_wait_ms), 0, 600000, 0, 0,
     NULL,
     "on SIGTERM, not ready this long before closing (longer than the load balancer's health "
     "checks take to notice); 0 without a cluster: section",
     "2000"},
};

const rs_config_field *rs_replica_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(cluster_fields);
    return cluster_fields;
}

/* Every replica would otherwise train on its own schedule too. */
static rs_status check_no_own_schedule(const rs_config *cfg, rs_error *err)
{
    char where[300];
    const rs_yaml_node *rt = rs_config_section(cfg, "retrain");
    const rs_yaml_node *k = rt ? rs_yaml_get(rt, "every_hours") : NULL;
    if (!(k && k->scalar && strtod(k->scalar, NULL) != 0))
        k = rt ? rs_yaml_get(rt, "after_new_ratings") : NULL;
    if (k && k->scalar && strtod(k->scalar, NULL) != 0)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%sa cluster retrains on one replica at a time, on "
                            "cluster.retrain_every_s: set retrain.every_hours and "
                            "retrain.after_new_ratings to 0",
                            rs_yaml_where(k, where, sizeof where));
    return RS_OK;
}

rs_status rs_replica_config_parse(const rs_config *cfg, rs_replica_config *c, rs_error *err)
{
    cluster_scalars s;
    memset(c, 0, sizeof *c);
    rs_config_fields_defaults(cluster_fields, RS_FIELD_COUNT(cluster_fields), &s);
    const rs_yaml_node *sec = cfg ? rs_config_section(cfg, "cluster") : NULL;
    rs_status st = rs_config_fields_read(sec, "cluster", cluster_fields,
                                         RS_FIELD_COUNT(cluster_fields), NULL, &s, err);
    if (st != RS_OK)
        return st;
    c->poll_interval_s = s.poll_interval_s;
    c->retrain_every_s = s.retrain_every_s;
    c->drain_wait_ms = s.drain_wait_ms;
    if (sec) {
        c->enabled = 1;
        if ((st = check_no_own_schedule(cfg, err)) != RS_OK)
            return st;
        char *abs = rs_config_resolve(cfg, s.artifact_dir);
        if (!abs)
            return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
        snprintf(c->artifact_dir, sizeof c->artifact_dir, "%s", abs);
        free(abs);
    } else {
        c->drain_wait_ms = 0; /* one server: nobody to tell */
    }
    const char *id = s.replica_id, *env = getenv("RECSYS_REPLICA_ID");
    if (env && *env) {
        if (strlen(env) >= sizeof c->id)
            return rs_error_set(err, RS_ERR_CONFIG, "RECSYS_REPLICA_ID: longer than %zu bytes",
                                sizeof c->id - 1);
        id = env;
    }
    if (*id) {
        snprintf(c->id, sizeof c->id, "%s", id);
    } else {
        char host[32] = "host";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        snprintf(c->id, sizeof c->id, "%s-%ld", host, (long)getpid());
    }
    return RS_OK;
}

/* ---- small helpers --------------------------------------------------------------- */

static int source_index(const rs_replica *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(rs_engine_instance_name(r->srv->engine, i), name) == 0)
            return (int)i;
    return -1;
}

/* Wait up to `seconds` or until stop; returns 1 when stopping. */
static int nap(rs_replica *r, double seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    double whole = floor(seconds);
    until.tv_sec += (time_t)whole;
    until.tv_nsec += (long)((seconds - whole) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->stop && pthread_cond_timedwait(&r->wake, &r->mu, &until) != ETIMEDOUT)
        ;
    int stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the swap point ---------------------------------------------------------------- */

/* The one place a published version becomes the serving one on this
 * replica. Today: the swap gate's reload with force, which loads the
 * artifacts into a candidate engine first and swaps atomically only when
 * that worked (zero downtime; a failure leaves the serving version
 * untouched). The gate's judgement was made once, by the replica that
 * published (the leader's retrain or an admin reload): judging again on
 * each replica's own holdout could leave replicas on different versions.
 * With the engine's candidate API (issue 19) this becomes
 * rs_engine_load_candidate + rs_engine_publish. */
static rs_status replica_apply_version(rs_server *srv, const char *source, const char *path,
                                       rs_error *err)
{
    if (!srv->lc || !srv->lc->gate)
        return rs_engine_reload(srv->engine, source, path, err);
    rs_gate_event ev;
    return rs_swap_gate_reload(srv->lc->gate, source, path, 1, NULL, &ev, err);
}

/* ---- sync: model versions ------------------------------------------------------- */

static void apply_one(rs_replica *r, const rs_model_version *v)
{
    int i = source_index(r, v->source);
    if (i < 0)
        return; /* a source this replica does not serve */
    pthread_mutex_lock(&r->mu);
    int skip = v->version <= r->applied[i] || v->version == r->failed[i];
    pthread_mutex_unlock(&r->mu);
    if (skip)
        return;
    rs_error err = {0};
    char sum[RS_CHECKSUM_HEX];
    rs_status st = rs_artifact_checksum(v->path, sum, &err);
    if (st == RS_OK && strcmp(sum, v->checksum) != 0)
        st = rs_error_set(&err, RS_ERR_FORMAT,
                          "%s: checksum %.12s... differs from the published %.12s...", v->path, sum,
                          v->checksum);
    if (st == RS_OK)
        st = replica_apply_version(r->srv, v->source, v->path, &err);
    pthread_mutex_lock(&r->mu);
    if (st == RS_OK) {
        r->applied[i] = v->version;
    } else {
        r->failed[i] = v->version;
        snprintf(r->failed_msg[i], sizeof r->failed_msg[i], "%.255s", err.message);
    }
    pthread_mutex_unlock(&r->mu);
    if (st == RS_OK) {
        rs_log(RS_LOG_INFO, "cluster", "%s: %s version %lld (from %s) now serving", r->c.id,
               v->source, (long long)v->version, v->created_by);
        if (r->srv->reco)
            rs_reco_models_changed(r->srv->reco);
    } else {
        /* Logged once: the same version is not tried again; a newer one is. */
        rs_log(RS_LOG_WARN, "cluster", "%s: %s version %lld not loaded (not retried): %s", r->c.id,
               v->source, (long long)v->version, err.message);
    }
}

static rs_status sync_versions(rs_replica *r)
{
    rs_error err = {0};
    rs_model_version *v = malloc(MAX_SOURCES * sizeof *v);
    if (!v)
        return RS_ERR_NOMEM;
    size_t n = 0;
    if (rs_store_model_versions_latest(r->srv->db, v, MAX_SOURCES, &n, &err) != RS_OK) {
        rs_log(RS_LOG_WARN, "cluster", "%s: reading model_versions: %s", r->c.id, err.message);
        free(v);
        return RS_ERR_DATABASE;
    }
    for (size_t i = 0; i < n; i++)
        apply_one(r, &v[i]);
    free(v);
    return RS_OK;
}

/* ---- sync: the rating feed --------------------------------------------------------- */

static int seen_before(const rs_replica *r, int64_t user, int64_t t)
{
    for (size_t i = 0; i < r->n_seen; i++)
        if (r->seen[i].user_id == user && r->seen[i].changed_us == t)
            return 1;
    return 0;
}

/* One read of the feed, gathered by feed_row_add. */
typedef struct feed_read {
    rs_replica *r;
    feed_row *now; /* this read's rows */
    size_t n_now, cap;
    int oom;     /* a row could not be kept: keep none */
    int64_t top; /* newest changed_us seen */
} feed_read;

static rs_status feed_row_add(void *ctx, int64_t user, int64_t t, rs_error *err)
{
    (void)err;
    feed_read *f = ctx;
    if (!seen_before(f->r, user, t))
        rs_reco_rating_changed(f->r->srv->reco, user, -1); /* the item is unknown here */
    if (!f->oom && f->n_now == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        feed_row *grown = realloc(f->now, cap * sizeof *grown);
        if (grown) {
            f->now = grown;
            f->cap = cap;
        } else {
            f->oom = 1;
        }
    }
    if (!f->oom)
        f->now[f->n_now++] = (feed_row){user, t};
    f->top = t > f->top ? t : f->top;
    return RS_OK;
}

/* Mark the cached lists of users whose ratings changed (through any
 * replica) since the last read dirty; the refresher recomputes them. */
static void sync_feed(rs_replica *r)
{
    rs_reco_cache_stats stats;
    rs_reco_cache_config cfg;
    if (!r->srv->reco || !rs_reco_cache_info(r->srv->reco, &stats, &cfg))
        return;
    rs_error err = {0};
    if (r->feed_cursor_us == 0) {
        /* The first read only sets the cursor: lists cached from now on are
         * computed from current ratings. */
        int64_t now = 0;
        if (rs_store_clock_us(r->srv->db, &now, &err) == RS_OK)
            r->feed_cursor_us = now;
        else
            rs_log(RS_LOG_WARN, "cluster", "%s: reading rating_changes: %s", r->c.id, err.message);
        return;
    }
    feed_read f = {r, NULL, 0, 0, 0, r->feed_cursor_us};
    if (rs_store_rating_changes_since(r->srv->db, r->feed_cursor_us - FEED_OVERLAP_US, feed_row_add,
                                      &f, &err) != RS_OK) {
        rs_log(RS_LOG_WARN, "cluster", "%s: reading rating_changes: %s", r->c.id, err.message);
        free(f.now);
        return;
    }
    if (f.oom) {
        free(f.now);
        f.now = NULL;
        f.n_now = 0;
    }
    r->feed_cursor_us = f.top;
    free(r->seen);
    r->seen = f.now;
    r->n_seen = f.n_now;
}

static void *sync_main(void *arg)
{
    rs_replica *r = arg;
    rs_reco_cache_stats stats;
    rs_reco_cache_config cfg;
    int cached = r->srv->reco && rs_reco_cache_info(r->srv->reco, &stats, &cfg);
    double feed_every = cached ? cfg.interval_s / 4 : 0;
    if (feed_every > 0 && feed_every < 0.05)
        feed_every = 0.05;
    double next_poll = 0, next_feed = 0;
    for (;;) {
        double now = mono_s();
        if (now >= next_poll) {
            rs_status st = sync_versions(r);
            next_poll = now + r->c.poll_interval_s;
            int starting = RS_REPLICA_STARTING;
            /* Ready once it serves what the cluster serves. */
            if (st == RS_OK)
                atomic_compare_exchange_strong(&r->state, &starting, RS_REPLICA_READY);
            else
                next_poll = now + 0.5; /* the database is back soon, or health says so */
        }
        if (feed_every > 0 && now >= next_feed) {
            sync_feed(r);
            next_feed = now + feed_every;
        }
        double until = next_poll;
        if (feed_every > 0 && next_feed < until)
            until = next_feed;
        if (nap(r, until - mono_s() > 0 ? until - mono_s() : 0))
            break;
    }
    return NULL;
}

/* ---- the trainer ---------------------------------------------------------------------- */

/* Keep or take the trainer lock; 1 when this replica is the leader. */
static int lead(rs_replica *r)
{
    rs_error err = {0};
    if (r->lock) {
        if (rs_store_trainer_lock_keep(&r->lock, &err) == RS_OK)
            return 1;
        rs_log(RS_LOG_WARN, "cluster", "%s: lost the trainer lock: %s", r->c.id, err.message);
        atomic_store(&r->leader, 0);
        return 0;
    }
    if (rs_store_trainer_lock_try(r->srv->db, &r->lock, &err) != RS_OK || !r->lock)
        return 0;
    atomic_store(&r->leader, 1);
    rs_log(RS_LOG_INFO, "cluster", "%s: took the trainer lock: this replica retrains", r->c.id);
    return 1;
}

static void give_up_lock(rs_replica *r)
{
    if (!r->lock)
        return;
    rs_store_trainer_lock_release(r->lock);
    r->lock = NULL;
    atomic_store(&r->leader, 0);
}

static char *metrics_text(rs_replica *r, const char *source)
{
    rs_gate_event ev;
    if (!r->srv->lc->gate || rs_swap_gate_events(r->srv->lc->gate, source, &ev, 1) != 1)
        return NULL;
    json_t *m = json_pack("{s:f, s:f, s:f, s:I, s:I, s:I}", "candidate_recall",
                          isnan(ev.candidate_recall) ? -1.0 : ev.candidate_recall, "serving_recall",
                          isnan(ev.serving_recall) ? -1.0 : ev.serving_recall, "train_seconds",
                          ev.has_train ? ev.train.seconds : 0.0, "train_ratings",
                          (json_int_t)(ev.has_train ? ev.train.ratings : 0), "train_users",
                          (json_int_t)(ev.has_train ? ev.train.users : 0), "gate_k",
                          (json_int_t)rs_swap_gate_config(r->srv->lc->gate)->k);
    char *s = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    return s;
}

static rs_status publish(rs_replica *r, const char *source, const char *dir, const char *metrics,
                         int64_t *version, rs_error *err)
{
    rs_model_version v;
    rs_status st = rs_model_versions_publish(r->srv->db, r->c.artifact_dir, source, dir, metrics,
                                             r->c.id, &v, err);
    if (st != RS_OK)
        return st;
    int i = source_index(r, source);
    pthread_mutex_lock(&r->mu);
    if (i >= 0 && v.version > r->applied[i])
        r->applied[i] = v.version; /* already serving here: the poll skips it */
    pthread_mutex_unlock(&r->mu);
    rs_log(RS_LOG_INFO, "cluster", "%s: published %s version %lld at %s", r->c.id, source,
           (long long)v.version, v.path);
    if (version)
        *version = v.version;
    return RS_OK;
}

static void retrain_once(rs_replica *r)
{
    rs_retrainer *rt = r->srv->lc->retrainer;
    rs_engine *e = r->srv->engine;
    size_t n = rs_retrainer_source_count(rt);
    int64_t before[RS_RETRAIN_MAX_SOURCES];
    for (size_t i = 0; i < n; i++)
        before[i] = rs_engine_instance_version(e, rs_retrainer_source(rt, i));
    pthread_mutex_lock(&r->mu);
    int64_t run = ++r->trains;
    pthread_mutex_unlock(&r->mu);
    rs_log(RS_LOG_INFO, "cluster", "%s: retraining (run %lld as leader)", r->c.id, (long long)run);
    rs_error err = {0};
    if (rs_retrainer_run_now(rt, NULL, &err) != RS_OK)
        rs_log(RS_LOG_WARN, "cluster", "%s: retrain failed: %s", r->c.id, err.message);
    for (size_t i = 0; i < n; i++) {
        const char *src = rs_retrainer_source(rt, i);
        if (rs_engine_instance_version(e, src) == before[i])
            continue; /* refused by the gate, or failed: nothing new to share */
        int64_t v[256];
        size_t nv = rs_retrainer_versions(rt, src, v, 256);
        if (nv == 0)
            continue;
        char dir[2048];
        rs_retrainer_version_dir(rt, src, v[(nv < 256 ? nv : 256) - 1], dir, sizeof dir);
        char *m = metrics_text(r, src);
        rs_error perr = {0};
        if (publish(r, src, dir, m, NULL, &perr) != RS_OK)
            rs_log(RS_LOG_WARN, "cluster", "%s: publishing %s from %s failed: %s", r->c.id, src,
                   dir, perr.message);
        free(m);
    }
}

static void *train_main(void *arg)
{
    rs_replica *r = arg;
    while (!nap(r, r->c.retrain_every_s))
        if (lead(r))
            retrain_once(r);
    give_up_lock(r);
    return NULL;
}

/* ---- lifetime ------------------------------------------------------------------------ */

rs_status rs_replica_new(rs_server *s, rs_replica **out, rs_error *err)
{
    rs_replica *r = calloc(1, sizeof *r);
    if (!r)
        return rs_error_set(err, RS_ERR_NOMEM, "replica: out of memory");
    r->srv = s;
    rs_status st = rs_replica_config_parse(s->opt.config, &r->c, err);
    if (st != RS_OK) {
        free(r);
        return st;
    }
    r->n = rs_engine_instance_count(s->engine);
    if (r->n > MAX_SOURCES)
        r->n = MAX_SOURCES;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&r->state, r->c.enabled ? RS_REPLICA_STARTING : RS_REPLICA_READY);
    *out = r;
    if (!r->c.enabled)
        return RS_OK;
    if (rs_mkdir_p(r->c.artifact_dir) != 0)
        st = rs_error_set(err, RS_ERR_IO, "cluster.artifact_dir: cannot create %s: %s",
                          r->c.artifact_dir, strerror(errno));
    int rc = st == RS_OK ? pthread_create(&r->sync_thread, NULL, sync_main, r) : 0;
    r->sync_running = st == RS_OK && rc == 0;
    if (st == RS_OK && rc == 0 && r->c.retrain_every_s > 0 && s->lc && s->lc->retrainer) {
        rc = pthread_create(&r->train_thread, NULL, train_main, r);
        r->train_running = rc == 0;
    }
    if (st == RS_OK && rc != 0)
        st = rs_error_set(err, RS_ERR_INTERNAL, "replica: cannot start thread: %s", strerror(rc));
    if (st == RS_OK)
        rs_log(RS_LOG_INFO, "cluster", "replica %s: artifacts in %s, polling every %g s%s", r->c.id,
               r->c.artifact_dir, r->c.poll_interval_s, r->train_running ? ", may train" : "");
    return st; /* on failure the caller frees *out */
}

void rs_replica_free(rs_replica *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_broadcast(&r->wake);
    pthread_mutex_unlock(&r->mu);
    if (r->sync_running)
        pthread_join(r->sync_thread, NULL);
    if (r->train_running)
        pthread_join(r->train_thread, NULL); /* a retrain in progress finishes */
    give_up_lock(r);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->mu);
    free(r->seen);
    free(r);
}

int rs_replica_enabled(const rs_replica *r) { return r && r->c.enabled; }

const char *rs_replica_id(const rs_replica *r) { return r ? r->c.id : ""; }

rs_replica_state rs_replica_get_state(const rs_replica *r)
{
    return r ? (rs_replica_state)atomic_load(&((rs_replica *)r)->state) : RS_REPLICA_READY;
}

const char *rs_replica_state_str(rs_replica_state st)
{
    switch (st) {
    case RS_REPLICA_STARTING: return "starting";
    case RS_REPLICA_READY: return "ready";
    case RS_REPLICA_DRAINING: return "draining";
    }
    return "unknown";
}

int64_t rs_replica_drain(rs_replica *r)
{
    if (!r)
        return 0;
    atomic_store(&r->state, RS_REPLICA_DRAINING);
    rs_log(RS_LOG_INFO, "cluster", "%s: draining: not ready; closing in %lld ms", r->c.id,
           (long long)r->c.drain_wait_ms);
    return r->c.drain_wait_ms;
}

json_t *rs_replica_json(rs_replica *r)
{
    json_t *sources = json_object();
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n; i++)
        json_object_set_new(
            sources, rs_engine_instance_name(r->srv->engine, i),
            json_pack("{s:I, s:o, s:s}", "cluster_version", (json_int_t)r->applied[i],
                      "failed_version",
                      r->failed[i] ? json_integer((json_int_t)r->failed[i]) : json_null(),
                      "failed_error", r->failed_msg[i]));
    json_int_t trains = (json_int_t)r->trains;
    pthread_mutex_unlock(&r->mu);
    return json_pack("{s:s, s:b, s:s, s:b, s:s, s:f, s:f, s:I, s:o}", "id", r->c.id, "cluster",
                     r->c.enabled, "state", rs_replica_state_str(rs_replica_get_state(r)), "leader",
                     atomic_load(&r->leader), "artifact_dir", r->c.artifact_dir, "poll_interval_s",
                     r->c.poll_interval_s, "retrain_every_s", r->c.retrain_every_s, "trains",
                     trains, "sources", sources);
}

rs_status rs_replica_version_dir(rs_replica *r, const char *source, int64_t version, char *dir,
                                 size_t size, rs_error *err)
{
    rs_model_version v;
    rs_status st = rs_store_model_version_get(r->srv->db, source, version, &v, err);
    if (st == RS_OK)
        snprintf(dir, size, "%s", v.path);
    return st;
}

rs_status rs_replica_publish(rs_replica *r, const char *source, const char *dir, int64_t *version,
                             rs_error *err)
{
    char *m = metrics_text(r, source);
    rs_status st = publish(r, source, dir, m, version, err);
    free(m);
    return st;
}
