#include "lgcn_test_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- Host ---------------------------------------------------------------- */

static th_host *th_of(const rs_host *h) { return (th_host *)(void *)h; }

static const char *th_find(const rs_host *h, const char *key, const char *type)
{
    th_host *th = th_of(h);
    for (int k = 0; k < th->n_params; k++)
        if (strcmp(th->params[k].key, key) == 0)
            return strcmp(th->params[k].type, type) == 0 ? th->params[k].value : "";
    return NULL;
}

static rs_status p_int(const rs_host *h, const char *key, int64_t *out)
{
    const char *v = th_find(h, key, "int");
    char *end;
    if (!v)
        return RS_ERR_NOT_FOUND;
    *out = strtoll(v, &end, 10);
    return (*v && !*end) ? RS_OK : RS_ERR_INVALID;
}

static rs_status p_float(const rs_host *h, const char *key, double *out)
{
    const char *v = th_find(h, key, "float");
    char *end;
    if (!v)
        return RS_ERR_NOT_FOUND;
    *out = strtod(v, &end);
    return (*v && !*end) ? RS_OK : RS_ERR_INVALID;
}

static rs_status p_bool(const rs_host *h, const char *key, int *out)
{
    const char *v = th_find(h, key, "bool");
    if (!v)
        return RS_ERR_NOT_FOUND;
    *out = strcmp(v, "true") == 0;
    return RS_OK;
}

static rs_status p_string(const rs_host *h, const char *key, const char **out)
{
    const char *v = th_find(h, key, "string");
    if (v && !*v) /* enum values arrive as strings */
        v = th_find(h, key, "enum");
    if (!v)
        return RS_ERR_NOT_FOUND;
    *out = v;
    return RS_OK;
}

static void h_log(const rs_host *h, rs_log_level level, const char *fmt, ...)
{
    if (!th_of(h)->verbose && level < RS_LOG_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void h_progress(const rs_host *h, const char *task, double done, double total,
                       const char *detail)
{
    th_host *th = th_of(h);
    th->progress_calls++;
    snprintf(th->last_progress, sizeof th->last_progress, "%s %.0f/%.0f %s", task, done, total,
             detail ? detail : "");
    if (th->verbose)
        fprintf(stderr, "%s\n", th->last_progress);
}

static int h_threads(const rs_host *h) { return th_of(h)->threads; }
static const char *h_name(const rs_host *h)
{
    (void)h;
    return "lightgcn-test";
}
static const char *h_dir(const rs_host *h)
{
    (void)h;
    return "/tmp";
}
static const char *h_checkpoint_dir(const rs_host *h)
{
    return th_of(h)->checkpoint_dir[0] ? th_of(h)->checkpoint_dir : NULL;
}
static int h_resume(const rs_host *h) { return th_of(h)->resume; }
static const rs_dataset *h_dataset(const rs_host *h)
{
    (void)h;
    return NULL;
}

/*
 * A deliberately small reader for the descriptor's `params:` block: each
 * entry is one line `  key: {type: T, default: V, ...}` (the style every
 * plugin.yaml in this repo uses). The real host parses YAML properly; here
 * we only need the defaults the host would apply.
 */
static int field(const char *line, const char *name, char *out, size_t cap)
{
    char pat[32];
    snprintf(pat, sizeof pat, "%s:", name);
    const char *p = strstr(line, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    size_t n = 0;
    int quoted = *p == '"';
    if (quoted)
        p++;
    while (*p && n + 1 < cap && (quoted ? *p != '"' : (*p != ',' && *p != '}')))
        out[n++] = *p++;
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return 1;
}

th_host *th_new(const char *descriptor_path)
{
    FILE *f = fopen(descriptor_path, "r");
    if (!f) {
        fprintf(stderr, "th_new: cannot open %s\n", descriptor_path);
        return NULL;
    }
    th_host *th = calloc(1, sizeof *th);
    char line[1024];
    int in_params = 0;
    while (th && fgets(line, sizeof line, f)) {
        if (strncmp(line, "params:", 7) == 0) {
            in_params = 1;
            continue;
        }
        if (!in_params || line[0] != ' ')
            continue;
        const char *k = line;
        while (*k == ' ')
            k++;
        const char *colon = strchr(k, ':');
        if (!colon || th->n_params == TH_MAX_PARAMS)
            continue;
        int i = th->n_params++;
        snprintf(th->params[i].key, sizeof th->params[i].key, "%.*s", (int)(colon - k), k);
        if (!field(colon + 1, "type", th->params[i].type, sizeof th->params[i].type) ||
            !field(colon + 1, "default", th->params[i].value, sizeof th->params[i].value)) {
            fprintf(stderr, "th_new: %s: param '%s' lacks type/default\n", descriptor_path,
                    th->params[i].key);
            free(th);
            th = NULL;
        }
    }
    fclose(f);
    if (!th)
        return NULL;
    th->threads = 2;
    th->verbose = getenv("LGCN_TEST_VERBOSE") != NULL;
    th->host = (rs_host){.struct_size = sizeof(rs_host),
                         .abi_major = RS_ABI_MAJOR,
                         .abi_minor = RS_ABI_MINOR,
                         .log = h_log,
                         .progress = h_progress,
                         .param_int = p_int,
                         .param_float = p_float,
                         .param_bool = p_bool,
                         .param_string = p_string,
                         .dataset = h_dataset,
                         .threads = h_threads,
                         .artifact_dir = h_dir,
                         .instance_name = h_name,
                         .checkpoint_dir = h_checkpoint_dir,
                         .resume = h_resume};
    return th;
}

void th_free(th_host *th) { free(th); }

int th_set(th_host *th, const char *key, const char *value)
{
    for (int k = 0; k < th->n_params; k++)
        if (strcmp(th->params[k].key, key) == 0) {
            snprintf(th->params[k].value, sizeof th->params[k].value, "%s", value);
            return 1;
        }
    return 0;
}

/* ---- Datasets ------------------------------------------------------------ */

static int cmp_user_item(const void *a, const void *b)
{
    const td_rating *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

void td_free(td_data *d)
{
    if (!d)
        return;
    free(d->user_ids);
    free(d->items);
    free(d->user_ptr);
    free(d->item_ptr);
    free(d->user_item);
    free(d->item_user);
    free(d->user_rating);
    free(d->item_rating);
    free(d->user_time);
    free(d->cf_item);
    free(d->cf_user);
    free(d);
}

td_data *td_new(int32_t nu, const int64_t *user_ids, int32_t ni, const int64_t *movie_ids,
                const td_rating *r, size_t n)
{
    td_data *d = calloc(1, sizeof *d);
    td_rating *s = malloc((n + 1) * sizeof *s);
    if (!d || !s)
        abort(); /* test code: allocation failure is fatal */
    if (n)
        memcpy(s, r, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_user_item);
    d->user_ids = malloc(((size_t)nu + 1) * sizeof *d->user_ids);
    d->items = calloc((size_t)ni + 1, sizeof *d->items);
    d->user_ptr = calloc((size_t)nu + 1, sizeof *d->user_ptr);
    d->item_ptr = calloc((size_t)ni + 1, sizeof *d->item_ptr);
    d->user_item = malloc((n + 1) * sizeof *d->user_item);
    d->item_user = malloc((n + 1) * sizeof *d->item_user);
    d->user_rating = malloc((n + 1) * sizeof *d->user_rating);
    d->item_rating = malloc((n + 1) * sizeof *d->item_rating);
    d->user_time = calloc(n + 1, sizeof *d->user_time);
    d->cf_item = malloc((size_t)ni + 1);
    d->cf_user = malloc((size_t)nu + 1);
    size_t *fill = calloc((size_t)ni + 1, sizeof *fill);
    if (!d->user_ids || !d->items || !d->user_ptr || !d->item_ptr || !d->user_item ||
        !d->item_user || !d->user_rating || !d->item_rating || !d->user_time || !d->cf_item ||
        !d->cf_user || !fill)
        abort();
    for (int32_t u = 0; u < nu; u++)
        d->user_ids[u] = user_ids ? user_ids[u] : u + 1;
    for (int32_t i = 0; i < ni; i++) {
        d->items[i].movie_id = movie_ids ? movie_ids[i] : 1000 + i;
        d->items[i].title = "";
        d->items[i].genres = "";
        d->items[i].tags = "";
        d->items[i].overview = "";
    }
    for (size_t k = 0; k < n; k++) {
        d->user_ptr[s[k].user + 1]++;
        d->item_ptr[s[k].item + 1]++;
        d->user_item[k] = s[k].item;
        d->user_rating[k] = s[k].rating;
    }
    for (int32_t u = 0; u < nu; u++)
        d->user_ptr[u + 1] += d->user_ptr[u];
    for (int32_t i = 0; i < ni; i++)
        d->item_ptr[i + 1] += d->item_ptr[i];
    memcpy(fill, d->item_ptr, (size_t)ni * sizeof *fill);
    for (size_t k = 0; k < n; k++) { /* users ascending: rows stay sorted */
        size_t p = fill[s[k].item]++;
        d->item_user[p] = s[k].user;
        d->item_rating[p] = s[k].rating;
    }
    memset(d->cf_item, 1, (size_t)ni);
    memset(d->cf_user, 1, (size_t)nu);
    free(fill);
    free(s);
    d->view = (rs_dataset){.struct_size = sizeof(rs_dataset),
                           .n_users = nu,
                           .n_items = ni,
                           .n_ratings = n,
                           .user_ids = d->user_ids,
                           .items = d->items,
                           .user_ptr = d->user_ptr,
                           .user_item = d->user_item,
                           .user_rating = d->user_rating,
                           .user_time = d->user_time,
                           .item_ptr = d->item_ptr,
                           .item_user = d->item_user,
                           .item_rating = d->item_rating,
                           .cf_item = d->cf_item,
                           .cf_user = d->cf_user};
    return d;
}

const char *td_ml_small_dir(void)
{
    static char dir[4096];
    const char *root = getenv("RECSYS_SHARED_DATA");
#ifdef RS_SHARED_DATA_DEFAULT
    if (!root || !*root)
        root = RS_SHARED_DATA_DEFAULT;
#endif
    if (!root)
        return NULL;
    snprintf(dir, sizeof dir, "%s/ml-latest-small", root);
    char probe[4200];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/ratings.csv", dir);
    return stat(probe, &st) == 0 ? dir : NULL;
}
