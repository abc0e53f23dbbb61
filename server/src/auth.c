/* Passwords and sessions (see auth.h). */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

rs_status rs_auth_init(rs_error *err)
{
    if (sodium_init() < 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "libsodium failed to initialise");
    return RS_OK;
}

rs_status rs_password_hash(const char *password, unsigned long long opslimit, size_t memlimit,
                           char *out, size_t size, rs_error *err)
{
    if (size < crypto_pwhash_STRBYTES)
        return rs_error_set(err, RS_ERR_INVALID, "password hash buffer too small");
    if (crypto_pwhash_str(out, password, strlen(password), opslimit, memlimit) != 0)
        return rs_error_set(err, RS_ERR_NOMEM, "password hashing ran out of memory (memlimit %zu)",
                            memlimit);
    return RS_OK;
}

int rs_password_verify(const char *stored, const char *password)
{
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

void rs_password_dummy_verify(const char *password, unsigned long long opslimit, size_t memlimit)
{
    char h[crypto_pwhash_STRBYTES];
    /* Same cost as a real verification: one Argon2id run. */
    if (crypto_pwhash_str(h, password, strlen(password), opslimit, memlimit) == 0)
        sodium_memzero(h, sizeof h);
}

/* Hex of BLAKE2b-256(token): what the sessions table stores. */
static void token_hash(const char *token, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

rs_status rs_session_token_new(char *token, char hash[65], rs_error *err)
{
    (void)err; /* randombytes_buf cannot fail once sodium_init succeeded */
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, RS_SESSION_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    token_hash(token, hash);
    return RS_OK;
}

rs_status rs_session_create(rs_db *db, int64_t user_id, int ttl_s, char *token, rs_error *err)
{
    char hex[65];
    rs_status st = rs_session_token_new(token, hex, err);
    return st == RS_OK ? rs_store_session_add(db, hex, user_id, ttl_s, err) : st;
}

rs_status rs_session_lookup(rs_db *db, const char *token, int64_t *user_id, char *username,
                            size_t username_size, char *created_at, size_t created_size,
                            double *expires_at, int *found, rs_error *err)
{
    *found = 0;
    char hex[65];
    token_hash(token, hex);
    PGresult *r;
    rs_status st = rs_store_session_user(db, hex, &r, err);
    if (st != RS_OK)
        return st;
    if (PQntuples(r) == 1) {
        *found = 1;
        *user_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        snprintf(username, username_size, "%s", PQgetvalue(r, 0, 1));
        snprintf(created_at, created_size, "%s", PQgetvalue(r, 0, 2));
        if (expires_at)
            *expires_at = strtod(PQgetvalue(r, 0, 3), NULL);
    }
    PQclear(r);
    return RS_OK;
}

rs_status rs_session_delete(rs_db *db, const char *token, rs_error *err)
{
    char hex[65];
    token_hash(token, hex);
    return rs_store_session_delete(db, hex, err);
}
