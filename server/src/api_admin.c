/* The admin API: POST /api/admin/reload (through the swap gate),
 * GET /api/admin/models, GET /api/admin/experiments. Disabled (404) unless
 * admin.token or RECSYS_ADMIN_TOKEN is set; then every call needs
 * "Authorization: Bearer <token>". */
#include "server_internal.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "recsys/abstats.h"
#include "recsys/interleave.h"
#include "store.h"

/* Compare fixed-size digests of both tokens with sodium_memcmp: the time
 * taken depends on neither the secret's content nor its length. */
static int token_matches(const char *given, size_t len, const char *want)
{
    unsigned char a[32], b[32];
    crypto_generichash(a, sizeof a, (const unsigned char *)given, len, NULL, 0);
    crypto_generichash(b, sizeof b, (const unsigned char *)want, strlen(want), NULL, 0);
    return sodium_memcmp(a, b, sizeof a) == 0;
}

static int admin_ok(rs_req *r)
{
    const rs_lc *lc = r->srv->lc;
    if (!lc || !lc->admin_token[0]) {
        rs_reply_error(r, 404, "not_found",
                       "the admin API is disabled (set admin.token or RECSYS_ADMIN_TOKEN)");
        return 0;
    }
    const char *h = mg_get_header(r->conn, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        rs_reply_error(r, 401, "unauthorized",
                       "admin endpoints need Authorization: Bearer <token>");
        return 0;
    }
    const char *given = h + 7;
    if (!token_matches(given, strlen(given), lc->admin_token)) {
        rs_reply_error(r, 403, "forbidden", "wrong admin token");
        return 0;
    }
    return 1;
}

static json_t *num(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

static json_t *iso_time(int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm))
        return json_null();
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static json_t *event_json(const rs_gate_event *e)
{
    json_t *train = e->has_train ? json_pack("{s:o, s:I, s:I}", "seconds", num(e->train.seconds),
                                             "ratings", (json_int_t)e->train.ratings, "users",
                                             (json_int_t)e->train.users)
                                 : json_null();
    return json_pack("{s:I, s:s, s:s, s:o, s:b, s:b, s:o, s:o, s:I, s:I, s:o, s:o, s:s}", "seq",
                     (json_int_t)e->seq, "source", e->source, "dir", e->dir, "time",
                     iso_time(e->time), "accepted", e->accepted, "forced", e->forced,
                     "candidate_recall", num(e->candidate_recall), "serving_recall",
                     num(e->serving_recall), "serving_version", (json_int_t)e->serving_version,
                     "version", (json_int_t)e->version, "eval_seconds", num(e->eval_seconds),
                     "train", train, "message", e->message);
}

/* ---- POST /api/admin/reload ------------------------------------------------- */

void rs_api_admin_reload(rs_req *r)
{
    if (!admin_ok(r))
        return;
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    const char *source = json_string_value(json_object_get(body, "source"));
    const char *dir_in = json_string_value(json_object_get(body, "dir"));
    json_t *ver = json_object_get(body, "version");
    int force = json_is_true(json_object_get(body, "force"));
    char src[RS_SOURCE_NAME_MAX], dir[2048] = "";
    snprintf(src, sizeof src, "%s", source ? source : "");
    /* In a cluster, "version" names a published version (model_versions). */
    int cluster = rs_replica_enabled(r->srv->replica);
    int64_t want = json_is_integer(ver) ? (int64_t)json_integer_value(ver) : 0;
    if (dir_in)
        snprintf(dir, sizeof dir, "%s", dir_in);
    else if (json_is_integer(ver) && !cluster && r->srv->opt.config)
        snprintf(dir, sizeof dir, "%s/versions/%s/%lld", r->srv->opt.config->work_dir, src,
                 (long long)json_integer_value(ver));
    int bad_ver = ver && !json_is_integer(ver);
    json_decref(body);
    if (!src[0] || bad_ver) {
        rs_reply_error(r, 400, "bad_request",
                       "body must be {\"source\": name, \"force\"?: bool, \"version\"?: int, "
                       "\"dir\"?: path}");
        return;
    }
    if (!rs_engine_instance_entry(r->srv->engine, src)) {
        rs_reply_error(r, 404, "not_found", "unknown source '%s'", src);
        return;
    }
    if (!r->srv->lc->gate) {
        rs_reply_error(r, 503, "unavailable",
                       "no swap gate: the server was started without a config");
        return;
    }
    rs_gate_event ev;
    rs_error err = {0};
    rs_status st;
    if (cluster && want && !dir_in &&
        (st = rs_replica_version_dir(r->srv->replica, src, want, dir, sizeof dir, &err)) != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    st = rs_swap_gate_reload(r->srv->lc->gate, src, dir[0] ? dir : NULL, force, NULL, &ev, &err);
    if (st == RS_OK) {
        rs_reco_models_changed(r->srv->reco);
        /* Every other replica follows through model_versions. */
        json_t *cv = json_null();
        int64_t published = 0;
        rs_error perr = {0};
        if (cluster &&
            rs_replica_publish(r->srv->replica, src,
                               dir[0] ? dir : rs_engine_artifact_dir(r->srv->engine, src),
                               &published, &perr) == RS_OK)
            cv = json_integer((json_int_t)published);
        else if (cluster)
            cv = json_pack("{s:s}", "error", perr.message);
        rs_reply_json(r, 200,
                      json_pack("{s:b, s:I, s:o, s:o}", "accepted", 1, "version",
                                (json_int_t)ev.version, "cluster_version", cv, "event",
                                event_json(&ev)));
    } else if (st == RS_ERR_STATE && !ev.accepted && ev.source[0]) {
        rs_reply_json(r, 409,
                      json_pack("{s:s, s:s, s:o}", "error", "refused", "message", err.message,
                                "event", event_json(&ev)));
    } else {
        rs_reply_json(r, 422,
                      json_pack("{s:s, s:s, s:o}", "error", "invalid_model", "message", err.message,
                                "event", event_json(&ev)));
    }
}

/* ---- GET /api/admin/models ---------------------------------------------------- */

/* What the serving instance says of itself (ABI 1.1 describe: the hybrid's
 * learned weights, ...): its JSON object, its text when it is not JSON, or
 * null when it does not describe itself. */
static json_t *describe_json(rs_server *s, const char *name)
{
    char buf[8192];
    rs_error err = {0};
    if (rs_engine_describe_instance(s->engine, name, buf, sizeof buf, &err) != RS_OK)
        return json_null();
    json_t *j = json_loads(buf, 0, NULL);
    return j ? j : json_string(buf);
}

static json_t *source_json(rs_server *s, const char *name, const rs_gate_event *last)
{
    const rs_plugin_entry *pe = rs_engine_instance_entry(s->engine, name);
    json_t *versions = json_array();
    if (s->lc->retrainer) {
        int64_t v[64];
        size_t n = rs_retrainer_versions(s->lc->retrainer, name, v, 64);
        for (size_t i = 0; i < n && i < 64; i++)
            json_array_append_new(versions, json_integer((json_int_t)v[i]));
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "name", name, "plugin", pe->name,
                     "plugin_version", pe->version ? pe->version : "", "serving_version",
                     (json_int_t)rs_engine_instance_version(s->engine, name), "artifact_dir",
                     rs_engine_artifact_dir(s->engine, name), "versions", versions, "last_event",
                     last ? event_json(last) : json_null(), "describe", describe_json(s, name));
}

static json_t *retrain_json(rs_retrainer *rt)
{
    if (!rt)
        return json_null();
    rs_retrain_status st;
    rs_retrainer_get_status(rt, &st);
    json_t *sources = json_array();
    for (size_t i = 0; i < rs_retrainer_source_count(rt); i++)
        json_array_append_new(sources, json_string(rs_retrainer_source(rt, i)));
    return json_pack("{s:o, s:b, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:s}", "sources", sources,
                     "running", st.running, "runs", (json_int_t)st.runs, "new_ratings",
                     (json_int_t)st.new_ratings, "last_run_at", iso_time(st.last_run_at),
                     "last_run_seconds", num(st.last_run_seconds), "next_due_at",
                     iso_time(st.next_due_at), "last_ratings", (json_int_t)st.last_ratings,
                     "last_users", (json_int_t)st.last_users, "last_error", st.last_error);
}

static json_t *cache_json(rs_reco_service *reco)
{
    rs_reco_cache_stats c;
    rs_reco_cache_config cfg;
    if (!rs_reco_cache_info(reco, &c, &cfg))
        return json_null();
    return json_pack("{s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "interval_s", cfg.interval_s,
                     "entries", (json_int_t)c.entries, "dirty_users", (json_int_t)c.dirty_users,
                     "hits", (json_int_t)c.hits, "misses", (json_int_t)c.misses, "refreshed",
                     (json_int_t)c.refreshed, "passes", (json_int_t)c.passes, "errors",
                     (json_int_t)c.errors, "last_pass_ms", c.last_pass_ms);
}

void rs_api_admin_models(rs_req *r)
{
    if (!admin_ok(r))
        return;
    rs_server *s = r->srv;
    rs_lc *lc = s->lc;
    rs_gate_event *ev = calloc(RS_GATE_HISTORY, sizeof *ev);
    if (!ev) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    size_t n_ev = lc->gate ? rs_swap_gate_events(lc->gate, NULL, ev, RS_GATE_HISTORY) : 0;
    json_t *sources = json_array(), *events = json_array();
    for (size_t i = 0; i < rs_engine_instance_count(s->engine); i++) {
        const char *name = rs_engine_instance_name(s->engine, i);
        const rs_gate_event *last = NULL;
        for (size_t j = 0; j < n_ev && !last; j++)
            if (strcmp(ev[j].source, name) == 0)
                last = &ev[j];
        json_array_append_new(sources, source_json(s, name, last));
    }
    for (size_t j = 0; j < n_ev; j++)
        json_array_append_new(events, event_json(&ev[j]));
    free(ev);
    json_t *gate = json_null();
    if (lc->gate) {
        const rs_gate_config *g = rs_swap_gate_config(lc->gate);
        gate = json_pack("{s:f, s:b, s:I, s:I}", "tolerance", g->tolerance, "relative", g->relative,
                         "k", (json_int_t)g->k, "holdout_users", (json_int_t)g->holdout_users);
    }
    rs_reply_json(r, 200,
                  json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "replica",
                            rs_replica_json(s->replica), "sources", sources, "gate", gate,
                            "retrain", retrain_json(lc->retrainer), "cache", cache_json(s->reco),
                            "events", events));
}

/* ---- GET /api/admin/experiments ------------------------------------------------ */

static json_t *ci(double lo, double hi)
{
    return isnan(lo) ? json_null() : json_pack("[o, o]", num(lo), num(hi));
}

static json_t *arm_json(const rs_experiment_arm *a, const rs_arm_counts *c)
{
    rs_arm_stats s;
    rs_abstats_arm(c, &s);
    return json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:I, s:f, s:o, s:o, s:o}", "name", a->name,
                     "source", a->source, "share", a->share, "users", (json_int_t)c->users,
                     "exposures", (json_int_t)c->exposures, "shown", (json_int_t)c->shown, "hits",
                     (json_int_t)c->hits, "hit_rate", s.hit_rate, "hit_rate_ci",
                     c->shown ? ci(s.hit_rate_lo, s.hit_rate_hi) : json_null(), "mean_rating",
                     num(s.mean_rating), "mean_rating_ci", ci(s.mean_lo, s.mean_hi));
}

/* Split experiment: exposure rows of its arms joined to the users' ratings,
 * tallied as rs_abstats_tally defines. */
static json_t *split_json(rs_db *db, const rs_experiment *x)
{
    PGresult *res;
    rs_error err = {0};
    if (rs_store_split_exposures(db, x->name, &res, &err) != RS_OK)
        return json_pack("{s:s}", "error", err.message);
    int rows = PQntuples(res);
    rs_exposure_row *ex = malloc(((size_t)rows + 1) * sizeof *ex);
    rs_rating_row *rt = malloc(((size_t)rows + 1) * sizeof *rt);
    rs_arm_counts *counts = calloc(x->n_arms, sizeof *counts);
    json_t *out = NULL;
    size_t n_ex = 0, n_rt = 0;
    if (!ex || !rt || !counts)
        goto done;
    for (int i = 0; i < rows; i++) {
        const char *arm = PQgetvalue(res, i, 0);
        int32_t a = -1;
        for (size_t j = 0; j < x->n_arms; j++)
            if (strcmp(x->arms[j].name, arm) == 0)
                a = (int32_t)j;
        if (a < 0)
            continue; /* an arm removed from the config since */
        int64_t user = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        int32_t movie = (int32_t)strtoll(PQgetvalue(res, i, 2), NULL, 10);
        ex[n_ex++] = (rs_exposure_row){user, a, movie, strtoll(PQgetvalue(res, i, 3), NULL, 10)};
        if (!PQgetisnull(res, i, 4))
            rt[n_rt++] = (rs_rating_row){user, movie, strtof(PQgetvalue(res, i, 4), NULL),
                                         strtoll(PQgetvalue(res, i, 5), NULL, 10)};
    }
    if (rs_abstats_tally(ex, n_ex, rt, n_rt, x->n_arms, counts, &err) != RS_OK) {
        out = json_pack("{s:s}", "error", err.message);
        goto done;
    }
    json_t *arms = json_array(), *tests = json_array();
    for (size_t j = 0; j < x->n_arms; j++)
        json_array_append_new(arms, arm_json(&x->arms[j], &counts[j]));
    for (size_t j = 1; j < x->n_arms; j++) {
        double z, pv;
        rs_error terr = {0};
        if (rs_abstats_two_proportion(counts[j].hits, counts[j].shown, counts[0].hits,
                                      counts[0].shown, &z, &pv, &terr) == RS_OK)
            json_array_append_new(tests, json_pack("{s:s, s:s, s:s, s:f, s:f}", "arm",
                                                   x->arms[j].name, "versus", x->arms[0].name,
                                                   "test", "two-proportion z", "z", z, "p", pv));
        else
            json_array_append_new(tests,
                                  json_pack("{s:s, s:s, s:s}", "arm", x->arms[j].name, "versus",
                                            x->arms[0].name, "error", terr.message));
    }
    out = json_pack("{s:o, s:o}", "arms", arms, "tests", tests);
done:
    PQclear(res);
    free(ex);
    free(rt);
    free(counts);
    return out ? out : json_pack("{s:s}", "error", "out of memory");
}

/* Interleave experiment: rows grouped into impressions (user, shown_at);
 * a credited movie the user rated at or after the impression is a hit for
 * its team. */
static json_t *interleave_json(rs_db *db, const rs_experiment *x)
{
    char arm[160];
    snprintf(arm, sizeof arm, "%s/interleave", x->name);
    PGresult *res;
    rs_error err = {0};
    if (rs_store_interleave_exposures(db, arm, &res, &err) != RS_OK)
        return json_pack("{s:s}", "error", err.message);
    rs_interleave_summary sum = {0};
    int rows = PQntuples(res);
    int32_t shown[RS_RECO_K_MAX], rated[RS_RECO_K_MAX];
    uint8_t team[RS_RECO_K_MAX];
    size_t n = 0, n_rated = 0;
    for (int i = 0; i <= rows; i++) {
        int boundary = i == rows ||
                       (i > 0 && (strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) != 0 ||
                                  strcmp(PQgetvalue(res, i, 1), PQgetvalue(res, i - 1, 1)) != 0));
        if (boundary && n > 0) {
            /* rated[] must be sorted for the outcome's binary search. */
            for (size_t a = 1; a < n_rated; a++)
                for (size_t b = a; b > 0 && rated[b - 1] > rated[b]; b--) {
                    int32_t t = rated[b];
                    rated[b] = rated[b - 1];
                    rated[b - 1] = t;
                }
            rs_interleave_add(&sum, rs_interleave_outcome(shown, team, n, rated, n_rated));
            n = n_rated = 0;
        }
        if (i == rows || n >= RS_RECO_K_MAX)
            continue;
        int32_t movie = (int32_t)strtoll(PQgetvalue(res, i, 2), NULL, 10);
        shown[n] = movie;
        team[n++] = strcmp(PQgetvalue(res, i, 3), x->arms[0].source) == 0 ? RS_TEAM_A : RS_TEAM_B;
        if (PQgetvalue(res, i, 4)[0] == 't')
            rated[n_rated++] = movie;
    }
    PQclear(res);
    rs_interleave_finish(&sum);
    return json_pack("{s:[s, s], s:I, s:I, s:I, s:I, s:o, s:f, s:s}", "arms", x->arms[0].name,
                     x->arms[1].name, "impressions", (json_int_t)sum.impressions, "wins_a",
                     (json_int_t)sum.wins_a, "wins_b", (json_int_t)sum.wins_b, "ties",
                     (json_int_t)sum.ties, "win_rate_a", num(sum.win_rate_a), "p_value",
                     sum.p_value, "test", "two-sided exact sign test");
}

void rs_api_admin_experiments(rs_req *r)
{
    if (!admin_ok(r))
        return;
    rs_lc *lc = r->srv->lc;
    /* The statistics count every response sent so far, as with
     * synchronous logging: write what the batch writer still holds. */
    if (r->srv->exposures)
        rs_exposure_queue_flush(r->srv->exposures);
    rs_db *c = r->srv->db;
    rs_error err = {0};
    long long overrides = -1;
    /* First, so an unreachable database answers 503 as a whole; a
     * failure of one experiment's statistics shows in its "error". */
    rs_status st = rs_store_override_count(c, &overrides, &err);
    if (st != RS_OK && (st = rs_db_ping(c, &err)) != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    if (st != RS_OK)
        overrides = -1;
    json_t *list = json_array();
    for (size_t i = 0; i < rs_experiments_count(lc->experiments); i++) {
        const rs_experiment *x = rs_experiments_get(lc->experiments, i);
        json_t *stats = x->mode == RS_EXPERIMENT_SPLIT ? split_json(c, x) : interleave_json(c, x);
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:b, s:b, s:o}", "name", x->name, "mode",
                                        x->mode == RS_EXPERIMENT_SPLIT ? "split" : "interleave",
                                        "salt", x->salt, "enabled", x->enabled, "active",
                                        x == lc->active, "stats", stats));
    }

    rs_reply_json(
        r, 200,
        json_pack("{s:o, s:I}", "experiments", list, "override_exposures", (json_int_t)overrides));
}
