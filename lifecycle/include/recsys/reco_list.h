/*
 * One recommendation list: the single shape a list has from the plugin's
 * result to the JSON response. The engine writes the plugin's answer
 * straight into `items` and `explain` (rs_engine_recommend/similar take
 * those arrays), the recommendation cache keeps a copy per (user, source),
 * the serving layer merges and filters lists, and the HTTP layer renders
 * one (server/src/http.c, rs_reco_list_json).
 *
 * It lives in lifecycle/ rather than server/ because the cache, which is
 * generic and includes no server header, holds lists; the server builds on
 * it, never the other way round.
 *
 * "No explanation" has one representation: an entry of `explain` with
 * because_item < 0 and n_parts == 0 (rs_reco_list_explained is 0). A list
 * whose `explain` is NULL carries none at all (not asked for, or similar).
 *
 * Ownership: the arrays belong to whoever set them up; rs_reco_list_init
 * allocates them and rs_reco_list_release frees what init allocated. A
 * list is not thread-safe; share copies (rs_reco_list_copy), not lists.
 */
#ifndef RECSYS_RECO_LIST_H
#define RECSYS_RECO_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef struct rs_reco_list {
    rs_scored *items;        /* [cap], best first */
    rs_explanation *explain; /* [cap], or NULL: the list carries no explanations */
    size_t cap;
    size_t n;                        /* items filled, <= cap */
    int64_t model_version;           /* the serving version of `source` that computed it */
    char source[RS_SOURCE_NAME_MAX]; /* the instance that answered: the one
                                      * asked for, or a fallback (a cold user's
                                      * popularity list), or "interleave" */
} rs_reco_list;

/* Allocate arrays for cap (>= 1) items, with explanations when `explain`
 * is non-zero (all empty); n = 0, source "". On failure l holds nothing to
 * release (RS_ERR_NOMEM). */
rs_status rs_reco_list_init(rs_reco_list *l, size_t cap, int explain, rs_error *err);
/* Free what rs_reco_list_init allocated; the list is left empty. */
void rs_reco_list_release(rs_reco_list *l);

/* Mark explain[from, to) as "no explanation" (no-op without explain). */
void rs_reco_list_clear_explanations(rs_reco_list *l, size_t from, size_t to);

/* 1 when item i has an explanation worth showing. */
int rs_reco_list_explained(const rs_reco_list *l, size_t i);

/* Copy up to dst->cap items of src, with src's version and source, into
 * dst's arrays. When dst wants explanations and src has none, dst's are
 * cleared: the copy never carries stale ones. */
void rs_reco_list_copy(rs_reco_list *dst, const rs_reco_list *src);

/* Item `from` (with its explanation) overwrites item `to`: the step of an
 * in-place filter (to <= from). */
void rs_reco_list_move_item(rs_reco_list *l, size_t to, size_t from);

#endif /* RECSYS_RECO_LIST_H */
