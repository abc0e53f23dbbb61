/* The shared artifact store and the model_versions table (see
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

#include "recsys/db.h"
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

/* ---- the table ----------------------------------------------------------------- */

static void row_from(const PGresult *r, int i, rs_model_version *v)
{
    memset(v, 0, sizeof *v);
    snprintf(v->source, sizeof v->source, "%s", PQgetvalue(r, i, 0));
    v->version = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(v->path, sizeof v->path, "%s", PQgetvalue(r, i, 2));
    snprintf(v->checksum, sizeof v->checksum, "%s", PQgetvalue(r, i, 3));
    snprintf(v->created_by, sizeof v->created_by, "%s", PQgetvalue(r, i, 4));
}

#define ROW_COLS "source, version, path, checksum, created_by"

/* 1 when dir lies under store (then it is already shared). */
static int in_store(const char *store, const char *dir)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(store, a) || !realpath(dir, b))
        return 0;
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && b[n] == '/';
}

static rs_status publish_locked(PGconn *c, const char *store, const char *source, const char *dir,
                                const char *metrics, const char *by, rs_model_version *out,
                                rs_error *err)
{
    const char *p1[1] = {source};
    PGresult *r;
    rs_status st = rs_db_exec(
        c,
        "SELECT pg_advisory_xact_lock(7307013, hashtext($1)),"
        " (SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE source = $1)",
        1, p1, &r, err);
    if (st != RS_OK)
        return st;
    int64_t version = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    char path[PATH_MAX], parent[PATH_MAX - 32];
    if (in_store(store, dir)) {
        if (!realpath(dir, path))
            return rs_error_set(err, RS_ERR_IO, "%s: %s", dir, strerror(errno));
    } else {
        snprintf(parent, sizeof parent, "%s/%s", store, source);
        snprintf(path, sizeof path, "%s/%lld", parent, (long long)version);
        /* A copy left by a publisher that died before its row committed. */
        rs_remove_tree(path);
        if (rs_mkdir_p(parent) != 0)
            return rs_error_set(err, RS_ERR_IO, "cannot create %s: %s", parent, strerror(errno));
        if ((st = rs_artifact_copy(dir, path, err)) != RS_OK)
            return st;
    }
    char sum[RS_CHECKSUM_HEX], ver[24];
    if ((st = rs_artifact_checksum(path, sum, err)) != RS_OK)
        return st;
    snprintf(ver, sizeof ver, "%lld", (long long)version);
    const char *p[6] = {source, ver, path, sum, metrics ? metrics : "{}", by ? by : ""};
    st = rs_db_exec(
        c,
        "INSERT INTO model_versions (source, version, path, checksum, metrics, created_by)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING " ROW_COLS,
        6, p, &r, err);
    if (st != RS_OK)
        return st;
    row_from(r, 0, out);
    PQclear(r);
    return RS_OK;
}

rs_status rs_model_versions_publish(PGconn *c, const char *store, const char *source,
                                    const char *dir, const char *metrics_json,
                                    const char *created_by, rs_model_version *out, rs_error *err)
{
    rs_status st = rs_db_begin(c, err);
    if (st != RS_OK)
        return st;
    st = publish_locked(c, store, source, dir, metrics_json, created_by, out, err);
    if (st == RS_OK)
        return rs_db_commit(c, err);
    rs_db_rollback(c);
    return st;
}

int rs_model_versions_latest(PGconn *c, rs_model_version *out, int cap, rs_error *err)
{
    PGresult *r;
    if (rs_db_exec(c,
                   "SELECT DISTINCT ON (source) " ROW_COLS " FROM model_versions"
                   " ORDER BY source, version DESC",
                   0, NULL, &r, err) != RS_OK)
        return -1;
    int n = PQntuples(r) < cap ? PQntuples(r) : cap;
    for (int i = 0; i < n; i++)
        row_from(r, i, &out[i]);
    PQclear(r);
    return n;
}

rs_status rs_model_versions_get(PGconn *c, const char *source, int64_t version,
                                rs_model_version *out, rs_error *err)
{
    char ver[24];
    snprintf(ver, sizeof ver, "%lld", (long long)version);
    const char *p[2] = {source, ver};
    PGresult *r;
    rs_status st = rs_db_exec(c,
                              "SELECT " ROW_COLS " FROM model_versions"
                              " WHERE source = $1 AND version = $2",
                              2, p, &r, err);
    if (st != RS_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return rs_error_set(err, RS_ERR_NOT_FOUND, "model_versions: no version %lld of '%s'",
                            (long long)version, source);
    }
    row_from(r, 0, out);
    PQclear(r);
    return RS_OK;
}
