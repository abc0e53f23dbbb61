/*
 * Internal pieces of the harness, one file each: the sweep's plan
 * (protocol.c: split, scored users, their positives and exclusions), one
 * level's thinned data and queries (level.c), the new-user protocol's
 * holdout, queries and targets (newusers.c), the taste probes (probes.c),
 * the threaded recommend calls (recommend.c) and the per-user metrics with
 * their aggregation into the report (aggregate.c), which both protocols
 * share through rs_eval_queries and rs_eval_targets.
 */
#ifndef RS_EVAL_SWEEP_INTERNAL_H
#define RS_EVAL_SWEEP_INTERNAL_H

#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/dataset_formats.h"
#include "recsys/engine.h"
#include "recsys/eval_config.h"
#include "recsys/eval_report.h"

/* The main per-user metrics (cold recall is kept apart: it is defined for
 * fewer users). */
#define RS_EVAL_MAIN_METRICS 5

/* Everything fixed before the first level. */
typedef struct rs_eval_plan {
    const rs_dataset *base;
    rs_triple *t; /* [n] every rating of base */
    size_t n;
    uint8_t *role;      /* [n] RS_ROLE_* */
    uint8_t *fit;       /* [n] 1 = in the training set that levels thin */
    int32_t n_eval;     /* scored users: >= 1 positive in the target split */
    int32_t *eval_user; /* [n_eval] dense user index, ascending */
    size_t *rel_ptr;    /* [n_eval + 1] */
    int32_t *rel_item;  /* positives per scored user, sorted */
    size_t *excl_ptr;   /* [n_eval + 1] */
    int32_t *excl_item; /* each scored user's full training items, sorted:
                              excluded from ranking at every level */
    size_t n_train, n_valid, n_test, n_target_positive;
} rs_eval_plan;

/* split.kind files: the given test and validation pairs (dense user,
 * catalogue item), sorted; every other rating of base is training. */
typedef struct rs_eval_given {
    const rs_pair *test, *valid;
    size_t n_test, n_valid;
} rs_eval_given;

/* given != NULL (split.kind files): roles from the given pairs instead of
 * drawing a split. */
rs_status rs_eval_plan_build(const rs_dataset *base, const rs_eval_config *cfg, int validate,
                             const rs_eval_given *given, rs_eval_plan *p, rs_error *err);
void rs_eval_plan_free(rs_eval_plan *p);

/* One level's thinned training data and its slices. */
typedef struct rs_eval_level_data {
    rs_triple *kept; /* the thinned training triples */
    size_t n_kept;
    rs_ratings_set *set;
    const rs_dataset *view;
    uint8_t *cold_item; /* [n_items] 1 = fewer than N training ratings */
    int32_t *bucket;    /* [n_eval] activity bucket, -1 = none */
    size_t *cold_ptr;   /* [n_eval + 1] */
    int32_t *cold_rel;  /* cold positives per scored user, sorted */
} rs_eval_level_data;

/* Thin, build the ratings set and the slices; fills the level's counts. */
rs_status rs_eval_level_build(const rs_eval_plan *p, const rs_eval_config *cfg,
                              const rs_config *host, size_t level_idx, rs_eval_level_data *d,
                              rs_eval_level *stats, rs_error *err);
void rs_eval_level_data_free(rs_eval_level_data *d);

/* Activity bucket of a user with n_ratings known ratings, -1 = none. */
int32_t rs_eval_bucket_of(const rs_eval_config *c, size_t n_ratings);

/* One rs_query per scored user, as CSRs over the scored users: what the
 * sweep and the new-user protocol hand to rs_engine_recommend. */
typedef struct rs_eval_queries {
    int32_t n;        /* scored users */
    int64_t *user_id; /* [n] external id, or RS_USER_NONE (fold-in) */
    int64_t *label;   /* [n] external id, for error messages */
    size_t *rat_ptr;  /* [n + 1] */
    rs_rating *rat;   /* the ratings each query carries */
    size_t *excl_ptr; /* [n + 1] */
    int32_t *excl;    /* items never to rank, sorted per user */
} rs_eval_queries;

rs_status rs_eval_queries_alloc(rs_eval_queries *q, int32_t n, size_t n_rat, size_t n_excl,
                                rs_error *err);
void rs_eval_queries_free(rs_eval_queries *q);

/* The sweep's queries at one level: each user's thinned training ratings,
 * and as exclusions either those (`given`) or the full training set. */
rs_status rs_eval_level_queries(const rs_eval_plan *p, const rs_eval_level_data *d,
                                rs_sweep_exclude ex, rs_eval_queries *q, rs_error *err);

/* What the scored users are scored on (borrowed arrays, one entry per
 * scored user, in the queries' order). */
typedef struct rs_eval_targets {
    int32_t n;               /* scored users */
    int32_t n_items;         /* the catalogue, for coverage */
    const size_t *rel_ptr;   /* [n + 1] */
    const int32_t *rel_item; /* positives per user, sorted */
    const size_t *cold_ptr;  /* [n + 1] */
    const int32_t *cold_rel; /* cold positives per user, sorted */
    const int32_t *bucket;   /* [n] activity bucket, -1 = none */
} rs_eval_targets;

/* Every scored user's top kmax from one instance. */
typedef struct rs_eval_ranked {
    size_t kmax;
    int32_t *items; /* [n_eval * kmax] */
    uint32_t *n;    /* [n_eval] entries returned */
} rs_eval_ranked;

rs_status rs_eval_recommend_all(rs_engine *e, const char *instance, const rs_eval_queries *q,
                                int threads, size_t kmax, rs_eval_ranked *out, rs_error *err);
void rs_eval_ranked_free(rs_eval_ranked *r);

/* Fill one level `lv` of the report (a sparsity level or one n of the
 * new-user protocol) from every instance's lists: per-user metrics,
 * bootstrap means, paired relative changes, slices and coverage.
 * ranked[i] belongs to cfg->instances[i]; `stream` picks the bootstrap
 * streams (distinct per level and protocol). */
rs_status rs_eval_aggregate_level(rs_eval_report *r, rs_eval_level *lv, uint64_t stream,
                                  const rs_eval_targets *t, const rs_eval_ranked *ranked,
                                  rs_error *err);

/* newusers.c: the held-out users' training data and, per n, their
 * queries and targets. */
typedef struct rs_eval_nu_data {
    uint8_t *held;    /* [n_users] 0 = training, 1 = scored (held out
                              of training), 3 = neither (--validate keeps
                              the test holdout out of both) */
    uint32_t *rank;   /* [n_ratings] order given, UINT32_MAX = train */
    rs_triple *train; /* the other users' ratings */
    size_t n_train;
    rs_ratings_set *set;
    const rs_dataset *view; /* the training data every instance fits on */
} rs_eval_nu_data;

/* validate != 0: score the validation holdout instead, and keep the
 * default (test) holdout out of training too. */
rs_status rs_eval_nu_build(const rs_dataset *base, const rs_eval_config *cfg, const rs_config *host,
                           int validate, rs_eval_nu_data *d, rs_eval_new_user_report *nr,
                           rs_error *err);
void rs_eval_nu_free(rs_eval_nu_data *d);

/* The queries and targets for n ratings given (level `li` of nr). */
typedef struct rs_eval_nu_level {
    rs_eval_queries q;
    size_t *rel_ptr, *cold_ptr;
    int32_t *rel_item, *cold_rel, *bucket;
    rs_eval_targets t;
} rs_eval_nu_level;

rs_status rs_eval_nu_level_build(const rs_dataset *base, const rs_eval_config *cfg,
                                 const rs_eval_nu_data *d, size_t li, rs_eval_nu_level *out,
                                 rs_eval_level *stats, rs_error *err);
void rs_eval_nu_level_free(rs_eval_nu_level *l);

/* curve.c: learning curves of cfg->curve_instances at the first level
 * (appends to r->curve), training each in segments with resume. */
rs_status rs_eval_curves_run(rs_eval_report *r, const rs_config *fc, const rs_eval_plan *p,
                             rs_error *err);

/* probes.c: every taste probe against every fitted instance of e, whose
 * data is `train` (fit_failed[i] != 0: instance i is skipped). A genre missing from the dataset is a configuration
 * error naming the eval file's line. */
rs_status rs_eval_probes_run(rs_eval_report *r, rs_engine *e, const rs_dataset *train,
                             const int *fit_failed, rs_error *err);

/* overrides.c: the host params of one instance with the eval file's
 * `params.<instance>` on top (a node borrowing from both documents). */
rs_status rs_eval_merge_params(const rs_yaml_node *host, const rs_yaml_node *over,
                               rs_yaml_node **out, rs_error *err);
void rs_eval_merged_free(rs_yaml_node *m);

#endif /* RS_EVAL_SWEEP_INTERNAL_H */
