/* Server-internal: the recommendation and similar handlers' use of the
 * body cache (body_cache.h): what keys and fingerprints their answers,
 * and sending a kept body. The handlers call get/reply first and, on a
 * miss, build the answer as before and hand it to _keep, which sends it
 * and keeps its text. */
#ifndef RS_SERVER_PREBUILT_H
#define RS_SERVER_PREBUILT_H

#include "server_internal.h"

/* ---- GET /api/recommendations ---- */

/* The list's fingerprint: everything its body is built from that may
 * change while the request stays the same (items, scores, explanations,
 * credited sources, model version, when computed, arm). */
uint64_t rs_prebuilt_reco_fp(const rs_reco_list *l, const rs_serving_choice *ch);
/* Send the body kept under key for fp, logging its exposures as the
 * original response did (l/choice are scratch for that). 1 when sent;
 * 0 with *epoch set for rs_prebuilt_reco_keep. */
int rs_prebuilt_reco_reply(rs_req *r, const char *key, uint64_t fp, rs_reco_list *l,
                           rs_serving_choice *choice, uint64_t *epoch);
/* Send `body` (stolen); when key is not NULL keep its text with the shown
 * films of l/ch for the next request. */
void rs_prebuilt_reco_keep(rs_req *r, json_t *body, const char *key, uint64_t fp, uint64_t epoch,
                           const rs_reco_list *l, const rs_serving_choice *ch);

/* ---- GET /api/movies/{id}/similar ---- */

/* Send the kept list of (item, source, k) when it was built from the
 * source's serving model version; 1 when sent. Else 0 with key, *version
 * and *epoch set for rs_prebuilt_similar_keep (key has RS_BODY_KEY_MAX
 * bytes). */
int rs_prebuilt_similar_reply(rs_req *r, int32_t item, const char *source, long k, char *key,
                              uint64_t *version, uint64_t *epoch);
/* Send `body` (stolen); keep its text under key (NULL: do not keep). */
void rs_prebuilt_similar_keep(rs_req *r, const char *key, uint64_t version, uint64_t epoch,
                              json_t *body);

#endif
