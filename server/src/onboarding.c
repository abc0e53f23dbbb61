/* Onboarding picks (see onboarding.h). */
#include "onboarding.h"

#include <math.h>
#include <stdlib.h>

/* Items rated fewer times say little about a newcomer's taste. */
#define MIN_RATINGS 10
/* The pool the greedy pass chooses from; far more than a page needs. */
#define POOL 500
/* Each earlier pick sharing a genre divides an item's score by this much
 * more (1 + PENALTY * overlap): strong enough to mix genres, weak enough
 * that a great Drama still beats a weak Western. */
#define PENALTY 0.6

struct rs_onboarding {
    const rs_dataset *d;
    double *score; /* [n_items] */
    int32_t *pool; /* best first */
    size_t n_pool;
};

typedef struct ranked {
    double score;
    int32_t item;
} ranked;

/* Best first; equal scores by item index, so picks never depend on qsort. */
static int by_score_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->item > y->item) - (x->item < y->item);
}

rs_onboarding *rs_onboarding_new(const rs_dataset *d)
{
    rs_onboarding *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->d = d;
    size_t n = (size_t)d->n_items;
    o->score = calloc(n ? n : 1, sizeof *o->score);
    ranked *all = malloc((n ? n : 1) * sizeof *all);
    if (!o->score || !all) {
        free(all);
        rs_onboarding_free(o);
        return NULL;
    }
    size_t m = 0;
    for (int32_t i = 0; i < d->n_items; i++) {
        size_t lo = d->item_ptr[i], hi = d->item_ptr[i + 1], c = hi - lo;
        if (c < MIN_RATINGS)
            continue;
        double sum = 0, sq = 0;
        for (size_t k = lo; k < hi; k++) {
            sum += d->item_rating[k];
            sq += (double)d->item_rating[k] * d->item_rating[k];
        }
        double mean = sum / (double)c;
        double var = sq / (double)c - mean * mean;
        o->score[i] = log((double)c) * sqrt(var > 0 ? var : 0);
        all[m++] = (ranked){o->score[i], i};
    }
    qsort(all, m, sizeof *all, by_score_desc);
    o->n_pool = m < POOL ? m : POOL;
    o->pool = malloc((o->n_pool ? o->n_pool : 1) * sizeof *o->pool);
    if (!o->pool) {
        free(all);
        rs_onboarding_free(o);
        return NULL;
    }
    for (size_t j = 0; j < o->n_pool; j++)
        o->pool[j] = all[j].item;
    free(all);
    return o;
}

void rs_onboarding_free(rs_onboarding *o)
{
    if (!o)
        return;
    free(o->score);
    free(o->pool);
    free(o);
}

double rs_onboarding_score(const rs_onboarding *o, int32_t i)
{
    return (i >= 0 && i < o->d->n_items) ? o->score[i] : 0;
}

size_t rs_onboarding_pick(const rs_onboarding *o, const uint8_t *skip, size_t n, int32_t *out)
{
    int genre_count[32] = {0};
    uint8_t taken[POOL] = {0};
    size_t k = 0;
    while (k < n) {
        double best = -1;
        size_t best_j = 0;
        for (size_t j = 0; j < o->n_pool; j++) {
            int32_t it = o->pool[j];
            if (taken[j] || (skip && skip[it]))
                continue;
            uint32_t mask = o->d->items[it].genre_mask;
            int overlap = 0;
            for (int g = 0; g < 32; g++)
                if (mask & (1u << g))
                    overlap += genre_count[g];
            double s = o->score[it] / (1.0 + PENALTY * overlap);
            if (s > best) {
                best = s;
                best_j = j;
            }
        }
        if (best < 0)
            break;
        taken[best_j] = 1;
        int32_t it = o->pool[best_j];
        for (int g = 0; g < 32; g++)
            if (o->d->items[it].genre_mask & (1u << g))
                genre_count[g]++;
        out[k++] = it;
    }
    return k;
}

size_t rs_onboarding_mix(const rs_onboarding *o, uint8_t *skip, const int32_t *near,
                         const int32_t *near_because, size_t n_near, size_t n, int32_t *out,
                         int32_t *out_because)
{
    /* The spread picks are chosen in one greedy pass, so they keep their
     * genre mix; n of them cover the page whatever the neighbours give. */
    int32_t spread[ONBOARDING_MAX];
    if (n > ONBOARDING_MAX)
        n = ONBOARDING_MAX;
    size_t n_spread = rs_onboarding_pick(o, skip, n, spread);
    size_t k = 0, j = 0, s = 0;
    /* Alternate, neighbours first: they follow the user's taste, the
     * spread picks keep probing tastes not shown yet. */
    while (k < n && (j < n_near || s < n_spread)) {
        int from_near = (k % 2 == 0 && j < n_near) || s >= n_spread;
        int32_t it = from_near ? near[j] : spread[s];
        int32_t because = from_near ? near_because[j] : -1;
        if (from_near)
            j++;
        else
            s++;
        if (it < 0 || it >= o->d->n_items || skip[it] || o->score[it] <= 0) {
            /* spread picks were unskipped when chosen: only a neighbour
             * placed since can have taken one */
            continue;
        }
        skip[it] = 1;
        out[k] = it;
        out_because[k++] = because;
    }
    return k;
}
