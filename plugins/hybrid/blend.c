#include "blend.h"

#include <math.h>
#include <string.h>

static double transform(float s, int log1p_)
{
    return log1p_ ? log1p(s > 0.0f ? (double)s : 0.0) : (double)s;
}

size_t rs_hybrid_zscore(const float *raw, const uint8_t *skip, size_t n, int log1p_, float *z)
{
    /* Two passes in double: catalogue-sized sums of floats lose digits. */
    double sum = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(raw[i]) && !(skip && skip[i])) {
            sum += transform(raw[i], log1p_);
            m++;
        }
    double mean = m ? sum / (double)m : 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(raw[i]) && !(skip && skip[i])) {
            double d = transform(raw[i], log1p_) - mean;
            ss += d * d;
        }
    double sd = m ? sqrt(ss / (double)m) : 0.0;
    /* A spread below float resolution is ties, not information. */
    int flat = !(sd > 1e-12 * (fabs(mean) + 1.0));
    for (size_t i = 0; i < n; i++)
        z[i] = isnan(raw[i]) ? NAN : flat ? 0.0f : (float)((transform(raw[i], log1p_) - mean) / sd);
    return m;
}

void rs_hybrid_combine(size_t n_children, const double *w, const float *z, size_t n,
                       const int8_t *stand_in, float *blended)
{
    for (size_t i = 0; i < n; i++)
        blended[i] = (float)rs_hybrid_blend_one(n_children, w, z + i, n, stand_in, NULL);
}

int rs_hybrid_shares(size_t n_children, const double *w, const float *z, size_t n, size_t i,
                     const int8_t *stand_in, const uint8_t *eligible, float *share)
{
    double attr[64], pos = 0.0, wsum = 0.0, best = 0.0;
    int winner = -1;
    if (n_children > 64)
        n_children = 64;
    rs_hybrid_blend_one(n_children, w, z + i, n, stand_in, attr);
    for (size_t c = 0; c < n_children; c++) {
        if (!isnan(z[c * n + i]))
            wsum += w[c];
        if (attr[c] > 0.0)
            pos += attr[c];
        if (attr[c] > best && (!eligible || eligible[c])) {
            best = attr[c];
            winner = (int)c;
        }
    }
    for (size_t c = 0; c < n_children; c++) {
        if (pos > 0.0)
            share[c] = attr[c] > 0.0 ? (float)(attr[c] / pos) : 0.0f;
        else
            share[c] = !isnan(z[c * n + i]) && wsum > 0.0 ? (float)(w[c] / wsum) : 0.0f;
    }
    return winner;
}

size_t rs_hybrid_bucket(const int32_t *bucket_n, size_t n_buckets, size_t n_ratings)
{
    size_t best = 0;
    double x = log((double)(n_ratings ? n_ratings : 1)), best_d = INFINITY;
    for (size_t b = 0; b < n_buckets; b++) {
        double d = fabs(log((double)(bucket_n[b] > 0 ? bucket_n[b] : 1)) - x);
        if (d < best_d) { /* ties: the smaller bucket, the first seen */
            best_d = d;
            best = b;
        }
    }
    return best;
}

void rs_hybrid_raise_weight(size_t n_children, const double *w, size_t child, double at_least,
                            double *out)
{
    double others = 0.0;
    for (size_t c = 0; c < n_children; c++)
        if (c != child)
            others += w[c];
    if (out != w)
        memcpy(out, w, n_children * sizeof *out);
    if (child >= n_children || !(w[child] < at_least) || !(others > 0.0))
        return;
    double scale = (1.0 - at_least) / others;
    for (size_t c = 0; c < n_children; c++)
        out[c] = c == child ? at_least : w[c] * scale;
}

void rs_hybrid_evidence_gate(float *z, size_t n, const size_t *item_ptr, double full,
                             double strength)
{
    if (!(full > 0.0) || !(strength > 0.0) || !item_ptr)
        return;
    double denom = log(2.0 + full);
    for (size_t i = 0; i < n; i++) {
        if (!(z[i] > 0.0f))
            continue; /* NaN, or not a lift */
        double g = log(2.0 + (double)(item_ptr[i + 1] - item_ptr[i])) / denom;
        if (g < 1.0)
            z[i] = (float)(z[i] * (strength < 1.0 ? pow(g, strength) : g));
    }
}

void rs_hybrid_cap(float *z, size_t n, double cap)
{
    if (!(cap > 0.0))
        return;
    for (size_t i = 0; i < n; i++)
        if (z[i] > cap)
            z[i] = (float)cap;
}
