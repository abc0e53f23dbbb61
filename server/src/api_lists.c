/* The user's lists beside ratings (migration 004): 'hidden' ("Not
 * interested": left out of recommendations and onboarding until undone)
 * and 'watchlist' (saved for later); plus GET /api/me/marks, everything
 * the web app needs to mark cards (own rating, hidden, on the watchlist)
 * in one round trip. */
#include "api_lists.h"

#include <stdlib.h>
#include <string.h>

#define ISO_TIME(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The logged-in user's id and the {id} movie as query parameters.
 * Returns 0, or -1 with 401 sent. */
static int user_and_movie(rs_req *r, char uid[24], char mid[24])
{
    if (!rs_req_user(r))
        return -1;
    snprintf(uid, 24, "%lld", (long long)r->user_id);
    snprintf(mid, 24, "%lld", (long long)r->id);
    return 0;
}

/* PUT /api/{list}/{id}: add; idempotent (a second PUT keeps the first
 * added_at). 404 for an unknown movie. */
static void list_put(rs_req *r, const char *list)
{
    char uid[24], mid[24];
    if (user_and_movie(r, uid, mid) < 0)
        return;
    const char *p[3] = {uid, mid, list};
    /* DO UPDATE (a no-op) rather than DO NOTHING, so RETURNING always
     * yields the row and its first added_at. */
    PGresult *res = rs_req_query(r,
        "INSERT INTO user_lists (user_id, movie_id, list)"
        " SELECT $1, m.id, $3 FROM movies m WHERE m.id = $2"
        " ON CONFLICT (user_id, list, movie_id) DO UPDATE SET added_at = user_lists.added_at"
        " RETURNING " ISO_TIME("added_at"), 3, p);
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        PQclear(res);
        rs_reply_error(r, 404, "not_found", "no movie with id %s", mid);
        return;
    }
    json_t *out = json_pack("{s:I, s:s, s:s}", "movie_id", (json_int_t)r->id, "list", list,
                            "added_at", PQgetvalue(res, 0, 0));
    PQclear(res);
    /* Hiding a film must drop it from the cached lists at once, as a
     * rating does. */
    if (strcmp(list, "hidden") == 0)
        rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
    rs_reply_json(r, 200, out);
}

/* DELETE /api/{list}/{id}: remove; 204 also when it was not listed. */
static void list_delete(rs_req *r, const char *list)
{
    char uid[24], mid[24];
    if (user_and_movie(r, uid, mid) < 0)
        return;
    const char *p[3] = {uid, mid, list};
    PGresult *res = rs_req_query(r,
        "WITH d AS (DELETE FROM user_lists WHERE user_id = $1 AND movie_id = $2 AND list = $3)"
        " SELECT 1 FROM movies WHERE id = $2", 3, p);
    if (!res)
        return;
    int exists = PQntuples(res) > 0;
    PQclear(res);
    if (!exists) {
        rs_reply_error(r, 404, "not_found", "no movie with id %s", mid);
        return;
    }
    if (strcmp(list, "hidden") == 0)
        rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
    rs_reply_empty(r, 204, NULL);
}

/* GET /api/{list}?page=&page_size=: newest first. */
static void list_get(rs_req *r, const char *list)
{
    long page, page_size;
    if (rs_req_int(r, "page", 1, 1, 100000, &page) < 0 ||
        rs_req_int(r, "page_size", 24, 1, 100, &page_size) < 0)
        return;
    if (!rs_req_user(r))
        return;
    char uid[24], limit[24], offset[24];
    snprintf(uid, sizeof uid, "%lld", (long long)r->user_id);
    snprintf(limit, sizeof limit, "%ld", page_size);
    snprintf(offset, sizeof offset, "%ld", (page - 1) * page_size);
    const char *p[4] = {uid, list, limit, offset};
    PGresult *cnt = NULL, *res = rs_req_query(r,
        "SELECT " RS_MOVIE_COLS ", " ISO_TIME("l.added_at")
        " FROM user_lists l JOIN movies m ON m.id = l.movie_id"
        " WHERE l.user_id = $1 AND l.list = $2 ORDER BY l.added_at DESC, l.movie_id"
        " LIMIT $3::int OFFSET $4::int", 4, p);
    if (res)
        cnt = rs_req_query(r, "SELECT count(*) FROM user_lists WHERE user_id = $1 AND list = $2",
                           2, p);
    if (!cnt) {
        PQclear(res);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(items, json_pack("{s:o, s:s}", "movie", rs_movie_json(res, i, 0),
                                               "added_at", PQgetvalue(res, i, RS_MOVIE_NCOLS)));
    json_int_t total = strtoll(PQgetvalue(cnt, 0, 0), NULL, 10);
    PQclear(res);
    PQclear(cnt);
    rs_reply_json(r, 200, json_pack("{s:I, s:I, s:I, s:o}", "page", (json_int_t)page,
                                    "page_size", (json_int_t)page_size, "total", total,
                                    "items", items));
}

void rs_api_watchlist_put(rs_req *r) { list_put(r, "watchlist"); }
void rs_api_watchlist_delete(rs_req *r) { list_delete(r, "watchlist"); }
void rs_api_watchlist(rs_req *r) { list_get(r, "watchlist"); }
void rs_api_hidden_put(rs_req *r) { list_put(r, "hidden"); }
void rs_api_hidden_delete(rs_req *r) { list_delete(r, "hidden"); }
void rs_api_hidden(rs_req *r) { list_get(r, "hidden"); }

void rs_api_me_marks(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)r->user_id);
    const char *p[1] = {uid};
    /* One statement: ratings and list rows, as (movie, kind, rating). */
    PGresult *res = rs_req_query(r,
        "SELECT movie_id, 'rating', rating FROM ratings WHERE user_id = $1"
        " UNION ALL SELECT movie_id, list, NULL FROM user_lists WHERE user_id = $1", 1, p);
    if (!res)
        return;
    json_t *ratings = json_object(), *hidden = json_array(), *watchlist = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0), *kind = PQgetvalue(res, i, 1);
        if (strcmp(kind, "rating") == 0)
            json_object_set_new(ratings, id, json_real(strtod(PQgetvalue(res, i, 2), NULL)));
        else
            json_array_append_new(strcmp(kind, "hidden") == 0 ? hidden : watchlist,
                                  json_integer(strtoll(id, NULL, 10)));
    }
    PQclear(res);
    rs_reply_json(r, 200, json_pack("{s:o, s:o, s:o}", "ratings", ratings, "hidden", hidden,
                                    "watchlist", watchlist));
}

int rs_hidden_items(rs_req *r, uint8_t *mark)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)r->user_id);
    const char *p[1] = {uid};
    PGresult *res = rs_req_query(r,
        "SELECT movie_id FROM user_lists WHERE user_id = $1 AND list = 'hidden'", 1, p);
    if (!res)
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        int32_t item = rs_movielens_item_index(r->srv->ml, strtoll(PQgetvalue(res, i, 0), NULL, 10));
        if (item >= 0) {
            mark[item] = 1;
            n++;
        }
    }
    PQclear(res);
    return n;
}
