/*
 * A real plugin whose artifact names a defect, for the swap gate's smoke
 * test: "none" ranks unrated items by index; "rated" returns rated items
 * too, "duplicate" repeats its first item, "short" returns one item too
 * few, "nan" gives NaN scores, "outside" returns an item past the
 * catalogue. The defect travels in the artifact, so a candidate and the
 * serving version of one config can differ.
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
} dp;

static rs_status dp_create(const rs_host *host, void **out, rs_error *err)
{
    dp *p = calloc(1, sizeof *p);
    if (!p)
        return rs_error_set(err, RS_ERR_NOMEM, "defect: out of memory");
    p->host = host;
    snprintf(p->defect, sizeof p->defect, "none");
    *out = p;
    return RS_OK;
}

static void dp_destroy(void *inst) { free(inst); }

static rs_status dp_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    (void)err;
    ((dp *)inst)->n_items = d->n_items;
    return RS_OK;
}

static rs_status dp_save(void *inst, const char *dir, rs_error *err)
{
    dp *p = inst;
    char path[4096];
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
