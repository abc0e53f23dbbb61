/*
 * The evaluation sweep's YAML (evaluation/sparsity.yaml): which instances
 * of the host config to evaluate, the split, the sparsity levels, K, the
 * slices and the statistics. Every key is optional with the default shown
 * in docs/evaluation.md; errors name file:line:column (unknown key, wrong
 * type, value out of range). Relative paths are resolved against the
 * directory holding the eval file.
 */
#ifndef RECSYS_EVAL_CONFIG_H
#define RECSYS_EVAL_CONFIG_H

#include "recsys/config.h"
#include "recsys/eval_split.h"
#include "recsys/yamldoc.h"

typedef struct rs_eval_pair {
    char *a, *b; /* relative change of a against b */
} rs_eval_pair;

/* How the CF subset thresholds (prepare.cf_min_*_ratings of the host
 * config) apply to a thinned training set. */
typedef enum rs_cf_subset {
    RS_CF_SCALED = 0, /* max(1, ceil(threshold x level)): about the same
                         users and items stay in the subset at every level,
                         so thinning removes data, not catalogue */
    RS_CF_HOST = 1,   /* the host's thresholds as they are: what `prepare`
                         would do with this little data */
    RS_CF_ALL = 2     /* 1 and 1: every rated user and item */
} rs_cf_subset;

const char *rs_cf_subset_str(rs_cf_subset s);

/* What the sparsity sweep excludes from each user's ranking. */
typedef enum rs_sweep_exclude {
    RS_EXCLUDE_GIVEN = 0, /* only the thinned ratings the model is told:
                             what a deployed model would know */
    RS_EXCLUDE_FULL = 1,  /* the user's full training set at every level:
                             it tells every model what the user has seen
                             beyond what it was given and flatters sparse
                             levels (the harness's original behaviour) */
    RS_EXCLUDE_BOTH = 2   /* given in the main tables, and full beside it
                             from the same fits (one more recommend pass) */
} rs_sweep_exclude;

const char *rs_sweep_exclude_str(rs_sweep_exclude e);

/* Which of a new user's ratings are the n given in the query. */
typedef enum rs_query_order {
    RS_QUERY_EARLIEST = 0, /* their first n by timestamp (ties in a seeded
                              random order): what a person rates first,
                              scored on what they rated later */
    RS_QUERY_RANDOM = 1    /* a seeded random n (nested across n) */
} rs_query_order;

const char *rs_query_order_str(rs_query_order o);

/* `new_users:`: hold out whole users, train on the rest, and query each
 * held-out user with n of their ratings through rs_query (user_id =
 * RS_USER_NONE), as the server does for an account the models never saw. */
typedef struct rs_eval_new_users {
    int enabled;             /* default 1 */
    double holdout_fraction; /* share of all users held out, in (0, 1) */
    int *n;                  /* ratings given, ascending (1 3 5 10 20) */
    size_t n_n;
    rs_query_order order;
    int min_positives; /* positives left to score, >= 1 */
    uint64_t seed;     /* default: the top-level seed */
} rs_eval_new_users;

/* `taste_probes:`: a synthetic user per genre who rates the genre's most
 * rated films (in the new-user training data) 5 stars. */
typedef struct rs_eval_probes {
    int enabled;   /* default 1 */
    char **genres; /* names as in movies.csv */
    size_t n_genres;
    int n_rated;   /* films rated per probe (10) */
    double rating; /* the rating they get (5.0) */
    int k;         /* list length judged (20) */
} rs_eval_probes;

typedef struct rs_eval_config {
    char *path;        /* the eval file (NULL for built-in defaults) */
    char *host_config; /* absolute or as given */
    char **instances;  /* evaluated, in the order given; without an
                           `instances` key, the host config's (filled by
                           rs_eval_config_apply_host) */
    size_t n_instances;
    char *baseline;        /* one of instances; default: the host's
                           serving.cold_start when evaluated, else the
                           first instance */
    rs_eval_pair *compare; /* extra paired comparisons; default: the host's
                              serving.default_source vs the baseline */
    size_t n_compare;
    rs_split_options split; /* seed copied from `seed` */
    double positive_threshold;
    double *levels; /* fractions of train kept, each in (0, 1] */
    size_t n_levels;
    int *k; /* ascending, distinct */
    size_t n_k;
    int cold_item_max_ratings; /* cold = fewer than this many train ratings */
    int *bucket_lo;            /* activity buckets by lower bound, ascending:
                           [1, 6, 21, 51] = 1-5, 6-20, 21-50, 51+ */
    size_t n_buckets;
    uint64_t seed;
    int bootstrap_resamples;
    int threads; /* recommend worker threads (default 2) */
    char *output_dir;
    int skip_missing; /* missing_instances: skip (1) | error (0) */
    rs_cf_subset cf_subset;
    int sweep_enabled;              /* `sweep.enabled` (1): run the levels */
    rs_sweep_exclude sweep_exclude; /* `sweep.exclude` (given) */
    rs_eval_new_users new_users;
    rs_eval_probes probes;
    /* `params: {instance: {key: value}}`: overrides merged over the host
     * config's params for the sweep only (e.g. fewer epochs), validated
     * against the plugin's schema when the engine is created. MAP of MAPs
     * inside root, or NULL. */
    const rs_yaml_node *params;
    rs_yaml_node *root; /* kept so later checks can cite locations */
    /* `curve: {instances: [a, b], eval_every: N}`: learning curves at the
     * first level, scored every N epochs by training in segments with
     * checkpoints and resume (the plugin needs `epochs` and
     * `checkpoint_every` params). curve_every 0 = off. */
    char **curve_instances;
    size_t n_curve_instances;
    int curve_every;
} rs_eval_config;

/* Defaults for every key (no file). */
rs_status rs_eval_config_default(rs_eval_config **out, rs_error *err);
/* Parse and validate a file. */
rs_status rs_eval_config_load(const char *path, rs_eval_config **out, rs_error *err);
/* Parse YAML text; `name` stands for the file in messages and `base_dir`
 * resolves relative paths (NULL = the current directory). */
rs_status rs_eval_config_parse(const char *text, const char *name, const char *base_dir,
                               rs_eval_config **out, rs_error *err);
void rs_eval_config_free(rs_eval_config *cfg);

/*
 * Check cfg->instances against the host config's instances. A missing one
 * is an error naming its file:line:column, or, with `missing_instances:
 * skip`, is dropped with a warning on stderr (with the comparisons that
 * name it), so one eval file serves while plugins are still being added.
 * The baseline is never skipped. Also fills what defaults to the host
 * config: the instances, the baseline and the comparisons (see above).
 */
rs_status rs_eval_config_apply_host(rs_eval_config *cfg, const rs_config *host, rs_error *err);

/* Index of an instance name in cfg->instances, or -1. */
int rs_eval_config_instance_index(const rs_eval_config *cfg, const char *name);

/* "file:line:column: " of the YAML node for key `key` (top-level) or
 * "" when unknown, for errors found after parsing. */
const char *rs_eval_config_where(const rs_eval_config *cfg, const char *key, char *buf,
                                 size_t size);

#endif /* RECSYS_EVAL_CONFIG_H */
