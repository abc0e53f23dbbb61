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

#endif
