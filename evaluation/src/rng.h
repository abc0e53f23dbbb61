/*
 * Deterministic random numbers for splits, thinning and the bootstrap.
 * splitmix64 is enough here: we need reproducibility from one seed and
 * independent streams per (purpose, user, level), not cryptographic quality.
 * Internal to the evaluation harness.
 */
#ifndef RS_EVAL_RNG_H
#define RS_EVAL_RNG_H

#include <stdint.h>

#include "recsys/splitmix64.h"

typedef struct rs_rng {
    uint64_t s;
} rs_rng;

static inline uint64_t rs_rng_next(rs_rng *r) { return rs_splitmix64_next(&r->s); }

/* A stream seeded from the run seed and up to two stream ids, so that the
 * shuffle of user 7 does not depend on how many users came before it. */
static inline rs_rng rs_rng_stream(uint64_t seed, uint64_t a, uint64_t b)
{
    rs_rng r = {seed ^ 0x6A09E667F3BCC909ull};
    r.s ^= rs_rng_next(&r) + a * 0xD1B54A32D192ED03ull;
    r.s ^= rs_rng_next(&r) + b * 0x8CB92BA72F3D8DD7ull;
    (void)rs_rng_next(&r);
    return r;
}

/* Uniform integer in [0, n); n > 0. Lemire's multiply-shift: the bias for
 * n far below 2^32 is negligible for our sizes. */
static inline uint32_t rs_rng_below(rs_rng *r, uint32_t n)
{
    return (uint32_t)(((rs_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

#endif /* RS_EVAL_RNG_H */
