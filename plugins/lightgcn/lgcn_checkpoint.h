/*
 * LightGCN training checkpoints (<checkpoint dir>/lightgcn.ckpt): enough to
 * continue a run bit-identically (same seed and binary; any thread count,
 * since training is thread-count independent).
 *
 * Format version 1. A text header, one "key value" line each, ending with
 * "end\n", then a binary payload (little-endian f32 tables of
 * [n_nodes][dim]: E0, Adam's m, Adam's v, and the best epoch's E0 when
 * has_best is 1):
 *
 *   RSLGCN-CHECKPOINT 1
 *   <identity fields>      what the run was started with (params that shape
 *                          the trajectory, the graph's and ids' CRC); a
 *                          resume with any other value is refused, naming it
 *   epoch N                epochs completed
 *   step S                 Adam steps taken
 *   rng a b c d            the sampling generator (hex)
 *   best_epoch B, since_best P, best_val_recall R (%a: exact)
 *   has_best 0|1, payload_bytes, payload_crc (CRC-32)
 *   end
 *
 * Written to lightgcn.ckpt.tmp, fsynced, renamed: a crash mid-write leaves
 * the previous checkpoint intact.
 */
#ifndef LGCN_CHECKPOINT_H
#define LGCN_CHECKPOINT_H

#include "lgcn_train.h"

#define LGCN_CHECKPOINT_FILE "lightgcn.ckpt"
#define LGCN_CKPT_MAX_FIELDS 24

/* The run's identity: (key, value) pairs compared verbatim on resume. */
typedef struct lgcn_ckpt_id {
    struct {
        char key[32];
        char value[96];
    } f[LGCN_CKPT_MAX_FIELDS];
    int n;
} lgcn_ckpt_id;

/* Append one field (printf-formatted value); silently ignores overflow of
 * LGCN_CKPT_MAX_FIELDS (a programming error the tests would catch). */
void lgcn_ckpt_id_add(lgcn_ckpt_id *id, const char *key, const char *fmt, ...) RS_PRINTF(3, 4);

/* Write the trainer's state into dir atomically. */
rs_status lgcn_checkpoint_save(const char *dir, const lgcn_ckpt_id *id, const lgcn_trainer *t,
                               rs_error *err);

/* Restore the trainer from dir. RS_ERR_NOT_FOUND when there is no
 * checkpoint; RS_ERR_CONFIG when it was written for another identity (the
 * message names the field and both values); RS_ERR_FORMAT when it is
 * damaged. On failure the trainer is untouched. */
rs_status lgcn_checkpoint_load(const char *dir, const lgcn_ckpt_id *id, lgcn_trainer *t,
                               rs_error *err);

#endif /* LGCN_CHECKPOINT_H */
