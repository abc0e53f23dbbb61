/* Server-internal: the shared artifact store and the model_versions table
 * (migration 005, docs/scaling.md). A published version is a directory
 * <store>/<source>/<version>/ plus one row (source, version, path,
 * checksum, metrics, created_by, created_at); replicas find new rows by
 * polling and load the directory after checking its checksum.
 *
 * Thread contract: plain functions; each call uses the connection it is
 * given (the caller's, for the duration of the call). */
#ifndef RS_SERVER_MODEL_VERSIONS_H
#define RS_SERVER_MODEL_VERSIONS_H

#include <libpq-fe.h>
#include <stdint.h>

#include "recsys/plugin.h"

#define RS_CHECKSUM_HEX 65 /* SHA-256 in hex + NUL */

/* SHA-256 over every regular file under dir: for each, in byte order of
 * its relative path, the path, a NUL, its size (8 bytes, little endian)
 * and its bytes. Names and contents both count, so a renamed or truncated
 * file changes it. */
rs_status rs_artifact_checksum(const char *dir, char hex[RS_CHECKSUM_HEX], rs_error *err);

/* Copy the tree at `from` to `to` (which must not exist): into
 * "<to>.tmp-<pid>" first, then rename, so a reader never sees half a
 * version. */
rs_status rs_artifact_copy(const char *from, const char *to, rs_error *err);

/* One row of model_versions. */
typedef struct rs_model_version {
    char source[RS_SOURCE_NAME_MAX];
    int64_t version;
    char path[1024];
    char checksum[RS_CHECKSUM_HEX];
    char created_by[64];
} rs_model_version;

/* Publish the artifacts in `dir` as the next version of `source`: copies
 * them to <store>/<source>/<n>/ unless dir already lies in the store
 * (republishing an older version), checksums, inserts the row.
 * metrics_json is a JSON object text ("{}" when NULL). Concurrent
 * publishers (a retrain and an admin reload on two replicas) are
 * serialised by a transaction-level advisory lock per source. */
rs_status rs_model_versions_publish(PGconn *c, const char *store, const char *source,
                                    const char *dir, const char *metrics_json,
                                    const char *created_by, rs_model_version *out, rs_error *err);

/* The newest version of every source: fills up to cap rows, returns how
 * many (or -1 with err set). */
int rs_model_versions_latest(PGconn *c, rs_model_version *out, int cap, rs_error *err);

/* One version; RS_ERR_NOT_FOUND when there is no such row. */
rs_status rs_model_versions_get(PGconn *c, const char *source, int64_t version,
                                rs_model_version *out, rs_error *err);

#endif
