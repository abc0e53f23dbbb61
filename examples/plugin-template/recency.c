/*
 * recency: an example plugin written only against the SDK headers
 * (<recsys/plugin.h>, <recsys/params.h>, <recsys/topk.h>). It scores each
 * movie by how many ratings it received in the last `window_days` of the
 * data it was fitted on, and shows every callback a plugin can have:
 * params read from one table, fit, save/load (external movie ids, remapped
 * onto the catalogue on load), recommend, score, similar and describe.
 * See docs/plugin-guide.md; test_recency.c unit-tests it on the SDK test
 * host.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <recsys/params.h>
#include <recsys/plugin.h>
#include <recsys/topk.h>

#define ARTIFACT "recency.tsv"
#define MAGIC "recency-v1"

/* The params, declared once: key, type, default (equal to plugin.yaml's;
 * the host applies plugin.yaml's and validates the range), member. */
typedef struct rc_params {
    double window_days;
    int64_t min_count;
} rc_params;

static const rs_param_field rc_param_table[] = {
    RS_PARAM_FIELD_DOUBLE(rc_params, window_days, "window_days", 30.0),
    RS_PARAM_FIELD_INT64(rc_params, min_count, "min_count", 1),
};

typedef struct recency {
    const rs_host *host;
    rc_params p;
    const rs_dataset *data; /* of the last fit/load: valid until destroy */
    int32_t n_items;
    float *score; /* [n_items]; 0 = not recent enough */
} recency;

/* [setup] */
static rs_status rc_create(const rs_host *host, void **out, rs_error *err)
{
    recency *r = calloc(1, sizeof *r);
    if (!r)
        return rs_error_set(err, RS_ERR_NOMEM, "recency: out of memory");
    r->host = host;
    rs_status st = rs_params_read(host, rc_param_table, RS_PARAMS_COUNT(rc_param_table), &r->p,
                                  err);
    if (st != RS_OK) {
        free(r);
        return st;
    }
    *out = r;
    return RS_OK;
}

/* [any, once] */
static void rc_destroy(void *inst)
{
    recency *r = inst;
    if (r)
        free(r->score);
    free(r);
}

/* [setup] Train on `d` (the host may hand a training split, not the
 * serving data: use what you are given). */
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
    double window_s = r->p.window_days * 86400.0;
    for (size_t j = 0; j < d->n_ratings; j++)
        if ((double)(latest - d->user_time[j]) <= window_s)
            score[d->user_item[j]] += 1.0f;
    for (int32_t i = 0; i < d->n_items; i++)
        if (score[i] < (float)r->p.min_count)
            score[i] = 0.0f;
    free(r->score);
    r->score = score;
    r->n_items = d->n_items;
    r->data = d;
    r->host->log(r->host, RS_LOG_INFO, "fitted on %zu ratings", d->n_ratings);
    return RS_OK;
}

/* [setup] Artifacts name movies by their external id: the catalogue's
 * order may differ when they are loaded. */
static rs_status rc_save(void *inst, const char *dir, rs_error *err)
{
    const recency *r = inst;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, ARTIFACT);
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "%s %d\n", MAGIC, r->n_items);
    for (int32_t i = 0; i < r->n_items; i++)
        if (r->score[i] > 0.0f)
            fprintf(f, "%lld\t%.9g\n", (long long)rs_dataset_item(r->data, i)->movie_id,
                    r->score[i]);
    if (fclose(f) != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}

/* The catalogue index of movie `id` in d, or -1 (a linear scan keeps the
 * example short; a real plugin builds a map once per load). */
static int32_t item_of(const rs_dataset *d, long long id)
{
    for (int32_t i = 0; i < d->n_items; i++)
        if (rs_dataset_item(d, i)->movie_id == id)
            return i;
    return -1;
}

/* [setup] Validate everything into fresh memory, then swap it in: a corrupt
 * file leaves the instance as it was. */
static rs_status rc_load(void *inst, const char *dir, const rs_dataset *d, rs_error *err)
{
    recency *r = inst;
    char path[4096], magic[32];
    int n_saved;
    snprintf(path, sizeof path, "%s/%s", dir, ARTIFACT);
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    float *score = calloc((size_t)d->n_items + 1, sizeof *score);
    rs_status st = RS_OK;
    if (!score) {
        fclose(f);
        return rs_error_set(err, RS_ERR_NOMEM, "recency: out of memory");
    }
    if (fscanf(f, "%31s %d", magic, &n_saved) != 2 || strcmp(magic, MAGIC) != 0) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s:1: not a recency artifact", path);
        goto out;
    }
    long long id;
    float s;
    int line = 2, got;
    while ((got = fscanf(f, "%lld %f", &id, &s)) == 2) {
        int32_t i = item_of(d, id);
        if (!isfinite(s) || s < 0.0f) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s:%d: bad score", path, line);
            goto out;
        }
        if (i >= 0) /* a movie no longer in the catalogue is dropped */
            score[i] = s;
        line++;
    }
    if (got != EOF) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s:%d: malformed row", path, line);
        goto out;
    }
    free(r->score);
    r->score = score;
    score = NULL;
    r->n_items = d->n_items;
    r->data = d;
out:
    free(score);
    fclose(f);
    return st;
}

/* [serving] The host filled q->ratings for a user of the fitted data (and
 * q->user_index), so the plugin only excludes what the user rated. */
static rs_status rc_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                              rs_explanation *explain, size_t *n_out, rs_error *err)
{
    const recency *r = inst;
    (void)explain; /* no RS_CAP_EXPLAIN: the host passes NULL */
    uint8_t *seen = calloc((size_t)r->n_items + 1, 1);
    if (!seen)
        return rs_error_set(err, RS_ERR_NOMEM, "recency: out of memory");
    for (size_t j = 0; j < q->n_ratings; j++)
        if (q->ratings[j].item >= 0 && q->ratings[j].item < r->n_items)
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

/* [serving] */
static rs_status rc_score(void *inst, const rs_query *q, const int32_t *items, size_t n,
                          float *scores, rs_error *err)
{
    const recency *r = inst;
    (void)q;
    (void)err;
    for (size_t j = 0; j < n; j++)
        scores[j] = items[j] >= 0 && items[j] < r->n_items ? r->score[items[j]] : RS_SCORE_MISSING;
    return RS_OK;
}

/* [serving] The recent movies sharing a genre with `item`. */
static rs_status rc_similar(void *inst, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                            rs_error *err)
{
    const recency *r = inst;
    if (item < 0 || item >= r->n_items)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "recency: no item %d", item);
    uint32_t genres = rs_dataset_item(r->data, item)->genre_mask;
    rs_topk top;
    rs_topk_init(&top, out, k);
    for (int32_t i = 0; i < r->n_items; i++)
        if (i != item && (rs_dataset_item(r->data, i)->genre_mask & genres))
            rs_topk_push(&top, i, r->score[i]);
    *n_out = rs_topk_finish(&top);
    return RS_OK;
}

/* [serving] What it learned, as one short JSON object. */
static rs_status rc_describe(void *inst, char *buf, size_t cap, rs_error *err)
{
    const recency *r = inst;
    int recent = 0;
    for (int32_t i = 0; i < r->n_items; i++)
        recent += r->score[i] > 0.0f;
    int w = snprintf(buf, cap, "{\"window_days\": %g, \"recent_movies\": %d}", r->p.window_days,
                     recent);
    if (w < 0 || (size_t)w >= cap)
        return rs_error_set(err, RS_ERR_INVALID, "recency: describe needs %d bytes", w + 1);
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "recency",
    .version = "0.2.0",
    .description = "Recently popular movies (example plugin)",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_SIMILAR |
                    RS_CAP_FOLD_IN,
    .create = rc_create,
    .destroy = rc_destroy,
    .fit = rc_fit,
    .save = rc_save,
    .load = rc_load,
    .recommend = rc_recommend,
    .score = rc_score,
    .similar = rc_similar,
    .describe = rc_describe,
};

RS_PLUGIN_DEFINE(entry)
