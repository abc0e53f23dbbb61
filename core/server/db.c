/* Connection pool and query helpers over libpq. */
#include "recsys/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rs_db {
    char *url;
    int size;
    PGconn **conns;   /* [size]; NULL = not connected yet */
    int *busy;        /* [size] */
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

    /* Connect / reset outside the lock: it may take a while. */
    PGconn *c = db->conns[slot];
    if (c && PQstatus(c) != CONNECTION_OK)
        PQreset(c);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        c = connect_one(db->url, err);
        db->conns[slot] = c;
    }
    if (!c) {
        pthread_mutex_lock(&db->lock);
        db->busy[slot] = 0;
        pthread_cond_signal(&db->freed);
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

rs_status rs_db_exec(PGconn *conn, const char *sql, int n,
                     const char *const *params, PGresult **out,
                     rs_error *err)
{
    if (out)
        *out = NULL;
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (out)
            *out = r;
        else
            PQclear(r);
        return RS_OK;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    rs_status code = (state && strncmp(state, "23", 2) == 0) ? RS_ERR_INVALID
                                                             : RS_ERR_DATABASE;
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

void rs_db_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

rs_status rs_db_ping(rs_db *db, rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = rs_db_exec(c, "SELECT 1", 0, NULL, NULL, err);
    rs_db_release(db, c);
    return st;
}
