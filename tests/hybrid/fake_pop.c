/* Test child "fake_pop": a popularity fallback whose most popular items
 * are the highest indices, so its list is distinguishable from the blend. */
#include "fake_common.h"

static float fake_rule(const fake *f, int32_t item)
{
    (void)f;
    return (float)item;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "fake_pop",
    .version = "1.0.0",
    .description = "hybrid test child: popularity fallback",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_FOLD_IN,
    .create = fake_create,
    .destroy = fake_destroy,
    .fit = fake_fit,
    .recommend = fake_recommend,
    .score = fake_score,
};

RS_PLUGIN_DEFINE(entry)
