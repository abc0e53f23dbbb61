/*
 * Header-only helpers for plugins' binary artifacts: fixed-width integers
 * in host byte order, through memcpy (no alignment or aliasing
 * assumptions). The artifact headers record the byte order they were
 * written with, so a reader on another order refuses the file instead of
 * misreading it.
 */
#ifndef RECSYS_BYTES_H
#define RECSYS_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void rs_put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void rs_put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t rs_get_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t rs_get_u64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#endif /* RECSYS_BYTES_H */
