/* Request parsing and response helpers shared by every handler. */
#include "server_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "json_limit.h"
#include "store.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    }
    return "Status";
}

void rs_reply_raw(rs_req *r, int status, const char *type, const char *body, size_t len,
                  const char *headers)
{
    r->status = status;
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "%s%s\r\n",
                     status, reason(status), type, len, headers ? headers : "",
                     rs_req_must_close(r) ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof head) {
        mg_printf(r->conn, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
        r->status = 500;
        return;
    }
    if (strcmp(r->method, "HEAD") == 0)
        len = 0;
    /* One write for head and body: one segment for small responses. */
    char stackbuf[16384];
    char *buf = (size_t)n + len <= sizeof stackbuf ? stackbuf : malloc((size_t)n + len);
    if (!buf) {
        mg_write(r->conn, head, (size_t)n);
        mg_write(r->conn, body, len);
        return;
    }
    memcpy(buf, head, (size_t)n);
    if (len)
        memcpy(buf + n, body, len);
    mg_write(r->conn, buf, (size_t)n + len);
    if (buf != stackbuf)
        free(buf);
}

void rs_reply_json_hdr(rs_req *r, int status, json_t *body, const char *headers)
{
    if (!body)
        body = json_object();
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(7));
    json_decref(body);
    if (!text) {
        static const char oom[] = "{\"error\":\"internal\",\"message\":\"out of memory\"}";
        rs_reply_raw(r, 500, "application/json", oom, sizeof oom - 1, NULL);
        return;
    }
    rs_reply_raw(r, status, "application/json", text, strlen(text), headers);
    free(text);
}

void rs_reply_json(rs_req *r, int status, json_t *body)
{
    rs_reply_json_hdr(r, status, body, NULL);
}

/* 1 when s[0..n) is UTF-8 without NUL. jansson decides, so query strings
 * and paths obey the same rule as JSON bodies (and PostgreSQL's). */
static int utf8_clean(const char *s, size_t n)
{
    if (memchr(s, '\0', n))
        return 0;
    json_t *j = json_stringn(s, n);
    json_decref(j);
    return j != NULL;
}

#define ERROR_MESSAGE_MAX (RS_ERROR_MESSAGE_MAX + 64)

static json_t *error_body(const char *code, const char *msg)
{
    json_t *m = json_string(msg);
    if (!m) {
        /* Not UTF-8 (echoed client bytes, or vsnprintf cut a sequence):
         * keep ASCII, spell every other byte as \xNN. */
        char safe[ERROR_MESSAGE_MAX * 4];
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *)msg; *p && n + 5 < sizeof safe; p++)
            n += (size_t)(*p < 0x80 ? snprintf(safe + n, sizeof safe - n, "%c", *p)
                                    : snprintf(safe + n, sizeof safe - n, "\\x%02x", *p));
        safe[n] = '\0';
        m = json_string(safe);
    }
    return json_pack("{s:s, s:o*}", "error", code, "message", m);
}

json_t *rs_error_body(const char *code, const char *fmt, ...)
{
    char msg[ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return error_body(code, msg);
}

void rs_reply_error(rs_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (status >= 500)
        fprintf(stderr, "recsys: %s %s: %d %s\n", r->method, r->path, status, msg);
    rs_reply_json(r, status, error_body(code, msg));
}

void rs_reply_status(rs_req *r, rs_status st, const rs_error *err)
{
    const char *msg = err ? err->message : rs_status_str(st);
    switch (st) {
    case RS_ERR_INVALID:
    case RS_ERR_UNSUPPORTED: rs_reply_error(r, 400, "bad_request", "%s", msg); break;
    case RS_ERR_NOT_FOUND: rs_reply_error(r, 404, "not_found", "%s", msg); break;
    case RS_ERR_DATABASE: rs_reply_error(r, 503, "unavailable", "%s", msg); break;
    default: rs_reply_error(r, 500, "internal", "%s", msg); break;
    }
}

void rs_reply_empty(rs_req *r, int status, const char *headers)
{
    r->status = status;
    mg_printf(r->conn, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n%s%s\r\n", status, reason(status),
              headers ? headers : "", rs_req_must_close(r) ? "Connection: close\r\n" : "");
}

int rs_req_must_close(const rs_req *r) { return r->has_body && !r->body_read; }

int rs_req_check_utf8(rs_req *r, const char *uri)
{
    if (!utf8_clean(uri, strlen(uri))) {
        rs_reply_error(r, 400, "bad_request", "the request path is not valid UTF-8");
        return -1;
    }
    size_t qlen = strlen(r->query);
    if (qlen == 0)
        return 0;
    if (qlen > INT32_MAX / 2) {
        rs_reply_error(r, 400, "bad_request", "the query string is too long");
        return -1;
    }
    /* Decoded text is never longer than its encoding. */
    char *name = malloc(2 * (qlen + 1)), *value = name ? name + qlen + 1 : NULL;
    if (!name) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return -1;
    }
    int rc = 0;
    for (const char *p = r->query; *p && rc == 0; p += *p == '&') {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        int n = mg_url_decode(p, (int)nlen, name, (int)qlen + 1, 1);
        int v = eq ? mg_url_decode(eq + 1, (int)(len - nlen - 1), value, (int)qlen + 1, 1) : 0;
        if (n < 0 || v < 0 || !utf8_clean(name, (size_t)n)) {
            rs_reply_error(r, 400, "bad_request",
                           "a query parameter name is not valid UTF-8 once decoded");
            rc = -1;
        } else if (!utf8_clean(value, (size_t)v)) {
            rs_reply_error(r, 400, "bad_request",
                           "query parameter %s is not valid UTF-8 once decoded", name);
            rc = -1;
        }
        p += len;
    }
    free(name);
    return rc;
}

static double elapsed_s(const rs_req *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - r->t0;
}

json_t *rs_req_json(rs_req *r)
{
    size_t max = r->srv->opt.request_max_bytes;
    long long len = r->ri->content_length;
    if (len > 0 && (unsigned long long)len > max) {
        rs_reply_error(r, 413, "payload_too_large",
                       "request body of %lld bytes exceeds the limit of %zu", len, max);
        return NULL;
    }
    const char *type = mg_get_header(r->conn, "Content-Type");
    if (!type || strncasecmp(type, "application/json", 16) != 0 ||
        (type[16] && type[16] != ';' && type[16] != ' ')) {
        rs_reply_error(r, 415, "unsupported_media_type", "Content-Type must be application/json");
        return NULL;
    }
    /* Content-Length may be absent (chunked): read at most max + 1. */
    char *body = malloc(max + 1);
    if (!body) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return NULL;
    }
    /* civetweb's mg_read(len) returns when len bytes came or when no byte
     * came for request_timeout_ms: a client trickling a byte a second
     * keeps one read going for as long as it likes. So read a byte at a
     * time (from civetweb's buffer, usually: the body tends to arrive with
     * the headers) and give the whole body one deadline. */
    double limit = r->srv->opt.request_timeout_ms / 1000.0;
    size_t n = 0;
    int late = 0;
    while (n < max + 1 && !late && mg_read(r->conn, body + n, 1) == 1) {
        n++;
        late = elapsed_s(r) > limit && (len < 0 || n < (size_t)len);
    }
    if (late || (len > 0 && n < (size_t)len && n <= max)) {
        free(body);
        char of[48] = "";
        if (len > 0)
            snprintf(of, sizeof of, " of %lld", len);
        rs_reply_error(r, 408, "request_timeout",
                       "the request body did not arrive within %d ms (%zu%s bytes came)",
                       r->srv->opt.request_timeout_ms, n, of);
        return NULL;
    }
    if (n > max) {
        free(body);
        rs_reply_error(r, 413, "payload_too_large", "request body exceeds the limit of %zu bytes",
                       max);
        return NULL;
    }
    r->body_read = 1;
    char msg[256];
    json_t *j = rs_json_parse_body(body, n, msg, sizeof msg);
    free(body);
    if (!j)
        rs_reply_error(r, 400, "bad_request", "%s", msg);
    return j;
}

int rs_req_str(rs_req *r, const char *name, char *buf, size_t size)
{
    int n = mg_get_var(r->query, strlen(r->query), name, buf, size);
    if (n == -1) {
        buf[0] = '\0';
        return 0;
    }
    if (n < 0) {
        rs_reply_error(r, 400, "bad_request", "query parameter %s is too long (max %zu)", name,
                       size - 1);
        return -1;
    }
    return 1;
}

int rs_req_int(rs_req *r, const char *name, long def, long lo, long hi, long *out)
{
    char buf[32];
    int found = rs_req_str(r, name, buf, sizeof buf);
    if (found < 0)
        return -1;
    if (!found) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || end == buf || *end || v < lo || v > hi) {
        rs_reply_error(r, 400, "bad_request", "%s must be an integer in %ld..%ld, got '%s'", name,
                       lo, hi, buf);
        return -1;
    }
    *out = v;
    return 0;
}

int rs_req_source_index(const rs_req *r, const char *name)
{
    for (size_t i = 0; name && i < r->srv->n_sources; i++)
        if (strcmp(r->srv->source_names[i], name) == 0)
            return (int)i;
    return -1;
}

/* 1 user found, 0 no cookie or no live session (nothing sent), -1 reply
 * sent (database unreachable). */
static int lookup_user(rs_req *r)
{
    char token[RS_SESSION_TOKEN_CHARS + 1];
    const char *cookies = mg_get_header(r->conn, "Cookie");
    if (!cookies || mg_get_cookie(cookies, RS_SESSION_COOKIE, token, sizeof token) <= 0)
        return 0;
    rs_session_info info;
    uint64_t epoch = 0;
    if (r->srv->sessions && rs_session_cache_get(r->srv->sessions, token, &info, &epoch)) {
        r->user_id = info.user_id;
        snprintf(r->username, sizeof r->username, "%s", info.username);
        snprintf(r->created_at, sizeof r->created_at, "%s", info.created_at);
        return 1;
    }
    rs_error err = {0};
    int found = 0;
    double expires_at = 0;
    rs_status st = rs_session_lookup(r->srv->db, token, &r->user_id, r->username,
                                     sizeof r->username, r->created_at, sizeof r->created_at,
                                     &expires_at, &found, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return -1;
    }
    if (found && r->srv->sessions) {
        info.user_id = r->user_id;
        snprintf(info.username, sizeof info.username, "%s", r->username);
        snprintf(info.created_at, sizeof info.created_at, "%s", r->created_at);
        rs_session_cache_put(r->srv->sessions, token, &info, expires_at, epoch);
    }
    return found;
}

int rs_req_user(rs_req *r)
{
    int got = lookup_user(r);
    if (got == 0)
        rs_reply_error(r, 401, "unauthorized", "log in first (no valid session)");
    return got == 1;
}

int rs_req_user_opt(rs_req *r)
{
    int got = lookup_user(r);
    if (got == 0)
        r->user_id = -1;
    return got;
}

static json_t *opt_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null()
                                      : json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

json_t *rs_movie_json(const PGresult *res, int row, int col)
{
    long long id = strtoll(PQgetvalue(res, row, col), NULL, 10);
    json_t *genres = json_array();
    char *g = PQgetvalue(res, row, col + 3);
    while (*g) {
        char *bar = strchr(g, '|');
        size_t len = bar ? (size_t)(bar - g) : strlen(g);
        json_array_append_new(genres, json_stringn(g, len));
        g += len + (bar ? 1 : 0);
    }
    long long n = strtoll(PQgetvalue(res, row, col + 6), NULL, 10);
    double sum = strtod(PQgetvalue(res, row, col + 7), NULL);
    char poster[48];
    snprintf(poster, sizeof poster, "/api/posters/%lld", id);
    json_t *mean = n > 0 ? json_real(round(sum / (double)n * 1000.0) / 1000.0) : json_null();
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:s}", "id", (json_int_t)id, "title",
                     PQgetvalue(res, row, col + 1), "year", opt_int(res, row, col + 2), "genres",
                     genres, "tmdb_id", opt_int(res, row, col + 4), "imdb_id",
                     opt_int(res, row, col + 5), "mean_rating", mean, "n_ratings", (json_int_t)n,
                     "poster_url", poster);
}

json_t *rs_movies_by_items(rs_req *r, const int32_t *items, size_t n)
{
    int64_t *ids = calloc(n ? n : 1, sizeof *ids);
    if (!ids) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = r->srv->data->items[items[i]].movie_id;
    PGresult *res;
    rs_error err = {0};
    rs_status st = rs_store_movies_by_ids(r->srv->db, ids, n, &res, &err);
    if (st != RS_OK) {
        free(ids);
        rs_reply_status(r, st, &err);
        return NULL;
    }
    json_t *out = json_array();
    int rows = PQntuples(res);
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_null();
        for (int k = 0; k < rows; k++) {
            if (strtoll(PQgetvalue(res, k, 0), NULL, 10) == ids[i]) {
                json_decref(m);
                m = rs_movie_json(res, k, 0);
                break;
            }
        }
        json_array_append_new(out, m);
    }
    PQclear(res);
    free(ids);
    return out;
}

/* An item's "explanation": null, or {"because": movie or null, "parts"}. */
static json_t *explanation_json(const rs_req *r, const rs_reco_list *l, size_t i)
{
    if (!rs_reco_list_explained(l, i))
        return json_null();
    const rs_explanation *e = &l->explain[i];
    json_t *because = json_null();
    if (e->because_item >= 0 && e->because_item < r->srv->data->n_items) {
        const rs_item_meta *m = &r->srv->data->items[e->because_item];
        json_decref(because);
        because = json_pack("{s:I, s:s}", "id", (json_int_t)m->movie_id, "title",
                            m->title ? m->title : "");
    }
    json_t *parts = json_array();
    for (uint32_t k = 0; k < e->n_parts && k < RS_EXPLAIN_MAX_PARTS; k++) {
        char src[RS_SOURCE_NAME_MAX + 1];
        memcpy(src, e->parts[k].source, RS_SOURCE_NAME_MAX);
        src[RS_SOURCE_NAME_MAX] = '\0'; /* a plugin may fill all 32 bytes */
        json_array_append_new(
            parts, json_pack("{s:s, s:f}", "source", src, "share", (double)e->parts[k].share));
    }
    return json_pack("{s:o, s:o}", "because", because, "parts", parts);
}

json_t *rs_reco_list_json(rs_req *r, const rs_reco_list *l,
                          const char (*credit)[RS_SOURCE_NAME_MAX])
{
    int32_t items[RS_RECO_K_MAX] = {0};
    size_t n = l->n < RS_RECO_K_MAX ? l->n : RS_RECO_K_MAX;
    for (size_t i = 0; i < n; i++)
        items[i] = l->items[i].item;
    json_t *movies = rs_movies_by_items(r, items, n);
    if (!movies)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_pack("{s:O, s:f}", "movie", json_array_get(movies, i), "score",
                               (double)l->items[i].score);
        if (l->explain)
            json_object_set_new(it, "explanation", explanation_json(r, l, i));
        if (credit) /* which source each shown movie came from */
            json_object_set_new(it, "source", json_string(credit[i]));
        json_array_append_new(list, it);
    }
    json_decref(movies);
    return list;
}
