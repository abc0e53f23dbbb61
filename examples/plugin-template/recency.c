/*
 * recency: an example plugin written only against <recsys/plugin.h> and
 * <recsys/topk.h>. Scores each movie by how many ratings it received in
 * the last `window_days` of the dataset. See docs/plugin-guide.md.
 */
#include <stdlib.h>

#include <recsys/plugin.h>
#include <recsys/topk.h>

typedef struct recency {
    const rs_host *host;
    double window_s;
    int32_t n_items;
    float *score;
} recency;

static rs_status rc_create(const rs_host *host, void **out, rs_error *err)
{
    double days;
    if (host->param_float(host, "window_days", &days) != RS_OK)
        return rs_error_set(err, RS_ERR_CONFIG, "recency: window_days missing");
    recency *r = calloc(1, sizeof *r);
    if (!r)
        return rs_error_set(err, RS_ERR_NOMEM, "recency: out of memory");
    r->host = host;
    r->window_s = days * 86400.0;
    *out = r;
    return RS_OK;
}

static void rc_destroy(void *inst)
{
    recency *r = inst;
    if (r)
        free(r->score);
    free(r);
}

static rs_status rc_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    recency *r = inst;
    int64_t latest = 0;
    for (size_t j = 0; j < d->n_ratings; j++)
        if (d->user_time[j] > latest)
            latest = d->user_time[j];
    float *score = calloc((size_t)d->n_items + 1, sizeof *score);
    if (!score)
        return rs_error_set(err, RS_ERR_NOMEM, "recency: out of memory");
    for (size_t j = 0; j < d->n_ratings; j++)
        if ((double)(latest - d->user_time[j]) <= r->window_s)
            score[d->user_item[j]] += 1.0f;
    free(r->score);
    r->score = score;
    r->n_items = d->n_items;
    r->host->log(r->host, RS_LOG_INFO, "fitted on %zu ratings", d->n_ratings);
    return RS_OK;
}

static rs_status rc_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                              rs_explanation *explain, size_t *n_out, rs_error *err)
{
    recency *r = inst;
    (void)explain;
    uint8_t *seen = calloc((size_t)r->n_items + 1, 1);
    if (!seen)
        return rs_error_set(err, RS_ERR_NOMEM, "recency: out of memory");
    for (size_t j = 0; j < q->n_ratings; j++)
        seen[q->ratings[j].item] = 1;
    rs_topk top;
    rs_topk_init(&top, out, k);
    for (int32_t i = 0; i < r->n_items; i++)
        if (!seen[i] && !rs_sorted_contains(q->exclude, q->n_exclude, i))
            rs_topk_push(&top, i, r->score[i]);
    free(seen);
    *n_out = rs_topk_finish(&top);
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "recency",
    .version = "0.1.0",
    .description = "Recently popular movies (example plugin)",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_FOLD_IN,
    .create = rc_create,
    .destroy = rc_destroy,
    .fit = rc_fit,
    .recommend = rc_recommend,
};

RS_PLUGIN_DEFINE(entry)
