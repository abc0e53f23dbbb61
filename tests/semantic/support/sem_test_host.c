#include "sem_test_host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const rs_plugin_entry *rs_plugin_entry_v1(void);

const rs_plugin_entry *sem_test_entry(void) { return rs_plugin_entry_v1(); }

static const char *find(const rs_host *host, const char *key)
{
    const sem_test_host *h = (const sem_test_host *)host;
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->key[i], key) == 0)
            return h->value[i];
    return NULL;
}

static rs_status p_int(const rs_host *host, const char *key, int64_t *out)
{
    const char *v = find(host, key);
    char *end;
    if (!v)
        return RS_ERR_NOT_FOUND;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return RS_ERR_INVALID;
    *out = x;
    return RS_OK;
}

static rs_status p_float(const rs_host *host, const char *key, double *out)
{
    const char *v = find(host, key);
    char *end;
    if (!v)
        return RS_ERR_NOT_FOUND;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end)
        return RS_ERR_INVALID;
    *out = x;
    return RS_OK;
}

static rs_status p_bool(const rs_host *host, const char *key, int *out)
{
    const char *v = find(host, key);
    if (!v)
        return RS_ERR_NOT_FOUND;
    *out = strcmp(v, "true") == 0;
    return RS_OK;
}

static rs_status p_string(const rs_host *host, const char *key, const char **out)
{
    const char *v = find(host, key);
    if (!v)
        return RS_ERR_NOT_FOUND;
    *out = v;
    return RS_OK;
}

static void h_log(const rs_host *host, rs_log_level level, const char *fmt, ...)
{
    (void)host;
    if (!getenv("RS_TEST_VERBOSE"))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%d] ", (int)level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void h_progress(const rs_host *host, const char *task, double done, double total,
                       const char *detail)
{
    (void)host;
    if (getenv("RS_TEST_VERBOSE"))
        fprintf(stderr, "%s %.0f/%.0f %s\n", task, done, total, detail);
}

static const rs_dataset *h_dataset(const rs_host *host)
{
    return ((const sem_test_host *)host)->data;
}

static int h_threads(const rs_host *host)
{
    (void)host;
    return 1;
}

static const char *h_artifact_dir(const rs_host *host)
{
    return ((const sem_test_host *)host)->artifact_dir;
}

static const char *h_name(const rs_host *host) { return ((const sem_test_host *)host)->name; }

void sem_test_host_set(sem_test_host *h, const char *key, const char *value)
{
    int i = 0;
    while (i < h->n && strcmp(h->key[i], key) != 0)
        i++;
    if (i == h->n) {
        if (h->n == SEM_TEST_MAX_PARAMS)
            return;
        h->n++;
        size_t n = strlen(key);
        if (n >= sizeof h->key[i])
            n = sizeof h->key[i] - 1;
        memcpy(h->key[i], key, n);
        h->key[i][n] = '\0';
    }
    snprintf(h->value[i], sizeof h->value[i], "%s", value);
}

/* Reads lines "  key: {type: T, default: V, ...}" under "params:". Enough
 * for our own descriptor; the core's libyaml-based reader replaces it. */
int sem_test_host_init(sem_test_host *h, const char *descriptor_path)
{
    memset(h, 0, sizeof *h);
    h->host.struct_size = sizeof h->host;
    h->host.abi_major = RS_ABI_MAJOR;
    h->host.abi_minor = RS_ABI_MINOR;
    h->host.log = h_log;
    h->host.progress = h_progress;
    h->host.param_int = p_int;
    h->host.param_float = p_float;
    h->host.param_bool = p_bool;
    h->host.param_string = p_string;
    h->host.dataset = h_dataset;
    h->host.threads = h_threads;
    h->host.artifact_dir = h_artifact_dir;
    h->host.instance_name = h_name;
    snprintf(h->name, sizeof h->name, "semantic");

    FILE *f = fopen(descriptor_path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", descriptor_path, strerror(errno));
        return -1;
    }
    char line[1024];
    int in_params = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "params:", 7) == 0) {
            in_params = 1;
            continue;
        }
        if (!in_params || strncmp(line, "  ", 2) != 0)
            continue;
        char *colon = strchr(line, ':');
        char *def = strstr(line, "default:");
        if (!colon || !def)
            continue;
        *colon = '\0';
        char *key = line + 2;
        def += 8;
        while (*def == ' ')
            def++;
        char value[256];
        size_t n = 0;
        if (*def == '"') {
            def++;
            while (*def && *def != '"' && n < sizeof value - 1)
                value[n++] = *def++;
        } else {
            while (*def && *def != ',' && *def != '}' && n < sizeof value - 1)
                value[n++] = *def++;
            while (n > 0 && value[n - 1] == ' ')
                n--;
        }
        value[n] = '\0';
        sem_test_host_set(h, key, value);
    }
    fclose(f);
    return h->n > 0 ? 0 : -1;
}
