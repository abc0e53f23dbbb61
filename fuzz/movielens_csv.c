/*
 * libFuzzer harness: the MovieLens loader (CSV reader, movies/ratings/
 * links/tags parsing, id maps, CSR build) on files it did not write.
 *
 * The input is up to four files separated by NUL bytes, in the order
 * movies.csv, ratings.csv, links.csv, tags.csv; a file with no part is
 * absent (links and tags are optional, the others then fail cleanly).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"ml/movies.csv", "ml/ratings.csv", "ml/links.csv",
                                        "ml/tags.csv"};
    char dir[300];
    snprintf(dir, sizeof dir, "%s/ml", fz_scratch());
    mkdir(dir, 0700);
    const uint8_t *p = data, *end = data + size;
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", fz_scratch(), names[i]);
        unlink(path);
        if (p > end)
            continue;
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
        fz_write(names[i], p, len);
        p += len + 1;
    }
    rs_load_options opt = {.cf_min_item_ratings = 1, .cf_min_user_ratings = 1};
    rs_movielens *ml = NULL;
    rs_error err = {0};
    if (rs_movielens_load(dir, &opt, &ml, &err) == RS_OK) {
        const rs_dataset *d = rs_movielens_view(ml);
        /* Touch what serving reads, so a bad index shows up here. */
        for (int32_t i = 0; i < d->n_items; i++)
            (void)rs_movielens_item_index(ml, d->items[i].movie_id);
        for (int32_t u = 0; u < d->n_users; u++)
            for (size_t k = d->user_ptr[u]; k < d->user_ptr[u + 1]; k++)
                if (d->user_item[k] < 0 || d->user_item[k] >= d->n_items)
                    __builtin_trap();
    }
    rs_movielens_free(ml);
    return 0;
}
