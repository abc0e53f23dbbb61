/*
 * Periodic full retraining: on a schedule, fit fresh versions of the
 * configured sources on the base dataset plus every app rating, on a
 * low-priority background thread, write each as a versioned artifact
 * directory, pass it through the swap gate and, when accepted, make it the
 * slot's default artifacts so a restart serves it too.
 *
 * Per source and run the plugin sees exactly one fit, one save and one
 * load: the fresh instance is fitted as a candidate of the serving engine
 * (rs_engine_fit_candidate), saved as the version dir (rs_candidate_save)
 * and dropped, since it points into the merged training set that goes at
 * the end of the run; the gate then loads that version dir as its
 * candidate (rs_engine_load_candidate), which both proves the artifact
 * loads exactly as a restart or another replica will load it and is the
 * instance that goes live. Installing it as the default artifacts copies
 * files; no plugin code runs. No second engine is built.
 *
 *   retrain:
 *     every_hours: 24          # 0 = no time trigger
 *     after_new_ratings: 500   # 0 = no count trigger
 *     sources: [lightgcn, semantic]  # default: every non-composite
 *                                    # instance with fit + persist
 *     keep_versions: 5         # newest version dirs kept per source
 *     low_priority: true       # nice 19 + SCHED_IDLE for the trainer
 *
 * Versions live in <work_dir>/versions/<source>/<n>/ (n = 1, 2, ...), not
 * under models/<source>/, because a save or an install replaces that
 * directory wholesale. Composite sources (hybrid) are not retrained: they look their
 * children up at request time and follow the children's swaps.
 *
 * Thread contract: rs_retrainer_* may be called from any thread; runs are
 * serialised (one training at a time). Callbacks run on the trainer
 * thread (or the caller of rs_retrainer_run_now).
 */
#ifndef RECSYS_RETRAIN_H
#define RECSYS_RETRAIN_H

#include "recsys/config_fields.h"
#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/swap_gate.h"

#define RS_RETRAIN_MAX_SOURCES 8

typedef struct rs_retrain_config {
    double every_hours;
    int64_t after_new_ratings;
    char sources[RS_RETRAIN_MAX_SOURCES][RS_SOURCE_NAME_MAX];
    size_t n_sources; /* 0 = the default set */
    int64_t keep_versions;
    int low_priority;
} rs_retrain_config;

void rs_retrain_config_default(rs_retrain_config *c);
/* Defaults overlaid with a `retrain:` section (NULL = defaults, which
 * never trigger on their own). */
rs_status rs_retrain_config_parse(const rs_yaml_node *section, rs_retrain_config *c, rs_error *err);
/* The `retrain:` section's field table (recsys/config_fields.h): key, type,
 * default, range, doc; the parse reads it. Static; for docs and tests. */
const rs_config_field *rs_retrain_config_fields(size_t *n);

/* One rating made in the app (the server's ratings table). */
typedef struct rs_app_rating {
    int64_t user_id; /* external id; may be absent from the base data */
    int32_t item;    /* catalogue index */
    float rating;
    int64_t timestamp;
} rs_app_rating;

/* Where an app-ratings callback puts its rows (the retrainer owns it). */
typedef struct rs_rating_sink rs_rating_sink;
rs_status rs_rating_sink_add(rs_rating_sink *s, const rs_app_rating *r, rs_error *err);

/* Deliver every app rating into the sink (the server: SELECT from
 * PostgreSQL). Runs on the trainer thread. */
typedef rs_status (*rs_app_ratings_fn)(void *ctx, rs_rating_sink *sink, rs_error *err);

/* Base ratings plus app ratings as one dataset over base's catalogue: of
 * two ratings of one (user, movie) the later (by timestamp) is kept; users
 * new to the base get indexes after its users. *out must be freed with
 * rs_ratings_set_free before `base` goes. */
rs_status rs_retrain_merge(const rs_dataset *base, const rs_app_rating *app, size_t n_app,
                           int cf_min_item_ratings, int cf_min_user_ratings, rs_ratings_set **out,
                           rs_error *err);

typedef struct rs_retrainer_options {
    rs_app_ratings_fn app_ratings; /* NULL = base data only */
    void *app_ctx;
    /* Called after a source's new version went live (the server marks the
     * recommendation cache dirty). May be NULL. */
    void (*on_swap)(void *ctx, const char *source, int64_t version);
    void *swap_ctx;
} rs_retrainer_options;

typedef struct rs_retrainer rs_retrainer;

/* cfg, serving, gate and serving's dataset must outlive the retrainer.
 * Fails (naming the key) when a configured source is unknown or cannot
 * fit and persist. */
rs_status rs_retrainer_new(const rs_config *cfg, rs_engine *serving, rs_swap_gate *gate,
                           const rs_retrain_config *rc, const rs_retrainer_options *opt,
                           rs_retrainer **out, rs_error *err);
void rs_retrainer_free(rs_retrainer *r); /* stops the thread first */

/* The scheduler thread; stop wakes it and waits for a run in progress. */
rs_status rs_retrainer_start(rs_retrainer *r, rs_error *err);
void rs_retrainer_stop(rs_retrainer *r);

/* Count ratings made since the last run (the server calls it per rating
 * write); wakes the scheduler when after_new_ratings is reached. */
void rs_retrainer_note_ratings(rs_retrainer *r, int64_t n);
/* Ask the scheduler thread to run as soon as it can. */
void rs_retrainer_trigger(rs_retrainer *r);

/* Train every source now on the calling thread (priority unchanged).
 * RS_OK when every source trained and was gated (accepted or refused:
 * see the gate log); the first failure otherwise. *accepted (may be
 * NULL) counts the sources that went live. */
rs_status rs_retrainer_run_now(rs_retrainer *r, size_t *accepted, rs_error *err);

typedef struct rs_retrain_status {
    int running;         /* a training is in progress */
    int64_t runs;        /* completed runs */
    int64_t new_ratings; /* noted since the last run */
    int64_t last_run_at; /* unix seconds, 0 = never */
    double last_run_seconds;
    int64_t next_due_at;  /* unix seconds of the time trigger, 0 = none */
    int64_t last_ratings; /* training set size of the last run */
    int64_t last_users;
    char last_error[RS_ERROR_MESSAGE_MAX]; /* "" when the last run was OK */
} rs_retrain_status;

void rs_retrainer_get_status(rs_retrainer *r, rs_retrain_status *out);

/* Sources this retrainer trains, and the version dirs present for one of
 * them (ascending; returns how many, fills up to cap). */
size_t rs_retrainer_source_count(const rs_retrainer *r);
const char *rs_retrainer_source(const rs_retrainer *r, size_t i);
size_t rs_retrainer_versions(const rs_retrainer *r, const char *source, int64_t *out, size_t cap);
/* <work_dir>/versions/<source>/<n> into buf. */
const char *rs_retrainer_version_dir(const rs_retrainer *r, const char *source, int64_t n,
                                     char *buf, size_t size);

#endif /* RECSYS_RETRAIN_H */
