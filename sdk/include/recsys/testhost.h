/*
 * The SDK test host: a small in-process host for unit-testing a plugin
 * without the recsys engine, shipped with the SDK (library recsys_testhost,
 * CMake target recsys::testhost, pkg-config recsys-testhost).
 *
 * It does what the engine does at the plugin boundary, and nothing more:
 *   - loads a plugin MODULE (dlopen RTLD_LOCAL) and checks its ABI header,
 *     or takes an entry linked into the test;
 *   - creates named instances with "key=value" params (a key left out reads
 *     as RS_ERR_NOT_FOUND, so recsys/params.h uses the table's default;
 *     unlike the engine it does NOT validate against plugin.yaml) and fits
 *     them on the dataset given to rs_testhost_new;
 *   - serves acquire_instance/release_instance with reference counts and
 *     hot swaps, and child_recommend/child_score/child_similar;
 *   - fills every query as the engine does (user_index, and a known user's
 *     ratings when the query has none) and validates every output (n_out
 *     <= k, items in the catalogue, no duplicates, finite scores), failing
 *     with RS_ERR_INTERNAL naming the instance and the field;
 *   - captures log lines so a test can assert on them.
 *
 * Thread contract: acquire/release, the serving calls and logging may run
 * on many threads; new/add/swap/remove/free on one.
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
/* Print the captured log lines to stderr (debugging). */
void rs_testhost_log_dump(rs_testhost *th);

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_TESTHOST_H */
