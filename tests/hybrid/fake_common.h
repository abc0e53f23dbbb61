/*
 * Shared body of the hybrid tests' child plugins (fake_cf.c, fake_content.c,
 * fake_pop.c). Each is a real MODULE with the one entry symbol, loaded by
 * the test host with dlopen exactly as the engine loads plugins; only its
 * scoring rule is fake, so the right blend is known in advance.
 */
#ifndef HYB_FAKE_COMMON_H
#define HYB_FAKE_COMMON_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/plugin.h"
#include "recsys/topk.h"

typedef struct fake {
    const rs_host *host;
    const rs_dataset *data;
    int64_t known;       /* items [0, known) can be scored; -1 = all */
    int64_t favourite;   /* content: the item it ranks first */
    int flat;            /* every known item scores the same */
    int fail;            /* recommend/score fail (child error injection) */
    int fail_score;      /* only score fails: recommend still works */
    int because;         /* fill explanations' because_item */
    int cf_subset;       /* only items of the dataset's CF subset (as LightGCN) */
    int because_highest; /* because_item = the user's highest rating */
    int oracle;          /* score = the rating a fitted user gave (see below) */
} fake;

static int64_t fake_int(const rs_host *h, const char *key, int64_t def)
{
    int64_t v;
    return h->param_int(h, key, &v) == RS_OK ? v : def;
}

static int fake_bool(const rs_host *h, const char *key)
{
    int v;
    return h->param_bool(h, key, &v) == RS_OK ? v : 0;
}

static rs_status fake_create(const rs_host *host, void **out, rs_error *err)
{
    fake *f = calloc(1, sizeof *f);
    if (!f)
        return rs_error_set(err, RS_ERR_NOMEM, "fake: out of memory");
    f->host = host;
    f->known = fake_int(host, "known_items", -1);
    f->favourite = fake_int(host, "favourite", 15);
    f->flat = fake_bool(host, "flat");
    f->fail = fake_bool(host, "fail");
    f->fail_score = fake_bool(host, "fail_score");
    f->because = fake_bool(host, "because");
    f->cf_subset = fake_bool(host, "cf_subset");
    f->because_highest = fake_bool(host, "because_highest");
    f->oracle = fake_bool(host, "oracle");
    *out = f;
    return RS_OK;
}

static void fake_destroy(void *inst) { free(inst); }

static rs_status fake_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    (void)err;
    ((fake *)inst)->data = d;
    return RS_OK;
}

static int fake_knows(const fake *f, int32_t item)
{
    return item >= 0 && item < f->data->n_items && (f->known < 0 || item < f->known) &&
           (!f->cf_subset || f->data->cf_item[item]);
}

/* The plugin's scoring rule for a known item. */
static float fake_rule(const fake *f, int32_t item);

/* Oracle: the fitted user who rated every query item (the hybrid's
 * learning users are in the fitted data), or -1. A perfect, leaky model
 * of that user's held-out ratings, so the weight it deserves is known. */
static int32_t fake_oracle_user(const fake *f, const rs_query *q)
{
    const rs_dataset *d = f->data;
    for (int32_t u = 0; q->ratings && u < d->n_users; u++) {
        size_t b = d->user_ptr[u], e = d->user_ptr[u + 1], hit = 0;
        for (size_t i = 0; i < q->n_ratings; i++)
            for (size_t p = b; p < e; p++)
                hit += d->user_item[p] == q->ratings[i].item;
        if (hit == q->n_ratings)
            return u;
    }
    return -1;
}

static float fake_oracle_score(const fake *f, int32_t u, int32_t item)
{
    const rs_dataset *d = f->data;
    for (size_t p = u < 0 ? 0 : d->user_ptr[u]; u >= 0 && p < d->user_ptr[u + 1]; p++)
        if (d->user_item[p] == item)
            return d->user_rating[p];
    return 0.0f;
}

static rs_status fake_score(void *inst, const rs_query *q, const int32_t *items, size_t n,
                            float *scores, rs_error *err)
{
    const fake *f = inst;
    if (f->fail || f->fail_score)
        return rs_error_set(err, RS_ERR_INTERNAL, "fake: injected failure");
    int32_t ou = f->oracle ? fake_oracle_user(f, q) : -1;
    for (size_t i = 0; i < n; i++)
        scores[i] = !fake_knows(f, items[i]) ? RS_SCORE_MISSING
                    : f->oracle              ? fake_oracle_score(f, ou, items[i])
                    : f->flat                ? 1.0f
                                             : fake_rule(f, items[i]);
    return RS_OK;
}

static int fake_rated(const rs_query *q, int32_t item)
{
    for (size_t i = 0; q->ratings && i < q->n_ratings; i++)
        if (q->ratings[i].item == item)
            return 1;
    return q->exclude && rs_sorted_contains(q->exclude, q->n_exclude, item);
}

/* The user's rated item nearest by index: a stand-in "because"; or, with
 * because_highest, the highest-rated one (ties: the first listed). */
static int32_t fake_because(const fake *f, const rs_query *q, int32_t item)
{
    int32_t best = -1;
    if (f->because_highest) {
        float top = -INFINITY;
        for (size_t i = 0; q->ratings && i < q->n_ratings; i++)
            if (q->ratings[i].rating > top) {
                top = q->ratings[i].rating;
                best = q->ratings[i].item;
            }
        return best;
    }
    for (size_t i = 0; q->ratings && i < q->n_ratings; i++) {
        int32_t r = q->ratings[i].item;
        if (best < 0 || abs(r - item) < abs(best - item))
            best = r;
    }
    return best;
}

static rs_status fake_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                                rs_explanation *explain, size_t *n_out, rs_error *err)
{
    const fake *f = inst;
    if (f->fail)
        return rs_error_set(err, RS_ERR_INTERNAL, "fake: injected failure");
    rs_topk t;
    rs_topk_init(&t, out, k);
    for (int32_t i = 0; i < f->data->n_items; i++) {
        if (!fake_knows(f, i) || fake_rated(q, i))
            continue;
        rs_topk_push(&t, i, f->flat ? 1.0f : fake_rule(f, i));
    }
    *n_out = rs_topk_finish(&t);
    for (size_t j = 0; explain && j < *n_out; j++) {
        memset(&explain[j], 0, sizeof explain[j]);
        explain[j].because_item = f->because ? fake_because(f, q, out[j].item) : -1;
    }
    return RS_OK;
}

#endif /* HYB_FAKE_COMMON_H */
