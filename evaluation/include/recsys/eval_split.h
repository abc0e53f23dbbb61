/*
 * Train/validation/test splits and sparsity thinning over rating triples.
 *
 * Every function is deterministic in (triples as a set, seed): each user's
 * ratings are first put in (timestamp, item) order, and each user draws from
 * its own random stream, so neither the input order nor the number of other
 * users changes who lands where.
 *
 * Thread contract: pure functions over caller-owned arrays.
 */
#ifndef RECSYS_EVAL_SPLIT_H
#define RECSYS_EVAL_SPLIT_H

#include "recsys/dataset.h"

typedef enum rs_split_kind {
    RS_SPLIT_RANDOM = 0,   /* per-user random holdout of test_fraction */
    RS_SPLIT_LOO = 1,      /* per-user latest rating (leave-one-out) */
    RS_SPLIT_TEMPORAL = 2, /* global time cut at a timestamp quantile */
    RS_SPLIT_FILES = 3     /* given: the host dataset's train / validation /
                              test files (roles are not drawn: rs_eval_split
                              refuses this kind) */
} rs_split_kind;

const char *rs_split_kind_str(rs_split_kind k);

/* Role of each triple after rs_eval_split. */
enum { RS_ROLE_TRAIN = 0, RS_ROLE_VALID = 1, RS_ROLE_TEST = 2 };

typedef struct rs_split_options {
    rs_split_kind kind;
    double test_fraction;       /* random: share of each user's ratings */
    double temporal_quantile;   /* temporal: share of all ratings before the cut */
    double validation_fraction; /* 0 = no validation split; else carved from
                                   train with the same kind (random: share of
                                   each user's train, loo: latest train
                                   rating, temporal: last share by time) */
    uint64_t seed;
} rs_split_options;

/*
 * Assign role[i] for every triple. Random and leave-one-out never take a
 * user's last training rating (a user with one rating keeps it in train);
 * the temporal split may leave a user with no training ratings at all,
 * which is what happens to new users in deployment.
 * Users must be in [0, n_users).
 */
rs_status rs_eval_split(const rs_triple *t, size_t n, int32_t n_users, const rs_split_options *opt,
                        uint8_t *role, rs_error *err);

/*
 * Sparsity thinning: for every user, keep[i] = 1 for max(1, round(fraction
 * * n_u)) of their n_u triples among those with select[i] != 0 (select may
 * be NULL = all). The kept sets are nested across fractions for one seed:
 * each user's ratings are shuffled once and a prefix is kept, so level 0.25
 * is a subset of level 0.5 and the curves differ only by the data removed.
 * Returns how many were kept in *n_kept (may be NULL).
 */
rs_status rs_eval_thin(const rs_triple *t, size_t n, int32_t n_users, const uint8_t *select,
                       double fraction, uint64_t seed, uint8_t *keep, size_t *n_kept,
                       rs_error *err);

/*
 * New-user holdout: held[u] = 1 for exactly round(fraction * n_users) users
 * (at most n_users), chosen by a seeded random key per dense user index, so
 * the choice depends only on (n_users, fraction, seed); held[u] = 2 for the
 * next as many users in key order (fewer when not enough are left): a
 * disjoint validation holdout for tuning, so that the users scored by
 * default are never looked at. 0 = neither. *n_held (may be NULL) is the
 * number marked 1.
 */
rs_status rs_eval_holdout_users(int32_t n_users, double fraction, uint64_t seed, uint8_t *held,
                                int32_t *n_held, rs_error *err);

/*
 * The order in which a new user gives their ratings: rank[i] is triple i's
 * position (0 = given first) among its user's triples with select[i] != 0
 * (select may be NULL = all; unselected triples get UINT32_MAX). `random`
 * (non-zero) shuffles each user's ratings; otherwise they are ordered by
 * timestamp, ties (MovieLens stamps a whole onboarding page with one
 * second) in a seeded random order rather than by item index, which
 * follows release order. Deterministic in (triples as a set, seed).
 */
rs_status rs_eval_query_order(const rs_triple *t, size_t n, int32_t n_users, const uint8_t *select,
                              int random, uint64_t seed, uint32_t *rank, rs_error *err);

#endif /* RECSYS_EVAL_SPLIT_H */
