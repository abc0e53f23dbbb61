/* A user's ratings: set, remove, history. */
#include "server_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ISO_TIME(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

void rs_api_rating_put(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    json_t *body = rs_req_json(r);
    if (!body)
        return;
    json_t *v = json_object_get(body, "rating");
    double rating = json_is_number(v) ? json_number_value(v) : NAN;
    json_decref(body);
    /* The table's CHECK says the same; checking here gives a clear 400
     * before the database is touched. */
    if (!(rating >= 0.5 && rating <= 5.0) || rating * 2 != floor(rating * 2)) {
        rs_reply_error(r, 400, "bad_request",
                       "rating must be a number from 0.5 to 5.0 in steps of 0.5");
        return;
    }
    char uid[24], mid[24], val[8];
    snprintf(uid, sizeof uid, "%lld", (long long)r->user_id);
    snprintf(mid, sizeof mid, "%lld", (long long)r->id);
    snprintf(val, sizeof val, "%.1f", rating);
    const char *p[3] = {uid, mid, val};
    PGresult *res = rs_req_query(r,
        "INSERT INTO ratings (user_id, movie_id, rating)"
        " SELECT $1, m.id, $3::real FROM movies m WHERE m.id = $2"
        " ON CONFLICT (user_id, movie_id) DO UPDATE"
        "   SET rating = EXCLUDED.rating, updated_at = clock_timestamp()"
        " RETURNING movie_id, rating, " ISO_TIME("updated_at"), 3, p);
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        PQclear(res);
        rs_reply_error(r, 404, "not_found", "no movie with id %s", mid);
        return;
    }
    json_t *out = json_pack("{s:I, s:f, s:s}", "movie_id", (json_int_t)r->id,
                            "rating", strtod(PQgetvalue(res, 0, 1), NULL),
                            "updated_at", PQgetvalue(res, 0, 2));
    PQclear(res);
    rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
    rs_reply_json(r, 200, out);
}

void rs_api_rating_delete(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    char uid[24], mid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)r->user_id);
    snprintf(mid, sizeof mid, "%lld", (long long)r->id);
    const char *p[2] = {uid, mid};
    /* 404 only for a movie that does not exist; removing a rating that is
     * already gone is a successful no-op (DELETE is idempotent). */
    PGresult *res = rs_req_query(r,
        "WITH d AS (DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2)"
        " SELECT 1 FROM movies WHERE id = $2", 2, p);
    if (!res)
        return;
    int exists = PQntuples(res) > 0;
    PQclear(res);
    if (!exists) {
        rs_reply_error(r, 404, "not_found", "no movie with id %s", mid);
    } else {
        rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
        rs_reply_empty(r, 204, NULL);
    }
}

void rs_api_ratings(rs_req *r)
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
    const char *p[3] = {uid, limit, offset};
    PGresult *cnt = NULL, *res = rs_req_query(r,
        "SELECT " RS_MOVIE_COLS ", rt.rating, " ISO_TIME("rt.updated_at")
        " FROM ratings rt JOIN movies m ON m.id = rt.movie_id"
        " WHERE rt.user_id = $1 ORDER BY rt.updated_at DESC, rt.movie_id"
        " LIMIT $2::int OFFSET $3::int", 3, p);
    if (res)
        cnt = rs_req_query(r, "SELECT count(*) FROM ratings WHERE user_id = $1", 1, p);
    if (!cnt) {
        PQclear(res);
        return;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:o, s:f, s:s}",
            "movie", rs_movie_json(res, i, 0),
            "rating", strtod(PQgetvalue(res, i, RS_MOVIE_NCOLS), NULL),
            "updated_at", PQgetvalue(res, i, RS_MOVIE_NCOLS + 1)));
    json_int_t total = strtoll(PQgetvalue(cnt, 0, 0), NULL, 10);
    PQclear(res);
    PQclear(cnt);
    rs_reply_json(r, 200, json_pack("{s:I, s:I, s:I, s:o}", "page", (json_int_t)page,
                                    "page_size", (json_int_t)page_size, "total", total,
                                    "ratings", list));
}
