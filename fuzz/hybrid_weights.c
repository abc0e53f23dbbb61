/*
 * libFuzzer harness: the hybrid's weights file loader
 * (rs_hybrid_weights_load, plugins/hybrid/weights.c) on a file it did not
 * write. The instance it loads into names the children the seeds were
 * written for, so the fuzzer reaches the bucket and known-user lines; a
 * load that fails must leave the instance's table as it was.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "hybrid_internal.h"

const char *const rs_hybrid_role_names[N_NAMES] = {"ease", "cf", "content", "popularity",
                                                   "fallback"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hybrid h; /* zeroed: the loader reads only names and the table */
    h.child[ROLE_EASE] = "ease";
    h.child[ROLE_CF] = "lightgcn";
    h.child[ROLE_CONTENT] = "semantic";
    h.child[ROLE_POP] = "popularity";
    h.child[ROLE_FALLBACK] = "popularity";
    h.n_buckets = 1;
    h.bucket_n[0] = 7;
    h.w[0][ROLE_POP] = 1.0;
    h.has_known = 0;
    char d[300];
    snprintf(d, sizeof d, "%s/hyb", fz_scratch());
    mkdir(d, 0700);
    fz_write("hyb/weights.txt", data, size);
    rs_error err = {0};
    if (rs_hybrid_weights_load(&h, d, &err) != RS_OK) {
        /* Refused: nothing changed. */
        if (h.n_buckets != 1 || h.bucket_n[0] != 7 || h.w[0][ROLE_POP] != 1.0 || h.has_known)
            abort();
        return 0;
    }
    /* Accepted: ascending buckets, each row (and the known one) on the
     * simplex. */
    if (h.n_buckets < 1 || h.n_buckets > HYB_MAX_BUCKETS)
        abort();
    for (size_t b = 0; b < h.n_buckets; b++) {
        double sum = 0.0;
        for (int r = 0; r < N_ROLES; r++) {
            if (!(h.w[b][r] >= 0.0 && h.w[b][r] <= 1.0))
                abort();
            sum += h.w[b][r];
        }
        if (fabs(sum - 1.0) > 1e-3 || h.bucket_n[b] < 1 ||
            (b && h.bucket_n[b] <= h.bucket_n[b - 1]))
            abort();
    }
    return 0;
}
