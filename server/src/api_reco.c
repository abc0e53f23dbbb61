/* GET /api/recommendations for the logged-in user. */
#include "server_internal.h"
#include "api_lists.h"
#include "prebuilt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
        rs_reply_error(r, 400, "bad_request", "unknown source '%s'; configured sources: %s", source,
                       names ? names : "?");
        free(names);
        return;
    }
    if (!rs_req_user(r))
        return;
    rs_serving_choice *choice = malloc(sizeof *choice);
    rs_reco_list list = {0};
    rs_error err = {0};
    uint8_t *hidden = calloc((size_t)r->srv->data->n_items + 1, 1);
    if (!choice || !hidden || rs_reco_list_init(&list, (size_t)k, 1, &err) != RS_OK) {
        rs_reply_error(r, 500, "internal", "out of memory");
        goto done;
    }
    const char *override = given ? source : NULL;
    rs_status st = rs_serving_recommend(r->srv->serving, r->user_id, override, source, &list,
                                        choice, &err);
    /* A list from the cache (it has a time) answers with the body built
     * when it was first sent, as long as it is the same list. */
    char key[RS_BODY_KEY_MAX];
    uint64_t fp = 0, epoch = 0;
    int keep = st == RS_OK && choice->generated_at_ms > 0;
    if (keep) {
        snprintf(key, sizeof key, "rec:%lld:%d:%s:%ld", (long long)r->user_id, given, source, k);
        fp = rs_prebuilt_reco_fp(&list, choice);
        if (rs_prebuilt_reco_reply(r, key, fp, &list, choice, &epoch))
            goto done;
    }
    int n_hidden = rs_hidden_items(r, hidden);
    if (n_hidden < 0)
        goto done;
    /* Films the user marked "Not interested" leave the list. Only when
     * some were in it is a longer list asked for, to refill it: the usual
     * request stays the cached size. Such a list is not kept: the cache
     * drops a hidden film at once, so this is a passing state. */
    if (st == RS_OK && rs_serving_drop(&list, choice, hidden, (size_t)k) > 0) {
        keep = 0;
        size_t ask = (size_t)k + (size_t)n_hidden;
        rs_reco_list_release(&list);
        st = rs_reco_list_init(&list, ask < RS_RECO_K_MAX ? ask : RS_RECO_K_MAX, 1, &err);
        if (st == RS_OK)
            st = rs_serving_recommend(r->srv->serving, r->user_id, override, source, &list, choice,
                                      &err);
        if (st == RS_OK)
            rs_serving_drop(&list, choice, hidden, (size_t)k);
    }
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto done;
    }
    /* (a cast: ISO C before C2X does not add const to an array's elements) */
    const char(
        *credit)[RS_SOURCE_NAME_MAX] = choice->interleaved
                                           ? (const char(*)[RS_SOURCE_NAME_MAX])choice->credit
                                           : NULL;
    json_t *items = rs_reco_list_json(r, &list, credit);
    if (!items)
        goto done;
    char now[32];
    /* When the list was computed: a cached list is older than this request. */
    time_t t = choice->generated_at_ms > 0 ? (time_t)(choice->generated_at_ms / 1000) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (strcmp(r->method, "HEAD") != 0) /* no body, nothing shown */
        rs_serving_log_exposure(r->srv->serving, r->user_id, &list, choice);
    rs_prebuilt_reco_keep(
        r,
        json_pack("{s:s, s:o, s:o, s:I, s:s, s:o}", "source", list.source, "arm",
                  choice->arm[0] ? json_string(choice->arm) : json_null(), "experiment",
                  choice->experiment[0] ? json_string(choice->experiment) : json_null(),
                  "model_version", (json_int_t)list.model_version, "generated_at", now, "items",
                  items),
        keep ? key : NULL, fp, epoch, &list, choice);
done:
    free(hidden);
    rs_reco_list_release(&list);
    free(choice);
}
