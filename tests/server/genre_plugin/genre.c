/*
 * test_genre: a small but real plugin the server tests and benchmarks use
 * where the production similar/explaining plugins live on other branches.
 * similar(i) ranks items by Jaccard overlap of genre sets, breaking ties by
 * popularity; recommend() scores each item by its best overlap with an item
 * the user rated >= 3.5 and explains it with that item.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/plugin.h"
#include "recsys/topk.h"

typedef struct genre {
    const rs_host *host;
    int64_t min_count;
    const rs_dataset *d;
    float *pop; /* [n_items] log(1 + count) */
} genre;

static rs_status g_create(const rs_host *host, void **out, rs_error *err)
{
    genre *g = calloc(1, sizeof *g);
    if (!g)
        return rs_error_set(err, RS_ERR_NOMEM, "test_genre: out of memory");
    g->host = host;
    if (host->param_int(host, "min_count", &g->min_count) != RS_OK) {
        free(g);
        return rs_error_set(err, RS_ERR_CONFIG, "test_genre: min_count missing");
    }
    *out = g;
    return RS_OK;
}

static void g_destroy(void *inst)
{
    genre *g = inst;
    if (!g)
        return;
    free(g->pop);
    free(g);
}

static rs_status g_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    genre *g = inst;
    float *pop = malloc((size_t)(d->n_items ? d->n_items : 1) * sizeof *pop);
    if (!pop)
        return rs_error_set(err, RS_ERR_NOMEM, "test_genre: out of memory");
    for (int32_t i = 0; i < d->n_items; i++) {
        size_t c = d->item_ptr[i + 1] - d->item_ptr[i];
        pop[i] = (int64_t)c < g->min_count ? -1.0f : logf(1.0f + (float)c);
    }
    free(g->pop);
    g->pop = pop;
    g->d = d;
    return RS_OK;
}

static float jaccard(uint32_t a, uint32_t b)
{
    uint32_t u = a | b;
    return u ? (float)__builtin_popcount(a & b) / (float)__builtin_popcount(u) : 0.0f;
}

static rs_status g_similar(void *inst, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                           rs_error *err)
{
    genre *g = inst;
    if (item < 0 || item >= g->d->n_items)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "test_genre: no item %d", (int)item);
    uint32_t m = g->d->items[item].genre_mask;
    rs_topk t;
    rs_topk_init(&t, out, k);
    for (int32_t i = 0; i < g->d->n_items; i++)
        if (i != item && g->pop[i] >= 0)
            rs_topk_push(&t, i, jaccard(m, g->d->items[i].genre_mask) * 10.0f + g->pop[i] * 0.01f);
    *n_out = rs_topk_finish(&t);
    return RS_OK;
}

static int rated(const rs_query *q, int32_t item)
{
    for (size_t j = 0; j < q->n_ratings; j++)
        if (q->ratings[j].item == item)
            return 1;
    return rs_sorted_contains(q->exclude, q->n_exclude, item);
}

static rs_status g_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                             rs_explanation *explain, size_t *n_out, rs_error *err)
{
    (void)err;
    genre *g = inst;
    rs_topk t;
    rs_topk_init(&t, out, k);
    for (int32_t i = 0; i < g->d->n_items; i++) {
        if (g->pop[i] < 0 || rated(q, i))
            continue;
        float best = 0;
        for (size_t j = 0; j < q->n_ratings; j++)
            if (q->ratings[j].rating >= 3.5f) {
                float s = jaccard(g->d->items[i].genre_mask,
                                  g->d->items[q->ratings[j].item].genre_mask);
                best = s > best ? s : best;
            }
        rs_topk_push(&t, i, best * 10.0f + g->pop[i] * 0.01f);
    }
    *n_out = rs_topk_finish(&t);
    for (size_t r = 0; explain && r < *n_out; r++) {
        rs_explanation *e = &explain[r];
        memset(e, 0, sizeof *e);
        e->because_item = -1;
        float best = 0;
        for (size_t j = 0; j < q->n_ratings; j++) {
            float s = q->ratings[j].rating >= 3.5f
                          ? jaccard(g->d->items[out[r].item].genre_mask,
                                    g->d->items[q->ratings[j].item].genre_mask)
                          : 0;
            if (s > best) {
                best = s;
                e->because_item = q->ratings[j].item;
            }
        }
        e->n_parts = 1;
        strncpy(e->parts[0].source, g->host->instance_name(g->host), RS_SOURCE_NAME_MAX - 1);
        e->parts[0].share = 1.0f;
    }
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "test_genre",
    .version = "0.1.0",
    .description = "Test plugin for the server suite; genre-overlap similar items and explained "
                   "recommendations.",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_SIMILAR | RS_CAP_EXPLAIN |
                    RS_CAP_FOLD_IN,
    .create = g_create,
    .destroy = g_destroy,
    .fit = g_fit,
    .recommend = g_recommend,
    .similar = g_similar,
};

RS_PLUGIN_DEFINE(entry)
