/*
 * The engine: loads the plugins a config names (descriptor first, then
 * dlopen), validates every instance's params against its descriptor's
 * schema, creates the instances in dependency order and serves them.
 *
 * Each instance name is a slot holding the current serving version. Calls
 * take a reference to the current version for their duration, so a swap
 * never waits for or disturbs in-flight requests; the old version is
 * destroyed after its last reader releases it. Plugins are never dlclosed
 * while the engine lives.
 *
 * A new version starts as a candidate (rs_candidate): an instance fitted
 * (rs_engine_fit_candidate) or loaded from an artifact dir
 * (rs_engine_load_candidate) that serves nobody. Its owner may save it
 * (rs_candidate_save), judge it (rs_candidate_recommend/score) and then
 * either publish it (rs_engine_publish: the atomic, reference-counted swap)
 * or free it. So a plugin's fit, load and save only ever run on an
 * instance that is not serving, as plugin.h promises: save comes before
 * publish, never after.
 *
 * Thread contract:
 *   - rs_engine_recommend/score/similar/acquire/release and the read-only
 *     getters may run on many threads at once, alongside everything below.
 *   - rs_engine_fit_candidate, rs_engine_load_candidate and the one-call
 *     forms (fit, train, load, reload, load_or_train*) may run on any
 *     thread while requests are served; they build off to the side. Two
 *     fits of one slot must not overlap (they share its checkpoint dir);
 *     loads may.
 *   - A candidate belongs to the thread that made it until it is published
 *     or freed; rs_candidate_recommend/score may run on several threads at
 *     once (plugin.h: those callbacks are concurrent-safe).
 *   - rs_engine_publish may run on any thread; publishes of one slot are
 *     serialised by the slot mutex, the last one wins.
 *   - rs_engine_new/free run on one thread with nothing else in flight;
 *     every candidate is published or freed before rs_engine_free.
 *   - Plugin callbacks: create, fit, load and save run on the thread that
 *     called the engine, on a candidate; recommend/score/similar on the
 *     caller's thread; destroy of a retired version runs on whichever
 *     thread drops its last reference (often a request thread), destroy of
 *     a candidate on the thread that frees it.
 */
#ifndef RECSYS_ENGINE_H
#define RECSYS_ENGINE_H

#include "recsys/config.h"
#include "recsys/plugin.h"

typedef struct rs_engine rs_engine;

/* Create instances for every configured instance over `data` (not fitted:
 * call rs_engine_load_or_train, or see the candidates below). `data` must
 * outlive the engine. Instances are created in dependency order: one whose
 * `instance` params (plugin.yaml) name others comes after them; a name that
 * is not configured, or a cycle, is RS_ERR_CONFIG at file:line:column. */
rs_status rs_engine_new(const rs_config *cfg, const rs_dataset *data, rs_engine **out,
                        rs_error *err);
void rs_engine_free(rs_engine *e);

const rs_dataset *rs_engine_dataset(const rs_engine *e);
size_t rs_engine_instance_count(const rs_engine *e);
/* Instances in dependency order (children before composites). */
const char *rs_engine_instance_name(const rs_engine *e, size_t i);
const rs_plugin_entry *rs_engine_instance_entry(const rs_engine *e, const char *name);
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

/* ---- candidates ----------------------------------------------------------- */

typedef struct rs_candidate rs_candidate;

/* Fit a new instance of slot `name` on `train` (NULL = the engine's
 * dataset). `train` must outlive the candidate and, once published, the
 * version (use rs_engine_load_candidate on saved artifacts when it will
 * not). Without rs_engine_set_resume the slot's checkpoint dir is cleared
 * first. */
rs_status rs_engine_fit_candidate(rs_engine *e, const char *name, const rs_dataset *train,
                                  rs_candidate **out, rs_error *err);

/* THE way from an artifact dir to a (future) serving version: `dir` (NULL
 * = the slot's artifact dir) must hold a MANIFEST written for this plugin
 * with this instance's params (RS_ERR_CONFIG naming the param otherwise;
 * the data is not compared, a lifecycle retrain is fitted on base + app
 * ratings), then the plugin's load validates its files over the engine's
 * dataset. On any failure nothing is created and nothing serving changes.
 * The swap gate, the admin reload and start-up all come through here. */
rs_status rs_engine_load_candidate(rs_engine *e, const char *name, const char *dir,
                                   rs_candidate **out, rs_error *err);

/* Write the candidate's artifacts and MANIFEST into `dir` (NULL = the
 * slot's artifact dir): into <dir>.new, renamed over <dir> only once
 * everything succeeded, so a failed save never replaces good files. */
rs_status rs_candidate_save(rs_candidate *c, const char *dir, rs_error *err);

/* Recommend / score through the candidate itself (the swap gate's smoke
 * test and holdout), with the same capability checks as the serving
 * calls. */
rs_status rs_candidate_recommend(rs_candidate *c, const rs_query *q, size_t k, rs_scored *out,
                                 rs_explanation *explain, size_t *n_out, rs_error *err);
rs_status rs_candidate_score(rs_candidate *c, const rs_query *q, const int32_t *items, size_t n,
                             float *scores, rs_error *err);

/* The slot the candidate is for. */
const char *rs_candidate_name(const rs_candidate *c);

/* Make the candidate its slot's serving version (the reference-counted hot
 * swap: in-flight requests finish on the old one). Takes ownership of `c`
 * whatever the result; *version (may be NULL) receives the new version
 * number. */
rs_status rs_engine_publish(rs_engine *e, rs_candidate *c, int64_t *version, rs_error *err);

/* Destroy a candidate that will not be published; NULL is a no-op. */
void rs_candidate_free(rs_candidate *c);

/* ---- the same in one call -------------------------------------------------- */

/* Fit and publish without artifacts (evaluation, benches, tests). */
rs_status rs_engine_fit(rs_engine *e, const char *name, const rs_dataset *train, rs_error *err);
/* Fit, save to the slot's artifact dir, then publish (`recsys train`). */
rs_status rs_engine_train(rs_engine *e, const char *name, const rs_dataset *train, rs_error *err);
/* Load the slot's artifact dir (rs_engine_reload with dir NULL). */
rs_status rs_engine_load(rs_engine *e, const char *name, rs_error *err);

/* Load a candidate from `dir` (NULL = the slot's artifact dir) and publish
 * it, ungated. On any failure the serving version is untouched. The
 * server's admin reload goes through the swap gate instead. */
rs_status rs_engine_reload(rs_engine *e, const char *name, const char *dir, rs_error *err);

/* Make the artifacts in `dir` the slot's default ones (its artifact dir),
 * so a restart serves them: MANIFEST-checked like a load, copied into
 * <artifact dir>.new and renamed over it. No plugin code runs, so only the
 * MANIFEST is checked here: install what was loaded (the retrainer
 * installs a version once the gate loaded and published it). */
rs_status rs_engine_install_artifacts(rs_engine *e, const char *name, const char *dir,
                                      rs_error *err);

/* For each slot in dependency order: load its artifacts when present,
 * otherwise fit (with progress) and save. Plugins without RS_CAP_PERSIST
 * are fitted every time. */
rs_status rs_engine_load_or_train(rs_engine *e, int force_train, rs_error *err);

/* The same for one slot, after the instances it names in its `instance`
 * params (recursively) that are not serving yet. */
rs_status rs_engine_load_or_train_one(rs_engine *e, const char *name, int force_train,
                                      rs_error *err);

/* Serving calls: take a reference, check the capability ("instance 'x'
 * (plugin y) does not support similar"), fill the query (ABI 1.1: the
 * user's dense index in the version's dataset, and a known user's ratings
 * when q gives none), call the plugin and validate what it returns (n_out
 * <= k, items in the catalogue, no duplicates, finite scores): a violation
 * is RS_ERR_FORMAT (malformed data) naming the instance, the plugin and the
 * field, with *n_out = 0. Composites reach their children the same way
 * (host child_recommend/child_score/child_similar). */
rs_status rs_engine_recommend(rs_engine *e, const char *name, const rs_query *q, size_t k,
                              rs_scored *out, rs_explanation *explain, size_t *n_out,
                              rs_error *err);
rs_status rs_engine_score(rs_engine *e, const char *name, const rs_query *q, const int32_t *items,
                          size_t n, float *scores, rs_error *err);
rs_status rs_engine_similar(rs_engine *e, const char *name, int32_t item, size_t k, rs_scored *out,
                            size_t *n_out, rs_error *err);

/* Ask a serving instance to describe itself (the entry's optional
 * `describe`, ABI 1.1): one short JSON object into buf[cap]. Returns
 * RS_ERR_UNSUPPORTED when the plugin has no describe, RS_ERR_STATE when the
 * instance is not serving yet. Concurrent-safe. */
rs_status rs_engine_describe_instance(rs_engine *e, const char *name, char *buf, size_t cap,
                                      rs_error *err);

/* Reference counting, as the host table's acquire/release. */
rs_status rs_engine_acquire(rs_engine *e, const char *name, rs_instance_ref *ref, rs_error *err);
void rs_engine_release(rs_engine *e, rs_instance_ref *ref);

/* Plugin descriptors found on the plugin path (for `recsys plugins`):
 * writes a human-readable listing. A plugin whose plugin.yaml lists its
 * `capabilities` is described without loading its library. */
rs_status rs_engine_describe_plugins(const rs_config *cfg, FILE *out, rs_error *err);

const char *rs_status_str(rs_status s);

#endif /* RECSYS_ENGINE_H */
