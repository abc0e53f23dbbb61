/* Versioned, checksummed binary artifacts for the LightGCN model. */
#include "lgcn_artifact.h"
#include "recsys/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BYTES 64
#define BYTE_ORDER_TAG 0x01020304u
#define MAX_DIM 4096
#define MAX_LAYERS 64

static const unsigned char MAGIC[8] = {'R', 'S', 'L', 'G', 'C', 'N', '\r', '\n'};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lightgcn artifacts are written in host order and assume little-endian"
#endif

uint32_t lgcn_crc32(uint32_t crc, const void *buf, size_t n)
{
    /* Slice-by-one table built on the stack: 1 KiB, cheaper than the
     * thread-safety questions a lazily filled global would raise. */
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    const unsigned char *p = buf;
    crc = ~crc;
    for (size_t k = 0; k < n; k++)
        crc = table[(crc ^ p[k]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* The payload's sections, in file order. */
typedef struct section {
    void *ptr;
    size_t bytes;
} section;

static size_t sections_of(const lgcn_model *m, section s[7])
{
    size_t d = (size_t)m->dim, nu = (size_t)m->n_users, ni = (size_t)m->n_items,
           L = (size_t)m->n_item_layers;
    s[0] = (section){m->user_ext, nu * 8};
    s[1] = (section){m->item_movie, ni * 8};
    s[2] = (section){m->item_deg, ni * 4};
    s[3] = (section){m->user_final, nu * d * 4};
    s[4] = (section){m->item_final, ni * d * 4};
    s[5] = (section){m->item_layers, L * ni * d * 4};
    s[6] = (section){m->foldin_w, d * d * 4};
    return 7;
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

rs_status lgcn_write_atomic(const char *path, const lgcn_span *parts, size_t n, rs_error *err)
{
    char tmp[4096 + 8];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return rs_error_set(err, RS_ERR_IO, "lightgcn: cannot create %s: %s", tmp, strerror(errno));
    int ok = 1;
    for (size_t k = 0; ok && k < n; k++)
        ok = write_all(fd, parts[k].ptr, parts[k].bytes);
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
        return rs_error_set(err, RS_ERR_IO, "lightgcn: cannot write %s: %s", path, strerror(saved));
    }
    return RS_OK;
}

rs_status lgcn_artifact_save(const lgcn_model *m, const char *dir, rs_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, LGCN_ARTIFACT_FILE) >= (int)sizeof path)
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: artifact path too long: %s", dir);
    section s[7];
    size_t ns = sections_of(m, s);
    uint32_t crc = 0;
    for (size_t k = 0; k < ns; k++)
        crc = lgcn_crc32(crc, s[k].ptr, s[k].bytes);
    unsigned char h[HEADER_BYTES] = {0};
    memcpy(h, MAGIC, 8);
    rs_put_u32(h + 8, LGCN_FORMAT_VERSION);
    rs_put_u32(h + 12, HEADER_BYTES);
    rs_put_u32(h + 16, BYTE_ORDER_TAG);
    rs_put_u32(h + 20, (uint32_t)m->dim);
    rs_put_u32(h + 24, (uint32_t)m->layers);
    rs_put_u32(h + 28, (uint32_t)m->n_users);
    rs_put_u32(h + 32, (uint32_t)m->n_items);
    rs_put_u32(h + 36, (uint32_t)m->n_item_layers);
    memcpy(h + 40, &m->threshold, 4);
    rs_put_u64(h + 48, m->n_edges);
    rs_put_u32(h + 56, crc);
    rs_put_u32(h + 60, lgcn_crc32(0, h, 60));
    lgcn_span parts[8] = {{h, sizeof h}};
    for (size_t k = 0; k < ns; k++)
        parts[k + 1] = (lgcn_span){s[k].ptr, s[k].bytes};
    return lgcn_write_atomic(path, parts, ns + 1, err);
}

static rs_status read_file(const char *path, unsigned char **buf, size_t *n, rs_error *err)
{
    *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rs_error_set(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO,
                            "lightgcn: cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        int e = errno;
        close(fd);
        return rs_error_set(err, RS_ERR_IO, "lightgcn: cannot stat %s: %s", path, strerror(e));
    }
    size_t size = (size_t)st.st_size;
    unsigned char *b = malloc(size + 1);
    if (!b) {
        close(fd);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory to read %s (%zu bytes)", path,
                            size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, b + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *n = got;
    return RS_OK;
}

/* a * b + c with overflow detection, for sizes taken from a file. */
static int mul_add(size_t a, size_t b, size_t c, size_t *out)
{
    if (a && b > (SIZE_MAX - c) / a)
        return 0;
    *out = a * b + c;
    return 1;
}

rs_status lgcn_artifact_load(const char *dir, const rs_dataset *data, lgcn_model **out,
                             rs_error *err)
{
    char path[4096];
    unsigned char *buf = NULL;
    size_t size = 0;
    lgcn_model *m = NULL;
    rs_status st;
    *out = NULL;
    if (snprintf(path, sizeof path, "%s/%s", dir, LGCN_ARTIFACT_FILE) >= (int)sizeof path)
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: artifact path too long: %s", dir);
    if ((st = read_file(path, &buf, &size, err)) != RS_OK)
        return st;
    if (size < HEADER_BYTES) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: truncated header (%zu of %d bytes)",
                          path, size, HEADER_BYTES);
        goto out;
    }
    if (memcmp(buf, MAGIC, 8) != 0) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: bad magic (not a LightGCN artifact)",
                          path);
        goto out;
    }
    uint32_t version = rs_get_u32(buf + 8);
    if (version != LGCN_FORMAT_VERSION) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "lightgcn: %s: format version %u, this plugin reads "
                          "%u",
                          path, version, LGCN_FORMAT_VERSION);
        goto out;
    }
    if (rs_get_u32(buf + 60) != lgcn_crc32(0, buf, 60)) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: header checksum mismatch (corrupt)",
                          path);
        goto out;
    }
    uint32_t hbytes = rs_get_u32(buf + 12), order = rs_get_u32(buf + 16);
    uint32_t dim = rs_get_u32(buf + 20), layers = rs_get_u32(buf + 24);
    uint32_t nu = rs_get_u32(buf + 28), ni = rs_get_u32(buf + 32);
    uint32_t nl = rs_get_u32(buf + 36);
    float threshold;
    memcpy(&threshold, buf + 40, 4);
    const char *bad = NULL;
    if (hbytes != HEADER_BYTES)
        bad = "header size";
    else if (order != BYTE_ORDER_TAG)
        bad = "byte order";
    else if (dim < 1 || dim > MAX_DIM)
        bad = "dim";
    else if (layers > MAX_LAYERS)
        bad = "layers";
    else if (nl != (layers > 0 ? layers : 1))
        bad = "item layer count";
    else if (nu > INT32_MAX || ni > INT32_MAX || ni < 1)
        bad = "user/item counts";
    else if (!isfinite(threshold) || threshold < 0.0f)
        bad = "positive threshold";
    if (bad) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: invalid header field '%s'", path, bad);
        goto out;
    }
    size_t per_item, payload;
    if (!mul_add((size_t)dim, (size_t)nl + 1, 0, &per_item) ||
        !mul_add(per_item, 4, 8 + 4, &per_item) || !mul_add((size_t)ni, per_item, 0, &payload) ||
        !mul_add((size_t)nu, (size_t)dim * 4 + 8, payload, &payload) ||
        !mul_add((size_t)dim, (size_t)dim * 4, payload, &payload) ||
        payload > SIZE_MAX - HEADER_BYTES) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: header sizes overflow", path);
        goto out;
    }
    if (size != HEADER_BYTES + payload) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "lightgcn: %s: size %zu bytes, header implies %zu "
                          "(truncated or trailing data)",
                          path, size, HEADER_BYTES + payload);
        goto out;
    }
    if (rs_get_u32(buf + 56) != lgcn_crc32(0, buf + HEADER_BYTES, payload)) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: payload checksum mismatch (corrupt)",
                          path);
        goto out;
    }
    if ((st = lgcn_model_alloc((int32_t)dim, (int32_t)layers, (int32_t)nu, (int32_t)ni, &m, err)) !=
        RS_OK)
        goto out;
    m->threshold = threshold;
    m->n_edges = rs_get_u64(buf + 48);
    section s[7];
    size_t ns = sections_of(m, s), off = HEADER_BYTES;
    for (size_t k = 0; k < ns; k++) {
        memcpy(s[k].ptr, buf + off, s[k].bytes);
        off += s[k].bytes;
    }
    /* The checksum proves the bytes are what was written; these catch a
     * writer bug or a hand-made file. */
    for (size_t k = 3; k < ns; k++) {
        const float *f = s[k].ptr;
        for (size_t x = 0; x < s[k].bytes / 4; x++)
            if (!isfinite(f[x])) {
                st = rs_error_set(err, RS_ERR_FORMAT,
                                  "lightgcn: %s: non-finite value in section "
                                  "%zu",
                                  path, k);
                goto out;
            }
    }
    if ((st = lgcn_model_index(m, data, err)) != RS_OK) {
        /* Name the file in the mismatch message. */
        char msg[RS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        rs_error_set(err, st, "%s (in %s)", msg, path);
        goto out;
    }
    *out = m;
    m = NULL;
out:
    lgcn_model_free(m);
    free(buf);
    return st;
}
