/* Server-internal: A/B exposure rows queued in memory and written to
 * PostgreSQL in batches by one background thread (issue 15: a synchronous
 * INSERT per recommendation response was a database round trip on the
 * request path of every cached list).
 *
 * What reaches the table is what the synchronous path writes: one row per
 * shown movie with its position, source and arm, every row of a response
 * sharing one shown_at. shown_at is taken when the response is queued (not
 * when the batch is written), and two responses never share one (each is
 * at least a microsecond after the previous), so the A/B statistics, which
 * group rows into responses by shown_at and compare it with rating times,
 * see the same thing either way (tests/server/test_server_perf_paths.c).
 *
 * Bounded: at most `capacity` rows wait; a response that does not fit is
 * dropped whole and counted (rs_exposure_queue_dropped, in /metrics), as
 * are rows whose batch PostgreSQL refused. The per-user-per-minute cap
 * (server.exposures_per_user_per_min) is applied before rows get here.
 * Freeing the queue writes what is still queued (clean shutdown).
 *
 * Thread contract: push/flush/counters from any thread concurrently;
 * _new/_free from one thread while no request runs. */
#ifndef RS_SERVER_EXPOSURE_QUEUE_H
#define RS_SERVER_EXPOSURE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "recsys/db.h"
#include "recsys/plugin.h"

typedef struct rs_exposure_queue rs_exposure_queue;

/* Start the writer thread. `db` must outlive the queue. */
rs_status rs_exposure_queue_new(rs_db *db, size_t capacity, rs_exposure_queue **out, rs_error *err);
/* Stop the writer after it has written everything queued. NULL is a no-op. */
void rs_exposure_queue_free(rs_exposure_queue *q);

/* Queue one response: n rows (movie_ids[i] shown at position i, credited
 * to sources[i]) under `arm` ("" = SQL NULL). Copies everything. Returns
 * 1 queued, 0 dropped (full, or out of memory). */
int rs_exposure_queue_push(rs_exposure_queue *q, int64_t user_id, const int64_t *movie_ids,
                           const char (*sources)[RS_SOURCE_NAME_MAX], size_t n, const char *arm);
/* Write everything queued so far before returning (tests, shutdown).
 * Returns 0, or -1 when some rows could not be written. */
int rs_exposure_queue_flush(rs_exposure_queue *q);

/* Rows dropped since start: queue full, or their batch failed. */
uint64_t rs_exposure_queue_dropped(const rs_exposure_queue *q);
/* Rows written since start. */
uint64_t rs_exposure_queue_written(const rs_exposure_queue *q);

#endif
