#include "blend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const norm_names[] = {"rrf", "zscore", "minmax"};
#define N_NORMS (sizeof norm_names / sizeof *norm_names)

int rs_hybrid_norm_parse(const char *name, rs_hybrid_norm *out)
{
    for (size_t i = 0; name && i < N_NORMS; i++) {
        if (strcmp(name, norm_names[i]) == 0) {
            *out = (rs_hybrid_norm)i;
            return 1;
        }
    }
    return 0;
}

const char *rs_hybrid_norm_name(rs_hybrid_norm m)
{
    return (unsigned)m < N_NORMS ? norm_names[m] : "?";
}

double rs_hybrid_content_weight(const rs_hybrid_curve *c, size_t n_ratings)
{
    double decay = exp(-(double)n_ratings / c->scale);
    return c->w_min + (c->w_max - c->w_min) * decay;
}

static int rank_cmp(const void *a, const void *b)
{
    const rs_hybrid_rank *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos); /* qsort is not stable */
}

static size_t normalise_rrf(double k, const float *raw, size_t n,
                            rs_hybrid_rank *scratch, double *lift)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        lift[i] = NAN;
        if (!isnan(raw[i]))
            scratch[m++] = (rs_hybrid_rank){raw[i], (uint32_t)i};
    }
    qsort(scratch, m, sizeof *scratch, rank_cmp);
    double floor = 1.0 / (k + (double)m + 1.0);
    size_t rank = 1;
    for (size_t r = 0; r < m; r++) {
        /* Competition ranking: a tie keeps the rank of its group's first. */
        if (r > 0 && scratch[r].score != scratch[r - 1].score)
            rank = r + 1;
        lift[scratch[r].pos] = 1.0 / (k + (double)rank) - floor;
    }
    return m;
}

/* z-score and min-max: lift = (s - min) / spread, where spread is the
 * standard deviation or the range of the scored candidates. */
static size_t normalise_linear(rs_hybrid_norm mode, const float *raw, size_t n,
                               double *lift)
{
    size_t m = 0;
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(raw[i]))
            continue;
        m++;
        sum += raw[i];
        lo = raw[i] < lo ? raw[i] : lo;
        hi = raw[i] > hi ? raw[i] : hi;
    }
    double spread = hi - lo;
    if (mode == RS_HYBRID_ZSCORE && m > 0) {
        double mean = sum / (double)m, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(raw[i]))
                ss += (raw[i] - mean) * (raw[i] - mean);
        spread = sqrt(ss / (double)m);
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(raw[i]))
            lift[i] = NAN;
        else if (!(spread > 0.0) || !isfinite(spread))
            lift[i] = 0.0; /* all equal (or infinite): no preference */
        else
            lift[i] = (raw[i] - lo) / spread;
    }
    return m;
}

size_t rs_hybrid_normalise(rs_hybrid_norm m, double rrf_k, const float *raw,
                           size_t n, rs_hybrid_rank *scratch, double *lift)
{
    if (m == RS_HYBRID_RRF)
        return normalise_rrf(rrf_k, raw, n, scratch, lift);
    return normalise_linear(m, raw, n, lift);
}

void rs_hybrid_combine(size_t n_children, const double *w,
                       const double *lift, size_t n, float *blended)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        int scored = 0;
        for (size_t c = 0; c < n_children; c++) {
            double v = lift[c * n + i];
            if (isnan(v))
                continue; /* missing: sits on the child's floor, 0 lift */
            scored = 1;
            s += w[c] * v;
        }
        blended[i] = scored ? (float)s : RS_SCORE_MISSING;
    }
}

void rs_hybrid_shares(size_t n_children, const double *w, const double *lift,
                      size_t n, size_t i, float *share)
{
    double total = 0.0, wsum = 0.0;
    for (size_t c = 0; c < n_children; c++) {
        double v = lift[c * n + i];
        if (isnan(v))
            continue;
        total += w[c] * v;
        wsum += w[c];
    }
    for (size_t c = 0; c < n_children; c++) {
        double v = lift[c * n + i];
        if (isnan(v))
            share[c] = 0.0f;
        else if (total > 0.0)
            share[c] = (float)(w[c] * v / total);
        else
            share[c] = wsum > 0.0 ? (float)(w[c] / wsum) : 0.0f;
    }
}
