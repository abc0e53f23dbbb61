/*
 * libFuzzer harness: the popularity plugin's artifact loader (pop_load,
 * reading popularity.tsv) on a file it did not write, remapped onto a tiny
 * real catalogue. The file is text and has no checksum.
 *
 * pop_load is static in the one-file plugin, so the harness compiles
 * popularity.c into itself rather than changing the plugin's interface.
 * Checked after every load: a refused file leaves the instance exactly as
 * it was (the same score and order arrays, contents and item count) with
 * a message naming the file; an accepted one has a finite score and a
 * permutation as order for every catalogue item.
 *
 * FUZZ_WRITE_SEEDS=<dir> fuzz_popularity_artifact writes the committed
 * seeds with the real saver (pop_save after pop_fit) and exits.
 */
#include "../plugins/popularity/popularity.c"

#include "fuzz_util.h"

static const rs_dataset *fz_host_dataset(const rs_host *h)
{
    (void)h;
    return fz_tiny_dataset();
}

static rs_host host = {.struct_size = sizeof(rs_host), .dataset = fz_host_dataset};

/* One fitted instance per mode: the file's mode must match the instance's. */
static pop insts[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const names[3] = {"valid_count", "valid_damped", "valid_decay"};
    const char *out = fz_seed_dir();
    rs_error err = {0};
    for (int k = 0; k < 3; k++) {
        insts[k] = (pop){.host = &host,
                         .mode = (pop_mode)k,
                         .threshold = 3.0,
                         .damping = 10.0,
                         .half_life_s = 365.0 * 86400.0};
        if (pop_fit(&insts[k], fz_tiny_dataset(), &err) != RS_OK)
            goto fail;
        if (!out)
            continue;
        if (pop_save(&insts[k], fz_scratch(), &err) != RS_OK)
            goto fail;
        fz_keep_seed(ARTIFACT, out, names[k]);
    }
    if (out)
        exit(0);
    return 0;
fail:
    fz_seed_fail("popularity setup", err.message);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const rs_dataset *ds = fz_tiny_dataset();
    fz_write(ARTIFACT, data, size);
    for (int k = 0; k < 3; k++) {
        pop *p = &insts[k];
        float *score = p->score;
        int32_t *order = p->order, n = p->n_items;
        float was_score[8];
        int32_t was_order[8];
        if (n > 8)
            abort();
        memcpy(was_score, score, (size_t)n * sizeof *score);
        memcpy(was_order, order, (size_t)n * sizeof *order);
        rs_error err = {0};
        if (pop_load(p, fz_scratch(), ds, &err) != RS_OK) {
            if (p->score != score || p->order != order || p->n_items != n ||
                memcmp(was_score, score, (size_t)n * sizeof *score) != 0 ||
                memcmp(was_order, order, (size_t)n * sizeof *order) != 0 ||
                !strstr(err.message, ARTIFACT))
                abort();
            continue;
        }
        if (p->n_items != ds->n_items)
            abort();
        uint8_t seen[8] = {0};
        for (int32_t i = 0; i < p->n_items; i++) {
            int32_t o = p->order[i];
            if (!isfinite(p->score[i]) || o < 0 || o >= p->n_items || seen[o]++)
                abort();
        }
    }
    return 0;
}
