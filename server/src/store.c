/* Every SQL statement of the server (see store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One statement on a borrowed pool connection. */
static rs_status exec1(rs_db *db, const char *sql, int n, const char *const *p, PGresult **out,
                       rs_error *err)
{
    if (out)
        *out = NULL;
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
        rs_store_rating row = {
            strtoll(PQgetvalue(r, i, 0), NULL, 10), strtoll(PQgetvalue(r, i, 1), NULL, 10),
            strtof(PQgetvalue(r, i, 2), NULL), strtoll(PQgetvalue(r, i, 3), NULL, 10)};
        st = fn(ctx, &row, err);
    }
    PQclear(r);
    return st;
}

rs_status rs_store_user_model_ratings(rs_db *db, int64_t user_id, rs_store_rating_fn fn, void *ctx,
                                      rs_error *err)
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
                         " FROM ratings",
                         0, NULL, &r, err);
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

rs_status rs_store_exposures_add_rows(rs_db *db, const char *const arrays[6], size_t *written,
                                      rs_error *err)
{
    PGresult *res = NULL;
    *written = 0;
    /* The rows the one-response INSERT above writes, with each response's
     * own time (taken when it was queued) and in queue order. */
    rs_status st = exec1(
        db,
        "INSERT INTO exposures (user_id, movie_id, source, arm, position, shown_at)"
        " SELECT t.u, t.m, t.s, NULLIF(t.a, ''), t.p,"
        " timestamptz 'epoch' + t.us * interval '1 microsecond'"
        " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],"
        "             $5::int[], $6::bigint[])"
        "      WITH ORDINALITY AS t(u, m, s, a, p, us, o)"
        " WHERE EXISTS (SELECT 1 FROM users WHERE id = t.u)"
        " ORDER BY t.o",
        6, arrays, &res, err);
    if (res) {
        *written = (size_t)strtoull(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    return st;
}

/* ---- accounts and sessions ------------------------------------------------ */

#define CREATED_AT "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The session statements on the caller's connection (register runs them
 * inside its transaction). */
static rs_status session_add(PGconn *c, const char *token_hash, int64_t user_id, int ttl_s,
                             rs_error *err)
{
    char uid[24], ttl[24];
    fmt_id(uid, sizeof uid, user_id);
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    /* Expired sessions are useless; drop this user's while we are here, so
     * the table does not grow with every login. */
    const char *u[1] = {uid};
    rs_status st = rs_db_exec(c, "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()",
                              1, u, NULL, err);
    if (st != RS_OK)
        return st;
    const char *p[3] = {token_hash, uid, ttl};
    return rs_db_exec(c,
                      "INSERT INTO sessions (token_hash, user_id, expires_at)"
                      " VALUES ($1, $2, now() + make_interval(secs => $3::int))",
                      3, p, NULL, err);
}

rs_status rs_store_user_register(rs_db *db, const char *username, const char *password_hash,
                                 const char *token_hash, int ttl_s, PGresult **out, rs_error *err)
{
    *out = NULL;
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    /* The account and its first session are created together or not at all. */
    const char *p[2] = {username, password_hash};
    rs_status st = rs_db_begin(c, err);
    if (st == RS_OK)
        st = rs_db_exec(c,
                        "INSERT INTO users (username, password_hash) VALUES ($1, $2)"
                        " ON CONFLICT DO NOTHING RETURNING id, username, " CREATED_AT,
                        2, p, out, err);
    if (st == RS_OK && PQntuples(*out) == 0) {
        rs_db_rollback(c); /* taken: the caller sees no row */
        goto release;
    }
    if (st == RS_OK)
        st = session_add(c, token_hash, strtoll(PQgetvalue(*out, 0, 0), NULL, 10), ttl_s, err);
    if (st == RS_OK)
        st = rs_db_commit(c, err);
    if (st != RS_OK) {
        rs_db_rollback(c);
        PQclear(*out);
        *out = NULL;
    }
release:
    rs_db_release(db, c);
    return st;
}

rs_status rs_store_user_password(rs_db *db, int64_t user_id, PGresult **out, rs_error *err)
{
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[1] = {uid};
    return exec1(db, "SELECT password_hash FROM users WHERE id = $1", 1, p, out, err);
}

rs_status rs_store_user_password_set(rs_db *db, int64_t user_id, const char *password_hash,
                                     const char *token_hash, int ttl_s, rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[2] = {uid, password_hash};
    rs_status st = rs_db_begin(c, err);
    if (st == RS_OK)
        st = rs_db_exec(c, "UPDATE users SET password_hash = $2 WHERE id = $1", 2, p, NULL, err);
    if (st == RS_OK)
        st = rs_db_exec(c, "DELETE FROM sessions WHERE user_id = $1", 1, p, NULL, err);
    if (st == RS_OK)
        st = session_add(c, token_hash, user_id, ttl_s, err);
    if (st == RS_OK)
        st = rs_db_commit(c, err);
    if (st != RS_OK)
        rs_db_rollback(c);
    rs_db_release(db, c);
    return st;
}

rs_status rs_store_user_by_name(rs_db *db, const char *folded, PGresult **out, rs_error *err)
{
    const char *p[1] = {folded};
    return exec1(db,
                 "SELECT id, username, " CREATED_AT ", password_hash"
                 " FROM users WHERE lower(username) = $1",
                 1, p, out, err);
}

rs_status rs_store_user_delete(rs_db *db, int64_t user_id, rs_error *err)
{
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[1] = {uid};
    return exec1(db, "DELETE FROM users WHERE id = $1", 1, p, NULL, err);
}

rs_status rs_store_session_add(rs_db *db, const char *token_hash, int64_t user_id, int ttl_s,
                               rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = session_add(c, token_hash, user_id, ttl_s, err);
    rs_db_release(db, c);
    return st;
}

rs_status rs_store_session_user(rs_db *db, const char *token_hash, PGresult **out, rs_error *err)
{
    const char *p[1] = {token_hash};
    return exec1(db,
                 "SELECT u.id, u.username,"
                 " to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                 " extract(epoch FROM s.expires_at)"
                 " FROM sessions s JOIN users u ON u.id = s.user_id"
                 " WHERE s.token_hash = $1 AND s.expires_at > now()",
                 1, p, out, err);
}

rs_status rs_store_session_delete(rs_db *db, const char *token_hash, rs_error *err)
{
    const char *p[1] = {token_hash};
    return exec1(db, "DELETE FROM sessions WHERE token_hash = $1", 1, p, NULL, err);
}

/* ---- ratings ---------------------------------------------------------------- */

#define ISO_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The columns rs_movie_json reads (RS_MOVIE_NCOLS of them), of movies m. */
#define MOVIE_COLS                                                      \
    "m.id, m.title, m.year, array_to_string(m.genres, '|'), m.tmdb_id," \
    " m.imdb_id, m.base_n + m.app_n, m.base_sum + m.app_sum"

/* A statement whose one row's first column is a count. */
static rs_status count1(rs_db *db, const char *sql, int n, const char *const *p, long long *out,
                        rs_error *err)
{
    PGresult *r;
    rs_status st = exec1(db, sql, n, p, &r, err);
    if (st != RS_OK)
        return st;
    *out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return RS_OK;
}

/* A statement that answers one row when the movie exists. */
static rs_status exists1(rs_db *db, const char *sql, int n, const char *const *p, int *exists,
                         rs_error *err)
{
    PGresult *r;
    rs_status st = exec1(db, sql, n, p, &r, err);
    if (st != RS_OK)
        return st;
    *exists = PQntuples(r) > 0;
    PQclear(r);
    return RS_OK;
}

/* A page of rows, then the count of all of them; *out stays NULL on
 * failure. */
static rs_status page2(rs_db *db, const char *rows_sql, int n_rows, const char *count_sql,
                       int n_count, const char *const *p, PGresult **out, long long *total,
                       rs_error *err)
{
    rs_status st = exec1(db, rows_sql, n_rows, p, out, err);
    if (st != RS_OK)
        return st;
    st = count1(db, count_sql, n_count, p, total, err);
    if (st != RS_OK) {
        PQclear(*out);
        *out = NULL;
    }
    return st;
}

rs_status rs_store_rating_put(rs_db *db, int64_t user_id, int64_t movie_id, const char *rating,
                              PGresult **out, rs_error *err)
{
    char uid[24], mid[24];
    fmt_id(uid, sizeof uid, user_id);
    fmt_id(mid, sizeof mid, movie_id);
    const char *p[3] = {uid, mid, rating};
    return exec1(db,
                 "INSERT INTO ratings (user_id, movie_id, rating)"
                 " SELECT $1, m.id, $3::real FROM movies m WHERE m.id = $2"
                 " ON CONFLICT (user_id, movie_id) DO UPDATE"
                 "   SET rating = EXCLUDED.rating, updated_at = clock_timestamp()"
                 " RETURNING movie_id, rating, " ISO_TIME("updated_at"),
                 3, p, out, err);
}

rs_status rs_store_rating_delete(rs_db *db, int64_t user_id, int64_t movie_id, int *movie_exists,
                                 rs_error *err)
{
    char uid[24], mid[24];
    fmt_id(uid, sizeof uid, user_id);
    fmt_id(mid, sizeof mid, movie_id);
    const char *p[2] = {uid, mid};
    return exists1(db,
                   "WITH d AS (DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2)"
                   " SELECT 1 FROM movies WHERE id = $2",
                   2, p, movie_exists, err);
}

rs_status rs_store_ratings_page(rs_db *db, int64_t user_id, long limit, long offset, PGresult **out,
                                long long *total, rs_error *err)
{
    char uid[24], lim[24], off[24];
    fmt_id(uid, sizeof uid, user_id);
    snprintf(lim, sizeof lim, "%ld", limit);
    snprintf(off, sizeof off, "%ld", offset);
    const char *p[3] = {uid, lim, off};
    return page2(
        db,
        "SELECT " MOVIE_COLS ", rt.rating, " ISO_TIME(
            "rt.updated_at") " FROM ratings rt JOIN movies m ON m.id = rt.movie_id"
                             " WHERE rt.user_id = $1 ORDER BY rt.updated_at DESC, rt.movie_id"
                             " LIMIT $2::int OFFSET $3::int",
        3, "SELECT count(*) FROM ratings WHERE user_id = $1", 1, p, out, total, err);
}

rs_status rs_store_rating_count(rs_db *db, int64_t user_id, long long *n, rs_error *err)
{
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[1] = {uid};
    return count1(db, "SELECT count(*) FROM ratings WHERE user_id = $1", 1, p, n, err);
}

/* ---- the user's lists ('hidden', 'watchlist') ----------------------------- */

rs_status rs_store_list_add(rs_db *db, int64_t user_id, int64_t movie_id, const char *list,
                            PGresult **out, rs_error *err)
{
    char uid[24], mid[24];
    fmt_id(uid, sizeof uid, user_id);
    fmt_id(mid, sizeof mid, movie_id);
    const char *p[3] = {uid, mid, list};
    /* DO UPDATE (a no-op) rather than DO NOTHING, so RETURNING always
     * yields the row and its first added_at. */
    return exec1(
        db,
        "INSERT INTO user_lists (user_id, movie_id, list)"
        " SELECT $1, m.id, $3 FROM movies m WHERE m.id = $2"
        " ON CONFLICT (user_id, list, movie_id) DO UPDATE SET added_at = user_lists.added_at"
        " RETURNING " ISO_TIME("added_at"),
        3, p, out, err);
}

rs_status rs_store_list_remove(rs_db *db, int64_t user_id, int64_t movie_id, const char *list,
                               int *movie_exists, rs_error *err)
{
    char uid[24], mid[24];
    fmt_id(uid, sizeof uid, user_id);
    fmt_id(mid, sizeof mid, movie_id);
    const char *p[3] = {uid, mid, list};
    return exists1(
        db,
        "WITH d AS (DELETE FROM user_lists WHERE user_id = $1 AND movie_id = $2 AND list = $3)"
        " SELECT 1 FROM movies WHERE id = $2",
        3, p, movie_exists, err);
}

rs_status rs_store_list_page(rs_db *db, int64_t user_id, const char *list, long limit, long offset,
                             PGresult **out, long long *total, rs_error *err)
{
    char uid[24], lim[24], off[24];
    fmt_id(uid, sizeof uid, user_id);
    snprintf(lim, sizeof lim, "%ld", limit);
    snprintf(off, sizeof off, "%ld", offset);
    const char *p[4] = {uid, list, lim, off};
    return page2(db,
                 "SELECT " MOVIE_COLS
                 ", " ISO_TIME("l.added_at") " FROM user_lists l JOIN movies m ON m.id = l.movie_id"
                                             " WHERE l.user_id = $1 AND l.list = $2 ORDER BY "
                                             "l.added_at DESC, l.movie_id"
                                             " LIMIT $3::int OFFSET $4::int",
                 4, "SELECT count(*) FROM user_lists WHERE user_id = $1 AND list = $2", 2, p, out,
                 total, err);
}

rs_status rs_store_marks(rs_db *db, int64_t user_id, PGresult **out, rs_error *err)
{
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[1] = {uid};
    /* One statement: ratings and list rows, as (movie, kind, rating). */
    return exec1(db,
                 "SELECT movie_id, 'rating', rating FROM ratings WHERE user_id = $1"
                 " UNION ALL SELECT movie_id, list, NULL FROM user_lists WHERE user_id = $1",
                 1, p, out, err);
}

rs_status rs_store_hidden_movies(rs_db *db, int64_t user_id, PGresult **out, rs_error *err)
{
    char uid[24];
    fmt_id(uid, sizeof uid, user_id);
    const char *p[1] = {uid};
    return exec1(db, "SELECT movie_id FROM user_lists WHERE user_id = $1 AND list = 'hidden'", 1, p,
                 out, err);
}

/* ---- the catalogue ------------------------------------------------------------- */

/* '%' + text + '%' for LIKE, with the user's % _ and \ escaped so that
 * they match literally. Returns 0, or -1 when it does not fit. */
static int like_contains(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 3)
        return -1;
    out[n++] = '%';
    for (const char *c = text; *c; c++) {
        if (n + 4 > cap)
            return -1;
        if (*c == '%' || *c == '_' || *c == '\\')
            out[n++] = '\\';
        out[n++] = *c;
    }
    out[n++] = '%';
    out[n] = '\0';
    return 0;
}

/* MovieLens moves a leading article to the end of a title ("Matrix, The",
 * "Atalante, L'"), so a query typed the natural way ("the matrix") is also
 * tried in that form. Returns the article's length in query (its text
 * without the trailing space goes to article[8]), or 0 when the query does
 * not start with one. */
static size_t leading_article(const char *query, char article[8])
{
    static const char *const articles[] = {"the ", "a ",  "an ", "les ", "la ",  "le ",
                                           "l'",   "il ", "el ", "das ", "der ", "die "};
    for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++) {
        size_t n = strlen(articles[i]);
        if (strncasecmp(query, articles[i], n) != 0 || !query[n] || query[n] == ' ')
            continue;
        size_t an = articles[i][n - 1] == ' ' ? n - 1 : n;
        memcpy(article, query, an);
        article[an] = '\0';
        return n;
    }
    return 0;
}

/* The moved form: moved = "matrix, the" (an exact title, ranked first) and
 * pattern = '%matrix%, the%' (the sequels too: "Matrix Reloaded, The").
 * Without an article both are the query's own. Returns 0 or -1 when the
 * pattern does not fit. */
static int moved_forms(const char *query, char *moved, size_t moved_cap, char *pattern,
                       size_t pattern_cap)
{
    char article[8];
    size_t skip = leading_article(query, article);
    if (!skip) {
        snprintf(moved, moved_cap, "%s", query);
        return like_contains(query, pattern, pattern_cap);
    }
    snprintf(moved, moved_cap, "%s, %s", query + skip, article);
    if (like_contains(query + skip, pattern, pattern_cap) < 0)
        return -1;
    size_t n = strlen(pattern);
    int w = snprintf(pattern + n, pattern_cap - n, ", %s%%", article);
    return w < 0 || (size_t)w >= pattern_cap - n ? -1 : 0;
}

/* The catalogue query: $1 a genre ('' = any) and, when searching, $2 and
 * $3 the LIKE patterns of the query as typed and with its article moved
 * ($3 = $2 when there is none), $6 and $7 the same texts for ranking exact
 * matches first. Separate statements, not one with "$2 IS NULL OR ...": a
 * prepared statement's generic plan cannot use an index under such an OR
 * and scanned the catalogue; the OR of two LIKEs on one trigram index is a
 * BitmapOr. title_lc is lower(title), stored and trigram-indexed
 * (migration 003), so lower() runs once per query. */
#define MOVIES_GENRE " ($1 = '' OR $1 = ANY(m.genres))"
#define MOVIES_TITLE " (m.title_lc LIKE lower($2) OR m.title_lc LIKE lower($3)) AND"
#define MOVIES_ORDER " m.base_n + m.app_n DESC, m.id"

/* sort=: the ORDER BY for each browse order, popularity (most rated) first.
 * 'rating' damps the mean towards 3.5 with 10 pseudo-ratings, so a film
 * with one 5-star rating does not top the list; 'title' sorts MovieLens's
 * form, so "Matrix, The" files under M, as in a library. The texts are
 * constants: nothing from the request reaches the SQL but as parameters. */
static const struct {
    const char *name, *order;
} movie_sorts[] = {
    {"popularity", MOVIES_ORDER},
    {"rating", " (m.base_sum + m.app_sum + 35.0) / (m.base_n + m.app_n + 10) DESC, m.id"},
    {"year", " m.year DESC NULLS LAST," MOVIES_ORDER},
    {"title", " m.title_lc, m.id"},
};

int rs_store_movie_sort(const char *name)
{
    for (size_t i = 0; i < sizeof movie_sorts / sizeof movie_sorts[0]; i++)
        if (strcmp(name, movie_sorts[i].name) == 0)
            return (int)i;
    return -1;
}

#define QUERY_MAX 200

rs_status rs_store_movies_page(rs_db *db, const rs_store_movie_query *q, PGresult **out,
                               long long *total, rs_error *err)
{
    char moved[QUERY_MAX + 1 + 8];
    char pattern[2 * (QUERY_MAX + 1) + 3], moved_pattern[2 * sizeof moved + 3];
    *out = NULL;
    *total = 0;
    if (q->sort < 0 || (size_t)q->sort >= sizeof movie_sorts / sizeof movie_sorts[0])
        return rs_error_set(err, RS_ERR_INVALID, "store: unknown movie sort %d", q->sort);
    const char *order = movie_sorts[q->sort].order;
    /* the patterns hold the worst case (every character escaped) */
    if (strlen(q->query) > QUERY_MAX || like_contains(q->query, pattern, sizeof pattern) < 0 ||
        moved_forms(q->query, moved, sizeof moved, moved_pattern, sizeof moved_pattern) < 0)
        return rs_error_set(err, RS_ERR_INVALID, "query too long");
    char limit[24], offset[24];
    snprintf(limit, sizeof limit, "%ld", q->limit);
    snprintf(offset, sizeof offset, "%ld", q->offset);
    int search = q->query[0] != '\0';
    const char *ps[7] = {q->genre, pattern, moved_pattern, limit, offset, q->query, moved};
    const char *pb[3] = {q->genre, limit, offset};
    /* A case-insensitive "contains"; an exact title match ranks first. */
    char sql[1024];
    if (search)
        snprintf(sql, sizeof sql,
                 "SELECT " MOVIE_COLS ", count(*) OVER () FROM movies m"
                 " WHERE" MOVIES_TITLE MOVIES_GENRE " ORDER BY m.title_lc IN (lower($6), lower($7))"
                 /* "matrix" is "Matrix, The" exactly, with its article moved */
                 " OR (left(m.title_lc, length($6::text) + 2) = lower($6) || ', '"
                 " AND length(m.title_lc) <= length($6::text) + 5) DESC,%s"
                 " LIMIT $4::int OFFSET $5::int",
                 order);
    else
        snprintf(sql, sizeof sql,
                 "SELECT " MOVIE_COLS ", count(*) OVER () FROM movies m"
                 " WHERE" MOVIES_GENRE " ORDER BY%s LIMIT $2::int OFFSET $3::int",
                 order);
    rs_status st = search ? exec1(db, sql, 7, ps, out, err) : exec1(db, sql, 3, pb, out, err);
    if (st != RS_OK)
        return st;
    if (PQntuples(*out) > 0) {
        *total = strtoll(PQgetvalue(*out, 0, PQnfields(*out) - 1), NULL, 10);
    } else if (q->offset > 0) {
        /* Past the last page the window count is absent: count apart. */
        st = search ? count1(db, "SELECT count(*) FROM movies m WHERE" MOVIES_TITLE MOVIES_GENRE, 3,
                             ps, total, err)
                    : count1(db, "SELECT count(*) FROM movies m WHERE" MOVIES_GENRE, 1, pb, total,
                             err);
        if (st != RS_OK) {
            PQclear(*out);
            *out = NULL;
        }
    }
    return st;
}

rs_status rs_store_movie(rs_db *db, int64_t movie_id, int64_t user_id, PGresult **out,
                         rs_error *err)
{
    char id[24], uid[24];
    fmt_id(id, sizeof id, movie_id);
    fmt_id(uid, sizeof uid, user_id);
    const char *p[2] = {id, uid};
    return exec1(db,
                 "SELECT " MOVIE_COLS ", m.overview, m.tags, rt.rating"
                 " FROM movies m LEFT JOIN ratings rt ON rt.movie_id = m.id AND rt.user_id = $2"
                 " WHERE m.id = $1",
                 2, p, out, err);
}

rs_status rs_store_movies_by_ids(rs_db *db, const int64_t *ids, size_t n, PGresult **out,
                                 rs_error *err)
{
    /* One round trip for the whole list: WHERE id = ANY($1::bigint[]). */
    size_t cap = 2 + n * 21, len = 0;
    char *arr = malloc(cap + 1);
    if (!arr)
        return rs_error_set(err, RS_ERR_NOMEM, "store: out of memory");
    arr[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(arr + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    arr[len++] = '}';
    arr[len] = '\0';
    const char *p[1] = {arr};
    rs_status st = exec1(db,
                         "SELECT " MOVIE_COLS " FROM movies m"
                         " WHERE m.id = ANY($1::bigint[])",
                         1, p, out, err);
    free(arr);
    return st;
}

/* COPY tsv into the temporary catalog_load. */
static rs_status copy_in(PGconn *c, const char *tsv, size_t len, rs_error *err)
{
    PGresult *r = PQexec(c, "COPY catalog_load FROM STDIN");
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        rs_error_set(err, RS_ERR_DATABASE, "database: COPY catalog_load: %s",
                     r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        PQclear(r);
        return RS_ERR_DATABASE;
    }
    PQclear(r);
    int failed = len > 0 && PQputCopyData(c, tsv, (int)len) != 1;
    if (PQputCopyEnd(c, NULL) != 1)
        failed = 1;
    r = PQgetResult(c);
    rs_status st = RS_OK;
    if (failed || !r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        rs_error_set(err, RS_ERR_DATABASE, "database: loading the catalogue: %s",
                     r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        st = RS_ERR_DATABASE;
    }
    PQclear(r);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    return st;
}

rs_status rs_store_catalog_load(rs_db *db, const char *tsv, size_t len, rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = rs_db_begin(c, err);
    if (st != RS_OK)
        goto release;
    st = rs_db_exec(c,
                    "CREATE TEMP TABLE catalog_load (id bigint, title text,"
                    " year integer, genres text, tmdb_id bigint, imdb_id bigint,"
                    " overview text, tags text, base_n integer,"
                    " base_sum double precision) ON COMMIT DROP",
                    0, NULL, NULL, err);
    if (st == RS_OK)
        st = copy_in(c, tsv, len, err);
    if (st == RS_OK)
        st = rs_db_exec(c,
                        "INSERT INTO movies AS m (id, title, year, genres, tmdb_id, imdb_id,"
                        " overview, tags, base_n, base_sum)"
                        " SELECT id, title, year,"
                        "  CASE WHEN genres = '' THEN '{}'::text[]"
                        "       ELSE string_to_array(genres, '|') END,"
                        "  tmdb_id, imdb_id, overview, tags, base_n, base_sum"
                        " FROM catalog_load"
                        " ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title,"
                        "  year = EXCLUDED.year, genres = EXCLUDED.genres,"
                        "  tmdb_id = EXCLUDED.tmdb_id, imdb_id = EXCLUDED.imdb_id,"
                        "  overview = EXCLUDED.overview, tags = EXCLUDED.tags,"
                        "  base_n = EXCLUDED.base_n, base_sum = EXCLUDED.base_sum"
                        " WHERE (m.title, m.year, m.genres, m.tmdb_id, m.imdb_id, m.overview,"
                        "        m.tags, m.base_n, m.base_sum)"
                        "   IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.year, EXCLUDED.genres,"
                        "        EXCLUDED.tmdb_id, EXCLUDED.imdb_id, EXCLUDED.overview,"
                        "        EXCLUDED.tags, EXCLUDED.base_n, EXCLUDED.base_sum)",
                        0, NULL, NULL, err);
    if (st == RS_OK)
        st = rs_db_commit(c, err);
    else
        rs_db_rollback(c);
release:
    rs_db_release(db, c);
    return st;
}

/* ---- experiment statistics -------------------------------------------------------- */

rs_status rs_store_split_exposures(rs_db *db, const char *experiment, PGresult **out, rs_error *err)
{
    const char *p[1] = {experiment};
    return exec1(db,
                 "SELECT substr(e.arm, length($1) + 2), e.user_id, e.movie_id,"
                 " (extract(epoch FROM e.shown_at) * 1000)::bigint, r.rating,"
                 " (extract(epoch FROM r.updated_at) * 1000)::bigint"
                 " FROM exposures e LEFT JOIN ratings r"
                 "   ON r.user_id = e.user_id AND r.movie_id = e.movie_id"
                 " WHERE left(e.arm, length($1) + 1) = $1 || '/'",
                 1, p, out, err);
}

rs_status rs_store_interleave_exposures(rs_db *db, const char *arm, PGresult **out, rs_error *err)
{
    const char *p[1] = {arm};
    return exec1(db,
                 "SELECT e.user_id, (extract(epoch FROM e.shown_at) * 1000000)::bigint AS t,"
                 " e.movie_id, e.source, r.updated_at IS NOT NULL AND r.updated_at >= e.shown_at"
                 " FROM exposures e LEFT JOIN ratings r"
                 "   ON r.user_id = e.user_id AND r.movie_id = e.movie_id"
                 " WHERE e.arm = $1 ORDER BY e.user_id, t, e.position",
                 1, p, out, err);
}

rs_status rs_store_override_count(rs_db *db, long long *n, rs_error *err)
{
    return count1(db, "SELECT count(*) FROM exposures WHERE arm = 'override'", 0, NULL, n, err);
}

/* ---- the cluster ------------------------------------------------------------------ */

/* Advisory lock keys (int4, int4): class 7307013 is the cluster's; the
 * publish lock's second key is hashtext(source), the trainer's is 1
 * (migrations use the single key 7307001). */
#define CLUSTER_LOCK_CLASS "7307013"
#define VERSION_COLS "source, version, path, checksum, created_by"

static void version_from(const PGresult *r, int i, rs_model_version *v)
{
    memset(v, 0, sizeof *v);
    snprintf(v->source, sizeof v->source, "%s", PQgetvalue(r, i, 0));
    v->version = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(v->path, sizeof v->path, "%s", PQgetvalue(r, i, 2));
    snprintf(v->checksum, sizeof v->checksum, "%s", PQgetvalue(r, i, 3));
    snprintf(v->created_by, sizeof v->created_by, "%s", PQgetvalue(r, i, 4));
}

/* Inside the publish transaction on c. */
static rs_status version_add_locked(PGconn *c, const char *source, const char *metrics,
                                    const char *by, rs_store_version_fill_fn fill, void *ctx,
                                    rs_model_version *out, rs_error *err)
{
    const char *p1[1] = {source};
    PGresult *r;
    /* The lock first, in a statement of its own: under READ COMMITTED a
     * statement reads the snapshot taken when it started, so a max() read
     * in the statement that waited for the lock misses the row the
     * previous holder committed, and both would insert the same number. */
    rs_status st = rs_db_exec(
        c, "SELECT pg_advisory_xact_lock(" CLUSTER_LOCK_CLASS ", hashtext($1))", 1, p1, NULL, err);
    if (st == RS_OK)
        st = rs_db_exec(
            c, "SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE source = $1", 1, p1,
            &r, err);
    if (st != RS_OK)
        return st;
    rs_model_version v;
    memset(&v, 0, sizeof v);
    snprintf(v.source, sizeof v.source, "%s", source);
    v.version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if ((st = fill(ctx, &v, err)) != RS_OK)
        return st;
    char ver[24];
    fmt_id(ver, sizeof ver, v.version);
    const char *p[6] = {source, ver, v.path, v.checksum, metrics ? metrics : "{}", by ? by : ""};
    st = rs_db_exec(
        c,
        "INSERT INTO model_versions (source, version, path, checksum, metrics, created_by)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING " VERSION_COLS,
        6, p, &r, err);
    if (st != RS_OK)
        return st;
    version_from(r, 0, out);
    PQclear(r);
    return RS_OK;
}

rs_status rs_store_model_version_add(rs_db *db, const char *source, const char *metrics_json,
                                     const char *created_by, rs_store_version_fill_fn fill,
                                     void *ctx, rs_model_version *out, rs_error *err)
{
    PGconn *c = rs_db_acquire(db, err);
    if (!c)
        return RS_ERR_DATABASE;
    rs_status st = rs_db_begin(c, err);
    if (st != RS_OK)
        goto release;
    st = version_add_locked(c, source, metrics_json, created_by, fill, ctx, out, err);
    if (st == RS_OK)
        st = rs_db_commit(c, err);
    else
        rs_db_rollback(c);
release:
    rs_db_release(db, c);
    return st;
}

rs_status rs_store_model_versions_latest(rs_db *db, rs_model_version *out, size_t cap, size_t *n,
                                         rs_error *err)
{
    PGresult *r;
    *n = 0;
    rs_status st = exec1(db,
                         "SELECT DISTINCT ON (source) " VERSION_COLS " FROM model_versions"
                         " ORDER BY source, version DESC",
                         0, NULL, &r, err);
    if (st != RS_OK)
        return st;
    for (int i = 0; i < PQntuples(r) && *n < cap; i++)
        version_from(r, i, &out[(*n)++]);
    PQclear(r);
    return RS_OK;
}

rs_status rs_store_model_version_get(rs_db *db, const char *source, int64_t version,
                                     rs_model_version *out, rs_error *err)
{
    char ver[24];
    fmt_id(ver, sizeof ver, version);
    const char *p[2] = {source, ver};
    PGresult *r;
    rs_status st = exec1(db,
                         "SELECT " VERSION_COLS " FROM model_versions"
                         " WHERE source = $1 AND version = $2",
                         2, p, &r, err);
    if (st != RS_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return rs_error_set(err, RS_ERR_NOT_FOUND, "model_versions: no version %lld of '%s'",
                            (long long)version, source);
    }
    version_from(r, 0, out);
    PQclear(r);
    return RS_OK;
}

rs_status rs_store_rating_changes_since(rs_db *db, int64_t since_us, rs_store_rating_change_fn fn,
                                        void *ctx, rs_error *err)
{
    char since[24];
    fmt_id(since, sizeof since, since_us);
    const char *p[1] = {since};
    PGresult *r;
    rs_status st = exec1(db,
                         "SELECT user_id, (extract(epoch FROM changed_at) * 1000000)::bigint"
                         " FROM rating_changes"
                         " WHERE changed_at > 'epoch'::timestamptz"
                         " + $1::bigint * interval '1 microsecond'",
                         1, p, &r, err);
    if (st != RS_OK)
        return st;
    for (int i = 0; i < PQntuples(r) && st == RS_OK; i++)
        st = fn(ctx, strtoll(PQgetvalue(r, i, 0), NULL, 10), strtoll(PQgetvalue(r, i, 1), NULL, 10),
                err);
    PQclear(r);
    return st;
}

rs_status rs_store_clock_us(rs_db *db, int64_t *now_us, rs_error *err)
{
    PGresult *r;
    rs_status st = exec1(db, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint", 0,
                         NULL, &r, err);
    if (st != RS_OK)
        return st;
    *now_us = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return RS_OK;
}

struct rs_store_trainer_lock {
    rs_db *db;
    PGconn *conn; /* the session holding the lock, out of the pool */
};

rs_status rs_store_trainer_lock_try(rs_db *db, rs_store_trainer_lock **out, rs_error *err)
{
    *out = NULL;
    rs_store_trainer_lock *l = malloc(sizeof *l);
    if (!l)
        return rs_error_set(err, RS_ERR_NOMEM, "store: out of memory");
    PGconn *c = rs_db_acquire(db, err);
    if (!c) {
        free(l);
        return RS_ERR_DATABASE;
    }
    PGresult *r;
    rs_status st = rs_db_exec(c, "SELECT pg_try_advisory_lock(" CLUSTER_LOCK_CLASS ", 1)", 0, NULL,
                              &r, err);
    int got = st == RS_OK && PQgetvalue(r, 0, 0)[0] == 't';
    if (st == RS_OK)
        PQclear(r);
    if (!got) {
        rs_db_release(db, c);
        free(l);
        return st;
    }
    *l = (rs_store_trainer_lock){db, c};
    *out = l;
    return RS_OK;
}

rs_status rs_store_trainer_lock_keep(rs_store_trainer_lock **lock, rs_error *err)
{
    rs_store_trainer_lock *l = *lock;
    rs_status st = rs_db_exec(l->conn, "SELECT 1", 0, NULL, NULL, err);
    if (st == RS_OK)
        return RS_OK;
    /* The session, and with it the lock, is gone: the pool resets it. */
    rs_db_release(l->db, l->conn);
    free(l);
    *lock = NULL;
    return st;
}

void rs_store_trainer_lock_release(rs_store_trainer_lock *lock)
{
    if (!lock)
        return;
    /* Back to the pool without the lock, or another request's session
     * would hold it. */
    rs_db_exec(lock->conn, "SELECT pg_advisory_unlock_all()", 0, NULL, NULL, NULL);
    rs_db_release(lock->db, lock->conn);
    free(lock);
}
