/*
 * Header-only host side of the plugin contract (part of the SDK): the
 * query a plugin is handed and the checks on what it returns (plugin.h,
 * "Output"), written once so the engine, the SDK test host and a plugin's
 * own tests apply the same rules.
 *
 * The checks return 1 when the output keeps the contract, else 0 with the
 * violated field and values written into why[cap].
 */
#ifndef RECSYS_CONTRACT_H
#define RECSYS_CONTRACT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/plugin.h"

static inline int rs_contract__cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* A ranked list (recommend, similar): n_out <= k, every item in
 * [0, n_items), each item once, every score finite. Returns -1 (and says
 * so in why) when it cannot allocate the duplicate check's buffer. */
static inline int rs_contract_check_list(const rs_scored *out, size_t n_out, size_t k,
                                         int32_t n_items, char *why, size_t cap)
{
    if (n_out > k) {
        snprintf(why, cap, "n_out = %zu exceeds k = %zu", n_out, k);
        return 0;
    }
    for (size_t i = 0; i < n_out; i++) {
        if (out[i].item < 0 || out[i].item >= n_items) {
            snprintf(why, cap, "rank %zu: item %d is not in the catalogue [0, %d)", i,
                     (int)out[i].item, (int)n_items);
            return 0;
        }
        if (!isfinite(out[i].score)) {
            snprintf(why, cap, "rank %zu: score of item %d is not finite (%g)", i, (int)out[i].item,
                     (double)out[i].score);
            return 0;
        }
    }
    int32_t small[256];
    int32_t *items = n_out <= 256 ? small : (int32_t *)malloc(n_out * sizeof *items);
    if (!items) {
        snprintf(why, cap, "out of memory checking %zu items", n_out);
        return -1;
    }
    for (size_t i = 0; i < n_out; i++)
        items[i] = out[i].item;
    qsort(items, n_out, sizeof *items, rs_contract__cmp_i32);
    int32_t dup = -1;
    for (size_t i = 1; i < n_out && dup < 0; i++)
        if (items[i] == items[i - 1])
            dup = items[i];
    if (items != small)
        free(items);
    if (dup < 0)
        return 1;
    size_t second = 0, seen = 0; /* name the rank where it comes again */
    for (size_t i = 0; i < n_out && seen < 2; i++)
        if (out[i].item == dup && ++seen == 2)
            second = i;
    snprintf(why, cap, "rank %zu: item %d returned twice", second, (int)dup);
    return 0;
}

/* Scores: finite, or RS_SCORE_MISSING (a NaN); never infinite. */
static inline int rs_contract_check_scores(const float *scores, size_t n, char *why, size_t cap)
{
    for (size_t i = 0; i < n; i++)
        if (isinf(scores[i])) {
            snprintf(why, cap,
                     "scores[%zu] = %g is infinite (write RS_SCORE_MISSING, a NaN, "
                     "for an item it cannot score)",
                     i, (double)scores[i]);
            return 0;
        }
    return 1;
}

/*
 * The query a host hands a plugin (ABI 1.1): the caller's query `in` copied
 * into *q at this header's size, with user_index set (the caller's lookup
 * of in->user_id in `d`, the dataset of the instance's last fit/load, or
 * -1), explanation_size set, and, for a user of `d` the caller gave no
 * ratings for, their ratings from d filled in (*owned, which the host frees
 * after the call). Returns 0, or -1 when it cannot allocate them.
 */
static inline int rs_contract_fill_query(const rs_query *in, int32_t user_index,
                                         const rs_dataset *d, rs_query *q, rs_rating **owned)
{
    *owned = NULL;
    memset(q, 0, sizeof *q);
    /* A caller built against an older header passes a shorter query; host
     * code that left struct_size 0 gets its 1.0 fields read. */
    size_t n = in->struct_size < RS_QUERY_V1_0_SIZE ? RS_QUERY_V1_0_SIZE : in->struct_size;
    memcpy(q, in, n < sizeof *q ? n : sizeof *q);
    q->struct_size = (uint32_t)sizeof *q;
    if (!q->explanation_size || n < RS_QUERY_V1_1_SIZE)
        q->explanation_size = (uint32_t)sizeof(rs_explanation);
    q->user_index = in->user_id == RS_USER_NONE ? -1 : user_index;
    if (q->user_index < 0 || q->ratings || q->n_ratings)
        return 0;
    size_t lo = d->user_ptr[q->user_index], hi = d->user_ptr[q->user_index + 1];
    if (hi == lo)
        return 0;
    rs_rating *r = (rs_rating *)malloc((hi - lo) * sizeof *r);
    if (!r)
        return -1;
    for (size_t j = lo; j < hi; j++) {
        r[j - lo].item = d->user_item[j];
        r[j - lo].rating = d->user_rating[j];
        r[j - lo].timestamp = d->user_time ? d->user_time[j] : 0;
    }
    q->ratings = r;
    q->n_ratings = hi - lo;
    *owned = r;
    return 0;
}

#endif /* RECSYS_CONTRACT_H */
