/* Server-internal: the user's lists beside ratings (api_lists.c). */
#ifndef RS_SERVER_API_LISTS_H
#define RS_SERVER_API_LISTS_H

#include "server_internal.h"

/* PUT/DELETE/GET /api/watchlist[/{id}] and /api/hidden[/{id}] (🔒). */
void rs_api_watchlist_put(rs_req *r);
void rs_api_watchlist_delete(rs_req *r);
void rs_api_watchlist(rs_req *r);
void rs_api_hidden_put(rs_req *r);
void rs_api_hidden_delete(rs_req *r);
void rs_api_hidden(rs_req *r);
/* GET /api/me/marks (🔒): {ratings: {id: rating}, hidden: [id], watchlist: [id]}. */
void rs_api_me_marks(rs_req *r);

/* Marks mark[item] = 1 for every catalogue item the logged-in user hid
 * ("Not interested"); mark has n_items entries. Returns how many, or -1
 * with a reply sent (database unreachable). */
int rs_hidden_items(rs_req *r, uint8_t *mark);

#endif
