/* PUT /api/me/password: change the logged-in user's password. Every
 * session of the account ends (in the database and in the session cache,
 * at once) and the caller gets a fresh one, so a stolen cookie does not
 * outlive the change. */
#include "server_internal.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "store.h"

#define PASSWORD_MIN 8 /* as at registration (api_auth.c) */
#define PASSWORD_MAX 128

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The current password is checked with Argon2id like a login, so guesses
 * count against the same per-account allowance (the key login uses). */
static int take_attempt(rs_req *r, char *key, size_t size, time_t now)
{
    snprintf(key, size, "acct:%.40s", r->username);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    if (rs_ratelimit_take(r->srv->rl_account, key, now, 1))
        return 1;
    rs_reply_json_hdr(r, 429,
                      json_pack("{s:s, s:s}", "error", "rate_limited", "message",
                                "too many attempts; retry in a minute"),
                      "Retry-After: 60\r\n");
    return 0;
}

/* Verify, store the new hash, end every session and open a new one (in
 * one transaction, store.c). Sends the reply. */
static void change(rs_req *r, const char *current, const char *next, const char *key, time_t now)
{
    PGresult *res = NULL;
    rs_error err = {0};
    rs_status st = rs_store_user_password(r->srv->db, r->user_id, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    int ok = PQntuples(res) == 1 && rs_password_verify(PQgetvalue(res, 0, 0), current);
    PQclear(res);
    if (!ok) {
        rs_reply_error(r, 401, "unauthorized", "the current password is wrong");
        return;
    }
    rs_ratelimit_give_back(r->srv->rl_account, key, now, 1);
    char hash[crypto_pwhash_STRBYTES], token[RS_SESSION_TOKEN_CHARS + 1], token_hash[65];
    st = rs_password_hash(next, r->srv->opt.pwhash_opslimit, r->srv->opt.pwhash_memlimit, hash,
                          sizeof hash, &err);
    if (st == RS_OK)
        st = rs_session_token_new(token, token_hash, &err);
    if (st == RS_OK)
        st = rs_store_user_password_set(r->srv->db, r->user_id, hash, token_hash,
                                        r->srv->opt.session_ttl_s, &err);
    sodium_memzero(hash, sizeof hash);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    /* After the commit: a lookup that read an old session before it
     * cannot re-cache it (session_cache.h). */
    rs_session_cache_forget_user(r->srv->sessions, r->user_id);
    char hdr[256];
    snprintf(hdr, sizeof hdr,
             "Set-Cookie: " RS_SESSION_COOKIE "=%s; HttpOnly; SameSite=Lax; Path=/; Max-Age=%d\r\n",
             token, r->srv->opt.session_ttl_s);
    rs_reply_json_hdr(r, 200,
                      json_pack("{s:{s:I, s:s, s:s}}", "user", "id", (json_int_t)r->user_id,
                                "username", r->username, "created_at", r->created_at),
                      hdr);
}

void rs_api_me_password(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    const char *current = json_string_value(json_object_get(body, "password"));
    const char *next = json_string_value(json_object_get(body, "new_password"));
    size_t n = next ? utf8_len(next) : 0;
    char key[64];
    time_t now = time(NULL);
    if (!current || !next) {
        rs_reply_error(r, 400, "bad_request", "password and new_password must be strings");
    } else if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
        rs_reply_error(r, 400, "bad_request", "new_password must be %d-%d characters", PASSWORD_MIN,
                       PASSWORD_MAX);
    } else if (take_attempt(r, key, sizeof key, now)) {
        change(r, current, next, key, now);
    }
    json_decref(body);
}
