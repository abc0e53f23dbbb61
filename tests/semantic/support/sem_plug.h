/*
 * The semantic plugin on the SDK test host (recsys/testhost.h): params are
 * the descriptor's defaults (plugins/semantic/plugin.yaml) under the
 * settings a test makes, and each sem_plug_create builds a fresh host over
 * the dataset, so a test can change a setting and create again. Used by
 * the suites and the search benchmark.
 */
#ifndef SEM_PLUG_H
#define SEM_PLUG_H

#include "recsys/testhost.h"

#define SEM_PLUG_MAX_PARAMS 48

typedef struct sem_plug {
    rs_testhost *th; /* NULL when no instance is alive */
    const rs_dataset *data;
    const rs_plugin_entry *e;
    void *inst; /* the plugin's instance, created but not fitted */
    int n;
    char kv[SEM_PLUG_MAX_PARAMS][320]; /* "key=value" settings */
} sem_plug;

/* No settings yet; data is the host's dataset (host->dataset()). */
void sem_plug_init(sem_plug *p, const rs_dataset *data);
/* Override (or add) a setting, as YAML would give it; applies from the
 * next sem_plug_create. */
void sem_plug_set(sem_plug *p, const char *key, const char *value);
/* Create the instance (after destroying any earlier one); its status is
 * create's (or the host's refusal of an undeclared key). */
rs_status sem_plug_create(sem_plug *p, rs_error *err);
/* Destroy the instance and its host. */
void sem_plug_destroy(sem_plug *p);

/* The plugin's entry, resolved from the statically linked objects. */
const rs_plugin_entry *sem_test_entry(void);

#endif
