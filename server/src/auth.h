/* Server-internal: password hashing (Argon2id via libsodium) and sessions
 * (256-bit random tokens, stored only as a BLAKE2b hash). */
#ifndef RS_SERVER_AUTH_H
#define RS_SERVER_AUTH_H

#include <stddef.h>

#include "recsys/db.h"

#define RS_SESSION_COOKIE "rs_session"
/* base64url (no padding) of 32 random bytes. */
#define RS_SESSION_TOKEN_CHARS 43

/* Initialise libsodium; RS_ERR_INTERNAL when it cannot. */
rs_status rs_auth_init(rs_error *err);

/* Hash `password` into out (crypto_pwhash_STRBYTES). */
rs_status rs_password_hash(const char *password, unsigned long long opslimit, size_t memlimit,
                           char *out, size_t size, rs_error *err);
/* 1 when password matches the stored hash. */
int rs_password_verify(const char *stored, const char *password);
/* A throwaway verification so unknown usernames cost as much as real ones
 * (no timing oracle for which accounts exist). */
void rs_password_dummy_verify(const char *password, unsigned long long opslimit, size_t memlimit);

/* A new random cookie token into token[RS_SESSION_TOKEN_CHARS + 1] and
 * the hex hash the sessions table stores for it into hash[65]. */
rs_status rs_session_token_new(char *token, char hash[65], rs_error *err);
/* Create a session for user_id valid ttl_s seconds; writes the cookie
 * token into token[RS_SESSION_TOKEN_CHARS + 1]. */
rs_status rs_session_create(rs_db *db, int64_t user_id, int ttl_s, char *token, rs_error *err);
/* Find the live session for token; *found = 0 when none. *expires_at
 * (when not NULL) gets its expiry in Unix seconds. */
rs_status rs_session_lookup(rs_db *db, const char *token, int64_t *user_id, char *username,
                            size_t username_size, char *created_at, size_t created_size,
                            double *expires_at, int *found, rs_error *err);
rs_status rs_session_delete(rs_db *db, const char *token, rs_error *err);

#endif
