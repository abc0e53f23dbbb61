/*
 * The evaluation plan: split the full dataset once, then derive who is
 * scored, on which positives, and which items are never to be ranked for
 * them. Fixed for the whole sweep, so every level and every instance is
 * scored on the SAME users and items.
 */
#include <stdlib.h>
#include <string.h>

#include "recsys/eval_split.h"
#include "sweep_internal.h"

void rs_eval_plan_free(rs_eval_plan *p)
{
    free(p->t);
    free(p->role);
    free(p->fit);
    free(p->eval_user);
    free(p->rel_ptr);
    free(p->rel_item);
    free(p->excl_ptr);
    free(p->excl_item);
    memset(p, 0, sizeof *p);
}

static int i32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Per scored user u (position e in eval_user), the items of base's ratings
 * of u with want(i) set, sorted: a CSR over scored users. */
static rs_status user_lists(const rs_eval_plan *p, const uint8_t *flag, size_t **ptr_out,
                            int32_t **item_out, rs_error *err)
{
    const rs_dataset *b = p->base;
    size_t *ptr = calloc((size_t)p->n_eval + 1, sizeof *ptr);
    size_t total = 0;
    if (!ptr)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    for (int32_t e = 0; e < p->n_eval; e++) {
        int32_t u = p->eval_user[e];
        for (size_t j = b->user_ptr[u]; j < b->user_ptr[u + 1]; j++)
            total += flag[j] != 0;
        ptr[e + 1] = total;
    }
    int32_t *item = malloc((total ? total : 1) * sizeof *item);
    if (!item) {
        free(ptr);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    }
    for (int32_t e = 0; e < p->n_eval; e++) {
        int32_t u = p->eval_user[e];
        size_t w = ptr[e];
        for (size_t j = b->user_ptr[u]; j < b->user_ptr[u + 1]; j++)
            if (flag[j])
                item[w++] = b->user_item[j];
        qsort(item + ptr[e], ptr[e + 1] - ptr[e], sizeof *item, i32_cmp);
    }
    *ptr_out = ptr;
    *item_out = item;
    return RS_OK;
}

static int pair_cmp(const void *a, const void *b)
{
    const rs_pair *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

static int has_pair(const rs_pair *p, size_t n, int32_t user, int32_t item)
{
    rs_pair key = {user, item};
    return n && bsearch(&key, p, n, sizeof *p, pair_cmp) != NULL;
}

/* split.kind files: a rating is test or validation when the file says so. */
static void given_roles(const rs_eval_plan *p, const rs_eval_given *g)
{
    for (size_t j = 0; j < p->n; j++) {
        int32_t u = p->t[j].user, i = p->t[j].item;
        p->role[j] = has_pair(g->test, g->n_test, u, i)     ? RS_ROLE_TEST
                     : has_pair(g->valid, g->n_valid, u, i) ? RS_ROLE_VALID
                                                            : RS_ROLE_TRAIN;
    }
}

rs_status rs_eval_plan_build(const rs_dataset *base, const rs_eval_config *cfg, int validate,
                             const rs_eval_given *given, rs_eval_plan *p, rs_error *err)
{
    memset(p, 0, sizeof *p);
    p->base = base;
    p->n = base->n_ratings;
    size_t n = p->n ? p->n : 1;
    p->t = malloc(n * sizeof *p->t);
    p->role = malloc(n);
    p->fit = malloc(n);
    uint8_t *pos = malloc(n);
    p->eval_user = malloc((base->n_users ? (size_t)base->n_users : 1) * sizeof *p->eval_user);
    rs_status st = RS_OK;
    if (!p->t || !p->role || !p->fit || !pos || !p->eval_user) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory for %zu ratings", p->n);
        goto done;
    }
    /* Triples in base's CSR order, so index j is rating j of the CSR. */
    for (int32_t u = 0; u < base->n_users; u++)
        for (size_t j = base->user_ptr[u]; j < base->user_ptr[u + 1]; j++)
            p->t[j] = (rs_triple){u, base->user_item[j], base->user_rating[j], base->user_time[j]};
    if (given)
        given_roles(p, given);
    else if ((st = rs_eval_split(p->t, p->n, base->n_users, &cfg->split, p->role, err)))
        goto done;
    uint8_t target = validate ? RS_ROLE_VALID : RS_ROLE_TEST;
    for (size_t j = 0; j < p->n; j++) {
        uint8_t r = p->role[j];
        p->n_train += r == RS_ROLE_TRAIN;
        p->n_valid += r == RS_ROLE_VALID;
        p->n_test += r == RS_ROLE_TEST;
        /* Scoring on test: fit on train + validation. Scoring on
         * validation: fit on train only, the test split stays unseen. */
        p->fit[j] = validate ? r == RS_ROLE_TRAIN : r != RS_ROLE_TEST;
        pos[j] = r == target && p->t[j].rating >= cfg->positive_threshold;
        p->n_target_positive += pos[j];
    }
    for (int32_t u = 0; u < base->n_users; u++) {
        int any = 0;
        for (size_t j = base->user_ptr[u]; j < base->user_ptr[u + 1] && !any; j++)
            any = pos[j];
        if (any)
            p->eval_user[p->n_eval++] = u;
    }
    if ((st = user_lists(p, pos, &p->rel_ptr, &p->rel_item, err)))
        goto done;
    st = user_lists(p, p->fit, &p->excl_ptr, &p->excl_item, err);
done:
    free(pos);
    if (st != RS_OK)
        rs_eval_plan_free(p);
    return st;
}
