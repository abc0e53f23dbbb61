/*
 * Popularity baseline. fit() computes one score per catalogue item; the
 * ranked order is precomputed, so recommend() walks it and skips the
 * user's items: O(k + rated) per request, no allocation but one bitmap.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/params.h"
#include "recsys/plugin.h"
#include "recsys/topk.h"

#define ARTIFACT "popularity.tsv"
#define MAGIC "recsys-popularity"
#define FORMAT_VERSION 1

typedef enum { MODE_COUNT, MODE_DAMPED, MODE_DECAY } pop_mode;

/* The params as plugin.yaml declares them (the host validated them). */
typedef struct pop_params {
    const char *mode;
    double positive_threshold, damping, half_life_days;
} pop_params;

static const rs_param_field pop_param_table[] = {
    RS_PARAM_FIELD_STRING(pop_params, mode, "mode", "count"),
    RS_PARAM_FIELD_DOUBLE(pop_params, positive_threshold, "positive_threshold", 0.0),
    RS_PARAM_FIELD_DOUBLE(pop_params, damping, "damping", 10.0),
    RS_PARAM_FIELD_DOUBLE(pop_params, half_life_days, "half_life_days", 365.0),
};

typedef struct pop {
    const rs_host *host;
    pop_mode mode;
    double threshold, damping, half_life_s;
    int32_t n_items;
    float *score;   /* [n_items] */
    int32_t *order; /* [n_items] best first */
} pop;

static rs_status pop_create(const rs_host *host, void **out, rs_error *err)
{
    pop_params cfg;
    rs_status st = rs_params_read(host, pop_param_table, RS_PARAMS_COUNT(pop_param_table), &cfg,
                                  err);
    if (st != RS_OK)
        return st;
    pop *p = calloc(1, sizeof *p);
    if (!p)
        return rs_error_set(err, RS_ERR_NOMEM, "popularity: out of memory");
    p->host = host;
    p->mode = !strcmp(cfg.mode, "damped_mean")  ? MODE_DAMPED
              : !strcmp(cfg.mode, "time_decay") ? MODE_DECAY
                                                : MODE_COUNT;
    p->threshold = cfg.positive_threshold;
    p->damping = cfg.damping;
    p->half_life_s = cfg.half_life_days * 86400.0;
    *out = p;
    return RS_OK;
}

static void pop_destroy(void *inst)
{
    pop *p = inst;
    if (!p)
        return;
    free(p->score);
    free(p->order);
    free(p);
}

static int scored_cmp(const void *a, const void *b)
{
    rs_scored x = *(const rs_scored *)a, y = *(const rs_scored *)b;
    return rs_scored_better(x, y) ? -1 : rs_scored_better(y, x) ? 1 : 0;
}

static rs_status build_order(pop *p, rs_error *err)
{
    size_t n = (size_t)(p->n_items ? p->n_items : 1);
    rs_scored *tmp = malloc(n * sizeof *tmp);
    free(p->order);
    p->order = malloc(n * sizeof *p->order);
    if (!tmp || !p->order) {
        free(tmp);
        return rs_error_set(err, RS_ERR_NOMEM, "popularity: out of memory");
    }
    for (int32_t i = 0; i < p->n_items; i++)
        tmp[i] = (rs_scored){i, p->score[i]};
    qsort(tmp, (size_t)p->n_items, sizeof *tmp, scored_cmp);
    for (int32_t i = 0; i < p->n_items; i++)
        p->order[i] = tmp[i].item;
    free(tmp);
    return RS_OK;
}

typedef struct id_index {
    int64_t id;
    int32_t index;
} id_index;

static int id_cmp(const void *a, const void *b)
{
    int64_t x = ((const id_index *)a)->id, y = ((const id_index *)b)->id;
    return x < y ? -1 : x > y;
}

static rs_status pop_fit(void *inst, const rs_dataset *d, rs_error *err)
{
    pop *p = inst;
    free(p->score);
    p->n_items = d->n_items;
    p->score = calloc((size_t)(d->n_items ? d->n_items : 1), sizeof *p->score);
    if (!p->score)
        return rs_error_set(err, RS_ERR_NOMEM, "popularity: out of memory");
    double sum_all = 0;
    size_t n_all = 0;
    int64_t t_max = 0;
    for (size_t j = 0; j < d->n_ratings; j++) {
        sum_all += d->user_rating[j];
        n_all++;
        if (d->user_time[j] > t_max)
            t_max = d->user_time[j];
    }
    double global_mean = n_all ? sum_all / (double)n_all : 0;
    for (int32_t i = 0; i < d->n_items; i++) {
        double cnt = 0, sum = 0, decayed = 0;
        for (size_t j = d->item_ptr[i]; j < d->item_ptr[i + 1]; j++) {
            if (d->item_rating[j] < p->threshold)
                continue;
            cnt += 1;
            sum += d->item_rating[j];
        }
        if (p->mode == MODE_DECAY) {
            /* item CSR has no times; walk the item's users' rows instead. */
            for (size_t j = d->item_ptr[i]; j < d->item_ptr[i + 1]; j++) {
                int32_t u = d->item_user[j];
                size_t lo = d->user_ptr[u], hi = d->user_ptr[u + 1];
                while (lo < hi) { /* user rows are sorted by item */
                    size_t mid = lo + (hi - lo) / 2;
                    if (d->user_item[mid] < i)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (d->user_rating[lo] < p->threshold)
                    continue;
                double age = (double)(t_max - d->user_time[lo]);
                decayed += exp2(-age / p->half_life_s);
            }
        }
        switch (p->mode) {
        case MODE_COUNT: p->score[i] = (float)cnt; break;
        case MODE_DAMPED:
            p->score[i] = (float)((sum + p->damping * global_mean) / (cnt + p->damping + 1e-12));
            break;
        case MODE_DECAY: p->score[i] = (float)decayed; break;
        }
    }
    return build_order(p, err);
}

static rs_status pop_save(void *inst, const char *dir, rs_error *err)
{
    pop *p = inst;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, ARTIFACT);
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    const rs_dataset *d = p->host->dataset(p->host);
    fprintf(f, "%s %d %d %d\n", MAGIC, FORMAT_VERSION, (int)p->mode, p->n_items);
    for (int32_t i = 0; i < p->n_items; i++)
        fprintf(f, "%lld\t%.9g\n", (long long)rs_dataset_item(d, i)->movie_id, p->score[i]);
    if (fclose(f) != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}

/* Loads into fresh arrays and only then replaces the instance's state, so a
 * corrupt file leaves the instance as it was. */
/* One "movieId score" row from line `text`: both fields, nothing after
 * them, a finite score. */
static int parse_row(const char *text, long long *id, float *s)
{
    char *end;
    errno = 0;
    *id = strtoll(text, &end, 10);
    if (end == text || errno || (*end != ' ' && *end != '\t'))
        return 0;
    const char *p = end;
    *s = strtof(p, &end);
    if (end == p || !isfinite(*s))
        return 0;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    return *end == '\0';
}

/* popularity.tsv: "recsys-popularity <version> <mode> <n>", then exactly n
 * "movieId<TAB>score" lines (at most ROW_MAX bytes each), each movie once.
 * Everything is read and checked before the instance changes. */
#define ROW_MAX 128
static rs_status pop_load(void *inst, const char *dir, const rs_dataset *d, rs_error *err)
{
    pop *p = inst;
    char path[4096], magic[32], line[ROW_MAX];
    int version, mode, n;
    snprintf(path, sizeof path, "%s/%s", dir, ARTIFACT);
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    rs_status st = RS_OK;
    size_t n_items = (size_t)(d->n_items ? d->n_items : 1);
    float *score = calloc(n_items, sizeof *score);
    uint8_t *seen = calloc(n_items, 1);
    id_index *ids = malloc(n_items * sizeof *ids);
    pop next = {.mode = p->mode, .n_items = d->n_items};
    if (!score || !seen || !ids) {
        st = rs_error_set(err, RS_ERR_NOMEM, "popularity: out of memory");
        goto out;
    }
    for (int32_t i = 0; i < d->n_items; i++)
        ids[i] = (id_index){rs_dataset_item(d, i)->movie_id, i};
    qsort(ids, (size_t)d->n_items, sizeof *ids, id_cmp);
    if (!fgets(line, sizeof line, f) ||
        sscanf(line, "%31s %d %d %d", magic, &version, &mode, &n) != 4 ||
        strcmp(magic, MAGIC) != 0) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s:1: not a popularity artifact", path);
        goto out;
    }
    if (n < 0 || n > 100000000) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s:1: implausible item count %d", path, n);
        goto out;
    }
    if (version != FORMAT_VERSION || mode != (int)p->mode) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s:1: format %d mode %d, expected format %d mode %d",
                          path, version, mode, FORMAT_VERSION, (int)p->mode);
        goto out;
    }
    /* Movie ids are remapped onto the given catalogue; items absent from
     * the file (added since) score 0, rows of movies no longer in it are
     * skipped. */
    for (long r = 0;; r++) {
        long long id;
        float s;
        long lineno = r + 2;
        if (!fgets(line, sizeof line, f)) {
            if (r < n)
                st = rs_error_set(err, RS_ERR_FORMAT, "%s:%ld: truncated: %d rows expected", path,
                                  lineno, n);
            break;
        }
        if (!strchr(line, '\n') && !feof(f)) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s:%ld: row longer than %d bytes", path, lineno,
                              ROW_MAX - 1);
            break;
        }
        if (r >= n) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s:%ld: rows beyond the header's count %d", path,
                              lineno, n);
            break;
        }
        if (!parse_row(line, &id, &s)) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s:%ld: malformed row (movieId score)", path,
                              lineno);
            break;
        }
        id_index key = {id, 0}, *hit;
        hit = bsearch(&key, ids, (size_t)d->n_items, sizeof *ids, id_cmp);
        if (hit && seen[hit->index]) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s:%ld: movie %lld listed twice", path, lineno,
                              id);
            break;
        }
        if (hit) {
            seen[hit->index] = 1;
            score[hit->index] = s;
        }
    }
    if (st != RS_OK)
        goto out;
    next.score = score;
    score = NULL;
    if ((st = build_order(&next, err)) != RS_OK)
        goto out;
    free(p->score);
    free(p->order);
    p->score = next.score;
    p->order = next.order;
    p->n_items = next.n_items;
    next.score = NULL;
    next.order = NULL;
out:
    free(next.score);
    free(next.order);
    free(score);
    free(seen);
    free(ids);
    fclose(f);
    return st;
}

static rs_status pop_recommend(void *inst, const rs_query *q, size_t k, rs_scored *out,
                               rs_explanation *explain, size_t *n_out, rs_error *err)
{
    pop *p = inst;
    (void)explain;
    uint8_t *seen = calloc((size_t)(p->n_items ? p->n_items : 1), 1);
    if (!seen)
        return rs_error_set(err, RS_ERR_NOMEM, "popularity: out of memory");
    for (size_t j = 0; j < q->n_ratings; j++)
        if (q->ratings[j].item >= 0 && q->ratings[j].item < p->n_items)
            seen[q->ratings[j].item] = 1;
    for (size_t j = 0; j < q->n_exclude; j++)
        if (q->exclude[j] >= 0 && q->exclude[j] < p->n_items)
            seen[q->exclude[j]] = 1;
    size_t n = 0;
    for (int32_t r = 0; r < p->n_items && n < k; r++) {
        int32_t i = p->order[r];
        if (!seen[i]) {
            out[n].item = i;
            out[n].score = p->score[i];
            n++;
        }
    }
    free(seen);
    *n_out = n;
    return RS_OK;
}

static rs_status pop_score(void *inst, const rs_query *q, const int32_t *items, size_t n,
                           float *scores, rs_error *err)
{
    pop *p = inst;
    (void)q;
    (void)err;
    for (size_t j = 0; j < n; j++)
        scores[j] = items[j] >= 0 && items[j] < p->n_items ? p->score[items[j]] : RS_SCORE_MISSING;
    return RS_OK;
}

static rs_status pop_describe(void *inst, char *buf, size_t cap, rs_error *err)
{
    static const char *const modes[] = {"count", "damped_mean", "time_decay"};
    const pop *p = inst;
    int32_t top = p->n_items > 0 ? p->order[0] : -1;
    int w = snprintf(buf, cap, "{\"mode\": \"%s\", \"items\": %d, \"top_item\": %d}",
                     modes[p->mode], p->n_items, top);
    if (w < 0 || (size_t)w >= cap)
        return rs_error_set(err, RS_ERR_INVALID, "popularity: describe needs %d bytes", w + 1);
    return RS_OK;
}

static const rs_plugin_entry entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "popularity",
    .version = "1.0.0",
    .description = "Most-popular baseline",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_FOLD_IN,
    .create = pop_create,
    .destroy = pop_destroy,
    .fit = pop_fit,
    .save = pop_save,
    .load = pop_load,
    .recommend = pop_recommend,
    .score = pop_score,
    .describe = pop_describe,
};

RS_PLUGIN_DEFINE(entry)
