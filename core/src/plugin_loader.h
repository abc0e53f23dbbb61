/*
 * Internal: opening a plugin's shared object after its descriptor passed
 * validation, and checking its entry (ABI major/minor, struct size, name)
 * before any of its functions is called. Plugins are never dlclosed while
 * the process may still hold one of their instances (as PostgreSQL does).
 * Before dlopen the library's real path is resolved and refused unless it,
 * its directory, the descriptor's directory and the directories above are
 * owned by root or the running user and writable by nobody else
 * (docs/security.md, "Plugins").
 */
#ifndef RS_PLUGIN_LOADER_H
#define RS_PLUGIN_LOADER_H

#include "descriptor.h"

typedef struct rs_plugin {
    rs_descriptor *desc;   /* owned */
    void *handle;          /* dlopen handle */
    rs_plugin_entry entry; /* zeroed local copy of min(size, sizeof) bytes */
} rs_plugin;

/* Takes ownership of desc (freed on failure too). */
rs_status rs_plugin_open(rs_descriptor *desc, rs_plugin **out, rs_error *err);
void rs_plugin_close(rs_plugin *p);

/* The check alone, for tests: can `e` (its size as declared) be served? */
rs_status rs_plugin_check_entry(const char *what, const rs_plugin_entry *e, rs_error *err);

#endif
