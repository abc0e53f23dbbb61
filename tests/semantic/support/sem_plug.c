#include "sem_plug.h"

#include <stdio.h>
#include <string.h>

#define DESCRIPTOR RS_SOURCE_DIR "/plugins/semantic/plugin.yaml"

const rs_plugin_entry *rs_plugin_entry_v1(void);

const rs_plugin_entry *sem_test_entry(void) { return rs_plugin_entry_v1(); }

void sem_plug_init(sem_plug *p, const rs_dataset *data)
{
    memset(p, 0, sizeof *p);
    p->data = data;
    p->e = sem_test_entry();
}

void sem_plug_set(sem_plug *p, const char *key, const char *value)
{
    size_t kl = strlen(key);
    int i = 0;
    while (i < p->n && !(strncmp(p->kv[i], key, kl) == 0 && p->kv[i][kl] == '='))
        i++;
    if (i == SEM_PLUG_MAX_PARAMS)
        return;
    if (i == p->n)
        p->n++;
    snprintf(p->kv[i], sizeof p->kv[i], "%s=%s", key, value);
}

rs_status sem_plug_create(sem_plug *p, rs_error *err)
{
    const char *params[SEM_PLUG_MAX_PARAMS + 1] = {0};
    for (int i = 0; i < p->n; i++)
        params[i] = p->kv[i];
    sem_plug_destroy(p);
    if (!(p->th = rs_testhost_new(p->data)))
        return rs_error_set(err, RS_ERR_NOMEM, "out of memory");
    rs_testhost_options opt = {.descriptor = DESCRIPTOR, .no_fit = 1};
    rs_status st = rs_testhost_add_with(p->th, "semantic", NULL, p->e, params, &opt, err);
    if (st != RS_OK) {
        sem_plug_destroy(p);
        return st;
    }
    p->inst = rs_testhost_instance(p->th, "semantic");
    return RS_OK;
}

void sem_plug_destroy(sem_plug *p)
{
    rs_testhost_free(p->th);
    p->th = NULL;
    p->inst = NULL;
}
