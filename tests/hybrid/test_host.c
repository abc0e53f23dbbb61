#include "test_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TH_MAX_SLOTS 16
#define TH_MAX_PARAMS 16
#define TH_MAX_LOG 1024

typedef struct th_version {
    rs_host table; /* what the plugin sees; host_data points back here */
    th_host *th;
    char *name;
    char *params[TH_MAX_PARAMS]; /* "key=value" */
    size_t n_params;
    const rs_plugin_entry *entry;
    void *instance;
    long refs;    /* guarded by th->lock */
    int retired;  /* swapped out or removed: destroy at refs == 0 */
} th_version;

struct th_host {
    const rs_dataset *data;
    pthread_mutex_t lock;
    th_version *slot[TH_MAX_SLOTS]; /* current version per name */
    th_version *retired[TH_MAX_SLOTS * 8];
    size_t n_retired;
    char *log[TH_MAX_LOG];
    size_t n_log;
};

static th_version *version_of(const rs_host *h)
{
    return h->host_data;
}

/* ---- host table ----------------------------------------------------------- */

static void host_log(const rs_host *h, rs_log_level level, const char *fmt,
                     ...)
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

static void host_progress(const rs_host *h, const char *task, double done,
                          double total, const char *detail)
{
    (void)h, (void)task, (void)done, (void)total, (void)detail;
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

static rs_status param_string(const rs_host *h, const char *key,
                              const char **out)
{
    const char *s = find_param(h, key);
    if (!s)
        return RS_ERR_NOT_FOUND;
    *out = s;
    return RS_OK;
}

static const rs_dataset *host_dataset(const rs_host *h)
{
    return version_of(h)->th->data;
}

static th_version **slot_of(th_host *th, const char *name)
{
    for (size_t i = 0; i < TH_MAX_SLOTS; i++)
        if (th->slot[i] && strcmp(th->slot[i]->name, name) == 0)
            return &th->slot[i];
    return NULL;
}

static rs_status host_acquire(const rs_host *h, const char *name,
                              rs_instance_ref *ref, rs_error *err)
{
    th_host *th = version_of(h)->th;
    pthread_mutex_lock(&th->lock);
    th_version **s = slot_of(th, name);
    if (!s) {
        pthread_mutex_unlock(&th->lock);
        return rs_error_set(err, RS_ERR_NOT_FOUND, "no instance named '%s'",
                            name);
    }
    (*s)->refs++;
    ref->entry = (*s)->entry;
    ref->instance = (*s)->instance;
    ref->token = *s;
    pthread_mutex_unlock(&th->lock);
    return RS_OK;
}

static void version_destroy(th_version *v)
{
    v->entry->destroy(v->instance);
    free(v->name);
    for (size_t i = 0; i < v->n_params; i++)
        free(v->params[i]);
    free(v);
}

static void host_release(const rs_host *h, rs_instance_ref *ref)
{
    th_host *th = version_of(h)->th;
    th_version *v = ref->token;
    if (!v)
        return;
    pthread_mutex_lock(&th->lock);
    v->refs--;
    pthread_mutex_unlock(&th->lock);
    memset(ref, 0, sizeof *ref);
}

static int host_threads(const rs_host *h)
{
    (void)h;
    return 1;
}

static const char *host_artifact_dir(const rs_host *h)
{
    (void)h;
    return "/nonexistent";
}

static const char *host_instance_name(const rs_host *h)
{
    return version_of(h)->name;
}

/* ---- building versions ---------------------------------------------------- */

th_host *th_new(const rs_dataset *data)
{
    th_host *th = calloc(1, sizeof *th);
    if (!th)
        return NULL;
    th->data = data;
    pthread_mutex_init(&th->lock, NULL);
    return th;
}

static rs_status version_new(th_host *th, const char *name,
                             const char *so_path, const char *const *params,
                             th_version **out, rs_error *err)
{
    /* RTLD_LOCAL as the engine: children and hybrid share no symbols. */
    void *dl = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", so_path, dlerror());
    rs_plugin_entry_fn fn =
        (rs_plugin_entry_fn)(uintptr_t)dlsym(dl, RS_PLUGIN_ENTRY_NAME);
    const rs_plugin_entry *e = fn ? fn() : NULL;
    if (!e)
        return rs_error_set(err, RS_ERR_ABI, "%s: no %s", so_path,
                            RS_PLUGIN_ENTRY_NAME);
    if (e->abi_major != RS_ABI_MAJOR || e->abi_minor > RS_ABI_MINOR ||
        e->struct_size != sizeof(rs_plugin_entry))
        return rs_error_set(err, RS_ERR_ABI, "%s: ABI %u.%u size %u", so_path,
                            e->abi_major, e->abi_minor, e->struct_size);
    th_version *v = calloc(1, sizeof *v);
    if (!v)
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    v->th = th;
    v->name = strdup(name);
    v->entry = e;
    for (size_t i = 0; params && params[i] && i < TH_MAX_PARAMS; i++)
        v->params[v->n_params++] = strdup(params[i]);
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
    };
    rs_status s = e->create(&v->table, &v->instance, err);
    if (s == RS_OK && (e->capabilities & RS_CAP_FIT))
        s = e->fit(v->instance, th->data, err);
    if (s != RS_OK) {
        if (v->instance)
            e->destroy(v->instance);
        v->instance = NULL;
        free(v->name);
        for (size_t i = 0; i < v->n_params; i++)
            free(v->params[i]);
        free(v);
        return s;
    }
    *out = v;
    return RS_OK;
}

rs_status th_add(th_host *th, const char *name, const char *so_path,
                 const char *const *params, rs_error *err)
{
    size_t i = 0;
    while (i < TH_MAX_SLOTS && th->slot[i])
        i++;
    if (i == TH_MAX_SLOTS || slot_of(th, name))
        return rs_error_set(err, RS_ERR_INVALID, "slot '%s' taken or full",
                            name);
    /* Occupy the slot only after create+fit, as the engine would: a
     * composite's fit may acquire its children but never itself. */
    th_version *v;
    rs_status s = version_new(th, name, so_path, params, &v, err);
    if (s != RS_OK)
        return s;
    pthread_mutex_lock(&th->lock);
    th->slot[i] = v;
    pthread_mutex_unlock(&th->lock);
    return RS_OK;
}

static void retire(th_host *th, th_version *v)
{
    v->retired = 1;
    th->retired[th->n_retired++] = v;
}

rs_status th_swap(th_host *th, const char *name, const char *so_path,
                  const char *const *params, rs_error *err)
{
    th_version *v;
    rs_status s = version_new(th, name, so_path, params, &v, err);
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

void th_remove(th_host *th, const char *name)
{
    pthread_mutex_lock(&th->lock);
    th_version **slot = slot_of(th, name);
    if (slot) {
        retire(th, *slot);
        *slot = NULL;
    }
    pthread_mutex_unlock(&th->lock);
}

const rs_plugin_entry *th_entry(th_host *th, const char *name)
{
    th_version **s = slot_of(th, name);
    return s ? (*s)->entry : NULL;
}

void *th_instance(th_host *th, const char *name)
{
    th_version **s = slot_of(th, name);
    return s ? (*s)->instance : NULL;
}

long th_refs_held(th_host *th)
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

size_t th_log_count(th_host *th, const char *needle)
{
    size_t n = 0;
    pthread_mutex_lock(&th->lock);
    for (size_t i = 0; i < th->n_log; i++)
        if (!needle || strstr(th->log[i], needle))
            n++;
    pthread_mutex_unlock(&th->lock);
    return n;
}

void th_log_dump(th_host *th)
{
    for (size_t i = 0; i < th->n_log; i++)
        fprintf(stderr, "log: %s\n", th->log[i]);
}

int th_free(th_host *th)
{
    if (!th)
        return 0;
    if (th_refs_held(th))
        return 1;
    /* Composites first (they were added last), then their children. */
    for (size_t i = TH_MAX_SLOTS; i-- > 0;)
        if (th->slot[i])
            version_destroy(th->slot[i]);
    for (size_t i = 0; i < th->n_retired; i++)
        version_destroy(th->retired[i]);
    for (size_t i = 0; i < th->n_log; i++)
        free(th->log[i]);
    pthread_mutex_destroy(&th->lock);
    free(th);
    return 0;
}
