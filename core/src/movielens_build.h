/* Internal: build an rs_movielens from parts (used by dataset_formats.c). */
#ifndef RS_MOVIELENS_BUILD_H
#define RS_MOVIELENS_BUILD_H

#include "recsys/dataset.h"

/* Catalogue = item_ids[0..n_items) in that order (title = the id, no
 * genres or text); ratings = the n triples (item = catalogue index, user
 * ignored) of users user_ext[k]; duplicates must already be resolved.
 * Sorts t in place. */
rs_status rs_movielens_build(const int64_t *item_ids, int32_t n_items, rs_triple *t,
                             int64_t *user_ext, size_t n, const rs_load_options *opt,
                             rs_movielens **out, rs_error *err);

#endif
