/*
 * Internal pieces of the sweep, one file each: the plan (protocol.c: split,
 * scored users, their positives and exclusions), one level's thinned data
 * (level.c), the threaded recommend calls (recommend.c) and the per-user
 * metrics with their aggregation into the report (aggregate.c).
 */
#ifndef RS_EVAL_SWEEP_INTERNAL_H
#define RS_EVAL_SWEEP_INTERNAL_H

#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/eval_config.h"
#include "recsys/eval_report.h"

/* The main per-user metrics (cold recall is kept apart: it is defined for
 * fewer users). */
#define RS_EVAL_MAIN_METRICS 5

/* Everything fixed before the first level. */
typedef struct rs_eval_plan {
    const rs_dataset *base;
    rs_triple *t;          /* [n] every rating of base */
    size_t n;
    uint8_t *role;         /* [n] RS_ROLE_* */
    uint8_t *fit;          /* [n] 1 = in the training set that levels thin */
    int32_t n_eval;        /* scored users: >= 1 positive in the target split */
    int32_t *eval_user;    /* [n_eval] dense user index, ascending */
    size_t *rel_ptr;       /* [n_eval + 1] */
    int32_t *rel_item;     /* positives per scored user, sorted */
    size_t *excl_ptr;      /* [n_eval + 1] */
    int32_t *excl_item;    /* each scored user's full training items, sorted:
                              excluded from ranking at every level */
    size_t n_train, n_valid, n_test, n_target_positive;
} rs_eval_plan;

rs_status rs_eval_plan_build(const rs_dataset *base, const rs_eval_config *cfg,
                             int validate, rs_eval_plan *p, rs_error *err);
void rs_eval_plan_free(rs_eval_plan *p);

/* One level's thinned training data and its slices. */
typedef struct rs_eval_level_data {
    rs_triple *kept;       /* the thinned training triples */
    size_t n_kept;
    rs_ratings_set *set;
    const rs_dataset *view;
    uint8_t *cold_item;    /* [n_items] 1 = fewer than N training ratings */
    int32_t *bucket;       /* [n_eval] activity bucket, -1 = none */
    size_t *cold_ptr;      /* [n_eval + 1] */
    int32_t *cold_rel;     /* cold positives per scored user, sorted */
} rs_eval_level_data;

/* Thin, build the ratings set and the slices; fills the level's counts. */
rs_status rs_eval_level_build(const rs_eval_plan *p, const rs_eval_config *cfg,
                              const rs_config *host, size_t level_idx,
                              rs_eval_level_data *d, rs_eval_level *stats,
                              rs_error *err);
void rs_eval_level_data_free(rs_eval_level_data *d);

/* Every scored user's top kmax from one instance. */
typedef struct rs_eval_ranked {
    size_t kmax;
    int32_t *items;        /* [n_eval * kmax] */
    uint32_t *n;           /* [n_eval] entries returned */
} rs_eval_ranked;

rs_status rs_eval_recommend_all(rs_engine *e, const char *instance,
                                const rs_eval_plan *p,
                                const rs_eval_level_data *d, int threads,
                                size_t kmax, rs_eval_ranked *out,
                                rs_error *err);
void rs_eval_ranked_free(rs_eval_ranked *r);

/* Fill level `level_idx` of the report from every instance's lists:
 * per-user metrics, bootstrap means, paired relative changes, slices and
 * coverage. ranked[i] belongs to cfg->instances[i]. */
rs_status rs_eval_aggregate_level(rs_eval_report *r, size_t level_idx,
                                  const rs_eval_plan *p,
                                  const rs_eval_level_data *d,
                                  const rs_eval_ranked *ranked,
                                  rs_error *err);

/* overrides.c: the host params of one instance with the eval file's
 * `params.<instance>` on top (a node borrowing from both documents). */
rs_status rs_eval_merge_params(const rs_yaml_node *host,
                               const rs_yaml_node *over, rs_yaml_node **out,
                               rs_error *err);
void rs_eval_merged_free(rs_yaml_node *m);

#endif /* RS_EVAL_SWEEP_INTERNAL_H */
