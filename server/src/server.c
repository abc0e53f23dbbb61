/* The HTTP server: options, the route table, civetweb glue, static files. */
#include "server_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "api_lists.h"
#include "auth.h"
#include "recsys/config_fields.h"

/* The `server:` section as read, before it becomes rs_server_options
 * (sizes, KiB to bytes, paths resolved). Integers are int64_t so one
 * field type serves them all; the table's bounds fit each target. */
typedef struct server_scalars {
    int64_t port, threads, request_max_bytes, password_memlimit_kib;
    int64_t login_per_ip_per_min, login_per_account_per_min, session_ttl_s;
    int64_t request_timeout_ms, keep_alive_timeout_ms, exposures_per_user_per_min;
    int64_t exposure_queue_rows, session_cache_ttl_s, response_cache_ttl_ms;
    const char *bind, *static_dir, *tmdb_api_key;
} server_scalars;

#define I(key, member, lo, hi, dflt, doc)                                                    \
    {                                                                                        \
        key, RS_FIELD_INT64, offsetof(server_scalars, member), lo, hi, 0, 0, NULL, doc, dflt \
    }
#define S(key, member, max, dflt, doc)                                                        \
    {                                                                                         \
        key, RS_FIELD_STRING, offsetof(server_scalars, member), 0, max, 0, 0, NULL, doc, dflt \
    }
static const rs_config_field server_fields[] = {
    I("port", port, 0, 65535, "8080", "TCP port; 0 = any free port"),
    S("bind", bind, 63, "127.0.0.1", "address to listen on"),
    S("static_dir", static_dir, 1023, "../frontend/dist",
      "the built web app, relative to the config file"),
    /* Each civetweb worker serves one connection at a time, from its
     * request headers to the end of its keep-alive: the pool must outnumber
     * the slow or idle connections one client can cheaply hold open
     * (docs/security.md). 32 workers cost ~100 KiB of stack and one
     * max_request_size buffer each. */
    I("threads", threads, 1, 256, "32", "HTTP workers; each holds one connection"),
    S("tmdb_api_key", tmdb_api_key, 127, "", "TMDB key for posters; empty = generated posters"),
    I("request_max_bytes", request_max_bytes, 256, 64 << 20, "65536", "largest request body"),
    /* libsodium's minimum is 8 KiB; tests use a few MiB to stay fast. */
    I("password_memlimit_kib", password_memlimit_kib, 8, 4 << 20, NULL,
      "Argon2id memory in KiB; default libsodium's interactive limit (65536)"),
    I("login_per_ip_per_min", login_per_ip_per_min, 1, 1000000, "30",
      "login attempts per client IP per minute"),
    I("login_per_account_per_min", login_per_account_per_min, 1, 1000000, "10",
      "login attempts per account per minute"),
    I("session_ttl_s", session_ttl_s, 60, 365 * 86400, "2592000", "session lifetime (30 days)"),
    I("request_timeout_ms", request_timeout_ms, 100, 600000, "10000",
      "most a request's headers, and again its body, may take"),
    I("keep_alive_timeout_ms", keep_alive_timeout_ms, 0, 600000, "2000",
      "idle keep-alive connections are closed after this"),
    I("exposures_per_user_per_min", exposures_per_user_per_min, 0, 1000000, "500",
      "exposure rows logged per user per minute"),
    I("exposure_queue_rows", exposure_queue_rows, 0, 1 << 24, "65536",
      "exposure rows waiting for the batch writer; 0 = write synchronously"),
    I("session_cache_ttl_s", session_cache_ttl_s, 0, 3600, "60",
      "how long a validated session is trusted; 0 when a cluster: section is present and "
      "this key is not"),
    I("response_cache_ttl_ms", response_cache_ttl_ms, 0, 600000, "5000",
      "how long a prebuilt recommendation or similar body is reused"),
};
#undef I
#undef S

/* server.default_source, the older spelling of serving.default_source, is
 * read (and checked) by the config loader. */
static const char *const server_other_keys[] = {"default_source", NULL};

const rs_config_field *rs_server_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(server_fields);
    return server_fields;
}

static void scalars_default(server_scalars *s)
{
    memset(s, 0, sizeof *s);
    rs_config_fields_defaults(server_fields, RS_FIELD_COUNT(server_fields), s);
    s->password_memlimit_kib = crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024;
}

/* Everything but static_dir, which needs the config file's directory. */
static void scalars_apply(const server_scalars *s, rs_server_options *o)
{
    snprintf(o->bind, sizeof o->bind, "%s", s->bind);
    snprintf(o->tmdb_api_key, sizeof o->tmdb_api_key, "%s", s->tmdb_api_key);
    o->port = (int)s->port;
    o->threads = (int)s->threads;
    o->request_max_bytes = (size_t)s->request_max_bytes;
    o->pwhash_memlimit = (size_t)s->password_memlimit_kib * 1024;
    o->login_per_ip_per_min = (int)s->login_per_ip_per_min;
    o->login_per_account_per_min = (int)s->login_per_account_per_min;
    o->session_ttl_s = (int)s->session_ttl_s;
    o->request_timeout_ms = (int)s->request_timeout_ms;
    o->keep_alive_timeout_ms = (int)s->keep_alive_timeout_ms;
    o->exposures_per_user_per_min = (int)s->exposures_per_user_per_min;
    o->exposure_queue_rows = (int)s->exposure_queue_rows;
    o->session_cache_ttl_s = (int)s->session_cache_ttl_s;
    o->response_cache_ttl_ms = (int)s->response_cache_ttl_ms;
}

void rs_server_options_default(rs_server_options *o)
{
    server_scalars s;
    memset(o, 0, sizeof *o);
    scalars_default(&s);
    scalars_apply(&s, o);
    o->pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
}

rs_status rs_server_options_from_config(const rs_config *cfg, rs_server_options *o, rs_error *err)
{
    server_scalars s;
    rs_server_options_default(o);
    o->config = cfg;
    snprintf(o->work_dir, sizeof o->work_dir, "%s", cfg->work_dir ? cfg->work_dir : ".");
    /* serving.default_source (or the older server.default_source), checked
     * by the config loader. */
    const char *def = rs_config_role(cfg, RS_ROLE_DEFAULT_SOURCE);
    snprintf(o->default_source, sizeof o->default_source, "%s", def ? def : "");
    const rs_yaml_node *sec = rs_config_section(cfg, "server");
    scalars_default(&s);
    rs_status st = rs_config_fields_read(sec, "server", server_fields,
                                         RS_FIELD_COUNT(server_fields), server_other_keys, &s, err);
    if (st != RS_OK)
        return st;
    scalars_apply(&s, o);
    /* An empty static_dir keeps the default, as it always has. */
    char *abs = rs_config_resolve(cfg, *s.static_dir ? s.static_dir : "../frontend/dist");
    if (!abs)
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    snprintf(o->static_dir, sizeof o->static_dir, "%s", abs);
    free(abs);
    /* Replicas (a cluster: section) see each other's logouts only through
     * PostgreSQL: unless the config accepts a delay, every request asks it. */
    if (!rs_yaml_get(sec, "session_cache_ttl_s") && rs_config_section(cfg, "cluster"))
        o->session_cache_ttl_s = 0;
    return RS_OK;
}

/* ---- routes ------------------------------------------------------------ */

typedef struct route {
    const char *method;
    const char *pattern; /* segments; "{id}" matches a positive integer */
    void (*handler)(rs_req *r);
} route;

static const route routes[] = {
    {"POST", "/api/register", rs_api_register},
    {"POST", "/api/login", rs_api_login},
    {"POST", "/api/logout", rs_api_logout},
    {"GET", "/api/me", rs_api_me},
    {"DELETE", "/api/me", rs_api_me_delete},
    {"PUT", "/api/me/password", rs_api_me_password},
    {"GET", "/api/genres", rs_api_genres},
    {"GET", "/api/sources", rs_api_sources},
    {"GET", "/api/movies", rs_api_movies},
    {"GET", "/api/movies/{id}", rs_api_movie},
    {"GET", "/api/movies/{id}/similar", rs_api_similar},
    {"PUT", "/api/ratings/{id}", rs_api_rating_put},
    {"DELETE", "/api/ratings/{id}", rs_api_rating_delete},
    {"GET", "/api/ratings", rs_api_ratings},
    {"GET", "/api/recommendations", rs_api_recommendations},
    {"GET", "/api/onboarding", rs_api_onboarding},
    {"GET", "/api/me/marks", rs_api_me_marks},
    {"GET", "/api/watchlist", rs_api_watchlist},
    {"PUT", "/api/watchlist/{id}", rs_api_watchlist_put},
    {"DELETE", "/api/watchlist/{id}", rs_api_watchlist_delete},
    {"GET", "/api/hidden", rs_api_hidden},
    {"PUT", "/api/hidden/{id}", rs_api_hidden_put},
    {"DELETE", "/api/hidden/{id}", rs_api_hidden_delete},
    {"GET", "/api/posters/{id}", rs_api_poster},
    {"GET", "/api/evaluation", rs_api_evaluation},
    {"GET", "/api/health", rs_api_health},
    {"POST", "/api/admin/reload", rs_api_admin_reload},
    {"GET", "/api/admin/models", rs_api_admin_models},
    {"GET", "/api/admin/experiments", rs_api_admin_experiments},
    {"GET", "/metrics", rs_api_metrics},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])
/* Metrics rows after the table: unmatched API paths and static files. */
#define ROUTE_API_OTHER N_ROUTES
#define ROUTE_STATIC (N_ROUTES + 1)

static int split(rs_req *r, const char *uri)
{
    snprintf(r->path, sizeof r->path, "%s", uri);
    r->n_seg = 0;
    char *p = r->path;
    while (*p) {
        while (*p == '/')
            *p++ = '\0';
        if (!*p)
            break;
        if (r->n_seg == RS_PATH_SEGMENTS)
            return -1;
        r->seg[r->n_seg++] = p;
        while (*p && *p != '/')
            p++;
    }
    return 0;
}

/* 1 when the path matches the pattern; stores {id} into r->id. */
static int match(rs_req *r, const char *pattern)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", pattern);
    int i = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok;
         tok = strtok_r(NULL, "/", &save), i++) {
        if (i >= r->n_seg)
            return 0;
        if (strcmp(tok, "{id}") == 0) {
            /* Canonical decimal only: strtoll alone would also take "+1",
             * " 1" (from %201) and "01" as 1. */
            const char *d = r->seg[i];
            if (*d < '1' || *d > '9' || strspn(d, "0123456789") != strlen(d))
                return 0;
            errno = 0;
            long long v = strtoll(d, NULL, 10);
            if (errno)
                return 0;
            r->id = v;
        } else if (strcmp(tok, r->seg[i]) != 0) {
            return 0;
        }
    }
    return i == r->n_seg;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Everything outside /api and /metrics: the web app. Paths without a file
 * get index.html so client-side routes survive a reload. */
static void serve_static(rs_req *r)
{
    const char *dir = r->srv->opt.static_dir;
    const char *uri = r->ri->local_uri ? r->ri->local_uri : "/";
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        rs_reply_error(r, 405, "method_not_allowed", "%s is not allowed here", r->method);
        return;
    }
    char path[PATH_MAX];
    if (!dir[0] || strstr(uri, "..")) {
        rs_reply_error(r, 404, "not_found", "no such page");
        return;
    }
    snprintf(path, sizeof path, "%s%s", dir, uri);
    if (!is_file(path)) {
        /* A missing asset is a 404; a missing page is a client route. */
        const char *last = strrchr(uri, '/');
        if (last && strchr(last, '.')) {
            rs_reply_error(r, 404, "not_found", "no such file %s", uri);
            return;
        }
        snprintf(path, sizeof path, "%s/index.html", dir);
        if (!is_file(path)) {
            rs_reply_error(r, 404, "not_found",
                           "the web app is not built (no %s); run the frontend build", path);
            return;
        }
    }
    r->status = 200;
    mg_send_file(r->conn, path);
}

/* Route an /api or /metrics request; returns the metrics row. HEAD runs
 * the GET handler (rs_reply_raw drops the body). Any other method on a
 * known path, OPTIONS included, is a 405 naming the allowed ones: the API
 * is same-origin and answers no CORS preflight (docs/api.md). */
static size_t route_api(rs_req *r, const char *uri)
{
    if (split(r, uri) < 0) {
        rs_reply_error(r, 404, "not_found", "no such endpoint %s", uri);
        return ROUTE_API_OTHER;
    }
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    char allow[64] = "";
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!match(r, routes[i].pattern))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            routes[i].handler(r);
            return i;
        }
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s%s", n ? ", " : "", routes[i].method,
                 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
    }
    if (!allow[0]) {
        rs_reply_error(r, 404, "not_found", "no such endpoint %s", uri);
        return ROUTE_API_OTHER;
    }
    char hdr[96];
    snprintf(hdr, sizeof hdr, "Allow: %s\r\n", allow);
    rs_reply_json_hdr(
        r, 405, rs_error_body("method_not_allowed", "%s is not allowed on %s", r->method, uri),
        hdr);
    return ROUTE_API_OTHER;
}

/* Marks a connection whose response is complete but whose request body
 * was not read (rs_req_must_close). */
static char closing_mark;

/* civetweb calls this before it sends an error page of its own. For a
 * marked connection the response has already gone out: send nothing. */
static int http_error(struct mg_connection *conn, int status, const char *msg)
{
    (void)status;
    (void)msg;
    if (mg_get_user_connection_data(conn) != &closing_mark)
        return 1; /* civetweb's own page */
    mg_set_user_connection_data(conn, NULL);
    return 0;
}

static int handle(struct mg_connection *conn, void *ud)
{
    rs_server *s = ud;
    double t0 = now_s();
    rs_req r = {.srv = s, .conn = conn, .source = -1, .user_id = -1, .t0 = t0};
    r.ri = mg_get_request_info(conn);
    const char *te = mg_get_header(conn, "Transfer-Encoding");
    r.has_body = r.ri->content_length > 0 || (te && strcasecmp(te, "identity") != 0);
    mg_set_user_connection_data(conn, NULL);
    r.method = r.ri->request_method;
    r.query = r.ri->query_string ? r.ri->query_string : "";
    const char *uri = r.ri->local_uri ? r.ri->local_uri : "/";
    size_t metric_row = ROUTE_STATIC;
    int is_api = strncmp(uri, "/api/", 5) == 0 || strcmp(uri, "/api") == 0 ||
                 strcmp(uri, "/metrics") == 0;
    if (is_api)
        metric_row = ROUTE_API_OTHER;
    /* Text reaches PostgreSQL, JSON and logs: refuse what is not UTF-8
     * here, once, for the path and every query parameter. */
    if (rs_req_check_utf8(&r, uri) == 0) {
        if (!is_api) {
            split(&r, uri);
            serve_static(&r);
        } else {
            metric_row = route_api(&r, uri);
        }
    }
    rs_metrics_observe(s->metrics, metric_row, r.source, r.status, now_s() - t0);
    if (rs_req_must_close(&r)) {
        /* civetweb discards an unread body by reading it, bounded per read
         * but not in total: a client trickling a large Content-Length would
         * keep this worker for hours. Returning 0 ("not handled") instead
         * makes civetweb fall through to an error page, which http_error()
         * suppresses, and then close the connection because its body was
         * not consumed. tests/server/test_server_hardening.c pins this. */
        mg_set_user_connection_data(conn, &closing_mark);
        return 0;
    }
    return r.status ? r.status : 200;
}

/* civetweb logs through this; keep its messages on stderr, one line each. */
static int log_message(const struct mg_connection *conn, const char *msg)
{
    (void)conn;
    fprintf(stderr, "recsys: civetweb: %s\n", msg);
    return 1;
}

/* The request path, bottom up: the recommendation service (and its
 * cache), the lifecycle beside it, the serving layer over both. */
static rs_status init_serving(rs_server *s, rs_error *err)
{
    rs_reco_cache_config cache;
    const rs_config *cfg = s->opt.config;
    rs_status st = RS_OK;
    /* A bare server (no config) computes every request. */
    if (cfg)
        st = rs_reco_cache_config_parse(rs_config_section(cfg, "refresh"), &cache, err);
    if (st == RS_OK)
        st = rs_reco_service_new(s->engine, s->ml, s->db, cfg ? &cache : NULL, &s->reco, err);
    if (st == RS_OK)
        st = rs_reco_service_set_roles(s->reco, cfg, err);
    if (st != RS_OK)
        return st;
    rs_lc_deps deps = {cfg, s->engine, s->ml, s->db, s->reco};
    if ((st = rs_lc_new(&deps, &s->lc, err)) != RS_OK)
        return st;
    return rs_serving_new(s->reco, s->lc->active, s->data, s->db, s->rl_exposure, &s->serving, err);
}

static rs_status init_parts(rs_server *s, rs_error *err)
{
    s->n_sources = rs_engine_instance_count(s->engine);
    s->source_names = calloc(s->n_sources + 1, sizeof *s->source_names);
    if (!s->source_names)
        return rs_error_set(err, RS_ERR_NOMEM, "server: out of memory");
    for (size_t i = 0; i < s->n_sources; i++)
        s->source_names[i] = (char *)rs_engine_instance_name(s->engine, i);
    const char *names[N_ROUTES + 2];
    char labels[N_ROUTES][64];
    for (size_t i = 0; i < N_ROUTES; i++) {
        snprintf(labels[i], sizeof labels[i], "%s %s", routes[i].method, routes[i].pattern);
        names[i] = labels[i];
    }
    names[ROUTE_API_OTHER] = "other /api";
    names[ROUTE_STATIC] = "static";
    s->metrics = rs_metrics_new(N_ROUTES + 2, names, s->n_sources,
                                (const char *const *)s->source_names);
    s->rl_ip = rs_ratelimit_new(s->opt.login_per_ip_per_min);
    s->rl_account = rs_ratelimit_new(s->opt.login_per_account_per_min);
    s->rl_exposure = rs_ratelimit_new(s->opt.exposures_per_user_per_min);
    s->onboarding = rs_onboarding_new(s->data);
    if (s->opt.session_cache_ttl_s > 0)
        s->sessions = rs_session_cache_new(RS_SESSION_CACHE_ENTRIES, s->opt.session_cache_ttl_s);
    if (s->opt.response_cache_ttl_ms > 0)
        s->bodies = rs_body_cache_new(RS_BODY_CACHE_ENTRIES, s->opt.response_cache_ttl_ms);
    if (!s->metrics || !s->rl_ip || !s->rl_account || !s->rl_exposure || !s->onboarding ||
        (s->opt.session_cache_ttl_s > 0 && !s->sessions) ||
        (s->opt.response_cache_ttl_ms > 0 && !s->bodies))
        return rs_error_set(err, RS_ERR_NOMEM, "server: out of memory");
    rs_status st = s->opt.exposure_queue_rows > 0
                       ? rs_exposure_queue_new(s->db, (size_t)s->opt.exposure_queue_rows,
                                               &s->exposures, err)
                       : RS_OK;
    if (st == RS_OK)
        st = init_serving(s, err);
    if (st == RS_OK && s->exposures)
        rs_serving_set_exposure_queue(s->serving, s->exposures);
    return st == RS_OK ? rs_replica_new(s, &s->replica, err) : st;
}

static void free_parts(rs_server *s)
{
    rs_replica_free(s->replica); /* its threads use the lifecycle */
    rs_serving_free(s->serving);
    rs_exposure_queue_free(s->exposures); /* writes what is queued */
    rs_lc_free(s->lc);                    /* its threads use the reco service: first */
    rs_reco_service_free(s->reco);
    rs_onboarding_free(s->onboarding);
    rs_ratelimit_free(s->rl_ip);
    rs_ratelimit_free(s->rl_account);
    rs_ratelimit_free(s->rl_exposure);
    rs_metrics_free(s->metrics);
    rs_session_cache_free(s->sessions);
    rs_body_cache_free(s->bodies);
    free(s->source_names);
    free(s);
}

rs_status rs_server_start(const rs_server_options *opt, rs_engine *engine, const rs_movielens *ml,
                          rs_db *db, rs_server **out, rs_error *err)
{
    *out = NULL;
    rs_status st = rs_auth_init(err);
    if (st != RS_OK)
        return st;
    rs_server *s = calloc(1, sizeof *s);
    if (!s)
        return rs_error_set(err, RS_ERR_NOMEM, "server: out of memory");
    s->opt = *opt;
    s->engine = engine;
    s->ml = ml;
    s->data = rs_movielens_view(ml);
    s->db = db;
    st = init_parts(s, err);
    if (st != RS_OK) {
        free_parts(s);
        return st;
    }
    if (!rs_engine_instance_entry(engine, s->opt.default_source) && s->n_sources > 0) {
        fprintf(stderr, "recsys: serving.default_source '%s' is not configured; using '%s'\n",
                s->opt.default_source, s->source_names[0]);
        snprintf(s->opt.default_source, sizeof s->opt.default_source, "%s", s->source_names[0]);
    }
    char ports[96], threads[16], maxreq[32], req_ms[16], ka_ms[16];
    snprintf(ports, sizeof ports, "%s:%d", s->opt.bind, s->opt.port);
    snprintf(threads, sizeof threads, "%d", s->opt.threads);
    snprintf(maxreq, sizeof maxreq, "%zu", s->opt.request_max_bytes + 16384);
    snprintf(req_ms, sizeof req_ms, "%d", s->opt.request_timeout_ms);
    snprintf(ka_ms, sizeof ka_ms, "%d", s->opt.keep_alive_timeout_ms);
    const char *options[] = {"listening_ports", ports, "num_threads", threads, "enable_keep_alive",
                             s->opt.keep_alive_timeout_ms > 0 ? "yes" : "no",
                             /* An idle keep-alive connection holds a worker: keep it short. */
                             "keep_alive_timeout_ms", ka_ms,
                             /* Bounds the request headers in total and each body read;
         * rs_req_json bounds the body in total. */
                             "request_timeout_ms", req_ms, "max_request_size", maxreq,
                             "enable_directory_listing", "no",
                             /* civetweb answers CORS preflights itself unless both are empty;
         * the API is same-origin only (docs/api.md), so it answers none. */
                             "access_control_allow_origin", "", "access_control_allow_methods", "",
                             /* Responses are small; without this Nagle + delayed ACK add ~40 ms
         * to every keep-alive request. */
                             "tcp_nodelay", "1", NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.log_message = log_message;
    cb.http_error = http_error;
    /* libcurl's lazy global init is not thread-safe: do it here, before
     * any worker can look a poster up. */
    if (s->opt.tmdb_api_key[0] && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free_parts(s);
        return rs_error_set(err, RS_ERR_INTERNAL, "server: libcurl failed to initialise");
    }
    mg_init_library(0);
    s->mg = mg_start(&cb, s, options);
    if (!s->mg) {
        mg_exit_library();
        free_parts(s);
        return rs_error_set(err, RS_ERR_IO, "server: cannot listen on %s (in use or not permitted)",
                            ports);
    }
    mg_set_request_handler(s->mg, "/", handle, s);
    struct mg_server_port sp[4];
    int n = mg_get_server_ports(s->mg, 4, sp);
    s->port = n > 0 ? sp[0].port : s->opt.port;
    *out = s;
    return RS_OK;
}

int rs_server_port(const rs_server *s) { return s->port; }

void rs_server_drain(rs_server *s)
{
    if (!s)
        return;
    int64_t ms = rs_replica_drain(s->replica);
    /* Health answers 503 from now on; the load balancer's checks need this
     * long to take the replica out before the listener closes. */
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void rs_server_stop(rs_server *s)
{
    if (!s)
        return;
    /* mg_stop waits for the workers to finish their current request. */
    mg_stop(s->mg);
    mg_exit_library();
    if (s->opt.tmdb_api_key[0])
        curl_global_cleanup();
    free_parts(s);
}
