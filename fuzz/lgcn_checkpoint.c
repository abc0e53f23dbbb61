/*
 * libFuzzer harness: the LightGCN training checkpoint loader
 * (lgcn_checkpoint_load, what `recsys train --resume` reads) on a file it
 * did not write, into two tiny real trainers (2 users, 3 items, dim 4): one
 * without early stopping (3 tables: E0, Adam m, v) and one with it (a 4th
 * table, the best epoch's E0).
 *
 * The payload's CRC-32 sits in the text header ("payload_crc xxxxxxxx");
 * the harness rewrites those 8 hex digits with the CRC of the bytes after
 * "end\n", as a crafted file would, so the fuzzer gets past it to the
 * state parsing and the size checks. Checked after every load: a refused
 * checkpoint leaves the trainer untouched (tables and run state, byte for
 * byte) and returns a message naming the file; an accepted one is trained
 * on, as --resume does, so a restored state the trainer cannot run from
 * shows up as a crash or undefined behaviour.
 *
 * FUZZ_WRITE_SEEDS=<dir> fuzz_lgcn_checkpoint writes the committed seeds
 * with the real saver (lgcn_checkpoint_save) and exits.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "lgcn_artifact.h" /* lgcn_crc32 */
#include "lgcn_checkpoint.h"

typedef struct fz_run {
    lgcn_trainer *t;
    float *snap; /* the tables before the load */
    size_t bytes;
    int n_tables;
} fz_run;

static lgcn_graph graph;
static lgcn_ckpt_id ident;
static fz_run runs[2];

static float *table(lgcn_trainer *t, int k)
{
    return k == 0   ? lgcn_trainer_ego(t)
           : k == 1 ? lgcn_trainer_adam_m(t)
           : k == 2 ? lgcn_trainer_adam_v(t)
                    : lgcn_trainer_best(t);
}

/* Users 0, 1; items 0..2; four positives. Built once per process. */
static void setup(void)
{
    static size_t ptr[] = {0, 2, 4};
    static int32_t item[] = {0, 1, 0, 2};
    lgcn_pos pos = {2, 3, ptr, item};
    rs_error err = {0};
    if (lgcn_graph_build(&graph, &pos, &err) != RS_OK)
        goto fail;
    lgcn_ckpt_id_add(&ident, "dim", "%d", 4);
    lgcn_ckpt_id_add(&ident, "layers", "%d", 1);
    lgcn_ckpt_id_add(&ident, "graph", "%d users, %d items", 2, 3);
    for (int r = 0; r < 2; r++) {
        lgcn_hparams hp = {.dim = 4,
                           .layers = 1,
                           .epochs = 2,
                           .batch = 2,
                           .lr = 0.01,
                           .decay = 1e-4,
                           .init_std = 0.1,
                           .seed = 7,
                           .threads = 1,
                           .patience = r,
                           .eval_every = 1};
        if (lgcn_trainer_new(&graph, &hp, &runs[r].t, &err) != RS_OK)
            goto fail;
        runs[r].n_tables = lgcn_trainer_best(runs[r].t) ? 4 : 3;
        runs[r].bytes = lgcn_trainer_table_size(runs[r].t) * sizeof(float);
        runs[r].snap = malloc(4 * runs[r].bytes);
        if (!runs[r].snap)
            abort();
    }
    return;
fail:
    fprintf(stderr, "fuzz: trainer setup: %s\n", err.message);
    abort();
}

/* A trainer that looks part-way through a run: distinct values in every
 * table and a non-trivial state, so a restore that copies the wrong bytes
 * shows. */
static void mark(lgcn_trainer *t, int n_tables, float base)
{
    size_t n = lgcn_trainer_table_size(t);
    for (int k = 0; k < n_tables; k++)
        for (size_t i = 0; i < n; i++)
            table(t, k)[i] = base + (float)k + 0.001f * (float)i;
    lgcn_run_state s = {3,
                        12,
                        {1, 2, 3, 0xfeedfacecafebeefull},
                        n_tables == 4 ? 2 : 0,
                        1,
                        n_tables == 4 ? 0.125 : NAN};
    lgcn_trainer_set_state(t, &s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    const char *out = fz_seed_dir();
    if (!out)
        return 0;
    rs_error err = {0};
    static const char *const names[2] = {"valid_no_best", "valid_best"};
    for (int r = 0; r < 2; r++) {
        mark(runs[r].t, runs[r].n_tables, 0.5f);
        if (lgcn_checkpoint_save(fz_scratch(), &ident, runs[r].t, &err) != RS_OK)
            fz_seed_fail(names[r], err.message);
        fz_keep_seed(LGCN_CHECKPOINT_FILE, out, names[r]);
    }
    exit(0);
}

/* Field by field: the struct has padding; the double by its bits (NAN). */
static int same_state(const lgcn_run_state *a, const lgcn_run_state *b)
{
    return a->epoch == b->epoch && a->step == b->step && !memcmp(a->rng, b->rng, sizeof a->rng) &&
           a->best_epoch == b->best_epoch && a->since_best == b->since_best &&
           !memcmp(&a->best_val_recall, &b->best_val_recall, sizeof a->best_val_recall);
}

/* Rewrite the header's payload_crc with the CRC of what follows "end\n". */
static void fix_crc(uint8_t *buf, size_t size)
{
    static const char key[] = "\npayload_crc ", end[] = "\nend\n";
    uint8_t *k = memmem(buf, size, key, sizeof key - 1);
    uint8_t *e = memmem(buf, size, end, sizeof end - 1);
    if (!k || !e || k > e || (size_t)(e - k) < sizeof key - 1 + 8)
        return;
    const uint8_t *payload = e + sizeof end - 1;
    char hex[9];
    snprintf(hex, sizeof hex, "%08x",
             (unsigned)lgcn_crc32(0, payload, size - (size_t)(payload - buf)));
    memcpy(k + sizeof key - 1, hex, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    fix_crc(buf, size);
    fz_write(LGCN_CHECKPOINT_FILE, buf, size);
    free(buf);
    for (int r = 0; r < 2; r++) {
        fz_run *x = &runs[r];
        mark(x->t, x->n_tables, 9.0f);
        lgcn_run_state before, after;
        lgcn_trainer_get_state(x->t, &before);
        for (int k = 0; k < x->n_tables; k++)
            memcpy((char *)x->snap + (size_t)k * x->bytes, table(x->t, k), x->bytes);
        rs_error err = {0};
        if (lgcn_checkpoint_load(fz_scratch(), &ident, x->t, &err) == RS_OK) {
            /* What --resume does next: train on from the restored state,
             * here for one more epoch (the epochs param's bound is 100000). */
            lgcn_train_report rep;
            lgcn_run_state got;
            lgcn_trainer_get_state(x->t, &got);
            lgcn_trainer_set_epochs(x->t, got.epoch < 100000 ? got.epoch + 1 : 100000);
            lgcn_trainer_run(x->t, NULL, NULL, NULL, &rep, &err);
            continue;
        }
        /* Refused: nothing of the file may have reached the trainer. */
        lgcn_trainer_get_state(x->t, &after);
        if (!same_state(&before, &after) || !strstr(err.message, LGCN_CHECKPOINT_FILE))
            abort();
        for (int k = 0; k < x->n_tables; k++)
            if (memcmp((char *)x->snap + (size_t)k * x->bytes, table(x->t, k), x->bytes) != 0)
                abort();
    }
    return 0;
}
