/*
 * libFuzzer harness: the semantic plugin's builtin-encoder section reader
 * (sem_encoder_read: vocabulary, idf, field weights, projection basis),
 * the part of semantic.bin that is not faiss's. The rest of that file is
 * read by semantic.c's read_artifact, which is static beside the faiss
 * index code (the fuzz build has no faiss), and the index by faiss itself.
 *
 * Input: byte 0 picks the artifact's dim (1..8), the rest is the section.
 * The section has no checksum of its own (the artifact's trailer, checked
 * after it, covers the whole file), so no fix-up is needed. Checked: a
 * refused section names the file and leaves *out NULL; an accepted encoder
 * embeds each tiny-catalogue movie as a finite vector.
 *
 * FUZZ_WRITE_SEEDS=<dir> fuzz_sem_encoder writes the committed seeds with
 * the real writer (sem_encoder_write after sem_encoder_fit) and exits.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sem_encoder.h"

#define FZ_MAX_DIM 8

static void write_seed(const char *out, const char *name, int dim)
{
    const rs_dataset *ds = fz_tiny_dataset();
    sem_encoder_opts o = {{2, 2, 1, 1, 1}, dim, 1, 1.0, 2, 2, 42};
    float vec[3 * FZ_MAX_DIM];
    sem_encoder *e = NULL;
    sem_writer w;
    rs_error err = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/%s", out, name);
    if (sem_encoder_fit(ds->items, ds->n_items, &o, vec, &e, &err) != RS_OK ||
        sem_writer_open(&w, path, &err) != RS_OK)
        goto fail;
    uint8_t d = (uint8_t)(dim - 1);
    sem_write(&w, &d, 1);
    sem_encoder_write(e, &w);
    sem_encoder_free(e);
    if (sem_writer_close(&w, 0, &err) == RS_OK)
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
    write_seed(out, "valid_dim1", 1);
    write_seed(out, "valid_dim2", 2);
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const rs_dataset *ds = fz_tiny_dataset();
    int dim = 1 + data[0] % FZ_MAX_DIM;
    const char *path = fz_write("encoder", data + 1, size - 1);
    sem_reader r;
    rs_error err = {0};
    if (sem_reader_open(&r, path, &err) != RS_OK)
        abort();
    sem_encoder *e = (sem_encoder *)(uintptr_t)1; /* must stay untouched or be set */
    sem_encoder *got = e;
    rs_status st = sem_encoder_read(&r, dim, &got, &err);
    sem_reader_close(&r);
    if (st != RS_OK) {
        if (got != e || !strstr(err.message, "encoder")) {
            fprintf(stderr, "fuzz: refused without naming the file: %s\n", err.message);
            abort();
        }
        return 0;
    }
    if (sem_encoder_dim(got) != dim)
        abort();
    for (int32_t i = 0; i < ds->n_items; i++) {
        float x[FZ_MAX_DIM];
        if (sem_encoder_embed(got, &ds->items[i], x, NULL, &err) != RS_OK)
            continue;
        for (int k = 0; k < dim; k++)
            if (!isfinite(x[k]))
                abort();
    }
    sem_encoder_free(got);
    return 0;
}
