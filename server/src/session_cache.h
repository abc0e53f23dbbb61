/* Server-internal: validated sessions kept in memory, so an authenticated
 * request does not pay a PostgreSQL round trip (issue 15: the lookup was
 * one of four per cached recommendation).
 *
 * Keyed by the BLAKE2b-256 hash of the cookie token (the value the
 * sessions table stores; the token itself is never kept). Bounded: a
 * fixed table of slots, a new entry replaces the oldest in its probe
 * range. An entry lives until the earlier of the session's own expiry and
 * `ttl_s` after it was validated, so a session deleted behind this
 * process's back (another replica's logout, a manual DELETE) is refused
 * within ttl_s. Everything this process does to sessions is immediate:
 * rs_session_cache_forget_token (logout) and rs_session_cache_forget_user
 * (account deletion, password change) take effect before they return, and
 * a lookup that raced with them cannot re-insert what they removed.
 *
 * Thread contract: every function may be called from any worker thread
 * concurrently; _new/_free from one thread while no request runs. */
#ifndef RS_SERVER_SESSION_CACHE_H
#define RS_SERVER_SESSION_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rs_session_cache rs_session_cache;

/* What a validated session says about its user. */
typedef struct rs_session_info {
    int64_t user_id;
    char username[40];
    char created_at[40]; /* the user's, ISO 8601 UTC */
} rs_session_info;

/* A cache of `capacity` sessions (rounded up to a power of two), each
 * trusted for at most ttl_s seconds. NULL when out of memory. */
rs_session_cache *rs_session_cache_new(size_t capacity, int ttl_s);
void rs_session_cache_free(rs_session_cache *c);

/* 1 and *out filled when `token` is cached and still valid; else 0 and
 * *epoch set to the value to hand to rs_session_cache_put after the
 * database lookup (it detects an invalidation in between). */
int rs_session_cache_get(rs_session_cache *c, const char *token, rs_session_info *out,
                         uint64_t *epoch);
/* Remember a session the database just validated; `expires_at` is its
 * expiry (Unix seconds). Nothing is stored when any invalidation happened
 * since the rs_session_cache_get that returned `epoch`. */
void rs_session_cache_put(rs_session_cache *c, const char *token, const rs_session_info *info,
                          double expires_at, uint64_t epoch);
/* Drop one session (logout). Both forgets accept NULL (no cache). */
void rs_session_cache_forget_token(rs_session_cache *c, const char *token);
/* Drop every session of user_id (account deleted, password changed). */
void rs_session_cache_forget_user(rs_session_cache *c, int64_t user_id);

#endif
