/* Hand-made rs_dataset fixtures for the hybrid tests: a catalogue of
 * n_items and users given as rating lists, laid out as the core lays out
 * MovieLens (CSR by user and by item, sorted). */
#ifndef HYB_FIXTURE_H
#define HYB_FIXTURE_H

#include "recsys/plugin.h"

typedef struct hyb_fixture hyb_fixture;

typedef struct hyb_triple {
    int32_t user, item;
    float rating;
} hyb_triple;

/* User u gets external id 100 + u; movie i gets id 1000 + i. */
hyb_fixture *hyb_fixture_new(int32_t n_users, int32_t n_items, const hyb_triple *t, size_t n);
void hyb_fixture_free(hyb_fixture *f);
const rs_dataset *hyb_fixture_view(const hyb_fixture *f);
/* Give movie i the genre bits masks[i] over n_genres genres named names
 * (which must outlive the fixture). Call before fitting anything on it. */
void hyb_fixture_set_genres(hyb_fixture *f, int32_t n_genres, const char *const *names,
                            const uint32_t *masks);

#endif /* HYB_FIXTURE_H */
