/*
 * Shared by the libFuzzer harnesses: a private scratch directory per fuzzing
 * process, file writing, and a tiny real MovieLens dataset for the loaders
 * that index onto a catalogue. Header-only so each harness stays one file.
 */
#ifndef RS_FUZZ_UTIL_H
#define RS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recsys/dataset.h"

/* The scratch directory, made on first use and removed at exit. */
static char fz_dir[256];

static inline void fz_remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
    if (fz_dir[0] && system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

static inline const char *fz_scratch(void)
{
    if (!fz_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fz_dir, sizeof fz_dir, "%s/rs-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fz_remove_dir);
    }
    return fz_dir;
}

/* Write data[0..n) to <scratch>/name; returns the path (static buffer). */
static inline const char *fz_write(const char *name, const void *data, size_t n)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_scratch(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n)) {
        perror(path);
        abort();
    }
    fclose(f);
    return path;
}

/* Store v little-endian at p (the binary formats' CRC fields). */
static inline void fz_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Seed writing: FUZZ_WRITE_SEEDS=<dir> makes a harness that supports it
 * write its committed seeds with the plugin's real saver and exit. */
static inline const char *fz_seed_dir(void) { return getenv("FUZZ_WRITE_SEEDS"); }

/* Stop seed writing with the saver's message. */
static inline void fz_seed_fail(const char *name, const char *message)
{
    fprintf(stderr, "fuzz: seed %s: %s\n", name, message);
    exit(1);
}

/* Move <scratch>/file, just written by a saver, to <out>/name. */
static inline void fz_keep_seed(const char *file, const char *out, const char *name)
{
    char src[600], dst[600];
    snprintf(src, sizeof src, "%s/%s", fz_scratch(), file);
    snprintf(dst, sizeof dst, "%s/%s", out, name);
    if (rename(src, dst) != 0) {
        perror(dst);
        exit(1);
    }
}

/* A real catalogue of three movies and two users, loaded once through
 * rs_movielens_load (so the loaders see the same structures as in serving). */
static inline const rs_dataset *fz_tiny_dataset(void)
{
    static rs_movielens *ml;
    if (ml)
        return rs_movielens_view(ml);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/tiny", fz_scratch());
    if (mkdir(dir, 0700) != 0) {
        perror(dir);
        abort();
    }
    static const char movies[] = "movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n"
                                 "2,Heat (1995),Action|Crime\n3,Up (2009),Animation\n";
    static const char ratings[] = "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,3.5,2\n"
                                  "2,1,5.0,3\n2,3,2.0,4\n";
    char name[64];
    snprintf(name, sizeof name, "tiny/movies.csv");
    fz_write(name, movies, sizeof movies - 1);
    snprintf(name, sizeof name, "tiny/ratings.csv");
    fz_write(name, ratings, sizeof ratings - 1);
    rs_load_options opt = {.cf_min_item_ratings = 1, .cf_min_user_ratings = 1};
    rs_error err = {0};
    if (rs_movielens_load(dir, &opt, &ml, &err) != RS_OK) {
        fprintf(stderr, "fuzz: tiny dataset: %s\n", err.message);
        abort();
    }
    return rs_movielens_view(ml);
}

#endif
