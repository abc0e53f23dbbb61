/* The swap gate: time-split holdout, smoke test, in-memory candidates, log. */
#include "recsys/swap_gate.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/config_fields.h"
#include "recsys/log.h"

#define G(key, type, member, lo, lo_open, hi, hi_open, dflt, doc)                              \
    {                                                                                          \
        key, type, offsetof(rs_gate_config, member), lo, hi, lo_open, hi_open, NULL, doc, dflt \
    }
static const rs_config_field gate_fields[] = {
    G("tolerance", RS_FIELD_FLOAT, tolerance, 0, 0, 1, 0, "0.05",
      "allowed Recall@k drop of a candidate below the serving version"),
    G("relative", RS_FIELD_BOOL, relative, 0, 0, 0, 0, "true",
      "tolerance is a fraction of the serving figure (false: absolute)"),
    G("holdout_users", RS_FIELD_INT64, holdout_users, 1, 0, (double)INT64_MAX, 0, "200",
      "held-out users: those whose latest rating is newest"),
    G("k", RS_FIELD_INT64, k, 1, 0, 1000, 0, "20", "list length scored"),
    G("min_ratings", RS_FIELD_INT64, min_ratings, 2, 0, (double)INT64_MAX, 0, "10",
      "a held-out user has at least this many ratings"),
    G("holdout_fraction", RS_FIELD_FLOAT, holdout_fraction, 0, 1, 1, 1, "0.2",
      "each held-out user's latest share of ratings held out"),
    G("positive", RS_FIELD_FLOAT, positive, 0, 0, 5, 0, "4.0",
      "held-out ratings at least this are the targets"),
    G("smoke_users", RS_FIELD_INT64, smoke_users, 0, 0, (double)INT64_MAX, 0, "5",
      "held-out users the candidate must answer sanely before it is scored"),
};
#undef G

const rs_config_field *rs_gate_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(gate_fields);
    return gate_fields;
}

void rs_gate_config_default(rs_gate_config *c)
{
    memset(c, 0, sizeof *c);
    rs_config_fields_defaults(gate_fields, RS_FIELD_COUNT(gate_fields), c);
}

rs_status rs_gate_config_parse(const rs_yaml_node *sec, rs_gate_config *c, rs_error *err)
{
    rs_gate_config_default(c);
    return rs_config_fields_read(sec, "swap_gate", gate_fields, RS_FIELD_COUNT(gate_fields), NULL,
                                 c, err);
}

/* ---- holdout ---------------------------------------------------------------- */

typedef struct held_user {
    int64_t user_id;
    rs_rating *query; /* earlier ratings, sorted by item */
    size_t n_query;
    int32_t *targets; /* sorted */
    size_t n_targets;
} held_user;

struct rs_holdout {
    int32_t n_items; /* the dataset is not kept: users are copied out */
    rs_gate_config c;
    held_user *users;
    size_t n;
};

typedef struct user_key {
    int32_t u;
    int64_t latest;
} user_key;

static int cmp_latest_desc(const void *a, const void *b)
{
    const user_key *x = a, *y = b;
    if (x->latest != y->latest)
        return x->latest > y->latest ? -1 : 1;
    return (x->u > y->u) - (x->u < y->u);
}

static int cmp_rating_time(const void *a, const void *b)
{
    const rs_rating *x = a, *y = b;
    if (x->timestamp != y->timestamp)
        return x->timestamp < y->timestamp ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

static int cmp_rating_item(const void *a, const void *b)
{
    const rs_rating *x = a, *y = b;
    return (x->item > y->item) - (x->item < y->item);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Split user u; 0 when it has no positive among its latest ratings. */
static rs_status hold_user(const rs_holdout *h, const rs_dataset *d, int32_t u, held_user *out,
                           int *ok, rs_error *err)
{
    size_t lo = d->user_ptr[u], n = d->user_ptr[u + 1] - lo;
    rs_rating *all = malloc(n * sizeof *all);
    int32_t *targets = malloc(n * sizeof *targets);
    if (!all || !targets) {
        free(all);
        free(targets);
        return rs_error_set(err, RS_ERR_NOMEM, "swap gate: out of memory");
    }
    for (size_t j = 0; j < n; j++) {
        all[j].item = d->user_item[lo + j];
        all[j].rating = d->user_rating[lo + j];
        all[j].timestamp = d->user_time ? d->user_time[lo + j] : 0;
    }
    qsort(all, n, sizeof *all, cmp_rating_time);
    size_t n_hold = (size_t)llround((double)n * h->c.holdout_fraction);
    if (n_hold < 1)
        n_hold = 1;
    if (n_hold >= n) /* keep at least one rating as the query */
        n_hold = n - 1;
    size_t n_query = n - n_hold, n_t = 0;
    for (size_t j = n_query; j < n; j++)
        if (all[j].rating >= h->c.positive)
            targets[n_t++] = all[j].item;
    *ok = n_t > 0;
    if (!*ok) {
        free(all);
        free(targets);
        return RS_OK;
    }
    qsort(all, n_query, sizeof *all, cmp_rating_item);
    qsort(targets, n_t, sizeof *targets, cmp_i32);
    out->user_id = d->user_ids[u];
    out->query = all;
    out->n_query = n_query;
    out->targets = targets;
    out->n_targets = n_t;
    return RS_OK;
}

rs_status rs_holdout_new(const rs_dataset *d, const rs_gate_config *c, rs_holdout **out,
                         rs_error *err)
{
    rs_holdout *h = calloc(1, sizeof *h);
    user_key *keys = calloc(d->n_users ? (size_t)d->n_users : 1, sizeof *keys);
    rs_status st = RS_OK;
    if (!h || !keys || !(h->users = calloc((size_t)c->holdout_users, sizeof *h->users))) {
        free(keys);
        rs_holdout_free(h);
        return rs_error_set(err, RS_ERR_NOMEM, "swap gate: out of memory");
    }
    h->n_items = d->n_items;
    h->c = *c;
    size_t n_keys = 0;
    for (int32_t u = 0; u < d->n_users; u++) {
        size_t lo = d->user_ptr[u], hi = d->user_ptr[u + 1];
        if ((int64_t)(hi - lo) < c->min_ratings)
            continue;
        int64_t latest = INT64_MIN;
        for (size_t j = lo; j < hi; j++)
            if (d->user_time && d->user_time[j] > latest)
                latest = d->user_time[j];
        keys[n_keys].u = u;
        keys[n_keys++].latest = latest;
    }
    /* Newest activity first: the holdout is the most recent behaviour. */
    qsort(keys, n_keys, sizeof *keys, cmp_latest_desc);
    for (size_t i = 0; i < n_keys && h->n < (size_t)c->holdout_users && st == RS_OK; i++) {
        int ok = 0;
        st = hold_user(h, d, keys[i].u, &h->users[h->n], &ok, err);
        h->n += ok && st == RS_OK;
    }
    free(keys);
    if (st == RS_OK && h->n == 0)
        st = rs_error_set(err, RS_ERR_STATE,
                          "swap gate: no user has >= %lld ratings with one >= %.1f among "
                          "their latest %.0f%%; nothing to hold out",
                          (long long)c->min_ratings, c->positive, c->holdout_fraction * 100);
    if (st != RS_OK) {
        rs_holdout_free(h);
        return st;
    }
    *out = h;
    return RS_OK;
}

void rs_holdout_free(rs_holdout *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++) {
        free(h->users[i].query);
        free(h->users[i].targets);
    }
    free(h->users);
    free(h);
}

size_t rs_holdout_user_count(const rs_holdout *h) { return h->n; }

static int has_item(const int32_t *sorted, size_t n, int32_t item)
{
    return bsearch(&item, sorted, n, sizeof *sorted, cmp_i32) != NULL;
}

static rs_query held_query(const held_user *hu)
{
    rs_query q = RS_QUERY(RS_USER_NONE, hu->query, hu->n_query, NULL, 0);
    return q;
}

/* What the holdout asks for lists: a serving slot, or a candidate that is
 * not serving yet (cand != NULL). */
typedef struct reco_target {
    rs_engine *e;
    const char *name;
    rs_candidate *cand;
} reco_target;

static rs_status target_recommend(const reco_target *t, const rs_query *q, size_t k, rs_scored *out,
                                  size_t *n, rs_error *err)
{
    if (t->cand)
        return rs_candidate_recommend(t->cand, q, k, out, NULL, n, err);
    return rs_engine_recommend(t->e, t->name, q, k, out, NULL, n, err);
}

static rs_status holdout_recall(const rs_holdout *h, const reco_target *t, double *recall,
                                rs_error *err)
{
    size_t k = (size_t)h->c.k;
    rs_scored *out = malloc(k * sizeof *out);
    if (!out)
        return rs_error_set(err, RS_ERR_NOMEM, "swap gate: out of memory");
    double sum = 0;
    for (size_t i = 0; i < h->n; i++) {
        const held_user *hu = &h->users[i];
        rs_query q = held_query(hu);
        size_t n = 0, hits = 0;
        rs_status st = target_recommend(t, &q, k, out, &n, err);
        if (st != RS_OK) {
            free(out);
            return st;
        }
        for (size_t j = 0; j < n && j < k; j++)
            hits += has_item(hu->targets, hu->n_targets, out[j].item);
        sum += (double)hits / (double)(hu->n_targets < k ? hu->n_targets : k);
    }
    free(out);
    *recall = sum / (double)h->n;
    return RS_OK;
}

rs_status rs_holdout_recall(const rs_holdout *h, rs_engine *e, const char *name, double *recall,
                            rs_error *err)
{
    reco_target t = {e, name, NULL};
    return holdout_recall(h, &t, recall, err);
}

rs_status rs_holdout_recall_candidate(const rs_holdout *h, rs_candidate *c, double *recall,
                                      rs_error *err)
{
    reco_target t = {NULL, rs_candidate_name(c), c};
    return holdout_recall(h, &t, recall, err);
}

static int query_has(const held_user *hu, int32_t item)
{
    rs_rating key = {item, 0, 0};
    return hu->n_query > 0 &&
           bsearch(&key, hu->query, hu->n_query, sizeof key, cmp_rating_item) != NULL;
}

/* One smoke-tested user; `seen` is an n_items scratch array, left zeroed. */
static rs_status smoke_user(const rs_holdout *h, const reco_target *t, const held_user *hu,
                            rs_scored *out, uint8_t *seen, rs_error *err)
{
    size_t k = (size_t)h->c.k, n = 0;
    int32_t n_items = h->n_items;
    rs_query q = held_query(hu);
    rs_status st = target_recommend(t, &q, k, out, &n, err);
    if (st == RS_ERR_FORMAT && err) { /* the engine caught a broken list */
        char why[RS_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err->message);
        return rs_error_set(err, RS_ERR_FORMAT, "smoke test: user %lld (%zu ratings): %s",
                            (long long)hu->user_id, hu->n_query, why);
    }
    if (st != RS_OK)
        return st;
    size_t left = (size_t)n_items - hu->n_query;
    size_t want = left < k ? left : k;
    char defect[160] = "";
    if (n != want)
        snprintf(defect, sizeof defect, "returned %zu items, expected %zu", n, want);
    for (size_t j = 0; j < n && !defect[0]; j++) {
        int32_t it = out[j].item;
        if (it < 0 || it >= n_items)
            snprintf(defect, sizeof defect, "rank %zu: item %d is not in the catalogue", j, it);
        else if (seen[it])
            snprintf(defect, sizeof defect, "rank %zu: item %d returned twice", j, it);
        else if (query_has(hu, it))
            snprintf(defect, sizeof defect, "rank %zu: item %d is already rated", j, it);
        else if (!isfinite(out[j].score))
            snprintf(defect, sizeof defect, "rank %zu: score of item %d is not finite", j, it);
        else
            seen[it] = 1;
    }
    for (size_t j = 0; j < n; j++)
        if (out[j].item >= 0 && out[j].item < n_items)
            seen[out[j].item] = 0;
    if (defect[0])
        return rs_error_set(err, RS_ERR_FORMAT, "smoke test: user %lld (%zu ratings): %s",
                            (long long)hu->user_id, hu->n_query, defect);
    return RS_OK;
}

static rs_status smoke_test(const rs_holdout *h, const reco_target *t, rs_error *err)
{
    rs_scored *out = malloc((size_t)h->c.k * sizeof *out);
    uint8_t *seen = calloc((size_t)h->n_items + 1, 1);
    rs_status st = RS_OK;
    if (!out || !seen)
        st = rs_error_set(err, RS_ERR_NOMEM, "swap gate: out of memory");
    for (size_t i = 0; st == RS_OK && i < h->n && i < (size_t)h->c.smoke_users; i++)
        st = smoke_user(h, t, &h->users[i], out, seen, err);
    free(out);
    free(seen);
    return st;
}

rs_status rs_smoke_test(const rs_holdout *h, rs_engine *e, const char *name, rs_error *err)
{
    reco_target t = {e, name, NULL};
    return smoke_test(h, &t, err);
}

rs_status rs_smoke_test_candidate(const rs_holdout *h, rs_candidate *c, rs_error *err)
{
    reco_target t = {NULL, rs_candidate_name(c), c};
    return smoke_test(h, &t, err);
}

/* ---- the gate ---------------------------------------------------------------- */

struct rs_swap_gate {
    const rs_config *cfg;
    rs_engine *serving;
    rs_gate_config c;
    rs_holdout *holdout;       /* built on first use */
    pthread_mutex_t reload_mu; /* one decision at a time */
    pthread_mutex_t log_mu;    /* guards the ring below */
    rs_gate_event ring[RS_GATE_HISTORY];
    size_t n_events; /* total ever logged */
    /* The serving figure is reused while the same version serves. */
    struct {
        char source[RS_SOURCE_NAME_MAX];
        int64_t version;
        double recall;
    } cache[16];
    size_t n_cache;
};

rs_status rs_swap_gate_new(const rs_config *cfg, rs_engine *serving, const rs_gate_config *gc,
                           rs_swap_gate **out, rs_error *err)
{
    rs_swap_gate *g = calloc(1, sizeof *g);
    if (!g)
        return rs_error_set(err, RS_ERR_NOMEM, "swap gate: out of memory");
    g->cfg = cfg;
    g->serving = serving;
    if (gc)
        g->c = *gc;
    else
        rs_gate_config_default(&g->c);
    pthread_mutex_init(&g->reload_mu, NULL);
    pthread_mutex_init(&g->log_mu, NULL);
    *out = g;
    return RS_OK;
}

void rs_swap_gate_free(rs_swap_gate *g)
{
    if (!g)
        return;
    rs_holdout_free(g->holdout);
    pthread_mutex_destroy(&g->reload_mu);
    pthread_mutex_destroy(&g->log_mu);
    free(g);
}

const rs_gate_config *rs_swap_gate_config(const rs_swap_gate *g) { return &g->c; }

rs_status rs_swap_gate_set_holdout_data(rs_swap_gate *g, const rs_dataset *d, rs_error *err)
{
    rs_holdout *h;
    rs_status st = rs_holdout_new(d, &g->c, &h, err);
    if (st != RS_OK)
        return st;
    pthread_mutex_lock(&g->reload_mu);
    rs_holdout_free(g->holdout);
    g->holdout = h;
    g->n_cache = 0; /* serving figures were on the old holdout */
    pthread_mutex_unlock(&g->reload_mu);
    return RS_OK;
}

static void log_event(rs_swap_gate *g, rs_gate_event *ev)
{
    pthread_mutex_lock(&g->log_mu);
    ev->seq = (int64_t)++g->n_events;
    g->ring[(g->n_events - 1) % RS_GATE_HISTORY] = *ev;
    pthread_mutex_unlock(&g->log_mu);
    rs_log(ev->accepted ? RS_LOG_INFO : RS_LOG_WARN, "swap-gate", "%s", ev->message);
}

size_t rs_swap_gate_events(rs_swap_gate *g, const char *name, rs_gate_event *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&g->log_mu);
    size_t kept = g->n_events < RS_GATE_HISTORY ? g->n_events : RS_GATE_HISTORY;
    for (size_t i = 0; i < kept && n < cap; i++) {
        const rs_gate_event *ev = &g->ring[(g->n_events - 1 - i) % RS_GATE_HISTORY];
        if (!name || strcmp(ev->source, name) == 0)
            out[n++] = *ev;
    }
    pthread_mutex_unlock(&g->log_mu);
    return n;
}

static int cached_recall(rs_swap_gate *g, const char *name, int64_t version, double *r)
{
    for (size_t i = 0; i < g->n_cache; i++)
        if (strcmp(g->cache[i].source, name) == 0 && g->cache[i].version == version) {
            *r = g->cache[i].recall;
            return 1;
        }
    return 0;
}

static void remember_recall(rs_swap_gate *g, const char *name, int64_t version, double r)
{
    size_t i = 0;
    while (i < g->n_cache && strcmp(g->cache[i].source, name) != 0)
        i++;
    if (i == g->n_cache) {
        if (g->n_cache == sizeof g->cache / sizeof g->cache[0])
            return;
        g->n_cache++;
    }
    snprintf(g->cache[i].source, sizeof g->cache[i].source, "%s", name);
    g->cache[i].version = version;
    g->cache[i].recall = r;
}

/* Smoke-test and score the candidate in memory, and the serving version
 * (cached per version); fills ev's figures. A composite candidate (the
 * hybrid) asks the serving engine for its children, exactly as it will
 * once published. */
static rs_status evaluate(rs_swap_gate *g, rs_candidate *cand, rs_gate_event *ev, rs_error *err)
{
    const char *name = rs_candidate_name(cand);
    rs_status st;
    if (!g->holdout &&
        (st = rs_holdout_new(rs_engine_dataset(g->serving), &g->c, &g->holdout, err)) != RS_OK)
        return st;
    if ((st = rs_smoke_test_candidate(g->holdout, cand, err)) != RS_OK ||
        (st = rs_holdout_recall_candidate(g->holdout, cand, &ev->candidate_recall, err)) != RS_OK)
        return st;
    if (ev->serving_version > 0 &&
        !cached_recall(g, name, ev->serving_version, &ev->serving_recall)) {
        if ((st = rs_holdout_recall(g->holdout, g->serving, name, &ev->serving_recall, err)) !=
            RS_OK)
            return st;
        remember_recall(g, name, ev->serving_version, ev->serving_recall);
    }
    return RS_OK;
}

/* 1 when the candidate's figure is acceptable; fills the reason. */
static int decide(const rs_gate_config *c, const rs_gate_event *ev, char *why, size_t size)
{
    if (isnan(ev->serving_recall)) {
        snprintf(why, size, "no serving version to compare with");
        return 1;
    }
    double drop = ev->serving_recall - ev->candidate_recall;
    double allowed = c->relative ? c->tolerance * ev->serving_recall : c->tolerance;
    if (c->relative)
        snprintf(why, size, "drop %.1f%%, tolerance %.1f%%",
                 ev->serving_recall > 0 ? 100 * drop / ev->serving_recall : 0.0,
                 100 * c->tolerance);
    else
        snprintf(why, size, "drop %.4f, tolerance %.4f", drop, c->tolerance);
    return drop <= allowed + 1e-12;
}

rs_status rs_swap_gate_reload(rs_swap_gate *g, const char *name, const char *dir, int force,
                              const rs_gate_train_info *train, rs_gate_event *out_ev,
                              rs_error *out_err)
{
    /* A local error so the event gets its message even when the caller
     * passes NULL. */
    rs_error local = {0}, *err = &local;
    rs_gate_event ev;
    char why[160] = "";
    struct timespec t0, t1;
    memset(&ev, 0, sizeof ev);
    if (!rs_engine_instance_entry(g->serving, name))
        return rs_error_set(out_err, RS_ERR_NOT_FOUND, "no instance named '%s'", name);
    if (!dir)
        dir = rs_engine_artifact_dir(g->serving, name);
    snprintf(ev.source, sizeof ev.source, "%s", name);
    snprintf(ev.dir, sizeof ev.dir, "%s", dir);
    ev.forced = force;
    ev.candidate_recall = ev.serving_recall = NAN;
    if (train) {
        ev.has_train = 1;
        ev.train = *train;
    }
    pthread_mutex_lock(&g->reload_mu);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ev.serving_version = ev.version = rs_engine_instance_version(g->serving, name);
    /* The one load: the artifact is checked and loaded exactly as it will
     * serve, then judged in memory and published without a second load. */
    rs_candidate *cand = NULL;
    rs_status st = rs_engine_load_candidate(g->serving, name, dir, &cand, err);
    if (st == RS_OK && !force)
        st = evaluate(g, cand, &ev, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ev.eval_seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    long long k = (long long)g->c.k;
    if (st != RS_OK) {
        snprintf(ev.message, sizeof ev.message, "instance '%s': candidate from %s rejected: %.400s",
                 name, dir, err->message);
        st = rs_error_set(err, st, "%s", ev.message);
    } else if (!force && !decide(&g->c, &ev, why, sizeof why)) {
        st = rs_error_set(err, RS_ERR_STATE,
                          "instance '%s': swap refused: candidate Recall@%lld %.4f vs serving "
                          "%.4f (%s)",
                          name, k, ev.candidate_recall, ev.serving_recall, why);
        snprintf(ev.message, sizeof ev.message, "%s", err->message);
    } else if ((st = rs_engine_publish(g->serving, cand, &ev.version, err)) != RS_OK) {
        cand = NULL; /* publish took it */
        snprintf(ev.message, sizeof ev.message, "instance '%s': publish failed: %.400s", name,
                 err->message);
    } else {
        cand = NULL;
        ev.accepted = 1;
        if (!force) /* the same artifacts now serve: no need to score them again */
            remember_recall(g, name, ev.version, ev.candidate_recall);
        if (force)
            snprintf(ev.message, sizeof ev.message,
                     "instance '%s': version %lld forced live from %s (gate skipped)", name,
                     (long long)ev.version, dir);
        else
            snprintf(ev.message, sizeof ev.message,
                     "instance '%s': version %lld live: candidate Recall@%lld %.4f vs serving "
                     "%.4f (%s)",
                     name, (long long)ev.version, k, ev.candidate_recall, ev.serving_recall, why);
    }
    rs_candidate_free(cand); /* refused or not loadable: it never served */
    ev.time = (int64_t)time(NULL);
    log_event(g, &ev);
    pthread_mutex_unlock(&g->reload_mu);
    if (out_ev)
        *out_ev = ev;
    if (out_err && st != RS_OK)
        *out_err = local;
    return st;
}
