/* Lifecycle test helpers on top of host_fixture.h: engines over the real
 * MovieLens data, degraded datasets, and candidates saved to a directory
 * of their own (what the retrainer does). */
#ifndef RS_LC_FIXTURE_H
#define RS_LC_FIXTURE_H

#include "host_fixture.h"

/* Config over ml-latest-small in f->dir; 0 when the data is absent. */
static inline int lc_setup_real(hf *f, const char *instances, const char *extra)
{
    const char *ml = tu_shared_data();
    char text[16384];
    memset(f, 0, sizeof *f);
    if (!ml)
        return 0;
    hf_clear_env();
    f->dir = tu_tempdir();
    snprintf(text, sizeof text,
             "data:\n  dir: %s\nwork_dir: work\nthreads: 2\n"
             "plugins:\n  path: [%s, %s]\n%sinstances:\n%s",
             ml, RS_TEST_PLUGIN_DIR, RS_PLUGIN_BUILD_DIR, extra ? extra : "", instances);
    tu_write(f->dir, "cfg.yaml", text);
    snprintf(f->cfg_path, sizeof f->cfg_path, "%s/cfg.yaml", f->dir);
    return 1;
}

/* The same ratings with every item index permuted: a model fitted on it
 * ranks the wrong movies, like a training run on corrupted input. */
static inline rs_ratings_set *lc_degraded(const rs_dataset *d)
{
    rs_triple *t = malloc(d->n_ratings * sizeof *t);
    size_t n = 0;
    ck_assert_ptr_nonnull(t);
    for (int32_t u = 0; u < d->n_users; u++)
        for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++) {
            int64_t it = ((int64_t)d->user_item[j] * 7919 + 1) % d->n_items;
            t[n].user = u;
            t[n].item = (int32_t)it;
            t[n].rating = d->user_rating[j];
            t[n].timestamp = d->user_time[j];
            n++;
        }
    rs_ratings_set *rs = NULL;
    rs_error err = {0};
    ck_assert_msg(rs_ratings_set_new(d, t, n, d->user_ids, d->n_users, 1, 1, &rs, &err) == RS_OK,
                  "%s", err.message);
    free(t);
    return rs;
}

/* Fit slot `name` of `e` on `train` as a candidate and save it into
 * `dir`, without publishing it (what the retrainer does). */
static inline void lc_train_candidate(rs_engine *e, const char *name, const rs_dataset *train,
                                      const char *dir)
{
    rs_candidate *c = NULL;
    rs_error err = {0};
    ck_assert_msg(rs_engine_fit_candidate(e, name, train, &c, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_candidate_save(c, dir, &err) == RS_OK, "%s", err.message);
    rs_candidate_free(c);
}

#endif
