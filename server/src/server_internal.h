/* Server-internal: the server object, the request context every handler
 * gets, and the response helpers (http.c). Not a public header. */
#ifndef RS_SERVER_INTERNAL_H
#define RS_SERVER_INTERNAL_H

#include <civetweb.h>
#include <jansson.h>

#include "recsys/reco.h"
#include "recsys/server.h"

#include "lifecycle.h"
#include "metrics.h"
#include "onboarding.h"
#include "ratelimit.h"
#include "body_cache.h"
#include "exposure_queue.h"
#include "replica.h"
#include "serving.h"
#include "session_cache.h"

struct rs_server {
    rs_server_options opt;
    rs_engine *engine;
    const rs_movielens *ml;
    const rs_dataset *data;
    rs_db *db;
    rs_reco_service *reco; /* lists, computed or cached */
    rs_lc *lc;             /* gate, retrainer, experiments, admin token */
    rs_serving *serving;   /* arms, interleaving, exposures */
    rs_replica *replica;   /* readiness, drain; in a cluster: versions, trainer */
    rs_metrics *metrics;
    rs_ratelimit *rl_ip, *rl_account;
    rs_ratelimit *rl_exposure; /* exposure rows per user per minute */
    rs_onboarding *onboarding;
    /* Per-request costs a cached answer should not pay (issue 15). */
    rs_session_cache *sessions;   /* NULL: every lookup asks PostgreSQL */
    rs_exposure_queue *exposures; /* NULL: exposures written synchronously */
    rs_body_cache *bodies;        /* prebuilt JSON of cached and similar lists;
                                   * NULL: built per request */
    char **source_names;          /* [n_sources] instance names, for metrics */
    size_t n_sources;
    struct mg_context *mg;
    int port;
};

/* Sizes of the request-path caches (issue 15); their lifetimes are
 * server.session_cache_ttl_s and server.response_cache_ttl_ms. */
#define RS_SESSION_CACHE_ENTRIES 16384
#define RS_BODY_CACHE_ENTRIES 8192

#define RS_PATH_SEGMENTS 8

typedef struct rs_req {
    rs_server *srv;
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const char *method;
    const char *query; /* raw query string, "" when none */
    char path[512];    /* decoded path, split into seg[] */
    char *seg[RS_PATH_SEGMENTS];
    int n_seg;
    int64_t id;    /* the {id} segment, when the route has one */
    int source;    /* metrics: instance index, -1 none */
    int status;    /* response status sent */
    double t0;     /* monotonic seconds when handling began */
    int has_body;  /* Content-Length > 0 or chunked */
    int body_read; /* rs_req_json consumed all of it */
    /* Set by rs_req_user() on success. */
    int64_t user_id;
    char username[40];
    char created_at[40];
} rs_req;

/* ---- responses (each sends one complete response) ---------------------- */

/* Send `body` (stolen, may be NULL for an empty object) as JSON. */
void rs_reply_json(rs_req *r, int status, json_t *body);
/* Like rs_reply_json with extra header lines ("Name: value\r\n..."). */
void rs_reply_json_hdr(rs_req *r, int status, json_t *body, const char *headers);
/* {"error": code, "message": ...} */
void rs_reply_error(rs_req *r, int status, const char *code, const char *fmt, ...) RS_PRINTF(4, 5);
/* The error object rs_reply_error sends (new reference, never NULL but on
 * out of memory). Bytes of the message that are not UTF-8 (a client's
 * text echoed back) are written as \xNN so the body stays valid JSON with
 * a message. */
json_t *rs_error_body(const char *code, const char *fmt, ...) RS_PRINTF(2, 3);
/* Translate an rs_status from a lower layer into the right 4xx/5xx. */
void rs_reply_status(rs_req *r, rs_status st, const rs_error *err);
void rs_reply_empty(rs_req *r, int status, const char *headers);
void rs_reply_raw(rs_req *r, int status, const char *type, const char *body, size_t len,
                  const char *headers);

/* ---- requests ---------------------------------------------------------- */

/* 1 when the connection must close after this response: the request has
 * a body the handler did not read. civetweb would otherwise read and
 * discard the rest, for as long as a slow client takes to send it. */
int rs_req_must_close(const rs_req *r);
/* 0 when the decoded path `uri` and every percent-decoded query parameter
 * name and value are UTF-8 without NUL; else sends 400 and returns -1. */
int rs_req_check_utf8(rs_req *r, const char *uri);

/* Parse the JSON object body. Sends 413/415/400 and returns NULL when it is
 * too large, not application/json or not a JSON object; 408 (and closes
 * the connection) when the body does not arrive within
 * server.request_timeout_ms of the request's start. */
json_t *rs_req_json(rs_req *r);
/* Integer query parameter in [lo, hi]; `def` when absent. Sends 400 and
 * returns -1 when it is malformed or out of range, else 0. */
int rs_req_int(rs_req *r, const char *name, long def, long lo, long hi, long *out);
/* String query parameter (URL-decoded); 1 found, 0 absent, -1 too long (400
 * sent). */
int rs_req_str(rs_req *r, const char *name, char *buf, size_t size);
/* Authenticate from the rs_session cookie. Sends 401 (or 503) and returns
 * 0 when there is no valid session; 1 with r->user_* set otherwise. */
int rs_req_user(rs_req *r);
/* Like rs_req_user for pages that also serve anonymous visitors: 1 user
 * set, 0 anonymous (user_id = -1), -1 reply sent (database down). */
int rs_req_user_opt(rs_req *r);
/* The named source's instance index for metrics (-1 unknown). */
int rs_req_source_index(const rs_req *r, const char *name);

/* ---- movies as JSON ---------------------------------------------------- */

/* A movie row as the store returns it (store.h): id, title, year, genres
 * joined by '|', tmdb_id, imdb_id, n_ratings, rating sum, starting at
 * column `col`; the store's functions say what follows. */
#define RS_MOVIE_NCOLS 8
json_t *rs_movie_json(const PGresult *res, int row, int col);
/* Movie objects for catalogue items, in order (NULL entries for ids the
 * table lacks). Returns a JSON array of [n] or NULL with a reply sent. */
json_t *rs_movies_by_items(rs_req *r, const int32_t *items, size_t n);
/* The response items of a recommendation or similar list, in order:
 * {"movie", "score"}, plus "explanation" (null when an item has none)
 * when the list carries explanations, plus "source" when `credit` (one
 * source name per item) is given. Returns a JSON array, or NULL with a
 * reply sent. */
json_t *rs_reco_list_json(rs_req *r, const rs_reco_list *l,
                          const char (*credit)[RS_SOURCE_NAME_MAX]);

/* ---- handlers ---------------------------------------------------------- */

void rs_api_register(rs_req *r);
void rs_api_login(rs_req *r);
void rs_api_logout(rs_req *r);
void rs_api_me(rs_req *r);
void rs_api_me_delete(rs_req *r);
void rs_api_me_password(rs_req *r);
void rs_api_genres(rs_req *r);
void rs_api_sources(rs_req *r);
void rs_api_movies(rs_req *r);
void rs_api_movie(rs_req *r);
void rs_api_similar(rs_req *r);
void rs_api_rating_put(rs_req *r);
void rs_api_rating_delete(rs_req *r);
void rs_api_ratings(rs_req *r);
void rs_api_recommendations(rs_req *r);
void rs_api_onboarding(rs_req *r);
void rs_api_poster(rs_req *r);
void rs_api_evaluation(rs_req *r);
void rs_api_health(rs_req *r);
void rs_api_metrics(rs_req *r);
void rs_api_admin_reload(rs_req *r);
void rs_api_admin_models(rs_req *r);
void rs_api_admin_experiments(rs_req *r);

#endif
