/* Experiment statistics: Wilson and t intervals, z-test, sign test, tally. */
#include "recsys/abstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z975 1.959963984540054

double rs_abstats_t975(int64_t df)
{
    /* Exact table where the expansion below is poor; beyond 30 the
     * Cornish-Fisher series is within 1e-4 of the true quantile. */
    static const double table[30] = {
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
    if (df < 1)
        return NAN;
    if (df <= 30)
        return table[df - 1];
    double z = Z975, n = (double)df;
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    double g1 = (z3 + z) / 4.0;
    double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96.0;
    double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384.0;
    return z + g1 / n + g2 / (n * n) + g3 / (n * n * n);
}

void rs_abstats_arm(const rs_arm_counts *c, rs_arm_stats *out)
{
    memset(out, 0, sizeof *out);
    out->c = *c;
    out->mean_rating = out->mean_lo = out->mean_hi = NAN;
    if (c->shown > 0) {
        double n = (double)c->shown, p = (double)c->hits / n, z2 = Z975 * Z975;
        double denom = 1.0 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denom;
        double half = Z975 * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
        out->hit_rate = p;
        out->hit_rate_lo = centre - half < 0 ? 0 : centre - half;
        out->hit_rate_hi = centre + half > 1 ? 1 : centre + half;
    }
    if (c->hits > 0) {
        double n = (double)c->hits, mean = c->rating_sum / n;
        out->mean_rating = mean;
        if (c->hits > 1) {
            double var = (c->rating_sumsq - n * mean * mean) / (n - 1);
            double half = rs_abstats_t975(c->hits - 1) * sqrt(var > 0 ? var : 0) / sqrt(n);
            out->mean_lo = mean - half;
            out->mean_hi = mean + half;
        }
    }
}

rs_status rs_abstats_two_proportion(int64_t x1, int64_t n1, int64_t x2, int64_t n2, double *z,
                                    double *p, rs_error *err)
{
    if (n1 <= 0 || n2 <= 0)
        return rs_error_set(err, RS_ERR_INVALID,
                            "two-proportion test: both arms need exposures (n1=%lld, n2=%lld)",
                            (long long)n1, (long long)n2);
    if (x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2)
        return rs_error_set(
            err, RS_ERR_INVALID,
            "two-proportion test: successes must lie in 0..n (%lld/%lld, %lld/%lld)", (long long)x1,
            (long long)n1, (long long)x2, (long long)n2);
    double pooled = (double)(x1 + x2) / (double)(n1 + n2);
    double se = sqrt(pooled * (1 - pooled) * (1.0 / (double)n1 + 1.0 / (double)n2));
    if (!(se > 0))
        return rs_error_set(err, RS_ERR_INVALID,
                            "two-proportion test: no variance (pooled proportion %g)", pooled);
    *z = ((double)x1 / (double)n1 - (double)x2 / (double)n2) / se;
    *p = erfc(fabs(*z) / sqrt(2.0));
    return RS_OK;
}

double rs_abstats_sign_test(int64_t wins_a, int64_t wins_b)
{
    int64_t n = wins_a + wins_b, m = wins_a < wins_b ? wins_a : wins_b;
    if (n <= 0)
        return 1.0;
    /* Sum the binomial tail in log space so large n neither overflows the
     * coefficients nor underflows 2^-n before they are combined. */
    double lnf = lgamma((double)n + 1), sum = 0.0;
    for (int64_t i = 0; i <= m; i++)
        sum += exp(lnf - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) - (double)n * M_LN2);
    double p = 2.0 * sum;
    return p > 1.0 ? 1.0 : p;
}

/* ---- tally ---------------------------------------------------------------- */

static int cmp_exposure(const void *a, const void *b)
{
    const rs_exposure_row *x = a, *y = b;
    if (x->arm != y->arm)
        return x->arm < y->arm ? -1 : 1;
    if (x->user_id != y->user_id)
        return x->user_id < y->user_id ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return (x->time > y->time) - (x->time < y->time);
}

static int cmp_rating(const void *a, const void *b)
{
    const rs_rating_row *x = a, *y = b;
    if (x->user_id != y->user_id)
        return x->user_id < y->user_id ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return (x->time > y->time) - (x->time < y->time);
}

/* The latest rating of (user, item) in sorted rows, or NULL. */
static const rs_rating_row *latest_rating(const rs_rating_row *r, size_t n, int64_t user,
                                          int32_t item)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first row > (user, item) */
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].user_id < user || (r[mid].user_id == user && r[mid].item <= item))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || r[lo - 1].user_id != user || r[lo - 1].item != item)
        return NULL;
    return &r[lo - 1];
}

static int cmp_response(const void *a, const void *b)
{
    const rs_exposure_row *x = a, *y = b;
    if (x->arm != y->arm)
        return x->arm < y->arm ? -1 : 1;
    if (x->user_id != y->user_id)
        return x->user_id < y->user_id ? -1 : 1;
    return (x->time > y->time) - (x->time < y->time);
}

rs_status rs_abstats_tally(const rs_exposure_row *ex, size_t n_ex, const rs_rating_row *ratings,
                           size_t n_ratings, size_t n_arms, rs_arm_counts *out, rs_error *err)
{
    memset(out, 0, n_arms * sizeof *out);
    for (size_t i = 0; i < n_ex; i++)
        if (ex[i].arm < 0 || (size_t)ex[i].arm >= n_arms)
            return rs_error_set(err, RS_ERR_INVALID, "exposure row %zu: arm %d outside 0..%zu", i,
                                ex[i].arm, n_arms ? n_arms - 1 : 0);
    rs_exposure_row *e = malloc((n_ex ? n_ex : 1) * sizeof *e);
    rs_rating_row *r = malloc((n_ratings ? n_ratings : 1) * sizeof *r);
    if (!e || !r) {
        free(e);
        free(r);
        return rs_error_set(err, RS_ERR_NOMEM, "abstats: out of memory");
    }
    memcpy(e, ex, n_ex * sizeof *e);
    memcpy(r, ratings, n_ratings * sizeof *r);
    qsort(r, n_ratings, sizeof *r, cmp_rating);
    /* Responses and users: group by (arm, user, time). */
    qsort(e, n_ex, sizeof *e, cmp_response);
    for (size_t i = 0; i < n_ex; i++) {
        rs_arm_counts *c = &out[e[i].arm];
        int new_user = i == 0 || e[i].arm != e[i - 1].arm || e[i].user_id != e[i - 1].user_id;
        c->users += new_user;
        c->exposures += new_user || e[i].time != e[i - 1].time;
    }
    /* Pairs: group by (arm, user, item); the first row is the earliest. */
    qsort(e, n_ex, sizeof *e, cmp_exposure);
    for (size_t i = 0; i < n_ex; i++) {
        if (i > 0 && e[i].arm == e[i - 1].arm && e[i].user_id == e[i - 1].user_id &&
            e[i].item == e[i - 1].item)
            continue;
        rs_arm_counts *c = &out[e[i].arm];
        c->shown++;
        const rs_rating_row *rt = latest_rating(r, n_ratings, e[i].user_id, e[i].item);
        if (rt && rt->time >= e[i].time) {
            c->hits++;
            c->rating_sum += rt->rating;
            c->rating_sumsq += (double)rt->rating * rt->rating;
        }
    }
    free(e);
    free(r);
    return RS_OK;
}
