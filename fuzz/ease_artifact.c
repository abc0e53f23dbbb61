/*
 * libFuzzer harness: the EASE artifact loader (ease_artifact_load) on a
 * file it did not write, indexed onto a tiny real catalogue, with the
 * plugin's default max_items (20000).
 *
 * The format carries CRC-32s of its payload (bytes 56..59) and header
 * (60..63); the harness recomputes both before loading, as a hand-made or
 * crafted file would, so the fuzzer reaches the header field checks, the
 * size arithmetic, the weight checks and the indexing. Checked after every
 * load: a refused file leaves *out NULL and a message naming the file; an
 * accepted one has n >= 1 items, each indexed onto the catalogue.
 *
 * FUZZ_WRITE_SEEDS=<dir> fuzz_ease_artifact writes the committed seeds with
 * the real saver (ease_artifact_save) and exits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ease_artifact.h"
#include "fuzz_util.h"

/* Save an n-item model over the given movie ids as <out>/<name>. */
static void write_seed(const char *out, const char *name, const int64_t *movies, int32_t n)
{
    ease_model *m = NULL;
    rs_error err = {0};
    if (ease_model_alloc(n, &m, &err) != RS_OK)
        goto fail;
    m->threshold = 3.5f;
    m->lambda = 100.0;
    m->n_users = 2;
    m->n_positives = 4;
    for (int32_t j = 0; j < n; j++) {
        m->movie[j] = movies[j];
        m->count[j] = (uint32_t)(n - j);
        for (int32_t i = 0; i < n; i++)
            m->B[(size_t)j * (size_t)n + (size_t)i] = j == i ? 0.0f : 0.125f * (float)(j + 2 * i);
    }
    if (ease_artifact_save(m, fz_scratch(), &err) != RS_OK)
        goto fail;
    ease_model_free(m);
    fz_keep_seed(EASE_ARTIFACT_FILE, out, name);
    return;
fail:
    fz_seed_fail(name, err.message);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *out = fz_seed_dir();
    if (!out)
        return 0;
    /* The tiny catalogue has movies 1, 2, 3. */
    write_seed(out, "valid_all", (const int64_t[]){1, 2, 3}, 3);
    write_seed(out, "valid_subset", (const int64_t[]){3, 1}, 2);
    write_seed(out, "unknown_movie", (const int64_t[]){1, 99}, 2);
    write_seed(out, "duplicate_movie", (const int64_t[]){2, 2}, 2);
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const rs_dataset *ds = fz_tiny_dataset();
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size >= 64) {
        fz_put_u32(buf + 56, (uint32_t)crc32(0L, buf + 64, (uInt)(size - 64)));
        fz_put_u32(buf + 60, (uint32_t)crc32(0L, buf, 60));
    }
    char d[300];
    snprintf(d, sizeof d, "%s/ease", fz_scratch());
    mkdir(d, 0700);
    fz_write("ease/" EASE_ARTIFACT_FILE, buf, size);
    free(buf);
    ease_model *m = (ease_model *)(uintptr_t)1; /* must be reset to NULL */
    rs_error err = {0};
    rs_status st = ease_artifact_load(d, ds, 20000, &m, &err);
    if (st != RS_OK) {
        if (m != NULL || !strstr(err.message, EASE_ARTIFACT_FILE))
            abort(); /* half-built result, or an error that does not say where */
        return 0;
    }
    if (!m || m->n < 1 || m->n_catalogue != ds->n_items)
        abort();
    for (int32_t j = 0; j < m->n; j++)
        if (m->item_cat[j] < 0 || m->item_cat[j] >= ds->n_items || m->cat_item[m->item_cat[j]] != j)
            abort();
    ease_model_free(m);
    return 0;
}
