/*
 * Host configuration: validates the top level and the sections the core
 * owns (data, work_dir, threads, prepare, plugins, instances); other
 * sections are left to their modules (server, database, refresh, ...).
 */
#include "recsys/config.h"

#include <errno.h>
#include <stddef.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recsys/config_fields.h"
#include "recsys/dataset_formats.h"

/* The scalar settings, as read (paths not yet resolved). */
typedef struct host_scalars {
    const char *data_dir, *text_file, *work_dir;
    int threads, cf_min_item_ratings, cf_min_user_ratings;
} host_scalars;

#define F(key, type, member, lo, hi, dflt, doc)                                  \
    {                                                                            \
        key, type, offsetof(host_scalars, member), lo, hi, 0, 0, NULL, doc, dflt \
    }
static const rs_config_field top_fields[] = {
    F("work_dir", RS_FIELD_STRING, work_dir, 0, 0, "../work",
      "prepared data, models/<instance>/, pg/ (RECSYS_WORK_DIR overrides)"),
    F("threads", RS_FIELD_INT, threads, 0, 256, "0", "worker threads; 0 = every core"),
};
static const rs_config_field data_fields[] = {
    F("dir", RS_FIELD_STRING, data_dir, 0, 0, "../data/ml-latest-small",
      "the MovieLens directory (RECSYS_DATA_DIR overrides)"),
    F("text_file", RS_FIELD_STRING, text_file, 0, 0, NULL,
      "plot overviews, movieId,text CSV; default: <dir>/movie_text.csv or "
      "../movie-text/<dataset>_text.csv when either exists"),
};
static const rs_config_field prepare_fields[] = {
    F("cf_min_item_ratings", RS_FIELD_INT, cf_min_item_ratings, 0, 1000000, NULL,
      "movies in the collaborative-filtering subset have at least this many ratings; "
      "default 10 for MovieLens, 0 for the other formats"),
    F("cf_min_user_ratings", RS_FIELD_INT, cf_min_user_ratings, 0, 1000000, NULL,
      "users in the subset have at least this many ratings on its movies; "
      "default 5 for MovieLens, 0 for the other formats"),
};
#undef F

/* Top-level keys read by hand (core) or by their modules. */
static const char *const top_sections[] = {
    "data",      "prepare", "plugins", "instances",   "server",  "database", "refresh", "retrain",
    "swap_gate", "admin",   "cluster", "experiments", "dataset", "serving",  NULL};

struct cfg_dir {
    char dir[PATH_MAX];
};

void rs_config_free(rs_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->data_dir);
    free(cfg->train_file);
    free(cfg->test_file);
    free(cfg->validation_file);
    free(cfg->text_file);
    free(cfg->work_dir);
    for (size_t i = 0; i < cfg->n_plugin_path; i++)
        free(cfg->plugin_path[i]);
    free(cfg->plugin_path);
    free(cfg->instances);
    rs_yaml_free(cfg->root);
    free(cfg);
}

static char *resolve_against(const char *base_dir, const char *path)
{
    if (!path)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    size_t n = strlen(base_dir) + strlen(path) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", base_dir, path);
    return p;
}

char *rs_config_resolve(const rs_config *cfg, const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", cfg->path);
    return resolve_against(dirname(tmp), path);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const rs_yaml_node *rs_config_section(const rs_config *cfg, const char *name)
{
    return rs_yaml_get(cfg->root, name);
}

const rs_instance_config *rs_config_instance(const rs_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_instances; i++)
        if (strcmp(cfg->instances[i].name, name) == 0)
            return &cfg->instances[i];
    return NULL;
}

static rs_status path_add(rs_config *cfg, char *p, rs_error *err)
{
    char **np = realloc(cfg->plugin_path, (cfg->n_plugin_path + 1) * sizeof *np);
    if (!p || !np) {
        free(p);
        if (np)
            cfg->plugin_path = np;
        return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
    }
    cfg->plugin_path = np;
    cfg->plugin_path[cfg->n_plugin_path++] = p;
    return RS_OK;
}

static rs_status load_data(rs_config *cfg, const char *base, const host_scalars *hs, rs_error *err)
{
    char where[300];
    const rs_yaml_node *data = rs_yaml_get(cfg->root, "data");
    const char *dir = hs->data_dir, *text = hs->text_file;
    const char *env = getenv("RECSYS_DATA_DIR");
    cfg->data_dir = env && *env ? strdup(env) : resolve_against(base, dir);
    if (!cfg->data_dir)
        return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
    if (!is_dir(cfg->data_dir)) {
        if (env && *env)
            return rs_error_set(err, RS_ERR_NOT_FOUND,
                                "RECSYS_DATA_DIR: directory '%s' does not exist", cfg->data_dir);
        const rs_yaml_node *n = rs_yaml_get(data, "dir");
        return rs_error_set(err, RS_ERR_NOT_FOUND,
                            "%sdata.dir: directory '%s' does not exist "
                            "(run scripts/fetch-data or set RECSYS_DATA_DIR)",
                            n ? rs_yaml_where(n, where, sizeof where)
                              : (snprintf(where, sizeof where, "%s: ", cfg->path), where),
                            cfg->data_dir);
    }
    const char *tenv = getenv("RECSYS_TEXT_FILE");
    if (tenv && *tenv) {
        if (!is_file(tenv))
            return rs_error_set(err, RS_ERR_NOT_FOUND, "RECSYS_TEXT_FILE: file '%s' does not exist",
                                tenv);
        cfg->text_file = strdup(tenv);
    } else if (text && *text) {
        cfg->text_file = resolve_against(base, text);
        if (cfg->text_file && !is_file(cfg->text_file))
            return rs_error_set(err, RS_ERR_NOT_FOUND, "%sdata.text_file: file '%s' does not exist",
                                rs_yaml_where(rs_yaml_get(data, "text_file"), where, sizeof where),
                                cfg->text_file);
    } else {
        /* Conventional places: <data>/movie_text.csv, or the layout of the
         * shared data folder, ../movie-text/<dataset>_text.csv. */
        char tmp[PATH_MAX], cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s/movie_text.csv", cfg->data_dir);
        if (!is_file(cand)) {
            snprintf(tmp, sizeof tmp, "%s", cfg->data_dir);
            size_t l = strlen(tmp);
            while (l > 1 && tmp[l - 1] == '/')
                tmp[--l] = '\0';
            char *name = strrchr(tmp, '/');
            snprintf(cand, sizeof cand, "%s/../movie-text/%s_text.csv", cfg->data_dir,
                     name ? name + 1 : tmp);
        }
        if (is_file(cand))
            cfg->text_file = strdup(cand);
    }
    return RS_OK;
}

/* dataset: the format and its files; MovieLens (the default) keeps using
 * the data: section. The format's index is cfg->dataset_format. */
typedef struct dataset_scalars {
    int format;
    const char *train, *test, *validation, *delimiter;
} dataset_scalars;

/* Indexed by rs_dataset_format: the enum row stores the index. */
static const char *const dataset_formats[] = {"movielens", "lightgcn", "csv", NULL};
_Static_assert(RS_DATASET_MOVIELENS == 0 && RS_DATASET_LIGHTGCN == 1 && RS_DATASET_CSV == 2,
               "dataset_formats follows rs_dataset_format");

#define D(key, type, member, values, dflt, doc)                                     \
    {                                                                               \
        key, type, offsetof(dataset_scalars, member), 0, 0, 0, 0, values, doc, dflt \
    }
static const rs_config_field dataset_fields[] = {
    D("format", RS_FIELD_ENUM, format, dataset_formats, "movielens",
      "movielens reads data.dir; the others read the files below"),
    D("train", RS_FIELD_STRING, train, NULL, NULL, "training ratings; required for lightgcn, csv"),
    D("test", RS_FIELD_STRING, test, NULL, NULL, "test ratings; optional"),
    D("validation", RS_FIELD_STRING, validation, NULL, NULL, "validation ratings; optional"),
    D("delimiter", RS_FIELD_STRING, delimiter, NULL, NULL,
      "one character or tab; default: tab for a .tsv train file, else comma"),
};
#undef D

#define C(key, member, dflt, doc)                                                      \
    {                                                                                  \
        key, RS_FIELD_STRING, offsetof(rs_config, member), 0, 0, 0, 0, NULL, doc, dflt \
    }
static const rs_config_field column_fields[] = {
    C("user", col_user, "user", "csv: the user id column"),
    C("item", col_item, "item", "csv: the item id column"),
    C("rating", col_rating, NULL, "csv: the rating column; default: none (implicit)"),
    C("timestamp", col_time, NULL, "csv: the time column; default: none"),
};
#undef C

static const char *const dataset_other_keys[] = {"columns", NULL};

/* One file of the dataset section: resolved, and it must exist. */
static rs_status dataset_file(rs_config *cfg, const rs_yaml_node *ds, const char *base,
                              const char *key, const char *rel, int required, char **out,
                              rs_error *err)
{
    char where[300];
    if (!rel || !*rel) {
        if (!required)
            return RS_OK;
        return rs_error_set(err, RS_ERR_CONFIG, "%sdataset: '%s' is required for format %s",
                            rs_yaml_where(ds, where, sizeof where), key,
                            dataset_formats[cfg->dataset_format]);
    }
    if (!(*out = resolve_against(base, rel)))
        return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
    if (!is_file(*out))
        return rs_error_set(err, RS_ERR_NOT_FOUND, "%sdataset.%s: file '%s' does not exist",
                            rs_yaml_where(rs_yaml_get(ds, key), where, sizeof where), key, *out);
    return RS_OK;
}

static rs_status load_dataset(rs_config *cfg, const char *base, rs_error *err)
{
    char where[300];
    const rs_yaml_node *ds = rs_yaml_get(cfg->root, "dataset");
    dataset_scalars d = {0};
    rs_config_fields_defaults(dataset_fields, RS_FIELD_COUNT(dataset_fields), &d);
    rs_status st = rs_config_fields_read(
        ds, "dataset", dataset_fields, RS_FIELD_COUNT(dataset_fields), dataset_other_keys, &d, err);
    if (st != RS_OK || d.format == 0)
        return st;
    cfg->dataset_format = d.format;
    const char *delim = d.delimiter;
    if ((st = dataset_file(cfg, ds, base, "train", d.train, 1, &cfg->train_file, err)) != RS_OK ||
        (st = dataset_file(cfg, ds, base, "test", d.test, 0, &cfg->test_file, err)) != RS_OK ||
        (st = dataset_file(cfg, ds, base, "validation", d.validation, 0, &cfg->validation_file,
                           err)) != RS_OK)
        return st;
    size_t tl = strlen(cfg->train_file);
    cfg->csv_delimiter = tl > 4 && !strcmp(cfg->train_file + tl - 4, ".tsv") ? '\t' : ',';
    if (delim && (!strcmp(delim, "\t") || !strcmp(delim, "\\t") || !strcmp(delim, "tab")))
        cfg->csv_delimiter = '\t';
    else if (delim && strlen(delim) == 1)
        cfg->csv_delimiter = delim[0];
    else if (delim)
        return rs_error_set(
            err, RS_ERR_CONFIG, "%s'dataset.delimiter' = '%s' is not one character or tab",
            rs_yaml_where(rs_yaml_get(ds, "delimiter"), where, sizeof where), delim);
    rs_config_fields_defaults(column_fields, RS_FIELD_COUNT(column_fields), cfg);
    if ((st = rs_config_fields_read(rs_yaml_get(ds, "columns"), "dataset.columns", column_fields,
                                    RS_FIELD_COUNT(column_fields), NULL, cfg, err)) != RS_OK)
        return st;
    /* data.dir is not read; callers that print it see the train folder */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", cfg->train_file);
    if (!(cfg->data_dir = strdup(dirname(tmp))))
        return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
    return RS_OK;
}

static rs_status load_instances(rs_config *cfg, rs_error *err)
{
    static const char *const keys[] = {"name", "plugin", "params", NULL};
    char where[300];
    const rs_yaml_node *list = rs_yaml_get(cfg->root, "instances");
    if (!list || list->kind != RS_YAML_SEQ || list->n == 0)
        return rs_error_set(err, RS_ERR_CONFIG, "%s'instances' must be a non-empty list",
                            list ? rs_yaml_where(list, where, sizeof where)
                                 : (snprintf(where, sizeof where, "%s: ", cfg->path), where));
    cfg->instances = calloc(list->n, sizeof *cfg->instances);
    if (!cfg->instances)
        return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
    for (size_t i = 0; i < list->n; i++) {
        const rs_yaml_node *it = list->items[i];
        rs_instance_config *ic = &cfg->instances[i];
        rs_status st = rs_yaml_check_keys(it, "instance", keys, err);
        if (st != RS_OK)
            return st;
        ic->node = it;
        const rs_yaml_node *name = rs_yaml_get(it, "name");
        if (!name)
            return rs_error_set(err, RS_ERR_CONFIG, "%sinstance lacks 'name'",
                                rs_yaml_where(it, where, sizeof where));
        if ((st = rs_yaml_string(name, "name", &ic->name, err)) != RS_OK)
            return st;
        if (!*ic->name || strlen(ic->name) >= RS_SOURCE_NAME_MAX ||
            strspn(ic->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(ic->name))
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sinstance name '%s' must be 1-%d characters of "
                                "[a-z0-9_-]",
                                rs_yaml_where(name, where, sizeof where), ic->name,
                                RS_SOURCE_NAME_MAX - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->instances[j].name, ic->name) == 0)
                return rs_error_set(err, RS_ERR_CONFIG,
                                    "%sduplicate instance name '%s' (first at line %d)",
                                    rs_yaml_where(name, where, sizeof where), ic->name,
                                    cfg->instances[j].node->line);
        ic->plugin = ic->name;
        if ((st = rs_yaml_get_string(it, "plugin", &ic->plugin, err)) != RS_OK)
            return st;
        ic->params = rs_yaml_get(it, "params");
        if (ic->params && ic->params->kind != RS_YAML_MAP)
            return rs_error_set(err, RS_ERR_CONFIG, "%sinstance '%s': 'params' must be a mapping",
                                rs_yaml_where(ic->params, where, sizeof where), ic->name);
        cfg->n_instances++;
    }
    return RS_OK;
}

const char *rs_config_role_key(rs_serving_role role)
{
    static const char *const full[] = {"serving.default_source", "serving.cold_start",
                                       "serving.similar_source"};
    return (unsigned)role < sizeof full / sizeof *full ? full[role] : "serving.?";
}

const char *rs_config_role(const rs_config *cfg, rs_serving_role role)
{
    if ((unsigned)role >= sizeof cfg->roles / sizeof *cfg->roles)
        return NULL;
    if (role == RS_ROLE_DEFAULT_SOURCE && !cfg->roles[role])
        return cfg->n_instances ? cfg->instances[0].name : NULL;
    return cfg->roles[role];
}

/* serving: each role names a configured instance (checked below; the
 * table checks keys and types). Stored straight into cfg->roles. */
#define ROLE(key, role, doc)                                                                       \
    {                                                                                              \
        key, RS_FIELD_STRING, offsetof(rs_config, roles) + (role) * sizeof(const char *), 0, 0, 0, \
            0, NULL, doc, NULL                                                                     \
    }
static const rs_config_field serving_fields[] = {
    ROLE("default_source", RS_ROLE_DEFAULT_SOURCE,
         "answers requests that name no source; default: the first instance"),
    ROLE("cold_start", RS_ROLE_COLD_START,
         "answers users with no ratings; default: none (the requested source answers)"),
    ROLE("similar_source", RS_ROLE_SIMILAR_SOURCE,
         "answers similar movies when none is named; default: the first instance that can"),
};
#undef ROLE

/* serving: {default_source, cold_start, similar_source}: each names a
 * configured instance. server.default_source, the older spelling, is read
 * when serving.default_source is absent. */
static rs_status load_serving(rs_config *cfg, rs_error *err)
{
    char where[300];
    const rs_yaml_node *sec = rs_yaml_get(cfg->root, "serving");
    rs_status st = rs_config_fields_read(sec, "serving", serving_fields,
                                         RS_FIELD_COUNT(serving_fields), NULL, cfg, err);
    for (size_t r = 0; st == RS_OK && r < RS_FIELD_COUNT(serving_fields); r++) {
        const char *key = serving_fields[r].key;
        const rs_yaml_node *map = sec;
        const rs_yaml_node *n = rs_yaml_get(sec, key);
        if (!n && r == RS_ROLE_DEFAULT_SOURCE) {
            map = rs_yaml_get(cfg->root, "server");
            n = map && map->kind == RS_YAML_MAP ? rs_yaml_get(map, key) : NULL;
            if (n &&
                (st = rs_yaml_string(n, "server.default_source", &cfg->roles[r], err)) != RS_OK)
                break;
        }
        if (!n)
            continue;
        if (!rs_config_instance(cfg, cfg->roles[r]))
            st = rs_error_set(err, RS_ERR_CONFIG, "%s%s.%s: '%s' is not a configured instance",
                              rs_yaml_where(n, where, sizeof where),
                              map == sec ? "serving" : "server", key, cfg->roles[r]);
    }
    return st;
}

static rs_status load_plugin_path(rs_config *cfg, const char *base, rs_error *err)
{
    static const char *const keys[] = {"path", NULL};
    rs_status st;
    const char *env = getenv("RECSYS_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        if (!copy)
            return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
        for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
            if ((st = path_add(cfg, strdup(tok), err)) != RS_OK) {
                free(copy);
                return st;
            }
        free(copy);
    }
    const rs_yaml_node *plugins = rs_yaml_get(cfg->root, "plugins");
    if ((st = rs_yaml_check_keys(plugins, "plugins", keys, err)) != RS_OK)
        return st;
    const rs_yaml_node *path = rs_yaml_get(plugins, "path");
    if (path) {
        if (path->kind == RS_YAML_SCALAR) {
            if ((st = path_add(cfg, resolve_against(base, path->scalar), err)) != RS_OK)
                return st;
        } else if (path->kind == RS_YAML_SEQ) {
            for (size_t i = 0; i < path->n; i++) {
                const char *s;
                if ((st = rs_yaml_string(path->items[i], "plugins.path", &s, err)) != RS_OK ||
                    (st = path_add(cfg, resolve_against(base, s), err)) != RS_OK)
                    return st;
            }
        } else {
            char where[300];
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%s'plugins.path' must be a path or a list of paths",
                                rs_yaml_where(path, where, sizeof where));
        }
    }
#ifdef RS_PLUGIN_BUILD_DIR
    if ((st = path_add(cfg, strdup(RS_PLUGIN_BUILD_DIR), err)) != RS_OK)
        return st;
#endif
#ifdef RS_PLUGIN_INSTALL_DIR
    if ((st = path_add(cfg, strdup(RS_PLUGIN_INSTALL_DIR), err)) != RS_OK)
        return st;
#endif
    return RS_OK;
}

const rs_config_field *rs_config_host_fields(const char *section, size_t *n)
{
    static const struct {
        const char *name;
        const rs_config_field *table;
        size_t n;
    } tables[] = {
        {"", top_fields, RS_FIELD_COUNT(top_fields)},
        {"data", data_fields, RS_FIELD_COUNT(data_fields)},
        {"prepare", prepare_fields, RS_FIELD_COUNT(prepare_fields)},
        {"dataset", dataset_fields, RS_FIELD_COUNT(dataset_fields)},
        {"dataset.columns", column_fields, RS_FIELD_COUNT(column_fields)},
        {"serving", serving_fields, RS_FIELD_COUNT(serving_fields)},
    };
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (strcmp(tables[i].name, section ? section : "") == 0) {
            *n = tables[i].n;
            return tables[i].table;
        }
    *n = 0;
    return NULL;
}

rs_status rs_config_load(const char *path, rs_config **out, rs_error *err)
{
    rs_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
    char abs[PATH_MAX], base[PATH_MAX];
    rs_status st = rs_yaml_load_file(path, &cfg->root, err);
    if (st != RS_OK)
        goto fail;
    if (!realpath(path, abs)) {
        st = rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    cfg->path = strdup(abs);
    snprintf(base, sizeof base, "%s", abs);
    snprintf(base, sizeof base, "%s", dirname(abs));
    if (!cfg->path) {
        st = rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
        goto fail;
    }
    if (cfg->root->kind != RS_YAML_MAP) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s:1:1: the configuration must be a mapping", path);
        goto fail;
    }
    /* the defaults, then what the file says; -1: prepare.* not given */
    host_scalars hs = {.cf_min_item_ratings = -1, .cf_min_user_ratings = -1};
    rs_config_fields_defaults(top_fields, RS_FIELD_COUNT(top_fields), &hs);
    rs_config_fields_defaults(data_fields, RS_FIELD_COUNT(data_fields), &hs);
    if ((st = rs_config_fields_read(cfg->root, NULL, top_fields, RS_FIELD_COUNT(top_fields),
                                    top_sections, &hs, err)) != RS_OK ||
        (st = rs_config_fields_read(rs_yaml_get(cfg->root, "data"), "data", data_fields,
                                    RS_FIELD_COUNT(data_fields), NULL, &hs, err)) != RS_OK ||
        (st = rs_config_fields_read(rs_yaml_get(cfg->root, "prepare"), "prepare", prepare_fields,
                                    RS_FIELD_COUNT(prepare_fields), NULL, &hs, err)) != RS_OK)
        goto fail;
    cfg->threads = hs.threads;
    if ((st = load_dataset(cfg, base, err)) != RS_OK ||
        (cfg->dataset_format == 0 && (st = load_data(cfg, base, &hs, err)) != RS_OK))
        goto fail;
    /* MovieLens defaults to the usual CF subset, the other formats (paper
     * protocols) to every user and item; prepare.* wins either way. */
    cfg->cf_min_item_ratings = hs.cf_min_item_ratings >= 0 ? hs.cf_min_item_ratings
                               : cfg->dataset_format       ? 0
                                                           : 10;
    cfg->cf_min_user_ratings = hs.cf_min_user_ratings >= 0 ? hs.cf_min_user_ratings
                               : cfg->dataset_format       ? 0
                                                           : 5;
    const char *wenv = getenv("RECSYS_WORK_DIR");
    cfg->work_dir = wenv && *wenv ? strdup(wenv) : resolve_against(base, hs.work_dir);
    if (!cfg->work_dir) {
        st = rs_error_set(err, RS_ERR_NOMEM, "config: out of memory");
        goto fail;
    }
    if ((st = load_plugin_path(cfg, base, err)) != RS_OK)
        goto fail;
    if ((st = load_instances(cfg, err)) != RS_OK || (st = load_serving(cfg, err)) != RS_OK)
        goto fail;
    *out = cfg;
    return RS_OK;
fail:
    rs_config_free(cfg);
    return st;
}
