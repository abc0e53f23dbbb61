/*
 * A plugin written for ABI 1.0, compiled in tests/sdk/test_sdk.sh against
 * the frozen 1.0 header (tests/sdk/abi-1.0) to check that the current host
 * still loads and serves it. Ranks movies by rating count.
 */
#include <stdlib.h>

#include <recsys/plugin.h>

typedef struct oldpop {
    int32_t n_items;
    float *count;
} oldpop;

static rs_status op_create(const rs_host *host, void **out, rs_error *err)
{
    (void)host;
    *out = calloc(1, sizeof(oldpop));
    return *out ? RS_OK : rs_error_set(err, RS_ERR_NOMEM, "oldpop: out of memory");
}

static void op_destroy(void *inst)
{
    oldpop *p = inst;
    if (p)
        free(p->count);
    free(p);
}

static rs_status op_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    oldpop *p = inst;
    p->count = calloc((size_t)d->n_items + 1, sizeof *p->count);
    if (!p->count)
        return rs_error_set(err, RS_ERR_NOMEM, "oldpop: out of memory");
    p->n_items = d->n_items;
    for (int32_t i = 0; i < d->n_items; i++)
        p->count[i] = (float)(d->item_ptr[i + 1] - d->item_ptr[i]);
    return RS_OK;
}

static rs_status op_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                              rs_explanation *explain, size_t *n_out, rs_error *err)
{
    oldpop *p = inst;
    (void)explain;
    (void)err;
    size_t n = 0;
    /* Selection by repeated maximum: fine for a test catalogue. */
    while (n < k) {
        int32_t best = -1;
        for (int32_t i = 0; i < p->n_items; i++) {
            int skip = 0;
            for (size_t j = 0; j < q->n_ratings; j++)
                skip |= q->ratings[j].item == i;
            for (size_t j = 0; j < n; j++)
                skip |= out[j].item == i;
            if (!skip && (best < 0 || p->count[i] > p->count[best]))
                best = i;
        }
        if (best < 0)
            break;
        out[n].item = best;
        out[n].score = p->count[best];
        n++;
    }
    *n_out = n;
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "oldpop",
    .version = "1.0.0",
    .description = "An ABI 1.0 plugin",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_FOLD_IN,
    .create = op_create,
    .destroy = op_destroy,
    .fit = op_fit,
    .recommend = op_recommend,
};

RS_PLUGIN_DEFINE(entry)
