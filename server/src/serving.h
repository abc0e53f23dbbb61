/* Server-internal: which list a user is shown. Applies the active A/B
 * experiment (docs/lifecycle.md): a split experiment picks the user's arm,
 * an interleave experiment merges both arms' lists (team draft), and an
 * explicit source= overrides either for one request. Lists come from the
 * recommendation service (cached or computed); this module only chooses
 * among them and merges them, and logs what was shown (exposures).
 *
 * Thread contract: rs_serving_recommend and rs_serving_log_exposure may be
 * called from many request threads at once; new/free once each. */
#ifndef RS_SERVER_SERVING_H
#define RS_SERVER_SERVING_H

#include <stdint.h>

#include "recsys/dataset.h"
#include "recsys/db.h"
#include "recsys/experiment.h"
#include "recsys/reco.h"

#include "exposure_queue.h"
#include "ratelimit.h"

typedef struct rs_serving rs_serving;

/* How a response was chosen, for the JSON and the exposure log. */
typedef struct rs_serving_choice {
    char arm[64];        /* response "arm": arm name, "interleave", "" none */
    char experiment[64]; /* "" when none applied */
    char log_arm[160];   /* exposures.arm: "<experiment>/<arm>",
                              * "<experiment>/interleave", "override" (source=
                              * given), or "" (NULL: no experiment) */
    int interleaved;
    int64_t generated_at_ms;                        /* of the (oldest) list used; 0 = now */
    char credit[RS_RECO_K_MAX][RS_SOURCE_NAME_MAX]; /* source per shown item */
} rs_serving_choice;

/* reco, data and db must outlive the serving module; `active` is the
 * experiment to apply (NULL: none; borrowed, must outlive it too);
 * exposure_limit (borrowed, may be NULL) caps exposure rows per user per
 * minute. */
rs_status rs_serving_new(rs_reco_service *reco, const rs_experiment *active, const rs_dataset *data,
                         rs_db *db, rs_ratelimit *exposure_limit, rs_serving **out, rs_error *err);
void rs_serving_free(rs_serving *sv);

/* Top-k (k = out->cap, 1..RS_RECO_K_MAX) for user: `override` (NULL =
 * none) names a source for this request only; otherwise the active
 * experiment's arm (or both arms, interleaved), else `default_source`.
 * out->explain set: each item keeps its own list's explanation. */
rs_status rs_serving_recommend(rs_serving *sv, int64_t user_id, const char *override,
                               const char *default_source, rs_reco_list *out,
                               rs_serving_choice *choice, rs_error *err);

/* Remove the items flagged in drop[] (by catalogue item) and keep at most
 * k, compacting the credits alongside. Returns how many were removed. */
size_t rs_serving_drop(rs_reco_list *l, rs_serving_choice *choice, const uint8_t *drop, size_t k);

/* Hand exposure rows to the batch writer (exposure_queue.h; borrowed,
 * must outlive the serving module) instead of writing them on the
 * request thread. Call once, before any request. */
void rs_serving_set_exposure_queue(rs_serving *sv, rs_exposure_queue *q);

/* One exposures row per shown movie; best effort (a failure is logged,
 * the response is still sent). Queued when a queue is set. */
void rs_serving_log_exposure(rs_serving *sv, int64_t user_id, const rs_reco_list *l,
                             const rs_serving_choice *choice);

#endif
