/*
 * What a user's ratings mean to the content scorer, and how well-known a
 * film is: the two pure functions the serving path is built on.
 *
 * Profile weights: each rated movie counts (rating - neutral). Liked films
 * (above the neutral rating) pull the user's profile towards themselves,
 * disliked ones push it away, a rating at neutral says nothing. Centring on
 * a fixed neutral rating rather than on the user's own mean matters for
 * fans: someone whose ratings all lie between 4 and 5 has a mean near 4.5,
 * and centring on it turned half of the films they love into "dislikes".
 *
 * Prior: a per-movie multiplier of the content score,
 *     (1 + count_weight * ln(1 + n)) * exp(quality_weight * (b - mu)),
 * with n the movie's rating count in the training data, mu the global mean
 * rating and b = (sum of its ratings + damping * mu) / (n + damping) its
 * mean shrunk towards mu (a film with two 5-star ratings is not better
 * known to be good than one with 200 ratings averaging 4.3). A movie
 * nobody rated gets exactly 1, so it stays reachable: it needs a stronger
 * content match than a well-known film, not an impossible one. Both
 * weights 0 turn the prior off (every multiplier 1).
 *
 * Thread contract: pure functions; the prior array is immutable once built.
 */
#ifndef RS_SEMANTIC_PROFILE_H
#define RS_SEMANTIC_PROFILE_H

#include <stddef.h>

#include "recsys/plugin.h"

/*
 * w[i] = ratings[i].rating - neutral. When every weight is 0 (all ratings
 * at neutral) each counts +1 instead: having watched the films is the only
 * signal left. Returns how many weights are > 0.
 */
size_t sem_profile_weights(const rs_rating *ratings, size_t n, float neutral, float *w);

typedef struct sem_prior_opts {
    float count_weight;   /* >= 0 */
    float quality_weight; /* >= 0 */
    float damping;        /* pseudo-ratings at the global mean, >= 0 */
} sem_prior_opts;

/* True when o leaves every multiplier at 1. */
int sem_prior_is_off(const sem_prior_opts *o);

/*
 * The multiplier of each of d->n_items movies into mult[n_items], from the
 * ratings in d (the training data the instance was fitted or loaded with).
 */
void sem_prior_build(const rs_dataset *d, const sem_prior_opts *o, float *mult);

#endif /* RS_SEMANTIC_PROFILE_H */
