/*
 * The engine: plugin slots with reference-counted serving versions.
 *
 * A slot's `current` version is swapped under the slot mutex; readers take
 * a reference under the same mutex (a few instructions), so requests never
 * wait for a fit or a load, which always build a candidate (a fresh instance
 * off to the side) that is saved, judged and only then published. The last
 * reader of a retired version destroys it.
 */
#include "recsys/engine.h"

#include "recsys/contract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "descriptor.h"
#include "idmap.h"
#include "manifest.h"
#include "plugin_loader.h"
#include "progress.h"

typedef struct rs_slot rs_slot;

typedef struct rs_version {
    rs_slot *slot;
    void *instance;
    int refs;               /* readers + 1 while current */
    int64_t number;         /* 1, 2, ... in order of going live */
    rs_provenance prov;     /* what it was fitted on, for the MANIFEST */
    const rs_dataset *data; /* of its fit/load: queries' user_index */
    /* A private fit (host child_fit_private) owns its slot clone and the
     * user map of its composite-built dataset; both die with it. */
    rs_slot *own_slot;
    struct user_map *own_map;
} rs_version;

struct rs_slot {
    rs_engine *engine;
    const rs_instance_config *conf;
    rs_plugin *plugin; /* shared; owned by the engine's plugin list */
    rs_params *params;
    rs_host host;
    pthread_mutex_t mu;
    rs_version *current;
    void *fresh;      /* created at start-up, consumed by the first fit/load */
    int64_t versions; /* how many went live */
    char artifact_dir[PATH_MAX];
    char checkpoint_dir[PATH_MAX];
    size_t *deps; /* slots named by its `instance` params (earlier slots) */
    size_t n_deps;
    int private_fit; /* a clone for child_fit_private: never resumes */
};

/* External user id -> dense index, one per dataset an instance was fitted
 * or loaded with (datasets outlive the engine). Built off the request path
 * (at publish) and never changed after, so readers walk the list without a
 * lock. */
typedef struct user_map {
    const rs_dataset *data;
    rs_idmap ids;
    struct user_map *next;
} user_map;

struct rs_engine {
    const rs_config *cfg;
    const rs_dataset *data;
    rs_plugin **plugins;
    size_t n_plugins;
    rs_slot *slots; /* in dependency order */
    size_t n_slots;
    int threads;
    int resume;                       /* fits continue from their checkpoints */
    char data_fp[RS_FINGERPRINT_MAX]; /* of `data`, for MANIFEST checks */
    _Atomic(user_map *) user_maps;    /* prepended under maps_mu */
    pthread_mutex_t maps_mu;
};

/* ---- host table ---------------------------------------------------------- */

static rs_slot *slot_of_host(const rs_host *h) { return (rs_slot *)h->host_data; }

static void host_log(const rs_host *h, rs_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rs_log_v(level, slot_of_host(h)->conf->name, fmt, ap);
    va_end(ap);
}

static void host_progress(const rs_host *h, const char *task, double done, double total,
                          const char *detail)
{
    rs_progress_report(slot_of_host(h)->conf->name, task, done, total, detail);
}

static rs_status host_param(const rs_host *h, const char *key, rs_param_type want,
                            const rs_param_value **v)
{
    const rs_slot *s = slot_of_host(h);
    const rs_param_spec *spec = rs_params_lookup(s->params, key, v);
    if (!spec)
        return RS_ERR_NOT_FOUND;
    if (spec->type == want ||
        (want == RS_PARAM_STRING &&
         (spec->type == RS_PARAM_ENUM || spec->type == RS_PARAM_INSTANCE)) ||
        (want == RS_PARAM_FLOAT && spec->type == RS_PARAM_INT))
        return RS_OK;
    return RS_ERR_INVALID;
}

static rs_status host_param_int(const rs_host *h, const char *key, int64_t *out)
{
    const rs_param_value *v;
    rs_status st = host_param(h, key, RS_PARAM_INT, &v);
    if (st == RS_OK)
        *out = v->i;
    return st;
}

static rs_status host_param_float(const rs_host *h, const char *key, double *out)
{
    const rs_param_value *v;
    rs_status st = host_param(h, key, RS_PARAM_FLOAT, &v);
    if (st == RS_OK)
        *out = v->f;
    return st;
}

static rs_status host_param_bool(const rs_host *h, const char *key, int *out)
{
    const rs_param_value *v;
    rs_status st = host_param(h, key, RS_PARAM_BOOL, &v);
    if (st == RS_OK)
        *out = v->b;
    return st;
}

static rs_status host_param_string(const rs_host *h, const char *key, const char **out)
{
    const rs_param_value *v;
    rs_status st = host_param(h, key, RS_PARAM_STRING, &v);
    if (st == RS_OK)
        *out = v->s;
    return st;
}

static const rs_dataset *host_dataset(const rs_host *h) { return slot_of_host(h)->engine->data; }

static rs_status host_acquire(const rs_host *h, const char *name, rs_instance_ref *ref,
                              rs_error *err)
{
    return rs_engine_acquire(slot_of_host(h)->engine, name, ref, err);
}

static void host_release(const rs_host *h, rs_instance_ref *ref)
{
    rs_engine_release(slot_of_host(h)->engine, ref);
}

static int host_threads(const rs_host *h) { return slot_of_host(h)->engine->threads; }
static const char *host_artifact_dir(const rs_host *h) { return slot_of_host(h)->artifact_dir; }
static const char *host_instance_name(const rs_host *h) { return slot_of_host(h)->conf->name; }
static const char *host_checkpoint_dir(const rs_host *h) { return slot_of_host(h)->checkpoint_dir; }
static int host_resume(const rs_host *h)
{
    const rs_slot *s = slot_of_host(h);
    return !s->private_fit && s->engine->resume;
}

static rs_status host_child_recommend(const rs_host *h, const rs_instance_ref *ref,
                                      const rs_query *q, size_t k, rs_scored *out,
                                      rs_explanation *explain, size_t *n_out, rs_error *err);
static rs_status host_child_score(const rs_host *h, const rs_instance_ref *ref, const rs_query *q,
                                  const int32_t *items, size_t n, float *scores, rs_error *err);
static rs_status host_child_similar(const rs_host *h, const rs_instance_ref *ref, int32_t item,
                                    size_t k, rs_scored *out, size_t *n_out, rs_error *err);
static rs_status host_child_fit_private(const rs_host *h, const rs_instance_ref *child,
                                        const rs_dataset *data, rs_instance_ref *out,
                                        rs_error *err);

static void host_init(rs_slot *s)
{
    rs_host *h = &s->host;
    memset(h, 0, sizeof *h);
    h->struct_size = sizeof *h;
    h->abi_major = RS_ABI_MAJOR;
    h->abi_minor = RS_ABI_MINOR;
    h->host_data = s;
    h->log = host_log;
    h->progress = host_progress;
    h->param_int = host_param_int;
    h->param_float = host_param_float;
    h->param_bool = host_param_bool;
    h->param_string = host_param_string;
    h->dataset = host_dataset;
    h->acquire_instance = host_acquire;
    h->release_instance = host_release;
    h->threads = host_threads;
    h->artifact_dir = host_artifact_dir;
    h->instance_name = host_instance_name;
    h->checkpoint_dir = host_checkpoint_dir;
    h->resume = host_resume;
    h->child_recommend = host_child_recommend;
    h->child_score = host_child_score;
    h->child_similar = host_child_similar;
    h->child_fit_private = host_child_fit_private;
}

/* ---- construction -------------------------------------------------------- */

static rs_status plugin_get(rs_engine *e, const rs_instance_config *ic, rs_plugin **out,
                            rs_error *err)
{
    for (size_t i = 0; i < e->n_plugins; i++)
        if (strcmp(e->plugins[i]->desc->name, ic->plugin) == 0) {
            *out = e->plugins[i];
            return RS_OK;
        }
    rs_descriptor *d;
    rs_status st = rs_descriptor_find(e->cfg->plugin_path, e->cfg->n_plugin_path, ic->plugin, &d,
                                      err);
    if (st != RS_OK) {
        char where[300], msg[RS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        return rs_error_set(err, st, "%sinstance '%s': %s",
                            rs_yaml_where(ic->node, where, sizeof where), ic->name, msg);
    }
    if (strcmp(d->name, ic->plugin) != 0) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s: names plugin '%s', expected '%s'", d->path,
                          d->name, ic->plugin);
        rs_descriptor_free(d);
        return st;
    }
    rs_plugin **np = realloc(e->plugins, (e->n_plugins + 1) * sizeof *np);
    if (!np) {
        rs_descriptor_free(d);
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    }
    e->plugins = np;
    if ((st = rs_plugin_open(d, out, err)) != RS_OK)
        return st;
    e->plugins[e->n_plugins++] = *out;
    return RS_OK;
}

static void user_maps_free(rs_engine *e)
{
    user_map *m = atomic_load(&e->user_maps);
    while (m) {
        user_map *next = m->next;
        rs_idmap_destroy(&m->ids);
        free(m);
        m = next;
    }
    pthread_mutex_destroy(&e->maps_mu);
}

void rs_engine_free(rs_engine *e)
{
    if (!e)
        return;
    /* Dependents come after their dependencies, so destroy them first. */
    for (size_t i = e->n_slots; i-- > 0;) {
        rs_slot *s = &e->slots[i];
        if (s->plugin) {
            if (s->current)
                s->plugin->entry.destroy(s->current->instance);
            if (s->fresh)
                s->plugin->entry.destroy(s->fresh);
        }
        free(s->current);
        free(s->deps);
        rs_params_free(s->params);
        pthread_mutex_destroy(&s->mu);
    }
    free(e->slots);
    for (size_t i = 0; i < e->n_plugins; i++)
        rs_plugin_close(e->plugins[i]);
    free(e->plugins);
    user_maps_free(e);
    free(e);
}

/* ---- dependencies: `instance` params ------------------------------------- */

/* Where config instance i sets `key` (or the instance, for a default). */
static const char *param_where(const rs_instance_config *ic, const char *key, char *buf,
                               size_t size)
{
    const rs_yaml_node *n = ic->params ? rs_yaml_get(ic->params, key) : NULL;
    return rs_yaml_where(n ? n : ic->node, buf, size);
}

static size_t config_index(const rs_config *cfg, const char *name)
{
    size_t j = 0;
    while (j < cfg->n_instances && strcmp(cfg->instances[j].name, name) != 0)
        j++;
    return j;
}

typedef struct dep_walk {
    const rs_config *cfg;
    rs_params **params; /* [n_instances] */
    uint8_t *state;     /* 0 new, 1 on the DFS stack, 2 placed */
    size_t *order;      /* config indices, dependencies first */
    size_t n_order;
} dep_walk;

/* Depth-first over instance i's `instance` params: a missing instance or a
 * cycle is a config error at the param that names it. */
static rs_status dep_visit(dep_walk *w, size_t i, rs_error *err)
{
    const rs_instance_config *ic = &w->cfg->instances[i];
    const rs_params *p = w->params[i];
    char where[300];
    if (w->state[i] == 2)
        return RS_OK;
    w->state[i] = 1;
    for (size_t k = 0; k < p->desc->n_params; k++) {
        const rs_param_spec *spec = &p->desc->params[k];
        const char *child = p->values[k].s;
        if (spec->type != RS_PARAM_INSTANCE || !child || !*child)
            continue;
        size_t j = config_index(w->cfg, child);
        const char *deflt = ic->params && rs_yaml_get(ic->params, spec->key)
                                ? ""
                                : " (plugin.yaml's default; set it to '' to leave it out)";
        if (j == w->cfg->n_instances)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sinstance '%s': param '%s' names instance '%s', which "
                                "is not configured%s",
                                param_where(ic, spec->key, where, sizeof where), ic->name,
                                spec->key, child, deflt);
        if (w->state[j] == 1)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sinstance '%s': param '%s' names instance '%s', which "
                                "depends on '%s' in turn (a dependency cycle)",
                                param_where(ic, spec->key, where, sizeof where), ic->name,
                                spec->key, child, ic->name);
        rs_status st = dep_visit(w, j, err);
        if (st != RS_OK)
            return st;
    }
    w->state[i] = 2;
    w->order[w->n_order++] = i;
    return RS_OK;
}

/* A composite built before ABI 1.1 names its children in plain string
 * params, which the engine cannot follow: it keeps the old rule, after
 * every non-composite instance, and prepares them all first. */
static int legacy_composite(const rs_plugin *p)
{
    if (!(p->entry.capabilities & RS_CAP_COMPOSITE))
        return 0;
    for (size_t k = 0; k < p->desc->n_params; k++)
        if (p->desc->params[k].type == RS_PARAM_INSTANCE)
            return 0;
    return 1;
}

/* Config indices in dependency order (each after what it names), stable:
 * an instance that names none keeps its place in the config; legacy
 * composites come last. */
static rs_status dep_order(const rs_config *cfg, rs_plugin **plugin_of, rs_params **params,
                           size_t *order, rs_error *err)
{
    dep_walk w = {cfg, params, calloc(cfg->n_instances + 1, 1), order, 0};
    if (!w.state)
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    rs_status st = RS_OK;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cfg->n_instances && st == RS_OK; i++)
            if (legacy_composite(plugin_of[i]) == pass)
                st = dep_visit(&w, i, err);
    free(w.state);
    return st;
}

/* Slot s's dependencies as slot indices (all placed before s). */
static rs_status slot_link_deps(rs_engine *e, rs_slot *s, rs_error *err)
{
    const rs_params *p = s->params;
    for (size_t k = 0; k < p->desc->n_params; k++) {
        const char *child = p->values[k].s;
        if (p->desc->params[k].type != RS_PARAM_INSTANCE || !child || !*child)
            continue;
        size_t *nd = realloc(s->deps, (s->n_deps + 1) * sizeof *nd);
        if (!nd)
            return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
        s->deps = nd;
        for (size_t j = 0; j < e->n_slots; j++)
            if (strcmp(e->slots[j].conf->name, child) == 0)
                s->deps[s->n_deps++] = j;
    }
    return RS_OK;
}

static rs_status slot_init(rs_engine *e, const rs_instance_config *ic, rs_plugin *plugin,
                           rs_params *params, rs_error *err)
{
    rs_slot *s = &e->slots[e->n_slots];
    s->engine = e;
    s->conf = ic;
    s->plugin = plugin;
    s->params = params;
    pthread_mutex_init(&s->mu, NULL);
    e->n_slots++;
    snprintf(s->artifact_dir, sizeof s->artifact_dir, "%s/models/%s", e->cfg->work_dir, ic->name);
    snprintf(s->checkpoint_dir, sizeof s->checkpoint_dir, "%s/checkpoints/%s", e->cfg->work_dir,
             ic->name);
    host_init(s);
    rs_status st = slot_link_deps(e, s, err);
    if (st != RS_OK)
        return st;
    if ((st = s->plugin->entry.create(&s->host, &s->fresh, err)) != RS_OK) {
        char msg[RS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        st = rs_error_set(err, st, "instance '%s' (plugin %s): create failed: %s", ic->name,
                          ic->plugin, msg);
    }
    return st;
}

rs_status rs_engine_new(const rs_config *cfg, const rs_dataset *data, rs_engine **out,
                        rs_error *err)
{
    rs_engine *e = calloc(1, sizeof *e);
    if (!e)
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    e->cfg = cfg;
    e->data = data;
    pthread_mutex_init(&e->maps_mu, NULL);
    rs_dataset_fingerprint(data, e->data_fp, sizeof e->data_fp);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->threads = cfg->threads > 0 ? cfg->threads : (cores > 0 ? (int)cores : 1);
    size_t n = cfg->n_instances;
    e->slots = calloc(n ? n : 1, sizeof *e->slots);
    rs_plugin **plugin_of = calloc(n + 1, sizeof *plugin_of);
    rs_params **params_of = calloc(n + 1, sizeof *params_of);
    size_t *order = calloc(n + 1, sizeof *order);
    rs_status st = RS_OK;
    if (!e->slots || !plugin_of || !params_of || !order) {
        st = rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
        goto done;
    }
    /* Every plugin and every instance's params first (so a bad param is
     * reported as itself), then the dependency order from the `instance`
     * params: a composite is created after the instances it names. */
    for (size_t i = 0; i < n && st == RS_OK; i++)
        st = plugin_get(e, &cfg->instances[i], &plugin_of[i], err);
    for (size_t i = 0; i < n && st == RS_OK; i++)
        st = rs_params_build(plugin_of[i]->desc, cfg->instances[i].params, cfg->instances[i].name,
                             &params_of[i], err);
    if (st == RS_OK)
        st = dep_order(cfg, plugin_of, params_of, order, err);
    for (size_t k = 0; k < n && st == RS_OK; k++) {
        size_t i = order[k];
        st = slot_init(e, &cfg->instances[i], plugin_of[i], params_of[i], err);
        params_of[i] = NULL; /* the slot owns them now */
    }
done:
    for (size_t i = 0; params_of && i < n; i++)
        rs_params_free(params_of[i]);
    free(params_of);
    free(plugin_of);
    free(order);
    if (st != RS_OK) {
        rs_engine_free(e);
        return st;
    }
    *out = e;
    return RS_OK;
}

/* ---- lookups -------------------------------------------------------------- */

static rs_slot *slot_find(const rs_engine *e, const char *name)
{
    for (size_t i = 0; i < e->n_slots; i++)
        if (strcmp(e->slots[i].conf->name, name) == 0)
            return &e->slots[i];
    return NULL;
}

static rs_status slot_need(const rs_engine *e, const char *name, rs_slot **out, rs_error *err)
{
    *out = slot_find(e, name);
    if (*out)
        return RS_OK;
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < e->n_slots; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                         e->slots[i].conf->name);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    return rs_error_set(err, RS_ERR_NOT_FOUND, "no instance named '%s' (configured: %s)", name,
                        list);
}

const rs_dataset *rs_engine_dataset(const rs_engine *e) { return e->data; }
size_t rs_engine_instance_count(const rs_engine *e) { return e->n_slots; }

const char *rs_engine_instance_name(const rs_engine *e, size_t i)
{
    return i < e->n_slots ? e->slots[i].conf->name : NULL;
}

const rs_plugin_entry *rs_engine_instance_entry(const rs_engine *e, const char *name)
{
    rs_slot *s = slot_find(e, name);
    return s ? &s->plugin->entry : NULL;
}

int64_t rs_engine_instance_version(const rs_engine *e, const char *name)
{
    rs_slot *s = slot_find(e, name);
    if (!s)
        return -1;
    pthread_mutex_lock(&s->mu);
    int64_t v = s->current ? s->current->number : 0;
    pthread_mutex_unlock(&s->mu);
    return v;
}

const char *rs_engine_artifact_dir(const rs_engine *e, const char *name)
{
    rs_slot *s = slot_find(e, name);
    return s ? s->artifact_dir : NULL;
}

const char *rs_engine_checkpoint_dir(const rs_engine *e, const char *name)
{
    rs_slot *s = slot_find(e, name);
    return s ? s->checkpoint_dir : NULL;
}

void rs_engine_set_resume(rs_engine *e, int resume) { e->resume = resume != 0; }

/* ---- references and swapping ---------------------------------------------- */

rs_status rs_engine_acquire(rs_engine *e, const char *name, rs_instance_ref *ref, rs_error *err)
{
    rs_slot *s;
    rs_status st = slot_need(e, name, &s, err);
    if (st != RS_OK)
        return st;
    pthread_mutex_lock(&s->mu);
    rs_version *v = s->current;
    if (v)
        v->refs++;
    pthread_mutex_unlock(&s->mu);
    if (!v)
        return rs_error_set(err, RS_ERR_STATE, "instance '%s' is not trained or loaded yet", name);
    ref->entry = &s->plugin->entry;
    ref->instance = v->instance;
    ref->token = v;
    return RS_OK;
}

static void user_map_free(struct user_map *m);

/* A private fit's slot clone (its scratch directory goes with it) and
 * user map. */
static void private_parts_free(rs_version *v)
{
    if (v->own_map)
        user_map_free(v->own_map);
    if (v->own_slot) {
        rs_remove_tree(v->own_slot->checkpoint_dir);
        pthread_mutex_destroy(&v->own_slot->mu);
        free(v->own_slot);
    }
}

static void version_unref(rs_version *v)
{
    rs_slot *s = v->slot;
    pthread_mutex_lock(&s->mu);
    int last = --v->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (last) {
        s->plugin->entry.destroy(v->instance);
        private_parts_free(v);
        free(v);
    }
}

void rs_engine_release(rs_engine *e, rs_instance_ref *ref)
{
    (void)e;
    if (!ref || !ref->token)
        return;
    version_unref(ref->token);
    ref->token = NULL;
    ref->instance = NULL;
}

static const user_map *user_map_get(rs_engine *e, const rs_dataset *d);

/* Make `instance` (fitted or loaded with `data`) the serving version of s;
 * the old one dies with its last reader. *number (may be NULL) receives its
 * version number. */
static rs_status slot_publish(rs_slot *s, void *instance, const rs_dataset *data,
                              const rs_provenance *prov, int64_t *number, rs_error *err)
{
    rs_version *v = calloc(1, sizeof *v);
    if (!v || !user_map_get(s->engine, data)) {
        free(v);
        s->plugin->entry.destroy(instance);
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    }
    v->slot = s;
    v->instance = instance;
    v->refs = 1;
    v->prov = *prov;
    v->data = data;
    pthread_mutex_lock(&s->mu);
    rs_version *old = s->current;
    v->number = ++s->versions;
    s->current = v;
    if (number)
        *number = v->number;
    pthread_mutex_unlock(&s->mu);
    if (old)
        version_unref(old);
    return RS_OK;
}

/* ---- candidates: built off to the side, saved, then published ------------ */

/* A version that is not serving yet. Every fit and every load builds one and
 * every save writes one, so a plugin's fit, load and save never run on an
 * instance that serves requests (plugin.h's contract); only
 * rs_engine_publish makes one current. */
struct rs_candidate {
    rs_slot *slot;
    void *instance;
    const rs_dataset *data; /* what it was fitted or loaded with */
    rs_provenance prov;     /* what it was fitted on, for its MANIFEST */
};

/* A new, not yet serving instance: the one made at start-up, or a fresh one.
 * Under the slot mutex: a retrain's fit and an admin reload of one slot may
 * each take one at the same time. */
static rs_status slot_take_fresh(rs_slot *s, void **inst, rs_error *err)
{
    pthread_mutex_lock(&s->mu);
    void *fresh = s->fresh;
    s->fresh = NULL;
    pthread_mutex_unlock(&s->mu);
    if (fresh) {
        *inst = fresh;
        return RS_OK;
    }
    return s->plugin->entry.create(&s->host, inst, err);
}

static rs_status prefix_error(rs_error *err, rs_status st, const rs_slot *s, const char *action)
{
    char msg[RS_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%s", err ? err->message : "");
    return rs_error_set(err, st, "instance '%s' (plugin %s): %s failed: %s", s->conf->name,
                        s->plugin->desc->name, action, msg);
}

static rs_status unsupported(const rs_slot *s, const char *what, rs_error *err)
{
    return rs_error_set(err, RS_ERR_UNSUPPORTED, "instance '%s' (plugin %s) does not support %s",
                        s->conf->name, s->plugin->desc->name, what);
}

/* Wrap a built instance; on failure the instance is destroyed. */
static rs_status candidate_wrap(rs_slot *s, void *inst, const rs_dataset *data,
                                const rs_provenance *prov, rs_candidate **out, rs_error *err)
{
    rs_candidate *c = calloc(1, sizeof *c);
    if (!c) {
        s->plugin->entry.destroy(inst);
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    }
    c->slot = s;
    c->instance = inst;
    c->data = data;
    c->prov = *prov;
    *out = c;
    return RS_OK;
}

void rs_candidate_free(rs_candidate *c)
{
    if (!c)
        return;
    c->slot->plugin->entry.destroy(c->instance);
    free(c);
}

const char *rs_candidate_name(const rs_candidate *c) { return c->slot->conf->name; }

rs_status rs_engine_fit_candidate(rs_engine *e, const char *name, const rs_dataset *train,
                                  rs_candidate **out, rs_error *err)
{
    rs_slot *s;
    void *inst = NULL;
    *out = NULL;
    rs_status st = slot_need(e, name, &s, err);
    if (st != RS_OK)
        return st;
    if (!(s->plugin->entry.capabilities & RS_CAP_FIT))
        return unsupported(s, "fit", err);
    /* Without --resume a fit starts afresh: stale checkpoints go first. */
    if ((!e->resume && rs_remove_tree(s->checkpoint_dir) != 0) ||
        rs_mkdir_p(s->checkpoint_dir) != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot prepare: %s", s->checkpoint_dir,
                            strerror(errno));
    if ((st = slot_take_fresh(s, &inst, err)) != RS_OK)
        return prefix_error(err, st, s, "create");
    if ((st = s->plugin->entry.fit(inst, train ? train : e->data, err)) != RS_OK) {
        s->plugin->entry.destroy(inst);
        return prefix_error(err, st, s, "fit");
    }
    rs_provenance prov;
    snprintf(prov.base, sizeof prov.base, "%s", e->data_fp);
    if (train && train != e->data)
        rs_dataset_fingerprint(train, prov.data, sizeof prov.data);
    else
        snprintf(prov.data, sizeof prov.data, "%s", e->data_fp);
    return candidate_wrap(s, inst, train ? train : e->data, &prov, out, err);
}

static int has_artifacts(const char *dir)
{
    char p[PATH_MAX + 16];
    struct stat st;
    snprintf(p, sizeof p, "%s/MANIFEST", dir);
    return stat(p, &st) == 0;
}

/* Artifacts whose MANIFEST records other params (or another plugin) are
 * refused: serving them would silently serve a stale model. The data is
 * compared only at start-up (slot_prepare): a hot reload may legitimately
 * bring a lifecycle retrain fitted on base + app ratings. */
static rs_status slot_check_artifacts(const rs_slot *s, const char *dir, rs_provenance *prov,
                                      rs_error *err)
{
    char why[RS_ERROR_MESSAGE_MAX - 128];
    if (!has_artifacts(dir))
        return rs_error_set(err, RS_ERR_NOT_FOUND,
                            "instance '%s': no artifacts in %s (run `recsys train --source %s`)",
                            s->conf->name, dir, s->conf->name);
    if (rs_manifest_differs(dir, s->plugin->desc, s->params, NULL, prov, why, sizeof why))
        return rs_error_set(err, RS_ERR_CONFIG,
                            "instance '%s': refusing artifacts that do not match the "
                            "config: %s (retrain with `recsys train --source %s`)",
                            s->conf->name, why, s->conf->name);
    return RS_OK;
}

rs_status rs_engine_load_candidate(rs_engine *e, const char *name, const char *dir,
                                   rs_candidate **out, rs_error *err)
{
    rs_slot *s;
    void *inst = NULL;
    rs_provenance prov;
    *out = NULL;
    rs_status st = slot_need(e, name, &s, err);
    if (st != RS_OK)
        return st;
    if (!(s->plugin->entry.capabilities & RS_CAP_PERSIST))
        return unsupported(s, "load", err);
    if (!dir)
        dir = s->artifact_dir;
    if ((st = slot_check_artifacts(s, dir, &prov, err)) != RS_OK)
        return st;
    if ((st = slot_take_fresh(s, &inst, err)) != RS_OK)
        return prefix_error(err, st, s, "create");
    if ((st = s->plugin->entry.load(inst, dir, e->data, err)) != RS_OK) {
        s->plugin->entry.destroy(inst);
        return prefix_error(err, st, s, "load");
    }
    return candidate_wrap(s, inst, e->data, &prov, out, err);
}

/* Put the finished directory `tmp` in place of `dir`; if that fails, the
 * old `dir` is put back, so good artifacts are never lost half-way. */
static rs_status install_dir(const char *tmp, const char *dir, rs_error *err)
{
    char old[PATH_MAX + 8];
    snprintf(old, sizeof old, "%s.old", dir);
    rs_remove_tree(old);
    int moved = rename(dir, old) == 0;
    if ((!moved && errno != ENOENT) || rename(tmp, dir) != 0) {
        int saved = errno;
        if (moved)
            rename(old, dir);
        rs_remove_tree(tmp);
        return rs_error_set(err, RS_ERR_IO, "%s: cannot install new artifacts: %s", dir,
                            strerror(saved));
    }
    rs_remove_tree(old);
    return RS_OK;
}

/* <dir>.new, refusing paths that would not fit. */
static rs_status staging_path(const char *dir, char *tmp, size_t size, rs_error *err)
{
    int n = snprintf(tmp, size, "%s.new", dir);
    if (n < 0 || (size_t)n >= size - 4) /* room for install_dir's ".old" twin */
        return rs_error_set(err, RS_ERR_INVALID, "%s: path too long", dir);
    return RS_OK;
}

/* Artifacts are written to <dir>.new and renamed over <dir> only once the
 * plugin's save and the MANIFEST succeeded, so a failed save never replaces
 * good files. */
rs_status rs_candidate_save(rs_candidate *c, const char *dir, rs_error *err)
{
    rs_slot *s = c->slot;
    char tmp[PATH_MAX];
    rs_status st;
    if (!(s->plugin->entry.capabilities & RS_CAP_PERSIST))
        return unsupported(s, "save", err);
    if (!dir)
        dir = s->artifact_dir;
    if ((st = staging_path(dir, tmp, sizeof tmp, err)) != RS_OK)
        return st;
    if (rs_remove_tree(tmp) != 0 || rs_mkdir_p(tmp) != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    if ((st = s->plugin->entry.save(c->instance, tmp, err)) != RS_OK) {
        rs_remove_tree(tmp);
        return prefix_error(err, st, s, "save");
    }
    if ((st = rs_manifest_write(tmp, s->plugin->desc, s->plugin->entry.version, s->params, &c->prov,
                                err)) != RS_OK) {
        rs_remove_tree(tmp);
        return st;
    }
    return install_dir(tmp, dir, err);
}

/* The candidate's own recommend and score, for a gate that judges it before
 * it serves. No reference is taken: the caller owns the candidate. */
static rs_status version_recommend(rs_engine *e, rs_version *v, const rs_query *in, size_t k,
                                   rs_scored *out, rs_explanation *explain, size_t *n_out,
                                   rs_error *err);
static rs_status version_score(rs_engine *e, rs_version *v, const rs_query *in,
                               const int32_t *items, size_t n, float *scores, rs_error *err);

/* A candidate is asked exactly as a serving version is (the query filled,
 * the output checked), so the gate judges what would serve. */
static rs_status candidate_view(rs_candidate *c, rs_version *v, rs_error *err)
{
    if (!user_map_get(c->slot->engine, c->data))
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    *v = (rs_version){.slot = c->slot, .instance = c->instance, .data = c->data};
    return RS_OK;
}

rs_status rs_candidate_recommend(rs_candidate *c, const rs_query *q, size_t k, rs_scored *out,
                                 rs_explanation *explain, size_t *n_out, rs_error *err)
{
    rs_version v;
    *n_out = 0;
    if (!(c->slot->plugin->entry.capabilities & RS_CAP_RECOMMEND))
        return unsupported(c->slot, "recommend", err);
    rs_status st = candidate_view(c, &v, err);
    return st == RS_OK ? version_recommend(c->slot->engine, &v, q, k, out, explain, n_out, err)
                       : st;
}

rs_status rs_candidate_score(rs_candidate *c, const rs_query *q, const int32_t *items, size_t n,
                             float *scores, rs_error *err)
{
    rs_version v;
    if (!(c->slot->plugin->entry.capabilities & RS_CAP_SCORE))
        return unsupported(c->slot, "score", err);
    rs_status st = candidate_view(c, &v, err);
    return st == RS_OK ? version_score(c->slot->engine, &v, q, items, n, scores, err) : st;
}

rs_status rs_engine_publish(rs_engine *e, rs_candidate *c, int64_t *version, rs_error *err)
{
    if (!c)
        return rs_error_set(err, RS_ERR_INVALID, "engine: publish without a candidate");
    rs_slot *s = c->slot;
    if (s->engine != e) {
        rs_candidate_free(c);
        return rs_error_set(err, RS_ERR_INVALID,
                            "instance '%s': the candidate belongs to another engine",
                            s->conf->name);
    }
    void *inst = c->instance;
    const rs_dataset *data = c->data;
    rs_provenance prov = c->prov;
    free(c);
    return slot_publish(s, inst, data, &prov, version, err);
}

/* ---- the same, in one call ------------------------------------------------- */

rs_status rs_engine_fit(rs_engine *e, const char *name, const rs_dataset *train, rs_error *err)
{
    rs_candidate *c;
    rs_status st = rs_engine_fit_candidate(e, name, train, &c, err);
    return st == RS_OK ? rs_engine_publish(e, c, NULL, err) : st;
}

rs_status rs_engine_train(rs_engine *e, const char *name, const rs_dataset *train, rs_error *err)
{
    rs_candidate *c;
    rs_status st = rs_engine_fit_candidate(e, name, train, &c, err);
    if (st != RS_OK)
        return st;
    if ((st = rs_candidate_save(c, NULL, err)) != RS_OK) {
        rs_candidate_free(c);
        return st;
    }
    return rs_engine_publish(e, c, NULL, err);
}

rs_status rs_engine_load(rs_engine *e, const char *name, rs_error *err)
{
    return rs_engine_reload(e, name, NULL, err);
}

rs_status rs_engine_reload(rs_engine *e, const char *name, const char *dir, rs_error *err)
{
    rs_candidate *c;
    rs_status st = rs_engine_load_candidate(e, name, dir, &c, err);
    return st == RS_OK ? rs_engine_publish(e, c, NULL, err) : st;
}

/* ---- default artifacts from a version dir ---------------------------------- */

static rs_status copy_file(const char *from, const char *to, rs_error *err)
{
    char buf[1 << 16];
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot open: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int saved = errno;
        close(in);
        return rs_error_set(err, RS_ERR_IO, "%s: cannot create: %s", to, strerror(saved));
    }
    rs_status st = RS_OK;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                st = rs_error_set(err, RS_ERR_IO, "%s: read: %s", from, strerror(errno));
            break;
        }
        for (ssize_t done = 0; done < n && st == RS_OK;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR)
                st = rs_error_set(err, RS_ERR_IO, "%s: write: %s", to, strerror(errno));
            done += w > 0 ? w : 0;
        }
        if (st != RS_OK)
            break;
    }
    close(in);
    if (close(out) != 0 && st == RS_OK)
        st = rs_error_set(err, RS_ERR_IO, "%s: write: %s", to, strerror(errno));
    return st;
}

/* cp -r of plain files and directories; anything else is refused. Copies,
 * not hard links: a test or an operator that rewrites a file in place under
 * models/ must not change a version dir too. */
static rs_status copy_tree(const char *from, const char *to, rs_error *err)
{
    if (mkdir(to, 0755) != 0 && errno != EEXIST)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot create: %s", to, strerror(errno));
    DIR *d = opendir(from);
    if (!d)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot open: %s", from, strerror(errno));
    rs_status st = RS_OK;
    for (struct dirent *de; st == RS_OK && (de = readdir(d));) {
        char src[PATH_MAX], dst[PATH_MAX];
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(src, sizeof src, "%s/%s", from, de->d_name) >= (int)sizeof src ||
            snprintf(dst, sizeof dst, "%s/%s", to, de->d_name) >= (int)sizeof dst)
            st = rs_error_set(err, RS_ERR_INVALID, "%s/%s: path too long", from, de->d_name);
        else if (lstat(src, &sb) != 0)
            st = rs_error_set(err, RS_ERR_IO, "%s: %s", src, strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            st = copy_tree(src, dst, err);
        else if (S_ISREG(sb.st_mode))
            st = copy_file(src, dst, err);
        else
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: not a regular file or directory", src);
    }
    closedir(d);
    return st;
}

rs_status rs_engine_install_artifacts(rs_engine *e, const char *name, const char *dir,
                                      rs_error *err)
{
    rs_slot *s;
    char tmp[PATH_MAX];
    rs_status st = slot_need(e, name, &s, err);
    if (st != RS_OK)
        return st;
    if ((st = slot_check_artifacts(s, dir, NULL, err)) != RS_OK ||
        (st = staging_path(s->artifact_dir, tmp, sizeof tmp, err)) != RS_OK)
        return st;
    if (rs_remove_tree(tmp) != 0 || rs_mkdir_p(tmp) != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot prepare: %s", tmp, strerror(errno));
    if ((st = copy_tree(dir, tmp, err)) != RS_OK) {
        rs_remove_tree(tmp);
        return st;
    }
    return install_dir(tmp, s->artifact_dir, err);
}

static rs_status slot_prepare(rs_engine *e, rs_slot *s, int force_train, rs_error *err)
{
    const char *name = s->conf->name;
    uint32_t caps = s->plugin->entry.capabilities;
    rs_status st;
    char why[RS_ERROR_MESSAGE_MAX];
    if (!force_train && (caps & RS_CAP_PERSIST) && has_artifacts(s->artifact_dir)) {
        /* Stale artifacts (other params, other data) are retrained, loudly. */
        if (!rs_manifest_differs(s->artifact_dir, s->plugin->desc, s->params, e->data_fp, NULL, why,
                                 sizeof why)) {
            rs_log(RS_LOG_INFO, name, "loading artifacts from %s", s->artifact_dir);
            return rs_engine_load(e, name, err);
        }
        if (!(caps & RS_CAP_FIT))
            return rs_error_set(err, RS_ERR_CONFIG,
                                "instance '%s': artifacts are stale and the plugin cannot "
                                "fit: %s",
                                name, why);
        rs_log(RS_LOG_WARN, name, "artifacts in %s are stale, retraining: %s", s->artifact_dir,
               why);
    }
    if (!(caps & RS_CAP_FIT))
        return rs_error_set(err, RS_ERR_UNSUPPORTED, "instance '%s' can neither fit nor load",
                            name);
    rs_log(RS_LOG_INFO, name, "training (plugin %s)", s->plugin->desc->name);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Saved before it is published: save never runs on a serving instance. */
    st = (caps & RS_CAP_PERSIST) ? rs_engine_train(e, name, NULL, err)
                                 : rs_engine_fit(e, name, NULL, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != RS_OK)
        return st;
    rs_log(RS_LOG_INFO, name, "trained in %.2f s",
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return RS_OK;
}

rs_status rs_engine_load_or_train(rs_engine *e, int force_train, rs_error *err)
{
    for (size_t i = 0; i < e->n_slots; i++) {
        rs_status st = slot_prepare(e, &e->slots[i], force_train, err);
        if (st != RS_OK)
            return st;
    }
    return RS_OK;
}

/* The instances s names in its `instance` params first (those not serving
 * yet, recursively), then s: a composite needs only what it declares. */
static rs_status slot_prepare_with_deps(rs_engine *e, rs_slot *s, int force_train, rs_error *err)
{
    int legacy = legacy_composite(s->plugin);
    size_t n = legacy ? e->n_slots : s->n_deps;
    for (size_t i = 0; i < n; i++) {
        rs_slot *c = legacy ? &e->slots[i] : &e->slots[s->deps[i]];
        if (c == s || (legacy && (c->plugin->entry.capabilities & RS_CAP_COMPOSITE)) ||
            rs_engine_instance_version(e, c->conf->name) > 0)
            continue;
        rs_status st = slot_prepare_with_deps(e, c, 0, err);
        if (st != RS_OK)
            return st;
    }
    return slot_prepare(e, s, force_train, err);
}

rs_status rs_engine_load_or_train_one(rs_engine *e, const char *name, int force_train,
                                      rs_error *err)
{
    rs_slot *s;
    rs_status st = slot_need(e, name, &s, err);
    if (st != RS_OK)
        return st;
    return slot_prepare_with_deps(e, s, force_train, err);
}

/* ---- serving: query filling and output validation ------------------------ */

static const user_map *user_map_find(rs_engine *e, const rs_dataset *d)
{
    for (const user_map *m = atomic_load(&e->user_maps); m; m = m->next)
        if (m->data == d)
            return m;
    return NULL;
}

static void user_map_free(user_map *m)
{
    rs_idmap_destroy(&m->ids);
    free(m);
}

/* A new map of d's users, or NULL when out of memory. */
static user_map *user_map_build(const rs_dataset *d)
{
    user_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->data = d;
    if (rs_idmap_init(&m->ids, d->n_users > 0 ? (size_t)d->n_users : 1) != 0) {
        free(m);
        return NULL;
    }
    for (int32_t u = 0; u < d->n_users; u++)
        if (rs_idmap_put(&m->ids, d->user_ids[u], u) == -2) {
            user_map_free(m);
            return NULL;
        }
    return m;
}

/* The map of d, built on first use (at publish, off the request path). */
static const user_map *user_map_get(rs_engine *e, const rs_dataset *d)
{
    const user_map *found = user_map_find(e, d);
    if (found)
        return found;
    pthread_mutex_lock(&e->maps_mu);
    user_map *m = (user_map *)user_map_find(e, d);
    if (!m && (m = user_map_build(d)) != NULL) {
        m->next = atomic_load(&e->user_maps);
        atomic_store(&e->user_maps, m);
    }
    pthread_mutex_unlock(&e->maps_mu);
    return m;
}

/* The query a plugin sees (ABI 1.1, recsys/contract.h): user_index against
 * the dataset version v was fitted or loaded with, and a known user's
 * ratings when the caller gave none, so no plugin resolves user ids. */
static rs_status query_fill(rs_engine *e, const rs_version *v, const rs_query *in, rs_query *q,
                            rs_rating **owned, rs_error *err)
{
    int32_t u = -1;
    const user_map *m = in->user_id == RS_USER_NONE ? NULL
                        : v->own_map                ? v->own_map
                                                    : user_map_find(e, v->data);
    if (m)
        u = rs_idmap_get(&m->ids, in->user_id);
    if (rs_contract_fill_query(in, u, v->data, q, owned) != 0)
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    return RS_OK;
}

static rs_status contract_broken(const rs_version *v, const char *call, rs_error *err,
                                 const char *fmt, ...) RS_PRINTF(4, 5);
static rs_status contract_broken(const rs_version *v, const char *call, rs_error *err,
                                 const char *fmt, ...)
{
    char what[RS_ERROR_MESSAGE_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rs_error_set(err, RS_ERR_FORMAT, "instance '%s' (plugin %s): %s broke its contract: %s",
                        v->slot->conf->name, v->slot->plugin->desc->name, call, what);
}

/* What every recommend/similar returns (recsys/contract.h, shared with the
 * SDK test host): n_out <= k, items in the catalogue, each once, finite
 * scores. */
static rs_status check_list(const rs_version *v, const char *call, const rs_scored *out,
                            size_t n_out, size_t k, rs_error *err)
{
    char why[256];
    int ok = rs_contract_check_list(out, n_out, k, v->slot->engine->data->n_items, why, sizeof why);
    if (ok < 0)
        return rs_error_set(err, RS_ERR_NOMEM, "engine: %s", why);
    return ok ? RS_OK : contract_broken(v, call, err, "%s", why);
}

static rs_status version_recommend(rs_engine *e, rs_version *v, const rs_query *in, size_t k,
                                   rs_scored *out, rs_explanation *explain, size_t *n_out,
                                   rs_error *err)
{
    const rs_plugin_entry *pe = &v->slot->plugin->entry;
    rs_query q;
    rs_rating *owned;
    *n_out = 0;
    if (!(pe->capabilities & RS_CAP_EXPLAIN))
        explain = NULL;
    rs_status st = query_fill(e, v, in, &q, &owned, err);
    if (st == RS_OK)
        st = pe->recommend(v->instance, &q, k, out, explain, n_out, err);
    free(owned);
    if (st == RS_OK && (st = check_list(v, "recommend", out, *n_out, k, err)) != RS_OK)
        *n_out = 0;
    return st;
}

static rs_status version_score(rs_engine *e, rs_version *v, const rs_query *in,
                               const int32_t *items, size_t n, float *scores, rs_error *err)
{
    const rs_plugin_entry *pe = &v->slot->plugin->entry;
    rs_query q;
    rs_rating *owned;
    rs_status st = query_fill(e, v, in, &q, &owned, err);
    if (st == RS_OK)
        st = pe->score(v->instance, &q, items, n, scores, err);
    free(owned);
    char why[256];
    if (st == RS_OK && !rs_contract_check_scores(scores, n, why, sizeof why))
        st = contract_broken(v, "score", err, "%s", why);
    return st;
}

static rs_status version_similar(rs_engine *e, rs_version *v, int32_t item, size_t k,
                                 rs_scored *out, size_t *n_out, rs_error *err)
{
    *n_out = 0;
    if (item < 0 || item >= e->data->n_items)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "item index %d is not in the catalogue", item);
    rs_status st = v->slot->plugin->entry.similar(v->instance, item, k, out, n_out, err);
    if (st == RS_OK && (st = check_list(v, "similar", out, *n_out, k, err)) != RS_OK)
        *n_out = 0;
    return st;
}

static rs_status need_cap(const rs_slot *s, uint32_t cap, const char *what, rs_error *err)
{
    if (s->plugin->entry.capabilities & cap)
        return RS_OK;
    return rs_error_set(err, RS_ERR_UNSUPPORTED, "instance '%s' (plugin %s) does not support %s",
                        s->conf->name, s->plugin->desc->name, what);
}

static rs_status acquire_cap(rs_engine *e, const char *name, uint32_t cap, const char *what,
                             rs_instance_ref *ref, rs_error *err)
{
    rs_slot *s;
    rs_status st = slot_need(e, name, &s, err);
    if (st != RS_OK || (st = need_cap(s, cap, what, err)) != RS_OK)
        return st;
    return rs_engine_acquire(e, name, ref, err);
}

rs_status rs_engine_recommend(rs_engine *e, const char *name, const rs_query *q, size_t k,
                              rs_scored *out, rs_explanation *explain, size_t *n_out, rs_error *err)
{
    rs_instance_ref ref;
    *n_out = 0;
    rs_status st = acquire_cap(e, name, RS_CAP_RECOMMEND, "recommend", &ref, err);
    if (st != RS_OK)
        return st;
    st = version_recommend(e, ref.token, q, k, out, explain, n_out, err);
    rs_engine_release(e, &ref);
    return st;
}

rs_status rs_engine_score(rs_engine *e, const char *name, const rs_query *q, const int32_t *items,
                          size_t n, float *scores, rs_error *err)
{
    rs_instance_ref ref;
    rs_status st = acquire_cap(e, name, RS_CAP_SCORE, "score", &ref, err);
    if (st != RS_OK)
        return st;
    st = version_score(e, ref.token, q, items, n, scores, err);
    rs_engine_release(e, &ref);
    return st;
}

rs_status rs_engine_similar(rs_engine *e, const char *name, int32_t item, size_t k, rs_scored *out,
                            size_t *n_out, rs_error *err)
{
    rs_instance_ref ref;
    *n_out = 0;
    if (item < 0 || item >= e->data->n_items)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "item index %d is not in the catalogue", item);
    rs_status st = acquire_cap(e, name, RS_CAP_SIMILAR, "similar", &ref, err);
    if (st != RS_OK)
        return st;
    st = version_similar(e, ref.token, item, k, out, n_out, err);
    rs_engine_release(e, &ref);
    return st;
}

rs_status rs_engine_describe_instance(rs_engine *e, const char *name, char *buf, size_t cap,
                                      rs_error *err)
{
    rs_instance_ref ref;
    if (cap)
        buf[0] = '\0';
    rs_status st = rs_engine_acquire(e, name, &ref, err);
    if (st != RS_OK)
        return st;
    if (!ref.entry->describe)
        st = rs_error_set(err, RS_ERR_UNSUPPORTED,
                          "instance '%s' (plugin %s) does not describe itself", name,
                          ((rs_version *)ref.token)->slot->plugin->desc->name);
    else if ((st = ref.entry->describe(ref.instance, buf, cap, err)) != RS_OK)
        st = prefix_error(err, st, ((rs_version *)ref.token)->slot, "describe");
    else if (!memchr(buf, '\0', cap))
        st = contract_broken(ref.token, "describe", err, "buf is not NUL-terminated");
    rs_engine_release(e, &ref);
    if (st != RS_OK && cap)
        buf[0] = '\0';
    return st;
}

/* ---- host calls for composites: a child through the engine --------------- */

static rs_status child_version(const rs_host *h, const rs_instance_ref *ref, uint32_t cap,
                               const char *what, rs_version **v, rs_error *err)
{
    if (!ref || !ref->token)
        return rs_error_set(err, RS_ERR_INVALID,
                            "instance '%s': child_%s needs a reference taken with "
                            "acquire_instance",
                            slot_of_host(h)->conf->name, what);
    *v = ref->token;
    return need_cap((*v)->slot, cap, what, err);
}

static rs_status host_child_recommend(const rs_host *h, const rs_instance_ref *ref,
                                      const rs_query *q, size_t k, rs_scored *out,
                                      rs_explanation *explain, size_t *n_out, rs_error *err)
{
    rs_version *v = NULL;
    *n_out = 0;
    rs_status st = child_version(h, ref, RS_CAP_RECOMMEND, "recommend", &v, err);
    return st != RS_OK
               ? st
               : version_recommend(slot_of_host(h)->engine, v, q, k, out, explain, n_out, err);
}

static rs_status host_child_score(const rs_host *h, const rs_instance_ref *ref, const rs_query *q,
                                  const int32_t *items, size_t n, float *scores, rs_error *err)
{
    rs_version *v = NULL;
    rs_status st = child_version(h, ref, RS_CAP_SCORE, "score", &v, err);
    return st != RS_OK ? st : version_score(slot_of_host(h)->engine, v, q, items, n, scores, err);
}

static rs_status host_child_similar(const rs_host *h, const rs_instance_ref *ref, int32_t item,
                                    size_t k, rs_scored *out, size_t *n_out, rs_error *err)
{
    rs_version *v = NULL;
    *n_out = 0;
    rs_status st = child_version(h, ref, RS_CAP_SIMILAR, "similar", &v, err);
    return st != RS_OK ? st : version_similar(slot_of_host(h)->engine, v, item, k, out, n_out, err);
}

/* A private copy of a child fitted on the composite's own dataset (plugin.h,
 * child_fit_private): a clone of the child's slot (same plugin and
 * params) whose checkpoints go to a scratch directory under the caller's
 * and which never resumes, wrapped in a version no slot serves. Releasing
 * the reference destroys it, the clone and the scratch directory. */
static rs_status host_child_fit_private(const rs_host *h, const rs_instance_ref *child,
                                        const rs_dataset *data, rs_instance_ref *out, rs_error *err)
{
    const rs_slot *caller = slot_of_host(h);
    rs_version *cv = NULL;
    if (!out || !data)
        return rs_error_set(err, RS_ERR_INVALID, "instance '%s': child_fit_private needs data",
                            caller->conf->name);
    memset(out, 0, sizeof *out);
    rs_status st = child_version(h, child, RS_CAP_FIT, "fit_private", &cv, err);
    if (st != RS_OK)
        return st;
    if (data->n_items != caller->engine->data->n_items)
        return rs_error_set(err, RS_ERR_INVALID,
                            "instance '%s': child_fit_private data has %d items, the "
                            "catalogue %d",
                            caller->conf->name, data->n_items, caller->engine->data->n_items);
    const rs_slot *s = cv->slot;
    rs_slot *ps = calloc(1, sizeof *ps);
    rs_version *v = calloc(1, sizeof *v);
    user_map *m = user_map_build(data);
    if (!ps || !v || !m) {
        free(ps);
        free(v);
        if (m)
            user_map_free(m);
        return rs_error_set(err, RS_ERR_NOMEM, "engine: out of memory");
    }
    ps->engine = s->engine;
    ps->conf = s->conf;
    ps->plugin = s->plugin;
    ps->params = s->params;
    ps->private_fit = 1;
    pthread_mutex_init(&ps->mu, NULL);
    int len = snprintf(ps->checkpoint_dir, sizeof ps->checkpoint_dir, "%s/private-%s",
                       caller->checkpoint_dir, s->conf->name);
    memcpy(ps->artifact_dir, ps->checkpoint_dir, sizeof ps->artifact_dir);
    host_init(ps);
    v->slot = ps;
    v->refs = 1;
    v->data = data;
    v->own_slot = ps;
    v->own_map = m;
    if (len < 0 || (size_t)len >= sizeof ps->checkpoint_dir)
        st = rs_error_set(err, RS_ERR_IO, "%s/private-%s: path too long", caller->checkpoint_dir,
                          s->conf->name);
    else if (rs_remove_tree(ps->checkpoint_dir) != 0 || rs_mkdir_p(ps->checkpoint_dir) != 0)
        st = rs_error_set(err, RS_ERR_IO, "%s: cannot prepare: %s", ps->checkpoint_dir,
                          strerror(errno));
    else if ((st = ps->plugin->entry.create(&ps->host, &v->instance, err)) != RS_OK)
        st = prefix_error(err, st, ps, "create (private fit)");
    else if ((st = ps->plugin->entry.fit(v->instance, data, err)) != RS_OK)
        st = prefix_error(err, st, ps, "fit (private)");
    if (st != RS_OK) {
        if (v->instance)
            ps->plugin->entry.destroy(v->instance);
        private_parts_free(v);
        free(v);
        return st;
    }
    out->entry = &ps->plugin->entry;
    out->instance = v->instance;
    out->token = v;
    return RS_OK;
}

/* ---- discovery ------------------------------------------------------------ */

/* Lists each configured instance's plugin from its descriptor. The library
 * is opened (running its constructors and entry function) only when the
 * descriptor does not list its capabilities: then the entry is the only
 * place they are written down. */
rs_status rs_engine_describe_plugins(const rs_config *cfg, FILE *out, rs_error *err)
{
    for (size_t i = 0; i < cfg->n_instances; i++) {
        const rs_instance_config *ic = &cfg->instances[i];
        rs_descriptor *d;
        rs_plugin *p = NULL;
        uint32_t caps;
        char abi[32];
        rs_status st = rs_descriptor_find(cfg->plugin_path, cfg->n_plugin_path, ic->plugin, &d,
                                          err);
        if (st != RS_OK)
            return st;
        if (d->has_caps) {
            caps = d->caps;
            snprintf(abi, sizeof abi, "%d.%d", d->abi_major, d->abi_minor);
        } else {
            if ((st = rs_plugin_open(d, &p, err)) != RS_OK)
                return st;
            caps = p->entry.capabilities;
            snprintf(abi, sizeof abi, "%u.%u", p->entry.abi_major, p->entry.abi_minor);
        }
        char capstr[128];
        rs_caps_string(caps, capstr, sizeof capstr);
        fprintf(out,
                "%s  (plugin %s %s, ABI %s)\n  %s\n  library: %s/%s%s\n"
                "  capabilities: %s\n",
                ic->name, d->name, d->version, abi, d->description, d->dir, d->library,
                p ? "" : " (not loaded: described by plugin.yaml)", capstr);
        for (size_t j = 0; j < d->n_params; j++) {
            const rs_param_spec *s = &d->params[j];
            char def[64];
            switch (s->type) {
            case RS_PARAM_INT: snprintf(def, sizeof def, "%lld", (long long)s->def.i); break;
            case RS_PARAM_FLOAT: snprintf(def, sizeof def, "%g", s->def.f); break;
            case RS_PARAM_BOOL: snprintf(def, sizeof def, "%s", s->def.b ? "true" : "false"); break;
            default: snprintf(def, sizeof def, "%s", s->def.s); break;
            }
            fprintf(out, "    %-22s %-8s default %-10s %s\n", s->key, rs_param_type_name(s->type),
                    def, s->doc);
        }
        if (p)
            rs_plugin_close(p);
        else
            rs_descriptor_free(d);
    }
    return RS_OK;
}
