/*
 * SIMD helpers shared by the LightGCN kernels: GCC vector types (no
 * intrinsics, so one source builds for every x86-64 level and for other
 * architectures) and per-function multi-versioning.
 */
#ifndef LGCN_SIMD_H
#define LGCN_SIMD_H

#include <string.h>

/* Build x86-64-v3 (AVX2+FMA) and baseline versions of the hot kernels and
 * pick one at load time (glibc ifunc), so the plugin stays portable across
 * x86-64 machines yet the 64-wide row update runs 8 lanes wide where it
 * can. ("arch=haswell" would dispatch on the CPU model and miss AMD.) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define LGCN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LGCN_CLONES
#endif

/* 8 floats; GCC lowers it to one AVX register or two SSE registers. Keep
 * them in named variables, not arrays: GCC 12 leaves a vector array (and
 * its zeroing) on the stack, which cost the SpMM a third of its time. */
typedef float lgcn_v8 __attribute__((vector_size(32)));

/* Unaligned load / store (memcpy compiles to one vector move). Always
 * inlined, so the vector-return ABI GCC warns about at every call from a
 * baseline clone (-Wpsabi: it differs between AVX and SSE code) never
 * applies; the warning is off for the files that include this header. */
#pragma GCC diagnostic ignored "-Wpsabi"
static inline __attribute__((always_inline)) lgcn_v8 lgcn_v8_load(const float *p)
{
    lgcn_v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void lgcn_v8_store(float *p, lgcn_v8 v)
{
    memcpy(p, &v, sizeof v);
}

static inline __attribute__((always_inline)) lgcn_v8 lgcn_v8_splat(float x)
{
    lgcn_v8 v = {0};
    return v + x;
}

#endif /* LGCN_SIMD_H */
