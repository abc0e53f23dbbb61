/* Test child "fake_cf": a CF model that knows only items [0, known_items)
 * (default all) and ranks lower indices higher; NaN for the rest. */
#include "fake_common.h"

static float fake_rule(const fake *f, int32_t item)
{
    (void)f;
    return 100.0f - (float)item;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "fake_cf",
    .version = "1.0.0",
    .description = "hybrid test child: CF over a catalogue prefix",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_EXPLAIN | RS_CAP_FOLD_IN,
    .create = fake_create,
    .destroy = fake_destroy,
    .fit = fake_fit,
    .recommend = fake_recommend,
    .score = fake_score,
};

RS_PLUGIN_DEFINE(entry)
