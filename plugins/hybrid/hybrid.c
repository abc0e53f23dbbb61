/*
 * The hybrid plugin: blends a collaborative child (default "lightgcn") and
 * a content child (default "semantic"), with a popularity fallback for
 * users without ratings. It owns no model: every request acquires the
 * children's current serving versions through the host (so a hot swap of a
 * child is picked up by the next request) and releases them before
 * returning, on every path.
 *
 * Request flow (docs/hybrid.md):
 *   1. candidates = union of each child's top-max(N, k) for the query;
 *   2. every candidate is scored by every child (NaN = cannot score);
 *   3. scores are normalised per child over the candidates (blend.h);
 *   4. blended = (1 - w_c) * cf + w_c * content, w_c from the user's
 *      rating count; missing scores sit on the child's floor;
 *   5. rs_topk picks the k best with deterministic ties.
 * A child that is missing, lacks a capability or fails is left out for the
 * request (its weight goes to the others) and is logged once until it works
 * again.
 *
 * Thread contract: recommend/score may run on many threads at once. The
 * instance is read-only after create/fit apart from the log-once latches,
 * which are atomics; every request buffer is malloc'd per call.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blend.h"
#include "user_view.h"
#include "recsys/plugin.h"
#include "recsys/topk.h"

enum { CHILD_CF = 0, CHILD_CONTENT = 1, CHILD_FALLBACK = 2, N_ROLES = 3 };
#define N_BLEND 2 /* cf and content take part in the blend */

static const char *const role_names[N_ROLES] = {"cf", "content", "fallback"};

typedef struct hybrid {
    const rs_host *host;
    const char *child[N_ROLES]; /* instance names, owned by the host */
    size_t candidates;
    rs_hybrid_norm norm;
    double rrf_k;
    rs_hybrid_curve curve;
    size_t because_neighbours;
    /* From fit: resolves queries that name a fitted user without ratings. */
    rs_hybrid_users users;
    /* Log-once latches: 1 after a child's failure was logged, back to 0
     * when it serves again. The only state requests write. */
    atomic_int warned[N_ROLES];
} hybrid;

/* ---- Params -------------------------------------------------------------- */

/* The host applies the descriptor's defaults, so NOT_FOUND only happens
 * under a host that does not; fall back to the same defaults (plugin.yaml)
 * rather than refusing to start. */
static rs_status param_str(const rs_host *host, const char *key,
                           const char *def, const char **out, rs_error *err)
{
    rs_status s = host->param_string(host, key, out);
    if (s == RS_ERR_NOT_FOUND) {
        *out = def;
        return RS_OK;
    }
    if (s != RS_OK)
        return rs_error_set(err, s, "hybrid: param '%s' must be a string",
                            key);
    return RS_OK;
}

static rs_status param_num(const rs_host *host, const char *key, double def,
                           double lo, double hi, double *out, rs_error *err)
{
    rs_status s = host->param_float(host, key, out);
    if (s != RS_OK) {
        int64_t v;
        rs_status si = host->param_int(host, key, &v);
        if (si == RS_OK) {
            *out = (double)v;
            s = RS_OK;
        } else if (s == RS_ERR_NOT_FOUND && si == RS_ERR_NOT_FOUND) {
            *out = def;
            s = RS_OK;
        }
    }
    if (s != RS_OK)
        return rs_error_set(err, s, "hybrid: param '%s' must be a number",
                            key);
    if (!(*out >= lo && *out <= hi))
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param '%s' = %g is outside [%g, %g]", key,
                            *out, lo, hi);
    return RS_OK;
}

static rs_status read_params(hybrid *h, rs_error *err)
{
    const rs_host *host = h->host;
    static const char *const defaults[N_ROLES] = {"lightgcn", "semantic",
                                                  "popularity"};
    const char *norm = NULL, *self = NULL;
    double cand, nb;
    rs_status s;

    for (int r = 0; r < N_ROLES; r++)
        if ((s = param_str(host, role_names[r], defaults[r], &h->child[r],
                           err)) != RS_OK)
            return s;
    if ((s = param_str(host, "normalise", "rrf", &norm, err)) != RS_OK)
        return s;
    if (!rs_hybrid_norm_parse(norm, &h->norm))
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'normalise' = '%s' is not one of "
                            "rrf, zscore, minmax",
                            norm);
    if ((s = param_num(host, "candidates", 200, 1, 100000, &cand, err)) ||
        (s = param_num(host, "rrf_k", 60, 0, 1e6, &h->rrf_k, err)) ||
        (s = param_num(host, "content_weight_min", 0.2, 0, 1,
                       &h->curve.w_min, err)) ||
        (s = param_num(host, "content_weight_max", 0.9, 0, 1,
                       &h->curve.w_max, err)) ||
        (s = param_num(host, "activity_scale", 20, 1e-9, 1e9,
                       &h->curve.scale, err)) ||
        (s = param_num(host, "because_neighbours", 50, 0, 10000, &nb, err)))
        return s;
    h->candidates = (size_t)cand;
    h->because_neighbours = (size_t)nb;
    if (h->curve.w_min > h->curve.w_max)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: content_weight_min (%g) exceeds "
                            "content_weight_max (%g)",
                            h->curve.w_min, h->curve.w_max);
    self = host->instance_name ? host->instance_name(host) : NULL;
    for (int r = 0; self && r < N_ROLES; r++)
        if (strcmp(h->child[r], self) == 0)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "hybrid: instance '%s' names itself as its "
                                "'%s' child",
                                self, role_names[r]);
    return RS_OK;
}

/* ---- Lifecycle ------------------------------------------------------------ */

static rs_status hybrid_create(const rs_host *host, void **instance,
                               rs_error *err)
{
    if (!host || !instance)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: NULL host");
    if (!host->acquire_instance || !host->release_instance)
        return rs_error_set(err, RS_ERR_UNSUPPORTED,
                            "hybrid: the host cannot look up instances");
    hybrid *h = calloc(1, sizeof *h);
    if (!h)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    h->host = host;
    for (int r = 0; r < N_ROLES; r++)
        atomic_init(&h->warned[r], 0);
    rs_status s = read_params(h, err);
    if (s != RS_OK) {
        free(h);
        return s;
    }
    *instance = h;
    return RS_OK;
}

static void hybrid_destroy(void *instance)
{
    hybrid *h = instance;
    if (!h)
        return;
    rs_hybrid_users_free(&h->users);
    free(h);
}

/* fit trains nothing: it checks the children are there (each is fitted
 * before its composite) and indexes user ids for queries without ratings. */
static rs_status hybrid_fit(void *instance, const rs_dataset *data,
                            rs_error *err)
{
    hybrid *h = instance;
    if (!h || !data)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: fit without data");
    rs_hybrid_users users;
    rs_status s = rs_hybrid_users_build(data, &users, err);
    if (s != RS_OK)
        return s;

    int found = 0;
    char missing[3 * 80] = "";
    for (int r = 0; r < N_ROLES; r++) {
        rs_instance_ref ref = {0};
        rs_error e = {0};
        if (h->host->acquire_instance(h->host, h->child[r], &ref, &e) ==
            RS_OK) {
            h->host->release_instance(h->host, &ref);
            found++;
            continue;
        }
        size_t len = strlen(missing);
        snprintf(missing + len, sizeof missing - len, "%s'%s' (%s)",
                 len ? ", " : "", h->child[r], role_names[r]);
    }
    if (!found) {
        rs_hybrid_users_free(&users);
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: none of its children exist: %s",
                            missing);
    }
    if (missing[0])
        h->host->log(h->host, RS_LOG_WARN,
                     "hybrid: children not found, blending without them: %s",
                     missing);
    rs_hybrid_users_free(&h->users);
    h->users = users;
    return RS_OK;
}

/* ---- Children ------------------------------------------------------------- */

static void child_failed(hybrid *h, int role, const char *what,
                         const char *why)
{
    if (atomic_exchange(&h->warned[role], 1) == 0)
        h->host->log(h->host, RS_LOG_WARN,
                     "hybrid: %s child '%s' %s (%s); serving without it "
                     "until it recovers",
                     role_names[role], h->child[role], what, why);
}

static void child_worked(hybrid *h, int role)
{
    if (atomic_load(&h->warned[role]) &&
        atomic_exchange(&h->warned[role], 0) == 1)
        h->host->log(h->host, RS_LOG_INFO, "hybrid: %s child '%s' recovered",
                     role_names[role], h->child[role]);
}

/* Take a reference, or log once and return 0. */
static int child_acquire(hybrid *h, int role, rs_instance_ref *ref)
{
    rs_error e = {0};
    memset(ref, 0, sizeof *ref);
    if (h->host->acquire_instance(h->host, h->child[role], ref, &e) !=
        RS_OK) {
        child_failed(h, role, "is unavailable",
                     e.message[0] ? e.message : "not found");
        return 0;
    }
    if (!ref->entry || !ref->instance) {
        h->host->release_instance(h->host, ref);
        child_failed(h, role, "is unavailable", "host returned no instance");
        return 0;
    }
    return 1;
}

/* ---- Fallback --------------------------------------------------------------- */

static void explain_single(rs_explanation *x, const char *source)
{
    memset(x, 0, sizeof *x);
    x->because_item = -1;
    x->n_parts = 1;
    snprintf(x->parts[0].source, sizeof x->parts[0].source, "%s", source);
    x->parts[0].share = 1.0f;
}

/* Users without ratings (and requests no blend child could serve) get the
 * fallback instance's list; explanations credit it alone. */
static rs_status recommend_fallback(hybrid *h, const rs_query *q, size_t k,
                                    rs_scored *out, rs_explanation *explain,
                                    size_t *n_out, rs_error *err)
{
    rs_instance_ref ref;
    if (!child_acquire(h, CHILD_FALLBACK, &ref))
        return rs_error_set(err, RS_ERR_NOT_FOUND,
                            "hybrid: cannot serve the request: fallback "
                            "instance '%s' is unavailable",
                            h->child[CHILD_FALLBACK]);
    rs_status s;
    if (!(ref.entry->capabilities & RS_CAP_RECOMMEND) ||
        !ref.entry->recommend) {
        child_failed(h, CHILD_FALLBACK, "cannot recommend",
                     "no RECOMMEND capability");
        s = rs_error_set(err, RS_ERR_UNSUPPORTED,
                         "hybrid: fallback instance '%s' cannot recommend",
                         h->child[CHILD_FALLBACK]);
    } else {
        s = ref.entry->recommend(ref.instance, q, k, out, NULL, n_out, err);
        if (s == RS_OK)
            child_worked(h, CHILD_FALLBACK);
    }
    h->host->release_instance(h->host, &ref);
    if (s == RS_OK && explain)
        for (size_t i = 0; i < *n_out; i++)
            explain_single(&explain[i], h->child[CHILD_FALLBACK]);
    return s;
}

/* ---- Blending ---------------------------------------------------------------- */

/* Per-request state; everything here is private to one call. */
typedef struct request {
    rs_instance_ref ref[N_BLEND];
    int live[N_BLEND];           /* acquired and usable for this request */
    size_t per;                  /* candidates asked of each child */
    rs_scored *recs[N_BLEND];    /* each child's top-per */
    rs_explanation *expl[N_BLEND];
    size_t n_recs[N_BLEND];
    int32_t *cand;               /* union, sorted by item */
    size_t n_cand;
    float *raw;                  /* [N_BLEND][n_cand] */
    double *lift;                /* [N_BLEND][n_cand] */
    rs_hybrid_rank *scratch;     /* [n_cand] */
    float *blended;              /* [n_cand] */
    double w[N_BLEND];
} request;

static void request_release(hybrid *h, request *r)
{
    for (int c = 0; c < N_BLEND; c++) {
        if (r->ref[c].entry)
            h->host->release_instance(h->host, &r->ref[c]);
        free(r->recs[c]);
        free(r->expl[c]);
    }
    free(r->cand);
    free(r->raw);
    free(r->lift);
    free(r->scratch);
    free(r->blended);
}

static int has(const rs_instance_ref *ref, uint32_t cap)
{
    return (ref->entry->capabilities & cap) != 0;
}

static int int32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Scores, buffers and weights for r->cand: steps 2-4 of the flow. On
 * return r->blended holds the blend (NaN where no child scored). */
static rs_status blend_candidates(hybrid *h, request *r, const rs_query *q,
                                  const rs_hybrid_user_view *u,
                                  rs_error *err)
{
    size_t n = r->n_cand;
    r->raw = malloc((n ? n : 1) * N_BLEND * sizeof *r->raw);
    r->lift = malloc((n ? n : 1) * N_BLEND * sizeof *r->lift);
    r->scratch = malloc((n ? n : 1) * sizeof *r->scratch);
    r->blended = malloc((n ? n : 1) * sizeof *r->blended);
    if (!r->raw || !r->lift || !r->scratch || !r->blended)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");

    for (int c = 0; c < N_BLEND; c++) {
        float *raw = r->raw + (size_t)c * n;
        double *lift = r->lift + (size_t)c * n;
        for (size_t i = 0; i < n; i++) {
            raw[i] = RS_SCORE_MISSING;
            lift[i] = NAN;
        }
        if (!r->live[c])
            continue;
        const rs_plugin_entry *e = r->ref[c].entry;
        int scored = 0, failed = 0;
        if (has(&r->ref[c], RS_CAP_SCORE) && e->score && n) {
            rs_error ce = {0};
            if (e->score(r->ref[c].instance, q, r->cand, n, raw, &ce) ==
                RS_OK)
                scored = 1;
            else {
                failed = 1;
                child_failed(h, c, "failed to score", ce.message);
            }
        }
        /* Only a child that did everything asked of it re-arms its
         * warning; one whose score() always fails logs once, not twice a
         * request. */
        if (!failed)
            child_worked(h, c);
        if (!scored) {
            /* No (working) score(): its top list is all it can tell us. */
            for (size_t i = 0; i < n; i++)
                raw[i] = RS_SCORE_MISSING;
            for (size_t j = 0; j < r->n_recs[c]; j++) {
                int32_t it = r->recs[c][j].item;
                int32_t *p = bsearch(&it, r->cand, n, sizeof it, int32_cmp);
                if (p)
                    raw[p - r->cand] = r->recs[c][j].score;
            }
        }
        if (rs_hybrid_normalise(h->norm, h->rrf_k, raw, n, r->scratch,
                                lift) == 0)
            r->live[c] = 0; /* it knows none of the candidates */
    }

    double wc = rs_hybrid_content_weight(&h->curve, u->n);
    r->w[CHILD_CF] = r->live[CHILD_CF] ? 1.0 - wc : 0.0;
    r->w[CHILD_CONTENT] = r->live[CHILD_CONTENT] ? wc : 0.0;
    double sum = r->w[0] + r->w[1];
    if (sum <= 0.0) {
        /* The live child's curve weight is 0 (w_min = 0 or w_max = 1):
         * still serve from whoever is live rather than from nobody. */
        for (int c = 0; c < N_BLEND; c++)
            r->w[c] = r->live[c] ? 1.0 : 0.0;
        sum = r->w[0] + r->w[1];
    }
    for (int c = 0; c < N_BLEND; c++) {
        r->w[c] = sum > 0.0 ? r->w[c] / sum : 0.0;
        if (!r->live[c]) /* keep its NaNs out of the blend */
            for (size_t i = 0; i < n; i++)
                r->lift[(size_t)c * n + i] = NAN;
    }
    rs_hybrid_combine(N_BLEND, r->w, r->lift, n, r->blended);
    return RS_OK;
}

/* Step 1: each live child's top-per, merged into the sorted union minus
 * the user's rated items and the query's exclusions. */
static rs_status gather_candidates(hybrid *h, request *r, const rs_query *q,
                                   const rs_hybrid_user_view *u,
                                   int want_explain, rs_error *err)
{
    for (int c = 0; c < N_BLEND; c++) {
        if (!r->live[c] || !has(&r->ref[c], RS_CAP_RECOMMEND) ||
            !r->ref[c].entry->recommend)
            continue;
        r->recs[c] = malloc(r->per * sizeof *r->recs[c]);
        int explain = want_explain && has(&r->ref[c], RS_CAP_EXPLAIN);
        if (explain)
            r->expl[c] = calloc(r->per, sizeof *r->expl[c]);
        if (!r->recs[c] || (explain && !r->expl[c]))
            return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
        rs_error ce = {0};
        if (r->ref[c].entry->recommend(r->ref[c].instance, q, r->per,
                                       r->recs[c], r->expl[c], &r->n_recs[c],
                                       &ce) != RS_OK) {
            child_failed(h, c, "failed to recommend", ce.message);
            r->live[c] = 0;
            r->n_recs[c] = 0;
            continue;
        }
        if (r->n_recs[c] > r->per)
            r->n_recs[c] = r->per; /* a child that overran its contract */
    }

    r->cand = malloc((r->n_recs[0] + r->n_recs[1] + 1) * sizeof *r->cand);
    if (!r->cand)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    size_t m = 0;
    for (int c = 0; c < N_BLEND; c++)
        for (size_t j = 0; j < r->n_recs[c]; j++)
            r->cand[m++] = r->recs[c][j].item;
    qsort(r->cand, m, sizeof *r->cand, int32_cmp);
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        int32_t it = r->cand[i];
        if (w && r->cand[w - 1] == it)
            continue;
        if (rs_sorted_contains(u->items, u->n, it) ||
            (q->exclude && rs_sorted_contains(q->exclude, q->n_exclude, it)))
            continue; /* children promise this; the blend enforces it */
        r->cand[w++] = it;
    }
    r->n_cand = w;
    return RS_OK;
}

static int acquire_blend_children(hybrid *h, request *r)
{
    int live = 0;
    for (int c = 0; c < N_BLEND; c++) {
        r->live[c] = child_acquire(h, c, &r->ref[c]);
        live += r->live[c];
    }
    return live;
}

/* The rated item that best supports `item`: the content child's (else the
 * CF child's) own because_item when it recommended the item, else the
 * user's highest-rated item among the content child's neighbours of it. */
static int32_t because_item(hybrid *h, const request *r,
                            const rs_hybrid_user_view *u, int32_t item,
                            rs_scored *nb)
{
    static const int order[N_BLEND] = {CHILD_CONTENT, CHILD_CF};
    for (int o = 0; o < N_BLEND; o++) {
        int c = order[o];
        if (!r->expl[c])
            continue;
        for (size_t j = 0; j < r->n_recs[c]; j++)
            if (r->recs[c][j].item == item &&
                r->expl[c][j].because_item >= 0)
                return r->expl[c][j].because_item;
    }
    const rs_instance_ref *ref = &r->ref[CHILD_CONTENT];
    if (!nb || !r->live[CHILD_CONTENT] || !has(ref, RS_CAP_SIMILAR) ||
        !ref->entry->similar)
        return -1;
    size_t n_nb = 0;
    rs_error ce = {0};
    if (ref->entry->similar(ref->instance, item, h->because_neighbours, nb,
                            &n_nb, &ce) != RS_OK)
        return -1; /* an explanation is optional; never fail for it */
    int32_t best = -1;
    float best_rating = -INFINITY;
    for (size_t j = 0; j < n_nb && j < h->because_neighbours; j++) {
        float rt = rs_hybrid_user_rating(u, nb[j].item);
        if (!isnan(rt) && rt > best_rating) { /* ties: the more similar */
            best_rating = rt;
            best = nb[j].item;
        }
    }
    return best;
}

static rs_status fill_explanations(hybrid *h, const request *r,
                                   const rs_hybrid_user_view *u,
                                   const rs_scored *out, const size_t *pos,
                                   size_t n_out, rs_explanation *explain,
                                   rs_error *err)
{
    rs_scored *nb = NULL;
    if (h->because_neighbours) {
        nb = malloc(h->because_neighbours * sizeof *nb);
        if (!nb)
            return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    }
    for (size_t j = 0; j < n_out; j++) {
        rs_explanation *x = &explain[j];
        float share[N_BLEND];
        memset(x, 0, sizeof *x);
        rs_hybrid_shares(N_BLEND, r->w, r->lift, r->n_cand, pos[j], share);
        for (int c = 0; c < N_BLEND; c++) {
            if (!r->live[c])
                continue;
            snprintf(x->parts[x->n_parts].source,
                     sizeof x->parts[x->n_parts].source, "%s", h->child[c]);
            x->parts[x->n_parts++].share = share[c];
        }
        x->because_item = because_item(h, r, u, out[j].item, nb);
    }
    free(nb);
    return RS_OK;
}

/* Step 5: the k best candidates. The heap holds candidate positions so
 * explanations can find each winner's lifts; positions follow item order
 * (cand is sorted), so rs_topk's tie-break on them is its tie-break on
 * item index. pos[k] receives the winners' positions. */
static rs_status select_top(const request *r, size_t k, rs_scored *out,
                            size_t *pos, size_t *n_out, rs_error *err)
{
    rs_scored *heap = malloc(k * sizeof *heap);
    if (!heap)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    rs_topk top;
    rs_topk_init(&top, heap, k);
    for (size_t i = 0; i < r->n_cand; i++)
        rs_topk_push(&top, (int32_t)i, r->blended[i]);
    size_t n = rs_topk_finish(&top);
    for (size_t j = 0; j < n; j++) {
        pos[j] = (size_t)heap[j].item;
        out[j] = (rs_scored){r->cand[pos[j]], heap[j].score};
    }
    free(heap);
    *n_out = n;
    return RS_OK;
}

static rs_status hybrid_recommend(void *instance, const rs_query *q, size_t k,
                                  rs_scored *out, rs_explanation *explain,
                                  size_t *n_out, rs_error *err)
{
    hybrid *h = instance;
    if (!h || !q || !n_out || (k && !out))
        return rs_error_set(err, RS_ERR_INVALID,
                            "hybrid: recommend needs a query and buffers");
    *n_out = 0;
    if (k == 0)
        return RS_OK;
    rs_hybrid_user_view u;
    rs_status s = rs_hybrid_user_view_init(&h->users, q, &u, err);
    if (s != RS_OK)
        return s;
    if (u.n == 0) {
        rs_hybrid_user_view_free(&u);
        return recommend_fallback(h, q, k, out, explain, n_out, err);
    }

    request r;
    memset(&r, 0, sizeof r);
    r.per = h->candidates > k ? h->candidates : k;
    size_t *pos = malloc(k * sizeof *pos);
    if (!pos) {
        rs_hybrid_user_view_free(&u);
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    }
    if (!acquire_blend_children(h, &r))
        goto fallback;
    if ((s = gather_candidates(h, &r, q, &u, explain != NULL, err)) != RS_OK)
        goto done;
    if (r.n_cand == 0)
        goto fallback; /* every child failed, or had nothing to offer */
    if ((s = blend_candidates(h, &r, q, &u, err)) != RS_OK)
        goto done;
    if (!r.live[0] && !r.live[1])
        goto fallback;

    if ((s = select_top(&r, k, out, pos, n_out, err)) != RS_OK)
        goto done;
    if (explain &&
        (s = fill_explanations(h, &r, &u, out, pos, *n_out, explain, err)) !=
            RS_OK)
        *n_out = 0;
    goto done;

fallback:
    free(pos);
    request_release(h, &r);
    rs_hybrid_user_view_free(&u);
    return recommend_fallback(h, q, k, out, explain, n_out, err);
done:
    free(pos);
    request_release(h, &r);
    rs_hybrid_user_view_free(&u);
    return s;
}

/* Blend the given items: the same normalisation and weights as recommend,
 * over exactly these candidates. NaN where no child can score an item. */
static rs_status hybrid_score(void *instance, const rs_query *q,
                              const int32_t *items, size_t n, float *scores,
                              rs_error *err)
{
    hybrid *h = instance;
    if (!h || !q || (n && (!items || !scores)))
        return rs_error_set(err, RS_ERR_INVALID,
                            "hybrid: score needs a query and buffers");
    if (n == 0)
        return RS_OK;
    rs_hybrid_user_view u;
    rs_status s = rs_hybrid_user_view_init(&h->users, q, &u, err);
    if (s != RS_OK)
        return s;
    request r;
    memset(&r, 0, sizeof r);
    int live = u.n ? acquire_blend_children(h, &r) : 0;
    if (!live) {
        /* No ratings (or no blend child): the fallback's own scores. */
        rs_instance_ref ref;
        s = rs_error_set(err, RS_ERR_NOT_FOUND,
                         "hybrid: cannot score: fallback instance '%s' is "
                         "unavailable or cannot score",
                         h->child[CHILD_FALLBACK]);
        if (child_acquire(h, CHILD_FALLBACK, &ref)) {
            if (has(&ref, RS_CAP_SCORE) && ref.entry->score)
                s = ref.entry->score(ref.instance, q, items, n, scores, err);
            h->host->release_instance(h->host, &ref);
        }
        goto done;
    }
    /* score() candidates keep the caller's order and duplicates; the
     * linear lookup below replaces the sorted-union bsearch. */
    r.cand = malloc(n * sizeof *r.cand);
    if (!r.cand) {
        s = rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
        goto done;
    }
    memcpy(r.cand, items, n * sizeof *items);
    r.n_cand = n;
    for (int c = 0; c < N_BLEND; c++)
        if (r.live[c] && !has(&r.ref[c], RS_CAP_SCORE))
            r.live[c] = 0; /* no top list to fall back on here */
    if ((s = blend_candidates(h, &r, q, &u, err)) != RS_OK)
        goto done;
    memcpy(scores, r.blended, n * sizeof *scores);
done:
    request_release(h, &r);
    rs_hybrid_user_view_free(&u);
    return s;
}

static const rs_plugin_entry hybrid_entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "hybrid",
    .version = "1.0.0",
    .description = "Blends a CF and a content instance with weights that "
                   "follow user activity; popularity fallback.",
    .capabilities = RS_CAP_FIT | RS_CAP_RECOMMEND | RS_CAP_SCORE |
                    RS_CAP_EXPLAIN | RS_CAP_FOLD_IN | RS_CAP_COMPOSITE,
    .create = hybrid_create,
    .destroy = hybrid_destroy,
    .fit = hybrid_fit,
    .recommend = hybrid_recommend,
    .score = hybrid_score,
};

RS_PLUGIN_DEFINE(hybrid_entry)
