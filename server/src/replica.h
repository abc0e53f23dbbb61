/* Server-internal: this server as one replica of several behind a load
 * balancer, sharing one PostgreSQL (docs/scaling.md).
 *
 *   cluster:
 *     replica_id: r1             # RECSYS_REPLICA_ID overrides; default host-pid
 *     artifact_dir: ../work/artifacts  # shared store of published versions
 *     poll_interval_s: 10        # how often model_versions is read
 *     retrain_every_s: 86400     # scheduled retraining (0 = none); one
 *                                # replica, the leader, trains
 *     drain_wait_ms: 2000        # SIGTERM: not-ready this long before closing
 *
 * Without a cluster section the replica is a bare state holder: ready
 * once started, draining on shutdown (with no wait), no threads.
 *
 * With it, two threads:
 *  - sync: every poll_interval_s, loads each source's newest published
 *    version that is newer than the one it serves (checksum first), through
 *    replica_apply_version; a version that fails is logged once and not
 *    retried. Every refresh interval / 4, reads rating_changes and marks
 *    the cached lists of users whose ratings changed (on any replica) dirty.
 *    The replica reports "starting" until its first sync has run.
 *  - trainer (retrain_every_s > 0 and a retrain: section): at each tick,
 *    whoever holds the PostgreSQL advisory lock (a session lock on a pooled
 *    connection it keeps, so a replica that dies releases it) retrains
 *    through the retrainer and publishes each accepted version.
 *
 * Thread contract: every function may be called from any thread between
 * rs_replica_new and rs_replica_free. */
#ifndef RS_SERVER_REPLICA_H
#define RS_SERVER_REPLICA_H

#include <jansson.h>
#include <stdint.h>

#include "recsys/config.h"
#include "recsys/config_fields.h"
#include "recsys/swap_gate.h"

typedef struct rs_server rs_server;
typedef struct rs_replica rs_replica;

typedef enum rs_replica_state {
    RS_REPLICA_STARTING = 0,
    RS_REPLICA_READY = 1,
    RS_REPLICA_DRAINING = 2
} rs_replica_state;

typedef struct rs_replica_config {
    int enabled; /* a cluster: section is present */
    char id[64];
    char artifact_dir[1024]; /* absolute */
    double poll_interval_s;
    double retrain_every_s;
    int64_t drain_wait_ms;
} rs_replica_config;

/* The cluster: section's field table (recsys/config_fields.h), for the
 * docs and tests; rs_replica_config_parse reads it. */
const rs_config_field *rs_replica_config_fields(size_t *n);

/* Defaults overlaid with cfg's cluster: section (cfg may be NULL), read
 * through the table; then the checks no row can express (retrain: must
 * not schedule its own runs) and the id (RECSYS_REPLICA_ID, the key, or
 * host-pid). */
rs_status rs_replica_config_parse(const rs_config *cfg, rs_replica_config *c, rs_error *err);

/* s must be built up to its lifecycle (s->lc). Starts the threads. */
rs_status rs_replica_new(rs_server *s, rs_replica **out, rs_error *err);
/* Stops the threads and gives the trainer lock back. NULL is a no-op. */
void rs_replica_free(rs_replica *r);

int rs_replica_enabled(const rs_replica *r);
const char *rs_replica_id(const rs_replica *r);
rs_replica_state rs_replica_get_state(const rs_replica *r);
const char *rs_replica_state_str(rs_replica_state st);
/* Not ready from now on; returns how long the caller should wait for the
 * load balancer to notice (cluster.drain_wait_ms). */
int64_t rs_replica_drain(rs_replica *r);

/* {"id", "state", "leader", "artifact_dir", "poll_interval_s",
 *  "retrain_every_s", "trains", "sources": {name: {"cluster_version",
 *  "failed_version", "failed_error"}}} (new reference). */
json_t *rs_replica_json(rs_replica *r);

/* Admin reload in a cluster. Resolve a published version of source to its
 * directory (RS_ERR_NOT_FOUND when there is none). */
rs_status rs_replica_version_dir(rs_replica *r, const char *source, int64_t version, char *dir,
                                 size_t size, rs_error *err);
/* The artifacts in dir went live here through the gate: publish them as
 * the next version so every replica follows (the gate's last event for
 * source becomes its metrics); *version receives it. */
rs_status rs_replica_publish(rs_replica *r, const char *source, const char *dir, int64_t *version,
                             rs_error *err);

#endif
