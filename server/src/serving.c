/* Which list a user is shown (see serving.h). */
#include "serving.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/interleave.h"
#include "recsys/log.h"
#include "exposure_queue.h"
#include "store.h"

struct rs_serving {
    rs_reco_service *reco;
    const rs_experiment *active; /* NULL: none */
    const rs_dataset *data;
    rs_db *db;
    rs_ratelimit *exposure_limit;
    rs_exposure_queue *exposures; /* NULL: written synchronously */
    atomic_uint_fast64_t seq;     /* interleaving request counter */
};

rs_status rs_serving_new(rs_reco_service *reco, const rs_experiment *active, const rs_dataset *data,
                         rs_db *db, rs_ratelimit *exposure_limit, rs_serving **out, rs_error *err)
{
    rs_serving *sv = calloc(1, sizeof *sv);
    if (!sv)
        return rs_error_set(err, RS_ERR_NOMEM, "serving: out of memory");
    sv->reco = reco;
    sv->active = active;
    sv->data = data;
    sv->db = db;
    sv->exposure_limit = exposure_limit;
    atomic_init(&sv->seq, 0);
    *out = sv;
    return RS_OK;
}

void rs_serving_free(rs_serving *sv) { free(sv); }

void rs_serving_set_exposure_queue(rs_serving *sv, rs_exposure_queue *q) { sv->exposures = q; }

/* One source's list; the choice remembers the oldest list it used. */
static rs_status fetch(rs_serving *sv, int64_t user_id, const char *source, rs_reco_list *out,
                       rs_serving_choice *ch, rs_error *err)
{
    int64_t at = 0;
    rs_status st = rs_reco_get(sv->reco, user_id, source, out, &at, err);
    if (st == RS_OK && at > 0 && (ch->generated_at_ms == 0 || at < ch->generated_at_ms))
        ch->generated_at_ms = at;
    return st;
}

static void credit_all(rs_serving_choice *ch, const rs_reco_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        snprintf(ch->credit[i], sizeof ch->credit[i], "%s", l->source);
}

/* Team-draft merge of the two arms' lists; each item keeps its own
 * list's score and explanation and is credited to its team's source. */
static rs_status interleave(rs_serving *sv, const rs_experiment *x, int64_t user_id,
                            rs_reco_list *out, rs_serving_choice *ch, rs_error *err)
{
    size_t k = out->cap;
    int explain = out->explain != NULL;
    rs_reco_list a, b;
    rs_status st = rs_reco_list_init(&a, k, explain, err);
    if (st != RS_OK)
        return st;
    if ((st = rs_reco_list_init(&b, k, explain, err)) != RS_OK) {
        rs_reco_list_release(&a);
        return st;
    }
    if ((st = fetch(sv, user_id, x->arms[0].source, &a, ch, err)) == RS_OK &&
        (st = fetch(sv, user_id, x->arms[1].source, &b, ch, err)) == RS_OK) {
        int32_t ia[RS_RECO_K_MAX], ib[RS_RECO_K_MAX], merged[RS_RECO_K_MAX];
        uint8_t team[RS_RECO_K_MAX];
        size_t n = 0;
        for (size_t i = 0; i < a.n; i++)
            ia[i] = a.items[i].item;
        for (size_t i = 0; i < b.n; i++)
            ib[i] = b.items[i].item;
        uint64_t seq = atomic_fetch_add(&sv->seq, 1);
        rs_interleave_team_draft(ia, a.n, ib, b.n, k, rs_interleave_seed(x->salt, user_id, seq),
                                 merged, team, &n);
        snprintf(out->source, sizeof out->source, "interleave");
        out->model_version = a.model_version;
        out->n = n;
        for (size_t i = 0; i < n; i++) {
            const rs_reco_list *from = team[i] == RS_TEAM_A ? &a : &b;
            for (size_t j = 0; j < from->n; j++)
                if (from->items[j].item == merged[i]) {
                    out->items[i] = from->items[j];
                    if (out->explain)
                        out->explain[i] = from->explain[j];
                    break;
                }
            snprintf(ch->credit[i], sizeof ch->credit[i], "%s", from->source);
        }
    }
    rs_reco_list_release(&a);
    rs_reco_list_release(&b);
    return st;
}

rs_status rs_serving_recommend(rs_serving *sv, int64_t user_id, const char *override,
                               const char *default_source, rs_reco_list *out, rs_serving_choice *ch,
                               rs_error *err)
{
    const rs_experiment *x = sv->active;
    rs_status st;
    memset(ch, 0, offsetof(rs_serving_choice, credit));
    if (override) {
        /* No arm applies (the response says null); the log says why. */
        snprintf(ch->log_arm, sizeof ch->log_arm, "override");
        st = fetch(sv, user_id, override, out, ch, err);
    } else if (x && x->mode == RS_EXPERIMENT_INTERLEAVE) {
        snprintf(ch->experiment, sizeof ch->experiment, "%s", x->name);
        snprintf(ch->arm, sizeof ch->arm, "interleave");
        snprintf(ch->log_arm, sizeof ch->log_arm, "%s/interleave", x->name);
        ch->interleaved = 1;
        return interleave(sv, x, user_id, out, ch, err);
    } else if (x) {
        const rs_experiment_arm *a = &x->arms[rs_experiment_assign(x, user_id)];
        snprintf(ch->experiment, sizeof ch->experiment, "%s", x->name);
        snprintf(ch->arm, sizeof ch->arm, "%s", a->name);
        snprintf(ch->log_arm, sizeof ch->log_arm, "%s/%s", x->name, a->name);
        st = fetch(sv, user_id, a->source, out, ch, err);
    } else {
        st = fetch(sv, user_id, default_source, out, ch, err);
    }
    if (st == RS_OK)
        credit_all(ch, out);
    return st;
}

size_t rs_serving_drop(rs_reco_list *l, rs_serving_choice *ch, const uint8_t *drop, size_t k)
{
    size_t n = 0, dropped = 0;
    for (size_t i = 0; i < l->n && n < k; i++) {
        if (drop[l->items[i].item]) {
            dropped++;
            continue;
        }
        if (n != i) {
            rs_reco_list_move_item(l, n, i);
            memcpy(ch->credit[n], ch->credit[i], sizeof ch->credit[n]);
        }
        n++;
    }
    l->n = n;
    return dropped;
}

void rs_serving_log_exposure(rs_serving *sv, int64_t user_id, const rs_reco_list *l,
                             const rs_serving_choice *ch)
{
    if (l->n == 0)
        return;
    /* Every GET writes up to k rows: cap the rows per user and minute
     * (server.exposures_per_user_per_min). A list over the cap is served
     * but not logged, whole, so no response is half in the statistics. */
    char key[32];
    snprintf(key, sizeof key, "user:%lld", (long long)user_id);
    if (sv->exposure_limit && !rs_ratelimit_take(sv->exposure_limit, key, time(NULL), (int)l->n))
        return;
    int64_t movies[RS_RECO_K_MAX];
    const char *sources[RS_RECO_K_MAX];
    for (size_t i = 0; i < l->n; i++) {
        movies[i] = sv->data->items[l->items[i].item].movie_id;
        sources[i] = ch->credit[i];
    }
    if (sv->exposures) { /* the batch writer's: same rows, off the request path */
        rs_exposure_queue_push(sv->exposures, user_id, movies,
                               (const char(*)[RS_SOURCE_NAME_MAX])ch->credit, l->n, ch->log_arm);
        return;
    }
    rs_error err = {0};
    if (rs_store_exposures_add(sv->db, user_id, movies, sources, l->n, ch->log_arm, &err) != RS_OK)
        rs_log(RS_LOG_WARN, "lifecycle", "exposure not logged: %s", err.message);
}
