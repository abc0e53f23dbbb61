/* Splits and thinning; see recsys/eval_split.h. */
#include "recsys/eval_split.h"

#include <math.h>
#include <stdlib.h>

#include "rng.h"

/* Stream ids, so splitting and thinning never share random numbers. */
enum { STREAM_SPLIT = 1, STREAM_VALID = 2, STREAM_THIN = 3, STREAM_HOLDOUT = 4, STREAM_QUERY = 5 };

const char *rs_split_kind_str(rs_split_kind k)
{
    switch (k) {
    case RS_SPLIT_RANDOM: return "random";
    case RS_SPLIT_LOO: return "loo";
    case RS_SPLIT_TEMPORAL: return "temporal";
    case RS_SPLIT_FILES: return "files";
    }
    return "unknown";
}

/* A triple's sort key carried with its position, so per-user groups sort
 * with a plain qsort comparator. */
typedef struct keyed {
    int64_t ts;
    int32_t item;
    uint32_t idx;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/* Per-user groups in (timestamp, item) order: group u is
 * g->k[g->ptr[u] .. g->ptr[u+1]). Only triples with select[i] set. */
typedef struct groups {
    size_t *ptr;
    keyed *k;
} groups;

static void groups_free(groups *g)
{
    free(g->ptr);
    free(g->k);
}

static rs_status groups_build(const rs_triple *t, size_t n, int32_t n_users, const uint8_t *select,
                              uint8_t want, groups *g, rs_error *err)
{
    g->ptr = calloc((size_t)n_users + 1, sizeof *g->ptr);
    g->k = malloc((n ? n : 1) * sizeof *g->k);
    if (!g->ptr || !g->k) {
        groups_free(g);
        return rs_error_set(err, RS_ERR_NOMEM, "split: out of memory for %zu ratings", n);
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i].user < 0 || t[i].user >= n_users) {
            groups_free(g);
            return rs_error_set(err, RS_ERR_INVALID,
                                "split: rating %zu has user index %d outside [0, %d)", i,
                                (int)t[i].user, (int)n_users);
        }
        if (!select || select[i] == want)
            g->ptr[t[i].user + 1]++;
    }
    for (int32_t u = 0; u < n_users; u++)
        g->ptr[u + 1] += g->ptr[u];
    size_t *fill = malloc(((size_t)n_users + 1) * sizeof *fill);
    if (!fill) {
        groups_free(g);
        return rs_error_set(err, RS_ERR_NOMEM, "split: out of memory");
    }
    for (int32_t u = 0; u <= n_users; u++)
        fill[u] = g->ptr[u];
    for (size_t i = 0; i < n; i++) {
        if (select && select[i] != want)
            continue;
        keyed *k = &g->k[fill[t[i].user]++];
        k->ts = t[i].timestamp;
        k->item = t[i].item;
        k->idx = (uint32_t)i;
    }
    free(fill);
    for (int32_t u = 0; u < n_users; u++)
        qsort(g->k + g->ptr[u], g->ptr[u + 1] - g->ptr[u], sizeof *g->k, keyed_cmp);
    return RS_OK;
}

static void shuffle(keyed *a, size_t n, rs_rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = rs_rng_below(r, (uint32_t)i);
        keyed tmp = a[i - 1];
        a[i - 1] = a[j];
        a[j] = tmp;
    }
}

/* round(fraction * n), but never all of a user's ratings. */
static size_t holdout_count(double fraction, size_t n)
{
    if (n < 2)
        return 0;
    size_t c = (size_t)llround(fraction * (double)n);
    return c > n - 1 ? n - 1 : c;
}

/* Random holdout of `fraction` of each user's `from` ratings into `to`. */
static rs_status split_random(const rs_triple *t, size_t n, int32_t n_users, uint8_t *role,
                              uint8_t from, uint8_t to, double fraction, uint64_t seed, int stream,
                              rs_error *err)
{
    groups g;
    rs_status st = groups_build(t, n, n_users, role, from, &g, err);
    if (st != RS_OK)
        return st;
    for (int32_t u = 0; u < n_users; u++) {
        size_t nu = g.ptr[u + 1] - g.ptr[u];
        rs_rng r = rs_rng_stream(seed, (uint64_t)stream, (uint64_t)u);
        shuffle(g.k + g.ptr[u], nu, &r);
        size_t c = holdout_count(fraction, nu);
        for (size_t j = 0; j < c; j++)
            role[g.k[g.ptr[u] + j].idx] = to;
    }
    groups_free(&g);
    return RS_OK;
}

/* Each user's latest `from` rating (ties: the larger item) into `to`. */
static rs_status split_loo(const rs_triple *t, size_t n, int32_t n_users, uint8_t *role,
                           uint8_t from, uint8_t to, rs_error *err)
{
    groups g;
    rs_status st = groups_build(t, n, n_users, role, from, &g, err);
    if (st != RS_OK)
        return st;
    for (int32_t u = 0; u < n_users; u++)
        if (g.ptr[u + 1] - g.ptr[u] >= 2)
            role[g.k[g.ptr[u + 1] - 1].idx] = to;
    groups_free(&g);
    return RS_OK;
}

static int ts_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Global cut: the `from` ratings after the `quantile` timestamp go to `to`
 * (ratings at the cut stay, so ties never split one second). */
static rs_status split_temporal(const rs_triple *t, size_t n, uint8_t *role, uint8_t from,
                                uint8_t to, double quantile, rs_error *err)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += role[i] == from;
    if (m == 0)
        return RS_OK;
    int64_t *ts = malloc(m * sizeof *ts);
    if (!ts)
        return rs_error_set(err, RS_ERR_NOMEM, "split: out of memory");
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (role[i] == from)
            ts[m++] = t[i].timestamp;
    qsort(ts, m, sizeof *ts, ts_cmp);
    size_t c = (size_t)ceil(quantile * (double)m);
    if (c >= m) {
        free(ts);
        return RS_OK; /* everything before the cut */
    }
    int64_t cut = c == 0 ? INT64_MIN : ts[c - 1];
    free(ts);
    for (size_t i = 0; i < n; i++)
        if (role[i] == from && t[i].timestamp > cut)
            role[i] = to;
    return RS_OK;
}

rs_status rs_eval_split(const rs_triple *t, size_t n, int32_t n_users, const rs_split_options *opt,
                        uint8_t *role, rs_error *err)
{
    if (n > UINT32_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "split: %zu ratings is more than supported", n);
    for (size_t i = 0; i < n; i++)
        role[i] = RS_ROLE_TRAIN;
    if (opt->kind == RS_SPLIT_FILES)
        return rs_error_set(err, RS_ERR_INVALID,
                            "split: kind files takes its roles from the files, not a draw");
    rs_status st = RS_OK;
    switch (opt->kind) {
    case RS_SPLIT_RANDOM:
        st = split_random(t, n, n_users, role, RS_ROLE_TRAIN, RS_ROLE_TEST, opt->test_fraction,
                          opt->seed, STREAM_SPLIT, err);
        if (st == RS_OK && opt->validation_fraction > 0)
            st = split_random(t, n, n_users, role, RS_ROLE_TRAIN, RS_ROLE_VALID,
                              opt->validation_fraction, opt->seed, STREAM_VALID, err);
        break;
    case RS_SPLIT_LOO:
        st = split_loo(t, n, n_users, role, RS_ROLE_TRAIN, RS_ROLE_TEST, err);
        if (st == RS_OK && opt->validation_fraction > 0)
            st = split_loo(t, n, n_users, role, RS_ROLE_TRAIN, RS_ROLE_VALID, err);
        break;
    case RS_SPLIT_TEMPORAL:
        for (size_t i = 0; i < n; i++)
            if (t[i].user < 0 || t[i].user >= n_users)
                return rs_error_set(err, RS_ERR_INVALID,
                                    "split: rating %zu has user index %d outside [0, %d)", i,
                                    (int)t[i].user, (int)n_users);
        st = split_temporal(t, n, role, RS_ROLE_TRAIN, RS_ROLE_TEST, opt->temporal_quantile, err);
        if (st == RS_OK && opt->validation_fraction > 0)
            st = split_temporal(t, n, role, RS_ROLE_TRAIN, RS_ROLE_VALID,
                                1.0 - opt->validation_fraction, err);
        break;
    default: return rs_error_set(err, RS_ERR_INVALID, "split: unknown kind %d", (int)opt->kind);
    }
    return st;
}

rs_status rs_eval_thin(const rs_triple *t, size_t n, int32_t n_users, const uint8_t *select,
                       double fraction, uint64_t seed, uint8_t *keep, size_t *n_kept, rs_error *err)
{
    if (!(fraction > 0.0 && fraction <= 1.0))
        return rs_error_set(err, RS_ERR_INVALID, "thin: fraction %g must be in (0, 1]", fraction);
    if (n > UINT32_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "thin: %zu ratings is more than supported", n);
    /* groups_build selects triples equal to `want`; map select to 0/1. */
    uint8_t *sel = malloc(n ? n : 1);
    if (!sel)
        return rs_error_set(err, RS_ERR_NOMEM, "thin: out of memory");
    for (size_t i = 0; i < n; i++) {
        sel[i] = !select || select[i];
        keep[i] = 0;
    }
    groups g;
    rs_status st = groups_build(t, n, n_users, sel, 1, &g, err);
    free(sel);
    if (st != RS_OK)
        return st;
    size_t kept = 0;
    for (int32_t u = 0; u < n_users; u++) {
        size_t nu = g.ptr[u + 1] - g.ptr[u];
        if (nu == 0)
            continue;
        /* The same permutation for every fraction makes the levels nested. */
        rs_rng r = rs_rng_stream(seed, STREAM_THIN, (uint64_t)u);
        shuffle(g.k + g.ptr[u], nu, &r);
        size_t c = (size_t)llround(fraction * (double)nu);
        if (c < 1)
            c = 1;
        if (c > nu)
            c = nu;
        for (size_t j = 0; j < c; j++)
            keep[g.k[g.ptr[u] + j].idx] = 1;
        kept += c;
    }
    groups_free(&g);
    if (n_kept)
        *n_kept = kept;
    return RS_OK;
}

typedef struct user_key {
    uint64_t key;
    int32_t user;
} user_key;

static int user_key_cmp(const void *a, const void *b)
{
    const user_key *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->user > y->user) - (x->user < y->user);
}

rs_status rs_eval_holdout_users(int32_t n_users, double fraction, uint64_t seed, uint8_t *held,
                                int32_t *n_held, rs_error *err)
{
    if (!(fraction >= 0.0 && fraction <= 1.0))
        return rs_error_set(err, RS_ERR_INVALID, "holdout: fraction %g must be in [0, 1]",
                            fraction);
    size_t nu = n_users > 0 ? (size_t)n_users : 0;
    user_key *k = malloc((nu ? nu : 1) * sizeof *k);
    if (!k)
        return rs_error_set(err, RS_ERR_NOMEM, "holdout: out of memory");
    /* One draw per user from its own stream: sorting by it is a uniform
     * random permutation that a user's index alone decides. */
    for (size_t u = 0; u < nu; u++) {
        rs_rng r = rs_rng_stream(seed, STREAM_HOLDOUT, (uint64_t)u);
        k[u] = (user_key){rs_rng_next(&r), (int32_t)u};
        held[u] = 0;
    }
    qsort(k, nu, sizeof *k, user_key_cmp);
    size_t m = (size_t)llround(fraction * (double)nu);
    if (m > nu)
        m = nu;
    for (size_t i = 0; i < nu && i < 2 * m; i++)
        held[k[i].user] = i < m ? 1 : 2;
    free(k);
    if (n_held)
        *n_held = (int32_t)m;
    return RS_OK;
}

rs_status rs_eval_query_order(const rs_triple *t, size_t n, int32_t n_users, const uint8_t *select,
                              int random, uint64_t seed, uint32_t *rank, rs_error *err)
{
    if (n > UINT32_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "query order: %zu ratings is more than supported",
                            n);
    uint8_t *sel = malloc(n ? n : 1);
    if (!sel)
        return rs_error_set(err, RS_ERR_NOMEM, "query order: out of memory");
    for (size_t i = 0; i < n; i++) {
        sel[i] = !select || select[i];
        rank[i] = UINT32_MAX;
    }
    groups g;
    rs_status st = groups_build(t, n, n_users, sel, 1, &g, err);
    free(sel);
    if (st != RS_OK)
        return st;
    for (int32_t u = 0; u < n_users; u++) {
        keyed *a = g.k + g.ptr[u];
        size_t nu = g.ptr[u + 1] - g.ptr[u];
        rs_rng r = rs_rng_stream(seed, STREAM_QUERY, (uint64_t)u);
        if (random) {
            shuffle(a, nu, &r);
        } else { /* (timestamp, item) order: shuffle each run of equal stamps */
            for (size_t s = 0, e; s < nu; s = e) {
                for (e = s + 1; e < nu && a[e].ts == a[s].ts; e++)
                    ;
                shuffle(a + s, e - s, &r);
            }
        }
        for (size_t j = 0; j < nu; j++)
            rank[a[j].idx] = (uint32_t)j;
    }
    groups_free(&g);
    return RS_OK;
}
