/*
 * External id -> dense index lookup (sorted pairs + binary search), for
 * movie ids in files and user ids in queries. Immutable after build.
 */
#ifndef RS_SEMANTIC_IDMAP_H
#define RS_SEMANTIC_IDMAP_H

#include <stdint.h>

#include "recsys/plugin.h"

typedef struct sem_idmap {
    int32_t n;
    int64_t *id;    /* [n] sorted */
    int32_t *index; /* [n] dense index of id[i] */
} sem_idmap;

/* Build over ids[n] (dense index = position). A duplicate id fails with
 * RS_ERR_INVALID naming `what` and the id. */
rs_status sem_idmap_build(sem_idmap *m, const int64_t *ids, int32_t n, const char *what,
                          rs_error *err);
/* The same over the catalogue's movie ids. */
rs_status sem_idmap_build_items(sem_idmap *m, const rs_dataset *d, rs_error *err);
void sem_idmap_free(sem_idmap *m);
/* Dense index of id, or -1. */
int32_t sem_idmap_find(const sem_idmap *m, int64_t id);

#endif /* RS_SEMANTIC_IDMAP_H */
