/* A user's ratings: set, remove, history. */
#include "server_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

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
    char val[8];
    snprintf(val, sizeof val, "%.1f", rating);
    PGresult *res;
    rs_error err = {0};
    rs_status st = rs_store_rating_put(r->srv->db, r->user_id, r->id, val, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
        return;
    }
    json_t *out = json_pack("{s:I, s:f, s:s}", "movie_id", (json_int_t)r->id, "rating",
                            strtod(PQgetvalue(res, 0, 1), NULL), "updated_at",
                            PQgetvalue(res, 0, 2));
    PQclear(res);
    rs_body_cache_forget_user(r->srv->bodies, r->user_id); /* its lists' JSON */
    rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
    rs_reply_json(r, 200, out);
}

void rs_api_rating_delete(rs_req *r)
{
    if (!rs_req_user(r))
        return;
    /* 404 only for a movie that does not exist; removing a rating that is
     * already gone is a successful no-op (DELETE is idempotent). */
    int exists;
    rs_error err = {0};
    rs_status st = rs_store_rating_delete(r->srv->db, r->user_id, r->id, &exists, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    if (!exists) {
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
    } else {
        rs_body_cache_forget_user(r->srv->bodies, r->user_id); /* its lists' JSON */
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
    PGresult *res;
    long long total;
    rs_error err = {0};
    rs_status st = rs_store_ratings_page(r->srv->db, r->user_id, page_size, (page - 1) * page_size,
                                         &res, &total, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list,
                              json_pack("{s:o, s:f, s:s}", "movie", rs_movie_json(res, i, 0),
                                        "rating", strtod(PQgetvalue(res, i, RS_MOVIE_NCOLS), NULL),
                                        "updated_at", PQgetvalue(res, i, RS_MOVIE_NCOLS + 1)));
    PQclear(res);
    rs_reply_json(r, 200,
                  json_pack("{s:I, s:I, s:I, s:o}", "page", (json_int_t)page, "page_size",
                            (json_int_t)page_size, "total", (json_int_t)total, "ratings", list));
}
