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

/* '%' + text + '%' for LIKE, with the user's % _ and \ escaped so that
 * they match literally. Returns 0, or -1 when it does not fit. */
static int like_contains(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 3)
        return -1;
    out[n++] = '%';
    for (const char *c = text; *c; c++) {
        if (n + 4 > cap)
            return -1;
        if (*c == '%' || *c == '_' || *c == '\\')
            out[n++] = '\\';
        out[n++] = *c;
    }
    out[n++] = '%';
    out[n] = '\0';
    return 0;
}

/* The catalogue query: $1 a genre ('' = any) and, when searching, $2 the
 * LIKE pattern and $5 the query text. Two texts, not one with "$2 IS NULL
 * OR ...": a prepared statement's generic plan cannot use an index under
 * such an OR and scanned the catalogue. title_lc is lower(title), stored
 * and trigram-indexed (migration 003), so the LIKE is answered from the
 * index and lower() runs once per query. */
#define MOVIES_GENRE " ($1 = '' OR $1 = ANY(m.genres))"
#define MOVIES_TITLE " m.title_lc LIKE lower($2) AND"
#define MOVIES_ORDER " m.base_n + m.app_n DESC, m.id"

void rs_api_movies(rs_req *r)
{
    char query[201], genre[64], pattern[2 * sizeof query + 3];
    long page, page_size;
    if (rs_req_str(r, "query", query, sizeof query) < 0 ||
        rs_req_str(r, "genre", genre, sizeof genre) < 0 ||
        rs_req_int(r, "page", 1, 1, 100000, &page) < 0 ||
        rs_req_int(r, "page_size", 24, 1, 100, &page_size) < 0)
        return;
    /* pattern holds the worst case (every character escaped) */
    if (like_contains(query, pattern, sizeof pattern) < 0) {
        rs_reply_error(r, 400, "bad_request", "query too long");
        return;
    }
    char limit[24], offset[24];
    snprintf(limit, sizeof limit, "%ld", page_size);
    snprintf(offset, sizeof offset, "%ld", (page - 1) * page_size);
    int search = query[0] != '\0';
    const char *ps[5] = {genre, pattern, limit, offset, query};
    const char *pb[3] = {genre, limit, offset};
    /* A case-insensitive "contains"; an exact title match ranks first. */
    PGresult *res =
        search ? rs_req_query(r,
                     "SELECT " RS_MOVIE_COLS ", count(*) OVER () FROM movies m"
                     " WHERE" MOVIES_TITLE MOVIES_GENRE
                     " ORDER BY m.title_lc = lower($5) DESC," MOVIES_ORDER
                     " LIMIT $3::int OFFSET $4::int", 5, ps)
               : rs_req_query(r,
                     "SELECT " RS_MOVIE_COLS ", count(*) OVER () FROM movies m"
                     " WHERE" MOVIES_GENRE " ORDER BY" MOVIES_ORDER
                     " LIMIT $2::int OFFSET $3::int", 3, pb);
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
        PGresult *cr =
            search ? rs_req_query(r, "SELECT count(*) FROM movies m WHERE"
                                     MOVIES_TITLE MOVIES_GENRE, 2, ps)
                   : rs_req_query(r, "SELECT count(*) FROM movies m WHERE"
                                     MOVIES_GENRE, 1, pb);
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
