/* Test child "fake_content": scores every item by closeness to its
 * `favourite` (a cold item in the tests), so it reaches items the CF child
 * cannot; similar() ranks items by index distance. */
#include "fake_common.h"

static float fake_rule(const fake *f, int32_t item)
{
    return 1.0f / (1.0f + (float)llabs(item - f->favourite));
}

static rs_status fake_similar(void *inst, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                              rs_error *err)
{
    const fake *f = inst;
    if (f->fail)
        return rs_error_set(err, RS_ERR_INTERNAL, "fake: injected failure");
    rs_topk t;
    rs_topk_init(&t, out, k);
    for (int32_t i = 0; i < f->data->n_items; i++)
        if (i != item && fake_knows(f, i))
            rs_topk_push(&t, i, 1.0f / (1.0f + (float)abs(i - item)));
    *n_out = rs_topk_finish(&t);
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "fake_content",
    .version = "1.0.0",
    .description = "hybrid test child: content scores around a favourite",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_SIMILAR | RS_CAP_EXPLAIN |
                    RS_CAP_FOLD_IN,
    .create = fake_create,
    .destroy = fake_destroy,
    .fit = fake_fit,
    .recommend = fake_recommend,
    .score = fake_score,
    .similar = fake_similar,
};

RS_PLUGIN_DEFINE(entry)
