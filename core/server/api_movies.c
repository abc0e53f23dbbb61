/* The catalogue: genres, sources, search, movie pages, similar, onboarding. */
#include "server_internal.h"

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
    static const struct { uint32_t bit; const char *name; } names[] = {
        {RS_CAP_FIT, "fit"}, {RS_CAP_PERSIST, "persist"},
        {RS_CAP_RECOMMEND, "recommend"}, {RS_CAP_SCORE, "score"},
        {RS_CAP_SIMILAR, "similar"}, {RS_CAP_EXPLAIN, "explain"},
        {RS_CAP_FOLD_IN, "fold_in"}, {RS_CAP_COMPOSITE, "composite"}};
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
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}",
                                              "name", name, "plugin", pe->name,
                                              "version", pe->version ? pe->version : "",
                                              "description", pe->description ? pe->description : "",
                                              "capabilities", capabilities(pe->capabilities)));
    }
    rs_reply_json(r, 200, json_pack("{s:s, s:o}", "default", r->srv->opt.default_source,
                                    "sources", list));
}

#define TITLE_PATTERN                                                      \
    "'%' || replace(replace(replace(lower($1), '\\', '\\\\'), '%', '\\%'),"       \
    " '_', '\\_') || '%'"

void rs_api_movies(rs_req *r)
{
    char query[201], genre[64];
    long page, page_size;
    if (rs_req_str(r, "query", query, sizeof query) < 0 ||
        rs_req_str(r, "genre", genre, sizeof genre) < 0 ||
        rs_req_int(r, "page", 1, 1, 100000, &page) < 0 ||
        rs_req_int(r, "page_size", 24, 1, 100, &page_size) < 0)
        return;
    char limit[24], offset[24];
    snprintf(limit, sizeof limit, "%ld", page_size);
    snprintf(offset, sizeof offset, "%ld", (page - 1) * page_size);
    /* A case-insensitive "contains" the trigram index (migration 002) can
     * answer; the user's % _ and \ are escaped, so they match literally. */
    const char *p[4] = {query, genre, limit, offset};
    PGresult *res = rs_req_query(r,
        "SELECT " RS_MOVIE_COLS ", count(*) OVER () FROM movies m"
        " WHERE ($1 = '' OR lower(m.title) LIKE " TITLE_PATTERN ")"
        "   AND ($2 = '' OR $2 = ANY(m.genres))"
        " ORDER BY CASE WHEN $1 <> '' AND lower(m.title) = lower($1) THEN 0 ELSE 1 END,"
        "          m.base_n + m.app_n DESC, m.id"
        " LIMIT $3::int OFFSET $4::int", 4, p);
    if (!res)
        return;
    json_int_t total = 0;
    int rows = PQntuples(res);
    json_t *movies = json_array();
    for (int i = 0; i < rows; i++)
        json_array_append_new(movies, rs_movie_json(res, i, 0));
    if (rows > 0) {
        total = strtoll(PQgetvalue(res, 0, RS_MOVIE_NCOLS), NULL, 10);
    } else if (page > 1) {
        /* Past the last page the window count is absent: count apart. */
        PGresult *cr = rs_req_query(r, "SELECT count(*) FROM movies m"
                                       " WHERE ($1 = '' OR lower(m.title) LIKE " TITLE_PATTERN ")"
                                       "   AND ($2 = '' OR $2 = ANY(m.genres))", 2, p);
        if (!cr) {
            PQclear(res);
            json_decref(movies);
            return;
        }
        total = strtoll(PQgetvalue(cr, 0, 0), NULL, 10);
        PQclear(cr);
    }
    PQclear(res);
    rs_reply_json(r, 200, json_pack("{s:I, s:I, s:I, s:o}", "page", (json_int_t)page,
                                    "page_size", (json_int_t)page_size, "total", total,
                                    "movies", movies));
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
    char id[24], uid[24];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    /* The user's own rating when a session cookie is present; anonymous
     * visitors see null. */
    if (rs_req_user_opt(r) < 0)
        return;
    snprintf(uid, sizeof uid, "%lld", (long long)r->user_id);
    const char *p[2] = {id, uid};
    PGresult *res = rs_req_query(r,
        "SELECT " RS_MOVIE_COLS ", m.overview, m.tags, rt.rating"
        " FROM movies m LEFT JOIN ratings rt ON rt.movie_id = m.id AND rt.user_id = $2"
        " WHERE m.id = $1", 2, p);
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        PQclear(res);
        rs_reply_error(r, 404, "not_found", "no movie with id %s", id);
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
    rs_reco_result *res = malloc(sizeof *res);
    if (!res) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    rs_error err = {0};
    rs_status st = rs_reco_similar(r->srv->reco, item, src, (size_t)k, res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        goto done;
    }
    json_t *movies = rs_result_movies(r, res);
    if (!movies)
        goto done;
    json_t *list = json_array();
    for (size_t i = 0; i < res->n; i++)
        json_array_append_new(list, json_pack("{s:O, s:f}", "movie",
                                              json_array_get(movies, i), "score",
                                              (double)res->items[i].score));
    json_decref(movies);
    rs_reply_json(r, 200, json_pack("{s:I, s:s, s:o}", "movie_id", (json_int_t)r->id,
                                    "source", res->source, "items", list));
done:
    free(res);
}

void rs_api_onboarding(rs_req *r)
{
    long n;
    if (rs_req_int(r, "n", 12, 1, 50, &n) < 0)
        return;
    int who = rs_req_user_opt(r);
    if (who < 0)
        return;
    rs_rating *rated = NULL;
    size_t n_rated = 0;
    rs_error err = {0};
    rs_status st = who ? rs_reco_user_ratings(r->srv->reco, r->user_id, &rated,
                                              &n_rated, &err)
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
    for (size_t i = 0; i < n_rated; i++)
        skip[rated[i].item] = 1;
    free(rated);
    int32_t picks[50];
    size_t got = rs_onboarding_pick(r->srv->onboarding, skip, (size_t)n, picks);
    free(skip);
    json_t *movies = rs_movies_by_items(r, picks, got);
    if (movies)
        rs_reply_json(r, 200, json_pack("{s:o}", "items", movies));
}
