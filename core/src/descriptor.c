#include "descriptor.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const desc_keys[] = {"name",        "library",      "abi",    "version",
                                        "description", "capabilities", "params", NULL};
/* Bit i of RS_CAP_* is cap_names[i]. */
static const char *const cap_names[] = {"fit",     "persist", "recommend", "score",
                                        "similar", "explain", "fold-in",   "composite"};
#define N_CAPS (sizeof cap_names / sizeof cap_names[0])
static const char *const spec_keys[] = {"type", "default", "min", "max", "values", "doc", NULL};

const char *rs_param_type_name(rs_param_type t)
{
    switch (t) {
    case RS_PARAM_INT: return "int";
    case RS_PARAM_FLOAT: return "float";
    case RS_PARAM_BOOL: return "bool";
    case RS_PARAM_STRING: return "string";
    case RS_PARAM_ENUM: return "enum";
    case RS_PARAM_INSTANCE: return "instance";
    }
    return "?";
}

void rs_caps_string(uint32_t caps, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_CAPS; i++)
        if (caps & (1u << i)) {
            int w = snprintf(buf + used, size - used, "%s%s", used ? "," : "", cap_names[i]);
            if (w < 0 || (size_t)w >= size - used)
                return;
            used += (size_t)w;
        }
}

/* The optional `capabilities: [fit, persist, ...]` list. */
static rs_status parse_caps(const rs_yaml_node *n, uint32_t *caps, rs_error *err)
{
    char where[300];
    if (n->kind != RS_YAML_SEQ)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'capabilities' must be a list",
                            rs_yaml_where(n, where, sizeof where));
    *caps = 0;
    for (size_t j = 0; j < n->n; j++) {
        const rs_yaml_node *c = n->items[j];
        size_t i = 0;
        while (c->kind == RS_YAML_SCALAR && i < N_CAPS && strcmp(c->scalar, cap_names[i]) != 0)
            i++;
        if (c->kind != RS_YAML_SCALAR || i == N_CAPS)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sunknown capability '%s' (fit, persist, recommend, score, "
                                "similar, explain, fold-in, composite)",
                                rs_yaml_where(c, where, sizeof where),
                                c->kind == RS_YAML_SCALAR ? c->scalar : "?");
        *caps |= 1u << i;
    }
    return RS_OK;
}

void rs_descriptor_free(rs_descriptor *d)
{
    if (!d)
        return;
    free(d->path);
    free(d->dir);
    free(d->params);
    rs_yaml_free(d->root);
    free(d);
}

static rs_status need_string(const rs_yaml_node *map, const char *key, const char **out,
                             rs_error *err)
{
    char where[300];
    const rs_yaml_node *n = rs_yaml_get(map, key);
    if (!n)
        return rs_error_set(err, RS_ERR_CONFIG, "%smissing required key '%s'",
                            rs_yaml_where(map, where, sizeof where), key);
    return rs_yaml_string(n, key, out, err);
}

/* Check a value node against a spec; `what` names it in messages. */
static rs_status check_value(const rs_param_spec *s, const rs_yaml_node *n, const char *what,
                             rs_param_value *v, rs_error *err)
{
    char where[300];
    rs_status st;
    double x = 0;
    switch (s->type) {
    case RS_PARAM_INT:
        if ((st = rs_yaml_int(n, what, &v->i, err)) != RS_OK)
            return st;
        x = (double)v->i;
        v->f = x;
        break;
    case RS_PARAM_FLOAT:
        if ((st = rs_yaml_float(n, what, &v->f, err)) != RS_OK)
            return st;
        x = v->f;
        break;
    case RS_PARAM_BOOL: return rs_yaml_bool(n, what, &v->b, err);
    case RS_PARAM_STRING:
    case RS_PARAM_INSTANCE: /* the engine checks the name exists */
        return rs_yaml_string(n, what, &v->s, err);
    case RS_PARAM_ENUM:
        if ((st = rs_yaml_string(n, what, &v->s, err)) != RS_OK)
            return st;
        for (size_t i = 0; i < s->values->n; i++)
            if (strcmp(s->values->items[i]->scalar, v->s) == 0)
                return RS_OK;
        {
            char list[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < s->values->n; i++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 s->values->items[i]->scalar);
                if (w < 0 || (size_t)w >= sizeof list - used)
                    break;
                used += (size_t)w;
            }
            return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = '%s' is not one of: %s",
                                rs_yaml_where(n, where, sizeof where), what, v->s, list);
        }
    }
    if ((s->has_min && x < s->min) || (s->has_max && x > s->max))
        return rs_error_set(err, RS_ERR_CONFIG, "%s'%s' = %s is out of range [%g, %g]",
                            rs_yaml_where(n, where, sizeof where), what, n->scalar,
                            s->has_min ? s->min : -INFINITY, s->has_max ? s->max : INFINITY);
    return RS_OK;
}

static rs_status parse_type(const rs_yaml_node *n, rs_param_type *t, rs_error *err)
{
    char where[300];
    static const char *const names[] = {"int", "float", "bool", "string", "enum", "instance"};
    const char *s;
    rs_status st = rs_yaml_string(n, "type", &s, err);
    if (st != RS_OK)
        return st;
    for (int i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0) {
            *t = (rs_param_type)i;
            return RS_OK;
        }
    return rs_error_set(err, RS_ERR_CONFIG,
                        "%sunknown param type '%s' (int, float, bool, string, enum, instance)",
                        rs_yaml_where(n, where, sizeof where), s);
}

static rs_status parse_spec(const rs_yaml_node *params, size_t i, rs_param_spec *s, rs_error *err)
{
    char where[300];
    const rs_yaml_node *n = params->items[i];
    s->key = params->keys[i];
    rs_status st = rs_yaml_check_keys(n, s->key, spec_keys, err);
    if (st != RS_OK)
        return st;
    const rs_yaml_node *type = rs_yaml_get(n, "type");
    if (!type)
        return rs_error_set(err, RS_ERR_CONFIG, "%sparam '%s' lacks 'type'",
                            rs_yaml_key_where(params, i, where, sizeof where), s->key);
    if ((st = parse_type(type, &s->type, err)) != RS_OK)
        return st;
    const rs_yaml_node *mn = rs_yaml_get(n, "min"), *mx = rs_yaml_get(n, "max");
    if (mn) {
        if ((st = rs_yaml_float(mn, "min", &s->min, err)) != RS_OK)
            return st;
        s->has_min = 1;
    }
    if (mx) {
        if ((st = rs_yaml_float(mx, "max", &s->max, err)) != RS_OK)
            return st;
        s->has_max = 1;
    }
    s->values = rs_yaml_get(n, "values");
    if (s->type == RS_PARAM_ENUM) {
        if (!s->values || s->values->kind != RS_YAML_SEQ || s->values->n == 0)
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%senum param '%s' needs a non-empty 'values' list",
                                rs_yaml_where(n, where, sizeof where), s->key);
        for (size_t j = 0; j < s->values->n; j++)
            if (s->values->items[j]->kind != RS_YAML_SCALAR)
                return rs_error_set(err, RS_ERR_CONFIG, "%senum values must be strings",
                                    rs_yaml_where(s->values->items[j], where, sizeof where));
    }
    const rs_yaml_node *def = rs_yaml_get(n, "default");
    if (!def)
        return rs_error_set(err, RS_ERR_CONFIG, "%sparam '%s' lacks 'default'",
                            rs_yaml_where(n, where, sizeof where), s->key);
    if ((st = check_value(s, def, s->key, &s->def, err)) != RS_OK)
        return st;
    s->doc = "";
    return rs_yaml_get_string(n, "doc", &s->doc, err);
}

rs_status rs_descriptor_load(const char *path, rs_descriptor **out, rs_error *err)
{
    char where[300];
    rs_descriptor *d = calloc(1, sizeof *d);
    if (!d)
        return rs_error_set(err, RS_ERR_NOMEM, "descriptor: out of memory");
    rs_status st = rs_yaml_load_file(path, &d->root, err);
    if (st != RS_OK)
        goto fail;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    d->path = strdup(path);
    d->dir = strdup(dirname(tmp));
    if (!d->path || !d->dir) {
        st = rs_error_set(err, RS_ERR_NOMEM, "descriptor: out of memory");
        goto fail;
    }
    if ((st = rs_yaml_check_keys(d->root, "plugin descriptor", desc_keys, err)) != RS_OK ||
        (st = need_string(d->root, "name", &d->name, err)) != RS_OK ||
        (st = need_string(d->root, "library", &d->library, err)) != RS_OK ||
        (st = need_string(d->root, "version", &d->version, err)) != RS_OK)
        goto fail;
    d->description = "";
    if ((st = rs_yaml_get_string(d->root, "description", &d->description, err)) != RS_OK)
        goto fail;
    if (strchr(d->library, '/')) {
        st = rs_error_set(
            err, RS_ERR_CONFIG, "%s'library' must be a file name beside the descriptor, got '%s'",
            rs_yaml_where(rs_yaml_get(d->root, "library"), where, sizeof where), d->library);
        goto fail;
    }
    const char *abi;
    if ((st = need_string(d->root, "abi", &abi, err)) != RS_OK)
        goto fail;
    char tail;
    if (sscanf(abi, "%d.%d%c", &d->abi_major, &d->abi_minor, &tail) != 2) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s'abi' must be \"major.minor\", got '%s'",
                          rs_yaml_where(rs_yaml_get(d->root, "abi"), where, sizeof where), abi);
        goto fail;
    }
    const rs_yaml_node *caps = rs_yaml_get(d->root, "capabilities");
    if (caps) {
        if ((st = parse_caps(caps, &d->caps, err)) != RS_OK)
            goto fail;
        d->has_caps = 1;
    }
    const rs_yaml_node *params = rs_yaml_get(d->root, "params");
    if (params && params->kind != RS_YAML_MAP) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s'params' must be a mapping",
                          rs_yaml_where(params, where, sizeof where));
        goto fail;
    }
    if (params && params->n) {
        d->params = calloc(params->n, sizeof *d->params);
        if (!d->params) {
            st = rs_error_set(err, RS_ERR_NOMEM, "descriptor: out of memory");
            goto fail;
        }
        for (size_t i = 0; i < params->n; i++, d->n_params++)
            if ((st = parse_spec(params, i, &d->params[i], err)) != RS_OK)
                goto fail;
    }
    *out = d;
    return RS_OK;
fail:
    rs_descriptor_free(d);
    return st;
}

rs_status rs_descriptor_find(char *const *path, size_t n_path, const char *plugin,
                             rs_descriptor **out, rs_error *err)
{
    char p[PATH_MAX];
    struct stat sb;
    if (!*plugin || strchr(plugin, '/') || strstr(plugin, ".."))
        return rs_error_set(err, RS_ERR_CONFIG, "invalid plugin name '%s'", plugin);
    for (size_t i = 0; i < n_path; i++) {
        snprintf(p, sizeof p, "%s/%s/plugin.yaml", path[i], plugin);
        if (stat(p, &sb) == 0)
            return rs_descriptor_load(p, out, err);
    }
    char searched[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < n_path; i++) {
        int w = snprintf(searched + used, sizeof searched - used, "%s%s", i ? ":" : "", path[i]);
        if (w < 0 || (size_t)w >= sizeof searched - used)
            break;
        used += (size_t)w;
    }
    return rs_error_set(err, RS_ERR_NOT_FOUND, "plugin '%s' not found (no %s/plugin.yaml in %s)",
                        plugin, plugin, searched);
}

void rs_params_free(rs_params *p)
{
    if (!p)
        return;
    free(p->values);
    free(p);
}

rs_status rs_params_build(const rs_descriptor *d, const rs_yaml_node *params, const char *instance,
                          rs_params **out, rs_error *err)
{
    char where[300];
    /* The config checks this too; a caller that did not would read the
     * keys of a list or scalar (found by fuzz/yaml_config.c). */
    if (params && params->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG, "%sinstance '%s': 'params' must be a mapping",
                            rs_yaml_where(params, where, sizeof where), instance);
    rs_params *p = calloc(1, sizeof *p);
    if (p)
        p->values = calloc(d->n_params ? d->n_params : 1, sizeof *p->values);
    if (!p || !p->values) {
        rs_params_free(p);
        return rs_error_set(err, RS_ERR_NOMEM, "params: out of memory");
    }
    p->desc = d;
    for (size_t i = 0; i < d->n_params; i++)
        p->values[i] = d->params[i].def;
    for (size_t k = 0; params && k < params->n; k++) {
        size_t i = 0;
        while (i < d->n_params && strcmp(d->params[i].key, params->keys[k]) != 0)
            i++;
        if (i == d->n_params) {
            char list[512] = "";
            size_t used = 0;
            for (size_t j = 0; j < d->n_params; j++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                 d->params[j].key);
                if (w < 0 || (size_t)w >= sizeof list - used)
                    break;
                used += (size_t)w;
            }
            rs_params_free(p);
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sinstance '%s': unknown param '%s' for plugin "
                                "'%s' (known: %s)",
                                rs_yaml_key_where(params, k, where, sizeof where), instance,
                                params->keys[k], d->name, d->n_params ? list : "none");
        }
        rs_status st = check_value(&d->params[i], params->items[k], params->keys[k], &p->values[i],
                                   err);
        if (st != RS_OK) {
            rs_params_free(p);
            return st;
        }
    }
    *out = p;
    return RS_OK;
}

const rs_param_spec *rs_params_lookup(const rs_params *p, const char *key,
                                      const rs_param_value **value)
{
    for (size_t i = 0; i < p->desc->n_params; i++)
        if (strcmp(p->desc->params[i].key, key) == 0) {
            *value = &p->values[i];
            return &p->desc->params[i];
        }
    return NULL;
}
