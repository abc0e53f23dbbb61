/* The user's lists beside ratings (migration 004): 'hidden' ("Not
 * interested": left out of recommendations and onboarding until undone)
 * and 'watchlist' (saved for later); plus GET /api/me/marks, everything
 * the web app needs to mark cards (own rating, hidden, on the watchlist)
 * in one round trip. */
#include "api_lists.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

/* PUT /api/{list}/{id}: add; idempotent (a second PUT keeps the first
 * added_at). 404 for an unknown movie. */
static void list_put(rs_req *r, const char *list)
{
    if (!rs_req_user(r))
        return;
    PGresult *res;
    rs_error err = {0};
    rs_status st = rs_store_list_add(r->srv->db, r->user_id, r->id, list, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
        return;
    }
    json_t *out = json_pack("{s:I, s:s, s:s}", "movie_id", (json_int_t)r->id, "list", list,
                            "added_at", PQgetvalue(res, 0, 0));
    PQclear(res);
    /* Hiding a film must drop it from the cached lists at once, as a
     * rating does. */
    if (strcmp(list, "hidden") == 0) {
        rs_body_cache_forget_user(r->srv->bodies, r->user_id); /* its lists' JSON */
        rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
    }
    rs_reply_json(r, 200, out);
}

/* DELETE /api/{list}/{id}: remove; 204 also when it was not listed. */
static void list_delete(rs_req *r, const char *list)
{
    if (!rs_req_user(r))
        return;
    int exists;
    rs_error err = {0};
    rs_status st = rs_store_list_remove(r->srv->db, r->user_id, r->id, list, &exists, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    if (!exists) {
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
        return;
    }
    if (strcmp(list, "hidden") == 0) {
        rs_body_cache_forget_user(r->srv->bodies, r->user_id); /* its lists' JSON */
        rs_lc_rating_changed(r->srv->lc, r->user_id, r->id);
    }
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
    PGresult *res;
    long long total;
    rs_error err = {0};
    rs_status st = rs_store_list_page(r->srv->db, r->user_id, list, page_size,
                                      (page - 1) * page_size, &res, &total, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(items, json_pack("{s:o, s:s}", "movie", rs_movie_json(res, i, 0),
                                               "added_at", PQgetvalue(res, i, RS_MOVIE_NCOLS)));
    PQclear(res);
    rs_reply_json(r, 200,
                  json_pack("{s:I, s:I, s:I, s:o}", "page", (json_int_t)page, "page_size",
                            (json_int_t)page_size, "total", (json_int_t)total, "items", items));
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
    PGresult *res;
    rs_error err = {0};
    rs_status st = rs_store_marks(r->srv->db, r->user_id, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return;
    }
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
    rs_reply_json(
        r, 200,
        json_pack("{s:o, s:o, s:o}", "ratings", ratings, "hidden", hidden, "watchlist", watchlist));
}

int rs_hidden_items(rs_req *r, uint8_t *mark)
{
    PGresult *res;
    rs_error err = {0};
    rs_status st = rs_store_hidden_movies(r->srv->db, r->user_id, &res, &err);
    if (st != RS_OK) {
        rs_reply_status(r, st, &err);
        return -1;
    }
    int n = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        int32_t item = rs_movielens_item_index(r->srv->ml,
                                               strtoll(PQgetvalue(res, i, 0), NULL, 10));
        if (item >= 0) {
            mark[item] = 1;
            n++;
        }
    }
    PQclear(res);
    return n;
}
