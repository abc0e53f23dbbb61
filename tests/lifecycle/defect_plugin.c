/*
 * A real plugin whose artifact names a defect, for the swap gate's smoke
 * test: "none" ranks unrated items by index; "rated" returns rated items
 * too, "duplicate" repeats its first item, "short" returns one item too
 * few, "nan" gives NaN scores, "outside" returns an item past the
 * catalogue. The defect travels in the artifact, so a candidate and the
 * serving version of one config can differ.
 *
 * With its `log` param set it also writes down every lifecycle call the
 * host makes, one line per call appended to that file:
 *     <instance> <serial> <create|fit|save|load|destroy> <dir or ->
 * <serial> numbers the plugin's instances in creation order (per process),
 * so a test can count calls and tell which instance was fitted, which one
 * saved and which one loaded.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/plugin.h"

typedef struct dp {
    const rs_host *host;
    int32_t n_items;
    char defect[16];
    int serial;
    char log[4096];
} dp;

static int next_serial;

static void note(const dp *p, const char *op, const char *dir)
{
    if (!p->log[0])
        return;
    FILE *f = fopen(p->log, "a");
    if (!f)
        return; /* the test then finds a call missing and fails */
    fprintf(f, "%s %d %s %s\n", p->host->instance_name(p->host), p->serial, op, dir ? dir : "-");
    fclose(f);
}

static rs_status dp_create(const rs_host *host, void **out, rs_error *err)
{
    const char *log = "";
    dp *p = calloc(1, sizeof *p);
    if (!p)
        return rs_error_set(err, RS_ERR_NOMEM, "defect: out of memory");
    p->host = host;
    snprintf(p->defect, sizeof p->defect, "none");
    p->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
    if (host->param_string(host, "log", &log) == RS_OK)
        snprintf(p->log, sizeof p->log, "%s", log);
    note(p, "create", NULL);
    *out = p;
    return RS_OK;
}

static void dp_destroy(void *inst)
{
    if (!inst)
        return;
    note(inst, "destroy", NULL);
    free(inst);
}

static rs_status dp_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    (void)err;
    ((dp *)inst)->n_items = d->n_items;
    note(inst, "fit", NULL);
    return RS_OK;
}

static rs_status dp_save(void *inst, const char *dir, rs_error *err)
{
    dp *p = inst;
    char path[4096];
    note(p, "save", dir);
    snprintf(path, sizeof path, "%s/defect.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "%s %d\n", p->defect, p->n_items);
    fclose(f);
    return RS_OK;
}

static rs_status dp_load(void *inst, const char *dir, const rs_dataset *d, rs_error *err)
{
    dp *p = inst;
    char path[4096];
    int n = 0;
    note(p, "load", dir);
    snprintf(path, sizeof path, "%s/defect.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    int got = fscanf(f, "%15s %d", p->defect, &n);
    fclose(f);
    if (got != 2 || n != d->n_items)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: bad defect model", path);
    p->n_items = n;
    return RS_OK;
}

static int rated(const rs_query *q, int32_t item)
{
    for (size_t j = 0; j < q->n_ratings; j++)
        if (q->ratings[j].item == item)
            return 1;
    return 0;
}

static rs_status dp_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                              rs_explanation *explain, size_t *n_out, rs_error *err)
{
    dp *p = inst;
    const char *d = p->defect;
    (void)explain;
    (void)err;
    size_t n = 0;
    for (int32_t i = 0; i < p->n_items && n < k; i++)
        if (strcmp(d, "rated") == 0 || !rated(q, i)) {
            out[n].item = i;
            out[n].score = strcmp(d, "nan") == 0 ? NAN : (float)-i;
            n++;
        }
    if (strcmp(d, "duplicate") == 0 && n > 1)
        out[1] = out[0];
    if (strcmp(d, "short") == 0 && n > 0)
        n--;
    if (strcmp(d, "outside") == 0 && n > 0)
        out[n - 1].item = p->n_items;
    *n_out = n;
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "lc_defect",
    .version = "0.0.1",
    .description = "lifecycle test plugin with a chosen defect",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND,
    .create = dp_create,
    .destroy = dp_destroy,
    .fit = dp_fit,
    .save = dp_save,
    .load = dp_load,
    .recommend = dp_recommend,
};

RS_EXPORT const rs_plugin_entry *rs_plugin_entry_v1(void);
RS_EXPORT const rs_plugin_entry *rs_plugin_entry_v1(void) { return &entry; }
