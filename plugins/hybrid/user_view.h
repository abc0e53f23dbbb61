/*
 * The querying user's ratings as the hybrid needs them: how many (drives
 * the content weight) and which, sorted by item (for exclusion and the
 * "because you rated" lookup). Comes from the query's ratings, which the
 * host fills for a known user (ABI 1.1); a host that did not is served
 * from the fitted dataset through the query's user_index.
 *
 * Thread contract: an rs_hybrid_users index is read-only after
 * rs_hybrid_users_build; views are per request.
 */
#ifndef RS_HYBRID_USER_VIEW_H
#define RS_HYBRID_USER_VIEW_H

#include "recsys/plugin.h"

/* The fitted dataset (NULL before fit). Users are named by the host's
 * dense index (rs_query_user_index), so there is no id map here. */
typedef struct rs_hybrid_users {
    const rs_dataset *data;
} rs_hybrid_users;

/* Record `data` into *out. */
rs_status rs_hybrid_users_build(const rs_dataset *data, rs_hybrid_users *out, rs_error *err);
void rs_hybrid_users_free(rs_hybrid_users *u);

typedef struct rs_hybrid_user_view {
    size_t n;       /* rating count */
    int known;      /* a user of the fitted dataset (the children know them) */
    int32_t *items; /* rated items, sorted (owned) */
    float *ratings; /* matching items[] (owned) */
} rs_hybrid_user_view;

rs_status rs_hybrid_user_view_init(const rs_hybrid_users *users, const rs_query *q,
                                   rs_hybrid_user_view *v, rs_error *err);
void rs_hybrid_user_view_free(rs_hybrid_user_view *v);

/* The user's rating of `item`, or NaN. */
float rs_hybrid_user_rating(const rs_hybrid_user_view *v, int32_t item);

#endif /* RS_HYBRID_USER_VIEW_H */
