/* The lifecycle inside `recsys serve` (see lifecycle.h). */
#include "lifecycle.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/interleave.h"
#include "recsys/log.h"
#include "server_internal.h"

/* ---- callbacks the lifecycle modules call back into ---------------------- */

/* The refresher's and the on-demand path's compute: the recommendation
 * service reads the user's latest ratings from PostgreSQL and asks the
 * engine, exactly as an uncached request would. */
static rs_status lc_compute(void *ctx, int64_t user_id, const char *source, rs_reco_list *out,
                            rs_error *err)
{
    rs_lc *lc = ctx;
    rs_reco_result *res = malloc(sizeof *res);
    if (!res)
        return rs_error_set(err, RS_ERR_NOMEM, "lifecycle: out of memory");
    size_t k = out->cap < RS_RECO_K_MAX ? out->cap : RS_RECO_K_MAX;
    rs_status st = rs_reco_recommend(lc->srv->reco, user_id, source, k, res, err);
    if (st == RS_OK) {
        out->n = res->n;
        for (size_t i = 0; i < res->n; i++) {
            out->items[i] = (rs_scored){res->items[i].item, res->items[i].score};
            if (out->explain) {
                out->explain[i] = res->items[i].explanation;
                if (!res->items[i].has_explanation) {
                    memset(&out->explain[i], 0, sizeof out->explain[i]);
                    out->explain[i].because_item = -1;
                }
            }
        }
        out->model_version = res->model_version;
        if (strcmp(res->source, source) != 0) /* a cold user got popularity */
            snprintf(out->answered_by, sizeof out->answered_by, "%s", res->source);
    }
    free(res);
    return st;
}

/* App ratings for retraining. App user ids are negated so they can never
 * merge with a MovieLens user of the same number. */
static rs_status lc_app_ratings(void *ctx, rs_rating_sink *sink, rs_error *err)
{
    rs_lc *lc = ctx;
    PGconn *c = rs_db_acquire(lc->srv->db, err);
    if (!c)
        return RS_ERR_DATABASE;
    PGresult *r;
    rs_status st = rs_db_exec(c,
        "SELECT user_id, movie_id, rating, extract(epoch FROM updated_at)::bigint"
        " FROM ratings", 0, NULL, &r, err);
    rs_db_release(lc->srv->db, c);
    if (st != RS_OK)
        return st;
    for (int i = 0; i < PQntuples(r) && st == RS_OK; i++) {
        int32_t item = rs_movielens_item_index(lc->srv->ml,
                                               strtoll(PQgetvalue(r, i, 1), NULL, 10));
        if (item < 0)
            continue; /* a movie the catalogue no longer has */
        rs_app_rating ar = {-strtoll(PQgetvalue(r, i, 0), NULL, 10), item,
                            strtof(PQgetvalue(r, i, 2), NULL),
                            strtoll(PQgetvalue(r, i, 3), NULL, 10)};
        st = rs_rating_sink_add(sink, &ar, err);
    }
    PQclear(r);
    return st;
}

static void lc_on_swap(void *ctx, const char *source, int64_t version)
{
    rs_lc *lc = ctx;
    rs_log(RS_LOG_INFO, "lifecycle", "%s: version %lld live; refreshing cached lists", source,
           (long long)version);
    if (lc->cache)
        rs_reco_cache_mark_all_dirty(lc->cache);
}

/* ---- construction ------------------------------------------------------------ */

static rs_status admin_token(rs_lc *lc, const rs_config *cfg, rs_error *err)
{
    static const char *const keys[] = {"token", NULL};
    const char *env = getenv("RECSYS_ADMIN_TOKEN");
    const rs_yaml_node *sec = cfg ? rs_config_section(cfg, "admin") : NULL;
    const char *tok = "";
    rs_status st;
    if (sec && ((st = rs_yaml_check_keys(sec, "admin", keys, err)) != RS_OK ||
                (st = rs_yaml_get_string(sec, "token", &tok, err)) != RS_OK))
        return st;
    if (env && *env)
        tok = env;
    if (strlen(tok) >= sizeof lc->admin_token)
        return rs_error_set(err, RS_ERR_CONFIG, "admin.token: longer than %zu bytes",
                            sizeof lc->admin_token - 1);
    snprintf(lc->admin_token, sizeof lc->admin_token, "%s", tok);
    return RS_OK;
}

static rs_status build(rs_lc *lc, const rs_config *cfg, rs_error *err)
{
    rs_server *s = lc->srv;
    rs_status st;
    if ((st = admin_token(lc, cfg, err)) != RS_OK)
        return st;
    if (!cfg) /* a bare server: experiments empty, no cache, no gate */
        return rs_experiments_parse(NULL, &lc->experiments, err);
    if ((st = rs_experiments_from_config(cfg, &lc->experiments, err)) != RS_OK ||
        (st = rs_experiments_check_sources(lc->experiments, s->engine, err)) != RS_OK)
        return st;
    lc->active = rs_experiments_active(lc->experiments);

    rs_gate_config gc;
    if ((st = rs_gate_config_parse(rs_config_section(cfg, "swap_gate"), &gc, err)) != RS_OK ||
        (st = rs_swap_gate_new(cfg, s->engine, &gc, &lc->gate, err)) != RS_OK)
        return st;

    if ((st = rs_reco_cache_config_parse(rs_config_section(cfg, "refresh"), &lc->cache_cfg,
                                         err)) != RS_OK)
        return st;
    if (lc->cache_cfg.list_size > RS_RECO_K_MAX)
        lc->cache_cfg.list_size = RS_RECO_K_MAX;
    if (lc->cache_cfg.enabled &&
        ((st = rs_reco_cache_new(&lc->cache_cfg, lc_compute, lc, &lc->cache, err)) != RS_OK ||
         (st = rs_reco_cache_start(lc->cache, err)) != RS_OK))
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

rs_status rs_lc_new(rs_server *s, rs_lc **out, rs_error *err)
{
    rs_lc *lc = calloc(1, sizeof *lc);
    if (!lc)
        return rs_error_set(err, RS_ERR_NOMEM, "lifecycle: out of memory");
    lc->srv = s;
    rs_status st = build(lc, s->opt.config, err);
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
    /* The retrainer calls back into the cache (on_swap): stop it first. */
    rs_retrainer_free(lc->retrainer);
    rs_reco_cache_free(lc->cache);
    rs_swap_gate_free(lc->gate);
    rs_experiments_free(lc->experiments);
    free(lc);
}

/* ---- the recommendation path --------------------------------------------------- */

/* One source's top k through the cache when it can hold k items. */
static rs_status fetch(rs_lc *lc, int64_t user_id, const char *source, size_t k,
                       rs_reco_result *res, int64_t *generated_at_ms, rs_error *err)
{
    if (!lc->cache || k > lc->cache_cfg.list_size)
        return rs_reco_recommend(lc->srv->reco, user_id, source, k, res, err);
    rs_scored items[RS_RECO_K_MAX];
    rs_explanation *ex = lc->cache_cfg.explanations ? malloc(k * sizeof *ex) : NULL;
    rs_reco_list l = {items, ex, k, 0, 0, ""};
    rs_reco_meta meta;
    rs_status st = rs_reco_cache_get(lc->cache, user_id, source, &l, &meta, err);
    if (st == RS_OK) {
        if (*generated_at_ms == 0 || meta.generated_at_ms < *generated_at_ms)
            *generated_at_ms = meta.generated_at_ms;
        snprintf(res->source, sizeof res->source, "%s", l.answered_by[0] ? l.answered_by : source);
        res->model_version = l.model_version;
        res->n = l.n;
        for (size_t i = 0; i < l.n; i++) {
            res->items[i].item = items[i].item;
            res->items[i].score = items[i].score;
            res->items[i].has_explanation =
                ex && meta.has_explanations && (ex[i].because_item >= 0 || ex[i].n_parts > 0);
            if (res->items[i].has_explanation)
                res->items[i].explanation = ex[i];
        }
    }
    free(ex);
    return st;
}

static void credit_all(rs_lc_choice *ch, const rs_reco_result *res)
{
    for (size_t i = 0; i < res->n; i++)
        snprintf(ch->credit[i], sizeof ch->credit[i], "%s", res->source);
}

/* Team-draft merge of the two arms' lists; each item keeps its own
 * list's score and explanation and is credited to its team's source. */
static rs_status interleave(rs_lc *lc, const rs_experiment *x, int64_t user_id, size_t k,
                            rs_reco_result *res, rs_lc_choice *ch, rs_error *err)
{
    rs_reco_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    rs_status st = a && b ? RS_OK : rs_error_set(err, RS_ERR_NOMEM, "lifecycle: out of memory");
    if (st == RS_OK)
        st = fetch(lc, user_id, x->arms[0].source, k, a, &ch->generated_at_ms, err);
    if (st == RS_OK)
        st = fetch(lc, user_id, x->arms[1].source, k, b, &ch->generated_at_ms, err);
    if (st == RS_OK) {
        int32_t ia[RS_RECO_K_MAX], ib[RS_RECO_K_MAX], merged[RS_RECO_K_MAX];
        uint8_t team[RS_RECO_K_MAX];
        size_t n = 0;
        for (size_t i = 0; i < a->n; i++)
            ia[i] = a->items[i].item;
        for (size_t i = 0; i < b->n; i++)
            ib[i] = b->items[i].item;
        uint64_t seq = atomic_fetch_add(&lc->seq, 1);
        rs_interleave_team_draft(ia, a->n, ib, b->n, k, rs_interleave_seed(x->salt, user_id, seq),
                                 merged, team, &n);
        snprintf(res->source, sizeof res->source, "interleave");
        res->model_version = a->model_version;
        res->n = n;
        for (size_t i = 0; i < n; i++) {
            const rs_reco_result *from = team[i] == RS_TEAM_A ? a : b;
            for (size_t j = 0; j < from->n; j++)
                if (from->items[j].item == merged[i]) {
                    res->items[i] = from->items[j];
                    break;
                }
            snprintf(ch->credit[i], sizeof ch->credit[i], "%s", from->source);
        }
    }
    free(a);
    free(b);
    return st;
}

rs_status rs_lc_recommend(rs_server *s, int64_t user_id, const char *override,
                          const char *default_source, size_t k, rs_reco_result *res,
                          rs_lc_choice *ch, rs_error *err)
{
    rs_lc *lc = s->lc;
    rs_status st;
    memset(ch, 0, offsetof(rs_lc_choice, credit));
    if (override) {
        /* No arm applies (the response says null); the log says why. */
        snprintf(ch->log_arm, sizeof ch->log_arm, "override");
        st = fetch(lc, user_id, override, k, res, &ch->generated_at_ms, err);
    } else if (lc->active && lc->active->mode == RS_EXPERIMENT_INTERLEAVE) {
        snprintf(ch->experiment, sizeof ch->experiment, "%s", lc->active->name);
        snprintf(ch->arm, sizeof ch->arm, "interleave");
        snprintf(ch->log_arm, sizeof ch->log_arm, "%s/interleave", lc->active->name);
        ch->interleaved = 1;
        return interleave(lc, lc->active, user_id, k, res, ch, err);
    } else if (lc->active) {
        const rs_experiment_arm *a = &lc->active->arms[rs_experiment_assign(lc->active, user_id)];
        snprintf(ch->experiment, sizeof ch->experiment, "%s", lc->active->name);
        snprintf(ch->arm, sizeof ch->arm, "%s", a->name);
        snprintf(ch->log_arm, sizeof ch->log_arm, "%s/%s", lc->active->name, a->name);
        st = fetch(lc, user_id, a->source, k, res, &ch->generated_at_ms, err);
    } else {
        st = fetch(lc, user_id, default_source, k, res, &ch->generated_at_ms, err);
    }
    if (st == RS_OK)
        credit_all(ch, res);
    return st;
}

/* ---- exposures and rating changes ------------------------------------------------- */

/* Append s to a PostgreSQL array literal as a quoted element. */
static size_t array_elem(char *buf, size_t used, size_t size, const char *s, int quote)
{
    if (used + 1 < size && used > 1)
        buf[used++] = ',';
    if (quote && used + 1 < size)
        buf[used++] = '"';
    for (; *s && used + 2 < size; s++) {
        if (quote && (*s == '"' || *s == '\\'))
            buf[used++] = '\\';
        buf[used++] = *s;
    }
    if (quote && used + 1 < size)
        buf[used++] = '"';
    buf[used] = '\0';
    return used;
}

void rs_lc_log_exposure(rs_server *s, int64_t user_id, const rs_reco_result *res,
                        const rs_lc_choice *ch)
{
    char uid[24], movies[RS_RECO_K_MAX * 24 + 4] = "{", sources[RS_RECO_K_MAX * 72 + 4] = "{";
    size_t um = 1, us = 1;
    if (res->n == 0)
        return;
    /* Every GET writes up to k rows: cap the rows per user and minute
     * (server.exposures_per_user_per_min). A list over the cap is served
     * but not logged, whole, so no response is half in the statistics. */
    char key[32];
    snprintf(key, sizeof key, "user:%lld", (long long)user_id);
    if (!rs_ratelimit_take(s->rl_exposure, key, time(NULL), (int)res->n))
        return;
    if (s->exposures) { /* the batch writer's: same rows, off the request path */
        int64_t ids[RS_RECO_K_MAX];
        for (size_t i = 0; i < res->n; i++)
            ids[i] = s->data->items[res->items[i].item].movie_id;
        rs_exposure_queue_push(s->exposures, user_id, ids, ch->credit, res->n, ch->log_arm);
        return;
    }
    for (size_t i = 0; i < res->n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)s->data->items[res->items[i].item].movie_id);
        um = array_elem(movies, um, sizeof movies - 1, id, 0);
        us = array_elem(sources, us, sizeof sources - 1, ch->credit[i], 1);
    }
    movies[um++] = '}';
    movies[um] = '\0';
    sources[us++] = '}';
    sources[us] = '\0';
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    const char *p[4] = {uid, movies, sources, ch->log_arm};
    rs_error err = {0};
    PGconn *c = rs_db_acquire(s->db, &err);
    if (!c) {
        rs_log(RS_LOG_WARN, "lifecycle", "exposure not logged: %s", err.message);
        return;
    }
    /* One statement: every row of a response shares now(), which is how
     * the statistics group rows into responses. */
    PGresult *r;
    if (rs_db_exec(c,
                   "INSERT INTO exposures (user_id, movie_id, source, arm, position)"
                   " SELECT $1::bigint, m, src, NULLIF($4, ''), (p - 1)::int"
                   " FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS t(m, src, p)",
                   4, p, &r, &err) == RS_OK)
        PQclear(r);
    else
        rs_log(RS_LOG_WARN, "lifecycle", "exposure not logged: %s", err.message);
    rs_db_release(s->db, c);
}

void rs_lc_rating_changed(rs_server *s, int64_t user_id, int64_t movie_id)
{
    rs_lc *lc = s->lc;
    rs_body_cache_forget_user(s->bodies, user_id); /* their lists' JSON */
    if (!lc)
        return;
    if (lc->cache) {
        int32_t item = rs_movielens_item_index(s->ml, movie_id);
        /* Now: drop the rated movie, and a cold-start list altogether (the
         * user is not cold any more). Within one interval: the rest. */
        if (item >= 0)
            rs_reco_cache_exclude(lc->cache, user_id, item);
        rs_reco_cache_drop_fallbacks(lc->cache, user_id);
        rs_reco_cache_mark_dirty(lc->cache, user_id);
    }
    if (lc->retrainer)
        rs_retrainer_note_ratings(lc->retrainer, 1);
}

void rs_lc_user_deleted(rs_server *s, int64_t user_id)
{
    if (s->lc && s->lc->cache)
        rs_reco_cache_forget(s->lc->cache, user_id);
}
