/*
 * Precomputed movie vectors (e.g. all-mpnet-base-v2, 768-d), as written by
 * tools/embed_catalogue.py. Little-endian layout:
 *
 *   offset  size        field
 *   0       8           magic "RSEMBVEC"
 *   8       4           u32 version = 1
 *   12      4           u32 dtype = 1 (float32; the only one defined)
 *   16      4           u32 dim (1..65536)
 *   20      4           u32 reserved = 0
 *   24      8           u64 count (number of movies, >= 1)
 *   32      8*count     int64 movieId of each row
 *   ...     4*count*dim float32 row-major vectors
 *
 * The file size must equal 32 + 8*count + 4*count*dim exactly: a shorter
 * file is truncated, a longer one is not this format.
 */
#ifndef RS_SEMANTIC_VECFILE_H
#define RS_SEMANTIC_VECFILE_H

#include <stdint.h>

#include "recsys/plugin.h"

#define SEM_VECFILE_MAGIC "RSEMBVEC"
#define SEM_VECFILE_VERSION 1u
#define SEM_VECFILE_F32 1u
#define SEM_VECFILE_HEADER 32u
#define SEM_VECFILE_MAX_DIM 65536u

/* Write count rows (tests, and exporting builtin vectors). */
rs_status sem_vecfile_write(const char *path, uint32_t dim, uint64_t count, const int64_t *ids,
                            const float *vectors, rs_error *err);

/*
 * Load path onto the catalogue of `data`: vectors[n_items * dim] in
 * catalogue order, each L2-normalised. Refuses, naming the file and the
 * row: a bad header, a dim other than `dim`, a size that does not match
 * the header, an id not in the catalogue, a duplicate id, a non-finite or
 * all-zero vector, and a catalogue movie without a row (the plugin serves
 * the whole catalogue).
 */
rs_status sem_vecfile_load(const char *path, int dim, const rs_dataset *data, float *vectors,
                           rs_error *err);

#endif /* RS_SEMANTIC_VECFILE_H */
