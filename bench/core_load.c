/*
 * Data layer benchmark: MovieLens load time (CSV parse + id maps + both
 * CSR builds), median of repeated loads.
 *   bench_core_load [ml-dir] [runs]
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "recsys/dataset.h"

int main(int argc, char **argv)
{
    char dir[4096];
    const char *shared = getenv("RECSYS_SHARED_DATA");
    snprintf(dir, sizeof dir, "%s/ml-latest-small",
             shared && *shared ? shared : RS_SHARED_DATA_DEFAULT);
    const char *path = argc > 1 ? argv[1] : dir;
    int runs = argc > 2 ? atoi(argv[2]) : 9;
    if (runs < 1)
        runs = 1;
    double *t = calloc((size_t)runs, sizeof *t);
    size_t ratings = 0;
    for (int r = 0; r < runs; r++) {
        rs_movielens *ml;
        rs_error err = {0};
        rs_load_options opt = {NULL, 10, 5};
        double t0 = bu_now();
        if (rs_movielens_load(path, &opt, &ml, &err) != RS_OK) {
            fprintf(stderr, "bench_core_load: %s\n", err.message);
            return 1;
        }
        t[r] = bu_now() - t0;
        ratings = rs_movielens_view(ml)->n_ratings;
        rs_movielens_free(ml);
    }
    double med = bu_quantile(t, (size_t)runs, 0.5);
    printf("movielens load: %s\n  %zu ratings, %d runs, median %.1f ms, min %.1f ms, "
           "max %.1f ms, %.2f M ratings/s\n",
           path, ratings, runs, med * 1e3, t[0] * 1e3, t[runs - 1] * 1e3,
           (double)ratings / med / 1e6);
    free(t);
    return 0;
}
