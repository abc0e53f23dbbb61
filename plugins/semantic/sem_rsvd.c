#include "sem_rsvd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "recsys/splitmix64.h"

/* splitmix64 used counter-based, so the test matrix depends only on the
 * seed and the entry index, never on call order or threads. */
static double uniform01(uint64_t seed, uint64_t i)
{
    /* 53 random bits, in (0, 1]: log() below never sees 0 */
    return ((double)(rs_splitmix64_at(seed ^ rs_splitmix64_at(i)) >> 11) + 1.0) *
           (1.0 / 9007199254740992.0);
}

/* Standard normal entries by Box-Muller. */
static void gaussian_fill(float *x, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i += 2) {
        double u1 = uniform01(seed, i), u2 = uniform01(seed, i + 1);
        double r = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
        x[i] = (float)(r * cos(th));
        if (i + 1 < n)
            x[i + 1] = (float)(r * sin(th));
    }
}

/* y[rows x l] = A x[cols x l]. Sparse times dense is written out because
 * OpenBLAS has no sparse kernels; it is one pass over the nonzeros. */
static void csr_mul(const sem_csr *a, const float *x, int l, float *y)
{
    memset(y, 0, (size_t)a->rows * (size_t)l * sizeof *y);
    for (int32_t i = 0; i < a->rows; i++) {
        float *yi = y + (size_t)i * (size_t)l;
        for (size_t p = a->ptr[i]; p < a->ptr[i + 1]; p++) {
            const float *xj = x + (size_t)a->col[p] * (size_t)l;
            float v = a->val[p];
            for (int c = 0; c < l; c++)
                yi[c] += v * xj[c];
        }
    }
}

/* z[cols x l] = A^T y[rows x l]. */
static void csr_mul_t(const sem_csr *a, const float *y, int l, float *z)
{
    memset(z, 0, (size_t)a->cols * (size_t)l * sizeof *z);
    for (int32_t i = 0; i < a->rows; i++) {
        const float *yi = y + (size_t)i * (size_t)l;
        for (size_t p = a->ptr[i]; p < a->ptr[i + 1]; p++) {
            float *zj = z + (size_t)a->col[p] * (size_t)l;
            float v = a->val[p];
            for (int c = 0; c < l; c++)
                zj[c] += v * yi[c];
        }
    }
}

/* Orthonormalise the columns of m[rows x l] in place (thin Q of QR). When
 * r is not NULL it receives the upper-triangular R [l x l]. */
static rs_status orthonormalise(float *m, int rows, int l, float *tau, float *r, rs_error *err)
{
    lapack_int info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, rows, l, m, l, tau);
    if (info != 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "semantic: LAPACK sgeqrf failed (info %d)",
                            (int)info);
    if (r) {
        for (int i = 0; i < l; i++)
            for (int j = 0; j < l; j++)
                r[(size_t)i * l + j] = j >= i ? m[(size_t)i * l + j] : 0.0f;
    }
    info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, rows, l, l, m, l, tau);
    if (info != 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "semantic: LAPACK sorgqr failed (info %d)",
                            (int)info);
    return RS_OK;
}

rs_status sem_rsvd(const sem_csr *a, int k, int oversample, int power_iters, uint64_t seed,
                   float *basis, float *sigma, rs_error *err)
{
    int rank_bound = a->rows < a->cols ? a->rows : a->cols;
    if (k < 1 || k > rank_bound)
        return rs_error_set(err, RS_ERR_INVALID,
                            "semantic: dim %d must be in 1..%d (min of %d "
                            "movies and %d vocabulary terms)",
                            k, rank_bound, (int)a->rows, (int)a->cols);
    int l = k + (oversample > 0 ? oversample : 0);
    if (l > rank_bound)
        l = rank_bound;

    rs_status st = RS_OK;
    size_t nr = (size_t)a->rows * l, nc = (size_t)a->cols * l;
    float *y = malloc(nr * sizeof *y); /* rows x l: range of A */
    float *z = malloc(nc * sizeof *z); /* cols x l: range of A^T */
    float *tau = malloc((size_t)l * sizeof *tau);
    float *r = malloc((size_t)l * l * sizeof *r);
    float *s = malloc((size_t)l * sizeof *s);
    float *u = malloc((size_t)l * l * sizeof *u);
    float *vt = malloc((size_t)l * l * sizeof *vt);
    if (!y || !z || !tau || !r || !s || !u || !vt) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory (SVD)");
        goto done;
    }

    /* Range finder with subspace iteration: Q = orth(A (A^T A)^q Omega),
     * re-orthonormalising after every product so small singular
     * directions are not lost to rounding (Halko alg. 4.4). */
    gaussian_fill(z, nc, seed);
    csr_mul(a, z, l, y);
    if ((st = orthonormalise(y, a->rows, l, tau, NULL, err)) != RS_OK)
        goto done;
    for (int q = 0; q < power_iters; q++) {
        csr_mul_t(a, y, l, z);
        if ((st = orthonormalise(z, a->cols, l, tau, NULL, err)) != RS_OK)
            goto done;
        csr_mul(a, z, l, y);
        if ((st = orthonormalise(y, a->rows, l, tau, NULL, err)) != RS_OK)
            goto done;
    }

    /* B = Q^T A = (A^T Q)^T. With A^T Q = Qz R, B = R^T Qz^T, so the SVD
     * of the small l x l matrix R^T = U S W^T gives A's right singular
     * vectors as Qz W. */
    csr_mul_t(a, y, l, z);
    if ((st = orthonormalise(z, a->cols, l, tau, r, err)) != RS_OK)
        goto done;
    for (int i = 0; i < l; i++) /* r <- R^T, into u as scratch */
        for (int j = 0; j < l; j++)
            u[(size_t)i * l + j] = r[(size_t)j * l + i];
    lapack_int info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'A', l, l, u, l, s, r, l, vt, l);
    if (info != 0) {
        st = rs_error_set(err, RS_ERR_INTERNAL, "semantic: LAPACK sgesdd failed (info %d)",
                          (int)info);
        goto done;
    }
    /* basis[cols x k] = Qz[cols x l] * (W^T[k x l])^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, a->cols, k, l, 1.0f, z, l, vt, l, 0.0f,
                basis, k);

    for (int c = 0; c < k; c++) {
        float best = 0.0f;
        for (int32_t t = 0; t < a->cols; t++) {
            float v = basis[(size_t)t * k + c];
            if (fabsf(v) > fabsf(best))
                best = v;
        }
        if (best < 0.0f)
            for (int32_t t = 0; t < a->cols; t++)
                basis[(size_t)t * k + c] = -basis[(size_t)t * k + c];
        if (sigma)
            sigma[c] = s[c];
    }
done:
    free(y);
    free(z);
    free(tau);
    free(r);
    free(s);
    free(u);
    free(vt);
    return st;
}
