/* Passwords and sessions (see auth.h). */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rs_status rs_auth_init(rs_error *err)
{
    if (sodium_init() < 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "libsodium failed to initialise");
    return RS_OK;
}

rs_status rs_password_hash(const char *password, unsigned long long opslimit,
                           size_t memlimit, char *out, size_t size,
                           rs_error *err)
{
    if (size < crypto_pwhash_STRBYTES)
        return rs_error_set(err, RS_ERR_INVALID, "password hash buffer too small");
    if (crypto_pwhash_str(out, password, strlen(password), opslimit, memlimit) != 0)
        return rs_error_set(err, RS_ERR_NOMEM,
                            "password hashing ran out of memory (memlimit %zu)", memlimit);
    return RS_OK;
}

int rs_password_verify(const char *stored, const char *password)
{
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

void rs_password_dummy_verify(const char *password, unsigned long long opslimit,
                              size_t memlimit)
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

rs_status rs_session_create(PGconn *c, int64_t user_id, int ttl_s,
                            char *token, rs_error *err)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, RS_SESSION_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    char hex[65], uid[24], ttl[24];
    token_hash(token, hex);
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    /* Expired sessions are useless; drop this user's while we are here, so
     * the table does not grow with every login. */
    const char *u[1] = {uid};
    rs_status st = rs_db_exec(c, "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()",
                              1, u, NULL, err);
    if (st != RS_OK)
        return st;
    const char *p[3] = {hex, uid, ttl};
    return rs_db_exec(c,
                      "INSERT INTO sessions (token_hash, user_id, expires_at)"
                      " VALUES ($1, $2, now() + make_interval(secs => $3::int))",
                      3, p, NULL, err);
}

rs_status rs_session_lookup(PGconn *c, const char *token, int64_t *user_id,
                            char *username, size_t username_size,
                            char *created_at, size_t created_size,
                            double *expires_at, int *found, rs_error *err)
{
    *found = 0;
    char hex[65];
    token_hash(token, hex);
    const char *p[1] = {hex};
    PGresult *r;
    rs_status st = rs_db_exec(c,
        "SELECT u.id, u.username,"
        " to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " extract(epoch FROM s.expires_at)"
        " FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.token_hash = $1 AND s.expires_at > now()",
        1, p, &r, err);
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

rs_status rs_session_delete(PGconn *c, const char *token, rs_error *err)
{
    char hex[65];
    token_hash(token, hex);
    const char *p[1] = {hex};
    return rs_db_exec(c, "DELETE FROM sessions WHERE token_hash = $1", 1, p, NULL, err);
}
