/*
 * A real plugin for the host's tests, compiled several times with different
 * macros: good, wrong ABI major, newer minor, oversized or undersized entry,
 * failing fit, missing entry symbol. The good one ranks items by index
 * (score = -index) and persists a one-line artifact; "corrupt" in that file
 * makes load fail, like a damaged model.
 *
 * Param `misbehave` makes it break the output contract one way at a time
 * (the host must catch each), or echo what the host put in the query;
 * param `child` (type instance) makes it a composite that serves through
 * host->child_recommend. TP_V1_0 builds it as a plugin built against the
 * ABI 1.0 header would be (1.0 entry size, no describe).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/plugin.h"

#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR RS_ABI_MAJOR
#endif
#ifndef TP_ABI_MINOR
#define TP_ABI_MINOR RS_ABI_MINOR
#endif
#ifndef TP_SIZE_DELTA
#define TP_SIZE_DELTA 0
#endif

typedef struct tp {
    const rs_host *host;
    int32_t n_items;
    int64_t delay_ms;
    int64_t generation;    /* written by fit, read back by load */
    const char *misbehave; /* none, overrun, range, duplicate, nan, inf_score, echo */
    const char *child;     /* "" or an instance to serve through */
} tp;

static rs_status tp_create(const rs_host *host, void **out, rs_error *err)
{
    tp *p = calloc(1, sizeof *p);
    if (!p)
        return rs_error_set(err, RS_ERR_NOMEM, "tp: out of memory");
    p->host = host;
    if (host->param_int(host, "delay_ms", &p->delay_ms) != RS_OK)
        p->delay_ms = 0;
    if (host->param_string(host, "misbehave", &p->misbehave) != RS_OK)
        p->misbehave = "none";
    if (host->param_string(host, "child", &p->child) != RS_OK)
        p->child = "";
    *out = p;
    return RS_OK;
}

static void tp_destroy(void *inst) { free(inst); }

static rs_status tp_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    tp *p = inst;
#ifdef TP_FAIL_FIT
    (void)p;
    (void)d;
    return rs_error_set(err, RS_ERR_INTERNAL, "deliberate fit failure");
#else
    (void)err;
    p->n_items = d->n_items;
    p->generation = 1;
    p->host->progress(p->host, "fit", 1, 1, "done");
    return RS_OK;
#endif
}

static rs_status tp_save(void *inst, const char *dir, rs_error *err)
{
    tp *p = inst;
    char path[4096];
    snprintf(path, sizeof path, "%s/model.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "ok %d %lld\n", p->n_items, (long long)p->generation);
    fclose(f);
    return RS_OK;
}

static rs_status tp_load(void *inst, const char *dir, const rs_dataset *d, rs_error *err)
{
    tp *p = inst;
    char path[4096], word[16] = "";
    int n = 0;
    long long gen = 0;
    snprintf(path, sizeof path, "%s/model.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    int got = fscanf(f, "%15s %d %lld", word, &n, &gen);
    fclose(f);
    if (got != 3 || strcmp(word, "ok") != 0 || n != d->n_items)
        return rs_error_set(err, RS_ERR_FORMAT, "%s: corrupt test model", path);
    p->n_items = n;
    p->generation = gen;
    return RS_OK;
}

static int is(const tp *p, const char *mode) { return strcmp(p->misbehave, mode) == 0; }

#ifndef TP_V1_0
/* A composite: the child's list, through the host (which checks it). */
static rs_status tp_delegate(tp *p, const rs_query *q, size_t k, rs_scored *out, size_t *n_out,
                             rs_error *err)
{
    rs_instance_ref ref;
    rs_status st = p->host->acquire_instance(p->host, p->child, &ref, err);
    if (st != RS_OK)
        return st;
    st = p->host->child_recommend(p->host, &ref, q, k, out, NULL, n_out, err);
    p->host->release_instance(p->host, &ref);
    return st;
}
#endif

static rs_status tp_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                              rs_explanation *explain, size_t *n_out, rs_error *err)
{
    tp *p = inst;
    (void)explain;
    (void)err;
#ifndef TP_V1_0
    if (*p->child)
        return tp_delegate(p, q, k, out, n_out, err);
    if (is(p, "echo") && k > 0) { /* what the host filled in */
        size_t n = q->n_ratings < (size_t)p->n_items ? q->n_ratings : (size_t)p->n_items - 1;
        out[0].item = (int32_t)n;
        out[0].score = RS_HAS_FIELD(q, rs_query, user_index) ? (float)q->user_index : -99.0f;
        *n_out = 1;
        return RS_OK;
    }
#endif
    if (p->delay_ms > 0) {
        struct timespec ts = {0, (long)p->delay_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t n = 0;
    for (int32_t i = 0; i < p->n_items && n < k; i++) {
        int rated = 0;
        for (size_t j = 0; j < q->n_ratings; j++)
            rated |= q->ratings[j].item == i;
        if (!rated) {
            out[n].item = i;
            out[n].score = (float)-i;
            n++;
        }
    }
    if (n > 0 && is(p, "overrun"))
        n = k + 1; /* writes past k: the buffer is the host's problem */
    if (n > 0 && is(p, "range"))
        out[0].item = p->n_items;
    if (n > 1 && is(p, "duplicate"))
        out[1].item = out[0].item;
    if (n > 0 && is(p, "nan"))
        out[0].score = NAN;
    *n_out = n;
    return RS_OK;
}

static rs_status tp_score(void *inst, const rs_query *q, const int32_t *items, size_t n,
                          float *scores, rs_error *err)
{
    tp *p = inst;
    (void)q;
    (void)err;
    for (size_t j = 0; j < n; j++)
        scores[j] = items[j] < p->n_items ? (float)-items[j] : RS_SCORE_MISSING;
    if (n > 0 && is(p, "inf_score"))
        scores[n - 1] = INFINITY;
    return RS_OK;
}

#ifndef TP_V1_0
static rs_status tp_describe(void *inst, char *buf, size_t cap, rs_error *err)
{
    const tp *p = inst;
    int w = snprintf(buf, cap, "{\"items\": %d, \"generation\": %lld}", p->n_items,
                     (long long)p->generation);
    if (w < 0 || (size_t)w >= cap)
        return rs_error_set(err, RS_ERR_INVALID, "tp: describe needs %d bytes", w + 1);
    return RS_OK;
}
#endif

/* The entry as a plugin built against another SDK would lay it out: the
 * oversized variant carries extra bytes after the 1.0 fields. */
static const struct {
    rs_plugin_entry e;
    char tail[64];
} entry = {{
               .abi_major = TP_ABI_MAJOR,
#ifdef TP_V1_0
               .abi_minor = 0,
               .struct_size = (uint32_t)RS_ENTRY_V1_0_SIZE,
#else
               .abi_minor = TP_ABI_MINOR,
               .struct_size = (uint32_t)(sizeof(rs_plugin_entry) + TP_SIZE_DELTA),
               .describe = tp_describe,
#endif
               .name = TP_NAME,
               .version = "0.0.1",
               .description = "test plugin",
               .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE
#ifdef TP_COMPOSITE
                               | RS_CAP_COMPOSITE
#endif
               ,
               .create = tp_create,
               .destroy = tp_destroy,
               .fit = tp_fit,
               .save = tp_save,
               .load = tp_load,
               .recommend = tp_recommend,
               .score = tp_score,
           },
           {0}};

#ifdef TP_NO_ENTRY
RS_EXPORT const rs_plugin_entry *some_other_symbol(void);
RS_EXPORT const rs_plugin_entry *some_other_symbol(void) { return &entry.e; }
#else
RS_EXPORT const rs_plugin_entry *rs_plugin_entry_v1(void);
RS_EXPORT const rs_plugin_entry *rs_plugin_entry_v1(void) { return &entry.e; }
#endif
