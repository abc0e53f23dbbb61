/* Experiments: config parsing and hash-based arm assignment. */
#include "recsys/experiment.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/config_fields.h"

struct rs_experiments {
    rs_experiment *items;
    size_t n;
    /* Owned copies behind the const pointers of items[] and their arms. */
    char **strings;
    size_t n_strings;
};

/* Shares may be written as decimals that do not sum to exactly 1. */
#define SHARE_EPS 1e-6

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
/* sodium_init only selects fast implementations here; the generic ones
 * work without it, so a failure (-1) is not fatal. */
static void sodium_start(void)
{
    if (sodium_init() < 0)
        return;
}

static rs_status keep_string(rs_experiments *x, const char *s, const char **out, rs_error *err)
{
    char **ns = realloc(x->strings, (x->n_strings + 1) * sizeof *ns);
    if (!ns)
        return rs_error_set(err, RS_ERR_NOMEM, "experiments: out of memory");
    x->strings = ns;
    if (!(ns[x->n_strings] = strdup(s)))
        return rs_error_set(err, RS_ERR_NOMEM, "experiments: out of memory");
    *out = ns[x->n_strings++];
    return RS_OK;
}

/* A required string key, copied. */
static rs_status need_string(rs_experiments *x, const rs_yaml_node *map, const char *key,
                             const char *what, const char **out, rs_error *err)
{
    char where[300];
    const char *s = NULL;
    const rs_yaml_node *v = rs_yaml_get(map, key);
    if (!v)
        return rs_error_set(err, RS_ERR_CONFIG, "%s%s: missing key '%s'",
                            rs_yaml_where(map, where, sizeof where), what, key);
    rs_status st = rs_yaml_string(v, key, &s, err);
    if (st != RS_OK)
        return st;
    if (!*s)
        return rs_error_set(err, RS_ERR_CONFIG, "%s%s: '%s' must not be empty",
                            rs_yaml_where(v, where, sizeof where), what, key);
    return keep_string(x, s, out, err);
}

/* The scalars of an experiment and of an arm; names, salt and source are
 * required, copied strings (need_string), arms a list. An ENUM row writes
 * an int. */
_Static_assert(sizeof(rs_experiment_mode) == sizeof(int), "mode is read as an int");
static const char *const k_modes[] = {"split", "interleave", NULL};
static const rs_config_field experiment_fields[] = {
    {"mode", RS_FIELD_ENUM, offsetof(rs_experiment, mode), 0, 0, 0, 0, k_modes,
     "split: each user sees one arm; interleave: both arms' lists merged", "split"},
    {"enabled", RS_FIELD_BOOL, offsetof(rs_experiment, enabled), 0, 0, 0, 0, NULL,
     "false: kept in the config, applied to nobody", "true"},
};
static const char *const experiment_other_keys[] = {"name", "salt", "arms", NULL};
static const rs_config_field arm_fields[] = {
    {"share", RS_FIELD_FLOAT, offsetof(rs_experiment_arm, share), 0, 1, 1, 0, NULL,
     "split: the arm's traffic share, required; the shares sum to 1", NULL},
};
static const char *const arm_other_keys[] = {"name", "source", NULL};

const rs_config_field *rs_experiment_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(experiment_fields);
    return experiment_fields;
}

const rs_config_field *rs_experiment_arm_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(arm_fields);
    return arm_fields;
}

/* `path` names the arm for the table's messages: "experiments[0].arms[1]". */
static rs_status parse_arm(rs_experiments *x, rs_experiment *ex, const rs_yaml_node *n,
                           const char *path, rs_experiment_arm *arm, rs_error *err)
{
    char where[300], what[200];
    rs_status st;
    snprintf(what, sizeof what, "experiment '%s' arm", ex->name);
    if (n->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG, "%s%s must be a map {name, source, share}",
                            rs_yaml_where(n, where, sizeof where), what);
    if ((st = rs_config_fields_read(n, path, arm_fields, RS_FIELD_COUNT(arm_fields), arm_other_keys,
                                    arm, err)) != RS_OK ||
        (st = need_string(x, n, "name", what, &arm->name, err)) != RS_OK)
        return st;
    snprintf(what, sizeof what, "experiment '%s' arm '%s'", ex->name, arm->name);
    if ((st = need_string(x, n, "source", what, &arm->source, err)) != RS_OK)
        return st;
    arm->node = n;
    const rs_yaml_node *sh = rs_yaml_get(n, "share");
    if (ex->mode == RS_EXPERIMENT_INTERLEAVE) {
        arm->share = 0.5;
        return RS_OK;
    }
    if (!sh)
        return rs_error_set(err, RS_ERR_CONFIG, "%s%s: missing key 'share'",
                            rs_yaml_where(n, where, sizeof where), what);
    return RS_OK;
}

/* Arm names unique, shares summing to 1 (split) or exactly two arms
 * (interleave). */
static rs_status check_arms(const rs_yaml_node *arms, const rs_experiment *ex, rs_error *err)
{
    char where[300];
    double sum = 0.0;
    for (size_t i = 0; i < ex->n_arms; i++) {
        sum += ex->arms[i].share;
        for (size_t j = 0; j < i; j++)
            if (strcmp(ex->arms[i].name, ex->arms[j].name) == 0)
                return rs_error_set(err, RS_ERR_CONFIG, "%sexperiment '%s': duplicate arm '%s'",
                                    rs_yaml_where(ex->arms[i].node, where, sizeof where), ex->name,
                                    ex->arms[i].name);
    }
    if (ex->mode == RS_EXPERIMENT_INTERLEAVE && ex->n_arms != 2)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%sexperiment '%s': interleave needs exactly two arms, got %zu",
                            rs_yaml_where(arms, where, sizeof where), ex->name, ex->n_arms);
    if (ex->mode == RS_EXPERIMENT_SPLIT && fabs(sum - 1.0) > SHARE_EPS)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%sexperiment '%s': arm shares must sum to 1, got %g",
                            rs_yaml_where(arms, where, sizeof where), ex->name, sum);
    return RS_OK;
}

/* `path` names the experiment for the table's messages: "experiments[0]". */
static rs_status parse_experiment(rs_experiments *x, const rs_yaml_node *n, const char *path,
                                  rs_experiment *ex, rs_error *err)
{
    char where[300], what[200], arm_path[160];
    rs_status st;
    if (n->kind != RS_YAML_MAP)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%sexperiment must be a map {name, mode, salt, arms}",
                            rs_yaml_where(n, where, sizeof where));
    ex->node = n;
    rs_config_fields_defaults(experiment_fields, RS_FIELD_COUNT(experiment_fields), ex);
    if ((st = rs_config_fields_read(n, path, experiment_fields, RS_FIELD_COUNT(experiment_fields),
                                    experiment_other_keys, ex, err)) != RS_OK ||
        (st = need_string(x, n, "name", "experiment", &ex->name, err)) != RS_OK)
        return st;
    snprintf(what, sizeof what, "experiment '%s'", ex->name);
    if ((st = need_string(x, n, "salt", what, &ex->salt, err)) != RS_OK)
        return st;
    const rs_yaml_node *arms = rs_yaml_get(n, "arms");
    if (!arms || arms->kind != RS_YAML_SEQ || arms->n == 0)
        return rs_error_set(err, RS_ERR_CONFIG, "%s%s: 'arms' must be a non-empty list",
                            rs_yaml_where(arms ? arms : n, where, sizeof where), what);
    rs_experiment_arm *a = calloc(arms->n, sizeof *a);
    if (!a)
        return rs_error_set(err, RS_ERR_NOMEM, "experiments: out of memory");
    ex->arms = a;
    for (size_t i = 0; i < arms->n; i++) {
        snprintf(arm_path, sizeof arm_path, "%s.arms[%zu]", path, i);
        if ((st = parse_arm(x, ex, arms->items[i], arm_path, &a[i], err)) != RS_OK)
            return st;
        ex->n_arms++;
    }
    return check_arms(arms, ex, err);
}

rs_status rs_experiments_parse(const rs_yaml_node *section, rs_experiments **out, rs_error *err)
{
    char where[300];
    rs_status st = RS_OK;
    pthread_once(&sodium_once, sodium_start);
    rs_experiments *x = calloc(1, sizeof *x);
    if (!x)
        return rs_error_set(err, RS_ERR_NOMEM, "experiments: out of memory");
    if (!section) {
        *out = x;
        return RS_OK;
    }
    if (section->kind != RS_YAML_SEQ) {
        rs_experiments_free(x);
        return rs_error_set(err, RS_ERR_CONFIG, "%sexperiments must be a list",
                            rs_yaml_where(section, where, sizeof where));
    }
    if (!(x->items = calloc(section->n ? section->n : 1, sizeof *x->items))) {
        rs_experiments_free(x);
        return rs_error_set(err, RS_ERR_NOMEM, "experiments: out of memory");
    }
    for (size_t i = 0; i < section->n && st == RS_OK; i++) {
        rs_experiment *ex = &x->items[x->n++];
        char path[64];
        snprintf(path, sizeof path, "experiments[%zu]", i);
        st = parse_experiment(x, section->items[i], path, ex, err);
        for (size_t j = 0; j + 1 < x->n && st == RS_OK; j++)
            if (strcmp(x->items[j].name, ex->name) == 0)
                st = rs_error_set(err, RS_ERR_CONFIG, "%sduplicate experiment '%s'",
                                  rs_yaml_where(ex->node, where, sizeof where), ex->name);
    }
    if (st != RS_OK) {
        rs_experiments_free(x);
        return st;
    }
    *out = x;
    return RS_OK;
}

rs_status rs_experiments_from_config(const rs_config *cfg, rs_experiments **out, rs_error *err)
{
    return rs_experiments_parse(rs_config_section(cfg, "experiments"), out, err);
}

void rs_experiments_free(rs_experiments *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++)
        free((void *)x->items[i].arms);
    for (size_t i = 0; i < x->n_strings; i++)
        free(x->strings[i]);
    free(x->strings);
    free(x->items);
    free(x);
}

size_t rs_experiments_count(const rs_experiments *x) { return x ? x->n : 0; }

const rs_experiment *rs_experiments_get(const rs_experiments *x, size_t i)
{
    return x && i < x->n ? &x->items[i] : NULL;
}

const rs_experiment *rs_experiments_find(const rs_experiments *x, const char *name)
{
    for (size_t i = 0; x && i < x->n; i++)
        if (strcmp(x->items[i].name, name) == 0)
            return &x->items[i];
    return NULL;
}

const rs_experiment *rs_experiments_active(const rs_experiments *x)
{
    for (size_t i = 0; x && i < x->n; i++)
        if (x->items[i].enabled)
            return &x->items[i];
    return NULL;
}

rs_status rs_experiments_check_sources(const rs_experiments *x, const rs_engine *e, rs_error *err)
{
    char where[300], list[400];
    for (size_t i = 0; x && i < x->n; i++)
        for (size_t j = 0; j < x->items[i].n_arms; j++) {
            const rs_experiment_arm *a = &x->items[i].arms[j];
            if (rs_engine_instance_entry(e, a->source))
                continue;
            size_t used = 0;
            list[0] = '\0';
            for (size_t s = 0; s < rs_engine_instance_count(e); s++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", s ? ", " : "",
                                 rs_engine_instance_name(e, s));
                if (w < 0 || (size_t)w >= sizeof list - used)
                    break;
                used += (size_t)w;
            }
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sexperiment '%s' arm '%s': no instance named '%s' "
                                "(configured: %s)",
                                rs_yaml_where(a->node, where, sizeof where), x->items[i].name,
                                a->name, a->source, list);
        }
    return RS_OK;
}

uint64_t rs_experiment_hash(const char *salt, int64_t user_id)
{
    unsigned char digest[8];
    char id[32];
    int n = snprintf(id, sizeof id, ":%lld", (long long)user_id);
    crypto_generichash_state st;
    pthread_once(&sodium_once, sodium_start);
    crypto_generichash_init(&st, NULL, 0, sizeof digest);
    crypto_generichash_update(&st, (const unsigned char *)salt, strlen(salt));
    crypto_generichash_update(&st, (const unsigned char *)id, (size_t)n);
    crypto_generichash_final(&st, digest, sizeof digest);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--)
        h = (h << 8) | digest[i];
    return h;
}

size_t rs_experiment_assign(const rs_experiment *x, int64_t user_id)
{
    if (x->mode == RS_EXPERIMENT_INTERLEAVE || x->n_arms < 2)
        return 0;
    double u = (double)(rs_experiment_hash(x->salt, user_id) >> 11) * 0x1.0p-53;
    double cum = 0.0;
    for (size_t i = 0; i < x->n_arms; i++) {
        cum += x->arms[i].share;
        if (u < cum)
            return i;
    }
    return x->n_arms - 1; /* shares summing to 1 - eps */
}
