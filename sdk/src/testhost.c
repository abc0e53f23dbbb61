/*
 * The SDK test host (recsys/testhost.h). Grew out of the hybrid suite's
 * private host; the engine's counterparts are core/src/engine.c's query
 * filling and output checks (the checks themselves are shared through
 * recsys/contract.h).
 */
#define _XOPEN_SOURCE 700 /* nftw with FTW_DEPTH/FTW_PHYS, mkdtemp */
#include "recsys/testhost.h"

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "recsys/contract.h"

#define TH_MAX_SLOTS 16
#define TH_MAX_PARAMS 64 /* a descriptor's defaults plus a test's settings */
#define TH_MAX_LOG 1024
#define TH_MAX_DIRS 64
#define TH_PATH 1024

typedef struct th_version {
    rs_host table; /* what the plugin sees; host_data points back here */
    rs_testhost *th;
    char *name;
    char *params[TH_MAX_PARAMS]; /* "key=value" */
    size_t n_params;
    const rs_plugin_entry *entry; /* &entry_copy */
    rs_plugin_entry entry_copy;   /* min(size, sizeof) bytes, zero-padded */
    void *instance;
    rs_testhost_options opt; /* threads, checkpoint, resume; no descriptor */
    long refs;               /* guarded by th->lock */
    int retired;             /* swapped out or removed: destroy at refs == 0 */
    /* What it was fitted on: the host's dataset, or the composite's own
     * for a private copy (child_fit_private), which no slot holds and
     * which dies with its last reference. */
    const rs_dataset *data;
    int private_copy;
} th_version;

struct rs_testhost {
    const rs_dataset *data;
    pthread_mutex_t lock;
    th_version *slot[TH_MAX_SLOTS]; /* current version per name */
    th_version *retired[TH_MAX_SLOTS * 8];
    size_t n_retired;
    char *log[TH_MAX_LOG];
    size_t n_log;
    size_t n_progress; /* guarded by lock, as last_progress */
    char last_progress[256];
    /* Per instance name: <root>/<name>/artifacts and .../checkpoints,
     * created on first use; root (mkdtemp) goes with the host. */
    char root[TH_PATH];
    struct {
        char *name, *artifacts, *checkpoints;
    } dirs[TH_MAX_DIRS];
    size_t n_dirs;
};

static th_version *version_of(const rs_host *h) { return h->host_data; }

/* ---- host table ----------------------------------------------------------- */

static void host_log(const rs_host *h, rs_log_level level, const char *fmt, ...)
{
    th_version *v = version_of(h);
    char line[1024];
    int n = snprintf(line, sizeof line, "[%d] %s: ", (int)level, v->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&v->th->lock);
    if (v->th->n_log < TH_MAX_LOG)
        v->th->log[v->th->n_log++] = strdup(line);
    pthread_mutex_unlock(&v->th->lock);
}

static void host_progress(const rs_host *h, const char *task, double done, double total,
                          const char *detail)
{
    rs_testhost *th = version_of(h)->th;
    pthread_mutex_lock(&th->lock);
    th->n_progress++;
    snprintf(th->last_progress, sizeof th->last_progress, "%s %.0f/%.0f %s", task ? task : "", done,
             total, detail ? detail : "");
    pthread_mutex_unlock(&th->lock);
}

static const char *find_param(const rs_host *h, const char *key)
{
    th_version *v = version_of(h);
    size_t kl = strlen(key);
    for (size_t i = v->n_params; i-- > 0;) /* the last setting wins */
        if (strncmp(v->params[i], key, kl) == 0 && v->params[i][kl] == '=')
            return v->params[i] + kl + 1;
    return NULL;
}

static rs_status param_int(const rs_host *h, const char *key, int64_t *out)
{
    const char *s = find_param(h, key);
    if (!s)
        return RS_ERR_NOT_FOUND;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return RS_ERR_INVALID;
    *out = v;
    return RS_OK;
}

static rs_status param_float(const rs_host *h, const char *key, double *out)
{
    const char *s = find_param(h, key);
    if (!s)
        return RS_ERR_NOT_FOUND;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return RS_ERR_INVALID;
    *out = v;
    return RS_OK;
}

static rs_status param_bool(const rs_host *h, const char *key, int *out)
{
    const char *s = find_param(h, key);
    if (!s)
        return RS_ERR_NOT_FOUND;
    if (strcmp(s, "true") && strcmp(s, "false"))
        return RS_ERR_INVALID;
    *out = strcmp(s, "true") == 0;
    return RS_OK;
}

static rs_status param_string(const rs_host *h, const char *key, const char **out)
{
    const char *s = find_param(h, key);
    if (!s)
        return RS_ERR_NOT_FOUND;
    *out = s;
    return RS_OK;
}

static const rs_dataset *host_dataset(const rs_host *h) { return version_of(h)->th->data; }

static th_version **slot_of(rs_testhost *th, const char *name)
{
    for (size_t i = 0; i < TH_MAX_SLOTS; i++)
        if (th->slot[i] && strcmp(th->slot[i]->name, name) == 0)
            return &th->slot[i];
    return NULL;
}

static rs_status host_acquire(const rs_host *h, const char *name, rs_instance_ref *ref,
                              rs_error *err)
{
    rs_testhost *th = version_of(h)->th;
    pthread_mutex_lock(&th->lock);
    th_version **s = slot_of(th, name);
    if (!s) {
        pthread_mutex_unlock(&th->lock);
        return rs_error_set(err, RS_ERR_NOT_FOUND, "no instance named '%s'", name);
    }
    (*s)->refs++;
    ref->entry = (*s)->entry;
    ref->instance = (*s)->instance;
    ref->token = *s;
    pthread_mutex_unlock(&th->lock);
    return RS_OK;
}

static void version_free_fields(th_version *v);

static void version_destroy(th_version *v)
{
    v->entry->destroy(v->instance);
    version_free_fields(v);
}

static void host_release(const rs_host *h, rs_instance_ref *ref)
{
    rs_testhost *th = version_of(h)->th;
    th_version *v = ref->token;
    if (!v)
        return;
    pthread_mutex_lock(&th->lock);
    int gone = --v->refs == 0 && v->private_copy;
    pthread_mutex_unlock(&th->lock);
    if (gone)
        version_destroy(v);
    memset(ref, 0, sizeof *ref);
}

static int host_threads(const rs_host *h)
{
    int n = version_of(h)->opt.threads;
    return n > 0 ? n : 1;
}

static const char *host_artifact_dir(const rs_host *h)
{
    th_version *v = version_of(h);
    return rs_testhost_artifact_dir(v->th, v->name);
}

static const char *host_instance_name(const rs_host *h) { return version_of(h)->name; }

/* NULL unless the test asked for checkpoints, as the engine when
 * checkpointing is off. */
static const char *host_checkpoint_dir(const rs_host *h)
{
    th_version *v = version_of(h);
    return v->opt.checkpoint ? rs_testhost_checkpoint_dir(v->th, v->name) : NULL;
}

static int host_resume(const rs_host *h) { return version_of(h)->opt.resume; }

/* ---- serving as the engine does: fill the query, check the output ------- */

/* The query a plugin sees (recsys/contract.h, as the engine): user_index
 * of user_id in the host's dataset (a linear scan: test datasets are
 * small), and that user's ratings when the caller gave none. */
static rs_status query_fill(const th_version *v, const rs_query *in, rs_query *q, rs_rating **owned,
                            rs_error *err)
{
    const rs_dataset *d = v->data;
    int32_t u = -1;
    for (int32_t i = 0; in->user_id != RS_USER_NONE && i < d->n_users && u < 0; i++)
        if (d->user_ids[i] == in->user_id)
            u = i;
    if (rs_contract_fill_query(in, u, d, q, owned) != 0)
        return rs_error_set(err, RS_ERR_NOMEM, "testhost: out of memory");
    return RS_OK;
}

static rs_status broken(const th_version *v, const char *call, const char *why, rs_error *err)
{
    return rs_error_set(err, RS_ERR_FORMAT, "instance '%s' (plugin %s): %s broke its contract: %s",
                        v->name, v->entry->name, call, why);
}

static rs_status need_cap(const th_version *v, uint32_t cap, const char *what, rs_error *err)
{
    if (v->entry->capabilities & cap)
        return RS_OK;
    return rs_error_set(err, RS_ERR_UNSUPPORTED, "instance '%s' (plugin %s) does not support %s",
                        v->name, v->entry->name, what);
}

static rs_status version_recommend(th_version *v, const rs_query *in, size_t k, rs_scored *out,
                                   rs_explanation *explain, size_t *n_out, rs_error *err)
{
    rs_query q;
    rs_rating *owned;
    char why[256];
    *n_out = 0;
    rs_status st = need_cap(v, RS_CAP_RECOMMEND, "recommend", err);
    if (st == RS_OK)
        st = query_fill(v, in, &q, &owned, err);
    if (st != RS_OK)
        return st;
    if (!(v->entry->capabilities & RS_CAP_EXPLAIN))
        explain = NULL;
    st = v->entry->recommend(v->instance, &q, k, out, explain, n_out, err);
    free(owned);
    if (st == RS_OK &&
        rs_contract_check_list(out, *n_out, k, v->th->data->n_items, why, sizeof why) != 1) {
        *n_out = 0;
        st = broken(v, "recommend", why, err);
    }
    return st;
}

static rs_status version_score(th_version *v, const rs_query *in, const int32_t *items, size_t n,
                               float *scores, rs_error *err)
{
    rs_query q;
    rs_rating *owned;
    char why[256];
    rs_status st = need_cap(v, RS_CAP_SCORE, "score", err);
    if (st == RS_OK)
        st = query_fill(v, in, &q, &owned, err);
    if (st != RS_OK)
        return st;
    st = v->entry->score(v->instance, &q, items, n, scores, err);
    free(owned);
    if (st == RS_OK && !rs_contract_check_scores(scores, n, why, sizeof why))
        st = broken(v, "score", why, err);
    return st;
}

static rs_status version_similar(th_version *v, int32_t item, size_t k, rs_scored *out,
                                 size_t *n_out, rs_error *err)
{
    char why[256];
    *n_out = 0;
    rs_status st = need_cap(v, RS_CAP_SIMILAR, "similar", err);
    if (st != RS_OK)
        return st;
    if (item < 0 || item >= v->th->data->n_items)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "item index %d is not in the catalogue", item);
    st = v->entry->similar(v->instance, item, k, out, n_out, err);
    if (st == RS_OK &&
        rs_contract_check_list(out, *n_out, k, v->th->data->n_items, why, sizeof why) != 1) {
        *n_out = 0;
        st = broken(v, "similar", why, err);
    }
    return st;
}

static rs_status child_of(const rs_instance_ref *ref, th_version **v, rs_error *err)
{
    if (!ref || !ref->token)
        return rs_error_set(err, RS_ERR_INVALID,
                            "testhost: a child call needs a reference from acquire_instance");
    *v = ref->token;
    return RS_OK;
}

static rs_status host_child_recommend(const rs_host *h, const rs_instance_ref *ref,
                                      const rs_query *q, size_t k, rs_scored *out,
                                      rs_explanation *explain, size_t *n_out, rs_error *err)
{
    th_version *v = NULL;
    (void)h;
    *n_out = 0;
    rs_status st = child_of(ref, &v, err);
    return st != RS_OK ? st : version_recommend(v, q, k, out, explain, n_out, err);
}

static rs_status host_child_score(const rs_host *h, const rs_instance_ref *ref, const rs_query *q,
                                  const int32_t *items, size_t n, float *scores, rs_error *err)
{
    th_version *v = NULL;
    (void)h;
    rs_status st = child_of(ref, &v, err);
    return st != RS_OK ? st : version_score(v, q, items, n, scores, err);
}

static rs_status host_child_similar(const rs_host *h, const rs_instance_ref *ref, int32_t item,
                                    size_t k, rs_scored *out, size_t *n_out, rs_error *err)
{
    th_version *v = NULL;
    (void)h;
    *n_out = 0;
    rs_status st = child_of(ref, &v, err);
    return st != RS_OK ? st : version_similar(v, item, k, out, n_out, err);
}

static rs_status version_new(rs_testhost *th, const char *name, const char *what,
                             const rs_plugin_entry *e, const char *const *params,
                             const rs_testhost_options *opt, const rs_dataset *data,
                             th_version **out, rs_error *err);

/* As the engine: a copy with the child's entry and params, fitted on the
 * composite's data, held only by *out. */
static rs_status host_child_fit_private(const rs_host *h, const rs_instance_ref *child,
                                        const rs_dataset *data, rs_instance_ref *out, rs_error *err)
{
    th_version *v = NULL, *pv = NULL;
    memset(out, 0, sizeof *out);
    rs_status st = child_of(child, &v, err);
    if (st == RS_OK && !data)
        st = rs_error_set(err, RS_ERR_INVALID, "testhost: child_fit_private needs data");
    if (st == RS_OK && data->n_items != version_of(h)->th->data->n_items)
        st = rs_error_set(err, RS_ERR_INVALID,
                          "testhost: child_fit_private data is not over "
                          "the catalogue");
    if (st == RS_OK && !(v->entry->capabilities & RS_CAP_FIT))
        st = need_cap(v, RS_CAP_FIT, "fit", err);
    if (st == RS_OK) {
        const char *params[TH_MAX_PARAMS + 1] = {0};
        for (size_t i = 0; i < v->n_params; i++)
            params[i] = v->params[i];
        rs_testhost_options opt = v->opt; /* params already hold the defaults */
        opt.descriptor = NULL;
        opt.no_fit = 0;
        st = version_new(v->th, v->name, "private fit", v->entry, params, &opt, data, &pv, err);
    }
    if (st != RS_OK)
        return st;
    pv->private_copy = 1;
    pv->refs = 1;
    out->entry = pv->entry;
    out->instance = pv->instance;
    out->token = pv;
    return RS_OK;
}

/* ---- building versions ---------------------------------------------------- */

rs_testhost *rs_testhost_new(const rs_dataset *data)
{
    rs_testhost *th = calloc(1, sizeof *th);
    if (!th)
        return NULL;
    th->data = data;
    pthread_mutex_init(&th->lock, NULL);
    return th;
}

/* The plugin's entry checked as the engine's loader does (major equal,
 * minor not newer, size between ABI 1.0's and ours), then copied into a
 * zeroed local of our size. */
static rs_status entry_check(const char *what, const rs_plugin_entry *e, rs_plugin_entry *copy,
                             rs_error *err)
{
    if (!e)
        return rs_error_set(err, RS_ERR_ABI, "%s: no entry", what);
    if (e->abi_major != RS_ABI_MAJOR || e->abi_minor > RS_ABI_MINOR ||
        e->struct_size < RS_ENTRY_V1_0_SIZE || e->struct_size > sizeof *copy)
        return rs_error_set(err, RS_ERR_ABI, "%s: ABI %u.%u size %u, host ABI %d.%d", what,
                            e->abi_major, e->abi_minor, e->struct_size, RS_ABI_MAJOR, RS_ABI_MINOR);
    memset(copy, 0, sizeof *copy);
    memcpy(copy, e, e->struct_size);
    if (!copy->name || !copy->create || !copy->destroy)
        return rs_error_set(err, RS_ERR_ABI, "%s: entry lacks name/create/destroy", what);
    return RS_OK;
}

static const rs_plugin_entry *entry_open(const char *so_path, rs_error *err)
{
    /* RTLD_LOCAL as the engine: plugins share no symbols. Never closed:
     * an instance may outlive any one swap. */
    void *dl = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        rs_error_set(err, RS_ERR_IO, "%s: %s", so_path, dlerror());
        return NULL;
    }
    rs_plugin_entry_fn fn = (rs_plugin_entry_fn)(uintptr_t)dlsym(dl, RS_PLUGIN_ENTRY_NAME);
    const rs_plugin_entry *e = fn ? fn() : NULL;
    if (!e)
        rs_error_set(err, RS_ERR_ABI, "%s: no %s", so_path, RS_PLUGIN_ENTRY_NAME);
    return e;
}

static void version_free_fields(th_version *v)
{
    free(v->name);
    for (size_t i = 0; i < v->n_params; i++)
        free(v->params[i]);
    free(v);
}

/* ---- descriptor defaults (libyaml) ---------------------------------------- */

/* The directory of so_path joined with plugin.yaml, as the engine finds a
 * plugin's descriptor beside its library. */
static void descriptor_beside(const char *so_path, char *out, size_t cap)
{
    const char *slash = strrchr(so_path, '/');
    if (slash)
        snprintf(out, cap, "%.*s/plugin.yaml", (int)(slash - so_path), so_path);
    else
        snprintf(out, cap, "plugin.yaml");
}

static const char *yaml_scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of `key` in mapping node m, or NULL. */
static yaml_node_t *yaml_get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *k = yaml_scalar(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* Does the descriptor's params: mapping declare `key`? */
static int declared(yaml_document_t *doc, yaml_node_t *params, const char *kv)
{
    size_t kl = strcspn(kv, "=");
    if (!params || params->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = params->data.mapping.pairs.start; p < params->data.mapping.pairs.top;
         p++) {
        const char *k = yaml_scalar(yaml_document_get_node(doc, p->key));
        if (k && strlen(k) == kl && strncmp(k, kv, kl) == 0)
            return 1;
    }
    return 0;
}

/* v->params := the descriptor's defaults ("key=default", in its order),
 * after which the caller appends the test's params (the last setting
 * wins). A given key the descriptor does not declare is refused, naming
 * it and the file. Types and ranges stay the engine's business. */
static rs_status descriptor_apply(th_version *v, const char *path, const char *const *given,
                                  rs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    rs_status st = RS_OK;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
                          parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "YAML error");
        goto close_parser;
    }
    yaml_node_t *params = yaml_get(&doc, yaml_document_get_root_node(&doc), "params");
    if (params && params->type != YAML_MAPPING_NODE) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s:%zu:%zu: params: is not a mapping", path,
                          params->start_mark.line + 1, params->start_mark.column + 1);
        goto free_doc;
    }
    for (size_t i = 0; given && given[i]; i++)
        if (!declared(&doc, params, given[i])) {
            st = rs_error_set(err, RS_ERR_CONFIG,
                              "instance '%s': param '%.*s' is not declared in %s", v->name,
                              (int)strcspn(given[i], "="), given[i], path);
            goto free_doc;
        }
    for (yaml_node_pair_t *p = params ? params->data.mapping.pairs.start : NULL;
         p && p < params->data.mapping.pairs.top; p++) {
        const char *key = yaml_scalar(yaml_document_get_node(&doc, p->key));
        const char *def = yaml_scalar(
            yaml_get(&doc, yaml_document_get_node(&doc, p->value), "default"));
        if (!key || !def) /* a param without a default stays unset */
            continue;
        if (v->n_params == TH_MAX_PARAMS) {
            st = rs_error_set(err, RS_ERR_CONFIG, "%s: more than %d params", path, TH_MAX_PARAMS);
            goto free_doc;
        }
        size_t n = strlen(key) + strlen(def) + 2;
        if (!(v->params[v->n_params] = malloc(n))) {
            st = rs_error_set(err, RS_ERR_NOMEM, "out of memory");
            goto free_doc;
        }
        snprintf(v->params[v->n_params++], n, "%s=%s", key, def);
    }
free_doc:
    yaml_document_delete(&doc);
close_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return st;
}

static rs_status version_new(rs_testhost *th, const char *name, const char *what,
                             const rs_plugin_entry *e, const char *const *params,
                             const rs_testhost_options *opt, const rs_dataset *data,
                             th_version **out, rs_error *err)
{
    th_version *v = calloc(1, sizeof *v);
    if (!v)
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    rs_status s = entry_check(what, e, &v->entry_copy, err);
    if (s != RS_OK) {
        free(v);
        return s;
    }
    v->th = th;
    v->data = data;
    v->name = strdup(name);
    v->entry = &v->entry_copy;
    if (opt) {
        v->opt = *opt;
        v->opt.descriptor = NULL; /* read once, here; not kept */
    }
    if (opt && opt->descriptor) {
        char beside[TH_PATH];
        const char *path = opt->descriptor;
        if (!*path) {
            descriptor_beside(what, beside, sizeof beside);
            path = beside;
        }
        if ((s = descriptor_apply(v, path, params, err)) != RS_OK) {
            version_free_fields(v);
            return s;
        }
    }
    for (size_t i = 0; params && params[i]; i++) {
        if (v->n_params == TH_MAX_PARAMS) {
            version_free_fields(v);
            return rs_error_set(err, RS_ERR_INVALID, "instance '%s': more than %d params", name,
                                TH_MAX_PARAMS);
        }
        v->params[v->n_params++] = strdup(params[i]);
    }
    v->table = (rs_host){
        .struct_size = sizeof(rs_host),
        .abi_major = RS_ABI_MAJOR,
        .abi_minor = RS_ABI_MINOR,
        .host_data = v,
        .log = host_log,
        .progress = host_progress,
        .param_int = param_int,
        .param_float = param_float,
        .param_bool = param_bool,
        .param_string = param_string,
        .dataset = host_dataset,
        .acquire_instance = host_acquire,
        .release_instance = host_release,
        .threads = host_threads,
        .artifact_dir = host_artifact_dir,
        .instance_name = host_instance_name,
        .checkpoint_dir = host_checkpoint_dir,
        .resume = host_resume,
        .child_recommend = host_child_recommend,
        .child_score = host_child_score,
        .child_similar = host_child_similar,
        .child_fit_private = host_child_fit_private,
    };
    e = v->entry;
    s = e->create(&v->table, &v->instance, err);
    if (s == RS_OK && (e->capabilities & RS_CAP_FIT) && !v->opt.no_fit)
        s = e->fit(v->instance, data, err);
    if (s != RS_OK) {
        if (v->instance)
            e->destroy(v->instance);
        version_free_fields(v);
        return s;
    }
    *out = v;
    return RS_OK;
}

static rs_status slot_add(rs_testhost *th, const char *name, const char *what,
                          const rs_plugin_entry *e, const char *const *params,
                          const rs_testhost_options *opt, rs_error *err)
{
    size_t i = 0;
    while (i < TH_MAX_SLOTS && th->slot[i])
        i++;
    if (i == TH_MAX_SLOTS || slot_of(th, name))
        return rs_error_set(err, RS_ERR_INVALID, "slot '%s' taken or full", name);
    /* Occupy the slot only after create+fit, as the engine would: a
     * composite's fit may acquire its children but never itself. */
    th_version *v;
    rs_status s = version_new(th, name, what, e, params, opt, th->data, &v, err);
    if (s != RS_OK)
        return s;
    pthread_mutex_lock(&th->lock);
    th->slot[i] = v;
    pthread_mutex_unlock(&th->lock);
    return RS_OK;
}

rs_status rs_testhost_add(rs_testhost *th, const char *name, const char *so_path,
                          const char *const *params, rs_error *err)
{
    rs_error local;
    if (!err)
        err = &local;
    const rs_plugin_entry *e = entry_open(so_path, err);
    return e ? slot_add(th, name, so_path, e, params, NULL, err) : err->code;
}

rs_status rs_testhost_add_entry(rs_testhost *th, const char *name, const rs_plugin_entry *entry,
                                const char *const *params, rs_error *err)
{
    return slot_add(th, name, entry && entry->name ? entry->name : "entry", entry, params, NULL,
                    err);
}

rs_status rs_testhost_add_with(rs_testhost *th, const char *name, const char *so_path,
                               const rs_plugin_entry *entry, const char *const *params,
                               const rs_testhost_options *opt, rs_error *err)
{
    rs_error local;
    if (!err)
        err = &local;
    if (!so_path) {
        if (opt && opt->descriptor && !*opt->descriptor)
            return rs_error_set(err, RS_ERR_INVALID,
                                "instance '%s': a linked entry has no library to find "
                                "plugin.yaml beside",
                                name);
        return slot_add(th, name, entry && entry->name ? entry->name : "entry", entry, params, opt,
                        err);
    }
    const rs_plugin_entry *e = entry_open(so_path, err);
    return e ? slot_add(th, name, so_path, e, params, opt, err) : err->code;
}

rs_status rs_testhost_fit(rs_testhost *th, const char *name, const rs_dataset *data, rs_error *err)
{
    th_version **s = slot_of(th, name);
    if (!s)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "no instance named '%s'", name);
    th_version *v = *s;
    rs_status st = need_cap(v, RS_CAP_FIT, "fit", err);
    if (st != RS_OK)
        return st;
    if (!data)
        data = th->data;
    st = v->entry->fit(v->instance, data, err);
    if (st == RS_OK)
        v->data = data; /* queries are filled from what it was fitted on */
    return st;
}

/* ---- per-name directories ------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static char *dir_make(const char *root, const char *name, const char *leaf)
{
    char path[TH_PATH];
    snprintf(path, sizeof path, "%s/%s", root, name);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return NULL;
    snprintf(path, sizeof path, "%s/%s/%s", root, name, leaf);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return NULL;
    return strdup(path);
}

/* Under th->lock: the entry for name, made (with both directories) on
 * first use. A name that is not one path component gets none. */
static size_t dirs_of(rs_testhost *th, const char *name)
{
    size_t i = 0;
    while (i < th->n_dirs && strcmp(th->dirs[i].name, name) != 0)
        i++;
    if (i < th->n_dirs)
        return i;
    if (i == TH_MAX_DIRS || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return TH_MAX_DIRS;
    if (!th->root[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(th->root, sizeof th->root, "%s/rs-testhost-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(th->root)) {
            th->root[0] = '\0';
            return TH_MAX_DIRS;
        }
    }
    char *a = dir_make(th->root, name, "artifacts"), *c = dir_make(th->root, name, "checkpoints");
    char *n = strdup(name);
    if (!a || !c || !n) {
        free(a), free(c), free(n);
        return TH_MAX_DIRS;
    }
    th->dirs[i].name = n;
    th->dirs[i].artifacts = a;
    th->dirs[i].checkpoints = c;
    th->n_dirs++;
    return i;
}

/* name's artifacts (0) or checkpoints (1) directory. */
static const char *dir_get(rs_testhost *th, const char *name, int checkpoints)
{
    pthread_mutex_lock(&th->lock);
    size_t i = dirs_of(th, name);
    const char *d = i == TH_MAX_DIRS ? NULL
                    : checkpoints    ? th->dirs[i].checkpoints
                                     : th->dirs[i].artifacts;
    pthread_mutex_unlock(&th->lock);
    return d;
}

const char *rs_testhost_artifact_dir(rs_testhost *th, const char *name)
{
    return dir_get(th, name, 0);
}

const char *rs_testhost_checkpoint_dir(rs_testhost *th, const char *name)
{
    return dir_get(th, name, 1);
}

static void retire(rs_testhost *th, th_version *v)
{
    v->retired = 1;
    th->retired[th->n_retired++] = v;
}

rs_status rs_testhost_swap(rs_testhost *th, const char *name, const char *so_path,
                           const char *const *params, rs_error *err)
{
    th_version *v;
    rs_error local;
    if (!err)
        err = &local;
    const rs_plugin_entry *e = entry_open(so_path, err);
    if (!e)
        return err->code;
    rs_status s = version_new(th, name, so_path, e, params, NULL, th->data, &v, err);
    if (s != RS_OK)
        return s;
    pthread_mutex_lock(&th->lock);
    th_version **slot = slot_of(th, name);
    if (slot) {
        retire(th, *slot);
        *slot = v;
    }
    pthread_mutex_unlock(&th->lock);
    if (!slot) {
        version_destroy(v);
        return rs_error_set(err, RS_ERR_NOT_FOUND, "no slot '%s'", name);
    }
    return RS_OK;
}

void rs_testhost_remove(rs_testhost *th, const char *name)
{
    pthread_mutex_lock(&th->lock);
    th_version **slot = slot_of(th, name);
    if (slot) {
        retire(th, *slot);
        *slot = NULL;
    }
    pthread_mutex_unlock(&th->lock);
}

const rs_plugin_entry *rs_testhost_entry(rs_testhost *th, const char *name)
{
    th_version **s = slot_of(th, name);
    return s ? (*s)->entry : NULL;
}

void *rs_testhost_instance(rs_testhost *th, const char *name)
{
    th_version **s = slot_of(th, name);
    return s ? (*s)->instance : NULL;
}

const rs_host *rs_testhost_table(rs_testhost *th, const char *name)
{
    th_version **s = slot_of(th, name);
    return s ? &(*s)->table : NULL;
}

/* Serving through a reference, as the engine's rs_engine_recommend. */
static rs_status serve_acquire(rs_testhost *th, const char *name, th_version **v, rs_error *err)
{
    pthread_mutex_lock(&th->lock);
    th_version **s = slot_of(th, name);
    if (s) {
        *v = *s;
        (*v)->refs++;
    }
    pthread_mutex_unlock(&th->lock);
    return s ? RS_OK : rs_error_set(err, RS_ERR_NOT_FOUND, "no instance named '%s'", name);
}

static void serve_release(rs_testhost *th, th_version *v)
{
    pthread_mutex_lock(&th->lock);
    v->refs--;
    pthread_mutex_unlock(&th->lock);
}

rs_status rs_testhost_recommend(rs_testhost *th, const char *name, const rs_query *q, size_t k,
                                rs_scored *out, rs_explanation *explain, size_t *n_out,
                                rs_error *err)
{
    th_version *v = NULL;
    *n_out = 0;
    rs_status st = serve_acquire(th, name, &v, err);
    if (st != RS_OK)
        return st;
    st = version_recommend(v, q, k, out, explain, n_out, err);
    serve_release(th, v);
    return st;
}

rs_status rs_testhost_score(rs_testhost *th, const char *name, const rs_query *q,
                            const int32_t *items, size_t n, float *scores, rs_error *err)
{
    th_version *v = NULL;
    rs_status st = serve_acquire(th, name, &v, err);
    if (st != RS_OK)
        return st;
    st = version_score(v, q, items, n, scores, err);
    serve_release(th, v);
    return st;
}

rs_status rs_testhost_similar(rs_testhost *th, const char *name, int32_t item, size_t k,
                              rs_scored *out, size_t *n_out, rs_error *err)
{
    th_version *v = NULL;
    *n_out = 0;
    rs_status st = serve_acquire(th, name, &v, err);
    if (st != RS_OK)
        return st;
    st = version_similar(v, item, k, out, n_out, err);
    serve_release(th, v);
    return st;
}

long rs_testhost_refs_held(rs_testhost *th)
{
    long n = 0;
    pthread_mutex_lock(&th->lock);
    for (size_t i = 0; i < TH_MAX_SLOTS; i++)
        if (th->slot[i])
            n += th->slot[i]->refs;
    for (size_t i = 0; i < th->n_retired; i++)
        n += th->retired[i]->refs;
    pthread_mutex_unlock(&th->lock);
    return n;
}

size_t rs_testhost_log_count(rs_testhost *th, const char *needle)
{
    size_t n = 0;
    pthread_mutex_lock(&th->lock);
    for (size_t i = 0; i < th->n_log; i++)
        if (!needle || strstr(th->log[i], needle))
            n++;
    pthread_mutex_unlock(&th->lock);
    return n;
}

size_t rs_testhost_progress(rs_testhost *th, char *last, size_t cap)
{
    pthread_mutex_lock(&th->lock);
    size_t n = th->n_progress;
    if (last && cap)
        snprintf(last, cap, "%s", th->last_progress);
    pthread_mutex_unlock(&th->lock);
    return n;
}

void rs_testhost_log_dump(rs_testhost *th)
{
    for (size_t i = 0; i < th->n_log; i++)
        fprintf(stderr, "log: %s\n", th->log[i]);
}

int rs_testhost_free(rs_testhost *th)
{
    if (!th)
        return 0;
    if (rs_testhost_refs_held(th))
        return 1;
    /* Composites first (they were added last), then their children. */
    for (size_t i = TH_MAX_SLOTS; i-- > 0;)
        if (th->slot[i])
            version_destroy(th->slot[i]);
    for (size_t i = 0; i < th->n_retired; i++)
        version_destroy(th->retired[i]);
    for (size_t i = 0; i < th->n_log; i++)
        free(th->log[i]);
    for (size_t i = 0; i < th->n_dirs; i++)
        free(th->dirs[i].name), free(th->dirs[i].artifacts), free(th->dirs[i].checkpoints);
    if (th->root[0]) /* depth first, links not followed: only what we made */
        nftw(th->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    pthread_mutex_destroy(&th->lock);
    free(th);
    return 0;
}
