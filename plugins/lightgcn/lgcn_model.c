/* Serving side of LightGCN: id maps, fold-in, top-k, score, similar. */
#include "lgcn_model.h"

#include <cblas.h>
#include <lapacke.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgcn_simd.h"
#include "recsys/topk.h"

/* ---- int64 -> int32 open-addressing map ------------------------------- */

typedef struct i64map {
    int64_t *key;
    int32_t *val; /* -1 = empty */
    size_t cap;   /* power of two */
} i64map;

static size_t mix64(int64_t k)
{
    uint64_t z = (uint64_t)k * 0x9e3779b97f4a7c15ull;
    return (size_t)(z ^ (z >> 29));
}

static int i64map_init(i64map *h, size_t n)
{
    h->cap = 16;
    while (h->cap < 2 * n + 1)
        h->cap <<= 1;
    h->key = malloc(h->cap * sizeof *h->key);
    h->val = malloc(h->cap * sizeof *h->val);
    if (!h->key || !h->val) {
        free(h->key);
        free(h->val);
        memset(h, 0, sizeof *h);
        return 0;
    }
    memset(h->val, 0xff, h->cap * sizeof *h->val);
    return 1;
}

static void i64map_free(i64map *h)
{
    free(h->key);
    free(h->val);
    memset(h, 0, sizeof *h);
}

/* Insert; returns the value already stored for key (a duplicate), or -1. */
static int32_t i64map_put(i64map *h, int64_t key, int32_t val)
{
    size_t mask = h->cap - 1, p = mix64(key) & mask;
    while (h->val[p] >= 0) {
        if (h->key[p] == key)
            return h->val[p];
        p = (p + 1) & mask;
    }
    h->key[p] = key;
    h->val[p] = val;
    return -1;
}

static int32_t i64map_get(const int64_t *keys, const int32_t *vals, size_t cap, int64_t key)
{
    if (cap == 0)
        return -1;
    size_t mask = cap - 1, p = mix64(key) & mask;
    while (vals[p] >= 0) {
        if (keys[p] == key)
            return vals[p];
        p = (p + 1) & mask;
    }
    return -1;
}

/* ---- Lifetime ----------------------------------------------------------- */

static void clear_derived(lgcn_model *m)
{
    free(m->cat_item);
    free(m->item_cat);
    free(m->user_dense);
    free(m->item_inv_norm);
    free(m->pop_score);
    free(m->dense_user);
    m->cat_item = m->item_cat = m->user_dense = NULL;
    m->item_inv_norm = m->pop_score = NULL;
    m->dense_user = NULL;
    m->data = NULL;
}

void lgcn_model_free(lgcn_model *m)
{
    if (!m)
        return;
    clear_derived(m);
    free(m->user_ext);
    free(m->item_movie);
    free(m->item_deg);
    free(m->user_final);
    free(m->item_final);
    free(m->item_layers);
    free(m->foldin_w);
    free(m);
}

rs_status lgcn_model_alloc(int32_t dim, int32_t layers, int32_t n_users, int32_t n_items,
                           lgcn_model **out, rs_error *err)
{
    *out = NULL;
    lgcn_model *m = calloc(1, sizeof *m);
    if (!m)
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    size_t d = (size_t)dim, nu = (size_t)n_users, ni = (size_t)n_items;
    m->dim = dim;
    m->layers = layers;
    m->n_users = n_users;
    m->n_items = n_items;
    m->n_item_layers = layers > 0 ? layers : 1;
    m->user_ext = malloc((nu + 1) * sizeof *m->user_ext);
    m->item_movie = malloc((ni + 1) * sizeof *m->item_movie);
    m->item_deg = calloc(ni + 1, sizeof *m->item_deg);
    m->user_final = calloc(nu * d + 1, sizeof(float));
    m->item_final = calloc(ni * d + 1, sizeof(float));
    m->item_layers = calloc((size_t)m->n_item_layers * ni * d + 1, sizeof(float));
    m->foldin_w = calloc(d * d + 1, sizeof(float));
    if (!m->user_ext || !m->item_movie || !m->item_deg || !m->user_final || !m->item_final ||
        !m->item_layers || !m->foldin_w) {
        lgcn_model_free(m);
        return rs_error_set(err, RS_ERR_NOMEM,
                            "lightgcn: no memory for a model of %d users, %d "
                            "items, dim %d",
                            n_users, n_items, dim);
    }
    *out = m;
    return RS_OK;
}

rs_status lgcn_model_index(lgcn_model *m, const rs_dataset *data, rs_error *err)
{
    rs_status st = RS_OK;
    i64map cat = {0}, users = {0}, own = {0};
    clear_derived(m);
    size_t ni = (size_t)m->n_items, nu = (size_t)m->n_users;
    size_t nc = (size_t)data->n_items;
    m->cat_item = malloc((nc + 1) * sizeof *m->cat_item);
    m->item_cat = malloc((ni + 1) * sizeof *m->item_cat);
    m->user_dense = malloc((nu + 1) * sizeof *m->user_dense);
    m->dense_user = malloc(((size_t)data->n_users + 1) * sizeof *m->dense_user);
    m->item_inv_norm = malloc((ni + 1) * sizeof *m->item_inv_norm);
    m->pop_score = malloc((ni + 1) * sizeof *m->pop_score);
    if (!m->cat_item || !m->item_cat || !m->user_dense || !m->dense_user || !m->item_inv_norm ||
        !m->pop_score || !i64map_init(&cat, nc) || !i64map_init(&users, (size_t)data->n_users) ||
        !i64map_init(&own, nu)) {
        st = rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory for id maps");
        goto fail;
    }
    memset(m->cat_item, 0xff, (nc + 1) * sizeof *m->cat_item);
    for (size_t i = 0; i < nc; i++)
        i64map_put(&cat, rs_dataset_item(data, (int32_t)i)->movie_id, (int32_t)i);
    for (size_t i = 0; i < ni; i++) {
        int32_t c = i64map_get(cat.key, cat.val, cat.cap, m->item_movie[i]);
        if (c < 0) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "lightgcn: model item %zu (movieId %lld) is not "
                              "in the dataset's catalogue",
                              i, (long long)m->item_movie[i]);
            goto fail;
        }
        if (m->cat_item[c] >= 0) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "lightgcn: movieId %lld appears twice in the "
                              "model",
                              (long long)m->item_movie[i]);
            goto fail;
        }
        m->cat_item[c] = (int32_t)i;
        m->item_cat[i] = c;
    }
    for (int32_t u = 0; u < data->n_users; u++) {
        i64map_put(&users, data->user_ids[u], u);
        m->dense_user[u] = -1;
    }
    for (size_t u = 0; u < nu; u++) {
        if (i64map_put(&own, m->user_ext[u], (int32_t)u) >= 0) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "lightgcn: userId %lld appears twice in the "
                              "model",
                              (long long)m->user_ext[u]);
            goto fail;
        }
        m->user_dense[u] = i64map_get(users.key, users.val, users.cap, m->user_ext[u]);
        if (m->user_dense[u] >= 0)
            m->dense_user[m->user_dense[u]] = (int32_t)u;
    }
    uint32_t max_deg = 1;
    for (size_t i = 0; i < ni; i++)
        if (m->item_deg[i] > max_deg)
            max_deg = m->item_deg[i];
    for (size_t i = 0; i < ni; i++) {
        const float *f = m->item_final + i * (size_t)m->dim;
        double s = 0.0;
        for (int c = 0; c < m->dim; c++)
            s += (double)f[c] * f[c];
        m->item_inv_norm[i] = s > 0.0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        m->pop_score[i] = (float)m->item_deg[i] / (float)max_deg;
    }
    m->data = data;
    i64map_free(&cat);
    i64map_free(&users);
    i64map_free(&own); /* only to refuse duplicate users */
    return RS_OK;
fail:
    i64map_free(&cat);
    i64map_free(&users);
    i64map_free(&own);
    clear_derived(m);
    return st;
}

int32_t lgcn_model_user(const lgcn_model *m, const rs_query *q)
{
    int32_t du = rs_query_user_index(q, m->data);
    return du >= 0 ? m->dense_user[du] : -1;
}

/* ---- Fold-in ------------------------------------------------------------ */

/* Users per block of the Gram products: their rows are widened to double
 * (a block at a time, so memory stays bounded on big graphs). */
#define LGCN_FOLDIN_BLOCK 4096

/*
 * The fold-in map W: the ridge regression E_0[u] ~ E_1[u] W over the
 * trained users, i.e. (X^T X + lambda I) W = X^T Y with X = E_1, Y = E_0.
 * The Gram products are BLAS (dsyrk / dgemm, accumulated over blocks of
 * users in double) and the solve is LAPACK's Cholesky (dposv).
 */
rs_status lgcn_model_fit_foldin(lgcn_model *m, const float *user_ego, const float *user_l1,
                                rs_error *err)
{
    int d = m->dim;
    size_t dd = (size_t)d * (size_t)d;
    size_t blk = LGCN_FOLDIN_BLOCK;
    double *a = calloc(dd, sizeof *a), *b = calloc(dd, sizeof *b);
    double *x = malloc(blk * (size_t)d * sizeof *x);
    double *y = malloc(blk * (size_t)d * sizeof *y);
    if (!a || !b || !x || !y) {
        free(a), free(b), free(x), free(y);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    for (size_t u0 = 0; u0 < (size_t)m->n_users; u0 += blk) {
        size_t n = (size_t)m->n_users - u0 < blk ? (size_t)m->n_users - u0 : blk;
        for (size_t k = 0; k < n * (size_t)d; k++) {
            x[k] = user_l1[u0 * (size_t)d + k];
            y[k] = user_ego[u0 * (size_t)d + k];
        }
        /* a += x^T x (lower triangle), b += x^T y */
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, (int)n, 1.0, x, d, 1.0, a, d);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, (int)n, 1.0, x, d, y, d, 1.0, b,
                    d);
    }
    /* Ridge: a small multiple of the mean diagonal keeps the solve stable
     * when users are few or their neighbourhoods nearly collinear. */
    double tr = 0.0;
    for (int r = 0; r < d; r++)
        tr += a[r * d + r];
    double lambda = 1e-3 * tr / d + 1e-9;
    for (int r = 0; r < d; r++)
        a[r * d + r] += lambda;
    /* Not positive definite (no signal at all): W = 0, fold-in then uses
     * the propagated layers alone. */
    int ok = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', d, d, a, d, b, d) == 0;
    for (size_t k = 0; k < dd; k++)
        m->foldin_w[k] = ok ? (float)b[k] : 0.0f;
    free(a), free(b), free(x), free(y);
    return RS_OK;
}

/*
 * Fold-in mirrors one propagation pass for a new user node u with edges to
 * `items` (degree n), holding the trained item embeddings fixed:
 *   E_k[u] = sum_i E_{k-1}[i] / sqrt(n * deg(i)),  k = 1..K
 * which is exact for the layers the model trained, and approximates the
 * missing ego embedding E_0[u] by E_1[u] W (the ridge map fitted on the
 * trained users). The result is the layer mean (E_0 + ... + E_K)/(K+1).
 */
void lgcn_model_fold_in(const lgcn_model *m, const int32_t *items, size_t n, float *out,
                        float *scratch)
{
    int d = m->dim, K = m->layers;
    size_t nid = (size_t)m->n_items * (size_t)d;
    float *l1 = scratch, *acc = scratch + d;
    memset(out, 0, (size_t)d * sizeof *out);
    if (n == 0)
        return;
    memset(l1, 0, (size_t)d * sizeof *l1);
    for (int k = 1; k <= (K > 0 ? K : 1); k++) {
        const float *layer = m->item_layers + (size_t)(k - 1) * nid;
        memset(acc, 0, (size_t)d * sizeof *acc);
        for (size_t e = 0; e < n; e++) {
            uint32_t deg = m->item_deg[items[e]] ? m->item_deg[items[e]] : 1;
            float w = (float)(1.0 / sqrt((double)n * deg));
            const float *x = layer + (size_t)items[e] * d;
            for (int c = 0; c < d; c++)
                acc[c] += w * x[c];
        }
        if (k == 1)
            memcpy(l1, acc, (size_t)d * sizeof *acc);
        if (K > 0)
            for (int c = 0; c < d; c++)
                out[c] += acc[c];
    }
    for (int c = 0; c < d; c++) {
        float e0 = 0.0f;
        for (int r = 0; r < d; r++)
            e0 += l1[r] * m->foldin_w[(size_t)r * d + c];
        out[c] = (out[c] + e0) / (float)(K + 1);
    }
}

/* ---- Queries ------------------------------------------------------------ */

/* The query's history in model terms: `all` = every rated model item,
 * `pos` = the positives among them (rating >= threshold). */
typedef struct history {
    float *vec;         /* [3 * dim]: the user vector + fold-in scratch */
    int32_t *all, *pos; /* model items */
    size_t n_all, n_pos;
    uint8_t *excluded; /* [catalogue] rated or in q->exclude */
} history;

static void history_free(history *h)
{
    free(h->vec);
    free(h->all);
    free(h->pos);
    free(h->excluded);
}

static int is_positive(const lgcn_model *m, float rating)
{
    return m->threshold <= 0.0f || rating >= m->threshold;
}

static rs_status history_build(const lgcn_model *m, const rs_query *q, int32_t uid,
                               int need_excluded, history *h, rs_error *err)
{
    const rs_dataset *data = m->data;
    size_t n = 0;
    const int32_t *d_items = NULL;
    const float *d_ratings = NULL;
    memset(h, 0, sizeof *h);
    /* A known user queried without ratings: use their fitted row. */
    if (q->n_ratings > 0 && q->ratings) {
        n = q->n_ratings;
    } else if (uid >= 0 && m->user_dense[uid] >= 0) {
        size_t p0 = data->user_ptr[m->user_dense[uid]];
        n = data->user_ptr[m->user_dense[uid] + 1] - p0;
        d_items = data->user_item + p0;
        d_ratings = data->user_rating + p0;
    }
    h->vec = malloc(3 * (size_t)m->dim * sizeof *h->vec);
    h->all = malloc((n + 1) * sizeof *h->all);
    h->pos = malloc((n + 1) * sizeof *h->pos);
    if (need_excluded)
        h->excluded = calloc((size_t)data->n_items + 1, 1);
    if (!h->vec || !h->all || !h->pos || (need_excluded && !h->excluded)) {
        history_free(h);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    for (size_t k = 0; k < n; k++) {
        int32_t item = d_items ? d_items[k] : q->ratings[k].item;
        float rating = d_ratings ? d_ratings[k] : q->ratings[k].rating;
        if (item < 0 || item >= data->n_items) {
            history_free(h);
            return rs_error_set(err, RS_ERR_INVALID,
                                "lightgcn: query rating %zu has item %d "
                                "outside the catalogue (0..%d)",
                                k, item, data->n_items - 1);
        }
        if (h->excluded) {
            if (h->excluded[item])
                continue; /* a repeated rating: count it once */
            h->excluded[item] = 1;
        }
        int32_t mi = m->cat_item[item];
        if (mi < 0)
            continue;
        h->all[h->n_all++] = mi;
        if (is_positive(m, rating))
            h->pos[h->n_pos++] = mi;
    }
    if (h->excluded)
        for (size_t k = 0; k < q->n_exclude; k++)
            if (q->exclude[k] >= 0 && q->exclude[k] < data->n_items)
                h->excluded[q->exclude[k]] = 1;
    return RS_OK;
}

/* Copy the caller's query into a zeroed local of our size (ABI rule). */
static rs_status query_copy(const rs_query *q, rs_query *out, rs_error *err)
{
    memset(out, 0, sizeof *out);
    if (!q || q->struct_size < offsetof(rs_query, n_exclude) + sizeof(size_t))
        return rs_error_set(err, RS_ERR_INVALID,
                            "lightgcn: query missing or struct_size %u too "
                            "small",
                            q ? q->struct_size : 0u);
    size_t n = q->struct_size < sizeof *out ? q->struct_size : sizeof *out;
    memcpy(out, q, n);
    if ((out->n_ratings && !out->ratings) || (out->n_exclude && !out->exclude))
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: query has counts but NULL arrays");
    return RS_OK;
}

static rs_status model_ready(const lgcn_model *m, rs_error *err)
{
    if (!m || !m->data)
        return rs_error_set(err, RS_ERR_STATE, "lightgcn: not fitted or loaded");
    return RS_OK;
}

/* The user's final embedding; *signal = 0 when there is nothing to go on
 * (then callers fall back to popularity). */
static void user_vector(const lgcn_model *m, int32_t uid, const history *h, int *signal)
{
    float *vec = h->vec, *scratch = h->vec + m->dim;
    size_t d = (size_t)m->dim;
    if (uid >= 0) {
        memcpy(vec, m->user_final + (size_t)uid * d, d * sizeof *vec);
        *signal = 1;
        return;
    }
    /* No positives: every rated item is still evidence of taste. */
    if (h->n_pos > 0)
        lgcn_model_fold_in(m, h->pos, h->n_pos, vec, scratch);
    else
        lgcn_model_fold_in(m, h->all, h->n_all, vec, scratch);
    *signal = h->n_all > 0;
}

/* a . b. For d = 64, eight lanes in two accumulators and a fixed
 * reduction order (deterministic; ~4x the serial chain, which bounds
 * recommend and similar: one dot per catalogue item). */
LGCN_CLONES
static float dot(const float *a, const float *b, int d)
{
    if (d == 64) {
        lgcn_v8 s0 = lgcn_v8_load(a) * lgcn_v8_load(b);
        lgcn_v8 s1 = lgcn_v8_load(a + 8) * lgcn_v8_load(b + 8);
        for (int c = 16; c < 64; c += 16) {
            s0 += lgcn_v8_load(a + c) * lgcn_v8_load(b + c);
            s1 += lgcn_v8_load(a + c + 8) * lgcn_v8_load(b + c + 8);
        }
        float l[8];
        lgcn_v8_store(l, s0 + s1);
        return ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]));
    }
    float s = 0.0f;
    for (int c = 0; c < d; c++)
        s += a[c] * b[c];
    return s;
}

static int32_t query_uid(const lgcn_model *m, const rs_query *q) { return lgcn_model_user(m, q); }

/* The history item whose final embedding is closest (cosine) to `item`. */
static int32_t because_of(const lgcn_model *m, const history *h, int32_t item)
{
    const int32_t *set = h->n_pos ? h->pos : h->all;
    size_t n = h->n_pos ? h->n_pos : h->n_all;
    int d = m->dim;
    int32_t best = -1;
    float best_s = -INFINITY;
    const float *fi = m->item_final + (size_t)item * d;
    for (size_t k = 0; k < n; k++) {
        float s = dot(fi, m->item_final + (size_t)set[k] * d, d) * m->item_inv_norm[set[k]];
        if (s > best_s || (s == best_s && set[k] < best)) {
            best_s = s;
            best = set[k];
        }
    }
    return best >= 0 ? m->item_cat[best] : -1;
}

rs_status lgcn_model_recommend(const lgcn_model *m, const rs_query *qin, size_t k, rs_scored *out,
                               rs_explanation *explain, const char *source, size_t *n_out,
                               rs_error *err)
{
    rs_query q;
    rs_status st;
    history h;
    int signal;
    *n_out = 0;
    if ((st = model_ready(m, err)) != RS_OK || (st = query_copy(qin, &q, err)) != RS_OK)
        return st;
    if (k == 0)
        return RS_OK;
    if (!out)
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: NULL output");
    int32_t uid = query_uid(m, &q);
    if ((st = history_build(m, &q, uid, 1, &h, err)) != RS_OK)
        return st;
    user_vector(m, uid, &h, &signal);
    const float *vec = h.vec;
    rs_topk top;
    rs_topk_init(&top, out, k);
    int d = m->dim;
    for (int32_t i = 0; i < m->n_items; i++) {
        int32_t c = m->item_cat[i];
        if (h.excluded[c])
            continue;
        float s = signal ? dot(vec, m->item_final + (size_t)i * d, d) : m->pop_score[i];
        /* An item without a training positive (e.g. known only from a
         * test file) has an embedding trained only as a negative: rank it
         * after every item the graph knows, by catalogue index. */
        if (m->item_deg[i] == 0)
            s = -FLT_MAX;
        rs_topk_push(&top, c, s); /* catalogue index: ties break on it */
    }
    size_t n = rs_topk_finish(&top);
    for (size_t r = 0; r < n; r++) {
        int32_t mi = m->cat_item[out[r].item];
        rs_explanation *x = rs_explanation_at(&q, explain, r);
        if (x) {
            memset(x, 0, sizeof *x);
            x->because_item = because_of(m, &h, mi);
            x->n_parts = 1;
            snprintf(x->parts[0].source, sizeof x->parts[0].source, "%s",
                     source ? source : "lightgcn");
            x->parts[0].share = 1.0f;
        }
    }
    *n_out = n;
    history_free(&h);
    return RS_OK;
}

rs_status lgcn_model_score(const lgcn_model *m, const rs_query *qin, const int32_t *items, size_t n,
                           float *scores, rs_error *err)
{
    rs_query q;
    rs_status st;
    history h;
    int signal;
    if ((st = model_ready(m, err)) != RS_OK || (st = query_copy(qin, &q, err)) != RS_OK)
        return st;
    if (n && (!items || !scores))
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: NULL arrays");
    int32_t uid = query_uid(m, &q);
    if ((st = history_build(m, &q, uid, 0, &h, err)) != RS_OK)
        return st;
    user_vector(m, uid, &h, &signal);
    const float *vec = h.vec;
    for (size_t k = 0; k < n; k++) {
        int32_t c = items[k];
        int32_t mi = (c >= 0 && c < m->data->n_items) ? m->cat_item[c] : -1;
        if (mi < 0)
            scores[k] = RS_SCORE_MISSING;
        else
            scores[k] = signal ? dot(vec, m->item_final + (size_t)mi * m->dim, m->dim)
                               : m->pop_score[mi];
    }
    history_free(&h);
    return RS_OK;
}

rs_status lgcn_model_similar(const lgcn_model *m, lgcn_metric metric, int32_t item, size_t k,
                             rs_scored *out, size_t *n_out, rs_error *err)
{
    rs_status st;
    *n_out = 0;
    if ((st = model_ready(m, err)) != RS_OK)
        return st;
    if (item < 0 || item >= m->data->n_items || m->cat_item[item] < 0)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "lightgcn: item %d is not in the CF catalogue",
                            item);
    if (k == 0)
        return RS_OK;
    if (!out)
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: NULL output");
    int d = m->dim;
    int32_t q = m->cat_item[item];
    const float *fq = m->item_final + (size_t)q * d;
    rs_topk top;
    rs_topk_init(&top, out, k);
    for (int32_t i = 0; i < m->n_items; i++) {
        if (i == q)
            continue;
        float s = dot(fq, m->item_final + (size_t)i * d, d);
        if (metric == LGCN_COSINE)
            s *= m->item_inv_norm[i] * m->item_inv_norm[q];
        rs_topk_push(&top, m->item_cat[i], s);
    }
    *n_out = rs_topk_finish(&top);
    return RS_OK;
}
