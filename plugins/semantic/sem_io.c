#include "sem_io.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

uint64_t sem_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

rs_status sem_writer_open(sem_writer *w, const char *path, rs_error *err)
{
    w->path = path;
    w->hash = SEM_HASH_INIT;
    w->failed = 0;
    w->f = fopen(path, "wb");
    if (!w->f)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    return RS_OK;
}

void sem_write(sem_writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (fwrite(p, 1, n, w->f) != n)
        w->failed = errno ? errno : EIO;
    w->hash = sem_hash_bytes(w->hash, p, n);
}

void sem_write_u32(sem_writer *w, uint32_t v) { sem_write(w, &v, sizeof v); }
void sem_write_u64(sem_writer *w, uint64_t v) { sem_write(w, &v, sizeof v); }

rs_status sem_writer_close(sem_writer *w, int with_hash, rs_error *err)
{
    if (with_hash) {
        uint64_t h = w->hash;
        sem_write(w, &h, sizeof h);
    }
    if (fflush(w->f) != 0 && !w->failed)
        w->failed = errno ? errno : EIO;
    if (fclose(w->f) != 0 && !w->failed)
        w->failed = errno ? errno : EIO;
    w->f = NULL;
    if (w->failed)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed: %s", w->path, strerror(w->failed));
    return RS_OK;
}

rs_status sem_reader_open(sem_reader *r, const char *path, rs_error *err)
{
    r->path = path;
    r->hash = SEM_HASH_INIT;
    r->off = 0;
    r->f = fopen(path, "rb");
    if (!r->f)
        return rs_error_set(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    return RS_OK;
}

void sem_reader_close(sem_reader *r)
{
    if (r->f)
        fclose(r->f);
    r->f = NULL;
}

rs_status sem_read(sem_reader *r, void *p, size_t n, const char *what, rs_error *err)
{
    size_t got = n ? fread(p, 1, n, r->f) : 0;
    if (got != n) {
        if (ferror(r->f))
            return rs_error_set(err, RS_ERR_IO,
                                "%s: read error at byte %llu "
                                "(%s): %s",
                                r->path, (unsigned long long)(r->off + got), what, strerror(errno));
        return rs_error_set(err, RS_ERR_FORMAT, "%s: truncated at byte %llu reading %s", r->path,
                            (unsigned long long)(r->off + got), what);
    }
    r->hash = sem_hash_bytes(r->hash, p, n);
    r->off += n;
    return RS_OK;
}

rs_status sem_read_u32(sem_reader *r, uint32_t *v, const char *what, rs_error *err)
{
    return sem_read(r, v, sizeof *v, what, err);
}

rs_status sem_read_u64(sem_reader *r, uint64_t *v, const char *what, rs_error *err)
{
    return sem_read(r, v, sizeof *v, what, err);
}

rs_status sem_read_trailer(sem_reader *r, rs_error *err)
{
    uint64_t want = r->hash, got;
    rs_status st = sem_read(r, &got, sizeof got, "checksum trailer", err);
    if (st != RS_OK)
        return st;
    if (got != want)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: checksum mismatch (file corrupt)", r->path);
    if (fgetc(r->f) != EOF)
        return rs_error_set(err, RS_ERR_FORMAT,
                            "%s: unexpected bytes after the trailer at byte "
                            "%llu",
                            r->path, (unsigned long long)r->off);
    return RS_OK;
}

int64_t sem_file_size(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return -1;
    return (int64_t)sb.st_size;
}
