/*
 * SplitMix64 (Steele, Lea, Flood 2014), header-only: a tiny generator that
 * any 64-bit value seeds, well mixed enough for sampling, shuffles, coin
 * flips and seeding larger generators (xoshiro), not for cryptography.
 *
 * One copy for the host and the plugins (which may include only SDK
 * headers): every user of it gets the same sequence from the same seed,
 * which the reproducibility of training and evaluation relies on.
 * Pure functions of their arguments: safe on any thread.
 */
#ifndef RECSYS_SPLITMIX64_H
#define RECSYS_SPLITMIX64_H

#include <stdint.h>

/* The SplitMix64 finaliser: a bijective mix of the 64 bits of z. */
static inline uint64_t rs_splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The next value of the stream whose state is *state (advanced). */
static inline uint64_t rs_splitmix64_next(uint64_t *state)
{
    return rs_splitmix64_mix(*state += 0x9E3779B97F4A7C15ull);
}

/* Counter-based use: the value at position x of the stream that starts
 * at 0, so a result depends only on x, never on call order or threads. */
static inline uint64_t rs_splitmix64_at(uint64_t x)
{
    return rs_splitmix64_mix(x + 0x9E3779B97F4A7C15ull);
}

#endif /* RECSYS_SPLITMIX64_H */
