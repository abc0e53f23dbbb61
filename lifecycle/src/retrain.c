/* Periodic retraining: merge, fit a candidate, save a version, gate, install. */
#include "recsys/retrain.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "recsys/config_fields.h"
#include "recsys/fsutil.h"
#include "recsys/log.h"

#define T(key, type, member, lo, hi, dflt, doc)                                       \
    {                                                                                 \
        key, type, offsetof(rs_retrain_config, member), lo, hi, 0, 0, NULL, doc, dflt \
    }
static const rs_config_field retrain_fields[] = {
    T("every_hours", RS_FIELD_FLOAT, every_hours, 0, HUGE_VAL, "0",
      "retrain this often; 0 = not on a timer"),
    T("after_new_ratings", RS_FIELD_INT64, after_new_ratings, 0, (double)INT64_MAX, "0",
      "retrain once this many app ratings arrived; 0 = not on a count"),
    T("keep_versions", RS_FIELD_INT64, keep_versions, 1, (double)INT64_MAX, "5",
      "model versions kept per source"),
    T("low_priority", RS_FIELD_BOOL, low_priority, 0, 0, "true",
      "train at idle CPU priority so serving keeps its cores"),
};
#undef T

/* Read by hand below: a list of instance names. */
static const char *const retrain_other_keys[] = {"sources", NULL};

const rs_config_field *rs_retrain_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(retrain_fields);
    return retrain_fields;
}

void rs_retrain_config_default(rs_retrain_config *c)
{
    memset(c, 0, sizeof *c);
    rs_config_fields_defaults(retrain_fields, RS_FIELD_COUNT(retrain_fields), c);
}

static rs_status parse_sources(const rs_yaml_node *seq, rs_retrain_config *c, rs_error *err)
{
    char where[300];
    if (seq->kind != RS_YAML_SEQ)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%sretrain.sources must be a list of instance names",
                            rs_yaml_where(seq, where, sizeof where));
    if (seq->n > RS_RETRAIN_MAX_SOURCES)
        return rs_error_set(err, RS_ERR_CONFIG, "%sretrain.sources: at most %d sources, got %zu",
                            rs_yaml_where(seq, where, sizeof where), RS_RETRAIN_MAX_SOURCES,
                            seq->n);
    for (size_t i = 0; i < seq->n; i++) {
        const char *s;
        rs_status st = rs_yaml_string(seq->items[i], "retrain.sources", &s, err);
        if (st != RS_OK)
            return st;
        if (!*s || strlen(s) >= RS_SOURCE_NAME_MAX)
            return rs_error_set(err, RS_ERR_CONFIG, "%sretrain.sources: bad instance name '%s'",
                                rs_yaml_where(seq->items[i], where, sizeof where), s);
        snprintf(c->sources[i], sizeof c->sources[i], "%s", s);
    }
    c->n_sources = seq->n;
    return RS_OK;
}

rs_status rs_retrain_config_parse(const rs_yaml_node *sec, rs_retrain_config *c, rs_error *err)
{
    rs_retrain_config_default(c);
    rs_status st = rs_config_fields_read(
        sec, "retrain", retrain_fields, RS_FIELD_COUNT(retrain_fields), retrain_other_keys, c, err);
    if (st != RS_OK)
        return st;
    const rs_yaml_node *src = rs_yaml_get(sec, "sources");
    return src ? parse_sources(src, c, err) : RS_OK;
}

/* ---- app ratings and the merged dataset --------------------------------------- */

struct rs_rating_sink {
    rs_app_rating *r;
    size_t n, cap;
    int32_t n_items;
};

rs_status rs_rating_sink_add(rs_rating_sink *s, const rs_app_rating *r, rs_error *err)
{
    if (r->item < 0 || r->item >= s->n_items)
        return rs_error_set(err, RS_ERR_INVALID,
                            "app rating of user %lld: item index %d is not in the catalogue",
                            (long long)r->user_id, r->item);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        rs_app_rating *nr = realloc(s->r, cap * sizeof *nr);
        if (!nr)
            return rs_error_set(err, RS_ERR_NOMEM, "retrain: out of memory");
        s->r = nr;
        s->cap = cap;
    }
    s->r[s->n++] = *r;
    return RS_OK;
}

typedef struct id_index {
    int64_t id;
    int32_t index;
} id_index;

static int cmp_id(const void *a, const void *b)
{
    int64_t x = ((const id_index *)a)->id, y = ((const id_index *)b)->id;
    return (x > y) - (x < y);
}

/* External user id -> dense index: base users by binary search, users
 * new to the base appended after them (extra stays sorted by insertion;
 * app-only users are few next to the base). */
typedef struct user_map {
    id_index *base; /* sorted by id */
    size_t n_base;
    id_index *extra; /* sorted by id, grown by insertion */
    size_t n_extra, cap_extra;
    int64_t *ids; /* dense -> external */
    int32_t n_ids, cap_ids;
} user_map;

static rs_status user_index(user_map *m, int64_t id, int32_t *out, rs_error *err)
{
    id_index key = {id, 0};
    id_index *hit = bsearch(&key, m->base, m->n_base, sizeof key, cmp_id);
    if (!hit && m->n_extra)
        hit = bsearch(&key, m->extra, m->n_extra, sizeof key, cmp_id);
    if (hit) {
        *out = hit->index;
        return RS_OK;
    }
    if (m->n_ids == m->cap_ids || m->n_extra == m->cap_extra) {
        size_t ci = m->cap_ids ? 2 * (size_t)m->cap_ids : 64;
        size_t ce = m->cap_extra ? 2 * m->cap_extra : 64;
        int64_t *ni = realloc(m->ids, ci * sizeof *ni);
        if (ni)
            m->ids = ni;
        id_index *ne = ni ? realloc(m->extra, ce * sizeof *ne) : NULL;
        if (!ni || !ne)
            return rs_error_set(err, RS_ERR_NOMEM, "retrain: out of memory");
        m->extra = ne;
        m->cap_ids = (int32_t)ci;
        m->cap_extra = ce;
    }
    int32_t idx = m->n_ids++;
    m->ids[idx] = id;
    size_t pos = m->n_extra; /* insertion keeps extra sorted for bsearch */
    while (pos > 0 && m->extra[pos - 1].id > id) {
        m->extra[pos] = m->extra[pos - 1];
        pos--;
    }
    m->extra[pos] = (id_index){id, idx};
    m->n_extra++;
    *out = idx;
    return RS_OK;
}

static rs_status map_init(user_map *m, const rs_dataset *base, rs_error *err)
{
    memset(m, 0, sizeof *m);
    size_t n = (size_t)base->n_users;
    m->base = malloc((n ? n : 1) * sizeof *m->base);
    m->ids = malloc((n ? n : 1) * sizeof *m->ids);
    if (!m->base || !m->ids)
        return rs_error_set(err, RS_ERR_NOMEM, "retrain: out of memory");
    for (size_t u = 0; u < n; u++) {
        m->base[u] = (id_index){base->user_ids[u], (int32_t)u};
        m->ids[u] = base->user_ids[u];
    }
    qsort(m->base, n, sizeof *m->base, cmp_id);
    m->n_base = n;
    m->n_ids = m->cap_ids = (int32_t)n;
    return RS_OK;
}

static void map_free(user_map *m)
{
    free(m->base);
    free(m->extra);
    free(m->ids);
}

rs_status rs_retrain_merge(const rs_dataset *base, const rs_app_rating *app, size_t n_app,
                           int cf_min_item_ratings, int cf_min_user_ratings, rs_ratings_set **out,
                           rs_error *err)
{
    user_map m;
    rs_status st = map_init(&m, base, err);
    size_t n = base->n_ratings + n_app, k = 0;
    rs_triple *t = st == RS_OK ? malloc((n ? n : 1) * sizeof *t) : NULL;
    if (st == RS_OK && !t)
        st = rs_error_set(err, RS_ERR_NOMEM, "retrain: out of memory");
    for (int32_t u = 0; st == RS_OK && u < base->n_users; u++)
        for (size_t j = base->user_ptr[u]; j < base->user_ptr[u + 1]; j++)
            t[k++] = (rs_triple){u, base->user_item[j], base->user_rating[j],
                                 base->user_time ? base->user_time[j] : 0};
    for (size_t i = 0; st == RS_OK && i < n_app; i++) {
        int32_t u = -1;
        if (app[i].item < 0 || app[i].item >= base->n_items) {
            st = rs_error_set(err, RS_ERR_INVALID, "app rating %zu: item index %d outside 0..%d", i,
                              app[i].item, base->n_items - 1);
            break;
        }
        if ((st = user_index(&m, app[i].user_id, &u, err)) != RS_OK)
            break;
        /* Of an app and a base rating of one pair, rs_ratings_set_new
         * keeps the later. */
        t[k++] = (rs_triple){u, app[i].item, app[i].rating, app[i].timestamp};
    }
    if (st == RS_OK)
        st = rs_ratings_set_new(base, t, k, m.ids, m.n_ids, cf_min_item_ratings,
                                cf_min_user_ratings, out, err);
    free(t);
    map_free(&m);
    return st;
}

/* ---- the retrainer ----------------------------------------------------------------- */

struct rs_retrainer {
    const rs_config *cfg;
    rs_engine *serving;
    rs_swap_gate *gate;
    rs_retrain_config c;
    rs_retrainer_options opt;
    char versions_root[PATH_MAX];
    pthread_mutex_t run_mu; /* one training at a time */
    pthread_mutex_t mu;     /* guards what follows */
    pthread_cond_t wake;
    int triggered, stop, thread_running;
    pthread_t thread;
    rs_retrain_status status;
    time_t last_run_mono; /* schedule base, CLOCK_MONOTONIC seconds */
};

static time_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static rs_status check_source(rs_engine *e, const char *name, rs_error *err)
{
    const rs_plugin_entry *pe = rs_engine_instance_entry(e, name);
    if (!pe)
        return rs_error_set(err, RS_ERR_CONFIG, "retrain.sources: no instance named '%s'", name);
    uint32_t need = RS_CAP_FIT | RS_CAP_PERSIST;
    if ((pe->capabilities & need) != need || (pe->capabilities & RS_CAP_COMPOSITE))
        return rs_error_set(err, RS_ERR_CONFIG,
                            "retrain.sources: instance '%s' (plugin %s) cannot be retrained: it "
                            "needs fit and persist and must not be composite",
                            name, pe->name);
    return RS_OK;
}

rs_status rs_retrainer_new(const rs_config *cfg, rs_engine *serving, rs_swap_gate *gate,
                           const rs_retrain_config *rc, const rs_retrainer_options *opt,
                           rs_retrainer **out, rs_error *err)
{
    rs_retrainer *r = calloc(1, sizeof *r);
    if (!r)
        return rs_error_set(err, RS_ERR_NOMEM, "retrain: out of memory");
    r->cfg = cfg;
    r->serving = serving;
    r->gate = gate;
    if (rc)
        r->c = *rc;
    else
        rs_retrain_config_default(&r->c);
    if (opt)
        r->opt = *opt;
    rs_status st = RS_OK;
    if (r->c.n_sources == 0) /* the default set */
        for (size_t i = 0; i < rs_engine_instance_count(serving); i++) {
            const char *name = rs_engine_instance_name(serving, i);
            if (check_source(serving, name, NULL) == RS_OK &&
                r->c.n_sources < RS_RETRAIN_MAX_SOURCES)
                snprintf(r->c.sources[r->c.n_sources++], RS_SOURCE_NAME_MAX, "%s", name);
        }
    for (size_t i = 0; i < r->c.n_sources && st == RS_OK; i++)
        st = check_source(serving, r->c.sources[i], err);
    if (st != RS_OK) {
        free(r);
        return st;
    }
    snprintf(r->versions_root, sizeof r->versions_root, "%s/versions", cfg->work_dir);
    pthread_mutex_init(&r->run_mu, NULL);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    r->last_run_mono = mono_now();
    *out = r;
    return RS_OK;
}

void rs_retrainer_free(rs_retrainer *r)
{
    if (!r)
        return;
    rs_retrainer_stop(r);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->run_mu);
    free(r);
}

size_t rs_retrainer_source_count(const rs_retrainer *r) { return r->c.n_sources; }

const char *rs_retrainer_source(const rs_retrainer *r, size_t i)
{
    return i < r->c.n_sources ? r->c.sources[i] : NULL;
}

const char *rs_retrainer_version_dir(const rs_retrainer *r, const char *source, int64_t n,
                                     char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s/%lld", r->versions_root, source, (long long)n);
    return buf;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Every all-digit entry of versions/<source>/, sorted; the count may
 * exceed cap (only cap are stored). */
size_t rs_retrainer_versions(const rs_retrainer *r, const char *source, int64_t *out, size_t cap)
{
    char dir[PATH_MAX + RS_SOURCE_NAME_MAX + 2];
    snprintf(dir, sizeof dir, "%s/%s", r->versions_root, source);
    DIR *d = opendir(dir);
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *de; (de = readdir(d));) {
        char *end;
        errno = 0;
        long long v = strtoll(de->d_name, &end, 10);
        if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || errno || v <= 0)
            continue;
        if (n < cap)
            out[n] = v;
        n++;
    }
    closedir(d);
    qsort(out, n < cap ? n : cap, sizeof *out, cmp_i64);
    return n;
}

static int64_t next_version(const rs_retrainer *r, const char *source)
{
    int64_t v[256];
    size_t n = rs_retrainer_versions(r, source, v, 256);
    int64_t top = 0;
    for (size_t i = 0; i < (n < 256 ? n : 256); i++)
        top = v[i] > top ? v[i] : top;
    return top + 1;
}

/* Remove all but the newest keep_versions version dirs. */
static void prune(const rs_retrainer *r, const char *source)
{
    int64_t v[256];
    char dir[PATH_MAX + 64];
    size_t n = rs_retrainer_versions(r, source, v, 256);
    n = n < 256 ? n : 256;
    for (size_t i = 0; i + (size_t)r->c.keep_versions < n; i++)
        if (rs_remove_tree(rs_retrainer_version_dir(r, source, v[i], dir, sizeof dir)) != 0)
            rs_log(RS_LOG_WARN, "retrain", "%s: cannot remove: %s", dir, strerror(errno));
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Fit `source` on `train` as a candidate of the serving engine and save it
 * as versions/<source>/<n> (the run's one fit and one save). The fitted
 * instance goes right after its save: it points into `train`, which goes
 * at the end of the run; the gate loads the saved version instead. */
static rs_status train_version(rs_retrainer *r, const char *source, const rs_dataset *train,
                               char *vdir, size_t vsize, double *seconds, rs_error *err)
{
    struct timespec t0;
    rs_candidate *cand = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rs_status st = rs_engine_fit_candidate(r->serving, source, train, &cand, err);
    if (st == RS_OK) {
        rs_retrainer_version_dir(r, source, next_version(r, source), vdir, vsize);
        st = rs_candidate_save(cand, vdir, err);
    }
    *seconds = seconds_since(&t0);
    rs_candidate_free(cand);
    return st;
}

/* Collect app ratings and build the training set. */
static rs_status build_train_set(rs_retrainer *r, rs_ratings_set **out, rs_error *err)
{
    const rs_dataset *base = rs_engine_dataset(r->serving);
    rs_rating_sink sink = {NULL, 0, 0, base->n_items};
    rs_status st = RS_OK;
    if (r->opt.app_ratings)
        st = r->opt.app_ratings(r->opt.app_ctx, &sink, err);
    if (st == RS_OK)
        st = rs_retrain_merge(base, sink.r, sink.n, r->cfg->cf_min_item_ratings,
                              r->cfg->cf_min_user_ratings, out, err);
    free(sink.r);
    return st;
}

static rs_status run_source(rs_retrainer *r, const char *source, const rs_dataset *train,
                            int *accepted, rs_error *err)
{
    char vdir[PATH_MAX + 128];
    double secs = 0;
    rs_status st = train_version(r, source, train, vdir, sizeof vdir, &secs, err);
    if (st != RS_OK)
        return st;
    rs_log(RS_LOG_INFO, "retrain", "%s: trained %s in %.2f s on %zu ratings", source, vdir, secs,
           train->n_ratings);
    rs_gate_train_info info = {secs, (int64_t)train->n_ratings, train->n_users};
    rs_gate_event ev;
    rs_error gate_err = {0};
    /* The run's one load: the gate loads vdir as its candidate. */
    st = rs_swap_gate_reload(r->gate, source, vdir, 0, &info, &ev, &gate_err);
    if (st == RS_OK) {
        *accepted = 1;
        if (r->opt.on_swap) /* it serves now, whatever follows */
            r->opt.on_swap(r->opt.swap_ctx, source, ev.version);
        /* Make it the default artifacts, so a restart serves it too: a
         * copy of what the gate just loaded, not a save of a serving
         * instance. */
        st = rs_engine_install_artifacts(r->serving, source, vdir, &gate_err);
    }
    prune(r, source);
    if (st == RS_ERR_STATE && !ev.accepted)
        return RS_OK; /* refused by the gate: logged there, not a failure */
    if (st != RS_OK) {
        if (err)
            *err = gate_err;
        return st;
    }
    return RS_OK;
}

rs_status rs_retrainer_run_now(rs_retrainer *r, size_t *accepted, rs_error *err)
{
    rs_error local = {0};
    rs_ratings_set *train = NULL;
    struct timespec t0;
    size_t n_ok = 0;
    pthread_mutex_lock(&r->run_mu);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&r->mu);
    r->status.running = 1;
    int64_t noted = r->status.new_ratings;
    pthread_mutex_unlock(&r->mu);
    rs_status st = build_train_set(r, &train, &local);
    /* Judge candidates on the newest ratings, which are the app's. */
    if (st == RS_OK)
        st = rs_swap_gate_set_holdout_data(r->gate, rs_ratings_set_view(train), &local);
    for (size_t i = 0; st == RS_OK && i < r->c.n_sources; i++) {
        int ok = 0;
        st = run_source(r, r->c.sources[i], rs_ratings_set_view(train), &ok, &local);
        n_ok += (size_t)ok;
    }
    pthread_mutex_lock(&r->mu);
    r->status.running = 0;
    r->status.runs++;
    r->status.last_run_at = (int64_t)time(NULL);
    r->status.last_run_seconds = seconds_since(&t0);
    r->status.new_ratings -= noted; /* keep what arrived during the run */
    if (train) {
        r->status.last_ratings = (int64_t)rs_ratings_set_view(train)->n_ratings;
        r->status.last_users = rs_ratings_set_view(train)->n_users;
    }
    snprintf(r->status.last_error, sizeof r->status.last_error, "%s",
             st == RS_OK ? "" : local.message);
    r->last_run_mono = mono_now();
    pthread_mutex_unlock(&r->mu);
    /* Every candidate fitted on it is gone (freed after its save); what
     * serves was loaded from disk. */
    rs_ratings_set_free(train);
    pthread_mutex_unlock(&r->run_mu);
    if (accepted)
        *accepted = n_ok;
    if (st != RS_OK) {
        rs_log(RS_LOG_WARN, "retrain", "run failed: %s", local.message);
        if (err)
            *err = local;
    }
    return st;
}

/* ---- scheduler ------------------------------------------------------------------------ */

void rs_retrainer_note_ratings(rs_retrainer *r, int64_t n)
{
    pthread_mutex_lock(&r->mu);
    r->status.new_ratings += n;
    if (r->c.after_new_ratings > 0 && r->status.new_ratings >= r->c.after_new_ratings)
        pthread_cond_broadcast(&r->wake);
    pthread_mutex_unlock(&r->mu);
}

void rs_retrainer_trigger(rs_retrainer *r)
{
    pthread_mutex_lock(&r->mu);
    r->triggered = 1;
    pthread_cond_broadcast(&r->wake);
    pthread_mutex_unlock(&r->mu);
}

/* Called with mu held. */
static int due(const rs_retrainer *r)
{
    if (r->triggered)
        return 1;
    if (r->c.after_new_ratings > 0 && r->status.new_ratings >= r->c.after_new_ratings)
        return 1;
    return r->c.every_hours > 0 &&
           (double)(mono_now() - r->last_run_mono) >= r->c.every_hours * 3600.0;
}

static void lower_priority(void)
{
    /* Linux applies nice per thread (by tid); threads the trainer spawns
     * (OpenMP) inherit both settings. Failures only cost speed. */
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (setpriority(PRIO_PROCESS, (id_t)tid, 19) != 0)
        rs_log(RS_LOG_WARN, "retrain", "setpriority: %s", strerror(errno));
#ifdef SCHED_IDLE
    struct sched_param sp = {0};
    int rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    if (rc != 0)
        rs_log(RS_LOG_WARN, "retrain", "SCHED_IDLE: %s", strerror(rc));
#endif
}

static void *scheduler_main(void *arg)
{
    rs_retrainer *r = arg;
    if (r->c.low_priority)
        lower_priority();
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        if (!due(r)) {
            /* Re-check at least once a minute: the time trigger has no
             * event of its own. */
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += 60;
            if (r->c.every_hours > 0) {
                time_t at = r->last_run_mono + (time_t)(r->c.every_hours * 3600.0) + 1;
                if (at < until.tv_sec)
                    until.tv_sec = at;
            }
            pthread_cond_timedwait(&r->wake, &r->mu, &until);
            continue;
        }
        r->triggered = 0;
        pthread_mutex_unlock(&r->mu);
        rs_retrainer_run_now(r, NULL, NULL);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

rs_status rs_retrainer_start(rs_retrainer *r, rs_error *err)
{
    pthread_mutex_lock(&r->mu);
    if (r->thread_running) {
        pthread_mutex_unlock(&r->mu);
        return RS_OK;
    }
    r->stop = 0;
    int rc = pthread_create(&r->thread, NULL, scheduler_main, r);
    r->thread_running = rc == 0;
    pthread_mutex_unlock(&r->mu);
    if (rc != 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "retrain: cannot start thread: %s", strerror(rc));
    return RS_OK;
}

void rs_retrainer_stop(rs_retrainer *r)
{
    pthread_mutex_lock(&r->mu);
    if (!r->thread_running) {
        pthread_mutex_unlock(&r->mu);
        return;
    }
    r->stop = 1;
    pthread_cond_broadcast(&r->wake);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_mutex_lock(&r->mu);
    r->thread_running = 0;
    pthread_mutex_unlock(&r->mu);
}

void rs_retrainer_get_status(rs_retrainer *r, rs_retrain_status *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->status;
    out->next_due_at = 0;
    if (r->c.every_hours > 0)
        out->next_due_at = (int64_t)time(NULL) + (int64_t)(r->c.every_hours * 3600.0) -
                           (int64_t)(mono_now() - r->last_run_mono);
    pthread_mutex_unlock(&r->mu);
}
