/*
 * Taste probes: for each configured genre, a synthetic new user who rates
 * the genre's most rated films (in the training data) with one rating, and
 * asks every instance for its top k through the same rs_query path as a
 * new user. Judged by two numbers per (genre, instance): the share of the
 * k slots holding a film of that genre, and the median number of training
 * ratings of the films returned, so that coherence cannot be won with
 * films nobody has seen.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/log.h"
#include "recsys/eval_stats.h"
#include "sweep_internal.h"

static size_t count_of(const rs_dataset *d, int32_t i)
{
    return d->item_ptr[i + 1] - d->item_ptr[i];
}

static int32_t genre_index(const rs_dataset *d, const char *name)
{
    for (int32_t g = 0; g < d->n_genres && g < 32; g++)
        if (strcmp(d->genre_names[g], name) == 0)
            return g;
    return -1;
}

/* The `want` most rated items with genre bit g, most rated first (ties:
 * smaller item index), by repeated selection: want is small. */
static int32_t most_rated(const rs_dataset *d, int32_t g, int32_t want, int32_t *out)
{
    int32_t n = 0;
    uint32_t bit = 1u << g;
    while (n < want) {
        int32_t best = -1;
        for (int32_t i = 0; i < d->n_items; i++) {
            if (!(d->items[i].genre_mask & bit) || count_of(d, i) == 0)
                continue;
            int taken = 0;
            for (int32_t j = 0; j < n && !taken; j++)
                taken = out[j] == i;
            if (!taken && (best < 0 || count_of(d, i) > count_of(d, best)))
                best = i;
        }
        if (best < 0)
            break;
        out[n++] = best;
    }
    return n;
}

static int i32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Share of the k slots in genre g (a short list counts its empty slots as
 * misses, as Precision does) and the median training count of the films
 * returned (mean of the middle two for an even number; NAN for none). */
static void judge(const rs_dataset *d, int32_t g, const int32_t *top, size_t n, size_t k,
                  double *share, double *median)
{
    double counts[1000]; /* k <= 1000 (eval config) */
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        hits += (d->items[top[i]].genre_mask >> g) & 1u;
        counts[i] = (double)count_of(d, top[i]);
    }
    *share = (double)hits / (double)k;
    qsort(counts, n, sizeof *counts, dbl_cmp);
    *median = rs_quantile_sorted(counts, n, 0.5);
}

static char *dup(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

/* Copy what the report shows of item i (-1 = an empty slot). */
static rs_status describe(const rs_dataset *d, int32_t g, int32_t i, rs_eval_probe_item *out,
                          rs_error *err)
{
    free(out->title);
    *out = (rs_eval_probe_item){i, 0, NULL, 0, 0};
    if (i < 0)
        return RS_OK;
    out->movie_id = d->items[i].movie_id;
    out->ratings = (int32_t)count_of(d, i);
    out->in_genre = (int)((d->items[i].genre_mask >> g) & 1u);
    if (!(out->title = dup(d->items[i].title)))
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    return RS_OK;
}

static void probe_fail(rs_eval_report *r, size_t i, const char *genre, const rs_error *e)
{
    rs_log(RS_LOG_ERROR, "eval", "taste probe %s, %s: %s", genre, r->cfg->instances[i], e->message);
    if (r->probes.error[i])
        return;
    size_t n = strlen(e->message) + strlen(genre) + 32;
    if ((r->probes.error[i] = malloc(n)))
        snprintf(r->probes.error[i], n, "probe %s: %s", genre, e->message);
    r->n_failures++;
}

rs_status rs_eval_probes_run(rs_eval_report *r, rs_engine *e, const rs_dataset *train,
                             const int *fit_failed, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    const rs_eval_probes *o = &c->probes;
    size_t k = (size_t)o->k, ni = c->n_instances;
    rs_rating *rated = malloc((size_t)o->n_rated * sizeof *rated);
    int32_t *excl = malloc((size_t)o->n_rated * sizeof *excl);
    rs_scored *top = malloc(k * sizeof *top);
    rs_status st = RS_OK;
    if (!rated || !excl || !top) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
        goto done;
    }
    for (size_t g = 0; g < o->n_genres; g++) {
        rs_eval_probe *p = &r->probes.probe[g];
        int32_t gi = genre_index(train, o->genres[g]);
        if (gi < 0) {
            char where[256] = "";
            const rs_yaml_node *tp = c->root ? rs_yaml_get(c->root, "taste_probes") : NULL;
            const rs_yaml_node *gl = tp ? rs_yaml_get(tp, "genres") : NULL;
            if (gl && gl->kind == RS_YAML_SEQ && g < gl->n)
                rs_yaml_where(gl->items[g], where, sizeof where);
            st = rs_error_set(err, RS_ERR_CONFIG,
                              "%staste probe genre '%s' is not a genre of the dataset", where,
                              o->genres[g]);
            goto done;
        }
        p->n_rated = most_rated(train, gi, o->n_rated, p->rated);
        for (int32_t j = 0; j < p->n_rated && st == RS_OK; j++)
            st = describe(train, gi, p->rated[j], &p->rated_info[j], err);
        if (st != RS_OK)
            goto done;
        for (int32_t j = 0; j < p->n_rated; j++) {
            rated[j] = (rs_rating){p->rated[j], (float)o->rating, 0};
            excl[j] = p->rated[j];
        }
        qsort(excl, (size_t)p->n_rated, sizeof *excl, i32_cmp);
        rs_query q = RS_QUERY(RS_USER_NONE, rated, (size_t)p->n_rated, excl, (size_t)p->n_rated);
        for (size_t i = 0; i < ni; i++) {
            int32_t *dst = p->top + i * k;
            for (size_t s = 0; s < k; s++)
                dst[s] = -1;
            p->share[i] = p->median_count[i] = NAN;
            if (fit_failed[i])
                continue; /* already reported */
            size_t got = 0;
            rs_error rerr = {RS_OK, ""};
            if (rs_engine_recommend(e, c->instances[i], &q, k, top, NULL, &got, &rerr)) {
                probe_fail(r, i, o->genres[g], &rerr);
                continue;
            }
            for (size_t s = 0; s < got && s < k; s++)
                dst[s] = top[s].item;
            p->n_top[i] = (uint32_t)(got < k ? got : k);
            judge(train, gi, dst, p->n_top[i], k, &p->share[i], &p->median_count[i]);
            for (size_t s = 0; s < p->n_top[i] && st == RS_OK; s++)
                st = describe(train, gi, dst[s], &p->top_info[i * k + s], err);
            if (st != RS_OK)
                goto done;
        }
    }
    for (size_t i = 0; i < ni; i++) {
        double s = 0, m = 0;
        size_t n = 0;
        for (size_t g = 0; g < o->n_genres; g++)
            if (isfinite(r->probes.probe[g].share[i]) &&
                isfinite(r->probes.probe[g].median_count[i])) {
                s += r->probes.probe[g].share[i];
                m += r->probes.probe[g].median_count[i];
                n++;
            }
        r->probes.mean_share[i] = n == o->n_genres && n ? s / (double)n : NAN;
        r->probes.mean_median[i] = n == o->n_genres && n ? m / (double)n : NAN;
    }
    r->probes.ran = 1;
done:
    free(rated);
    free(excl);
    free(top);
    return st;
}
