#include "user_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No id index any more: the host fills a known user's ratings and their
 * dense index (ABI 1.1), so the fitted dataset is all that is kept. */
rs_status rs_hybrid_users_build(const rs_dataset *data, rs_hybrid_users *out, rs_error *err)
{
    (void)err;
    *out = (rs_hybrid_users){data};
    return RS_OK;
}

void rs_hybrid_users_free(rs_hybrid_users *u) { memset(u, 0, sizeof *u); }

typedef struct item_rating {
    int32_t item;
    float rating;
} item_rating;

static int item_rating_cmp(const void *a, const void *b)
{
    const item_rating *x = a, *y = b;
    return (x->item > y->item) - (x->item < y->item);
}

void rs_hybrid_user_view_free(rs_hybrid_user_view *v)
{
    free(v->items);
    free(v->ratings);
}

rs_status rs_hybrid_user_view_init(const rs_hybrid_users *users, const rs_query *q,
                                   rs_hybrid_user_view *v, rs_error *err)
{
    memset(v, 0, sizeof *v);
    size_t n = q->ratings ? q->n_ratings : 0;
    const int32_t *ds_items = NULL;
    const float *ds_ratings = NULL;
    int32_t known = rs_query_user_index(q, users->data);
    int32_t du = q->ratings ? -1 : known;
    if (du >= 0) { /* a host that did not fill the ratings */
        size_t b = users->data->user_ptr[du];
        n = users->data->user_ptr[du + 1] - b;
        ds_items = users->data->user_item + b;
        ds_ratings = users->data->user_rating + b;
    }
    v->n = n;
    v->known = known >= 0 && n > 0;
    if (n == 0)
        return RS_OK;
    item_rating *tmp = malloc(n * sizeof *tmp);
    v->items = malloc(n * sizeof *v->items);
    v->ratings = malloc(n * sizeof *v->ratings);
    if (!tmp || !v->items || !v->ratings) {
        free(tmp);
        rs_hybrid_user_view_free(v);
        return rs_error_set(err, RS_ERR_NOMEM, "hybrid: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        tmp[i] = ds_items ? (item_rating){ds_items[i], ds_ratings[i]}
                          : (item_rating){q->ratings[i].item, q->ratings[i].rating};
    qsort(tmp, n, sizeof *tmp, item_rating_cmp);
    for (size_t i = 0; i < n; i++) {
        v->items[i] = tmp[i].item;
        v->ratings[i] = tmp[i].rating;
    }
    free(tmp);
    return RS_OK;
}

float rs_hybrid_user_rating(const rs_hybrid_user_view *v, int32_t item)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->items[mid] < item)
            lo = mid + 1;
        else if (v->items[mid] > item)
            hi = mid;
        else
            return v->ratings[mid];
    }
    return NAN;
}
