/* Server-internal: the movies table mirrors the dataset's catalogue. */
#ifndef RS_SERVER_CATALOG_H
#define RS_SERVER_CATALOG_H

#include "recsys/db.h"

/* Upsert every catalogue item of `d` (metadata and base rating counts);
 * app rating counters are left alone. Safe to run at every start. */
rs_status rs_catalog_sync(rs_db *db, const rs_dataset *d, rs_error *err);

#endif
