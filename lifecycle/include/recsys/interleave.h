/*
 * Team-draft interleaving (Radlinski, Kurup and Joachims, "How does
 * clickthrough data reflect retrieval quality?", CIKM 2008).
 *
 * Two ranked lists A and B are merged into one list of length k: in each
 * round the team that has contributed fewer items picks next (a coin flip
 * decides when both have contributed equally); a team picks its
 * highest-ranked item not already shown. Every shown item is credited to
 * the team that picked it. When one list runs out the other fills the rest.
 *
 * The coin flips come from a SplitMix64 stream seeded by
 * rs_interleave_seed(salt, user, request seq), so a response can be
 * reproduced, and audited, from the exposure log alone.
 *
 * Outcome of one impression: each team scores one hit per credited item the
 * user later rated; the team with more hits wins it, ties (including 0 : 0)
 * are excluded. Over many impressions the win rate of A is
 * wins_a / (wins_a + wins_b), tested against 1/2 with the exact two-sided
 * sign test (rs_abstats_sign_test).
 *
 * All functions are pure and thread-safe.
 */
#ifndef RECSYS_INTERLEAVE_H
#define RECSYS_INTERLEAVE_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/plugin.h"

typedef enum rs_team { RS_TEAM_A = 0, RS_TEAM_B = 1 } rs_team;

uint64_t rs_interleave_seed(const char *salt, int64_t user_id, uint64_t seq);

/* Merge a[na] and b[nb] (item indexes, best first; duplicates within one
 * list are skipped) into out[k] with team[k] credits. *n_out is
 * min(k, |a ∪ b|). out and team must hold k entries. */
void rs_interleave_team_draft(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t k,
                              uint64_t seed, int32_t *out, uint8_t *team, size_t *n_out);

typedef struct rs_impression_outcome {
    int32_t hits_a, hits_b;
    int winner; /* RS_TEAM_A, RS_TEAM_B, or -1 for a tie */
} rs_impression_outcome;

/* Credit the shown items of one impression against the items the user
 * rated after it (rated: sorted ascending). */
rs_impression_outcome rs_interleave_outcome(const int32_t *shown, const uint8_t *team, size_t n,
                                            const int32_t *rated, size_t n_rated);

typedef struct rs_interleave_summary {
    int64_t impressions;
    int64_t wins_a, wins_b, ties;
    double win_rate_a; /* wins_a / (wins_a + wins_b); NAN when both are 0 */
    double p_value;    /* exact two-sided sign test */
} rs_interleave_summary;

/* Add one outcome to a zero-initialised summary, then call finish. */
void rs_interleave_add(rs_interleave_summary *s, rs_impression_outcome o);
void rs_interleave_finish(rs_interleave_summary *s);

#endif /* RECSYS_INTERLEAVE_H */
