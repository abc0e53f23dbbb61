/* Server-internal: the shared artifact store of published model versions
 * (docs/scaling.md). A published version is a directory
 * <store>/<source>/<version>/ plus one row of model_versions (source,
 * version, path, checksum, metrics, created_by, created_at; its statements
 * are in store.c); replicas find new rows by polling and load the directory
 * after checking its checksum.
 *
 * Thread contract: plain functions, any thread. */
#ifndef RS_SERVER_MODEL_VERSIONS_H
#define RS_SERVER_MODEL_VERSIONS_H

#include "store.h"

/* SHA-256 over every regular file under dir: for each, in byte order of
 * its relative path, the path, a NUL, its size (8 bytes, little endian)
 * and its bytes. Names and contents both count, so a renamed or truncated
 * file changes it. */
rs_status rs_artifact_checksum(const char *dir, char hex[RS_CHECKSUM_HEX], rs_error *err);

/* Copy the tree at `from` to `to` (which must not exist): into
 * "<to>.tmp-<pid>" first, then rename, so a reader never sees half a
 * version. */
rs_status rs_artifact_copy(const char *from, const char *to, rs_error *err);

/* Publish the artifacts in `dir` as the next version of `source`: copies
 * them to <store>/<source>/<n>/ unless dir already lies in the store
 * (republishing an older version), checksums, inserts the row through
 * rs_store_model_version_add (which serialises concurrent publishers, a
 * retrain and an admin reload on two replicas, by a lock per source held
 * across the copy). metrics_json is a JSON object text ("{}" when NULL). */
rs_status rs_model_versions_publish(rs_db *db, const char *store, const char *source,
                                    const char *dir, const char *metrics_json,
                                    const char *created_by, rs_model_version *out, rs_error *err);

#endif
