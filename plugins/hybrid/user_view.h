/*
 * The querying user's ratings as the hybrid needs them: how many (drives
 * the content weight) and which, sorted by item (for exclusion and the
 * "because you rated" lookup). Comes from the query's ratings, or, for a
 * fitted user queried by id without ratings, from the fitted dataset via
 * an id index built once at fit.
 *
 * Thread contract: an rs_hybrid_users index is read-only after
 * rs_hybrid_users_build; views are per request.
 */
#ifndef RS_HYBRID_USER_VIEW_H
#define RS_HYBRID_USER_VIEW_H

#include "recsys/plugin.h"

typedef struct rs_hybrid_user_key {
    int64_t id;
    int32_t index;
} rs_hybrid_user_key;

/* External user id -> dense index of the fitted dataset. */
typedef struct rs_hybrid_users {
    const rs_dataset *data; /* NULL before fit */
    rs_hybrid_user_key *keys; /* sorted by id */
    size_t n;
} rs_hybrid_users;

/* Build the index of `data` into *out (replacing nothing on failure). */
rs_status rs_hybrid_users_build(const rs_dataset *data, rs_hybrid_users *out,
                                rs_error *err);
void rs_hybrid_users_free(rs_hybrid_users *u);

typedef struct rs_hybrid_user_view {
    size_t n;       /* rating count */
    int32_t *items; /* rated items, sorted (owned) */
    float *ratings; /* matching items[] (owned) */
} rs_hybrid_user_view;

rs_status rs_hybrid_user_view_init(const rs_hybrid_users *users,
                                   const rs_query *q, rs_hybrid_user_view *v,
                                   rs_error *err);
void rs_hybrid_user_view_free(rs_hybrid_user_view *v);

/* The user's rating of `item`, or NaN. */
float rs_hybrid_user_rating(const rs_hybrid_user_view *v, int32_t item);

#endif /* RS_HYBRID_USER_VIEW_H */
