/*
 * The SDK test host: a small in-process host for unit-testing a plugin
 * without the recsys engine, shipped with the SDK (library recsys_testhost,
 * CMake target recsys::testhost, pkg-config recsys-testhost).
 *
 * It does what the engine does at the plugin boundary, and nothing more:
 *   - loads a plugin MODULE (dlopen RTLD_LOCAL) and checks its ABI header,
 *     or takes an entry linked into the test;
 *   - creates named instances with "key=value" params (a key left out reads
 *     as RS_ERR_NOT_FOUND, so recsys/params.h uses the table's default) and
 *     fits them on the dataset given to rs_testhost_new; with
 *     rs_testhost_add_with it can also apply the defaults of the plugin's
 *     descriptor (plugin.yaml, read with libyaml) and refuse params the
 *     descriptor does not declare, as the engine does (it does not check
 *     types or ranges: that stays the engine's), create without fitting,
 *     and offer a thread count, a checkpoint directory and a resume flag;
 *   - gives each instance name its own artifact and checkpoint directories
 *     under a temporary directory it creates and removes;
 *   - serves acquire_instance/release_instance with reference counts and
 *     hot swaps, and child_recommend/child_score/child_similar;
 *   - fills every query as the engine does (user_index, and a known user's
 *     ratings when the query has none) and validates every output (n_out
 *     <= k, items in the catalogue, no duplicates, finite scores), failing
 *     with RS_ERR_INTERNAL naming the instance and the field;
 *   - captures log lines and progress reports so a test can assert on them.
 *
 * Thread contract: acquire/release, the serving calls and logging may run
 * on many threads; new/add/fit/swap/remove/free on one.
 */
#ifndef RECSYS_TESTHOST_H
#define RECSYS_TESTHOST_H

#include "recsys/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rs_testhost rs_testhost;

/* `data` is the catalogue and the training data; it must outlive the
 * host. NULL on allocation failure. */
rs_testhost *rs_testhost_new(const rs_dataset *data);
/* Destroys every instance, dependents (added later) first. Refuses
 * (returns nonzero, frees nothing) while references are held. NULL is a
 * no-op. */
int rs_testhost_free(rs_testhost *th);

/* Load the plugin at so_path, create instance `name` with params (a
 * NULL-terminated "key=value" list, may be NULL) and fit it when it can
 * fit. The instance is visible to acquire_instance only once fitted. */
rs_status rs_testhost_add(rs_testhost *th, const char *name, const char *so_path,
                          const char *const *params, rs_error *err);
/* The same for an entry linked into the test binary. */
rs_status rs_testhost_add_entry(rs_testhost *th, const char *name, const rs_plugin_entry *entry,
                                const char *const *params, rs_error *err);
/* Options for rs_testhost_add_with; a zeroed struct means rs_testhost_add. */
typedef struct rs_testhost_options {
    /* The plugin's descriptor: its params' defaults apply beneath the
     * params given (which win), and a given key it does not declare is
     * refused with RS_ERR_CONFIG naming it, as the engine refuses it.
     * NULL: none; RS_TESTHOST_DESCRIPTOR_BESIDE: plugin.yaml in so_path's
     * directory (as the engine finds it). */
    const char *descriptor;
    /* Create only: rs_testhost_fit fits it (the instance is visible to
     * acquire_instance from the start). */
    int no_fit;
    /* What host->threads() answers; 0 means 1. */
    int threads;
    /* Offer host->checkpoint_dir() (rs_testhost_checkpoint_dir); 0: the
     * host answers NULL, as the engine does when checkpointing is off. */
    int checkpoint;
    /* What host->resume() answers (`recsys train --resume`). */
    int resume;
} rs_testhost_options;

#define RS_TESTHOST_DESCRIPTOR_BESIDE ""

/* rs_testhost_add / rs_testhost_add_entry with options: so_path names the
 * library, or (when NULL) entry is linked into the test. opt may be NULL. */
rs_status rs_testhost_add_with(rs_testhost *th, const char *name, const char *so_path,
                               const rs_plugin_entry *entry, const char *const *params,
                               const rs_testhost_options *opt, rs_error *err);
/* Fit instance `name` on data (NULL: the host's dataset); queries served
 * through the host are then filled from that data. Use after no_fit, or
 * to refit. */
rs_status rs_testhost_fit(rs_testhost *th, const char *name, const rs_dataset *data, rs_error *err);

/* Instance name's directories, created on first use under the host's
 * temporary directory ($TMPDIR or /tmp) and removed, with everything in
 * them, by rs_testhost_free. They belong to the name, not to a version:
 * like the engine's state directory they survive swaps, rs_testhost_remove
 * and a later add under the same name, so a test can stop a fit and
 * resume it in a new instance. NULL when they cannot be created. */
const char *rs_testhost_artifact_dir(rs_testhost *th, const char *name);
const char *rs_testhost_checkpoint_dir(rs_testhost *th, const char *name);

/* Build a new version of `name` and swap it in. References to the old one
 * stay valid; retired versions are destroyed by rs_testhost_free. */
rs_status rs_testhost_swap(rs_testhost *th, const char *name, const char *so_path,
                           const char *const *params, rs_error *err);
/* Drop instance `name` (later acquires fail with RS_ERR_NOT_FOUND). */
void rs_testhost_remove(rs_testhost *th, const char *name);

/* The current version's entry and instance (NULL when unknown), for tests
 * that call a plugin directly. */
const rs_plugin_entry *rs_testhost_entry(rs_testhost *th, const char *name);
void *rs_testhost_instance(rs_testhost *th, const char *name);
/* The host table instance `name` was created with. */
const rs_host *rs_testhost_table(rs_testhost *th, const char *name);

/* Serve from instance `name` as the engine does: fill the query, call the
 * plugin, validate its output. */
rs_status rs_testhost_recommend(rs_testhost *th, const char *name, const rs_query *q, size_t k,
                                rs_scored *out, rs_explanation *explain, size_t *n_out,
                                rs_error *err);
rs_status rs_testhost_score(rs_testhost *th, const char *name, const rs_query *q,
                            const int32_t *items, size_t n, float *scores, rs_error *err);
rs_status rs_testhost_similar(rs_testhost *th, const char *name, int32_t item, size_t k,
                              rs_scored *out, size_t *n_out, rs_error *err);

/* References currently held on all versions. */
long rs_testhost_refs_held(rs_testhost *th);
/* Captured log lines containing `needle` (all when NULL). */
size_t rs_testhost_log_count(rs_testhost *th, const char *needle);
/* Progress reports received from every instance; the last one's text
 * ("task done/total detail") is copied into last (may be NULL). */
size_t rs_testhost_progress(rs_testhost *th, char *last, size_t cap);
/* Print the captured log lines to stderr (debugging). */
void rs_testhost_log_dump(rs_testhost *th);

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_TESTHOST_H */
