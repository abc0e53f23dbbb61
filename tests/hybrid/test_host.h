/*
 * A minimal plugin host for the hybrid tests and benchmark: dlopens real
 * plugin MODULEs, checks their ABI header, creates named instances with
 * "key=value" params, fits them on a fixture dataset and serves
 * acquire_instance/release_instance with reference counts and hot swaps,
 * as the engine will. It also captures log lines so tests can assert on
 * them. Thread contract: th_acquire/th_release and logging may run on many
 * threads; add/swap/remove/free on one.
 */
#ifndef HYB_TEST_HOST_H
#define HYB_TEST_HOST_H

#include "recsys/plugin.h"

typedef struct th_host th_host;

th_host *th_new(const rs_dataset *data);
/* Destroys every instance; refuses (returns nonzero) if refs are held. */
int th_free(th_host *th);

/* Load `so_path`, create instance `name` with params (NULL-terminated
 * "key=value" list, may be NULL) and fit it. */
rs_status th_add(th_host *th, const char *name, const char *so_path,
                 const char *const *params, rs_error *err);
/* Build a new version of `name` and swap it in. References to the old
 * version stay valid; retired versions are destroyed by th_free. */
rs_status th_swap(th_host *th, const char *name, const char *so_path,
                  const char *const *params, rs_error *err);
/* Drop instance `name` (later acquires fail with NOT_FOUND). */
void th_remove(th_host *th, const char *name);

/* Direct access to an instance's current version (tests call children). */
const rs_plugin_entry *th_entry(th_host *th, const char *name);
void *th_instance(th_host *th, const char *name);

/* References currently held on all instances, over the host's life. */
long th_refs_held(th_host *th);
/* Log lines containing `needle` (all lines when NULL). */
size_t th_log_count(th_host *th, const char *needle);
/* Print captured log lines (debugging). */
void th_log_dump(th_host *th);

#endif /* HYB_TEST_HOST_H */
