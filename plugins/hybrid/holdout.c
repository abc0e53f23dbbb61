/*
 * The copy's CSR is built here rather than by core/src/ratings_csr.c: a
 * plugin links the SDK only (docs/architecture.md), and this build is a
 * filter of an already sorted CSR, one linear pass each way.
 */
#include "holdout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/splitmix64.h"

void rs_hybrid_holdout_free(rs_hybrid_holdout *h)
{
    free(h->users);
    free(h->held_ptr);
    free(h->held_item);
    free(h->held_rating);
    free(h->user_ptr);
    free(h->item_ptr);
    free(h->user_item);
    free(h->item_user);
    free(h->user_rating);
    free(h->item_rating);
    free(h->user_time);
    memset(h, 0, sizeof *h);
}

static int int32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static size_t below(uint64_t *s, size_t n) { return (size_t)(rs_splitmix64_next(s) % n); }

int rs_hybrid_holdout_build(const rs_dataset *in, size_t max_users, size_t min_ratings,
                            double fraction, size_t fold, size_t folds, uint64_t seed,
                            const uint8_t *drop, rs_hybrid_holdout *out)
{
    memset(out, 0, sizeof *out);
    size_t nu = in->n_users > 0 ? (size_t)in->n_users : 0;
    size_t ni = in->n_items > 0 ? (size_t)in->n_items : 0;
    size_t nr = in->n_ratings;
    uint8_t *held = calloc(nr ? nr : 1, 1); /* by CSR position */
    int32_t *pool = malloc((nu ? nu : 1) * sizeof *pool);
    size_t *perm = NULL;
    if (!held || !pool)
        goto oom;
    /* The sample: eligible users, shuffled, the first max_users. */
    size_t n_pool = 0, max_r = 0;
    for (size_t u = 0; u < nu; u++) {
        size_t n = in->user_ptr[u + 1] - in->user_ptr[u];
        if (n >= min_ratings && n >= 2 && !(drop && drop[u]))
            pool[n_pool++] = (int32_t)u;
        if (n > max_r)
            max_r = n;
    }
    uint64_t rng = seed;
    for (size_t i = n_pool; i > 1; i--) {
        size_t j = below(&rng, i);
        int32_t t = pool[i - 1];
        pool[i - 1] = pool[j];
        pool[j] = t;
    }
    size_t n_sample = n_pool < max_users ? n_pool : max_users, n_fold = 0;
    if (folds < 1)
        folds = 1;
    for (size_t i = fold; i < n_sample; i += folds)
        pool[n_fold++] = pool[i];
    out->n_users = n_fold;
    /* Sorted by index, so the held-out lists come out in user order. */
    qsort(pool, n_fold, sizeof *pool, int32_cmp);
    out->users = pool;
    pool = NULL;
    perm = malloc((max_r ? max_r : 1) * sizeof *perm);
    out->held_ptr = malloc((out->n_users + 1) * sizeof *out->held_ptr);
    if (!perm || !out->held_ptr)
        goto oom;
    size_t n_held = 0;
    for (size_t k = 0; k < out->n_users; k++) {
        int32_t u = out->users[k];
        size_t beg = in->user_ptr[u], n = in->user_ptr[u + 1] - beg;
        size_t h = (size_t)lround(fraction * (double)n);
        if (h < 1)
            h = 1;
        if (h >= n)
            h = n - 1; /* a known user keeps a rating */
        uint64_t r = seed ^ ((uint64_t)in->user_ids[u] * 0x9E3779B97F4A7C15ull);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = 0; i < h; i++) { /* partial Fisher-Yates */
            size_t j = i + below(&r, n - i), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            held[beg + perm[i]] = 1;
        }
        n_held += h;
    }
    size_t n_dropped = 0;
    for (size_t u = 0; drop && u < nu; u++)
        if (drop[u]) {
            for (size_t i = in->user_ptr[u]; i < in->user_ptr[u + 1]; i++)
                held[i] = 2; /* gone, not held out */
            n_dropped += in->user_ptr[u + 1] - in->user_ptr[u];
        }
    size_t kept = nr - n_held - n_dropped;
    out->held_item = malloc((n_held ? n_held : 1) * sizeof *out->held_item);
    out->held_rating = malloc((n_held ? n_held : 1) * sizeof *out->held_rating);
    out->user_ptr = malloc((nu + 1) * sizeof *out->user_ptr);
    out->item_ptr = calloc(ni + 1, sizeof *out->item_ptr);
    out->user_item = malloc((kept ? kept : 1) * sizeof *out->user_item);
    out->user_rating = malloc((kept ? kept : 1) * sizeof *out->user_rating);
    out->item_user = malloc((kept ? kept : 1) * sizeof *out->item_user);
    out->item_rating = malloc((kept ? kept : 1) * sizeof *out->item_rating);
    if (in->user_time)
        out->user_time = malloc((kept ? kept : 1) * sizeof *out->user_time);
    if (!out->held_item || !out->held_rating || !out->user_ptr || !out->item_ptr ||
        !out->user_item || !out->user_rating || !out->item_user || !out->item_rating ||
        (in->user_time && !out->user_time))
        goto oom;
    /* By user (items stay sorted within a user), then by item: walking
     * users in order keeps each item's users sorted. */
    size_t p = 0, q = 0, k = 0;
    out->user_ptr[0] = 0;
    out->held_ptr[0] = 0;
    for (size_t u = 0; u < nu; u++) {
        for (size_t i = in->user_ptr[u]; i < in->user_ptr[u + 1]; i++) {
            if (held[i] == 1) {
                out->held_item[q] = in->user_item[i];
                out->held_rating[q++] = in->user_rating[i];
                continue;
            }
            if (held[i])
                continue;
            out->user_item[p] = in->user_item[i];
            out->user_rating[p] = in->user_rating[i];
            if (out->user_time)
                out->user_time[p] = in->user_time[i];
            out->item_ptr[(size_t)in->user_item[i] + 1]++;
            p++;
        }
        out->user_ptr[u + 1] = p;
        if (k < out->n_users && (size_t)out->users[k] == u)
            out->held_ptr[++k] = q;
    }
    for (size_t i = 0; i < ni; i++)
        out->item_ptr[i + 1] += out->item_ptr[i];
    for (size_t u = 0; u < nu; u++)
        for (size_t i = out->user_ptr[u]; i < out->user_ptr[u + 1]; i++) {
            size_t at = out->item_ptr[out->user_item[i]]++;
            out->item_user[at] = (int32_t)u;
            out->item_rating[at] = out->user_rating[i];
        }
    for (size_t i = ni; i > 0; i--) /* the fill advanced each start */
        out->item_ptr[i] = out->item_ptr[i - 1];
    out->item_ptr[0] = 0;
    /* An older host's dataset may be shorter than ours: copy what it has. */
    memcpy(&out->data, in, in->struct_size < sizeof *in ? in->struct_size : sizeof *in);
    out->data.n_ratings = kept;
    out->data.user_ptr = out->user_ptr;
    out->data.user_item = out->user_item;
    out->data.user_rating = out->user_rating;
    out->data.user_time = out->user_time;
    out->data.item_ptr = out->item_ptr;
    out->data.item_user = out->item_user;
    out->data.item_rating = out->item_rating;
    free(held);
    free(perm);
    return 0;
oom:
    free(held);
    free(pool);
    free(perm);
    rs_hybrid_holdout_free(out);
    return -1;
}
