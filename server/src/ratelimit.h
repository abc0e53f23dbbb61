/* Server-internal: fixed-window rate limits keyed by string (client IP,
 * account name). Memory is bounded: a full table evicts the entry with the
 * fewest hits, so a flood of fresh keys cannot grow it. */
#ifndef RS_SERVER_RATELIMIT_H
#define RS_SERVER_RATELIMIT_H

#include <time.h>

typedef struct rs_ratelimit rs_ratelimit;

rs_ratelimit *rs_ratelimit_new(int per_minute);
void rs_ratelimit_free(rs_ratelimit *rl);
/* 1 when `key` has used its allowance for the current minute. */
int rs_ratelimit_exceeded(rs_ratelimit *rl, const char *key, time_t now);
/* Count one hit against `key`. */
void rs_ratelimit_hit(rs_ratelimit *rl, const char *key, time_t now);
/* Atomically: when `n` more hits fit in `key`'s allowance for this minute,
 * count them and return 1; else count nothing and return 0. Take before
 * the expensive work, so parallel requests cannot all slip past a check. */
int rs_ratelimit_take(rs_ratelimit *rl, const char *key, time_t now, int n);
/* Return `n` hits taken earlier in this minute (e.g. a login that turned
 * out to be correct); never below zero, a no-op after the window moved. */
void rs_ratelimit_give_back(rs_ratelimit *rl, const char *key, time_t now, int n);

#endif
