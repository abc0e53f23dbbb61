/* Connection pool and query helpers over libpq. */
#include "recsys/db.h"

#include <libpq-events.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rs_db {
    char *url;
    int size;
    PGconn **conns; /* [size]; NULL = not connected yet */
    int *busy;      /* [size] */
    pthread_mutex_t lock;
    pthread_cond_t freed;
};

/* libpq messages end with a newline; keep the error on one line. */
static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static rs_status conn_error(PGconn *c, const char *what, rs_error *err)
{
    rs_error_set(err, RS_ERR_DATABASE, "database: %s: %s", what,
                 c ? PQerrorMessage(c) : "out of memory");
    if (err)
        chomp(err->message);
    return RS_ERR_DATABASE;
}

/* Per-connection prepared statements, attached with libpq's event system
 * so they follow the connection through resets (cleared: the server
 * forgot them) and die with it. Parameterised queries are prepared on
 * first use; parse and plan then happen once per connection, not per
 * request. */
#define STMT_MAX 48

typedef struct stmt_cache {
    int n;
    char *sql[STMT_MAX];
} stmt_cache;

static void stmt_cache_clear(stmt_cache *sc)
{
    for (int i = 0; i < sc->n; i++)
        free(sc->sql[i]);
    sc->n = 0;
}

static int stmt_events(PGEventId id, void *info, void *pass)
{
    (void)pass;
    switch (id) {
    case PGEVT_REGISTER: {
        PGEventRegister *e = info;
        stmt_cache *sc = calloc(1, sizeof *sc);
        return sc && PQsetInstanceData(e->conn, stmt_events, sc);
    }
    case PGEVT_CONNRESET: {
        PGEventConnReset *e = info;
        stmt_cache *sc = PQinstanceData(e->conn, stmt_events);
        if (sc)
            stmt_cache_clear(sc);
        return 1;
    }
    case PGEVT_CONNDESTROY: {
        PGEventConnDestroy *e = info;
        stmt_cache *sc = PQinstanceData(e->conn, stmt_events);
        if (sc) {
            stmt_cache_clear(sc);
            free(sc);
        }
        return 1;
    }
    default: return 1;
    }
}

/* The prepared statement name for sql on conn ("" = run it unprepared). */
static void statement_for(PGconn *conn, const char *sql, int n, char name[16])
{
    name[0] = '\0';
    stmt_cache *sc = n > 0 ? PQinstanceData(conn, stmt_events) : NULL;
    if (!sc)
        return;
    for (int i = 0; i < sc->n; i++) {
        if (strcmp(sc->sql[i], sql) == 0) {
            snprintf(name, 16, "rs_%d", i);
            return;
        }
    }
    if (sc->n == STMT_MAX || PQtransactionStatus(conn) == PQTRANS_INERROR)
        return;
    char *copy = strdup(sql);
    if (!copy)
        return;
    snprintf(name, 16, "rs_%d", sc->n);
    PGresult *r = PQprepare(conn, name, sql, n, NULL);
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
        sc->sql[sc->n++] = copy;
    } else {
        /* Let the unprepared run report the error in full. */
        free(copy);
        name[0] = '\0';
    }
    PQclear(r);
}

static PGconn *connect_one(const char *url, rs_error *err)
{
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        conn_error(c, "cannot connect", err);
        PQfinish(c);
        return NULL;
    }
    /* Quiet NOTICEs (e.g. "relation already exists, skipping"). */
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    if (!PQregisterEventProc(c, stmt_events, "rs_db statements", NULL)) {
        rs_error_set(err, RS_ERR_NOMEM, "database: out of memory");
        PQfinish(c);
        return NULL;
    }
    return c;
}

rs_status rs_db_open(const char *url, int size, rs_db **out, rs_error *err)
{
    *out = NULL;
    if (!url || size < 1)
        return rs_error_set(err, RS_ERR_INVALID, "database: pool needs a URL and size >= 1");
    rs_db *db = calloc(1, sizeof *db);
    if (!db)
        return rs_error_set(err, RS_ERR_NOMEM, "database: out of memory");
    db->url = strdup(url);
    db->size = size;
    db->conns = calloc((size_t)size, sizeof *db->conns);
    db->busy = calloc((size_t)size, sizeof *db->busy);
    if (!db->url || !db->conns || !db->busy) {
        rs_db_free(db);
        return rs_error_set(err, RS_ERR_NOMEM, "database: out of memory");
    }
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->freed, NULL);
    db->conns[0] = connect_one(url, err);
    if (!db->conns[0]) {
        rs_db_free(db);
        return RS_ERR_DATABASE;
    }
    *out = db;
    return RS_OK;
}

void rs_db_free(rs_db *db)
{
    if (!db)
        return;
    if (db->conns) {
        for (int i = 0; i < db->size; i++)
            PQfinish(db->conns[i]);
        pthread_mutex_destroy(&db->lock);
        pthread_cond_destroy(&db->freed);
    }
    free(db->conns);
    free(db->busy);
    free(db->url);
    free(db);
}

PGconn *rs_db_acquire(rs_db *db, rs_error *err)
{
    int slot = -1;
    pthread_mutex_lock(&db->lock);
    for (;;) {
        for (int i = 0; i < db->size; i++) {
            if (!db->busy[i]) {
                slot = i;
                break;
            }
        }
        if (slot >= 0)
            break;
        pthread_cond_wait(&db->freed, &db->lock);
    }
    db->busy[slot] = 1;
    pthread_mutex_unlock(&db->lock);

    /* Connect / reset outside the lock: it may take a while. Only the
     * slot's borrower writes conns[slot], but rs_db_release scans every
     * slot under the lock, so the writes are made under it too. */
    PGconn *c = db->conns[slot];
    if (c && PQstatus(c) != CONNECTION_OK)
        PQreset(c);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        pthread_mutex_lock(&db->lock);
        db->conns[slot] = NULL;
        pthread_mutex_unlock(&db->lock);
        PQfinish(c);
        c = connect_one(db->url, err);
        pthread_mutex_lock(&db->lock);
        db->conns[slot] = c;
        if (!c) {
            db->busy[slot] = 0;
            pthread_cond_signal(&db->freed);
        }
        pthread_mutex_unlock(&db->lock);
    }
    return c;
}

void rs_db_release(rs_db *db, PGconn *conn)
{
    if (!conn)
        return;
    pthread_mutex_lock(&db->lock);
    for (int i = 0; i < db->size; i++) {
        if (db->conns[i] == conn) {
            /* A connection left inside a transaction (a bug upstream)
             * must not leak its state into the next borrower. */
            if (PQtransactionStatus(conn) != PQTRANS_IDLE)
                PQclear(PQexec(conn, "ROLLBACK"));
            db->busy[i] = 0;
            break;
        }
    }
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->lock);
}

rs_status rs_db_exec(PGconn *conn, const char *sql, int n, const char *const *params,
                     PGresult **out, rs_error *err)
{
    if (out)
        *out = NULL;
    char name[16];
    statement_for(conn, sql, n, name);
    PGresult *r = name[0] ? PQexecPrepared(conn, name, n, params, NULL, NULL, 0)
                          : PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (out)
            *out = r;
        else
            PQclear(r);
        return RS_OK;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    rs_status code = (state && strncmp(state, "23", 2) == 0) ? RS_ERR_INVALID : RS_ERR_DATABASE;
    rs_error_set(err, code, "database: SQLSTATE %s: %s", state ? state : "?",
                 r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    if (err)
        chomp(err->message);
    PQclear(r);
    return code;
}

rs_status rs_db_begin(PGconn *conn, rs_error *err)
{
    return rs_db_exec(conn, "BEGIN", 0, NULL, NULL, err);
}

rs_status rs_db_commit(PGconn *conn, rs_error *err)
{
    return rs_db_exec(conn, "COMMIT", 0, NULL, NULL, err);
}

void rs_db_rollback(PGconn *conn) { PQclear(PQexec(conn, "ROLLBACK")); }

rs_status rs_db_ping(rs_db *db, rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = rs_db_exec(c, "SELECT 1", 0, NULL, NULL, err);
    rs_db_release(db, c);
    return st;
}
