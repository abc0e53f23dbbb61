/* Loads the dataset's catalogue into the movies table, idempotently: COPY
 * into a temporary table, then one upsert that rewrites only rows whose
 * metadata changed and never touches the app rating counters. */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* COPY text format: escape the characters that delimit fields and rows. */
static int put_text(buf *b, const char *s)
{
    for (; s && *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '\\': e = "\\\\"; break;
        case '\t': e = "\\t"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        }
        if (e ? buf_put(b, e, 2) : buf_put(b, s, 1))
            return -1;
    }
    return 0;
}

static int put_fmt(buf *b, const char *fmt, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, fmt, v);
    return buf_put(b, tmp, (size_t)n);
}

static int put_row(buf *b, const rs_dataset *d, int32_t i)
{
    const rs_item_meta *m = &d->items[i];
    double sum = 0;
    size_t n = d->item_ptr[i + 1] - d->item_ptr[i];
    for (size_t k = d->item_ptr[i]; k < d->item_ptr[i + 1]; k++)
        sum += d->item_rating[k];
    char tail[64];
    int tn = snprintf(tail, sizeof tail, "\t%zu\t%.1f\n", n, sum);
    if (put_fmt(b, "%lld\t", (long long)m->movie_id) || put_text(b, m->title) ||
        buf_put(b, "\t", 1))
        return -1;
    if (m->year ? put_fmt(b, "%lld\t", m->year) : buf_put(b, "\\N\t", 3))
        return -1;
    /* "(no genres listed)" is MovieLens' marker for none. */
    const char *g = (m->genres && strcmp(m->genres, "(no genres listed)") != 0)
                        ? m->genres : "";
    if (put_text(b, g) || buf_put(b, "\t", 1))
        return -1;
    if (m->tmdb_id ? put_fmt(b, "%lld\t", m->tmdb_id) : buf_put(b, "\\N\t", 3))
        return -1;
    if (m->imdb_id ? put_fmt(b, "%lld\t", m->imdb_id) : buf_put(b, "\\N\t", 3))
        return -1;
    if (put_text(b, m->overview) || buf_put(b, "\t", 1) || put_text(b, m->tags))
        return -1;
    return buf_put(b, tail, (size_t)tn);
}

static rs_status copy_rows(PGconn *c, const rs_dataset *d, rs_error *err)
{
    PGresult *r = PQexec(c, "COPY catalog_load FROM STDIN");
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        rs_error_set(err, RS_ERR_DATABASE, "database: COPY catalog_load: %s",
                     r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        PQclear(r);
        return RS_ERR_DATABASE;
    }
    PQclear(r);
    buf b = {0};
    int failed = 0;
    for (int32_t i = 0; i < d->n_items && !failed; i++)
        failed = put_row(&b, d, i) != 0;
    const char *why = failed ? "out of memory" : NULL;
    if (!failed && PQputCopyData(c, b.p, (int)b.n) != 1)
        failed = 1;
    free(b.p);
    if (PQputCopyEnd(c, why) != 1)
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

rs_status rs_catalog_sync(rs_db *db, const rs_dataset *d, rs_error *err)
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
        st = copy_rows(c, d, err);
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
