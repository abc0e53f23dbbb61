/* The catalogue: genres, sources, search, movie pages, similar, onboarding. */
#include "server_internal.h"
#include "api_lists.h"
#include "prebuilt.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

void rs_api_genres(rs_req *r)
{
    json_t *g = json_array();
    for (int32_t i = 0; i < r->srv->data->n_genres; i++)
        if (strcmp(r->srv->data->genre_names[i], "(no genres listed)") != 0)
            json_array_append_new(g, json_string(r->srv->data->genre_names[i]));
    rs_reply_json(r, 200, json_pack("{s:o}", "genres", g));
}

static json_t *capabilities(uint32_t caps)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{RS_CAP_FIT, "fit"},
                 {RS_CAP_PERSIST, "persist"},
                 {RS_CAP_RECOMMEND, "recommend"},
                 {RS_CAP_SCORE, "score"},
                 {RS_CAP_SIMILAR, "similar"},
                 {RS_CAP_EXPLAIN, "explain"},
                 {RS_CAP_FOLD_IN, "fold_in"},
                 {RS_CAP_COMPOSITE, "composite"}};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (caps & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

void rs_api_sources(rs_req *r)
{
    json_t *list = json_array();
    rs_engine *e = r->srv->engine;
    for (size_t i = 0; i < rs_engine_instance_count(e); i++) {
        const char *name = rs_engine_instance_name(e, i);
        const rs_plugin_entry *pe = rs_engine_instance_entry(e, name);
        if (!pe)
            continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", name, "plugin",
                                              pe->name, "version", pe->version ? pe->version : "",
                                              "description", pe->description ? pe->description : "",
                                              "capabilities", capabilities(pe->capabilities)));
    }
    /* default_similar: what /api/movies/{id}/similar uses without source=
     * (null when no instance can answer it). */
    const char *similar = rs_reco_default_similar(r->srv->reco);
    rs_reply_json(r, 200,
                  json_pack("{s:s, s:o, s:o}", "default", r->srv->opt.default_source,
                            "default_similar", similar ? json_string(similar) : json_null(),
                            "sources", list));
}

void rs_api_movies(rs_req *r)
{
    char query[201], genre[64], sort[16];
    long page, page_size;
    if (rs_req_str(r, "query", query, sizeof query) < 0 ||
        rs_req_str(r, "genre", genre, sizeof genre) < 0 ||
        rs_req_str(r, "sort", sort, sizeof sort) < 0 ||
        rs_req_int(r, "page", 1, 1, 100000, &page) < 0 ||
        rs_req_int(r, "page_size", 24, 1, 100, &page_size) < 0)
        return;
    /* Popularity (most rated) first unless sort= names another order. */
    int si = sort[0] ? rs_store_movie_sort(sort) : rs_store_movie_sort("popularity");
    if (si < 0) {
        rs_reply_error(r, 400, "bad_request",
                       "sort must be popularity, rating, year or title, got '%s'", sort);
        return;
    }
    rs_store_movie_query q = {query, genre, si, page_size, (page - 1) * page_size};
    PGresult *res;
    long long total;
    rs_error err = {0};
    rs_status st = rs_store_movies_page(r->srv->db, &q, &res, &total, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    json_t *movies = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(movies, rs_movie_json(res, i, 0));
    PQclear(res);
    rs_reply_json(r, 200,
                  json_pack("{s:I, s:I, s:I, s:o}", "page", (json_int_t)page, "page_size",
                            (json_int_t)page_size, "total", (json_int_t)total, "movies", movies));
}

/* Tags are stored joined by " | " (the dataset's form). */
static json_t *split_tags(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *sep = strstr(s, " | ");
        size_t n = sep ? (size_t)(sep - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s = sep ? sep + 3 : s + n;
    }
    return a;
}

void rs_api_movie(rs_req *r)
{
    /* The user's own rating when a session cookie is present; anonymous
     * visitors see null. */
    if (rs_req_user_opt(r) < 0)
        return;
    PGresult *res;
    rs_error err = {0};
    rs_status st = rs_store_movie(r->srv->db, r->id, r->user_id, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
        return;
    }
    json_t *m = rs_movie_json(res, 0, 0);
    json_object_set_new(m, "overview", json_string(PQgetvalue(res, 0, RS_MOVIE_NCOLS)));
    json_object_set_new(m, "tags", split_tags(PQgetvalue(res, 0, RS_MOVIE_NCOLS + 1)));
    json_object_set_new(m, "user_rating",
                        PQgetisnull(res, 0, RS_MOVIE_NCOLS + 2)
                            ? json_null()
                            : json_real(strtod(PQgetvalue(res, 0, RS_MOVIE_NCOLS + 2), NULL)));
    PQclear(res);
    rs_reply_json(r, 200, m);
}

void rs_api_similar(rs_req *r)
{
    long k;
    char source[RS_SOURCE_NAME_MAX];
    if (rs_req_int(r, "k", 12, 1, RS_RECO_K_MAX, &k) < 0 ||
        rs_req_str(r, "source", source, sizeof source) < 0)
        return;
    int32_t item = rs_movielens_item_index(r->srv->ml, r->id);
    if (item < 0) {
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
        return;
    }
    const char *src = source[0] ? source : rs_reco_default_similar(r->srv->reco);
    r->source = rs_req_source_index(r, src);
    if (source[0] && r->source < 0) {
        rs_reply_error(r, 400, "bad_request", "unknown source '%s'", source);
        return;
    }
    /* Lists per (movie, source, k), valid for the model version they came
     * from: a swap makes every older one miss (rs_prebuilt_similar_reply). */
    char key[RS_BODY_KEY_MAX];
    uint64_t version = 0, epoch = 0;
    if (src && rs_prebuilt_similar_reply(r, item, src, k, key, &version, &epoch))
        return;
    rs_reco_list res;
    rs_error err = {0};
    if (rs_reco_list_init(&res, (size_t)k, 0, &err) != RS_OK) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    rs_status st = rs_reco_similar(r->srv->reco, item, src, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto done;
    }
    json_t *list = rs_reco_list_json(r, &res, NULL);
    if (list)
        rs_prebuilt_similar_keep(r, src ? key : NULL, version, epoch,
                                 json_pack("{s:I, s:s, s:o}", "movie_id", (json_int_t)r->id,
                                           "source", res.source, "items", list));
done:
    rs_reco_list_release(&res);
}

/* exclude=1,2,3: movies the page already showed (at most EXCLUDE_MAX),
 * marked in skip[]. Returns 0, or -1 with a 400 sent. */
#define EXCLUDE_MAX 200
static int mark_excluded(rs_req *r, uint8_t *skip)
{
    char list[EXCLUDE_MAX * 8];
    int got = rs_req_str(r, "exclude", list, sizeof list);
    if (got <= 0)
        return got;
    size_t n = 0;
    for (char *p = list; *p;) {
        char *end;
        long long id = strtoll(p, &end, 10);
        if (end == p || (*end && *end != ',') || ++n > EXCLUDE_MAX) {
            rs_reply_error(r, 400, "bad_request",
                           "exclude must be up to %d comma-separated movie ids", EXCLUDE_MAX);
            return -1;
        }
        int32_t item = rs_movielens_item_index(r->srv->ml, id);
        if (item >= 0)
            skip[item] = 1; /* unknown ids cannot be offered anyway */
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* The films the user liked, best first: those rated 4 or more, or, when
 * there are none, those rated 3.5. Fills liked[] and returns the count. */
#define LIKED_MAX 6
static size_t liked_items(const rs_rating *rated, size_t n_rated, int32_t *liked)
{
    size_t n = 0;
    for (float bar = 5.0f; bar >= 3.5f && n < LIKED_MAX; bar -= 0.5f) {
        if (bar < 4.0f && n > 0)
            break; /* 3.5 is a weak "like": only when nothing scored higher */
        for (size_t i = 0; i < n_rated && n < LIKED_MAX; i++)
            if (rated[i].rating == bar)
                liked[n++] = rated[i].item;
    }
    return n;
}

/* Neighbours of the liked films, round-robin (the first neighbour of each,
 * then the second, ...), with the liked film each came from. */
#define NEAR_PER_LIKED 12
static size_t neighbours(rs_req *r, const int32_t *liked, size_t n_liked, int32_t *near,
                         int32_t *because)
{
    static const size_t per = NEAR_PER_LIKED;
    rs_reco_list res = {0};
    int32_t *lists = malloc((n_liked ? n_liked : 1) * per * sizeof *lists);
    size_t *counts = calloc(n_liked ? n_liked : 1, sizeof *counts);
    size_t n = 0;
    if (!lists || !counts || rs_reco_list_init(&res, per, 0, NULL) != RS_OK)
        goto done; /* no neighbours: the page falls back to spread picks */
    for (size_t l = 0; l < n_liked; l++) {
        rs_error err = {0};
        /* Without a similar-capable source, onboarding stays non-adaptive. */
        if (rs_reco_similar(r->srv->reco, liked[l], NULL, &res, &err) != RS_OK)
            continue;
        for (size_t i = 0; i < res.n && i < per; i++)
            lists[l * per + counts[l]++] = res.items[i].item;
    }
    for (size_t i = 0; i < per; i++)
        for (size_t l = 0; l < n_liked; l++)
            if (i < counts[l]) {
                near[n] = lists[l * per + i];
                because[n++] = liked[l];
            }
done:
    rs_reco_list_release(&res);
    free(lists);
    free(counts);
    return n;
}

void rs_api_onboarding(rs_req *r)
{
    long n;
    if (rs_req_int(r, "n", 12, 1, ONBOARDING_MAX, &n) < 0)
        return;
    int who = rs_req_user_opt(r);
    if (who < 0)
        return;
    rs_rating *rated = NULL;
    size_t n_rated = 0;
    rs_error err = {0};
    rs_status st = who ? rs_reco_user_ratings(r->srv->reco, r->user_id, &rated, &n_rated, &err)
                       : RS_OK;
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    uint8_t *skip = calloc((size_t)r->srv->data->n_items + 1, 1);
    if (!skip) {
        free(rated);
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    if (mark_excluded(r, skip) < 0) {
        free(rated);
        free(skip);
        return;
    }
    for (size_t i = 0; i < n_rated; i++)
        skip[rated[i].item] = 1;
    /* nor films the user said they are not interested in */
    if (who && rs_hidden_items(r, skip) < 0) {
        free(rated);
        free(skip);
        return;
    }
    int32_t liked[LIKED_MAX], near[LIKED_MAX * NEAR_PER_LIKED],
        near_because[LIKED_MAX * NEAR_PER_LIKED];
    size_t n_liked = liked_items(rated, n_rated, liked);
    free(rated);
    size_t n_near = neighbours(r, liked, n_liked, near, near_because);
    int32_t picks[ONBOARDING_MAX], because[ONBOARDING_MAX];
    size_t got = rs_onboarding_mix(r->srv->onboarding, skip, near, near_because, n_near, (size_t)n,
                                   picks, because);
    free(skip);
    json_t *movies = rs_movies_by_items(r, picks, got);
    if (!movies)
        return;
    /* "because": the liked film a pick is a neighbour of, for the page to
     * say why it is offered; null for the genre-spread picks. */
    for (size_t i = 0; i < got; i++) {
        json_t *m = json_array_get(movies, i);
        const rs_item_meta *meta = because[i] >= 0 ? &r->srv->data->items[because[i]] : NULL;
        if (json_is_object(m))
            json_object_set_new(m, "because",
                                meta ? json_pack("{s:I, s:s}", "id", (json_int_t)meta->movie_id,
                                                 "title", meta->title ? meta->title : "")
                                     : json_null());
    }
    rs_reply_json(r, 200, json_pack("{s:o}", "items", movies));
}
