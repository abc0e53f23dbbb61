/* The lifecycle inside `recsys serve` (see lifecycle.h). */
#include "lifecycle.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/config_fields.h"
#include "recsys/log.h"
#include "store.h"

/* ---- callbacks the lifecycle modules call back into ---------------------- */

/* Maps the store's rows onto the catalogue for the retrainer. */
typedef struct app_ratings {
    const rs_movielens *ml;
    rs_rating_sink *sink;
} app_ratings;

static rs_status add_app_rating(void *ctx, const rs_store_rating *r, rs_error *err)
{
    app_ratings *a = ctx;
    int32_t item = rs_movielens_item_index(a->ml, r->movie_id);
    if (item < 0)
        return RS_OK; /* a movie the catalogue no longer has */
    rs_app_rating ar = {-r->user_id, item, r->rating, r->timestamp};
    return rs_rating_sink_add(a->sink, &ar, err);
}

/* App ratings for retraining. App user ids are negated so they can never
 * merge with a MovieLens user of the same number. */
static rs_status lc_app_ratings(void *ctx, rs_rating_sink *sink, rs_error *err)
{
    rs_lc *lc = ctx;
    app_ratings a = {lc->deps.ml, sink};
    return rs_store_all_ratings(lc->deps.db, add_app_rating, &a, err);
}

static void lc_on_swap(void *ctx, const char *source, int64_t version)
{
    rs_lc *lc = ctx;
    rs_log(RS_LOG_INFO, "lifecycle", "%s: version %lld live; refreshing cached lists", source,
           (long long)version);
    rs_reco_models_changed(lc->deps.reco);
}

/* ---- construction ------------------------------------------------------------ */

/* The `admin:` section as read. */
typedef struct admin_scalars {
    const char *token;
} admin_scalars;

static const rs_config_field admin_fields[] = {
    {"token", RS_FIELD_STRING, offsetof(admin_scalars, token), 0,
     sizeof((rs_lc *)0)->admin_token - 1, 0, 0, NULL,
     "bearer token of /api/admin/*; empty: the admin API is off (RECSYS_ADMIN_TOKEN overrides)",
     ""},
};

const rs_config_field *rs_lc_admin_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(admin_fields);
    return admin_fields;
}

static rs_status admin_token(rs_lc *lc, const rs_config *cfg, rs_error *err)
{
    const char *env = getenv("RECSYS_ADMIN_TOKEN");
    admin_scalars a;
    rs_config_fields_defaults(admin_fields, RS_FIELD_COUNT(admin_fields), &a);
    rs_status st = rs_config_fields_read(cfg ? rs_config_section(cfg, "admin") : NULL, "admin",
                                         admin_fields, RS_FIELD_COUNT(admin_fields), NULL, &a, err);
    if (st != RS_OK)
        return st;
    const char *tok = env && *env ? env : a.token;
    if (strlen(tok) >= sizeof lc->admin_token)
        return rs_error_set(err, RS_ERR_CONFIG, "RECSYS_ADMIN_TOKEN: longer than %zu bytes",
                            sizeof lc->admin_token - 1);
    snprintf(lc->admin_token, sizeof lc->admin_token, "%s", tok);
    return RS_OK;
}

static rs_status build(rs_lc *lc, const rs_config *cfg, rs_error *err)
{
    const rs_lc_deps *s = &lc->deps; /* what it borrows, no server */
    rs_status st;
    if ((st = admin_token(lc, cfg, err)) != RS_OK)
        return st;
    if (!cfg) /* a bare server: experiments empty, no gate, no retrainer */
        return rs_experiments_parse(NULL, &lc->experiments, err);
    if ((st = rs_experiments_from_config(cfg, &lc->experiments, err)) != RS_OK ||
        (st = rs_experiments_check_sources(lc->experiments, s->engine, err)) != RS_OK)
        return st;
    lc->active = rs_experiments_active(lc->experiments);

    rs_gate_config gc;
    if ((st = rs_gate_config_parse(rs_config_section(cfg, "swap_gate"), &gc, err)) != RS_OK ||
        (st = rs_swap_gate_new(cfg, s->engine, &gc, &lc->gate, err)) != RS_OK)
        return st;

    const rs_yaml_node *rsec = rs_config_section(cfg, "retrain");
    if (rsec) {
        rs_retrain_config rc;
        rs_retrainer_options opt = {lc_app_ratings, lc, lc_on_swap, lc};
        if ((st = rs_retrain_config_parse(rsec, &rc, err)) != RS_OK ||
            (st = rs_retrainer_new(cfg, s->engine, lc->gate, &rc, &opt, &lc->retrainer, err)) !=
                RS_OK ||
            (st = rs_retrainer_start(lc->retrainer, err)) != RS_OK)
            return st;
    }
    return RS_OK;
}

rs_status rs_lc_new(const rs_lc_deps *deps, rs_lc **out, rs_error *err)
{
    rs_lc *lc = calloc(1, sizeof *lc);
    if (!lc)
        return rs_error_set(err, RS_ERR_NOMEM, "lifecycle: out of memory");
    lc->deps = *deps;
    rs_status st = build(lc, deps->config, err);
    if (st != RS_OK) {
        rs_lc_free(lc);
        return st;
    }
    *out = lc;
    return RS_OK;
}

void rs_lc_free(rs_lc *lc)
{
    if (!lc)
        return;
    /* The retrainer calls back into the service (on_swap): stop it first. */
    rs_retrainer_free(lc->retrainer);
    rs_swap_gate_free(lc->gate);
    rs_experiments_free(lc->experiments);
    free(lc);
}

/* ---- rating changes ------------------------------------------------------------- */

void rs_lc_rating_changed(rs_lc *lc, int64_t user_id, int64_t movie_id)
{
    if (!lc)
        return;
    rs_reco_rating_changed(lc->deps.reco, user_id, rs_movielens_item_index(lc->deps.ml, movie_id));
    if (lc->retrainer)
        rs_retrainer_note_ratings(lc->retrainer, 1);
}

void rs_lc_user_deleted(rs_lc *lc, int64_t user_id)
{
    if (lc)
        rs_reco_user_deleted(lc->deps.reco, user_id);
}
