/*
 * The EASE plugin entry: reads params through the host, fits the closed
 * form on the dataset's CF subset, persists it, and serves it.
 *
 * Serving needs no user state: every call scores from the query's own
 * ratings (q->ratings), whether or not q->user_id names a training user,
 * so users who rated something since the fit, and web-app users the model
 * never saw, are served exactly like training users. A user's score for
 * item i is the sum of row x of B over their positives x: O(|positives| *
 * n) adds, then a top-k over n.
 *
 * Written as a third-party plugin: <recsys/plugin.h> and <recsys/topk.h>
 * only, plus OpenBLAS/LAPACKE and zlib.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <recsys/params.h>
#include <recsys/plugin.h>
#include <recsys/topk.h>

#include "ease_artifact.h"
#include "ease_model.h"

typedef struct ease_instance {
    const rs_host *host;
    ease_params p;
    char name[RS_SOURCE_NAME_MAX]; /* instance name, for explanations */
    ease_model *model;             /* NULL until fit/load succeeds */
} ease_instance;

/* ---- Params ----------------------------------------------------------------- */

/* One table, read in one call: the host validated types and ranges
 * against plugin.yaml (lambda >= 0.001), so nothing is re-checked here. */
static const rs_param_field ease_param_table[] = {
    RS_PARAM_FIELD_DOUBLE(ease_params, lambda, "lambda", 350.0),
    RS_PARAM_FIELD_FLOAT(ease_params, threshold, "positive_threshold", 4.0),
    RS_PARAM_FIELD_INT64(ease_params, max_items, "max_items", 20000),
};

static rs_status read_params(ease_instance *in, rs_error *err)
{
    return rs_params_read(in->host, ease_param_table, RS_PARAMS_COUNT(ease_param_table), &in->p,
                          err);
}

static rs_status ease_create(const rs_host *host, void **out, rs_error *err)
{
    ease_instance *in = calloc(1, sizeof *in);
    rs_status st;
    if (!in)
        return rs_error_set(err, RS_ERR_NOMEM, "ease: out of memory");
    in->host = host;
    if ((st = read_params(in, err)) != RS_OK) {
        free(in);
        return st;
    }
    const char *name = host->instance_name ? host->instance_name(host) : NULL;
    snprintf(in->name, sizeof in->name, "%s", name ? name : "ease");
    *out = in;
    return RS_OK;
}

static void ease_destroy(void *instance)
{
    ease_instance *in = instance;
    if (!in)
        return;
    ease_model_free(in->model);
    free(in);
}

/* ---- Fit and persist ---------------------------------------------------------- */

static void fit_progress(void *ctx, const char *step, double done, double total)
{
    const rs_host *h = ctx;
    if (h->progress)
        h->progress(h, "fit", done, total, step);
}

static rs_status ease_fit(void *instance, const rs_dataset *data, rs_error *err)
{
    ease_instance *in = instance;
    ease_model *m = NULL;
    rs_status st = ease_model_fit(data, &in->p, fit_progress, (void *)in->host, &m, err);
    if (st != RS_OK)
        return st;
    if ((st = ease_model_index(m, data, err)) != RS_OK) {
        ease_model_free(m);
        return st;
    }
    if (in->host->log)
        in->host->log(in->host, RS_LOG_INFO,
                      "fitted %d items from %llu positives of %llu users "
                      "(lambda %g, threshold %.1f, B %.1f MB)",
                      m->n, (unsigned long long)m->n_positives, (unsigned long long)m->n_users,
                      m->lambda, (double)m->threshold, (double)ease_serve_bytes(m->n) / 1e6);
    ease_model_free(in->model);
    in->model = m;
    return RS_OK;
}

static rs_status ease_save(void *instance, const char *dir, rs_error *err)
{
    ease_instance *in = instance;
    if (!in->model)
        return rs_error_set(err, RS_ERR_STATE, "ease: nothing to save (not fitted)");
    return ease_artifact_save(in->model, dir, err);
}

/* An artifact fitted with other params is stale: refuse it rather than
 * serve a model the config does not describe (as LightGCN does for dim). */
static rs_status ease_load(void *instance, const char *dir, const rs_dataset *data, rs_error *err)
{
    ease_instance *in = instance;
    ease_model *m = NULL;
    rs_status st = ease_artifact_load(dir, data, in->p.max_items, &m, err);
    if (st != RS_OK)
        return st;
    if (m->lambda != in->p.lambda || m->threshold != in->p.threshold) {
        st = rs_error_set(err, RS_ERR_CONFIG,
                          "ease: %s/%s was fitted with lambda %g, "
                          "positive_threshold %g but the instance is configured "
                          "for lambda %g, positive_threshold %g (retrain it)",
                          dir, EASE_ARTIFACT_FILE, m->lambda, (double)m->threshold, in->p.lambda,
                          (double)in->p.threshold);
        ease_model_free(m);
        return st;
    }
    ease_model_free(in->model);
    in->model = m;
    return RS_OK;
}

/* ---- Serving ------------------------------------------------------------------ */

static int int32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/*
 * The query's positives as model items, sorted and unique, into pos[]
 * (capacity q->n_ratings); returns how many. Ratings of items outside the
 * model (not in the CF subset, or out of range) carry no weight.
 */
static size_t query_positives(const ease_model *m, const rs_query *q, int32_t *pos)
{
    size_t n = 0;
    for (size_t j = 0; j < q->n_ratings; j++) {
        int32_t c = q->ratings[j].item;
        if (c < 0 || c >= m->n_catalogue || m->cat_item[c] < 0 ||
            !(q->ratings[j].rating >= m->threshold))
            continue;
        pos[n++] = m->cat_item[c];
    }
    qsort(pos, n, sizeof *pos, int32_cmp);
    size_t u = 0;
    for (size_t j = 0; j < n; j++)
        if (u == 0 || pos[u - 1] != pos[j])
            pos[u++] = pos[j];
    return u;
}

/* acc[i] = sum over positives x of B[x][i]: rows are contiguous, so this
 * is |pos| streaming vector adds. */
static void sum_rows(const ease_model *m, const int32_t *pos, size_t n_pos, float *acc)
{
    size_t n = (size_t)m->n;
    memset(acc, 0, n * sizeof *acc);
    for (size_t j = 0; j < n_pos; j++) {
        const float *row = m->B + (size_t)pos[j] * n;
        for (size_t i = 0; i < n; i++)
            acc[i] += row[i];
    }
}

/*
 * Top k of score[] over the model, NaN skipped, into out[] as catalogue
 * items. Equal scores rank the item with more training positives first:
 * rs_topk breaks ties by the smaller index, so it is fed each item's
 * popularity rank as the index and the result is mapped back. Ties are
 * common, not a corner case: with a few positives most items share no
 * user with them and score exactly 0, and ordering those by catalogue
 * position would fill a short list with arbitrary old films.
 */
static size_t top_k(const ease_model *m, const float *score, size_t k, rs_scored *out)
{
    rs_topk top;
    rs_topk_init(&top, out, k);
    for (int32_t i = 0; i < m->n; i++)
        rs_topk_push(&top, m->pop_rank[i], score[i]);
    size_t n = rs_topk_finish(&top);
    for (size_t j = 0; j < n; j++)
        out[j].item = m->item_cat[m->by_count[out[j].item]];
    return n;
}

/* Per-request buffers: scores over the model and the query's positives. */
typedef struct request {
    float *acc;
    int32_t *pos;
    size_t n_pos;
} request;

static rs_status request_begin(const ease_instance *in, const rs_query *q, request *r,
                               rs_error *err)
{
    const ease_model *m = in->model;
    memset(r, 0, sizeof *r);
    if (!m)
        return rs_error_set(err, RS_ERR_STATE, "ease: not fitted or loaded");
    if (!q || (q->n_ratings && !q->ratings) || (q->n_exclude && !q->exclude))
        return rs_error_set(err, RS_ERR_INVALID, "ease: invalid query");
    r->acc = malloc((size_t)m->n * sizeof *r->acc);
    r->pos = malloc((q->n_ratings ? q->n_ratings : 1) * sizeof *r->pos);
    if (!r->acc || !r->pos) {
        free(r->acc);
        free(r->pos);
        return rs_error_set(err, RS_ERR_NOMEM, "ease: out of memory");
    }
    r->n_pos = query_positives(m, q, r->pos);
    sum_rows(m, r->pos, r->n_pos, r->acc);
    return RS_OK;
}

static void request_end(request *r)
{
    free(r->acc);
    free(r->pos);
}

/*
 * The exact explanation: item i's score is the sum of B[x][i] over the
 * positives x, so the rated movie that contributed most is the x with the
 * largest B[x][i] (ties: the smaller catalogue index). When no positive
 * contributes anything above zero, no rated movie supports the item and
 * because_item is -1.
 */
static void explain_item(const ease_instance *in, const request *r, int32_t mi, rs_explanation *e)
{
    const ease_model *m = in->model;
    size_t n = (size_t)m->n;
    int32_t best = -1;
    float best_v = 0.0f;
    for (size_t j = 0; j < r->n_pos; j++) {
        int32_t x = r->pos[j];
        float v = m->B[(size_t)x * n + (size_t)mi];
        if (v > best_v || (best >= 0 && v == best_v && m->item_cat[x] < m->item_cat[best])) {
            best = x;
            best_v = v;
        }
    }
    memset(e, 0, sizeof *e);
    e->because_item = best >= 0 ? m->item_cat[best] : -1;
    e->n_parts = 1;
    snprintf(e->parts[0].source, sizeof e->parts[0].source, "%s", in->name);
    e->parts[0].share = 1.0f;
}

static rs_status ease_recommend(void *instance, const rs_query *q, size_t k, rs_scored *out,
                                rs_explanation *explain, size_t *n_out, rs_error *err)
{
    ease_instance *in = instance;
    request r;
    rs_status st;
    *n_out = 0;
    if ((st = request_begin(in, q, &r, err)) != RS_OK)
        return st;
    const ease_model *m = in->model;
    if (k == 0)
        goto done;
    if (!out) {
        st = rs_error_set(err, RS_ERR_INVALID, "ease: NULL output");
        goto done;
    }
    /* A user without a positive in the subset has q B = 0 everywhere: rank
     * by training positives instead, so they still get the films most
     * people liked (and the ranking is not the catalogue order). */
    if (r.n_pos == 0)
        for (int32_t i = 0; i < m->n; i++)
            r.acc[i] = (float)m->count[i];
    /* NaN never enters rs_topk: that is how rated and excluded items are
     * kept out. */
    for (size_t j = 0; j < q->n_ratings; j++) {
        int32_t c = q->ratings[j].item;
        if (c >= 0 && c < m->n_catalogue && m->cat_item[c] >= 0)
            r.acc[m->cat_item[c]] = NAN;
    }
    for (size_t j = 0; j < q->n_exclude; j++) {
        int32_t c = q->exclude[j];
        if (c >= 0 && c < m->n_catalogue && m->cat_item[c] >= 0)
            r.acc[m->cat_item[c]] = NAN;
    }
    *n_out = top_k(m, r.acc, k, out);
    if (explain)
        for (size_t j = 0; j < *n_out; j++)
            explain_item(in, &r, m->cat_item[out[j].item], rs_explanation_at(q, explain, j));
done:
    request_end(&r);
    return st;
}

static rs_status ease_score(void *instance, const rs_query *q, const int32_t *items, size_t n,
                            float *scores, rs_error *err)
{
    ease_instance *in = instance;
    request r;
    rs_status st;
    if (n && (!items || !scores))
        return rs_error_set(err, RS_ERR_INVALID, "ease: NULL items or scores");
    if ((st = request_begin(in, q, &r, err)) != RS_OK)
        return st;
    const ease_model *m = in->model;
    for (size_t j = 0; j < n; j++) {
        int32_t c = items[j];
        int32_t mi = c >= 0 && c < m->n_catalogue ? m->cat_item[c] : -1;
        scores[j] = mi >= 0 ? r.acc[mi] : RS_SCORE_MISSING;
    }
    request_end(&r);
    return RS_OK;
}

/*
 * Similar movies: row x of B, i.e. the items a user who liked only x would
 * be recommended. See docs/ease.md for why this beats the raw Gram cosine.
 */
static rs_status ease_similar(void *instance, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                              rs_error *err)
{
    ease_instance *in = instance;
    const ease_model *m = in->model;
    *n_out = 0;
    if (!m)
        return rs_error_set(err, RS_ERR_STATE, "ease: not fitted or loaded");
    if (item < 0 || item >= m->n_catalogue || m->cat_item[item] < 0)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "ease: item %d is not in the CF subset", item);
    if (k == 0)
        return RS_OK;
    if (!out)
        return rs_error_set(err, RS_ERR_INVALID, "ease: NULL output");
    int32_t x = m->cat_item[item];
    float *row = malloc((size_t)m->n * sizeof *row);
    if (!row)
        return rs_error_set(err, RS_ERR_NOMEM, "ease: out of memory");
    memcpy(row, m->B + (size_t)x * (size_t)m->n, (size_t)m->n * sizeof *row);
    row[x] = NAN; /* never the item itself */
    *n_out = top_k(m, row, k, out);
    free(row);
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "ease",
    .version = "1.0.0",
    .description = "EASE item-item closed form (Steck, WWW 2019)",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_SIMILAR |
                    RS_CAP_EXPLAIN | RS_CAP_FOLD_IN,
    .create = ease_create,
    .destroy = ease_destroy,
    .fit = ease_fit,
    .save = ease_save,
    .load = ease_load,
    .recommend = ease_recommend,
    .score = ease_score,
    .similar = ease_similar,
};

RS_PLUGIN_DEFINE(entry)
