/*
 * The swap gate: every model that would replace a serving one (an admin
 * reload, a retrained version) is first loaded from its artifact dir as a
 * candidate of the serving engine (rs_engine_load_candidate: MANIFEST
 * checked, loaded, serving nobody), smoke-tested and scored on a holdout of
 * the NEWEST ratings in memory; only if it is not worse than the serving
 * version by more than the tolerance is that same candidate published
 * (rs_engine_publish, the atomic reference-counted swap). One load per
 * decision, no second engine. Requests never wait for any of this. `force`
 * skips the checks, never the load.
 *
 *   swap_gate:
 *     tolerance: 0.05        # allowed Recall@k drop
 *     relative: true         # tolerance as a fraction of the serving figure
 *     holdout_users: 200     # the users whose latest rating is newest
 *     k: 20
 *     min_ratings: 10        # users with fewer are never held out
 *     holdout_fraction: 0.2  # each held-out user's latest share of ratings
 *     positive: 4.0          # a held-out rating >= this is a target
 *     smoke_users: 5
 *
 * Holdout (a time split): for each chosen user, ratings sorted by time; the
 * latest holdout_fraction (at least one) are held out, and those rated
 * >= positive are the targets; the earlier ones are the query, sent with
 * user_id = RS_USER_NONE so that both models fold the user in from the same
 * ratings. Recall@k of a user = targets in the top k / min(|targets|, k),
 * averaged over users (1.0 = perfect even for users with many targets).
 *
 * Thread contract: one rs_swap_gate per serving engine. rs_swap_gate_reload
 * calls are serialised internally; rs_swap_gate_events may run on any
 * thread at any time.
 */
#ifndef RECSYS_SWAP_GATE_H
#define RECSYS_SWAP_GATE_H

#include "recsys/config_fields.h"
#include "recsys/config.h"
#include "recsys/engine.h"

typedef struct rs_gate_config {
    double tolerance;
    int relative;
    int64_t holdout_users;
    int64_t k;
    int64_t min_ratings;
    double holdout_fraction;
    double positive;
    int64_t smoke_users;
} rs_gate_config;

void rs_gate_config_default(rs_gate_config *c);
/* Defaults overlaid with a `swap_gate:` section (NULL = defaults).
 * Errors: "file:line:column: 'swap_gate.<key>' = v is out of range ...". */
rs_status rs_gate_config_parse(const rs_yaml_node *section, rs_gate_config *c, rs_error *err);
/* The `swap_gate:` section's field table (recsys/config_fields.h): key, type,
 * default, range, doc; the parse reads it. Static; for docs and tests. */
const rs_config_field *rs_gate_config_fields(size_t *n);

/* ---- holdout and checks (usable on their own) ---------------------------- */

typedef struct rs_holdout rs_holdout;

/* Choose the held-out users of `d` (copied: d may go afterwards).
 * RS_ERR_STATE when no user qualifies (say which thresholds). */
rs_status rs_holdout_new(const rs_dataset *d, const rs_gate_config *c, rs_holdout **out,
                         rs_error *err);
void rs_holdout_free(rs_holdout *h);
size_t rs_holdout_user_count(const rs_holdout *h);

/* Mean Recall@k of slot `name` of `e` over the holdout. */
rs_status rs_holdout_recall(const rs_holdout *h, rs_engine *e, const char *name, double *recall,
                            rs_error *err);
/* The same through a candidate that is not serving yet. */
rs_status rs_holdout_recall_candidate(const rs_holdout *h, rs_candidate *c, double *recall,
                                      rs_error *err);

/* For the first smoke_users held-out users: recommend returns k items
 * (or every item left when the catalogue is smaller), each a valid
 * catalogue index, distinct, not among the query's ratings, with a finite
 * score. The message names the user and the defect. */
rs_status rs_smoke_test(const rs_holdout *h, rs_engine *e, const char *name, rs_error *err);
rs_status rs_smoke_test_candidate(const rs_holdout *h, rs_candidate *c, rs_error *err);

/* ---- the gate -------------------------------------------------------------- */

/* What a retrain adds to its gate event (NULL for a plain reload). */
typedef struct rs_gate_train_info {
    double seconds;
    int64_t ratings;
    int64_t users;
} rs_gate_train_info;

#define RS_GATE_DIR_MAX 1024

/* One decision, for logs and GET /api/admin/models. */
typedef struct rs_gate_event {
    int64_t seq;                     /* 1, 2, ... per gate */
    char source[RS_SOURCE_NAME_MAX]; /* slot */
    char dir[RS_GATE_DIR_MAX];       /* the candidate's artifacts */
    int64_t time;                    /* unix seconds of the decision */
    int accepted;                    /* 1 = now serving */
    int forced;
    double candidate_recall; /* NAN when not evaluated */
    double serving_recall;   /* NAN when not evaluated / none */
    int64_t serving_version; /* before the decision (0 = none) */
    int64_t version;         /* after (== before when refused) */
    double eval_seconds;
    int has_train; /* train_* below are set */
    rs_gate_train_info train;
    char message[RS_ERROR_MESSAGE_MAX];
} rs_gate_event;

typedef struct rs_swap_gate rs_swap_gate;

/* cfg and serving must outlive the gate. */
rs_status rs_swap_gate_new(const rs_config *cfg, rs_engine *serving, const rs_gate_config *gc,
                           rs_swap_gate **out, rs_error *err);
void rs_swap_gate_free(rs_swap_gate *g);
const rs_gate_config *rs_swap_gate_config(const rs_swap_gate *g);

/* Hold out from `d` instead of the serving engine's dataset (the default,
 * built on first use): the retrainer passes base + app ratings, whose
 * newest ratings are the app's. `d` is copied from and may go afterwards;
 * it must share the serving catalogue. */
rs_status rs_swap_gate_set_holdout_data(rs_swap_gate *g, const rs_dataset *d, rs_error *err);

/* Gate and, if it passes, publish slot `name` from `dir` (NULL = the
 * slot's artifact dir): one rs_engine_load_candidate, the checks on that
 * candidate in memory, one rs_engine_publish. A composite candidate (the
 * hybrid) reaches the serving versions of its children, as it will once
 * live. RS_OK when the candidate now serves. A refusal
 * returns RS_ERR_STATE with "instance 'x': swap refused: candidate
 * Recall@20 0.0123 vs serving 0.0456 (...)"; a candidate that fails to
 * load or the smoke test returns that error. Either way the serving
 * version is untouched, and the decision is logged (ev, when non-NULL,
 * receives a copy). */
rs_status rs_swap_gate_reload(rs_swap_gate *g, const char *name, const char *dir, int force,
                              const rs_gate_train_info *train, rs_gate_event *ev, rs_error *err);

/* Copy up to cap of the latest decisions (newest first) for slot `name`
 * (NULL = every slot) into out; returns how many. The gate keeps the last
 * RS_GATE_HISTORY. */
#define RS_GATE_HISTORY 64
size_t rs_swap_gate_events(rs_swap_gate *g, const char *name, rs_gate_event *out, size_t cap);

#endif /* RECSYS_SWAP_GATE_H */
