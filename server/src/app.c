/* `recsys serve`: wires config, dataset, engine, database and server. */
#include "server_internal.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "recsys/config_fields.h"
#include "recsys/dataset_formats.h"

struct rs_app {
    rs_config *cfg;
    rs_movielens *ml;
    rs_engine *engine;
    rs_db *db;
    rs_server *server;
    char *db_url;
    char *cluster_dir; /* set when this app serves on a private cluster */
    int cluster_lock;  /* fd of cluster_dir/serving.lock, or -1 */
    char *cluster_script;
};

/* Run argv, capture the first line of its stdout. Returns the exit status
 * (or -1 when it could not run). stderr passes through unless quiet. */
static int run_capture(char *const argv[], char *line, size_t size, int quiet)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        /* rs_serve_command_run blocks SIGINT/SIGTERM; PostgreSQL must not inherit
         * that mask or pg_ctl stop could not reach it. */
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_UNBLOCK, &all, NULL);
        dup2(fd[1], STDOUT_FILENO);
        if (quiet) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0)
                dup2(devnull, STDERR_FILENO);
        }
        close(fd[0]);
        close(fd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t got;
    char buf[512];
    while ((got = read(fd[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < got; i++)
            if (n + 1 < size)
                line[n++] = buf[i];
    close(fd[0]);
    if (size)
        line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *cluster_script(void)
{
    const char *env = getenv("RECSYS_PG_CLUSTER");
    if (env && *env)
        return strdup(env);
#ifdef RS_PG_CLUSTER_SCRIPT
    if (access(RS_PG_CLUSTER_SCRIPT, X_OK) == 0)
        return strdup(RS_PG_CLUSTER_SCRIPT);
#endif
#ifdef RS_PG_CLUSTER_INSTALLED
    if (access(RS_PG_CLUSTER_INSTALLED, X_OK) == 0)
        return strdup(RS_PG_CLUSTER_INSTALLED);
#endif
    return NULL;
}

/* Whoever serves on a private cluster owns its shutdown, whether it started
 * the cluster or adopted one that was already running (left by a crashed
 * server, or by a second server on the same work_dir). Every server holds
 * a shared flock on DIR/serving.lock while it serves; at close, the one
 * whose exclusive lock succeeds is the last and stops the cluster. The
 * kernel drops the lock of a killed process, so a crash never keeps the
 * cluster alive past the next server's shutdown. */
static rs_status start_cluster(rs_app *app, rs_error *err)
{
    app->cluster_script = cluster_script();
    if (!app->cluster_script)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "database.url is empty and scripts/pg-cluster was not found "
                            "(set RECSYS_PG_CLUSTER or RECSYS_DATABASE_URL)");
    size_t len = strlen(app->cfg->work_dir) + 24;
    char *dir = malloc(len), *lock = malloc(len);
    if (!dir || !lock) {
        free(dir);
        free(lock);
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    }
    snprintf(dir, len, "%s/pg", app->cfg->work_dir);
    snprintf(lock, len, "%s/pg/serving.lock", app->cfg->work_dir);
    mkdir(app->cfg->work_dir, 0755);
    mkdir(dir, 0755);
    app->cluster_dir = dir;
    /* O_CLOEXEC: pg-cluster and the postmaster it starts must not inherit
     * the lock, or it would outlive every server. */
    app->cluster_lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (app->cluster_lock < 0) {
        rs_error_set(err, RS_ERR_IO, "database: cannot open %s: %s", lock, strerror(errno));
        free(lock);
        return RS_ERR_IO;
    }
    /* Blocks while another server is stopping the cluster. */
    while (flock(app->cluster_lock, LOCK_SH) != 0 && errno == EINTR)
        ;
    char line[512];
    char *status_argv[] = {app->cluster_script, "status", dir, NULL};
    if (run_capture(status_argv, line, sizeof line, 1) == 0)
        fprintf(stderr, "recsys: adopting the running private PostgreSQL under %s\n", dir);
    else
        fprintf(stderr, "recsys: starting private PostgreSQL under %s\n", dir);
    char *start_argv[] = {app->cluster_script, "start", dir, NULL};
    int rc = run_capture(start_argv, line, sizeof line, 0);
    if (rc != 0 || !line[0]) {
        rs_error_set(err, RS_ERR_DATABASE,
                     "database: %s start %s failed (exit %d); see its message above",
                     app->cluster_script, dir, rc);
        free(lock);
        return RS_ERR_DATABASE;
    }
    free(lock);
    app->db_url = strdup(line);
    return app->db_url ? RS_OK : rs_error_set(err, RS_ERR_NOMEM, "out of memory");
}

static void stop_cluster(rs_app *app)
{
    if (!app->cluster_dir || app->cluster_lock < 0)
        return;
    if (flock(app->cluster_lock, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr,
                "recsys: another server still uses the private PostgreSQL under %s; "
                "leaving it running\n",
                app->cluster_dir);
    } else {
        char line[256];
        char *argv[] = {app->cluster_script, "stop", app->cluster_dir, NULL};
        if (run_capture(argv, line, sizeof line, 0) != 0)
            fprintf(stderr, "recsys: stopping the private PostgreSQL under %s failed\n",
                    app->cluster_dir);
    }
    close(app->cluster_lock);
    app->cluster_lock = -1;
}

/* The `database:` section as read. */
typedef struct database_scalars {
    const char *url;
    int64_t pool_size;
} database_scalars;

static const rs_config_field database_fields[] = {
    {"url", RS_FIELD_STRING, offsetof(database_scalars, url), 0, 0, 0, 0, NULL,
     "PostgreSQL URL; empty: a private cluster under <work_dir>/pg (RECSYS_DATABASE_URL "
     "overrides)",
     ""},
    {"pool_size", RS_FIELD_INT64, offsetof(database_scalars, pool_size), 1, 64, 0, 0, NULL,
     "connections; default server.threads + 2", NULL},
};

const rs_config_field *rs_app_database_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(database_fields);
    return database_fields;
}

/* Read the database: section before anything slow runs, so a typo in it
 * fails at once. *pool holds the default (server.threads + 2) and gets
 * pool_size; app->db_url gets the URL, or stays NULL for the private
 * cluster. */
static rs_status database_config(rs_app *app, int64_t *pool, rs_error *err)
{
    database_scalars d = {.pool_size = *pool};
    rs_config_fields_defaults(database_fields, RS_FIELD_COUNT(database_fields), &d);
    rs_status st = rs_config_fields_read(rs_config_section(app->cfg, "database"), "database",
                                         database_fields, RS_FIELD_COUNT(database_fields), NULL, &d,
                                         err);
    if (st != RS_OK)
        return st;
    const char *url = d.url;
    *pool = d.pool_size;
    const char *env = getenv("RECSYS_DATABASE_URL");
    if (env && *env)
        url = env;
    if (url && *url && !(app->db_url = strdup(url)))
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    return RS_OK;
}

rs_status rs_app_open(const char *config_path, int port_override, rs_app **out, rs_error *err)
{
    *out = NULL;
    rs_app *app = calloc(1, sizeof *app);
    if (!app)
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    app->cluster_lock = -1;
    rs_server_options opt;
    int64_t pool = 0;
    rs_status st = rs_config_load(config_path, &app->cfg, err);
    if (st == RS_OK)
        st = rs_server_options_from_config(app->cfg, &opt, err);
    if (st != RS_OK)
        goto fail;
    if (port_override >= 0)
        opt.port = port_override;
    pool = opt.threads + 2;
    if ((st = database_config(app, &pool, err)) != RS_OK)
        goto fail;
    fprintf(stderr, "recsys: loading %s\n", app->cfg->data_dir);
    /* MovieLens (data:) or the config's dataset: section */
    st = rs_dataset_load_config(app->cfg, &app->ml, NULL, err);
    if (st == RS_OK)
        st = rs_engine_new(app->cfg, rs_movielens_view(app->ml), &app->engine, err);
    if (st == RS_OK)
        st = rs_engine_load_or_train(app->engine, 0, err);
    if (st == RS_OK && !app->db_url)
        st = start_cluster(app, err);
    if (st == RS_OK)
        st = rs_db_open(app->db_url, (int)pool, &app->db, err);
    if (st == RS_OK)
        st = rs_db_migrate(app->db, err);
    if (st == RS_OK)
        st = rs_catalog_sync(app->db, rs_movielens_view(app->ml), err);
    if (st == RS_OK)
        st = rs_server_start(&opt, app->engine, app->ml, app->db, &app->server, err);
    if (st != RS_OK)
        goto fail;
    fprintf(stderr, "recsys: serving on http://%s:%d/\n",
            strcmp(opt.bind, "0.0.0.0") == 0 ? "127.0.0.1" : opt.bind, rs_server_port(app->server));
    *out = app;
    return RS_OK;
fail:
    rs_app_close(app);
    return st;
}

int rs_app_port(const rs_app *app) { return rs_server_port(app->server); }

const char *rs_app_database_url(const rs_app *app) { return app->db_url; }

void rs_app_close(rs_app *app)
{
    if (!app)
        return;
    /* Order matters: no request may outlive the engine or the pool. */
    rs_server_stop(app->server);
    rs_db_free(app->db);
    rs_engine_free(app->engine);
    rs_movielens_free(app->ml);
    rs_config_free(app->cfg);
    stop_cluster(app);
    free(app->cluster_dir);
    free(app->cluster_script);
    free(app->db_url);
    free(app);
}

int rs_serve_command_run(const rs_serve_command *cmd)
{
    const char *config = cmd->config_path;
    int port = cmd->port;
    /* Block the signals before any thread exists, so every civetweb worker
     * inherits the mask and only sigwait below sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    rs_error err = {0};
    rs_app *app = NULL;
    if (rs_app_open(config, port, &app, &err) != RS_OK) {
        fprintf(stderr, "recsys serve: %s\n", err.message);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "recsys: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rs_server_drain(app->server);
    rs_app_close(app);
    fprintf(stderr, "recsys: stopped\n");
    return 0;
}
