/*
 * The hybrid plugin: blends up to four children by role (EASE, a CF model,
 * a content model and popularity; defaults "ease", "lightgcn", "semantic",
 * "popularity") with weights it LEARNS at fit, and serves users without
 * ratings from a fallback instance. It owns no model: every request
 * acquires the children's current serving versions through the host (so a
 * hot swap of a child reaches the next request) and releases them before
 * returning, on every path.
 *
 * Request flow (docs/hybrid.md):
 *   1. every blend child scores the whole catalogue for the query;
 *   2. each child's scores become z-scores over the items the user may be
 *      shown (popularity's as log(1 + count)); missing = the child's mean;
 *   3. blended = sum_c w[b][c] * z_c, where b is the activity bucket of the
 *      user's rating count and w the learned table (learn.h, collect.c);
 *   4. rs_topk picks the k best with deterministic ties;
 *   5. explanations: each child's share of the positive contributions, and
 *      "because you rated X" from the child that contributed most.
 * A child that is missing, lacks score() or fails is left out for the
 * request (the others' weights are renormalised) and is logged once until
 * it works again.
 *
 * Thread contract: recommend/score may run on many threads at once. The
 * instance is read-only after create/fit/load apart from the log-once
 * latches, which are atomics; every request buffer is malloc'd per call.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blend.h"
#include "hybrid_internal.h"
#include "recsys/params.h"
#include "recsys/topk.h"

const char *const rs_hybrid_role_names[N_NAMES] = {"ease", "cf", "content", "popularity",
                                                   "fallback"};

/* ---- Params -------------------------------------------------------------- */

/* Every param plugin.yaml declares, read from one table in one call: the
 * host validated types, ranges and enum values (and that each role names a
 * configured instance, `type: instance`), so only what the schema cannot
 * say is checked below. The defaults serve hosts without the descriptor
 * (the SDK test host) and equal plugin.yaml's. */
typedef struct hybrid_params {
    const char *child[N_NAMES];
    const char *learn_n, *weights, *cold, *order, *metric, *fold_in;
    size_t learn_users, learn_top, min_item, min_queries, explain_depth, known_users, known_folds;
    int64_t seed;
    int grid;
    double positive_threshold, content_floor, content_floor_n;
    double content_evidence, content_cap, focus_weight, focus_lo, focus_hi, known_fraction;
} hybrid_params;

#define HYB_F(kind, member, key, def) RS_PARAM_FIELD_##kind(hybrid_params, member, key, def)
static const rs_param_field hybrid_param_table[] = {
    HYB_F(STRING, child[ROLE_EASE], "ease", "ease"),
    HYB_F(STRING, child[ROLE_CF], "cf", "lightgcn"),
    HYB_F(STRING, child[ROLE_CONTENT], "content", "semantic"),
    HYB_F(STRING, child[ROLE_POP], "popularity", "popularity"),
    HYB_F(STRING, child[ROLE_FALLBACK], "fallback", "popularity"),
    HYB_F(STRING, learn_n, "learn_n", "1,3,5,10,20,50"),
    HYB_F(STRING, weights, "weights", ""),
    HYB_F(STRING, cold, "cold_items", "mean"),
    HYB_F(STRING, order, "learn_order", "earliest"),
    HYB_F(STRING, metric, "learn_metric", "ndcg"),
    HYB_F(SIZE, learn_users, "learn_users", 200),
    HYB_F(INT64, seed, "seed", 42),
    HYB_F(DOUBLE, positive_threshold, "positive_threshold", 4.0),
    HYB_F(SIZE, learn_top, "learn_top", 100),
    HYB_F(SIZE, min_item, "learn_min_item_ratings", 20),
    HYB_F(SIZE, min_queries, "learn_min_queries", 50),
    HYB_F(INT, grid, "grid", 10),
    HYB_F(DOUBLE, content_floor, "content_floor", 0.0),
    HYB_F(DOUBLE, content_floor_n, "content_floor_n", 10.0),
    HYB_F(DOUBLE, content_evidence, "content_evidence", 50.0),
    HYB_F(DOUBLE, content_cap, "content_cap", 0.0),
    HYB_F(DOUBLE, focus_weight, "content_focus", 0.6),
    HYB_F(DOUBLE, focus_lo, "focus_lo", 1.0),
    HYB_F(DOUBLE, focus_hi, "focus_hi", 1.6),
    HYB_F(SIZE, explain_depth, "explain_depth", 500),
    HYB_F(SIZE, known_users, "learn_known_users", 1000),
    HYB_F(SIZE, known_folds, "learn_known_folds", 3),
    HYB_F(STRING, fold_in, "learn_fold_in", "shared"),
    HYB_F(DOUBLE, known_fraction, "learn_known_fraction", 0.2),
};
#undef HYB_F

/* learn_n: "1,3,5,10,20,50", strictly ascending positive query sizes. */
static rs_status parse_learn_n(hybrid *h, const char *s, rs_error *err)
{
    const char *p = s;
    h->n_buckets = 0;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > 100000 || h->n_buckets == HYB_MAX_BUCKETS ||
            (h->n_buckets && v <= h->bucket_n[h->n_buckets - 1]))
            return rs_error_set(err, RS_ERR_CONFIG,
                                "hybrid: param 'learn_n' = '%s' must be up "
                                "to %d ascending rating counts in 1..100000, "
                                "comma-separated",
                                s, HYB_MAX_BUCKETS);
        h->bucket_n[h->n_buckets++] = (int32_t)v;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        while (*p == ' ')
            p++;
    }
    if (!h->n_buckets)
        return rs_error_set(err, RS_ERR_CONFIG, "hybrid: param 'learn_n' is empty");
    return RS_OK;
}

/* weights: "" (learn) or "cf=0.6,content=0.4": fixed weights by role. */
static rs_status parse_weights(hybrid *h, const char *s, rs_error *err)
{
    const char *p = s;
    double sum = 0.0;
    h->fixed = 0;
    memset(h->fixed_w, 0, sizeof h->fixed_w);
    while (*p == ' ')
        p++;
    if (!*p)
        return RS_OK;
    while (*p) {
        size_t len = strcspn(p, "=");
        int role = -1;
        for (int r = 0; r < N_ROLES; r++)
            if (strlen(rs_hybrid_role_names[r]) == len &&
                strncmp(p, rs_hybrid_role_names[r], len) == 0)
                role = r;
        char *end;
        double v = p[len] == '=' ? strtod(p + len + 1, &end) : -1.0;
        if (role < 0 || p[len] != '=' || end == p + len + 1 || !(v >= 0.0) || (*end && *end != ','))
            return rs_error_set(err, RS_ERR_CONFIG,
                                "hybrid: param 'weights' = '%s': expected "
                                "role=weight pairs over ease, cf, content, "
                                "popularity",
                                s);
        h->fixed_w[role] = v;
        sum += v;
        p = *end == ',' ? end + 1 : end;
        while (*p == ' ')
            p++;
    }
    if (!(sum > 0.0))
        return rs_error_set(err, RS_ERR_CONFIG, "hybrid: param 'weights' = '%s' sums to 0", s);
    for (int r = 0; r < N_ROLES; r++)
        h->fixed_w[r] /= sum;
    h->fixed = 1;
    return RS_OK;
}

static rs_status read_params(hybrid *h, rs_error *err)
{
    const rs_host *host = h->host;
    const char *self = NULL;
    hybrid_params p;
    rs_status s;
    if ((s = rs_params_read(host, hybrid_param_table, RS_PARAMS_COUNT(hybrid_param_table), &p,
                            err)) ||
        (s = parse_learn_n(h, p.learn_n, err)) || (s = parse_weights(h, p.weights, err)))
        return s;
    const char *cold = p.cold, *order = p.order, *metric = p.metric;
    for (int r = 0; r < N_NAMES; r++)
        h->child[r] = p.child[r];
    h->positive_threshold = p.positive_threshold;
    h->content_floor = p.content_floor;
    h->content_floor_n = p.content_floor_n;
    h->content_evidence = p.content_evidence;
    h->content_cap = p.content_cap;
    h->focus.weight = p.focus_weight;
    h->focus.lo = p.focus_lo;
    h->focus.hi = p.focus_hi;
    h->learn_users = p.learn_users;
    h->seed = (uint64_t)p.seed;
    h->learn_top = p.learn_top;
    h->learn_min_item_ratings = p.min_item;
    h->learn_min_queries = p.min_queries;
    h->grid = p.grid;
    h->explain_depth = p.explain_depth;
    h->known_users = p.known_users;
    h->known_fraction = p.known_fraction;
    h->known_folds = p.known_folds;
    if (strcmp(p.fold_in, "shared") != 0 && strcmp(p.fold_in, "private") != 0)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'learn_fold_in' = '%s' is not one of shared, private",
                            p.fold_in);
    h->fold_in_private = strcmp(p.fold_in, "private") == 0;
    if (h->known_folds < 1 || h->known_folds > 20)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'learn_known_folds' = %zu must be in 1..20",
                            h->known_folds);
    if (!(h->known_fraction > 0.0 && h->known_fraction < 1.0))
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'learn_known_fraction' = %g must be in (0, 1)",
                            h->known_fraction);
    if (strcmp(cold, "content") != 0 && strcmp(cold, "mean") != 0)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'cold_items' = '%s' is not one of "
                            "content, mean",
                            cold);
    if (strcmp(order, "earliest") != 0 && strcmp(order, "random") != 0)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'learn_order' = '%s' is not one "
                            "of earliest, random",
                            order);
    h->learn_earliest = strcmp(order, "earliest") == 0;
    if (strcmp(metric, "ndcg") == 0)
        h->metric = RS_HYBRID_METRIC_NDCG;
    else if (strcmp(metric, "recall") == 0)
        h->metric = RS_HYBRID_METRIC_RECALL;
    else if (strcmp(metric, "both") == 0)
        h->metric = RS_HYBRID_METRIC_BOTH;
    else
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'learn_metric' = '%s' is not one "
                            "of ndcg, recall, both",
                            metric);
    if (h->focus.hi < h->focus.lo)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: param 'focus_hi' = %g is below "
                            "'focus_lo' = %g",
                            h->focus.hi, h->focus.lo);
    h->focus.ramp_n = h->content_floor_n;
    int stand = strcmp(cold, "content") == 0 && h->child[ROLE_CONTENT][0];
    for (int r = 0; r < N_ROLES; r++)
        h->stand_in[r] = stand && (r == ROLE_EASE || r == ROLE_CF) ? ROLE_CONTENT : -1;
    self = host->instance_name ? host->instance_name(host) : NULL;
    for (int r = 0; self && r < N_NAMES; r++)
        if (strcmp(h->child[r], self) == 0)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "hybrid: instance '%s' names itself as its "
                                "'%s' child",
                                self, rs_hybrid_role_names[r]);
    int any = 0;
    for (int r = 0; r < N_ROLES; r++)
        any |= h->child[r][0] != '\0';
    if (!any)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "hybrid: every blend role (ease, cf, content, "
                            "popularity) is empty");
    return RS_OK;
}

/* Until fit or load: the fixed weights, or equal weights over the named
 * roles, in every bucket. */
static void set_initial_weights(hybrid *h)
{
    int named = 0;
    for (int r = 0; r < N_ROLES; r++)
        named += h->child[r][0] != '\0';
    for (size_t b = 0; b < h->n_buckets; b++) {
        for (int r = 0; r < N_ROLES; r++)
            h->w[b][r] = h->fixed ? h->fixed_w[r] : h->child[r][0] ? 1.0 / named : 0.0;
        h->ndcg[b] = NAN;
        h->queries[b] = 0;
    }
    h->has_known = 0;
    h->known_ndcg = NAN;
    h->known_queries = 0;
    memset(h->known_w, 0, sizeof h->known_w);
}

/* ---- Lifecycle ------------------------------------------------------------ */

static rs_status hybrid_create(const rs_host *host, void **instance, rs_error *err)
{
    if (!host || !instance)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: NULL host");
    if (!host->acquire_instance || !host->release_instance ||
        !RS_HAS_FIELD(host, rs_host, child_score) || !host->child_recommend || !host->child_score)
        return rs_error_set(err, RS_ERR_UNSUPPORTED,
                            "hybrid: the host cannot call other instances "
                            "(needs ABI 1.1 child_recommend/child_score)");
    hybrid *h = calloc(1, sizeof *h);
    if (!h)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    h->host = host;
    for (int r = 0; r < N_NAMES; r++)
        atomic_init(&h->warned[r], 0);
    rs_status s = read_params(h, err);
    if (s != RS_OK) {
        free(h);
        return s;
    }
    set_initial_weights(h);
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

/* Warn about named children that do not exist; fail when none does. */
static rs_status check_children(hybrid *h, rs_error *err)
{
    int found = 0;
    char missing[N_NAMES * 80] = "";
    for (int r = 0; r < N_NAMES; r++) {
        rs_instance_ref ref = {0};
        rs_error e = {0};
        if (!h->child[r][0])
            continue;
        if (h->host->acquire_instance(h->host, h->child[r], &ref, &e) == RS_OK) {
            h->host->release_instance(h->host, &ref);
            found++;
            continue;
        }
        size_t len = strlen(missing);
        snprintf(missing + len, sizeof missing - len, "%s'%s' (%s)", len ? ", " : "", h->child[r],
                 rs_hybrid_role_names[r]);
    }
    if (!found)
        return rs_error_set(err, RS_ERR_CONFIG, "hybrid: none of its children exist: %s", missing);
    if (missing[0])
        h->host->log(h->host, RS_LOG_WARN, "hybrid: children not found, blending without them: %s",
                     missing);
    return RS_OK;
}

/* The queries of d with index parity `half` (0 or 1), as one bucket, into
 * q_out (n_queries entries); shares d's candidates. */
static rs_hybrid_ldata half_of(const rs_hybrid_ldata *d, int half, rs_hybrid_lquery *q_out)
{
    rs_hybrid_ldata h = *d;
    size_t n = 0;
    for (size_t i = (size_t)half; i < d->n_queries; i += 2) {
        q_out[n] = d->q[i];
        q_out[n++].bucket = 0;
    }
    h.q = q_out;
    h.n_queries = n;
    h.n_buckets = 1;
    return h;
}

/* Two-fold cross-fit of the learner on d against all weight on child
 * `base_child`: the mean and standard error of the per-query difference
 * (out-of-fold metric of weights learned on the other half minus the
 * base's). 0, or -1 when out of memory. */
static int cross_fit(const hybrid *h, const rs_hybrid_ldata *d, const uint8_t *live, int base_child,
                     double *mean, double *se)
{
    size_t n = d->n_queries;
    rs_hybrid_lquery *qa = malloc((n / 2 + 1) * sizeof *qa);
    rs_hybrid_lquery *qb = malloc((n / 2 + 1) * sizeof *qb);
    if (!qa || !qb) {
        free(qa);
        free(qb);
        return -1;
    }
    rs_hybrid_ldata half[2] = {half_of(d, 0, qa), half_of(d, 1, qb)};
    double w[2][N_ROLES], base[N_ROLES] = {0}, sum = 0.0, sum2 = 0.0;
    base[base_child] = 1.0;
    for (int f = 0; f < 2; f++)
        rs_hybrid_learn(&half[f], live, HYB_NDCG_K, h->grid, NULL, 0, base_child, w[f], NULL);
    for (int f = 0; f < 2; f++) /* half f judged by the other half's weights */
        for (size_t i = 0; i < half[f].n_queries; i++) {
            double diff = rs_hybrid_query_metric(&half[f], i, w[1 - f], HYB_NDCG_K) -
                          rs_hybrid_query_metric(&half[f], i, base, HYB_NDCG_K);
            sum += diff;
            sum2 += diff * diff;
        }
    free(qa);
    free(qb);
    *mean = n ? sum / (double)n : 0.0;
    double var = n > 1 ? (sum2 - (double)n * *mean * *mean) / (double)(n - 1) : 0.0;
    *se = n ? sqrt(var > 0.0 ? var / (double)n : 0.0) : 0.0;
    return 0;
}

/* The known-user weights (collect.c, rs_hybrid_collect_private): learned
 * like one bucket, without floors, on leak-free queries. On sparse data a
 * few hundred queries with one or two positives each let the search fit
 * noise, so the learned blend must earn its place: a two-fold cross-fit of
 * the learner has to beat all weight on popularity out of fold by more
 * than one standard error, else popularity takes it all (the prototypes found nothing beat it on tiny
 * data). Too few queries (or none: a host without child_fit_private):
 * known users keep the bucket weights. */
static void learn_known_weights(hybrid *h, const rs_hybrid_collected *kc)
{
    const rs_hybrid_collected c = *kc;
    if (c.d.n_queries >= h->learn_min_queries && c.d.n_queries > 0) {
        int fallback = c.live[ROLE_POP] ? ROLE_POP : -1;
        rs_hybrid_learn(&c.d, c.live, HYB_NDCG_K, h->grid, NULL, h->learn_min_queries, fallback,
                        h->known_w, &h->known_ndcg);
        h->known_queries = c.d.n_queries;
        h->has_known = 1;
        double mean, se;
        if (fallback >= 0 && cross_fit(h, &c.d, c.live, fallback, &mean, &se) == 0 &&
            !(mean > se)) {
            double pop[N_ROLES] = {0};
            pop[fallback] = 1.0;
            h->host->log(h->host, RS_LOG_INFO,
                         "hybrid: the known-user blend cross-fits %+.4f (se %.4f) NDCG@20 "
                         "against popularity alone, not one standard error above it: known "
                         "users get popularity alone",
                         mean, se);
            memcpy(h->known_w, pop, sizeof pop);
            h->known_ndcg = rs_hybrid_ndcg(&c.d, pop, HYB_NDCG_K, SIZE_MAX, NULL);
        }
    } else if (h->known_users) {
        h->host->log(h->host, RS_LOG_INFO,
                     "hybrid: %zu known-user learning queries (learn_min_queries %zu): users "
                     "the children know get the bucket weights",
                     c.d.n_queries, h->learn_min_queries);
    }
}

/* Learn the weight table from held-out training users (collect.c), or
 * keep the fixed weights. The children are fitted before their composite
 * (the engine prepares composites last). */
static rs_status learn_weights(hybrid *h, const rs_dataset *data, rs_error *err)
{
    set_initial_weights(h);
    if (h->fixed)
        return RS_OK;
    rs_hybrid_collected c, known;
    int priv = h->fold_in_private && rs_hybrid_can_fit_private(h);
    rs_status s = rs_hybrid_collect_private(h, data, priv, &c, &known, err);
    if (s != RS_OK)
        return s;
    if (!priv) { /* the buckets through the serving children */
        rs_hybrid_collect_free(&c);
        if ((s = rs_hybrid_collect(h, data, &c, err)) != RS_OK) {
            rs_hybrid_collect_free(&known);
            return s;
        }
    }
    double w[HYB_MAX_BUCKETS * N_ROLES], nd[HYB_MAX_BUCKETS];
    /* With nothing to learn from, all weight on popularity when it is
     * there (the prototypes found nothing beat it on tiny data), else
     * equal weights over the usable children. */
    int fallback = c.live[ROLE_POP] ? ROLE_POP : -1;
    /* The content floor grows with the query size up to content_floor_n
     * ratings: a user who has said little gets the most accurate list, one
     * who has shown a taste gets lists in that taste. */
    double floor[HYB_MAX_BUCKETS * N_ROLES] = {0};
    for (size_t b = 0; b < h->n_buckets; b++) {
        double ramp = (double)h->bucket_n[b] / h->content_floor_n;
        floor[b * N_ROLES + ROLE_CONTENT] = h->content_floor * (ramp < 1.0 ? ramp : 1.0);
    }
    rs_hybrid_learn(&c.d, c.live, HYB_NDCG_K, h->grid, floor, h->learn_min_queries, fallback, w,
                    nd);
    for (size_t b = 0; b < h->n_buckets; b++) {
        memcpy(h->w[b], w + b * N_ROLES, sizeof h->w[b]);
        h->ndcg[b] = nd[b];
        h->queries[b] = 0;
    }
    for (size_t i = 0; i < c.d.n_queries; i++)
        h->queries[c.q[i].bucket]++;
    if (c.d.n_queries < h->learn_min_queries)
        h->host->log(h->host, RS_LOG_WARN,
                     "hybrid: %zu learning queries from %zu sampled users, "
                     "fewer than learn_min_queries (%zu): %s",
                     c.d.n_queries, c.users, h->learn_min_queries,
                     fallback >= 0 ? "all weight on popularity" : "equal weights");
    rs_hybrid_collect_free(&c);
    learn_known_weights(h, &known);
    rs_hybrid_collect_free(&known);
    return RS_OK;
}

static rs_status hybrid_fit(void *instance, const rs_dataset *data, rs_error *err)
{
    hybrid *h = instance;
    if (!h || !data)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: fit without data");
    rs_hybrid_users users;
    rs_status s = rs_hybrid_users_build(data, &users, err);
    if (s != RS_OK)
        return s;
    rs_hybrid_genre_base_init(data, &h->genre_base);
    if ((s = check_children(h, err)) != RS_OK || (s = learn_weights(h, data, err)) != RS_OK) {
        rs_hybrid_users_free(&users);
        return s;
    }
    rs_hybrid_users_free(&h->users);
    h->users = users;
    rs_hybrid_weights_log(h, h->fixed ? "fixed by params" : "learned");
    return RS_OK;
}

static rs_status hybrid_save(void *instance, const char *dir, rs_error *err)
{
    hybrid *h = instance;
    if (!h || !dir)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: save without dir");
    return rs_hybrid_weights_save(h, dir, err);
}

static rs_status hybrid_load(void *instance, const char *dir, const rs_dataset *data, rs_error *err)
{
    hybrid *h = instance;
    if (!h || !dir || !data)
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: load without data");
    rs_hybrid_users users;
    rs_status s = rs_hybrid_users_build(data, &users, err);
    if (s != RS_OK)
        return s;
    if ((s = rs_hybrid_weights_load(h, dir, err)) != RS_OK) {
        rs_hybrid_users_free(&users);
        return s;
    }
    rs_hybrid_users_free(&h->users);
    h->users = users;
    rs_hybrid_genre_base_init(data, &h->genre_base);
    rs_hybrid_weights_log(h, "loaded");
    return RS_OK;
}

/* ---- Children ------------------------------------------------------------- */

void rs_hybrid_child_failed(hybrid *h, int role, const char *what, const char *why)
{
    if (atomic_exchange(&h->warned[role], 1) == 0)
        h->host->log(h->host, RS_LOG_WARN,
                     "hybrid: %s child '%s' %s (%s); serving without it "
                     "until it recovers",
                     rs_hybrid_role_names[role], h->child[role], what, why);
}

static void child_worked(hybrid *h, int role)
{
    if (atomic_load(&h->warned[role]) && atomic_exchange(&h->warned[role], 0) == 1)
        h->host->log(h->host, RS_LOG_INFO, "hybrid: %s child '%s' recovered",
                     rs_hybrid_role_names[role], h->child[role]);
}

int rs_hybrid_child_acquire(hybrid *h, int role, rs_instance_ref *ref)
{
    rs_error e = {0};
    memset(ref, 0, sizeof *ref);
    if (h->host->acquire_instance(h->host, h->child[role], ref, &e) != RS_OK) {
        rs_hybrid_child_failed(h, role, "is unavailable", e.message[0] ? e.message : "not found");
        memset(ref, 0, sizeof *ref);
        return 0;
    }
    if (!ref->entry || !ref->instance) {
        h->host->release_instance(h->host, ref);
        memset(ref, 0, sizeof *ref);
        rs_hybrid_child_failed(h, role, "is unavailable", "host returned no instance");
        return 0;
    }
    return 1;
}

static int has(const rs_instance_ref *ref, uint32_t cap)
{
    return (ref->entry->capabilities & cap) != 0;
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
static rs_status recommend_fallback(hybrid *h, const rs_query *q, size_t k, rs_scored *out,
                                    rs_explanation *explain, size_t *n_out, rs_error *err)
{
    rs_instance_ref ref;
    if (!h->child[ROLE_FALLBACK][0] || !rs_hybrid_child_acquire(h, ROLE_FALLBACK, &ref))
        return rs_error_set(err, RS_ERR_NOT_FOUND,
                            "hybrid: cannot serve the request: fallback "
                            "instance '%s' is unavailable",
                            h->child[ROLE_FALLBACK]);
    rs_status s;
    if (!has(&ref, RS_CAP_RECOMMEND) || !ref.entry->recommend) {
        rs_hybrid_child_failed(h, ROLE_FALLBACK, "cannot recommend", "no RECOMMEND capability");
        s = rs_error_set(err, RS_ERR_UNSUPPORTED, "hybrid: fallback instance '%s' cannot recommend",
                         h->child[ROLE_FALLBACK]);
    } else {
        s = h->host->child_recommend(h->host, &ref, q, k, out, NULL, n_out, err);
        if (s == RS_OK)
            child_worked(h, ROLE_FALLBACK);
    }
    h->host->release_instance(h->host, &ref);
    if (s == RS_OK && explain)
        for (size_t i = 0; i < *n_out; i++)
            explain_single(rs_explanation_at(q, explain, i), h->child[ROLE_FALLBACK]);
    return s;
}

/* ---- Blending ---------------------------------------------------------------- */

/* Per-request state; everything here is private to one call. */
typedef struct request {
    rs_instance_ref ref[N_ROLES];
    int live[N_ROLES]; /* acquired, can score, scored something */
    size_t n;          /* catalogue size */
    uint8_t *skip;     /* [n] rated or excluded: never shown */
    float *z;          /* [N_ROLES * n] */
    float *blended;    /* [n] */
    double w[N_ROLES]; /* this request's weights (live children) */
} request;

static void request_release(hybrid *h, request *r)
{
    for (int c = 0; c < N_ROLES; c++)
        if (r->ref[c].entry)
            h->host->release_instance(h->host, &r->ref[c]);
    free(r->skip);
    free(r->z);
    free(r->blended);
}

/* A user whose rated films are mostly cold (outside the CF subset): the
 * CF children know little of them and only content reads their taste, so
 * content's weight rises from none at half the films cold to all of it
 * when every rated film is cold, and the evidence gate loosens as much
 * (docs/hybrid.md, "Cold movies"). */
double rs_hybrid_cold_raise(const rs_dataset *data, const int32_t *items, size_t n)
{
    size_t cold = 0;
    if (!data || !data->cf_item || !n)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        cold += items[i] >= 0 && items[i] < data->n_items && !data->cf_item[items[i]];
    double cs = 2.0 * (double)cold / (double)n - 1.0;
    return cs > 0.0 ? cs : 0.0;
}

double rs_hybrid_query_boost(const hybrid *h, const rs_dataset *data, const int32_t *items,
                             const float *ratings, size_t n)
{
    if (!(h->focus.weight > 0.0) || !data || !data->items || !n)
        return 0.0;
    uint32_t stack[64], *masks = n <= 64 ? stack : malloc(n * sizeof *masks);
    if (!masks)
        return 0.0; /* the rule is a refinement; never fail a request for it */
    for (size_t i = 0; i < n; i++)
        masks[i] = items[i] >= 0 && items[i] < data->n_items ? data->items[items[i]].genre_mask
                                                             : 0u;
    double f = rs_hybrid_focus(&h->genre_base, masks, ratings, n, h->positive_threshold);
    if (masks != stack)
        free(masks);
    double by_cold = rs_hybrid_cold_raise(data, items, n);
    double by_focus = rs_hybrid_focus_floor(&h->focus, f, n);
    return by_cold > by_focus ? by_cold : by_focus;
}

/* The bucket's weights over the children live in this request, summing
 * to 1 (equal weights when the learned ones all sit on absent children),
 * then the content child raised to what the user's focus asks for. */
static void request_weights(const hybrid *h, request *r, const rs_hybrid_user_view *u)
{
    size_t n_ratings = u->n;
    size_t b = rs_hybrid_bucket(h->bucket_n, h->n_buckets, n_ratings);
    const double *w = u->known && h->has_known ? h->known_w : h->w[b];
    double sum = 0.0;
    int live = 0;
    for (int c = 0; c < N_ROLES; c++) {
        r->w[c] = r->live[c] ? w[c] : 0.0;
        live += r->live[c];
    }
    for (int c = 0; c < N_ROLES; c++)
        sum += r->w[c];
    for (int c = 0; c < N_ROLES; c++)
        r->w[c] = sum > 0.0 ? r->w[c] / sum : r->live[c] ? 1.0 / live : 0.0;
    if (r->live[ROLE_CONTENT]) {
        double boost = rs_hybrid_query_boost(h, h->users.data, u->items, u->ratings, u->n);
        rs_hybrid_raise_weight(N_ROLES, r->w, ROLE_CONTENT, boost, r->w);
    }
}

/* Steps 1-3: every live child's z-scores over the catalogue and the blend
 * into r->blended. Returns how many children took part. */
static int blend_catalogue(hybrid *h, request *r, const rs_query *q, const rs_hybrid_user_view *u,
                           rs_error *err, rs_status *st)
{
    size_t n = r->n;
    int32_t *all = malloc(n * sizeof *all);
    float *raw = malloc(n * sizeof *raw);
    r->skip = calloc(n, 1);
    r->z = malloc(N_ROLES * n * sizeof *r->z);
    r->blended = malloc(n * sizeof *r->blended);
    if (!all || !raw || !r->skip || !r->z || !r->blended) {
        free(all);
        free(raw);
        *st = rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        all[i] = (int32_t)i;
    for (size_t i = 0; i < u->n; i++)
        if (u->items[i] >= 0 && (size_t)u->items[i] < n)
            r->skip[u->items[i]] = 1;
    for (size_t i = 0; q->exclude && i < q->n_exclude; i++)
        if (q->exclude[i] >= 0 && (size_t)q->exclude[i] < n)
            r->skip[q->exclude[i]] = 1;

    int live = 0;
    for (int c = 0; c < N_ROLES; c++) {
        float *z = r->z + (size_t)c * n;
        for (size_t i = 0; i < n; i++)
            z[i] = NAN;
        if (!h->child[c][0] || !rs_hybrid_child_acquire(h, c, &r->ref[c]))
            continue;
        const rs_plugin_entry *e = r->ref[c].entry;
        if (!has(&r->ref[c], RS_CAP_SCORE) || !e->score) {
            rs_hybrid_child_failed(h, c, "cannot score", "no SCORE capability");
            continue;
        }
        rs_error ce = {0};
        if (h->host->child_score(h->host, &r->ref[c], q, all, n, raw, &ce) != RS_OK) {
            rs_hybrid_child_failed(h, c, "failed to score", ce.message);
            continue;
        }
        child_worked(h, c);
        if (rs_hybrid_zscore(raw, r->skip, n, c == ROLE_POP, z) == 0) {
            for (size_t i = 0; i < n; i++) /* it knows none of them */
                z[i] = NAN;
            continue;
        }
        /* Cap, then gate: the gate then ranks the capped films of one
         * kind by how well known they are (docs/hybrid.md). */
        if (c == ROLE_CONTENT)
            rs_hybrid_cap(z, n, h->content_cap);
        if (c == ROLE_CONTENT && h->users.data && (size_t)h->users.data->n_items == n)
            rs_hybrid_evidence_gate(z, n, h->users.data->item_ptr, h->content_evidence,
                                    1.0 - rs_hybrid_cold_raise(h->users.data, u->items, u->n));
        r->live[c] = 1;
        live++;
    }
    free(all);
    free(raw);
    if (!live)
        return 0;
    request_weights(h, r, u);
    rs_hybrid_combine(N_ROLES, r->w, r->z, n, h->stand_in, r->blended);
    return live;
}

/* "Because you rated X": ask the child that contributed most for its own
 * explanation of the item (its recommend() with explanations, to
 * explain_depth). One call per winning child per request, made lazily. */
typedef struct because_cache {
    int asked[N_ROLES];
    rs_scored *recs[N_ROLES];
    rs_explanation *expl[N_ROLES];
    size_t n[N_ROLES];
} because_cache;

static int32_t because_from(hybrid *h, const request *r, const rs_query *q, int c, int32_t item,
                            because_cache *bc)
{
    if (!bc->asked[c]) {
        bc->asked[c] = 1;
        size_t depth = h->explain_depth;
        bc->recs[c] = malloc((depth ? depth : 1) * sizeof *bc->recs[c]);
        bc->expl[c] = calloc(depth ? depth : 1, sizeof *bc->expl[c]);
        rs_error ce = {0};
        if (!depth || !bc->recs[c] || !bc->expl[c] ||
            h->host->child_recommend(h->host, &r->ref[c], q, depth, bc->recs[c], bc->expl[c],
                                     &bc->n[c], &ce) != RS_OK)
            bc->n[c] = 0; /* an explanation is optional; never fail for it */
    }
    for (size_t j = 0; j < bc->n[c]; j++)
        if (bc->recs[c][j].item == item)
            return bc->expl[c][j].because_item;
    return -1;
}

static void fill_explanations(hybrid *h, const request *r, const rs_query *q, const rs_scored *out,
                              size_t n_out, rs_explanation *explain)
{
    uint8_t eligible[N_ROLES];
    because_cache bc;
    memset(&bc, 0, sizeof bc);
    /* Only children whose scores depend on the user's ratings and that
     * explain themselves can say "because you rated". */
    for (int c = 0; c < N_ROLES; c++)
        eligible[c] = r->live[c] && has(&r->ref[c], RS_CAP_EXPLAIN) &&
                      has(&r->ref[c], RS_CAP_RECOMMEND) && r->ref[c].entry->recommend;
    for (size_t j = 0; j < n_out; j++) {
        rs_explanation *x = rs_explanation_at(q, explain, j);
        float share[N_ROLES];
        memset(x, 0, sizeof *x);
        int win = rs_hybrid_shares(N_ROLES, r->w, r->z, r->n, (size_t)out[j].item, h->stand_in,
                                   eligible, share);
        for (int c = 0; c < N_ROLES && x->n_parts < RS_EXPLAIN_MAX_PARTS; c++) {
            if (!r->live[c])
                continue;
            snprintf(x->parts[x->n_parts].source, sizeof x->parts[x->n_parts].source, "%s",
                     h->child[c]);
            x->parts[x->n_parts++].share = share[c];
        }
        x->because_item = win >= 0 ? because_from(h, r, q, win, out[j].item, &bc) : -1;
    }
    for (int c = 0; c < N_ROLES; c++) {
        free(bc.recs[c]);
        free(bc.expl[c]);
    }
}

static size_t catalogue_size(const hybrid *h)
{
    const rs_dataset *d = h->users.data;
    if (!d && h->host->dataset)
        d = h->host->dataset(h->host);
    return d && d->n_items > 0 ? (size_t)d->n_items : 0;
}

static rs_status hybrid_recommend(void *instance, const rs_query *q, size_t k, rs_scored *out,
                                  rs_explanation *explain, size_t *n_out, rs_error *err)
{
    hybrid *h = instance;
    if (!h || !q || !n_out || (k && !out))
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: recommend needs a query and buffers");
    *n_out = 0;
    if (k == 0)
        return RS_OK;
    rs_hybrid_user_view u;
    rs_status s = rs_hybrid_user_view_init(&h->users, q, &u, err);
    if (s != RS_OK)
        return s;
    request r;
    memset(&r, 0, sizeof r);
    r.n = catalogue_size(h);
    if (u.n == 0 || r.n == 0)
        goto fallback;
    if (!blend_catalogue(h, &r, q, &u, err, &s)) {
        if (s != RS_OK)
            goto done;
        goto fallback; /* every child missing or failing */
    }
    rs_topk top;
    rs_topk_init(&top, out, k);
    for (size_t i = 0; i < r.n; i++)
        if (!r.skip[i])
            rs_topk_push(&top, (int32_t)i, r.blended[i]); /* NaN: skipped */
    *n_out = rs_topk_finish(&top);
    if (*n_out == 0)
        goto fallback;
    if (explain)
        fill_explanations(h, &r, q, out, *n_out, explain);
    goto done;

fallback:
    request_release(h, &r);
    rs_hybrid_user_view_free(&u);
    return recommend_fallback(h, q, k, out, explain, n_out, err);
done:
    request_release(h, &r);
    rs_hybrid_user_view_free(&u);
    return s;
}

/* The blend of the given items: the same z-scores (over the catalogue) and
 * weights as recommend, so score(i) equals i's score in a recommend list.
 * NaN where no child can score an item. */
static rs_status hybrid_score(void *instance, const rs_query *q, const int32_t *items, size_t n,
                              float *scores, rs_error *err)
{
    hybrid *h = instance;
    if (!h || !q || (n && (!items || !scores)))
        return rs_error_set(err, RS_ERR_INVALID, "hybrid: score needs a query and buffers");
    if (n == 0)
        return RS_OK;
    rs_hybrid_user_view u;
    rs_status s = rs_hybrid_user_view_init(&h->users, q, &u, err);
    if (s != RS_OK)
        return s;
    request r;
    memset(&r, 0, sizeof r);
    r.n = catalogue_size(h);
    if (u.n && r.n && blend_catalogue(h, &r, q, &u, err, &s)) {
        for (size_t i = 0; i < n; i++)
            scores[i] = items[i] >= 0 && (size_t)items[i] < r.n ? r.blended[items[i]]
                                                                : RS_SCORE_MISSING;
        goto done;
    }
    if (s != RS_OK)
        goto done;
    /* No ratings (or no blend child): the fallback's own scores. */
    rs_instance_ref ref;
    s = rs_error_set(err, RS_ERR_NOT_FOUND,
                     "hybrid: cannot score: fallback instance '%s' is "
                     "unavailable or cannot score",
                     h->child[ROLE_FALLBACK]);
    if (h->child[ROLE_FALLBACK][0] && rs_hybrid_child_acquire(h, ROLE_FALLBACK, &ref)) {
        if (has(&ref, RS_CAP_SCORE) && ref.entry->score)
            s = h->host->child_score(h->host, &ref, q, items, n, scores, err);
        h->host->release_instance(h->host, &ref);
    }
done:
    request_release(h, &r);
    rs_hybrid_user_view_free(&u);
    return s;
}

static const rs_plugin_entry hybrid_entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "hybrid",
    .version = "2.0.0",
    .description = "Blends EASE, CF, content and popularity children with "
                   "weights learned on held-out users; popularity fallback.",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_EXPLAIN |
                    RS_CAP_FOLD_IN | RS_CAP_COMPOSITE,
    .create = hybrid_create,
    .destroy = hybrid_destroy,
    .fit = hybrid_fit,
    .save = hybrid_save,
    .load = hybrid_load,
    .recommend = hybrid_recommend,
    .score = hybrid_score,
    .describe = rs_hybrid_describe,
};

RS_PLUGIN_DEFINE(hybrid_entry)
