/*
 * The engine: loads the plugins a config names (descriptor first, then
 * dlopen), validates every instance's params against its descriptor's
 * schema, creates the instances in dependency order and serves them.
 *
 * Each instance name is a slot holding the current serving version. Calls
 * take a reference to the current version for their duration, so a swap
 * (rs_engine_swap) never waits for or disturbs in-flight requests; the old
 * version is destroyed after its last reader releases it. Plugins are never
 * dlclosed while the engine lives.
 *
 * Thread contract: rs_engine_recommend/score/similar/acquire/release and
 * the read-only getters may run on many threads at once. new/free, and
 * fit/load/swap for one slot, are called by one thread at a time.
 */
#ifndef RECSYS_ENGINE_H
#define RECSYS_ENGINE_H

#include "recsys/config.h"
#include "recsys/plugin.h"

typedef struct rs_engine rs_engine;

/* Create instances for every configured instance over `data` (not fitted:
 * call rs_engine_fit or rs_engine_load). `data` must outlive the engine.
 * Instances are created in dependency order: one whose `instance` params
 * (plugin.yaml) name others comes after them; a name that is not
 * configured, or a cycle, is RS_ERR_CONFIG at file:line:column. */
rs_status rs_engine_new(const rs_config *cfg, const rs_dataset *data,
                        rs_engine **out, rs_error *err);
void rs_engine_free(rs_engine *e);

const rs_dataset *rs_engine_dataset(const rs_engine *e);
size_t rs_engine_instance_count(const rs_engine *e);
/* Instances in dependency order (children before composites). */
const char *rs_engine_instance_name(const rs_engine *e, size_t i);
const rs_plugin_entry *rs_engine_instance_entry(const rs_engine *e,
                                                const char *name);
/* Serving version number of a slot (0 = never fitted/loaded, -1 unknown). */
int64_t rs_engine_instance_version(const rs_engine *e, const char *name);
/* Directory for a slot's artifacts: <work_dir>/models/<name>. */
const char *rs_engine_artifact_dir(const rs_engine *e, const char *name);

/* Directory for a slot's training checkpoints: <work_dir>/checkpoints/<name>
 * (host->checkpoint_dir). */
const char *rs_engine_checkpoint_dir(const rs_engine *e, const char *name);

/* Whether the next fits continue from their checkpoints (`train --resume`).
 * Off by default: then every fit first clears its slot's checkpoint dir, so
 * a plugin never picks up a checkpoint of an older run by accident. */
void rs_engine_set_resume(rs_engine *e, int resume);

/* Fit a slot on `train` (NULL = the engine's dataset; must outlive the
 * engine) in place. Used before serving starts (CLI, evaluation). */
rs_status rs_engine_fit(rs_engine *e, const char *name,
                        const rs_dataset *train, rs_error *err);
rs_status rs_engine_save(rs_engine *e, const char *name, rs_error *err);
/* Load a slot's artifacts from its artifact dir in place. */
rs_status rs_engine_load(rs_engine *e, const char *name, rs_error *err);

/* For each slot in dependency order: load its artifacts when present,
 * otherwise fit (with progress) and save. Plugins without RS_CAP_PERSIST
 * are fitted every time. */
rs_status rs_engine_load_or_train(rs_engine *e, int force_train,
                                  rs_error *err);

/* The same for one slot, after the instances it names in its `instance`
 * params (recursively) that are not serving yet. */
rs_status rs_engine_load_or_train_one(rs_engine *e, const char *name,
                                      int force_train, rs_error *err);

/* Build a fresh version of slot `name` from `dir` (NULL = its artifact
 * dir), off the request path, and swap it in atomically. On any failure
 * the serving version is untouched. */
rs_status rs_engine_reload(rs_engine *e, const char *name, const char *dir,
                           rs_error *err);

/* Serving calls: take a reference, check the capability ("instance 'x'
 * (plugin y) does not support similar"), fill the query (ABI 1.1: the
 * user's dense index in the version's dataset, and a known user's ratings
 * when q gives none), call the plugin and validate what it returns (n_out
 * <= k, items in the catalogue, no duplicates, finite scores): a violation
 * is RS_ERR_FORMAT (malformed data) naming the instance, the plugin and the
 * field, with *n_out = 0. Composites reach their children the same way
 * (host child_recommend/child_score/child_similar). */
rs_status rs_engine_recommend(rs_engine *e, const char *name,
                              const rs_query *q, size_t k, rs_scored *out,
                              rs_explanation *explain, size_t *n_out,
                              rs_error *err);
rs_status rs_engine_score(rs_engine *e, const char *name, const rs_query *q,
                          const int32_t *items, size_t n, float *scores,
                          rs_error *err);
rs_status rs_engine_similar(rs_engine *e, const char *name, int32_t item,
                            size_t k, rs_scored *out, size_t *n_out,
                            rs_error *err);

/* Ask a serving instance to describe itself (the entry's optional
 * `describe`, ABI 1.1): one short JSON object into buf[cap]. Returns
 * RS_ERR_UNSUPPORTED when the plugin has no describe, RS_ERR_STATE when the
 * instance is not serving yet. Concurrent-safe. */
rs_status rs_engine_describe_instance(rs_engine *e, const char *name, char *buf,
                                      size_t cap, rs_error *err);

/* Reference counting, as the host table's acquire/release. */
rs_status rs_engine_acquire(rs_engine *e, const char *name,
                            rs_instance_ref *ref, rs_error *err);
void rs_engine_release(rs_engine *e, rs_instance_ref *ref);

/* Plugin descriptors found on the plugin path (for `recsys plugins`):
 * writes a human-readable listing. A plugin whose plugin.yaml lists its
 * `capabilities` is described without loading its library. */
rs_status rs_engine_describe_plugins(const rs_config *cfg, FILE *out,
                                     rs_error *err);

const char *rs_status_str(rs_status s);

#endif /* RECSYS_ENGINE_H */
