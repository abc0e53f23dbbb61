/*
 * `recsys serve`: the JSON API (docs/api.md, docs/openapi.yaml) and the web
 * app's static files over civetweb, persisting to PostgreSQL.
 *
 * Three layers, each usable alone:
 *   rs_server   the HTTP server over ready parts (engine, dataset, pool).
 *   rs_app      everything `recsys serve` does from a config file: dataset,
 *               engine (load or train), database (a private cluster when
 *               none is configured), migrations, catalogue, rs_server.
 *   rs_serve_command_run  the command itself once cli/ parsed its
 *               arguments (signals, open, wait, close).
 *
 * Thread contract: start/stop/free from one thread; the server answers
 * requests on its own worker threads between start and stop.
 */
#ifndef RECSYS_SERVER_H
#define RECSYS_SERVER_H

#include "recsys/config.h"
#include "recsys/config_fields.h"
#include "recsys/dataset.h"
#include "recsys/db.h"
#include "recsys/engine.h"

/* The `server:` section, with defaults from rs_server_options_default. */
typedef struct rs_server_options {
    char bind[64];                           /* 127.0.0.1 */
    int port;                                /* 8080; 0 = any free port */
    int threads;                             /* civetweb workers, 32 (docs/security.md) */
    char static_dir[1024];                   /* absolute; "" = serve no static files */
    char default_source[RS_SOURCE_NAME_MAX]; /* serving.default_source */
    char tmdb_api_key[128];                  /* "" = generated posters only */
    size_t request_max_bytes;                /* 65536 */
    char work_dir[1024];                     /* posters cache, eval/report.json */
    /* Argon2id cost. OPSLIMIT/MEMLIMIT_INTERACTIVE by default; tests lower
     * the memory limit (server.password_memlimit_kib). */
    unsigned long long pwhash_opslimit;
    size_t pwhash_memlimit;
    /* Login attempts allowed per minute per client IP and per account. */
    int login_per_ip_per_min;      /* 30 */
    int login_per_account_per_min; /* 10 */
    int session_ttl_s;             /* 30 days */
    /* Slow clients (docs/security.md): the most a connection may spend
     * sending one request's headers, and again its body; how long an idle
     * keep-alive connection may hold a worker. */
    int request_timeout_ms;    /* 10000 */
    int keep_alive_timeout_ms; /* 2000 */
    /* Exposure rows written per user per minute; answers beyond it are
     * served but not logged. */
    int exposures_per_user_per_min; /* 500 */
    /* Exposure rows that may wait in memory for the batch writer; 0 =
     * write each response's rows synchronously, on the request path. */
    int exposure_queue_rows; /* 65536 */
    /* Request-path caches (issue 15; 0 turns one off): how long a
     * validated session is trusted without asking PostgreSQL (a logout,
     * deletion or password change on this server ends it at once; one on
     * another replica within this), and how long a prebuilt recommendation
     * or similar body may be reused while its list is unchanged (bounds
     * how old the movies' rating counts in it can be). */
    int session_cache_ttl_s;   /* 60; 0 when a cluster: section is
                                     * present and this key is not */
    int response_cache_ttl_ms; /* 5000 */
    /* The config the options came from (rs_server_options_from_config);
     * its refresh, swap_gate, retrain, experiments and admin sections set
     * up the model lifecycle (docs/lifecycle.md). NULL = none of it. */
    const rs_config *config;
} rs_server_options;

void rs_server_options_default(rs_server_options *o);

/* Read the `server:` section of cfg into o through its field table
 * (unknown keys, bad types and values out of range fail with
 * file:line:column and 'server.key'). Relative static_dir resolves against the config
 * file's directory; work_dir comes from cfg. */
rs_status rs_server_options_from_config(const rs_config *cfg, rs_server_options *o, rs_error *err);

/* The `server:` section's field table (recsys/config_fields.h): every key
 * with its type, default, range and doc, for docs and tests. Static. */
const rs_config_field *rs_server_config_fields(size_t *n);

typedef struct rs_server rs_server;

/* Start serving. engine, ml and db must outlive the server. */
rs_status rs_server_start(const rs_server_options *opt, rs_engine *engine, const rs_movielens *ml,
                          rs_db *db, rs_server **out, rs_error *err);
/* The port actually bound (useful with port 0). */
int rs_server_port(const rs_server *s);
/* Start draining: GET /api/health answers 503 "draining" from now on, and
 * this returns after cluster.drain_wait_ms (0 without a cluster: section)
 * so a load balancer stops sending new requests; rs_server_stop then closes
 * the listener and lets in-flight requests finish. NULL is a no-op. */
void rs_server_drain(rs_server *s);
/* Stop accepting, let in-flight requests finish, free. NULL is a no-op. */
void rs_server_stop(rs_server *s);

typedef struct rs_app rs_app;

/* Load everything `recsys serve` needs from `config_path` and start the
 * server; port_override >= 0 replaces server.port. Progress goes to
 * stderr. */
rs_status rs_app_open(const char *config_path, int port_override, rs_app **out, rs_error *err);
int rs_app_port(const rs_app *app);
/* The database URL in use (the private cluster's when one was started). */
const char *rs_app_database_url(const rs_app *app);

/* The `database:` section's field table (recsys/config_fields.h). Static. */
const rs_config_field *rs_app_database_config_fields(size_t *n);
/* Stop the server, free the engine and dataset, stop the private cluster
 * if this app started it. NULL is a no-op. */
void rs_app_close(rs_app *app);

/* `recsys serve` after argument parsing (cli/serve_cmd.c). */
typedef struct rs_serve_command {
    const char *config_path; /* the host config */
    int port;                /* >= 0 replaces server.port; -1 keeps it */
} rs_serve_command;

/* Block SIGINT/SIGTERM (before any thread starts, so only this thread
 * sees them), open the app, serve until one arrives, close. Returns the
 * exit code: 0 after a clean shutdown, 1 when the app could not start
 * (the reason on stderr). Call from the main thread. */
int rs_serve_command_run(const rs_serve_command *cmd);

#endif /* RECSYS_SERVER_H */
