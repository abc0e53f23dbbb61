/* Versioned, checksummed binary artifacts for the EASE model. */
#include "ease_artifact.h"
#include "recsys/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define HEADER_BYTES 64
#define BYTE_ORDER_TAG 0x01020304u

static const unsigned char MAGIC[8] = {'R', 'S', 'E', 'A', 'S', 'E', '\r', '\n'};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ease artifacts are written in host order and assume little-endian"
#endif

/* zlib's crc32 takes a uInt length: feed large sections in chunks. */
static uint32_t crc_update(uint32_t crc, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    uLong c = crc;
    while (n > 0) {
        uInt step = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, step);
        p += step;
        n -= step;
    }
    return (uint32_t)c;
}

typedef struct section {
    void *ptr;
    size_t bytes;
} section;

static void sections_of(const ease_model *m, section s[3])
{
    size_t n = (size_t)m->n;
    s[0] = (section){m->movie, n * 8};
    s[1] = (section){m->count, n * 4};
    s[2] = (section){m->B, n * n * 4};
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

rs_status ease_artifact_save(const ease_model *m, const char *dir, rs_error *err)
{
    char path[4096], tmp[4096 + 8];
    if (snprintf(path, sizeof path, "%s/%s", dir, EASE_ARTIFACT_FILE) >= (int)sizeof path)
        return rs_error_set(err, RS_ERR_INVALID, "ease: artifact path too long: %s", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    section s[3];
    sections_of(m, s);
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (size_t k = 0; k < 3; k++)
        crc = crc_update(crc, s[k].ptr, s[k].bytes);
    unsigned char h[HEADER_BYTES] = {0};
    memcpy(h, MAGIC, 8);
    rs_put_u32(h + 8, EASE_FORMAT_VERSION);
    rs_put_u32(h + 12, HEADER_BYTES);
    rs_put_u32(h + 16, BYTE_ORDER_TAG);
    rs_put_u32(h + 20, (uint32_t)m->n);
    memcpy(h + 24, &m->threshold, 4);
    memcpy(h + 32, &m->lambda, 8);
    rs_put_u64(h + 40, m->n_positives);
    rs_put_u64(h + 48, m->n_users);
    rs_put_u32(h + 56, crc);
    rs_put_u32(h + 60, crc_update((uint32_t)crc32(0L, Z_NULL, 0), h, 60));

    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return rs_error_set(err, RS_ERR_IO, "ease: cannot create %s: %s", tmp, strerror(errno));
    int ok = write_all(fd, h, sizeof h);
    for (size_t k = 0; ok && k < 3; k++)
        ok = write_all(fd, s[k].ptr, s[k].bytes);
    if (ok)
        ok = fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            saved = errno;
        unlink(tmp);
        return rs_error_set(err, RS_ERR_IO, "ease: cannot write %s: %s", path, strerror(saved));
    }
    return RS_OK;
}

/* Read exactly n bytes; 0 on a short read or an error. */
static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

/* Everything in the header that does not need the payload; `size` is the
 * file's size. */
static rs_status check_header(const char *path, const unsigned char *h, size_t size,
                              uint32_t *n_out, rs_error *err)
{
    if (size < HEADER_BYTES)
        return rs_error_set(err, RS_ERR_FORMAT, "ease: %s: truncated header (%zu of %d bytes)",
                            path, size, HEADER_BYTES);
    if (memcmp(h, MAGIC, 8) != 0)
        return rs_error_set(err, RS_ERR_FORMAT, "ease: %s: bad magic (not an EASE artifact)", path);
    uint32_t version = rs_get_u32(h + 8);
    if (version != EASE_FORMAT_VERSION)
        return rs_error_set(err, RS_ERR_FORMAT, "ease: %s: format version %u, this plugin reads %u",
                            path, version, EASE_FORMAT_VERSION);
    if (rs_get_u32(h + 60) != crc_update((uint32_t)crc32(0L, Z_NULL, 0), h, 60))
        return rs_error_set(err, RS_ERR_FORMAT, "ease: %s: header checksum mismatch (corrupt)",
                            path);
    uint32_t n = rs_get_u32(h + 20);
    float threshold;
    double lambda;
    memcpy(&threshold, h + 24, 4);
    memcpy(&lambda, h + 32, 8);
    const char *bad = NULL;
    if (rs_get_u32(h + 12) != HEADER_BYTES)
        bad = "header size";
    else if (rs_get_u32(h + 16) != BYTE_ORDER_TAG)
        bad = "byte order";
    else if (n < 1 || n > INT32_MAX || ease_serve_bytes(n) == 0)
        bad = "item count";
    else if (!isfinite(threshold) || threshold < 0.0f)
        bad = "positive threshold";
    else if (!isfinite(lambda) || !(lambda > 0.0))
        bad = "lambda";
    if (bad)
        return rs_error_set(err, RS_ERR_FORMAT, "ease: %s: invalid header field '%s'", path, bad);
    size_t nn = (size_t)n, want = ease_serve_bytes(n);
    if (want > SIZE_MAX - HEADER_BYTES - 12 * nn)
        return rs_error_set(err, RS_ERR_FORMAT, "ease: %s: header sizes overflow", path);
    want += HEADER_BYTES + 12 * nn;
    /* Checked before allocating, so a corrupt count cannot ask for memory
     * the file does not back. */
    if (size != want)
        return rs_error_set(err, RS_ERR_FORMAT,
                            "ease: %s: size %zu bytes, header implies %zu "
                            "(truncated or trailing data)",
                            path, size, want);
    *n_out = n;
    return RS_OK;
}

/* The checksum proves the bytes are what was written; this catches a
 * writer bug or a hand-made file that would poison every score. */
static rs_status check_weights(const char *path, const ease_model *m, rs_error *err)
{
    size_t n = (size_t)m->n;
    for (size_t x = 0; x < n; x++)
        for (size_t i = 0; i < n; i++) {
            float v = m->B[x * n + i];
            if (!isfinite(v) || (x == i && v != 0.0f))
                return rs_error_set(err, RS_ERR_FORMAT,
                                    "ease: %s: B[%zu][%zu] = %g (weights must "
                                    "be finite with a zero diagonal)",
                                    path, x, i, (double)v);
        }
    return RS_OK;
}

/* Header and size first, then the sections straight into the model's
 * arrays (no second copy of a matrix that may be gigabytes). */
static rs_status read_model(const char *path, int fd, int64_t max_items, ease_model **out,
                            rs_error *err)
{
    unsigned char h[HEADER_BYTES];
    struct stat sb;
    uint32_t n = 0;
    ease_model *m = NULL;
    rs_status st;
    if (fstat(fd, &sb) != 0 || sb.st_size < 0)
        return rs_error_set(err, RS_ERR_IO, "ease: cannot stat %s: %s", path, strerror(errno));
    size_t size = (size_t)sb.st_size;
    if (size >= HEADER_BYTES && !read_all(fd, h, HEADER_BYTES))
        return rs_error_set(err, RS_ERR_IO, "ease: cannot read %s: %s", path, strerror(errno));
    if ((st = check_header(path, h, size, &n, err)) != RS_OK)
        return st;
    /* The same guard as fit: a file from a bigger machine must not take
     * this one's memory. */
    if ((int64_t)n > max_items) {
        char what[4200];
        snprintf(what, sizeof what, "the model in %s", path);
        return ease_refuse_size(what, n, max_items, err);
    }
    if ((st = ease_model_alloc((int32_t)n, &m, err)) != RS_OK)
        return st;
    memcpy(&m->threshold, h + 24, 4);
    memcpy(&m->lambda, h + 32, 8);
    m->n_positives = rs_get_u64(h + 40);
    m->n_users = rs_get_u64(h + 48);
    section s[3];
    sections_of(m, s);
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (size_t k = 0; k < 3; k++) {
        if (!read_all(fd, s[k].ptr, s[k].bytes)) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "ease: %s: short read (file changed while "
                              "loading?)",
                              path);
            goto fail;
        }
        crc = crc_update(crc, s[k].ptr, s[k].bytes);
    }
    if (crc != rs_get_u32(h + 56)) {
        st = rs_error_set(err, RS_ERR_FORMAT, "ease: %s: payload checksum mismatch (corrupt)",
                          path);
        goto fail;
    }
    if ((st = check_weights(path, m, err)) != RS_OK)
        goto fail;
    *out = m;
    return RS_OK;
fail:
    ease_model_free(m);
    return st;
}

rs_status ease_artifact_load(const char *dir, const rs_dataset *data, int64_t max_items,
                             ease_model **out, rs_error *err)
{
    char path[4096];
    ease_model *m = NULL;
    rs_status st;
    *out = NULL;
    if (snprintf(path, sizeof path, "%s/%s", dir, EASE_ARTIFACT_FILE) >= (int)sizeof path)
        return rs_error_set(err, RS_ERR_INVALID, "ease: artifact path too long: %s", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rs_error_set(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO,
                            "ease: cannot open %s: %s", path, strerror(errno));
    st = read_model(path, fd, max_items, &m, err);
    close(fd);
    if (st != RS_OK)
        return st;
    if ((st = ease_model_index(m, data, err)) != RS_OK) {
        char msg[RS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        rs_error_set(err, st, "%s (in %s)", msg, path);
        ease_model_free(m);
        return st;
    }
    *out = m;
    return RS_OK;
}
