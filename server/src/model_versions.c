/* The shared artifact store of published model versions (see
 * model_versions.h). */
#include "model_versions.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recsys/fsutil.h"

/* ---- files ------------------------------------------------------------------ */

#define IO_CHUNK 65536

/* Byte order, not the locale's: two replicas must agree on the order. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_entry(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static rs_status hash_file(crypto_hash_sha256_state *h, const char *path, const char *rel,
                           rs_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rs_status s = rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return s;
    }
    unsigned char size[8];
    for (int i = 0; i < 8; i++)
        size[i] = (unsigned char)((uint64_t)st.st_size >> (8 * i));
    crypto_hash_sha256_update(h, (const unsigned char *)rel, strlen(rel) + 1);
    crypto_hash_sha256_update(h, size, sizeof size);
    /* On the heap: this runs on civetweb workers (admin reload), whose
     * stacks are small. */
    unsigned char *buf = malloc(IO_CHUNK);
    ssize_t n = -1;
    errno = ENOMEM;
    while (buf && (n = read(fd, buf, IO_CHUNK)) > 0)
        crypto_hash_sha256_update(h, buf, (unsigned long long)n);
    rs_status s = n < 0 ? rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno)) : RS_OK;
    free(buf);
    close(fd);
    return s;
}

/* Called for every entry under a tree, parents before children: path is
 * the entry itself, rel its path below the root. */
typedef rs_status (*visit_fn)(void *ctx, const char *path, const char *rel, int is_dir,
                              rs_error *err);

/* Depth-first in name order; entries other than directories and regular
 * files are skipped. */
static rs_status walk(const char *dir, const char *rel, visit_fn visit, void *ctx, rs_error *err)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, skip_entry, by_name);
    if (n < 0)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", dir, strerror(errno));
    char *path = malloc(2 * PATH_MAX), *sub = path + PATH_MAX; /* heap: see hash_file */
    rs_status st = path ? RS_OK : rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        struct stat sb;
        if (st == RS_OK) {
            snprintf(path, PATH_MAX, "%s/%s", dir, ents[i]->d_name);
            snprintf(sub, PATH_MAX, "%s%s%s", rel, rel[0] ? "/" : "", ents[i]->d_name);
        }
        if (st == RS_OK && stat(path, &sb) != 0)
            st = rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
        else if (st == RS_OK && S_ISDIR(sb.st_mode) &&
                 (st = visit(ctx, path, sub, 1, err)) == RS_OK)
            st = walk(path, sub, visit, ctx, err);
        else if (st == RS_OK && S_ISREG(sb.st_mode))
            st = visit(ctx, path, sub, 0, err);
        free(ents[i]);
    }
    free(ents);
    free(path);
    return st;
}

static rs_status hash_visit(void *ctx, const char *path, const char *rel, int is_dir, rs_error *err)
{
    return is_dir ? RS_OK : hash_file(ctx, path, rel, err);
}

rs_status rs_artifact_checksum(const char *dir, char hex[RS_CHECKSUM_HEX], rs_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rs_error_set(err, RS_ERR_NOT_FOUND, "%s: not a directory", dir);
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    rs_status st = walk(dir, "", hash_visit, &h, err);
    if (st != RS_OK)
        return st;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(hex, RS_CHECKSUM_HEX, d, sizeof d);
    return RS_OK;
}

static rs_status copy_file(const char *from, const char *to, rs_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return rs_error_set(err, RS_ERR_IO, "%s: %s", to, strerror(errno));
    }
    char *buf = malloc(IO_CHUNK); /* heap: see hash_file */
    ssize_t n;
    rs_status st = buf ? RS_OK : rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    while (st == RS_OK && (n = read(in, buf, IO_CHUNK)) != 0) {
        if (n < 0) {
            st = rs_error_set(err, RS_ERR_IO, "%s: %s", from, strerror(errno));
            break;
        }
        for (ssize_t done = 0; st == RS_OK && done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0)
                st = rs_error_set(err, RS_ERR_IO, "%s: %s", to, strerror(errno));
            else
                done += w;
        }
    }
    /* The version must be whole on disk before its row says it exists. */
    if (st == RS_OK && fsync(out) != 0)
        st = rs_error_set(err, RS_ERR_IO, "%s: fsync: %s", to, strerror(errno));
    free(buf);
    close(in);
    if (close(out) != 0 && st == RS_OK)
        st = rs_error_set(err, RS_ERR_IO, "%s: %s", to, strerror(errno));
    return st;
}

/* Entries of the source tree land at <ctx>/<rel>. */
static rs_status copy_visit(void *ctx, const char *path, const char *rel, int is_dir, rs_error *err)
{
    char *dst = malloc(PATH_MAX); /* heap: see hash_file */
    if (!dst)
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    snprintf(dst, PATH_MAX, "%s/%s", (const char *)ctx, rel);
    rs_status st = RS_OK;
    if (!is_dir)
        st = copy_file(path, dst, err);
    else if (mkdir(dst, 0755) != 0)
        st = rs_error_set(err, RS_ERR_IO, "%s: %s", dst, strerror(errno));
    free(dst);
    return st;
}

rs_status rs_artifact_copy(const char *from, const char *to, rs_error *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", to, (long)getpid());
    rs_remove_tree(tmp);
    rs_status st = mkdir(tmp, 0755) == 0
                       ? walk(from, "", copy_visit, tmp, err)
                       : rs_error_set(err, RS_ERR_IO, "%s: %s", tmp, strerror(errno));
    if (st == RS_OK && rename(tmp, to) != 0)
        st = rs_error_set(err, RS_ERR_IO, "cannot rename %s to %s: %s", tmp, to, strerror(errno));
    if (st != RS_OK)
        rs_remove_tree(tmp);
    return st;
}

/* ---- publishing ----------------------------------------------------------------- */

/* 1 when dir lies under store (then it is already shared). */
static int in_store(const char *store, const char *dir)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(store, a) || !realpath(dir, b))
        return 0;
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && b[n] == '/';
}

typedef struct publish_ctx {
    const char *store, *dir;
} publish_ctx;

/* Under the store's publish lock, with v->version reserved: put the
 * artifacts in place and checksum them. */
static rs_status publish_fill(void *ctx, rs_model_version *v, rs_error *err)
{
    const publish_ctx *pc = ctx;
    char path[PATH_MAX], parent[PATH_MAX - 32];
    int shared = in_store(pc->store, pc->dir);
    if (shared) {
        if (!realpath(pc->dir, path))
            return rs_error_set(err, RS_ERR_IO, "%s: %s", pc->dir, strerror(errno));
    } else {
        snprintf(parent, sizeof parent, "%s/%s", pc->store, v->source);
        snprintf(path, sizeof path, "%s/%lld", parent, (long long)v->version);
    }
    /* Every replica reads the row back into a path of this size. */
    size_t len = strlen(path);
    if (len >= sizeof v->path)
        return rs_error_set(err, RS_ERR_IO, "%s: longer than %zu bytes", path, sizeof v->path - 1);
    memcpy(v->path, path, len + 1);
    if (!shared) {
        /* A copy left by a publisher that died before its row committed. */
        rs_remove_tree(path);
        if (rs_mkdir_p(parent) != 0)
            return rs_error_set(err, RS_ERR_IO, "cannot create %s: %s", parent, strerror(errno));
        rs_status st = rs_artifact_copy(pc->dir, path, err);
        if (st != RS_OK)
            return st;
    }
    return rs_artifact_checksum(path, v->checksum, err);
}

rs_status rs_model_versions_publish(rs_db *db, const char *store, const char *source,
                                    const char *dir, const char *metrics_json,
                                    const char *created_by, rs_model_version *out, rs_error *err)
{
    publish_ctx pc = {store, dir};
    return rs_store_model_version_add(db, source, metrics_json, created_by, publish_fill, &pc, out,
                                      err);
}
