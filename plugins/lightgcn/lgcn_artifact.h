/*
 * LightGCN artifact file (<dir>/lightgcn.bin), format version 1.
 *
 * All integers and floats little-endian. A 64-byte header:
 *   0  magic "RSLGCN\r\n"        8  u32 format version (1)
 *   12 u32 header bytes (64)     16 u32 byte-order tag 0x01020304
 *   20 u32 dim                   24 u32 layers K
 *   28 u32 n_users               32 u32 n_items
 *   36 u32 n_item_layers L       40 f32 positive threshold
 *   44 u32 reserved (0)          48 u64 training positives
 *   56 u32 CRC-32 of the payload 60 u32 CRC-32 of bytes 0..59
 * then the payload, in this order, with no padding:
 *   i64 userId[n_users], i64 movieId[n_items], u32 item degree[n_items],
 *   f32 user final[n_users][dim], f32 item final[n_items][dim],
 *   f32 item layers[L][n_items][dim] (layers 0..L-1), f32 fold-in W[dim][dim].
 * The file size must equal 64 + the payload size the header implies.
 */
#ifndef LGCN_ARTIFACT_H
#define LGCN_ARTIFACT_H

#include "lgcn_model.h"

#define LGCN_ARTIFACT_FILE "lightgcn.bin"
#define LGCN_FORMAT_VERSION 1u

/* Write atomically (temp file, fsync, rename) into dir. */
rs_status lgcn_artifact_save(const lgcn_model *m, const char *dir, rs_error *err);

/* Read, validate everything and index onto `data`. On failure *out stays
 * NULL and nothing else changes. */
rs_status lgcn_artifact_load(const char *dir, const rs_dataset *data, lgcn_model **out,
                             rs_error *err);

uint32_t lgcn_crc32(uint32_t crc, const void *buf, size_t n);

/* Write parts[0..n) to path atomically: path.tmp, fsync, rename (a crash
 * leaves the old file or the new one, never half of one). */
typedef struct lgcn_span {
    const void *ptr;
    size_t bytes;
} lgcn_span;
rs_status lgcn_write_atomic(const char *path, const lgcn_span *parts, size_t n, rs_error *err);

#endif /* LGCN_ARTIFACT_H */
