/* Every SQL statement of the server (see store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement on a borrowed pool connection. */
static rs_status exec1(rs_db *db, const char *sql, int n, const char *const *p, PGresult **out,
                       rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = rs_db_exec(c, sql, n, p, out, err);
    rs_db_release(db, c);
    return st;
}

static void fmt_id(char *buf, size_t size, int64_t id)
{
    snprintf(buf, size, "%lld", (long long)id);
}

/* ---- ratings as the models see them ------------------------------------- */

/* Rows of (user_id, movie_id, rating, epoch seconds) to fn. */
static rs_status each_rating(PGresult *r, rs_store_rating_fn fn, void *ctx, rs_error *err)
{
    rs_status st = RS_OK;
    for (int i = 0; i < PQntuples(r) && st == RS_OK; i++) {
        rs_store_rating row = {strtoll(PQgetvalue(r, i, 0), NULL, 10),
                               strtoll(PQgetvalue(r, i, 1), NULL, 10),
                               strtof(PQgetvalue(r, i, 2), NULL),
                               strtoll(PQgetvalue(r, i, 3), NULL, 10)};
        st = fn(ctx, &row, err);
    }
    PQclear(r);
    return st;
}

rs_status rs_store_user_model_ratings(rs_db *db, int64_t user_id, rs_store_rating_fn fn,
                                      void *ctx, rs_error *err)
{
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[1] = {uid};
    PGresult *r;
    /* "Not interested" reaches the models as the lowest rating: a model
     * that learns from dislikes (the content profile pushes away from films
     * rated below its neutral rating) takes it as one, and models that
     * read positives only ignore it. Either way it counts as rated, so no
     * model proposes it. A real rating of the same film wins. */
    rs_status st = exec1(db,
        "SELECT user_id, movie_id, rating, extract(epoch FROM updated_at)::bigint"
        " FROM ratings WHERE user_id = $1"
        " UNION ALL"
        " SELECT l.user_id, l.movie_id, " RS_STORE_HIDDEN_RATING_SQL ","
        " extract(epoch FROM l.added_at)::bigint"
        " FROM user_lists l WHERE l.user_id = $1 AND l.list = 'hidden'"
        " AND NOT EXISTS (SELECT 1 FROM ratings x"
        "                 WHERE x.user_id = $1 AND x.movie_id = l.movie_id)",
        1, p, &r, err);
    return st == RS_OK ? each_rating(r, fn, ctx, err) : st;
}

rs_status rs_store_all_ratings(rs_db *db, rs_store_rating_fn fn, void *ctx, rs_error *err)
{
    PGresult *r;
    rs_status st = exec1(db,
        "SELECT user_id, movie_id, rating, extract(epoch FROM updated_at)::bigint"
        " FROM ratings", 0, NULL, &r, err);
    return st == RS_OK ? each_rating(r, fn, ctx, err) : st;
}

/* ---- exposures ----------------------------------------------------------- */

/* Append s to a PostgreSQL array literal, quoted when `quote`. */
static size_t array_elem(char *buf, size_t used, size_t size, const char *s, int quote)
{
    if (used + 1 < size && used > 1)
        buf[used++] = ',';
    if (quote && used + 1 < size)
        buf[used++] = '"';
    for (; *s && used + 2 < size; s++) {
        if (quote && (*s == '"' || *s == '\\'))
            buf[used++] = '\\';
        buf[used++] = *s;
    }
    if (quote && used + 1 < size)
        buf[used++] = '"';
    buf[used] = '\0';
    return used;
}

/* "{a,b,...}" of n elements (at most 64 bytes each quoted) into a new
 * buffer; NULL when out of memory. */
static char *array_literal(size_t n, const char *const *elems, int quote)
{
    size_t size = n * 72 + 4, used = 1;
    char *buf = malloc(size);
    if (!buf)
        return NULL;
    buf[0] = '{';
    buf[1] = '\0';
    for (size_t i = 0; i < n; i++)
        used = array_elem(buf, used, size - 1, elems[i], quote);
    buf[used++] = '}';
    buf[used] = '\0';
    return buf;
}

rs_status rs_store_exposures_add(rs_db *db, int64_t user_id, const int64_t *movie_ids,
                                 const char *const *sources, size_t n, const char *arm,
                                 rs_error *err)
{
    char uid[24];
    char(*ids)[24] = malloc((n ? n : 1) * sizeof *ids);
    const char **idp = malloc((n ? n : 1) * sizeof *idp);
    char *movies = NULL, *srcs = NULL;
    rs_status st = RS_OK;
    if (!ids || !idp) {
        st = rs_error_set(err, RS_ERR_NOMEM, "store: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        fmt_id(ids[i], sizeof ids[i], movie_ids[i]);
        idp[i] = ids[i];
    }
    movies = array_literal(n, idp, 0);
    srcs = array_literal(n, sources, 1);
    if (!movies || !srcs) {
        st = rs_error_set(err, RS_ERR_NOMEM, "store: out of memory");
        goto done;
    }
    fmt_id(uid, sizeof uid, user_id);
    const char *p[4] = {uid, movies, srcs, arm};
    /* One statement: every row of a response shares now(), which is how
     * the statistics group rows into responses. */
    st = exec1(db,
               "INSERT INTO exposures (user_id, movie_id, source, arm, position)"
               " SELECT $1::bigint, m, src, NULLIF($4, ''), (p - 1)::int"
               " FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS t(m, src, p)",
               4, p, NULL, err);
done:
    free(ids);
    free(idp);
    free(movies);
    free(srcs);
    return st;
}
