/* One recommendation list (see recsys/reco_list.h). */
#include "recsys/reco_list.h"

#include <stdlib.h>
#include <string.h>

rs_status rs_reco_list_init(rs_reco_list *l, size_t cap, int explain, rs_error *err)
{
    memset(l, 0, sizeof *l);
    l->items = malloc(cap * sizeof *l->items);
    l->explain = explain ? malloc(cap * sizeof *l->explain) : NULL;
    if (!l->items || (explain && !l->explain)) {
        free(l->items);
        free(l->explain);
        memset(l, 0, sizeof *l);
        return rs_error_set(err, RS_ERR_NOMEM, "reco list: out of memory");
    }
    l->cap = cap;
    rs_reco_list_clear_explanations(l, 0, cap);
    return RS_OK;
}

void rs_reco_list_release(rs_reco_list *l)
{
    free(l->items);
    free(l->explain);
    memset(l, 0, sizeof *l);
}

void rs_reco_list_clear_explanations(rs_reco_list *l, size_t from, size_t to)
{
    if (!l->explain)
        return;
    for (size_t i = from; i < to && i < l->cap; i++) {
        memset(&l->explain[i], 0, sizeof l->explain[i]);
        l->explain[i].because_item = -1;
    }
}

int rs_reco_list_explained(const rs_reco_list *l, size_t i)
{
    return l->explain && i < l->n && (l->explain[i].because_item >= 0 || l->explain[i].n_parts > 0);
}

void rs_reco_list_copy(rs_reco_list *dst, const rs_reco_list *src)
{
    size_t n = src->n < dst->cap ? src->n : dst->cap;
    if (dst->items != src->items)
        memmove(dst->items, src->items, n * sizeof *dst->items);
    if (dst->explain && src->explain && dst->explain != src->explain)
        memmove(dst->explain, src->explain, n * sizeof *dst->explain);
    else if (dst->explain && !src->explain)
        rs_reco_list_clear_explanations(dst, 0, n);
    dst->n = n;
    dst->model_version = src->model_version;
    if (dst != src) {
        memcpy(dst->source, src->source, sizeof dst->source);
        dst->source[sizeof dst->source - 1] = '\0';
    }
}

void rs_reco_list_move_item(rs_reco_list *l, size_t to, size_t from)
{
    if (to == from)
        return;
    l->items[to] = l->items[from];
    if (l->explain)
        l->explain[to] = l->explain[from];
}
