/* Schema migrations: migrations/NNN_name.sql, compiled in by CMake
 * (embed_migrations.cmake), applied in order in a single transaction. */
#include "recsys/db.h"

#include <stdio.h>
#include <stdlib.h>

#include "migrations_gen.h"

size_t rs_db_migration_count(void) { return rs_migrations_n; }

const char *rs_db_migration_name(size_t i)
{
    return i < rs_migrations_n ? rs_migrations[i].name : NULL;
}

static rs_status applied(PGconn *c, const char *name, int *yes, rs_error *err)
{
    PGresult *r;
    const char *p[1] = {name};
    rs_status st = rs_db_exec(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, &r,
                              err);
    if (st != RS_OK)
        return st;
    *yes = PQntuples(r) > 0;
    PQclear(r);
    return RS_OK;
}

static rs_status apply_one(PGconn *c, size_t i, rs_error *err)
{
    /* Migration files hold several statements (and dollar-quoted function
     * bodies), which only the simple-query protocol accepts; they are
     * static text compiled into the binary, never user input. */
    PGresult *r = PQexec(c, rs_migrations[i].sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rs_error_set(err, RS_ERR_DATABASE, "database: migration %s failed: %s",
                     rs_migrations[i].name, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        PQclear(r);
        return RS_ERR_DATABASE;
    }
    PQclear(r);
    const char *p[1] = {rs_migrations[i].name};
    return rs_db_exec(c, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, p, NULL, err);
}

rs_status rs_db_migrate(rs_db *db, rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = rs_db_begin(c, err);
    if (st != RS_OK)
        goto release;
    /* Two servers starting at once against one database must not both
     * apply a migration: the second waits here, then sees it applied. */
    st = rs_db_exec(c, "SELECT pg_advisory_xact_lock(7307001)", 0, NULL, NULL, err);
    if (st == RS_OK)
        st = rs_db_exec(c,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        " version text PRIMARY KEY,"
                        " applied_at timestamptz NOT NULL DEFAULT now())",
                        0, NULL, NULL, err);
    for (size_t i = 0; st == RS_OK && i < rs_migrations_n; i++) {
        int yes = 0;
        st = applied(c, rs_migrations[i].name, &yes, err);
        if (st == RS_OK && !yes)
            st = apply_one(c, i, err);
    }
    if (st == RS_OK)
        st = rs_db_commit(c, err);
    else
        rs_db_rollback(c);
release:
    rs_db_release(db, c);
    return st;
}
