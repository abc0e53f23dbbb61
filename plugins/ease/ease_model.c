/* EASE closed form: Gram matrix by blocked DSYRK, inverse by Cholesky. */
#include "ease_model.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Users per DSYRK block: big enough that the rank-k update runs at BLAS-3
 * speed, small enough that the dense block (rows x n doubles) stays a few
 * tens of MB even for a 20k-item subset. */
#define BLOCK_BYTES (32u << 20)

size_t ease_fit_bytes(int64_t n)
{
    if (n < 0 || (uint64_t)n > (uint64_t)SIZE_MAX / 8 / ((uint64_t)n ? (uint64_t)n : 1))
        return 0;
    return (size_t)n * (size_t)n * 8;
}

size_t ease_serve_bytes(int64_t n) { return ease_fit_bytes(n) / 2; }

rs_status ease_model_alloc(int32_t n, ease_model **out, rs_error *err)
{
    *out = NULL;
    size_t bytes = ease_serve_bytes(n);
    if (n < 1 || bytes == 0)
        return rs_error_set(err, RS_ERR_INVALID, "ease: invalid item count %d", n);
    ease_model *m = calloc(1, sizeof *m);
    if (!m)
        return rs_error_set(err, RS_ERR_NOMEM, "ease: out of memory");
    m->n = n;
    m->movie = calloc((size_t)n, sizeof *m->movie);
    m->count = calloc((size_t)n, sizeof *m->count);
    m->B = calloc(1, bytes);
    if (!m->movie || !m->count || !m->B) {
        ease_model_free(m);
        return rs_error_set(err, RS_ERR_NOMEM, "ease: no memory for a %d-item model (%.2f GB)", n,
                            (double)bytes / 1e9);
    }
    *out = m;
    return RS_OK;
}

static void clear_index(ease_model *m)
{
    free(m->item_cat);
    free(m->cat_item);
    free(m->by_count);
    free(m->pop_rank);
    m->item_cat = m->cat_item = m->by_count = m->pop_rank = NULL;
    m->n_catalogue = 0;
}

void ease_model_free(ease_model *m)
{
    if (!m)
        return;
    clear_index(m);
    free(m->movie);
    free(m->count);
    free(m->B);
    free(m);
}

/* ---- Fit ------------------------------------------------------------------ */

static void report(ease_progress_fn fn, void *ctx, const char *step, double done, double total)
{
    if (fn)
        fn(ctx, step, done, total);
}

/*
 * G = X'X over the positives, lower triangle, into g[n * n] (zeroed by the
 * caller). Users are packed into dense blocks of rows and each block is one
 * DSYRK rank-k update; users without a positive in the subset are skipped,
 * so they cost nothing.
 */
static rs_status gram(const rs_dataset *d, const int32_t *cat_item, int32_t n, float threshold,
                      double *g, uint64_t *n_users, uint64_t *n_pos, ease_progress_fn fn, void *ctx,
                      rs_error *err)
{
    size_t rows = BLOCK_BYTES / ((size_t)n * sizeof(double));
    if (rows < 1)
        rows = 1;
    if (rows > (size_t)d->n_users)
        rows = d->n_users > 0 ? (size_t)d->n_users : 1;
    double *x = calloc(rows * (size_t)n, sizeof *x);
    if (!x)
        return rs_error_set(err, RS_ERR_NOMEM, "ease: no memory for a user block");
    size_t used = 0;
    *n_users = *n_pos = 0;
    for (int32_t u = 0; u < d->n_users; u++) {
        double *row = x + used * (size_t)n;
        int any = 0;
        for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++) {
            int32_t c = cat_item[d->user_item[j]];
            if (c >= 0 && d->user_rating[j] >= threshold) {
                row[c] = 1.0;
                any = 1;
                (*n_pos)++;
            }
        }
        if (any) {
            used++;
            (*n_users)++;
        }
        if (used == rows || (u == d->n_users - 1 && used > 0)) {
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, n, (int)used, 1.0, x, n, 1.0, g, n);
            memset(x, 0, used * (size_t)n * sizeof *x);
            used = 0;
            report(fn, ctx, "gram", u + 1, d->n_users);
        }
    }
    free(x);
    return RS_OK;
}

/*
 * B[x][i] = -P[x][i] / P[i][i] (i != x), 0 on the diagonal, written as
 * float32 over the same buffer that holds P (lower triangle, double).
 * In-place is safe: float element x*n+i lands in double element
 * (x*n+i)/2 < x*n for x >= 1, i.e. in rows above x, which are never read
 * again (row x reads its own lower part and column x of rows below it);
 * row 0 only overwrites the first half of row 0, whose one lower entry,
 * P[0][0], was copied into pd first. This keeps the fit's peak at one
 * n x n double matrix instead of one and a half.
 */
static float *weights_in_place(double *p, const double *pd, int32_t n)
{
    float *b = (float *)p;
    size_t nn = (size_t)n;
    for (size_t x = 0; x < nn; x++)
        for (size_t i = 0; i < nn; i++) {
            double v = i == x ? 0.0 : i < x ? p[x * nn + i] : p[i * nn + x];
            b[x * nn + i] = i == x ? 0.0f : (float)(-v / pd[i]);
        }
    /* Shrinking realloc: when it fails, the larger block still holds B. */
    float *shrunk = realloc(b, nn * nn * sizeof *b);
    return shrunk ? shrunk : b;
}

static rs_status factor_and_invert(double *g, int32_t n, rs_error *err)
{
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, g, n);
    if (info > 0)
        return rs_error_set(err, RS_ERR_INTERNAL,
                            "ease: X'X + lambda I is not positive definite "
                            "(LAPACK dpotrf: leading minor %d); raise lambda",
                            (int)info);
    if (info < 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "ease: LAPACK dpotrf rejected argument %d",
                            (int)-info);
    info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', n, g, n);
    if (info != 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "ease: LAPACK dpotri failed (info %d)",
                            (int)info);
    return RS_OK;
}

rs_status ease_refuse_size(const char *what, int64_t n, int64_t max, rs_error *err)
{
    /* In double: the byte count may not fit in size_t. */
    double fit = 8.0 * (double)n * (double)n, serve = fit / 2.0;
    return rs_error_set(err, RS_ERR_CONFIG,
                        "ease: %s has %lld items, above max_items = "
                        "%lld; EASE keeps a dense %lld x %lld matrix: about "
                        "%.1f GB to fit (double) and %.1f GB to serve (float32). "
                        "Raise max_items if the machine has that memory, or "
                        "shrink the subset (prepare.cf_min_item_ratings)",
                        what, (long long)n, (long long)max, (long long)n, (long long)n, fit / 1e9,
                        serve / 1e9);
}

rs_status ease_model_fit(const rs_dataset *d, const ease_params *p, ease_progress_fn progress,
                         void *ctx, ease_model **out, rs_error *err)
{
    rs_status st;
    ease_model *m = NULL;
    int32_t *cat_item = NULL;
    double *g = NULL, *pd = NULL;
    int32_t n = 0;
    *out = NULL;
    if (!(p->lambda > 0.0) || !isfinite(p->lambda))
        return rs_error_set(err, RS_ERR_CONFIG, "ease: lambda must be > 0 (got %g)", p->lambda);
    for (int32_t i = 0; i < d->n_items; i++)
        n += d->cf_item[i] != 0;
    if (n == 0)
        return rs_error_set(err, RS_ERR_INVALID,
                            "ease: the CF subset is empty (prepare thresholds "
                            "leave no item)");
    if (n > p->max_items || ease_fit_bytes(n) == 0)
        return ease_refuse_size("the CF subset", n, p->max_items, err);
    if ((st = ease_model_alloc(n, &m, err)) != RS_OK)
        return st;
    /* The model's B is allocated by the fit below; drop the zeroed one so
     * the peak stays at one double matrix. */
    free(m->B);
    m->B = NULL;
    cat_item = malloc((size_t)(d->n_items ? d->n_items : 1) * sizeof *cat_item);
    g = calloc((size_t)n * (size_t)n, sizeof *g);
    pd = malloc((size_t)n * sizeof *pd);
    if (!cat_item || !g || !pd) {
        st = rs_error_set(err, RS_ERR_NOMEM, "ease: no memory to fit %d items (%.2f GB)", n,
                          (double)ease_fit_bytes(n) / 1e9);
        goto out;
    }
    for (int32_t i = 0, j = 0; i < d->n_items; i++) {
        cat_item[i] = d->cf_item[i] ? j : -1;
        if (d->cf_item[i])
            m->movie[j++] = rs_dataset_item(d, (int32_t)i)->movie_id;
    }
    m->lambda = p->lambda;
    m->threshold = p->threshold;
    if ((st = gram(d, cat_item, n, p->threshold, g, &m->n_users, &m->n_positives, progress, ctx,
                   err)) != RS_OK)
        goto out;
    for (int32_t j = 0; j < n; j++) {
        double *gjj = g + (size_t)j * (size_t)n + (size_t)j;
        m->count[j] = (uint32_t)*gjj;
        *gjj += p->lambda;
    }
    report(progress, ctx, "cholesky", 0, 1);
    if ((st = factor_and_invert(g, n, err)) != RS_OK)
        goto out;
    report(progress, ctx, "cholesky", 1, 1);
    for (int32_t j = 0; j < n; j++)
        pd[j] = g[(size_t)j * (size_t)n + (size_t)j];
    m->B = weights_in_place(g, pd, n);
    g = NULL;
    *out = m;
    m = NULL;
out:
    ease_model_free(m);
    free(cat_item);
    free(g);
    free(pd);
    return st;
}

/* ---- Catalogue index -------------------------------------------------------- */

typedef struct id_pos {
    int64_t id;
    int32_t pos;
} id_pos;

static int id_pos_cmp(const void *a, const void *b)
{
    const id_pos *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Model items by training positives, most first; ties by catalogue order
 * so the fallback list is deterministic. Sorted as self-contained keys:
 * qsort has no context argument, and a file-static model pointer would race
 * when two instances are fitted on different threads. */
typedef struct count_key {
    uint32_t count;
    int32_t cat, item;
} count_key;

static int count_key_cmp(const void *a, const void *b)
{
    const count_key *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->cat > y->cat) - (x->cat < y->cat);
}

static int order_by_count(ease_model *m)
{
    count_key *k = malloc((size_t)m->n * sizeof *k);
    if (!k)
        return 0;
    for (int32_t j = 0; j < m->n; j++)
        k[j] = (count_key){m->count[j], m->item_cat[j], j};
    qsort(k, (size_t)m->n, sizeof *k, count_key_cmp);
    for (int32_t j = 0; j < m->n; j++) {
        m->by_count[j] = k[j].item;
        m->pop_rank[k[j].item] = j;
    }
    free(k);
    return 1;
}

rs_status ease_model_index(ease_model *m, const rs_dataset *d, rs_error *err)
{
    rs_status st = RS_OK;
    size_t nc = (size_t)(d->n_items > 0 ? d->n_items : 0);
    id_pos *cat = malloc((nc ? nc : 1) * sizeof *cat);
    clear_index(m);
    m->item_cat = malloc((size_t)m->n * sizeof *m->item_cat);
    m->cat_item = malloc((nc ? nc : 1) * sizeof *m->cat_item);
    m->by_count = malloc((size_t)m->n * sizeof *m->by_count);
    m->pop_rank = malloc((size_t)m->n * sizeof *m->pop_rank);
    if (!cat || !m->item_cat || !m->cat_item || !m->by_count || !m->pop_rank) {
        st = rs_error_set(err, RS_ERR_NOMEM, "ease: no memory for the item index");
        goto fail;
    }
    for (size_t i = 0; i < nc; i++) {
        cat[i] = (id_pos){rs_dataset_item(d, (int32_t)i)->movie_id, (int32_t)i};
        m->cat_item[i] = -1;
    }
    qsort(cat, nc, sizeof *cat, id_pos_cmp);
    for (int32_t j = 0; j < m->n; j++) {
        id_pos key = {m->movie[j], 0};
        size_t lo = 0, hi = nc;
        while (lo < hi) { /* first entry with this id */
            size_t mid = lo + (hi - lo) / 2;
            if (cat[mid].id < key.id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == nc || cat[lo].id != key.id) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "ease: model item %d (movieId %lld) is not in the "
                              "dataset's catalogue",
                              j, (long long)m->movie[j]);
            goto fail;
        }
        int32_t c = cat[lo].pos;
        if (m->cat_item[c] >= 0) {
            st = rs_error_set(err, RS_ERR_FORMAT, "ease: movieId %lld appears twice in the model",
                              (long long)m->movie[j]);
            goto fail;
        }
        m->cat_item[c] = j;
        m->item_cat[j] = c;
    }
    if (!order_by_count(m)) {
        st = rs_error_set(err, RS_ERR_NOMEM, "ease: no memory for the item index");
        goto fail;
    }
    m->n_catalogue = (int32_t)nc;
    free(cat);
    return RS_OK;
fail:
    free(cat);
    clear_index(m);
    return st;
}
