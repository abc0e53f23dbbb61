/* Fixture for host-level tests: a tiny MovieLens directory, a config that
 * points at it and at the test plugins, and helpers to open an engine. */
#ifndef RS_HOST_FIXTURE_H
#define RS_HOST_FIXTURE_H

#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "test_util.h"

/* Items A(1) B(2) C(3) D(4); counts 3, 2, 2, 1 (see test_popularity.c). */
#define HF_DAY 86400
#define HF_T 1000000000
static inline void hf_write_data(const char *dir)
{
    char ratings[1024];
    tu_write(dir, "movies.csv",
             "movieId,title,genres\n1,Alpha (1990),Drama\n2,Beta (1991),Comedy\n"
             "3,Gamma (1992),Drama|Comedy\n4,Delta (1993),Horror\n");
    snprintf(ratings, sizeof ratings,
             "userId,movieId,rating,timestamp\n"
             "1,1,5.0,%d\n1,2,3.0,%d\n"
             "2,1,4.0,%d\n2,3,5.0,%d\n"
             "3,1,2.0,%d\n3,3,4.0,%d\n3,4,5.0,%d\n"
             "4,2,1.0,%d\n",
             HF_T - 2 * HF_DAY, HF_T, HF_T - 2 * HF_DAY, HF_T - HF_DAY, HF_T - 2 * HF_DAY,
             HF_T - HF_DAY, HF_T, HF_T);
    tu_write(dir, "ratings.csv", ratings);
}

typedef struct hf {
    char *dir;
    char cfg_path[4200];
    rs_config *cfg;
    rs_movielens *ml;
    rs_engine *engine;
} hf;

static inline void hf_clear_env(void)
{
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_PLUGIN_PATH");
    unsetenv("RECSYS_TEXT_FILE");
}

/* Write cfg.yaml with `instances` (YAML list text) and optional extra
 * top-level text. */
static inline void hf_write_config(hf *f, const char *instances, const char *extra)
{
    char text[8192];
    snprintf(text, sizeof text,
             "data:\n  dir: data\nwork_dir: work\nthreads: 2\n"
             "prepare:\n  cf_min_item_ratings: 1\n  cf_min_user_ratings: 1\n"
             "plugins:\n  path: [%s, %s]\n%s"
             "instances:\n%s",
             RS_TEST_PLUGIN_DIR, RS_PLUGIN_BUILD_DIR, extra ? extra : "", instances);
    tu_write(f->dir, "cfg.yaml", text);
    snprintf(f->cfg_path, sizeof f->cfg_path, "%s/cfg.yaml", f->dir);
}

static inline void hf_setup(hf *f)
{
    char data[4200];
    memset(f, 0, sizeof *f);
    hf_clear_env();
    f->dir = tu_tempdir();
    snprintf(data, sizeof data, "%s/data", f->dir);
    ck_assert_int_eq(rs_mkdir_p(data), 0);
    hf_write_data(data);
}

/* Load config + data + engine; returns the engine_new status. */
static inline rs_status hf_open(hf *f, rs_error *err)
{
    rs_status st = rs_config_load(f->cfg_path, &f->cfg, err);
    if (st != RS_OK)
        return st;
    rs_load_options opt = {NULL, f->cfg->cf_min_item_ratings, f->cfg->cf_min_user_ratings};
    ck_assert_int_eq(rs_movielens_load(f->cfg->data_dir, &opt, &f->ml, err), RS_OK);
    return rs_engine_new(f->cfg, rs_movielens_view(f->ml), &f->engine, err);
}

static inline void hf_close_engine(hf *f)
{
    rs_engine_free(f->engine);
    rs_movielens_free(f->ml);
    rs_config_free(f->cfg);
    f->engine = NULL;
    f->ml = NULL;
    f->cfg = NULL;
}

static inline void hf_teardown(hf *f)
{
    hf_close_engine(f);
    rs_remove_tree(f->dir);
    free(f->dir);
}

#endif
