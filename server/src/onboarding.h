/* Server-internal: which movies a new user should rate first. Items that
 * teach the models most are well known (many ratings) yet divisive (high
 * rating spread): score = ln(count) * stddev. A greedy pass then spreads
 * the picks across genres. Once the user has liked some films, half of
 * each page comes from their neighbours instead (rs_onboarding_mix). */
#ifndef RS_SERVER_ONBOARDING_H
#define RS_SERVER_ONBOARDING_H

#include "recsys/plugin.h"

typedef struct rs_onboarding rs_onboarding;

/* The most picks one call returns (GET /api/onboarding's n). */
#define ONBOARDING_MAX 50

/* Rank the catalogue of d once (d must outlive the result). */
rs_onboarding *rs_onboarding_new(const rs_dataset *d);
void rs_onboarding_free(rs_onboarding *o);

/* Up to n picks (catalogue indices) into out[], skipping items marked in
 * skip[n_items] (may be NULL). Returns the number written. */
size_t rs_onboarding_pick(const rs_onboarding *o, const uint8_t *skip, size_t n, int32_t *out);

/* Adaptive picks after some ratings: up to n items into out[], taking
 * turns between near[] (neighbours of films the user liked, in the order
 * to offer them; near_because[j] is the liked item near[j] came from) and
 * the genre-spread picks of rs_onboarding_pick. Only well-known items
 * (score > 0) are offered; skip[n_items] marks rated or already shown
 * items and gains every pick, so nothing repeats. out_because[k] is the
 * liked item behind out[k], or -1 for a spread pick. n is capped at
 * ONBOARDING_MAX. Returns the count. */
size_t rs_onboarding_mix(const rs_onboarding *o, uint8_t *skip, const int32_t *near,
                         const int32_t *near_because, size_t n_near, size_t n, int32_t *out,
                         int32_t *out_because);

/* The raw score of item i (0 when it has too few ratings). */
double rs_onboarding_score(const rs_onboarding *o, int32_t i);

#endif
