/*
 * PostgreSQL access for the server: a small fixed-size connection pool,
 * parameterised queries that translate libpq errors into rs_error, and the
 * schema migrations compiled into the binary (server/migrations).
 *
 * Thread contract: rs_db_acquire/rs_db_release and rs_db_ping may be called
 * from any number of threads at once. A PGconn returned by rs_db_acquire
 * belongs to the calling thread until it is released.
 */
#ifndef RECSYS_DB_H
#define RECSYS_DB_H

#include <libpq-fe.h>

#include "recsys/plugin.h"

typedef struct rs_db rs_db;

/* Open a pool of `size` connections (>= 1) to `url` (a libpq connection
 * string or URI). Connects one connection eagerly so a bad URL fails here;
 * the others connect on first use. */
rs_status rs_db_open(const char *url, int size, rs_db **out, rs_error *err);
void rs_db_free(rs_db *db);

/* Borrow a connection, waiting while all are in use. A broken connection
 * is reset before it is handed out. Returns NULL with err set when the
 * database cannot be reached. */
PGconn *rs_db_acquire(rs_db *db, rs_error *err);
void rs_db_release(rs_db *db, PGconn *conn);

/* Run `sql` with n text parameters ($1..$n; NULL entries are SQL NULL).
 * On success stores the result in *out (caller PQclears) or clears it when
 * out is NULL. On failure the result is cleared, err names the SQLSTATE
 * and libpq's message, and the status is RS_ERR_INVALID for an integrity
 * violation (SQLSTATE class 23) or RS_ERR_DATABASE otherwise. */
rs_status rs_db_exec(PGconn *conn, const char *sql, int n, const char *const *params,
                     PGresult **out, rs_error *err);

/* BEGIN / COMMIT / ROLLBACK. rollback never fails loudly: it is the
 * cleanup path. */
rs_status rs_db_begin(PGconn *conn, rs_error *err);
rs_status rs_db_commit(PGconn *conn, rs_error *err);
void rs_db_rollback(PGconn *conn);

/* Apply every migration not yet in schema_migrations, in order, in one
 * transaction (serialised against other processes by an advisory lock). */
rs_status rs_db_migrate(rs_db *db, rs_error *err);

/* Migrations compiled into this binary, in order. */
size_t rs_db_migration_count(void);
const char *rs_db_migration_name(size_t i);

/* RS_OK when a trivial query succeeds. */
rs_status rs_db_ping(rs_db *db, rs_error *err);

#endif /* RECSYS_DB_H */
