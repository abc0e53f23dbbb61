/* The throwaway private PostgreSQL every database suite runs against:
 * scripts/pg-cluster under <dir>/pg, fsync off (tests only; serving keeps
 * it on), an empty public schema so migrations run from scratch, and the
 * URL exported as RECSYS_DATABASE_URL. Run-level fixture: call from the
 * Check suite's parent process. */
#ifndef RS_TEST_PG_FIXTURE_H
#define RS_TEST_PG_FIXTURE_H

#include <stddef.h>

/* Start (or adopt) the cluster under <dir>/pg and reset its schema; writes
 * the URL into url. Returns 0, or -1 with the reason on stderr. */
int pg_fixture_start(const char *dir, char *url, size_t size);
/* Stop it; failures are reported on stderr. */
void pg_fixture_stop(const char *dir);

#endif
