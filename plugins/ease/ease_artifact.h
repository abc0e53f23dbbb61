/*
 * EASE artifact file (<dir>/ease.bin), format version 1.
 *
 * Little-endian. A 64-byte header:
 *   0  magic "RSEASE\r\n"          8  u32 format version (1)
 *   12 u32 header bytes (64)       16 u32 byte-order tag 0x01020304
 *   20 u32 n items                 24 f32 positive threshold
 *   28 u32 reserved (0)            32 f64 lambda
 *   40 u64 training positives      48 u64 training users
 *   56 u32 CRC-32 of the payload   60 u32 CRC-32 of bytes 0..59
 * then the payload, with no padding:
 *   i64 movieId[n], u32 positives[n], f32 B[n][n] (row-major).
 * The file size must equal 64 + 12 n + 4 n^2. The CRC is zlib's crc32.
 */
#ifndef EASE_ARTIFACT_H
#define EASE_ARTIFACT_H

#include "ease_model.h"

#define EASE_ARTIFACT_FILE "ease.bin"
#define EASE_FORMAT_VERSION 1u

/* Write atomically (temp file, fsync, rename) into dir. */
rs_status ease_artifact_save(const ease_model *m, const char *dir, rs_error *err);

/* Read and validate everything, then index onto `data`. A model of more
 * than max_items items is refused before its matrix is allocated. On
 * failure *out stays NULL and nothing else changes. */
rs_status ease_artifact_load(const char *dir, const rs_dataset *data, int64_t max_items,
                             ease_model **out, rs_error *err);

#endif /* EASE_ARTIFACT_H */
