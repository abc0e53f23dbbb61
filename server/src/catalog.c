/* Loads the dataset's catalogue into the movies table, idempotently: the
 * rows in COPY text format here, and the store COPYs them into a
 * temporary table and upserts only rows whose metadata changed, never
 * touching the app rating counters (rs_store_catalog_load). */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

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
    const char *g = (m->genres && strcmp(m->genres, "(no genres listed)") != 0) ? m->genres : "";
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

rs_status rs_catalog_sync(rs_db *db, const rs_dataset *d, rs_error *err)
{
    buf b = {0};
    for (int32_t i = 0; i < d->n_items; i++)
        if (put_row(&b, d, i) != 0) {
            free(b.p);
            return rs_error_set(err, RS_ERR_NOMEM, "catalog: out of memory");
        }
    rs_status st = rs_store_catalog_load(db, b.p ? b.p : "", b.n, err);
    free(b.p);
    return st;
}
