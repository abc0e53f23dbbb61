/*
 * The results of one sweep and the writers that turn them into files:
 * report.json (every number), report.csv (one row per number), report.md
 * (tables a person reads) and report.svg (a chart drawn by gnuplot).
 *
 * A report is filled by the sweep (recsys/eval.h) and only read by the
 * writers; it borrows its config, which must outlive it.
 */
#ifndef RECSYS_EVAL_REPORT_H
#define RECSYS_EVAL_REPORT_H

#include "recsys/eval_config.h"
#include "recsys/eval_stats.h"

/* Per-user metrics, in the column order of every per-(k) block. */
typedef enum rs_eval_metric {
    RS_EVAL_RECALL = 0,
    RS_EVAL_NDCG = 1,
    RS_EVAL_PRECISION = 2,
    RS_EVAL_HIT_RATE = 3,
    RS_EVAL_MAP = 4,
    RS_EVAL_COLD_RECALL = 5, /* recall over the user's cold test positives */
    RS_EVAL_N_METRICS = 6
} rs_eval_metric;

/* "recall", "ndcg", "precision", "hit_rate", "map", "cold_recall". */
const char *rs_eval_metric_name(rs_eval_metric m);

/* One (level, instance). Arrays are indexed [k][metric], and bucket
 * results [bucket][k][metric]. Cold recall is averaged over the users with
 * at least one cold test positive (cold_users), the rest over all users of
 * the slice. */
typedef struct rs_eval_cell {
    char *error; /* NULL, or why fit/recommend failed at this level:
                         the cell's numbers are then all undefined */
    double fit_seconds;
    double recommend_seconds;
    rs_ci *all;       /* [n_k * N_METRICS] */
    rs_ci *bucket;    /* [n_buckets * n_k * N_METRICS] */
    double *coverage; /* [n_k] distinct recommended items / catalogue */
} rs_eval_cell;

typedef struct rs_eval_level {
    double fraction;            /* share of each user's train ratings kept
                                (1 in the new-user protocol) */
    int n_given;                /* new-user protocol: ratings in each query;
                                0 in the sweep */
    size_t train_ratings;       /* ratings in the thinned train set */
    int32_t cf_users, cf_items; /* its collaborative-filtering subset */
    int32_t users_evaluated;    /* users with >= 1 test positive */
    int32_t users_excluded;     /* users without test positives */
    int32_t cold_users;         /* evaluated users with a cold test positive */
    int32_t cold_items;         /* catalogue items with < N train ratings */
    int32_t *bucket_users;      /* [n_buckets] evaluated users per bucket */
    int32_t *bucket_cold_users; /* [n_buckets] */
    rs_eval_cell *cells;        /* [n_instances] in cfg->instances order */
    rs_ci *rel;                 /* [n_pairs * n_k * N_METRICS]: a/b - 1 */
} rs_eval_level;

/* The new-user protocol: users held out of training entirely, queried
 * with n of their ratings. levels[j] holds n = cfg->new_users.n[j] with
 * the same cells, intervals and comparisons as a sweep level; its
 * users_excluded are the held-out users with too few ratings for that n. */
typedef struct rs_eval_new_user_report {
    int ran; /* 0 = not run (disabled) */
    int32_t users_held_out;
    int32_t train_users; /* users with ratings in the training data */
    size_t train_ratings;
    int32_t cf_users, cf_items; /* the training data's CF subset */
    double *fit_seconds;        /* [n_instances] */
    rs_eval_level *levels;      /* [cfg->new_users.n_n] */
    double seconds;             /* the whole phase: fits, queries, statistics */
} rs_eval_new_user_report;

/* A film in a probe's report, copied out of the dataset (which is gone
 * when the report is written). */
typedef struct rs_eval_probe_item {
    int32_t item; /* catalogue index, -1 = empty slot */
    int64_t movie_id;
    char *title;
    int32_t ratings; /* in the training data */
    int in_genre;
} rs_eval_probe_item;

/* One taste probe: a synthetic new user who rates the `n_rated` most rated
 * films of `genre` (in the new-user training data; ties: smaller item
 * index) with cfg->probes.rating. */
typedef struct rs_eval_probe {
    char *genre;
    int32_t n_rated;
    int32_t *rated;                 /* [cfg n_rated] catalogue indices */
    rs_eval_probe_item *rated_info; /* [cfg n_rated] */
    int32_t *top;                   /* [n_instances * k] the lists, -1 = none */
    rs_eval_probe_item *top_info;   /* [n_instances * k] */
    uint32_t *n_top;                /* [n_instances] entries returned */
    double *share;                  /* [n_instances] top-k slots in the genre / k;
                                NAN when the instance failed */
    double *median_count;           /* [n_instances] median training-rating count
                                of the films returned */
} rs_eval_probe;

typedef struct rs_eval_probe_report {
    int ran;
    rs_eval_probe *probe; /* [cfg->probes.n_genres] */
    double *mean_share;   /* [n_instances] over the probes */
    double *mean_median;  /* [n_instances] mean of the probes' medians */
    char **error;         /* [n_instances] first failure, or NULL */
    double seconds;
} rs_eval_probe_report;

/* A paired comparison: instance a against instance b. The first
 * n_instances pairs compare each instance with the baseline. */
typedef struct rs_eval_cmp {
    int a, b;
} rs_eval_cmp;

/* One point of a learning curve: an instance after `epoch` epochs, scored
 * at the first level on the same users and exclusions as the sweep. */
typedef struct rs_eval_curve_point {
    char instance[64];
    int epoch;
    double fit_seconds;    /* this segment's training (resumed) */
    double *recall, *ndcg; /* [cfg->n_k] means over the scored users */
} rs_eval_curve_point;

typedef struct rs_eval_report {
    const rs_eval_config *cfg; /* borrowed */
    int validate;              /* 1 = scored on the validation split */
    char *host_config;         /* the host config file used */
    char *data_dir;
    char **plugin;  /* [n_instances] plugin of each instance */
    char **version; /* [n_instances] entry->version */
    rs_eval_cmp *pairs;
    size_t n_pairs;
    int32_t n_users, n_items;
    size_t n_ratings;
    size_t n_train, n_valid, n_test; /* ratings per role */
    size_t n_test_positive;          /* scored ratings (>= threshold) */
    rs_eval_level *levels;           /* [cfg->n_levels], unfilled when
                                  sweep_skipped */
    int sweep_skipped;               /* 1 = sweep.enabled was false */
    rs_eval_level *levels_full;      /* [cfg->n_levels] with sweep.exclude: both,
                                  the same fits scored excluding each user's
                                  full training set; else NULL */
    rs_eval_new_user_report nu;
    rs_eval_probe_report probes;
    size_t n_failures; /* cells with an error */
    double load_seconds, total_seconds;
    double sweep_seconds; /* the sparsity sweep's phase */
    char started_utc[32]; /* ISO 8601 */
    char recsys_version[32];
    rs_eval_curve_point *curve; /* learning curves, in run order */
    size_t n_curve;
} rs_eval_report;

/* Allocate a zeroed report shaped by cfg (levels, cells, pairs). */
rs_status rs_eval_report_new(const rs_eval_config *cfg, rs_eval_report **out, rs_error *err);
void rs_eval_report_free(rs_eval_report *r);

/* Accessors for the flattened arrays. */
rs_ci *rs_eval_cell_stat(const rs_eval_report *r, rs_eval_cell *c, size_t k_idx, rs_eval_metric m);
rs_ci *rs_eval_cell_bucket_stat(const rs_eval_report *r, rs_eval_cell *c, size_t bucket,
                                size_t k_idx, rs_eval_metric m);
rs_ci *rs_eval_level_rel(const rs_eval_report *r, rs_eval_level *l, size_t pair, size_t k_idx,
                         rs_eval_metric m);

/* "0.25" for a sweep level, "5" (ratings given) for a new-user one. */
const char *rs_eval_level_label(const rs_eval_level *l, char *buf, size_t size);

/* "1-5", "6-20", "51+": the label of activity bucket b. */
const char *rs_eval_bucket_label(const rs_eval_config *cfg, size_t b, char *buf, size_t size);

/*
 * "A against its best other instance": for a subject A (an instance that
 * comes first in a `compare` pair), the instance with the highest mean of
 * one metric at one level among those A is paired with (the second
 * elements of A's `compare` pairs, and the baseline, which every instance
 * is paired with), and A's paired comparison against it. The bar
 * "the hybrid is never below its best child or popularity by more than the
 * interval" is read off the verdicts.
 */
typedef enum rs_eval_verdict {
    RS_EVAL_VERDICT_NA = 0, /* undefined: A or every other failed, or the
                               change has no interval (mean(best) = 0) */
    RS_EVAL_VERDICT_BELOW,  /* the interval's upper bound < 0 */
    RS_EVAL_VERDICT_WITHIN, /* the interval contains 0 */
    RS_EVAL_VERDICT_ABOVE   /* the interval's lower bound > 0 */
} rs_eval_verdict;

/* "n/a", "below", "within", "above". */
const char *rs_eval_verdict_str(rs_eval_verdict v);

/* The verdict of a relative change's paired interval. */
rs_eval_verdict rs_eval_verdict_of(const rs_ci *rel);

typedef struct rs_eval_vs_best {
    int a;           /* the subject's instance index */
    int best;        /* the other instance with the highest finite mean
                         (ties: the first pair in r->pairs order), -1 =
                         none (every other failed at this level) */
    long pair;       /* index in r->pairs of [a, best], -1 = none */
    rs_ci a_stat;    /* A's mean [95 % CI] */
    rs_ci best_stat; /* the best's */
    rs_ci rel;       /* mean(A) / mean(best) - 1 [paired 95 % CI] */
    rs_eval_verdict verdict;
} rs_eval_vs_best;

/* 1 when instance a is a subject: it comes first in a `compare` pair. */
int rs_eval_vs_best_subject(const rs_eval_report *r, int a);

/* 1 when b is one of the instances a's best is chosen among (b != a and
 * some pair is [a, b]), else 0. */
int rs_eval_vs_best_candidate(const rs_eval_report *r, int a, int b);

/* A's best other instance at level lv (any of r->levels, r->levels_full
 * or r->nu.levels) by metric m at K index k_idx. */
void rs_eval_vs_best_at(const rs_eval_report *r, rs_eval_level *lv, int a, size_t k_idx,
                        rs_eval_metric m, rs_eval_vs_best *out);

/* Writers: each creates (or replaces) one file. */
rs_status rs_eval_write_json(const rs_eval_report *r, const char *path, rs_error *err);
rs_status rs_eval_write_csv(const rs_eval_report *r, const char *path, rs_error *err);
rs_status rs_eval_write_md(const rs_eval_report *r, const char *path, rs_error *err);

/*
 * Write <dir>/report.dat and <dir>/report.gp (Recall@K and NDCG@K against
 * the kept share, one line per instance, K = 20 when configured, else the
 * largest) and run gnuplot on them as a child process to draw
 * <dir>/report.svg. Returns RS_ERR_UNSUPPORTED when gnuplot is not
 * installed (the caller warns and carries on).
 */
rs_status rs_eval_write_chart(const rs_eval_report *r, const char *dir, rs_error *err);

#endif /* RECSYS_EVAL_REPORT_H */
