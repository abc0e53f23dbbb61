/*
 * Statistics for online experiments: per-arm summaries of a split test,
 * a two-proportion z-test between arms, the exact two-sided sign test used
 * by interleaving, and the tally that turns raw exposure and rating rows
 * into per-arm counts (the reference semantics for the server's SQL).
 *
 * Definitions (docs/lifecycle.md has the why):
 *   exposure  one recommendation response shown to a user;
 *   shown     distinct (user, movie) pairs exposed in the arm, so a page
 *             reloaded ten times does not count its movies ten times;
 *   hit       a shown pair the user rated after its first exposure;
 *   hit rate  hits / shown (with a Wilson 95 % interval);
 *   mean rating of the hit movies with a Student-t 95 % interval.
 *
 * All functions are pure and thread-safe.
 */
#ifndef RECSYS_ABSTATS_H
#define RECSYS_ABSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef struct rs_arm_counts {
    int64_t users;     /* distinct users exposed */
    int64_t exposures; /* responses */
    int64_t shown;     /* distinct (user, movie) pairs exposed */
    int64_t hits;      /* of those, rated after the first exposure */
    double rating_sum; /* over hits */
    double rating_sumsq;
} rs_arm_counts;

typedef struct rs_arm_stats {
    rs_arm_counts c;
    double hit_rate;                 /* hits / shown, 0 when nothing shown */
    double hit_rate_lo, hit_rate_hi; /* Wilson 95 % */
    double mean_rating;              /* NAN when no hits */
    double mean_lo, mean_hi;         /* t 95 %; NAN when fewer than two hits */
} rs_arm_stats;

void rs_abstats_arm(const rs_arm_counts *c, rs_arm_stats *out);

/* Pooled two-proportion z-test of x1/n1 against x2/n2: z (positive when
 * the first is larger) and the two-sided p. RS_ERR_INVALID when either n
 * is 0, an x exceeds its n, or both proportions are 0 or 1 (no variance):
 * the message says which. */
rs_status rs_abstats_two_proportion(int64_t x1, int64_t n1, int64_t x2, int64_t n2, double *z,
                                    double *p, rs_error *err);

/* Exact two-sided sign test: P(a result at least as lopsided as
 * wins_a : wins_b under p = 1/2), capped at 1. 1.0 when both are 0. */
double rs_abstats_sign_test(int64_t wins_a, int64_t wins_b);

/* 0.975 quantile of Student's t with df degrees of freedom (df >= 1). */
double rs_abstats_t975(int64_t df);

/* Raw rows, as the server's exposures and ratings tables hold them. */
typedef struct rs_exposure_row {
    int64_t user_id;
    int32_t arm;  /* 0 .. n_arms-1 */
    int32_t item; /* one row per shown movie */
    int64_t time; /* of the response; rows of one response share it */
} rs_exposure_row;

typedef struct rs_rating_row {
    int64_t user_id;
    int32_t item;
    float rating;
    int64_t time;
} rs_rating_row;

/* Per-arm counts (out[n_arms], zeroed here) from exposure rows (one per
 * shown movie; a response is the set of rows with the same user, arm and
 * time) and rating rows. A rating counts when its time >= the pair's first
 * exposure. Rows may come in any order. */
rs_status rs_abstats_tally(const rs_exposure_row *ex, size_t n_ex, const rs_rating_row *ratings,
                           size_t n_ratings, size_t n_arms, rs_arm_counts *out, rs_error *err);

#endif /* RECSYS_ABSTATS_H */
