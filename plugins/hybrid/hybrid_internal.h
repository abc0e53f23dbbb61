/*
 * The hybrid instance, shared by the plugin glue (hybrid.c), the fit-time
 * collection of learning queries (collect.c) and the weights file
 * (weights.c). Not part of any public interface.
 */
#ifndef RS_HYBRID_INTERNAL_H
#define RS_HYBRID_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "focus.h"
#include "learn.h"
#include "user_view.h"
#include "recsys/plugin.h"

/* Blend children by role, then the fallback (zero-rating users and the
 * last resort), which only serves and is never blended. */
enum {
    ROLE_EASE = 0,
    ROLE_CF = 1,
    ROLE_CONTENT = 2,
    ROLE_POP = 3,
    N_ROLES = 4,
    ROLE_FALLBACK = 4,
    N_NAMES = 5
};

#define HYB_MAX_BUCKETS 16
#define HYB_NDCG_K 20 /* the metric the weights are fitted on */
/* A known-user learning sample needs this many ratings (it keeps 80 %). */
#define HYB_KNOWN_MIN_RATINGS 5

extern const char *const rs_hybrid_role_names[N_NAMES];

typedef struct hybrid {
    const rs_host *host;
    const char *child[N_NAMES]; /* instance names ("" = role unused) */
    /* Learning (params). */
    size_t learn_users;
    uint64_t seed;
    double positive_threshold;
    size_t learn_min_item_ratings; /* a target's item needs this many */
    size_t learn_min_queries;      /* fewer: popularity (all) / global (bucket) */
    size_t learn_top;              /* per-child candidates recorded per query */
    int learn_earliest;            /* queries are a user's first n ratings by time
                               (else n at random) */
    int grid;                      /* weight grid resolution */
    double content_floor;          /* smallest learned weight of the content child */
    double content_floor_n;        /* ... reached at this many ratings (linear) */
    size_t explain_depth;
    int metric;              /* RS_HYBRID_METRIC_*: what the weights fit */
    double content_evidence; /* ratings at which content lifts fully */
    double content_cap;      /* largest content z-score (0 = none) */
    /* The focus rule (focus.h): a user whose liked films concentrate on
     * one genre gets at least this content weight. genre_base from the
     * fitted dataset (fit/load). */
    rs_hybrid_focus_rule focus;
    rs_hybrid_genre_base genre_base;
    /* Whose z-score stands in where a child has none (blend.h): content
     * for the CF children unless cold_items = mean. */
    int8_t stand_in[N_ROLES];
    int fixed; /* `weights` param given: no learning */
    double fixed_w[N_ROLES];
    /* The weight table: bucket b serves users with about bucket_n[b]
     * ratings (nearest on a log scale). From params, fit or load. */
    int32_t bucket_n[HYB_MAX_BUCKETS];
    size_t n_buckets;
    double w[HYB_MAX_BUCKETS][N_ROLES];
    double ndcg[HYB_MAX_BUCKETS];    /* NaN = not learned */
    size_t queries[HYB_MAX_BUCKETS]; /* learning queries per bucket */
    /* Users the children were fitted on (the query names one: its
     * user_index resolves) are served one weight set learned on private
     * refits of the children without known_fraction of known_users users'
     * ratings, in known_folds folds (collect.c); has_known = 0 serves them the bucket weights. */
    size_t known_users, known_folds;
    double known_fraction;
    int fold_in_private; /* learn_fold_in: the buckets on private fits too */
    int has_known;
    double known_w[N_ROLES];
    double known_ndcg;
    size_t known_queries;
    /* From fit/load: resolves queries that name a fitted user. */
    rs_hybrid_users users;
    /* Log-once latches: 1 after a child's failure was logged, back to 0
     * when it serves again. The only state requests write. */
    atomic_int warned[N_NAMES];
} hybrid;

/* Take a reference to role r's child, or log once and return 0. */
int rs_hybrid_child_acquire(hybrid *h, int role, rs_instance_ref *ref);
void rs_hybrid_child_failed(hybrid *h, int role, const char *what, const char *why);

/* The cold rule: 2s - 1 clamped to [0, 1] for a share s of the rated
 * items outside data's CF subset (0 without a CF subset). */
double rs_hybrid_cold_raise(const rs_dataset *data, const int32_t *items, size_t n);

/* The content weight the focus rule asks for these ratings (focus.h),
 * with genres from data; 0 when the rule is off or data has no genres. */
double rs_hybrid_query_boost(const hybrid *h, const rs_dataset *data, const int32_t *items,
                             const float *ratings, size_t n);

/*
 * Fit-time learning data (collect.c): learn_users training users, each
 * folded in through every usable blend child with bucket_n[b] of their
 * ratings (RS_USER_NONE queries), candidates = each child's top learn_top
 * by z-score plus the user's held-out positives. live[r] says which roles
 * took part. Uses host->threads() workers. Free with
 * rs_hybrid_collect_free.
 */
typedef struct rs_hybrid_collected {
    rs_hybrid_ldata d;
    rs_hybrid_lquery *q;
    float *feat;
    uint8_t *rel;
    uint8_t live[N_ROLES];
    size_t users;
} rs_hybrid_collected;

rs_status rs_hybrid_collect(hybrid *h, const rs_dataset *data, rs_hybrid_collected *out,
                            rs_error *err);

/* Learning on private fits (collect.c), leak-free: the sampled users'
 * queries are scored on ratings no child was fitted on. In each of
 * known_folds folds, a copy of data (holdout.h) where the fold's share of
 * up to known_users users lose known_fraction of their ratings and, with
 * fold_in, the fold's share of the learn_users fold-in learners lose all
 * of theirs; every blend child is refitted privately on the copy
 * (child_fit_private: one fit per child per fold). The known learners are
 * queried by id, as users of those fits, into `known` (one bucket); the
 * fold-in learners as RS_USER_NONE queries of bucket_n ratings from the
 * full data, into `buckets`. Both empty when the host cannot fit
 * privately (rs_hybrid_can_fit_private). Free both with
 * rs_hybrid_collect_free. */
rs_status rs_hybrid_collect_private(hybrid *h, const rs_dataset *data, int fold_in,
                                    rs_hybrid_collected *buckets, rs_hybrid_collected *known,
                                    rs_error *err);
int rs_hybrid_can_fit_private(const hybrid *h);
void rs_hybrid_collect_free(rs_hybrid_collected *c);

/* The weights file (weights.c): save/load the table, and one log line. */
rs_status rs_hybrid_weights_save(const hybrid *h, const char *dir, rs_error *err);
rs_status rs_hybrid_weights_load(hybrid *h, const char *dir, rs_error *err);
void rs_hybrid_weights_log(const hybrid *h, const char *how);

/* The entry's describe (describe.c): children and weight table as JSON. */
rs_status rs_hybrid_describe(void *instance, char *buf, size_t cap, rs_error *err);

#endif /* RS_HYBRID_INTERNAL_H */
