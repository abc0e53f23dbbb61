/*
 * Checked binary I/O for the semantic plugin's files: every read names the
 * file, the byte offset and what was being read, and a running FNV-1a 64
 * hash over everything read or written lets the trailer detect corruption.
 * Files are little-endian (the only byte order the plugin is built for).
 */
#ifndef RS_SEMANTIC_IO_H
#define RS_SEMANTIC_IO_H

#include <stdint.h>
#include <stdio.h>

#include "recsys/plugin.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "semantic plugin files are little-endian; add byte swapping first"
#endif

#define SEM_HASH_INIT 0xcbf29ce484222325ull

typedef struct sem_writer {
    FILE *f;
    const char *path;
    uint64_t hash;
    int failed; /* sticky: check once with sem_writer_close */
} sem_writer;

typedef struct sem_reader {
    FILE *f;
    const char *path;
    uint64_t hash;
    uint64_t off;
} sem_reader;

uint64_t sem_hash_bytes(uint64_t h, const void *p, size_t n);

/* Open path for writing; on failure returns RS_ERR_IO naming it. */
rs_status sem_writer_open(sem_writer *w, const char *path, rs_error *err);
void sem_write(sem_writer *w, const void *p, size_t n);
void sem_write_u32(sem_writer *w, uint32_t v);
void sem_write_u64(sem_writer *w, uint64_t v);
/* Append the hash trailer (unless with_hash is 0), flush and close;
 * reports any earlier write failure. Always closes. */
rs_status sem_writer_close(sem_writer *w, int with_hash, rs_error *err);

rs_status sem_reader_open(sem_reader *r, const char *path, rs_error *err);
void sem_reader_close(sem_reader *r);
/* Read n bytes or fail with "<path>: truncated at byte <off> reading
 * <what>". */
rs_status sem_read(sem_reader *r, void *p, size_t n, const char *what, rs_error *err);
rs_status sem_read_u32(sem_reader *r, uint32_t *v, const char *what, rs_error *err);
rs_status sem_read_u64(sem_reader *r, uint64_t *v, const char *what, rs_error *err);
/* Read the trailer, compare it with the running hash, and require EOF. */
rs_status sem_read_trailer(sem_reader *r, rs_error *err);
/* File size in bytes, or -1. */
int64_t sem_file_size(const char *path);

#endif /* RS_SEMANTIC_IO_H */
