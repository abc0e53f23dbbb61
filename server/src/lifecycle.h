/* Server-internal: the live model lifecycle wired into `recsys serve`
 * (docs/lifecycle.md): the swap gate behind POST /api/admin/reload,
 * periodic retraining, the A/B experiments and the admin token, built
 * from the config; with no config (unit tests that start a bare server)
 * there is no gate, no retrainer and no experiment.
 *
 * It sits below the server and beside the recommendation service: it
 * borrows the engine, the store and the service (to tell it that a model
 * was swapped or a rating changed) and never sees the server. Which arm a
 * user gets is serving.c's business; the cache is reco.c's. */
#ifndef RS_SERVER_LIFECYCLE_H
#define RS_SERVER_LIFECYCLE_H

#include "recsys/experiment.h"
#include "recsys/reco.h"
#include "recsys/retrain.h"
#include "recsys/swap_gate.h"

/* What the lifecycle borrows; each must outlive it. */
typedef struct rs_lc_deps {
    const rs_config *config; /* NULL: a bare server */
    rs_engine *engine;
    const rs_movielens *ml;
    rs_db *db;
    rs_reco_service *reco;
} rs_lc_deps;

typedef struct rs_lc {
    rs_lc_deps deps;
    rs_experiments *experiments; /* never NULL once built */
    const rs_experiment *active; /* the one applied, or NULL */
    rs_swap_gate *gate;          /* NULL: no config */
    rs_retrainer *retrainer;     /* NULL: no retrain section */
    char admin_token[256];       /* "" = admin API disabled */
} rs_lc;

rs_status rs_lc_new(const rs_lc_deps *deps, rs_lc **out, rs_error *err);
/* Stops the retrainer; call after the HTTP workers and before freeing
 * the recommendation service. NULL is a no-op. */
void rs_lc_free(rs_lc *lc);

/* The `admin:` section's field table (recsys/config_fields.h). Static. */
const rs_config_field *rs_lc_admin_config_fields(size_t *n);

/* A rating of movie_id by user_id was written or removed (or the film was
 * hidden or unhidden): cached lists and the retrainer hear of it. */
void rs_lc_rating_changed(rs_lc *lc, int64_t user_id, int64_t movie_id);
/* The account is gone: drop its cached lists. */
void rs_lc_user_deleted(rs_lc *lc, int64_t user_id);

#endif
