#include "sem_vecfile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sem_idmap.h"
#include "sem_io.h"

rs_status sem_vecfile_write(const char *path, uint32_t dim, uint64_t count, const int64_t *ids,
                            const float *vectors, rs_error *err)
{
    sem_writer w;
    rs_status st = sem_writer_open(&w, path, err);
    if (st != RS_OK)
        return st;
    sem_write(&w, SEM_VECFILE_MAGIC, 8);
    sem_write_u32(&w, SEM_VECFILE_VERSION);
    sem_write_u32(&w, SEM_VECFILE_F32);
    sem_write_u32(&w, dim);
    sem_write_u32(&w, 0);
    sem_write_u64(&w, count);
    sem_write(&w, ids, (size_t)count * sizeof *ids);
    sem_write(&w, vectors, (size_t)count * dim * sizeof *vectors);
    return sem_writer_close(&w, 0, err);
}

static rs_status read_header(sem_reader *r, int dim, uint64_t *count, rs_error *err)
{
    char magic[8];
    uint32_t version, dtype, fdim, reserved;
    rs_status st;
    if ((st = sem_read(r, magic, 8, "magic", err)) != RS_OK)
        return st;
    if (memcmp(magic, SEM_VECFILE_MAGIC, 8) != 0)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: not a vectors file (magic is not \"%s\")",
                            r->path, SEM_VECFILE_MAGIC);
    if ((st = sem_read_u32(r, &version, "version", err)) != RS_OK ||
        (st = sem_read_u32(r, &dtype, "dtype", err)) != RS_OK ||
        (st = sem_read_u32(r, &fdim, "dim", err)) != RS_OK ||
        (st = sem_read_u32(r, &reserved, "reserved", err)) != RS_OK ||
        (st = sem_read_u64(r, count, "count", err)) != RS_OK)
        return st;
    if (version != SEM_VECFILE_VERSION)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: version %u, this plugin reads version %u",
                            r->path, version, SEM_VECFILE_VERSION);
    if (dtype != SEM_VECFILE_F32)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: dtype %u, only %u (float32) is defined",
                            r->path, dtype, SEM_VECFILE_F32);
    if (fdim == 0 || fdim > SEM_VECFILE_MAX_DIM)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: dim %u out of range 1..%u", r->path, fdim,
                            SEM_VECFILE_MAX_DIM);
    if ((int64_t)fdim != dim)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%s: vectors have dim %u but the instance param "
                            "dim is %d; set dim: %u",
                            r->path, fdim, dim, fdim);
    if (reserved != 0)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: reserved header field is %u, expected 0",
                            r->path, reserved);
    if (*count == 0 || *count > (uint64_t)INT32_MAX)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: count %llu out of range 1..%d", r->path,
                            (unsigned long long)*count, INT32_MAX);
    return RS_OK;
}

rs_status sem_vecfile_load(const char *path, int dim, const rs_dataset *data, float *vectors,
                           rs_error *err)
{
    sem_reader r;
    sem_idmap items = {0};
    uint64_t count;
    int64_t *ids = NULL;
    int32_t *row_of = NULL;  /* catalogue index -> file row, or -1 */
    int32_t *item_of = NULL; /* file row -> catalogue index */
    float *row = NULL;
    rs_status st = sem_reader_open(&r, path, err);
    if (st != RS_OK)
        return st;
    if ((st = read_header(&r, dim, &count, err)) != RS_OK)
        goto close;

    uint64_t want = SEM_VECFILE_HEADER + count * 8u + count * (uint64_t)dim * 4u;
    int64_t have = sem_file_size(path);
    if (have >= 0 && (uint64_t)have != want) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "%s: file is %lld bytes but its header (%llu "
                          "vectors of dim %d) needs %llu: %s",
                          path, (long long)have, (unsigned long long)count, dim,
                          (unsigned long long)want,
                          (uint64_t)have < want ? "truncated" : "trailing bytes");
        goto close;
    }

    ids = malloc(count * sizeof *ids);
    row_of = malloc(((size_t)data->n_items + 1) * sizeof *row_of);
    item_of = malloc(count * sizeof *item_of);
    row = malloc((size_t)dim * sizeof *row);
    if (!ids || !row_of || !item_of || !row) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        goto close;
    }
    if ((st = sem_read(&r, ids, count * sizeof *ids, "movie ids", err)) != RS_OK)
        goto close;
    if ((st = sem_idmap_build_items(&items, data, err)) != RS_OK)
        goto close;
    for (int32_t i = 0; i < data->n_items; i++)
        row_of[i] = -1;
    for (uint64_t k = 0; k < count; k++) {
        int32_t it = sem_idmap_find(&items, ids[k]);
        if (it < 0) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "%s: row %llu: movieId %lld is not in the "
                              "catalogue (vectors built from another "
                              "movies.csv?)",
                              path, (unsigned long long)k + 1, (long long)ids[k]);
            goto close;
        }
        if (row_of[it] >= 0) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "%s: row %llu: duplicate movieId %lld (first at "
                              "row %d)",
                              path, (unsigned long long)k + 1, (long long)ids[k],
                              (int)row_of[it] + 1);
            goto close;
        }
        row_of[it] = (int32_t)k;
    }
    for (int32_t i = 0; i < data->n_items; i++)
        if (row_of[i] < 0) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "%s: catalogue movie %lld (%s) has no vector "
                              "(%llu rows for %d catalogue movies); rerun "
                              "tools/embed_catalogue.py",
                              path, (long long)data->items[i].movie_id,
                              data->items[i].title ? data->items[i].title : "",
                              (unsigned long long)count, (int)data->n_items);
            goto close;
        }

    /* Rows arrive in file order; scatter each into its catalogue slot. */
    /* count == n_items here: every row maps to a distinct catalogue movie
     * and every movie has a row. */
    for (int32_t i = 0; i < data->n_items; i++)
        item_of[row_of[i]] = i;
    for (uint64_t k = 0; k < count; k++) {
        if ((st = sem_read(&r, row, (size_t)dim * sizeof *row, "vectors", err)) != RS_OK)
            goto close;
        double n2 = 0.0;
        for (int c = 0; c < dim; c++) {
            if (!isfinite(row[c])) {
                st = rs_error_set(err, RS_ERR_FORMAT,
                                  "%s: row %llu (movieId %lld): component %d "
                                  "is not finite",
                                  path, (unsigned long long)k + 1,
                                  (long long)data->items[item_of[k]].movie_id, c);
                goto close;
            }
            n2 += (double)row[c] * row[c];
        }
        if (n2 <= 0.0) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: row %llu (movieId %lld) is all zeros", path,
                              (unsigned long long)k + 1,
                              (long long)data->items[item_of[k]].movie_id);
            goto close;
        }
        float inv = (float)(1.0 / sqrt(n2));
        float *dst = vectors + (size_t)item_of[k] * dim;
        for (int c = 0; c < dim; c++)
            dst[c] = row[c] * inv;
    }
close:
    sem_idmap_free(&items);
    free(ids);
    free(row_of);
    free(item_of);
    free(row);
    sem_reader_close(&r);
    return st;
}
