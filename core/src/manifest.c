/* The artifact MANIFEST: what made a model, and whether it still fits. */
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MANIFEST_LINE_MAX 1024

/* ---- Fingerprint ---------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++) {
        h ^= b[k];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    /* the terminator too, so ("ab","c") and ("a","bc") differ */
    return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "", 1);
}

void rs_dataset_fingerprint(const rs_dataset *d, char *out, size_t cap)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t nu = (size_t)d->n_users, ni = (size_t)d->n_items, nr = d->n_ratings;
    h = fnv(h, &d->n_users, sizeof d->n_users);
    h = fnv(h, &d->n_items, sizeof d->n_items);
    h = fnv(h, &d->n_ratings, sizeof d->n_ratings);
    h = fnv(h, d->user_ids, nu * sizeof *d->user_ids);
    h = fnv(h, d->user_ptr, (nu + 1) * sizeof *d->user_ptr);
    h = fnv(h, d->user_item, nr * sizeof *d->user_item);
    h = fnv(h, d->user_rating, nr * sizeof *d->user_rating);
    if (d->user_time)
        h = fnv(h, d->user_time, nr * sizeof *d->user_time);
    if (d->cf_item)
        h = fnv(h, d->cf_item, ni);
    if (d->cf_user)
        h = fnv(h, d->cf_user, nu);
    for (size_t i = 0; i < ni; i++) {
        const rs_item_meta *m = &d->items[i];
        h = fnv(h, &m->movie_id, sizeof m->movie_id);
        h = fnv_str(h, m->title);
        h = fnv_str(h, m->genres);
        h = fnv_str(h, m->tags);
        h = fnv_str(h, m->overview);
    }
    snprintf(out, cap, "fnv1a64:%016" PRIx64 ", %d users, %d items, %zu ratings", h, d->n_users,
             d->n_items, d->n_ratings);
}

/* ---- Params as text ------------------------------------------------------- */

static void param_text(const rs_param_spec *spec, const rs_param_value *v, char *out, size_t cap)
{
    switch (spec->type) {
    case RS_PARAM_INT: snprintf(out, cap, "%" PRId64, v->i); break;
    /* %.17g round-trips a double, so equal text means equal value */
    case RS_PARAM_FLOAT: snprintf(out, cap, "%.17g", v->f); break;
    case RS_PARAM_BOOL: snprintf(out, cap, "%s", v->b ? "true" : "false"); break;
    default: snprintf(out, cap, "%s", v->s ? v->s : ""); break;
    }
}

rs_status rs_manifest_write(const char *dir, const rs_descriptor *desc, const char *plugin_version,
                            const rs_params *params, const rs_provenance *prov, rs_error *err)
{
    char path[4096 + 16], value[MANIFEST_LINE_MAX];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    FILE *m = fopen(path, "w");
    if (!m)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    int ok = fprintf(m,
                     "plugin: %s\nversion: %s\nabi: %d.%d\nsaved_at: %lld\n"
                     "data: %s\nbase: %s\n",
                     desc->name, plugin_version ? plugin_version : "", RS_ABI_MAJOR, RS_ABI_MINOR,
                     (long long)time(NULL), prov->data, prov->base) > 0;
    for (size_t j = 0; ok && j < desc->n_params; j++) {
        const rs_param_value *v;
        const rs_param_spec *spec = rs_params_lookup(params, desc->params[j].key, &v);
        if (!spec)
            continue;
        param_text(spec, v, value, sizeof value);
        ok = fprintf(m, "param.%s: %s\n", spec->key, value) > 0;
    }
    if (fclose(m) != 0 || !ok)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}

/* ---- Reading and comparing ------------------------------------------------- */

typedef struct manifest {
    char **key, **value;
    size_t n;
} manifest;

static void manifest_free(manifest *m)
{
    for (size_t k = 0; k < m->n; k++) {
        free(m->key[k]);
        free(m->value[k]);
    }
    free(m->key);
    free(m->value);
}

static int manifest_read(const char *path, manifest *m)
{
    FILE *f = fopen(path, "r");
    char line[MANIFEST_LINE_MAX];
    memset(m, 0, sizeof *m);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *colon = strstr(line, ": ");
        if (!colon)
            continue;
        *colon = '\0';
        char **nk = realloc(m->key, (m->n + 1) * sizeof *nk);
        if (nk)
            m->key = nk;
        char **nv = realloc(m->value, (m->n + 1) * sizeof *nv);
        if (nv)
            m->value = nv;
        if (!nk || !nv || !(m->key[m->n] = strdup(line)))
            break;
        if (!(m->value[m->n] = strdup(colon + 2))) {
            free(m->key[m->n]);
            break;
        }
        m->n++;
    }
    fclose(f);
    return 0;
}

static const char *manifest_get(const manifest *m, const char *key)
{
    for (size_t k = 0; k < m->n; k++)
        if (strcmp(m->key[k], key) == 0)
            return m->value[k];
    return NULL;
}

int rs_manifest_differs(const char *dir, const rs_descriptor *desc, const rs_params *params,
                        const char *base_fp, rs_provenance *prov, char *why, size_t cap)
{
    char path[4096 + 16], want[MANIFEST_LINE_MAX], key[256];
    manifest m;
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    if (manifest_read(path, &m) != 0) {
        snprintf(why, cap, "%s: cannot read: %s", path, strerror(errno));
        return 1;
    }
    int differs = 1;
    const char *plugin = manifest_get(&m, "plugin");
    const char *base = manifest_get(&m, "base"), *data = manifest_get(&m, "data");
    if (!plugin || strcmp(plugin, desc->name) != 0) {
        snprintf(why, cap, "%s: made by plugin '%s', the instance uses '%s'", path,
                 plugin ? plugin : "(none)", desc->name);
        goto out;
    }
    for (size_t j = 0; j < desc->n_params; j++) {
        const rs_param_value *v;
        const rs_param_spec *spec = rs_params_lookup(params, desc->params[j].key, &v);
        if (!spec)
            continue;
        param_text(spec, v, want, sizeof want);
        snprintf(key, sizeof key, "param.%s", spec->key);
        const char *have = manifest_get(&m, key);
        if (!have) {
            snprintf(why, cap,
                     "%s records no param %s (written before params were "
                     "recorded, or by another plugin version)",
                     path, spec->key);
            goto out;
        }
        if (strcmp(have, want) != 0) {
            snprintf(why, cap, "param %s = %s in %s, %s in the config", spec->key, have, path,
                     want);
            goto out;
        }
    }
    if (base_fp && (!base || strcmp(base, base_fp) != 0)) {
        snprintf(why, cap, "data: %s was fitted against %s, the data now is %s", path,
                 base ? base : "(unrecorded data)", base_fp);
        goto out;
    }
    if (prov) {
        snprintf(prov->data, sizeof prov->data, "%s", data ? data : "");
        snprintf(prov->base, sizeof prov->base, "%s", base ? base : "");
    }
    differs = 0;
out:
    manifest_free(&m);
    return differs;
}
