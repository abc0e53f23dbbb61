/* LightGCN training checkpoints: save atomically, restore exactly. */
#include "lgcn_checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgcn_artifact.h" /* lgcn_crc32 */

#define CKPT_MAGIC "RSLGCN-CHECKPOINT"
#define CKPT_VERSION 1
/* Bytes the text header may take: a damaged file cannot make us read far. */
#define CKPT_HEADER_MAX 8192
/* The descriptor's bound on the epochs param (plugin.yaml). */
#define CKPT_MAX_EPOCH 100000
/* Adam steps one epoch can take: one per positive at batch_size 1 (a graph
 * of under 2^32 edges) or steps_per_epoch (at most 2^24). */
#define CKPT_MAX_EPOCH_STEPS (INT64_C(1) << 32)

void lgcn_ckpt_id_add(lgcn_ckpt_id *id, const char *key, const char *fmt, ...)
{
    if (id->n >= LGCN_CKPT_MAX_FIELDS)
        return;
    va_list ap;
    snprintf(id->f[id->n].key, sizeof id->f[id->n].key, "%s", key);
    va_start(ap, fmt);
    vsnprintf(id->f[id->n].value, sizeof id->f[id->n].value, fmt, ap);
    va_end(ap);
    id->n++;
}

typedef struct tables {
    float *p[4];
    int n;
} tables;

static tables tables_of(lgcn_trainer *t)
{
    tables tb = {
        {lgcn_trainer_ego(t), lgcn_trainer_adam_m(t), lgcn_trainer_adam_v(t), lgcn_trainer_best(t)},
        3};
    if (tb.p[3])
        tb.n = 4;
    return tb;
}

static int ckpt_path(const char *dir, const char *suffix, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s%s", dir, LGCN_CHECKPOINT_FILE, suffix);
    return n > 0 && (size_t)n < cap;
}

rs_status lgcn_checkpoint_save(const char *dir, const lgcn_ckpt_id *id, const lgcn_trainer *t,
                               rs_error *err)
{
    char path[4096];
    if (!ckpt_path(dir, "", path, sizeof path))
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: checkpoint path too long: %s", dir);
    /* The tables are only read; the accessors are not const. */
    tables tb = tables_of((lgcn_trainer *)(uintptr_t)t);
    size_t bytes = lgcn_trainer_table_size(t) * sizeof(float);
    uint32_t crc = 0;
    for (int k = 0; k < tb.n; k++)
        crc = lgcn_crc32(crc, tb.p[k], bytes);
    lgcn_run_state rs;
    lgcn_trainer_get_state(t, &rs);
    char head[CKPT_HEADER_MAX];
    size_t used = 0;
    int w = snprintf(head, sizeof head, "%s %d\n", CKPT_MAGIC, CKPT_VERSION);
    for (int k = 0; w > 0 && k < id->n; k++) {
        used += (size_t)w;
        w = used < sizeof head
                ? snprintf(head + used, sizeof head - used, "%s %s\n", id->f[k].key, id->f[k].value)
                : -1;
    }
    if (w > 0) {
        used += (size_t)w;
        w = used < sizeof head ? snprintf(head + used, sizeof head - used,
                                          "epoch %d\nstep %" PRId64 "\nrng %" PRIx64 " %" PRIx64
                                          " %" PRIx64 " %" PRIx64 "\nbest_epoch %d\nsince_best %d\n"
                                          "best_val_recall %a\nhas_best %d\n"
                                          "payload_bytes %zu\npayload_crc %08" PRIx32 "\nend\n",
                                          rs.epoch, rs.step, rs.rng[0], rs.rng[1], rs.rng[2],
                                          rs.rng[3], rs.best_epoch, rs.since_best,
                                          rs.best_val_recall, tb.n == 4, (size_t)tb.n * bytes, crc)
                               : -1;
    }
    if (w < 0 || used + (size_t)w >= sizeof head)
        return rs_error_set(err, RS_ERR_INTERNAL, "lightgcn: checkpoint header over %d bytes",
                            CKPT_HEADER_MAX);
    used += (size_t)w;
    lgcn_span parts[5] = {{head, used}};
    for (int k = 0; k < tb.n; k++)
        parts[k + 1] = (lgcn_span){tb.p[k], bytes};
    return lgcn_write_atomic(path, parts, (size_t)tb.n + 1, err);
}

/* ---- Load ----------------------------------------------------------------- */

typedef struct header {
    char key[LGCN_CKPT_MAX_FIELDS + 16][32];
    char value[LGCN_CKPT_MAX_FIELDS + 16][96];
    int n;
} header;

static const char *header_get(const header *h, const char *key)
{
    for (int k = 0; k < h->n; k++)
        if (strcmp(h->key[k], key) == 0)
            return h->value[k];
    return NULL;
}

/* Lines up to "end": "key value" each. */
static rs_status read_header(FILE *f, const char *path, header *h, rs_error *err)
{
    char line[256];
    long used = 0;
    int version = 0;
    h->n = 0;
    if (!fgets(line, sizeof line, f) || sscanf(line, CKPT_MAGIC " %d", &version) != 1)
        return rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s is not a checkpoint (bad magic)",
                            path);
    if (version != CKPT_VERSION)
        return rs_error_set(err, RS_ERR_FORMAT,
                            "lightgcn: %s has checkpoint version %d, this "
                            "build reads %d",
                            path, version, CKPT_VERSION);
    while (fgets(line, sizeof line, f)) {
        used += (long)strlen(line);
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "end") == 0)
            return RS_OK;
        char *sp = strchr(line, ' ');
        if (!sp || used > CKPT_HEADER_MAX || h->n == (int)(sizeof h->key / sizeof h->key[0]))
            break;
        *sp = '\0';
        snprintf(h->key[h->n], sizeof h->key[0], "%s", line);
        snprintf(h->value[h->n], sizeof h->value[0], "%s", sp + 1);
        h->n++;
    }
    return rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: damaged checkpoint header", path);
}

static rs_status parse_state(const header *h, const char *path, lgcn_run_state *rs, int *has_best,
                             size_t *payload, uint32_t *crc, rs_error *err)
{
    const char *v[9] = {header_get(h, "epoch"),      header_get(h, "step"),
                        header_get(h, "rng"),        header_get(h, "best_epoch"),
                        header_get(h, "since_best"), header_get(h, "best_val_recall"),
                        header_get(h, "has_best"),   header_get(h, "payload_bytes"),
                        header_get(h, "payload_crc")};
    for (int k = 0; k < 9; k++)
        if (!v[k])
            return rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: checkpoint lacks a state field",
                                path);
    char *end;
    int ok = sscanf(v[0], "%d", &rs->epoch) == 1 && sscanf(v[1], "%" SCNd64, &rs->step) == 1 &&
             sscanf(v[2], "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64, &rs->rng[0], &rs->rng[1],
                    &rs->rng[2], &rs->rng[3]) == 4 &&
             sscanf(v[3], "%d", &rs->best_epoch) == 1 && sscanf(v[4], "%d", &rs->since_best) == 1 &&
             sscanf(v[6], "%d", has_best) == 1 && sscanf(v[7], "%zu", payload) == 1 &&
             sscanf(v[8], "%" SCNx32, crc) == 1;
    rs->best_val_recall = strtod(v[5], &end);
    if (!ok || *end)
        return rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: bad checkpoint state field", path);
    /* The trainer counts on from these (epoch + 1, step++, since_best++):
     * a value at the top of its type would overflow there, so each is held
     * to what a real run can reach. */
    const char *bad = NULL;
    if (rs->epoch < 0 || rs->epoch > CKPT_MAX_EPOCH)
        bad = "epoch";
    else if (rs->step < 0 || rs->step > (int64_t)rs->epoch * CKPT_MAX_EPOCH_STEPS)
        bad = "step";
    else if (rs->best_epoch < 0 || rs->best_epoch > rs->epoch)
        bad = "best_epoch";
    else if (rs->since_best < 0 || rs->since_best > rs->epoch)
        bad = "since_best";
    else if (!isnan(rs->best_val_recall) &&
             !(rs->best_val_recall >= 0.0 && rs->best_val_recall <= 1.0))
        bad = "best_val_recall";
    if (bad)
        return rs_error_set(err, RS_ERR_FORMAT,
                            "lightgcn: %s: checkpoint field '%s' out of range (epoch at most %d, "
                            "best_epoch and since_best at most epoch, recall in [0, 1])",
                            path, bad, CKPT_MAX_EPOCH);
    return RS_OK;
}

rs_status lgcn_checkpoint_load(const char *dir, const lgcn_ckpt_id *id, lgcn_trainer *t,
                               rs_error *err)
{
    char path[4096];
    if (!ckpt_path(dir, "", path, sizeof path))
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: checkpoint path too long: %s", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return rs_error_set(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO,
                            "lightgcn: cannot open %s: %s", path, strerror(errno));
    header *h = malloc(sizeof *h);
    float *buf = NULL;
    lgcn_run_state rs;
    int has_best = 0;
    size_t payload = 0;
    uint32_t crc = 0;
    tables tb = tables_of(t);
    size_t bytes = lgcn_trainer_table_size(t) * sizeof(float);
    rs_status st = RS_OK;
    if (!h) {
        st = rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
        goto out;
    }
    if ((st = read_header(f, path, h, err)) != RS_OK)
        goto out;
    /* Identity first: a checkpoint of another run is a config error (the
     * user changed a param or the data), not damage. */
    for (int k = 0; k < id->n; k++) {
        const char *have = header_get(h, id->f[k].key);
        if (!have || strcmp(have, id->f[k].value) != 0) {
            st = rs_error_set(err, RS_ERR_CONFIG,
                              "lightgcn: cannot resume from %s: it was "
                              "written with %s = %s, this run has %s (train "
                              "without --resume to start afresh)",
                              path, id->f[k].key, have ? have : "(none)", id->f[k].value);
            goto out;
        }
    }
    if ((st = parse_state(h, path, &rs, &has_best, &payload, &crc, err)))
        goto out;
    if (has_best != (tb.n == 4) || payload != (size_t)tb.n * bytes) {
        st = rs_error_set(err, RS_ERR_FORMAT, "lightgcn: %s: payload of %zu bytes, expected %zu",
                          path, payload, (size_t)tb.n * bytes);
        goto out;
    }
    if (!(buf = malloc(payload + 1))) {
        st = rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
        goto out;
    }
    if (fread(buf, 1, payload, f) != payload || fgetc(f) != EOF ||
        lgcn_crc32(0, buf, payload) != crc) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "lightgcn: %s: truncated, trailing bytes or CRC "
                          "mismatch in the payload",
                          path);
        goto out;
    }
    for (int k = 0; k < tb.n; k++)
        memcpy(tb.p[k], (const char *)buf + (size_t)k * bytes, bytes);
    lgcn_trainer_set_state(t, &rs);
out:
    free(buf);
    free(h);
    fclose(f);
    return st;
}
