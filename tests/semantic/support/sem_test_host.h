/*
 * A minimal rs_host for the semantic plugin's tests and benchmark: params
 * come from the plugin's own descriptor defaults (plugins/semantic/
 * plugin.yaml) plus per-test overrides, logging goes to stderr when
 * RS_TEST_VERBOSE is set. Replaced by the core engine's host once it lands.
 */
#ifndef SEM_TEST_HOST_H
#define SEM_TEST_HOST_H

#include "recsys/plugin.h"

#define SEM_TEST_MAX_PARAMS 48

typedef struct sem_test_host {
    rs_host host; /* first: the plugin sees &host */
    const rs_dataset *data;
    char artifact_dir[1024];
    char name[64];
    int n;
    char key[SEM_TEST_MAX_PARAMS][48];
    char value[SEM_TEST_MAX_PARAMS][256];
} sem_test_host;

/* Initialise with the descriptor's defaults; returns 0 or -1 (message on
 * stderr) when the descriptor cannot be read. */
int sem_test_host_init(sem_test_host *h, const char *descriptor_path);
/* Override (or add) a param value, as YAML would give it. */
void sem_test_host_set(sem_test_host *h, const char *key, const char *value);

/* The plugin's entry, resolved from the statically linked objects. */
const rs_plugin_entry *sem_test_entry(void);

#endif
