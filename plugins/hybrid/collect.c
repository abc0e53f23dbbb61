/*
 * Fit-time learning data for the hybrid's weights (docs/hybrid.md,
 * "Learned weights").
 *
 * A seeded sample of training users plays new users: for each activity
 * bucket b, n = bucket_n[b] of a user's ratings (chosen at random) form an
 * RS_USER_NONE query, folded in through every child's score() over the
 * whole catalogue exactly as a request is; the user's other ratings >=
 * positive_threshold are the relevant items. Per query we keep only a
 * candidate list: each child's learn_top best items by z-score plus the
 * relevant ones, with every child's z-score of each.
 *
 * Leakage: the children were fitted on data that holds these users' full
 * ratings (the host API offers no dataset view without them), so the CF
 * children see the held-out positives in their item-item statistics and
 * look better than they will for a truly new user. docs/hybrid.md says
 * what this costs; the sample is kept small relative to the training set
 * so its pull on the children's fit stays small.
 *
 * Thread contract: runs inside fit (the instance is not serving). Workers
 * call the children's score() concurrently, which the ABI allows, and
 * write only their own slots.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "blend.h"
#include "holdout.h"
#include "hybrid_internal.h"
#include "recsys/splitmix64.h"
#include "recsys/topk.h"

/* One (user, bucket) query's record, owned by the worker that made it. */
typedef struct slot {
    uint32_t n_cand, n_rel;
    float boost; /* the focus rule's content weight for the query */
    float *feat;
    uint8_t *rel;
} slot;

typedef struct shared {
    hybrid *h;
    const rs_dataset *data;
    rs_instance_ref ref[N_ROLES];
    uint8_t live[N_ROLES];
    const rs_dataset *own; /* the sampled users' own ratings: data, or the
                              full training data when data is a copy
                              without them (private fold-in learning) */
    const int32_t *users;  /* the sampled users' dense indices in own */
    size_t n_users;
    size_t n_buckets;               /* slots per user */
    const rs_hybrid_holdout *known; /* known-user mode: data is known->data */
    slot *slots;                    /* [n_users * n_buckets] */
    atomic_size_t next;             /* next user to take */
    atomic_int failed;              /* an allocation failed */
} shared;

/* splitmix64, seeded per user so the sample and every query are the same
 * whatever the thread count. */
static size_t below(uint64_t *s, size_t n) { return (size_t)(rs_splitmix64_next(s) % n); }

typedef struct worker_buf {
    float *raw, *z;       /* [n_items], [N_ROLES * n_items] */
    uint8_t *skip, *mark; /* [n_items] */
    rs_scored *top;       /* [learn_top] */
    size_t *perm;         /* [max user ratings] */
    rs_rating *query;     /* [max user ratings] */
    double gate_strength; /* the evidence gate's, for this query */
    int32_t *q_items;     /* [max user ratings] the query's items ... */
    float *q_ratings;     /* ... and ratings, for the focus rule */
} worker_buf;

static void buf_free(worker_buf *b)
{
    free(b->raw);
    free(b->z);
    free(b->skip);
    free(b->mark);
    free(b->top);
    free(b->perm);
    free(b->query);
    free(b->q_items);
    free(b->q_ratings);
}

static int buf_init(worker_buf *b, size_t n_items, size_t top, size_t max_r)
{
    memset(b, 0, sizeof *b);
    b->raw = malloc(n_items * sizeof *b->raw);
    b->z = malloc(N_ROLES * n_items * sizeof *b->z);
    b->skip = calloc(n_items, 1);
    b->mark = calloc(n_items, 1);
    b->top = malloc((top ? top : 1) * sizeof *b->top);
    b->perm = malloc((max_r ? max_r : 1) * sizeof *b->perm);
    b->query = malloc((max_r ? max_r : 1) * sizeof *b->query);
    b->q_items = malloc((max_r ? max_r : 1) * sizeof *b->q_items);
    b->q_ratings = malloc((max_r ? max_r : 1) * sizeof *b->q_ratings);
    return b->raw && b->z && b->skip && b->mark && b->top && b->perm && b->query && b->q_items &&
           b->q_ratings;
}

/* Score one query through every live child into b->z; 0 when no child
 * could score it (then the query is dropped). */
static int score_children(shared *sh, worker_buf *b, const rs_query *q, const int32_t *all,
                          size_t n_items)
{
    int any = 0;
    for (int r = 0; r < N_ROLES; r++) {
        float *z = b->z + (size_t)r * n_items;
        if (!sh->live[r]) {
            for (size_t i = 0; i < n_items; i++)
                z[i] = NAN;
            continue;
        }
        rs_error ce = {0};
        const rs_instance_ref *ref = &sh->ref[r];
        if (sh->h->host->child_score(sh->h->host, ref, q, all, n_items, b->raw, &ce) != RS_OK) {
            rs_hybrid_child_failed(sh->h, r, "failed to score", ce.message);
            for (size_t i = 0; i < n_items; i++)
                z[i] = NAN;
            continue;
        }
        if (rs_hybrid_zscore(b->raw, b->skip, n_items, r == ROLE_POP, z))
            any = 1;
        if (r == ROLE_CONTENT) { /* as at request time */
            rs_hybrid_cap(z, n_items, sh->h->content_cap);
            rs_hybrid_evidence_gate(z, n_items, sh->data->item_ptr, sh->h->content_evidence,
                                    b->gate_strength);
        }
    }
    return any;
}

/* Record the candidates of one scored query into *s. */
static int record(shared *sh, worker_buf *b, size_t n_items, slot *s)
{
    size_t top = sh->h->learn_top, n_cand = 0;
    for (int r = 0; r < N_ROLES; r++) {
        if (!sh->live[r])
            continue;
        const float *z = b->z + (size_t)r * n_items;
        rs_topk t;
        rs_topk_init(&t, b->top, top);
        for (size_t i = 0; i < n_items; i++)
            if (!b->skip[i] && !isnan(z[i]))
                rs_topk_push(&t, (int32_t)i, z[i]);
        size_t n = rs_topk_finish(&t);
        for (size_t j = 0; j < n; j++)
            b->mark[b->top[j].item] |= 1;
    }
    for (size_t i = 0; i < n_items; i++)
        n_cand += b->mark[i] != 0;
    s->feat = malloc((n_cand ? n_cand : 1) * N_ROLES * sizeof *s->feat);
    s->rel = malloc(n_cand ? n_cand : 1);
    if (!s->feat || !s->rel)
        return 0;
    size_t j = 0;
    for (size_t i = 0; i < n_items; i++) {
        if (!b->mark[i])
            continue;
        for (int r = 0; r < N_ROLES; r++)
            s->feat[j * N_ROLES + r] = b->z[(size_t)r * n_items + i];
        s->rel[j++] = (b->mark[i] & 2) != 0;
        b->mark[i] = 0;
    }
    s->n_cand = (uint32_t)n_cand;
    return 1;
}

/* Order perm[n] (offsets from beg) by rating time, ties by item (the CSR
 * order): insertion sort, users have at most a few thousand ratings and
 * this runs once per (user, bucket). */
static void earliest_first(const rs_dataset *d, size_t beg, size_t *perm, size_t n)
{
    if (!d->user_time)
        return;
    for (size_t i = 1; i < n; i++) {
        size_t v = perm[i], j = i;
        while (j > 0 && d->user_time[beg + perm[j - 1]] > d->user_time[beg + v]) {
            perm[j] = perm[j - 1];
            j--;
        }
        perm[j] = v;
    }
}

/* Every bucket's query for one user. */
static int one_user(shared *sh, worker_buf *b, size_t k, const int32_t *all)
{
    int32_t u = sh->users[k];
    const hybrid *h = sh->h;
    const rs_dataset *d = sh->data, *o = sh->own;
    size_t n_items = (size_t)d->n_items;
    size_t beg = o->user_ptr[u], n_r = o->user_ptr[u + 1] - beg;
    for (size_t bk = 0; bk < h->n_buckets; bk++) {
        size_t n = (size_t)h->bucket_n[bk];
        slot *out = &sh->slots[k * h->n_buckets + bk];
        if (n >= n_r)
            continue; /* nothing would be left to predict */
        uint64_t rng = h->seed ^ ((uint64_t)o->user_ids[u] * 0x9E3779B97F4A7C15ull) ^ (uint64_t)n;
        for (size_t i = 0; i < n_r; i++)
            b->perm[i] = i;
        if (h->learn_earliest)
            earliest_first(o, beg, b->perm, n_r);
        else
            for (size_t i = 0; i < n; i++) { /* partial Fisher-Yates */
                size_t j = i + below(&rng, n_r - i), t = b->perm[i];
                b->perm[i] = b->perm[j];
                b->perm[j] = t;
            }
        size_t n_rel = 0;
        for (size_t i = 0; i < n_r; i++) {
            size_t p = beg + b->perm[i];
            int32_t it = o->user_item[p];
            if (i < n) {
                b->query[i] = (rs_rating){it, o->user_rating[p],
                                          o->user_time ? o->user_time[p] : 0};
                b->skip[it] = 1;
            } else if (o->user_rating[p] >= h->positive_threshold &&
                       d->item_ptr[it + 1] - d->item_ptr[it] >= h->learn_min_item_ratings) {
                b->mark[it] |= 2;
                n_rel++;
            }
        }
        int ok = 1;
        if (n_rel) {
            rs_query q = RS_QUERY(RS_USER_NONE, b->query, n, NULL, 0);
            for (size_t i = 0; i < n; i++) {
                b->q_items[i] = b->query[i].item;
                b->q_ratings[i] = b->query[i].rating;
            }
            b->gate_strength = 1.0 - rs_hybrid_cold_raise(d, b->q_items, n);
            if (score_children(sh, b, &q, all, n_items)) {
                ok = record(sh, b, n_items, out);
                out->n_rel = (uint32_t)n_rel;
                out->boost = (float)rs_hybrid_query_boost(h, d, b->q_items, b->q_ratings, n);
            }
        }
        for (size_t i = 0; i < n_r; i++) { /* reset the shared marks */
            int32_t it = o->user_item[beg + i];
            b->skip[it] = 0;
            b->mark[it] = 0;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* Known-user mode: the sampled user k as a user of the private children
 * (their fit data lacks k's held-out ratings), scored on those ratings. */
static int known_user(shared *sh, worker_buf *b, size_t k, const int32_t *all)
{
    int32_t u = sh->users[k];
    const hybrid *h = sh->h;
    const rs_dataset *d = sh->data;
    const rs_hybrid_holdout *ho = sh->known;
    size_t n_items = (size_t)d->n_items;
    size_t beg = d->user_ptr[u], n = d->user_ptr[u + 1] - beg, n_rel = 0;
    slot *out = &sh->slots[k];
    for (size_t i = 0; i < n; i++) {
        int32_t it = d->user_item[beg + i];
        b->skip[it] = 1;
        b->q_items[i] = it;
        b->q_ratings[i] = d->user_rating[beg + i];
    }
    for (size_t i = ho->held_ptr[k]; i < ho->held_ptr[k + 1]; i++)
        if (ho->held_rating[i] >= h->positive_threshold && !(b->mark[ho->held_item[i]] & 2)) {
            b->mark[ho->held_item[i]] |= 2;
            n_rel++;
        }
    int ok = 1;
    if (n_rel) {
        /* No ratings given: the host fills the user's, from the copy. */
        rs_query q = RS_QUERY(d->user_ids[u], NULL, 0, NULL, 0);
        b->gate_strength = 1.0 - rs_hybrid_cold_raise(d, b->q_items, n);
        if (score_children(sh, b, &q, all, n_items)) {
            ok = record(sh, b, n_items, out);
            out->n_rel = (uint32_t)n_rel;
            out->boost = (float)rs_hybrid_query_boost(h, d, b->q_items, b->q_ratings, n);
        }
    }
    for (size_t i = 0; i < n; i++)
        b->skip[d->user_item[beg + i]] = 0;
    for (size_t i = ho->held_ptr[k]; i < ho->held_ptr[k + 1]; i++)
        b->mark[ho->held_item[i]] = 0;
    return ok;
}

static void *worker(void *arg)
{
    shared *sh = arg;
    const rs_dataset *d = sh->own;
    size_t n_items = (size_t)d->n_items, max_r = 0;
    for (size_t k = 0; k < sh->n_users; k++) {
        int32_t u = sh->users[k];
        size_t n = d->user_ptr[u + 1] - d->user_ptr[u];
        if (n > max_r)
            max_r = n;
    }
    worker_buf b;
    memset(&b, 0, sizeof b);
    int32_t *all = malloc(n_items * sizeof *all);
    if (!all || !buf_init(&b, n_items, sh->h->learn_top, max_r)) {
        free(all);
        buf_free(&b);
        atomic_store(&sh->failed, 1);
        return NULL;
    }
    for (size_t i = 0; i < n_items; i++)
        all[i] = (int32_t)i;
    for (;;) {
        size_t k = atomic_fetch_add(&sh->next, 1);
        if (k >= sh->n_users || atomic_load(&sh->failed))
            break;
        if (!(sh->known ? known_user(sh, &b, k, all) : one_user(sh, &b, k, all)))
            atomic_store(&sh->failed, 1);
    }
    free(all);
    buf_free(&b);
    return NULL;
}

/* The seeded sample: users with a positive rating, shuffled, the first
 * learn_users of them. */
static size_t sample_users(const hybrid *h, const rs_dataset *d, int32_t *out)
{
    size_t n = 0;
    for (int32_t u = 0; u < d->n_users; u++) {
        size_t beg = d->user_ptr[u], end = d->user_ptr[u + 1];
        int pos = 0;
        for (size_t p = beg; p < end && !pos; p++)
            pos = d->user_rating[p] >= h->positive_threshold;
        if (end - beg >= 2 && pos)
            out[n++] = u;
    }
    uint64_t rng = h->seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = below(&rng, i);
        int32_t t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n < h->learn_users ? n : h->learn_users;
}

static rs_status gather(shared *sh, rs_hybrid_collected *c, rs_error *err)
{
    size_t B = sh->n_buckets, n_q = 0, n_c = 0;
    for (size_t s = 0; s < sh->n_users * B; s++)
        if (sh->slots[s].feat) {
            n_q++;
            n_c += sh->slots[s].n_cand;
        }
    c->q = malloc((n_q ? n_q : 1) * sizeof *c->q);
    c->feat = malloc((n_c ? n_c : 1) * N_ROLES * sizeof *c->feat);
    c->rel = malloc(n_c ? n_c : 1);
    if (!c->q || !c->feat || !c->rel)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    size_t qi = 0, off = 0;
    for (size_t s = 0; s < sh->n_users * B; s++) {
        const slot *sl = &sh->slots[s];
        if (!sl->feat)
            continue;
        c->q[qi++] = (rs_hybrid_lquery){(uint32_t)(s % B), sl->n_cand, sl->n_rel, off, sl->boost};
        memcpy(c->feat + off * N_ROLES, sl->feat, sl->n_cand * N_ROLES * sizeof *sl->feat);
        memcpy(c->rel + off, sl->rel, sl->n_cand);
        off += sl->n_cand;
    }
    c->d = (rs_hybrid_ldata){
        N_ROLES, B, n_q, c->q, c->feat, c->rel, sh->h->stand_in, ROLE_CONTENT, sh->h->metric};
    c->users = sh->n_users;
    return RS_OK;
}

/* The public children of every blend role that can score, into
 * sh->ref/live; how many. */
static int acquire_children(shared *sh)
{
    hybrid *h = sh->h;
    int n_live = 0;
    for (int r = 0; r < N_ROLES; r++) {
        if (!h->child[r][0] || !rs_hybrid_child_acquire(h, r, &sh->ref[r]))
            continue;
        if (!(sh->ref[r].entry->capabilities & RS_CAP_SCORE) || !sh->ref[r].entry->score) {
            rs_hybrid_child_failed(h, r, "cannot score", "no SCORE capability");
            continue;
        }
        sh->live[r] = 1;
        n_live++;
    }
    return n_live;
}

static void release_children(shared *sh)
{
    for (int r = 0; r < N_ROLES; r++)
        if (sh->ref[r].entry)
            sh->h->host->release_instance(sh->h->host, &sh->ref[r]);
}

/* Every sampled user's queries on host->threads() workers, gathered. */
static rs_status run_workers(shared *sh, rs_hybrid_collected *out, rs_error *err)
{
    hybrid *h = sh->h;
    rs_status st;
    out->users = sh->n_users;
    sh->slots = calloc((sh->n_users ? sh->n_users : 1) * sh->n_buckets, sizeof *sh->slots);
    if (!sh->slots)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    int nt = h->host->threads ? h->host->threads(h->host) : 1;
    if (nt < 1)
        nt = 1;
    if (nt > 64)
        nt = 64;
    pthread_t tid[64];
    int started = 0;
    for (int t = 1; t < nt; t++)
        if (pthread_create(&tid[started], NULL, worker, sh) == 0)
            started++;
    worker(sh); /* this thread works too */
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    if (atomic_load(&sh->failed))
        st = rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory collecting learning queries");
    else
        st = gather(sh, out, err);
    for (size_t s = 0; s < sh->n_users * sh->n_buckets; s++) {
        free(sh->slots[s].feat);
        free(sh->slots[s].rel);
    }
    free(sh->slots);
    sh->slots = NULL;
    return st;
}

static void collected_init(const hybrid *h, size_t n_buckets, rs_hybrid_collected *out)
{
    memset(out, 0, sizeof *out);
    out->d = (rs_hybrid_ldata){N_ROLES,     n_buckets,    0,        NULL, NULL, NULL,
                               h->stand_in, ROLE_CONTENT, h->metric};
}

rs_status rs_hybrid_collect(hybrid *h, const rs_dataset *data, rs_hybrid_collected *out,
                            rs_error *err)
{
    collected_init(h, h->n_buckets, out);
    shared sh = {.h = h, .data = data, .own = data, .n_buckets = h->n_buckets};
    atomic_init(&sh.next, 0);
    atomic_init(&sh.failed, 0);
    rs_status st = RS_OK;
    int n_live = acquire_children(&sh);
    memcpy(out->live, sh.live, sizeof sh.live);
    int32_t *users = NULL;
    if (!n_live || data->n_users <= 0 || !h->learn_users)
        goto done;
    users = malloc((size_t)data->n_users * sizeof *users);
    if (!users) {
        st = rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
        goto done;
    }
    sh.users = users;
    sh.n_users = sample_users(h, data, users);
    st = run_workers(&sh, out, err);
done:
    free(users);
    release_children(&sh);
    if (st != RS_OK)
        rs_hybrid_collect_free(out);
    return st;
}

/* Append src's queries and candidates to dst (both one bucket). */
static rs_status collected_append(rs_hybrid_collected *dst, const rs_hybrid_collected *src,
                                  rs_error *err)
{
    size_t nq = dst->d.n_queries, sq = src->d.n_queries, nc = 0, sc = 0;
    for (size_t i = 0; i < nq; i++)
        nc += dst->q[i].n_cand;
    for (size_t i = 0; i < sq; i++)
        sc += src->q[i].n_cand;
    rs_hybrid_lquery *q = realloc(dst->q, (nq + sq + 1) * sizeof *q);
    if (q)
        dst->q = q;
    float *feat = realloc(dst->feat, (nc + sc + 1) * N_ROLES * sizeof *feat);
    if (feat)
        dst->feat = feat;
    uint8_t *rel = realloc(dst->rel, nc + sc + 1);
    if (rel)
        dst->rel = rel;
    if (!q || !feat || !rel)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    for (size_t i = 0; i < sq; i++) {
        q[nq + i] = src->q[i];
        q[nq + i].off += nc;
    }
    memcpy(feat + nc * N_ROLES, src->feat, sc * N_ROLES * sizeof *feat);
    memcpy(rel + nc, src->rel, sc);
    dst->d.q = q;
    dst->d.feat = feat;
    dst->d.rel = rel;
    dst->d.n_queries = nq + sq;
    dst->users += src->users;
    for (int r = 0; r < N_ROLES; r++)
        dst->live[r] |= src->live[r];
    return RS_OK;
}

/* One fold: its training copy (the fold's known-user learners lose a
 * share of their ratings; with fold-in learning, the fold's fold-in
 * learners lose all of theirs), a private fit of every public child on
 * it, and both kinds of queries through those fits, appended to known and
 * (when fold_users) buckets. */
static rs_status collect_fold(hybrid *h, const rs_dataset *data, shared *pub, size_t fold,
                              const int32_t *fold_users, size_t n_fold_users, uint8_t *drop,
                              rs_hybrid_collected *buckets, rs_hybrid_collected *known,
                              rs_error *err)
{
    rs_hybrid_holdout ho;
    rs_hybrid_collected one;
    for (size_t i = 0; i < n_fold_users; i++)
        drop[fold_users[i]] = 1;
    int bad = rs_hybrid_holdout_build(data, h->known_users, HYB_KNOWN_MIN_RATINGS,
                                      h->known_fraction, fold, h->known_folds,
                                      (uint64_t)h->seed ^ 0x4b4e4f574eull, drop, &ho);
    for (size_t i = 0; i < n_fold_users; i++)
        drop[fold_users[i]] = 0;
    if (bad)
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory holding out ratings");
    shared sh = {.h = h, .data = &ho.data, .own = &ho.data, .n_buckets = 1, .known = &ho};
    atomic_init(&sh.next, 0);
    atomic_init(&sh.failed, 0);
    sh.users = ho.users;
    sh.n_users = ho.n_users;
    /* No child saw the ratings its fold is scored on: leak-free. */
    for (int r = 0; r < N_ROLES; r++) {
        if (!pub->live[r])
            continue;
        rs_error ce = {0};
        if (h->host->child_fit_private(h->host, &pub->ref[r], &ho.data, &sh.ref[r], &ce) != RS_OK) {
            h->host->log(h->host, RS_LOG_WARN,
                         "hybrid: private fit of %s child '%s' failed (%s); learning "
                         "without it",
                         rs_hybrid_role_names[r], h->child[r], ce.message);
            memset(&sh.ref[r], 0, sizeof sh.ref[r]);
            continue;
        }
        sh.live[r] = 1;
    }
    collected_init(h, 1, &one);
    memcpy(one.live, sh.live, sizeof sh.live);
    rs_status st = run_workers(&sh, &one, err);
    if (st == RS_OK)
        st = collected_append(known, &one, err);
    rs_hybrid_collect_free(&one);
    if (st == RS_OK && n_fold_users) {
        /* The same fits, now for new users: the fold's fold-in learners,
         * whose ratings come from the full data. */
        shared nu = sh;
        nu.own = data;
        nu.known = NULL;
        nu.users = fold_users;
        nu.n_users = n_fold_users;
        nu.n_buckets = h->n_buckets;
        atomic_init(&nu.next, 0);
        atomic_init(&nu.failed, 0);
        collected_init(h, h->n_buckets, &one);
        memcpy(one.live, sh.live, sizeof sh.live);
        st = run_workers(&nu, &one, err);
        if (st == RS_OK)
            st = collected_append(buckets, &one, err);
        rs_hybrid_collect_free(&one);
    }
    release_children(&sh);
    rs_hybrid_holdout_free(&ho);
    return st;
}

int rs_hybrid_can_fit_private(const hybrid *h)
{
    return RS_HAS_FIELD(h->host, rs_host, child_fit_private) && h->host->child_fit_private;
}

rs_status rs_hybrid_collect_private(hybrid *h, const rs_dataset *data, int fold_in,
                                    rs_hybrid_collected *buckets, rs_hybrid_collected *known,
                                    rs_error *err)
{
    collected_init(h, h->n_buckets, buckets);
    collected_init(h, 1, known);
    shared pub = {.h = h};
    rs_status st = RS_OK;
    int32_t *users = NULL, *fold_users = NULL;
    uint8_t *drop = NULL;
    size_t n_users = 0;
    fold_in = fold_in && h->learn_users;
    if (data->n_users <= 0 || (!h->known_users && !fold_in) || !rs_hybrid_can_fit_private(h) ||
        !acquire_children(&pub))
        goto done;
    size_t nu = (size_t)data->n_users;
    users = malloc(nu * sizeof *users);
    fold_users = malloc(nu * sizeof *fold_users);
    drop = calloc(nu, 1);
    if (!users || !fold_users || !drop) {
        st = rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
        goto done;
    }
    if (fold_in)
        n_users = sample_users(h, data, users);
    for (size_t f = 0; f < h->known_folds && st == RS_OK; f++) {
        size_t n_fold = 0;
        for (size_t i = f; i < n_users; i += h->known_folds)
            fold_users[n_fold++] = users[i];
        st = collect_fold(h, data, &pub, f, fold_users, n_fold, drop, buckets, known, err);
    }
    for (int r = 0; r < N_ROLES; r++)
        buckets->live[r] = known->live[r];
done:
    free(users);
    free(fold_users);
    free(drop);
    release_children(&pub);
    if (st != RS_OK) {
        rs_hybrid_collect_free(buckets);
        rs_hybrid_collect_free(known);
    }
    return st;
}

void rs_hybrid_collect_free(rs_hybrid_collected *c)
{
    free(c->q);
    free(c->feat);
    free(c->rel);
    c->q = NULL;
    c->feat = NULL;
    c->rel = NULL;
    c->d.n_queries = 0;
}
