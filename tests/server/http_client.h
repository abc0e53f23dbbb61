/* Test support: a tiny libcurl HTTP client for driving the server, and
 * direct libpq checks of what the database holds. */
#ifndef RS_TEST_HTTP_CLIENT_H
#define RS_TEST_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

typedef struct http_resp {
    long status;
    char *body; /* NUL-terminated */
    size_t len;
    json_t *json;         /* parsed body or NULL */
    char cookie[128];     /* rs_session value from Set-Cookie, "" if none */
    char set_cookie[512]; /* the raw Set-Cookie header */
    char content_type[128];
    char location[512];
    char retry_after[16];
} http_resp;

/* Perform method on http://127.0.0.1:port<path>. body may be NULL;
 * content_type NULL means application/json when there is a body. cookie
 * is the rs_session value to send (NULL = none). Returns 0 on transport
 * success. */
int http_do(int port, const char *method, const char *path, const char *body,
            const char *content_type, const char *cookie, http_resp *out);
/* The same on the caller's libcurl easy handle (a CURL *, reset first and
 * reused, so the connection stays alive across calls), with an optional
 * bearer token (Authorization: Bearer ..., NULL = none). Safe to run on
 * several threads, one handle each. out is overwritten, not freed. */
int http_do_on(void *curl, int port, const char *method, const char *path, const char *body,
               const char *content_type, const char *cookie, const char *bearer, http_resp *out);
void http_resp_free(http_resp *r);

/* The "error" member of a JSON error body, or "" */
const char *http_error_code(const http_resp *r);

/* For Check suites: free *r, perform the request into it and fail the test
 * on a transport error (any HTTP status is the caller's to check). */
void http_call(int port, http_resp *r, const char *method, const char *path, const char *body,
               const char *cookie);
/* Fail the test unless *r is `status` with a JSON error body {error: code,
 * message}. */
void http_expect_error(const http_resp *r, long status, const char *code);

/* One integer from a SQL query against url (e.g. "SELECT count(*) ..."). */
long long db_scalar(const char *url, const char *sql);

#endif
