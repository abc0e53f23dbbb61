/* Server-internal: the live model lifecycle wired into `recsys serve`
 * (docs/lifecycle.md): the recommendation cache and its refresher, the
 * swap gate behind POST /api/admin/reload, periodic retraining, A/B arms
 * and exposure logging. Built from rs_server_options.config; with no
 * config (unit tests that start a bare server) every hook is a pass-
 * through to the recommendation service. */
#ifndef RS_SERVER_LIFECYCLE_H
#define RS_SERVER_LIFECYCLE_H

#include <stdatomic.h>

#include "recsys/experiment.h"
#include "recsys/reco.h"
#include "recsys/reco_cache.h"
#include "recsys/retrain.h"
#include "recsys/swap_gate.h"

typedef struct rs_server rs_server;

typedef struct rs_lc {
    rs_server *srv;
    rs_experiments *experiments; /* never NULL once built */
    const rs_experiment *active; /* the one applied, or NULL */
    rs_swap_gate *gate;
    rs_reco_cache *cache;        /* NULL: refresh.enabled false */
    rs_reco_cache_config cache_cfg;
    rs_retrainer *retrainer;     /* NULL: no retrain section */
    char admin_token[256];       /* "" = admin API disabled */
    atomic_uint_fast64_t seq;    /* interleaving request counter */
} rs_lc;

/* How a response was chosen, for the JSON and the exposure log. */
typedef struct rs_lc_choice {
    char arm[64];            /* response "arm": arm name, "interleave", "" none */
    char experiment[64];     /* "" when none applied */
    char log_arm[160];       /* exposures.arm: "<experiment>/<arm>",
                              * "<experiment>/interleave", "override" (source=
                              * given), or "" (NULL: no experiment) */
    int interleaved;
    int64_t generated_at_ms; /* of the (oldest) list used; 0 = now */
    char credit[RS_RECO_K_MAX][RS_SOURCE_NAME_MAX]; /* source per shown item */
} rs_lc_choice;

rs_status rs_lc_new(rs_server *s, rs_lc **out, rs_error *err);
/* Stops the refresher and the retrainer; call after the HTTP workers. */
void rs_lc_free(rs_lc *lc);

/* Top-k for user: `override` (NULL = none) names a source for this request
 * only; otherwise the active experiment's arm, else `default_source`. */
rs_status rs_lc_recommend(rs_server *s, int64_t user_id, const char *override,
                          const char *default_source, size_t k, rs_reco_result *res,
                          rs_lc_choice *choice, rs_error *err);

/* One exposures row per shown movie; best effort (a failure is logged,
 * the response is still sent). */
void rs_lc_log_exposure(rs_server *s, int64_t user_id, const rs_reco_result *res,
                        const rs_lc_choice *choice);

/* A rating of movie_id by user_id was written or removed. */
void rs_lc_rating_changed(rs_server *s, int64_t user_id, int64_t movie_id);
/* The account is gone: drop its cached lists. */
void rs_lc_user_deleted(rs_server *s, int64_t user_id);

#endif
