/* Internal: open-addressing hash map from external int64 ids to dense
 * int32 indices (MovieLens ids are sparse: movieId reaches 193609). */
#ifndef RS_IDMAP_H
#define RS_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct rs_idmap {
    int64_t *keys;
    int32_t *vals; /* -1 = empty slot */
    size_t cap;    /* power of two */
    size_t n;
} rs_idmap;

int rs_idmap_init(rs_idmap *m, size_t expected);
void rs_idmap_destroy(rs_idmap *m);
/* Returns the existing index for id, or inserts `idx` and returns it;
 * -2 on allocation failure. */
int32_t rs_idmap_put(rs_idmap *m, int64_t id, int32_t idx);
int32_t rs_idmap_get(const rs_idmap *m, int64_t id);

#endif
