/* Server-internal: which movies a new user should rate first. Items that
 * teach the models most are well known (many ratings) yet divisive (high
 * rating spread): score = ln(count) * stddev. A greedy pass then spreads
 * the picks across genres. */
#ifndef RS_SERVER_ONBOARDING_H
#define RS_SERVER_ONBOARDING_H

#include "recsys/plugin.h"

typedef struct rs_onboarding rs_onboarding;

/* Rank the catalogue of d once (d must outlive the result). */
rs_onboarding *rs_onboarding_new(const rs_dataset *d);
void rs_onboarding_free(rs_onboarding *o);

/* Up to n picks (catalogue indices) into out[], skipping items marked in
 * skip[n_items] (may be NULL). Returns the number written. */
size_t rs_onboarding_pick(const rs_onboarding *o, const uint8_t *skip,
                          size_t n, int32_t *out);

/* The raw score of item i (0 when it has too few ratings). */
double rs_onboarding_score(const rs_onboarding *o, int32_t i);

#endif
