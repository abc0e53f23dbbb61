/*
 * Builds the CSR-by-user and CSR-by-item arrays of an rs_dataset from a
 * list of rating triples, and marks the collaborative-filtering subset.
 * Shared by the MovieLens loader and rs_ratings_set_new.
 */
#include "ratings_csr.h"

#include <stdlib.h>
#include <string.h>

void rs_csr_destroy(rs_csr *c)
{
    free(c->user_ptr);
    free(c->user_item);
    free(c->user_rating);
    free(c->user_time);
    free(c->item_ptr);
    free(c->item_user);
    free(c->item_rating);
    free(c->cf_item);
    free(c->cf_user);
    memset(c, 0, sizeof *c);
}

static int triple_cmp(const void *a, const void *b)
{
    const rs_triple *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    /* Latest last, so the dedup below keeps it. */
    if (x->timestamp != y->timestamp)
        return x->timestamp < y->timestamp ? -1 : 1;
    return 0;
}

rs_status rs_csr_build(rs_csr *c, rs_triple *t, size_t n, int32_t n_users, int32_t n_items,
                       int cf_min_item, int cf_min_user, rs_error *err)
{
    memset(c, 0, sizeof *c);
    if (n > 1) /* t may be NULL when there are no ratings */
        qsort(t, n, sizeof *t, triple_cmp);
    /* Keep the latest rating of each (user, item). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && t[m - 1].user == t[i].user && t[m - 1].item == t[i].item)
            t[m - 1] = t[i];
        else
            t[m++] = t[i];
    }
    c->n_ratings = m;
    size_t alloc_m = m ? m : 1;
    c->user_ptr = calloc((size_t)n_users + 1, sizeof *c->user_ptr);
    c->user_item = malloc(alloc_m * sizeof *c->user_item);
    c->user_rating = malloc(alloc_m * sizeof *c->user_rating);
    c->user_time = malloc(alloc_m * sizeof *c->user_time);
    c->item_ptr = calloc((size_t)n_items + 1, sizeof *c->item_ptr);
    c->item_user = malloc(alloc_m * sizeof *c->item_user);
    c->item_rating = malloc(alloc_m * sizeof *c->item_rating);
    c->cf_item = calloc(n_items ? (size_t)n_items : 1, 1);
    c->cf_user = calloc(n_users ? (size_t)n_users : 1, 1);
    if (!c->user_ptr || !c->user_item || !c->user_rating || !c->user_time || !c->item_ptr ||
        !c->item_user || !c->item_rating || !c->cf_item || !c->cf_user) {
        rs_csr_destroy(c);
        return rs_error_set(err, RS_ERR_NOMEM, "ratings: out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        c->user_ptr[t[i].user + 1]++;
        c->item_ptr[t[i].item + 1]++;
        c->user_item[i] = t[i].item;
        c->user_rating[i] = t[i].rating;
        c->user_time[i] = t[i].timestamp;
    }
    for (int32_t u = 0; u < n_users; u++)
        c->user_ptr[u + 1] += c->user_ptr[u];
    for (int32_t i = 0; i < n_items; i++)
        c->item_ptr[i + 1] += c->item_ptr[i];
    /* Triples are sorted by user, so filling item rows in order keeps each
     * item's users sorted. */
    size_t *fill = malloc(((size_t)n_items + 1) * sizeof *fill);
    if (!fill) {
        rs_csr_destroy(c);
        return rs_error_set(err, RS_ERR_NOMEM, "ratings: out of memory");
    }
    memcpy(fill, c->item_ptr, ((size_t)n_items + 1) * sizeof *fill);
    for (size_t i = 0; i < m; i++) {
        size_t at = fill[t[i].item]++;
        c->item_user[at] = t[i].user;
        c->item_rating[at] = t[i].rating;
    }
    free(fill);
    for (int32_t i = 0; i < n_items; i++)
        c->cf_item[i] = c->item_ptr[i + 1] - c->item_ptr[i] >= (size_t)cf_min_item;
    for (int32_t u = 0; u < n_users; u++) {
        size_t cnt = 0;
        for (size_t j = c->user_ptr[u]; j < c->user_ptr[u + 1]; j++)
            cnt += c->cf_item[c->user_item[j]];
        c->cf_user[u] = cnt >= (size_t)(cf_min_user > 0 ? cf_min_user : 1);
    }
    return RS_OK;
}

void rs_csr_fill_view(const rs_csr *c, rs_dataset *v)
{
    v->n_ratings = c->n_ratings;
    v->user_ptr = c->user_ptr;
    v->user_item = c->user_item;
    v->user_rating = c->user_rating;
    v->user_time = c->user_time;
    v->item_ptr = c->item_ptr;
    v->item_user = c->item_user;
    v->item_rating = c->item_rating;
    v->cf_item = c->cf_item;
    v->cf_user = c->cf_user;
}

rs_cf_stats rs_dataset_cf_stats(const rs_dataset *d)
{
    rs_cf_stats s = {0, 0, 0};
    for (int32_t i = 0; i < d->n_items; i++)
        s.items += d->cf_item[i];
    for (int32_t u = 0; u < d->n_users; u++) {
        if (!d->cf_user[u])
            continue;
        s.users++;
        for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++)
            s.ratings += d->cf_item[d->user_item[j]];
    }
    return s;
}

struct rs_ratings_set {
    rs_dataset view;
    rs_csr csr;
    int64_t *user_ids;
};

rs_status rs_ratings_set_new(const rs_dataset *base, const rs_triple *t, size_t n,
                             const int64_t *user_ids, int32_t n_users, int cf_min_item_ratings,
                             int cf_min_user_ratings, rs_ratings_set **out, rs_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].user < 0 || t[i].user >= n_users || t[i].item < 0 || t[i].item >= base->n_items)
            return rs_error_set(err, RS_ERR_INVALID, "rating %zu: user %d / item %d out of range",
                                i, t[i].user, t[i].item);
    rs_ratings_set *rs = calloc(1, sizeof *rs);
    rs_triple *copy = malloc((n ? n : 1) * sizeof *copy);
    if (rs)
        rs->user_ids = malloc((n_users ? (size_t)n_users : 1) * sizeof(int64_t));
    if (!rs || !copy || !rs->user_ids) {
        free(copy);
        if (rs)
            free(rs->user_ids);
        free(rs);
        return rs_error_set(err, RS_ERR_NOMEM, "ratings set: out of memory");
    }
    if (n)
        memcpy(copy, t, n * sizeof *copy);
    if (n_users)
        memcpy(rs->user_ids, user_ids, (size_t)n_users * sizeof(int64_t));
    rs_status st = rs_csr_build(&rs->csr, copy, n, n_users, base->n_items, cf_min_item_ratings,
                                cf_min_user_ratings, err);
    free(copy);
    if (st != RS_OK) {
        free(rs->user_ids);
        free(rs);
        return st;
    }
    rs->view = *base;
    rs->view.n_users = n_users;
    rs->view.user_ids = rs->user_ids;
    rs_csr_fill_view(&rs->csr, &rs->view);
    *out = rs;
    return RS_OK;
}

void rs_ratings_set_free(rs_ratings_set *rs)
{
    if (!rs)
        return;
    rs_csr_destroy(&rs->csr);
    free(rs->user_ids);
    free(rs);
}

const rs_dataset *rs_ratings_set_view(const rs_ratings_set *rs) { return &rs->view; }
