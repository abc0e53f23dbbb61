/* Accounts and sessions: register, login, logout, me. */
#include "server_internal.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "store.h"

#define USERNAME_MIN 3
#define USERNAME_MAX 32
#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

/* Usernames are restricted to ASCII letters, digits and _ . -, at
 * registration and at login. PostgreSQL's lower() (the unique index, the
 * lookup) and the limiter's key then fold case the same way: with any
 * Unicode allowed, lower() folds the Kelvin sign to k and U+0130 to i, so
 * "\u212Airk" would reach kirk's account under a limiter key of its own. */
static int valid_username(const char *u)
{
    size_t n = strlen(u);
    if (n < USERNAME_MIN || n > USERNAME_MAX)
        return 0;
    for (; *u; u++)
        if (!isalnum((unsigned char)*u) && *u != '_' && *u != '.' && *u != '-')
            return 0;
    return 1;
}

/* Length in code points; jansson has already rejected invalid UTF-8. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Pull {username, password} from the body; sends 400 and returns 0 when
 * either is missing or malformed. */
static int credentials(rs_req *r, json_t *body, const char **user, const char **pass)
{
    *user = json_string_value(json_object_get(body, "username"));
    *pass = json_string_value(json_object_get(body, "password"));
    if (!*user || !*pass) {
        rs_reply_error(r, 400, "bad_request", "username and password must be strings");
        return 0;
    }
    return 1;
}

static json_t *user_json(const PGresult *res, int row)
{
    return json_pack("{s:I, s:s, s:s}", "id",
                     (json_int_t)strtoll(PQgetvalue(res, row, 0), NULL, 10), "username",
                     PQgetvalue(res, row, 1), "created_at", PQgetvalue(res, row, 2));
}

static void send_session(rs_req *r, int status, json_t *user, const char *token)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr,
             "Set-Cookie: " RS_SESSION_COOKIE "=%s; HttpOnly; SameSite=Lax; Path=/; Max-Age=%d\r\n",
             token, r->srv->opt.session_ttl_s);
    rs_reply_json_hdr(r, status, json_pack("{s:o}", "user", user), hdr);
}

/* 429 with Retry-After: the windows are whole minutes. */
static void rate_limited(rs_req *r, const char *message)
{
    rs_reply_json_hdr(r, 429, json_pack("{s:s, s:s}", "error", "rate_limited", "message", message),
                      "Retry-After: 60\r\n");
}

static const char clear_cookie[] = "Set-Cookie: " RS_SESSION_COOKIE
                                   "=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0\r\n";

/* The limiter key for an account: its name folded to lower case, the same
 * folding as lower(username) for the ASCII names valid_username admits. */
static void account_key(const char *user, char *key, size_t size)
{
    snprintf(key, size, "acct:%.40s", user);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
}

void rs_api_register(rs_req *r)
{
    char ipkey[64];
    snprintf(ipkey, sizeof ipkey, "ip:%s", r->ri->remote_addr);
    time_t now = time(NULL);
    /* Hashing is deliberately expensive: registering counts against the
     * same per-IP allowance as logging in. */
    if (rs_ratelimit_exceeded(r->srv->rl_ip, ipkey, now)) {
        rate_limited(r, "too many attempts from this address; retry in a minute");
        return;
    }
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    const char *user, *pass;
    if (!credentials(r, body, &user, &pass))
        goto done;
    if (!valid_username(user)) {
        rs_reply_error(r, 400, "bad_request",
                       "username must be %d-%d characters of A-Z a-z 0-9 _ . -", USERNAME_MIN,
                       USERNAME_MAX);
        goto done;
    }
    size_t plen = utf8_len(pass);
    if (plen < PASSWORD_MIN || plen > PASSWORD_MAX) {
        rs_reply_error(r, 400, "bad_request", "password must be %d-%d characters", PASSWORD_MIN,
                       PASSWORD_MAX);
        goto done;
    }
    /* Counted before the hash, atomically: see rs_api_login. */
    if (!rs_ratelimit_take(r->srv->rl_ip, ipkey, now, 1)) {
        rate_limited(r, "too many attempts from this address; retry in a minute");
        goto done;
    }
    char hash[crypto_pwhash_STRBYTES];
    rs_error err = {0};
    rs_status st = rs_password_hash(pass, r->srv->opt.pwhash_opslimit, r->srv->opt.pwhash_memlimit,
                                    hash, sizeof hash, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto done;
    }
    /* The account and its first session are created together or not at all. */
    PGresult *res = NULL;
    char token[RS_SESSION_TOKEN_CHARS + 1], token_hash[65];
    st = rs_session_token_new(token, token_hash, &err);
    if (st == RS_OK)
        st = rs_store_user_register(r->srv->db, user, hash, token_hash, r->srv->opt.session_ttl_s,
                                    &res, &err);
    if (st != RS_OK)
        rs_reply_status(r, st, &err);
    else if (PQntuples(res) == 0)
        rs_reply_error(r, 409, "conflict", "username '%s' is taken", user);
    else
        send_session(r, 201, user_json(res, 0), token);
    PQclear(res);
done:
    json_decref(body);
}

void rs_api_login(rs_req *r)
{
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    const char *user, *pass;
    if (!credentials(r, body, &user, &pass))
        goto done;
    char ipkey[64], acctkey[64];
    snprintf(ipkey, sizeof ipkey, "ip:%s", r->ri->remote_addr);
    account_key(user, acctkey, sizeof acctkey);
    time_t now = time(NULL);
    /* Each attempt is counted before the password is hashed, in the same
     * locked step as the check: checking first and counting after the hash
     * let parallel attempts all pass the check (17 of 25 with a limit of
     * 10). A correct password gives its account attempt back below. */
    if (!rs_ratelimit_take(r->srv->rl_ip, ipkey, now, 1)) {
        rate_limited(r, "too many login attempts; retry in a minute");
        goto done;
    }
    if (!valid_username(user)) {
        /* No account can have this name; it must not reach lower(). */
        rs_reply_error(r, 401, "unauthorized", "invalid username or password");
        goto done;
    }
    if (!rs_ratelimit_take(r->srv->rl_account, acctkey, now, 1)) {
        rate_limited(r, "too many login attempts; retry in a minute");
        goto done;
    }
    PGresult *res = NULL;
    rs_error err = {0};
    /* acctkey + 5: the folded name */
    rs_status st = rs_store_user_by_name(r->srv->db, acctkey + 5, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto release;
    }
    int ok;
    if (PQntuples(res) == 1) {
        ok = rs_password_verify(PQgetvalue(res, 0, 3), pass);
    } else {
        rs_password_dummy_verify(pass, r->srv->opt.pwhash_opslimit, r->srv->opt.pwhash_memlimit);
        ok = 0;
    }
    if (!ok) {
        rs_reply_error(r, 401, "unauthorized", "invalid username or password");
        goto release;
    }
    rs_ratelimit_give_back(r->srv->rl_account, acctkey, now, 1);
    char token[RS_SESSION_TOKEN_CHARS + 1];
    st = rs_session_create(r->srv->db, strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                           r->srv->opt.session_ttl_s, token, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto release;
    }
    send_session(r, 200, user_json(res, 0), token);
release:
    PQclear(res);
done:
    json_decref(body);
}

void rs_api_logout(rs_req *r)
{
    char token[RS_SESSION_TOKEN_CHARS + 1];
    const char *cookies = mg_get_header(r->conn, "Cookie");
    /* Logging out is idempotent: no or stale cookie is still a 204. */
    if (cookies && mg_get_cookie(cookies, RS_SESSION_COOKIE, token, sizeof token) > 0) {
        /* Refused from now on, even while the DELETE is in flight. */
        rs_session_cache_forget_token(r->srv->sessions, token);
        rs_error err = {0};
        rs_status st = rs_session_delete(r->srv->db, token, &err);
        /* Again: a lookup that read the row before the DELETE committed
         * may have cached it after the first forget. */
        rs_session_cache_forget_token(r->srv->sessions, token);
        if (st != RS_OK) {
            rs_reply_status(r, st, &err);
            return;
        }
    }
    rs_reply_empty(r, 204, clear_cookie);
}

void rs_api_me(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    long long n;
    rs_error err = {0};
    rs_status st = rs_store_rating_count(r->srv->db, r->user_id, &n, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    rs_reply_json(r, 200,
                  json_pack("{s:{s:I, s:s, s:s, s:I}}", "user", "id", (json_int_t)r->user_id,
                            "username", r->username, "created_at", r->created_at, "n_ratings",
                            (json_int_t)n));
}

void rs_api_me_delete(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    /* One statement: sessions, ratings (through the stats trigger) and
     * exposures go with the account by ON DELETE CASCADE, atomically. */
    rs_error err = {0};
    rs_status st = rs_store_user_delete(r->srv->db, r->user_id, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    rs_session_cache_forget_user(r->srv->sessions, r->user_id);
    rs_body_cache_forget_user(r->srv->bodies, r->user_id);
    rs_lc_user_deleted(r->srv->lc, r->user_id);
    rs_reply_empty(r, 204, clear_cookie);
}
