/* Test support HTTP client (see http_client.h). */
#include "http_client.h"

#include <check.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    http_resp *r = ud;
    size_t add = size * n;
    char *b = realloc(r->body, r->len + add + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, p, add);
    r->body = b;
    r->len += add;
    b[r->len] = '\0';
    return add;
}

static void copy_value(char *dst, size_t size, const char *line, size_t n)
{
    const char *v = memchr(line, ':', n);
    if (!v)
        return;
    v++;
    while (*v == ' ')
        v++;
    size_t len = n - (size_t)(v - line);
    while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n'))
        len--;
    snprintf(dst, size, "%.*s", (int)len, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    http_resp *r = ud;
    size_t len = size * n;
    if (len > 11 && strncasecmp(p, "Set-Cookie:", 11) == 0) {
        copy_value(r->set_cookie, sizeof r->set_cookie, p, len);
        const char *c = strstr(r->set_cookie, "rs_session=");
        if (c) {
            c += 11;
            size_t cl = strcspn(c, ";");
            snprintf(r->cookie, sizeof r->cookie, "%.*s", (int)cl, c);
        }
    } else if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
        copy_value(r->content_type, sizeof r->content_type, p, len);
    } else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        copy_value(r->retry_after, sizeof r->retry_after, p, len);
    } else if (len > 9 && strncasecmp(p, "Location:", 9) == 0) {
        copy_value(r->location, sizeof r->location, p, len);
    }
    return len;
}

int http_do_on(void *curl, int port, const char *method, const char *path, const char *body,
               const char *content_type, const char *cookie, const char *bearer, http_resp *out)
{
    CURL *c = curl;
    memset(out, 0, sizeof *out);
    curl_easy_reset(c);
    char url[1024], ck[256], ct[160], auth[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = NULL;
    if (body) {
        snprintf(ct, sizeof ct, "Content-Type: %s",
                 content_type ? content_type : "application/json");
        h = curl_slist_append(h, ct);
    }
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    /* Send "/../" as written: the server, not the client, must refuse it. */
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (cookie) {
        snprintf(ck, sizeof ck, "rs_session=%s", cookie);
        curl_easy_setopt(c, CURLOPT_COOKIE, ck);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    /* Several threads run clients at once: no signal-based timeouts. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    if (out->body && strstr(out->content_type, "json"))
        out->json = json_loadb(out->body, out->len, 0, NULL);
    if (!out->body)
        out->body = calloc(1, 1);
    return rc == CURLE_OK ? 0 : -1;
}

int http_do(int port, const char *method, const char *path, const char *body,
            const char *content_type, const char *cookie, http_resp *out)
{
    CURL *c = curl_easy_init();
    if (!c) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = http_do_on(c, port, method, path, body, content_type, cookie, NULL, out);
    curl_easy_cleanup(c);
    return rc;
}

void http_resp_free(http_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

const char *http_error_code(const http_resp *r)
{
    const char *s = json_string_value(json_object_get(r->json, "error"));
    return s ? s : "";
}

long long db_scalar(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    long long v = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else
            fprintf(stderr, "db_scalar(%s): %s", sql, PQerrorMessage(c));
        PQclear(r);
    }
    PQfinish(c);
    return v;
}

void http_call(int port, http_resp *r, const char *method, const char *path, const char *body,
               const char *cookie)
{
    http_resp_free(r);
    ck_assert_msg(http_do(port, method, path, body, NULL, cookie, r) == 0, "%s %s failed", method,
                  path);
}

void http_expect_error(const http_resp *r, long status, const char *code)
{
    ck_assert_msg(r->status == status, "expected %ld, got %ld: %s", status, r->status, r->body);
    ck_assert_msg(r->json != NULL, "not JSON: %s", r->body);
    ck_assert_str_eq(http_error_code(r), code);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "message")));
}
