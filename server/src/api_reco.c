/* GET /api/recommendations for the logged-in user. */
#include "server_internal.h"
#include "api_lists.h"
#include "prebuilt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *explanation_json(const rs_req *r, const rs_reco_item *it)
{
    if (!it->has_explanation)
        return json_null();
    const rs_explanation *e = &it->explanation;
    json_t *because = json_null();
    if (e->because_item >= 0 && e->because_item < r->srv->data->n_items) {
        const rs_item_meta *m = &r->srv->data->items[e->because_item];
        json_decref(because);
        because = json_pack("{s:I, s:s}", "id", (json_int_t)m->movie_id, "title",
                            m->title ? m->title : "");
    }
    json_t *parts = json_array();
    for (uint32_t i = 0; i < e->n_parts && i < RS_EXPLAIN_MAX_PARTS; i++) {
        char src[RS_SOURCE_NAME_MAX + 1];
        memcpy(src, e->parts[i].source, RS_SOURCE_NAME_MAX);
        src[RS_SOURCE_NAME_MAX] = '\0'; /* a plugin may fill all 32 bytes */
        json_array_append_new(parts, json_pack("{s:s, s:f}", "source", src, "share",
                                               (double)e->parts[i].share));
    }
    return json_pack("{s:o, s:o}", "because", because, "parts", parts);
}

/* Drops the films marked in hidden[] and keeps at most k, compacting the
 * interleave credits alongside. Returns how many were dropped. */
static size_t drop_hidden(rs_reco_result *res, rs_lc_choice *choice, const uint8_t *hidden,
                          size_t k)
{
    size_t n = 0, dropped = 0;
    for (size_t i = 0; i < res->n && n < k; i++) {
        if (hidden[res->items[i].item]) {
            dropped++;
            continue;
        }
        if (n != i) {
            res->items[n] = res->items[i];
            memcpy(choice->credit[n], choice->credit[i], sizeof choice->credit[n]);
        }
        n++;
    }
    res->n = n;
    return dropped;
}

static json_t *sources_list(const rs_req *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->srv->n_sources; i++)
        json_array_append_new(a, json_string(r->srv->source_names[i]));
    return a;
}

void rs_api_recommendations(rs_req *r)
{
    long k;
    char source[RS_SOURCE_NAME_MAX];
    int given;
    if (rs_req_int(r, "k", 20, 1, RS_RECO_K_MAX, &k) < 0 ||
        (given = rs_req_str(r, "source", source, sizeof source)) < 0)
        return;
    /* An explicit source= overrides the user's experiment arm for this
     * request (logged as arm "override"). */
    given = given > 0 && source[0];
    if (!source[0])
        snprintf(source, sizeof source, "%s", r->srv->opt.default_source);
    r->source = rs_req_source_index(r, source);
    if (r->source < 0) {
        json_t *list = sources_list(r);
        char *names = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        rs_reply_error(r, 400, "bad_request", "unknown source '%s'; configured sources: %s",
                       source, names ? names : "?");
        free(names);
        return;
    }
    if (!rs_req_user(r))
        return;
    rs_reco_result *res = malloc(sizeof *res);
    rs_lc_choice *choice = malloc(sizeof *choice);
    if (!res || !choice) {
        free(res);
        free(choice);
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    rs_error err = {0};
    rs_status st = rs_lc_recommend(r->srv, r->user_id, given ? source : NULL, source, (size_t)k,
                                   res, choice, &err);
    /* A list from the cache (it has a time) answers with the body built
     * when it was first sent, as long as it is the same list. */
    char key[RS_BODY_KEY_MAX];
    uint64_t fp = 0, epoch = 0;
    int keep = st == RS_OK && choice->generated_at_ms > 0;
    if (keep) {
        snprintf(key, sizeof key, "rec:%lld:%d:%s:%ld", (long long)r->user_id, given, source, k);
        fp = rs_prebuilt_reco_fp(res, choice);
        if (rs_prebuilt_reco_reply(r, key, fp, res, choice, &epoch))
            goto done;
    }
    uint8_t *hidden = calloc((size_t)r->srv->data->n_items + 1, 1);
    int n_hidden = hidden ? rs_hidden_items(r, hidden) : 0;
    if (!hidden || n_hidden < 0) {
        if (!hidden)
            rs_reply_error(r, 500, "internal", "out of memory");
        free(hidden);
        goto done;
    }
    /* Films the user marked "Not interested" leave the list. Only when
     * some were in it is a longer list asked for, to refill it: the usual
     * request stays the cached size. Such a list is not kept: the cache
     * drops a hidden film at once, so this is a passing state. */
    if (st == RS_OK && drop_hidden(res, choice, hidden, (size_t)k) > 0) {
        keep = 0;
        size_t ask = (size_t)k + (size_t)n_hidden;
        st = rs_lc_recommend(r->srv, r->user_id, given ? source : NULL, source,
                             ask < RS_RECO_K_MAX ? ask : RS_RECO_K_MAX, res, choice, &err);
        if (st == RS_OK)
            drop_hidden(res, choice, hidden, (size_t)k);
    }
    free(hidden);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto done;
    }
    json_t *movies = rs_result_movies(r, res);
    if (!movies)
        goto done;
    json_t *list = json_array();
    for (size_t i = 0; i < res->n; i++)
        json_array_append_new(list, json_pack("{s:O, s:f, s:o}",
            "movie", json_array_get(movies, i),
            "score", (double)res->items[i].score,
            "explanation", explanation_json(r, &res->items[i])));
    json_decref(movies);
    char now[32];
    /* When the list was computed: a cached list is older than this request. */
    time_t t = choice->generated_at_ms > 0 ? (time_t)(choice->generated_at_ms / 1000) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (choice->interleaved) /* which source each shown movie came from */
        for (size_t i = 0; i < res->n; i++)
            json_object_set_new(json_array_get(list, i), "source",
                                json_string(choice->credit[i]));
    if (strcmp(r->method, "HEAD") != 0) /* no body, nothing shown */
        rs_lc_log_exposure(r->srv, r->user_id, res, choice);
    rs_prebuilt_reco_keep(r, json_pack("{s:s, s:o, s:o, s:I, s:s, s:o}",
                                    "source", res->source, "arm",
                                    choice->arm[0] ? json_string(choice->arm) : json_null(),
                                    "experiment",
                                    choice->experiment[0] ? json_string(choice->experiment)
                                                          : json_null(),
                                    "model_version", (json_int_t)res->model_version,
                                    "generated_at", now, "items", list),
                   keep ? key : NULL, fp, epoch, res, choice);
done:
    free(res);
    free(choice);
}
