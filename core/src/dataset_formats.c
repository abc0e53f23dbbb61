/*
 * Dataset formats other than MovieLens (recsys/dataset_formats.h): the
 * LightGCN/NGCF "user item item ..." files and generic CSV/TSV with named
 * columns. Rows are read into one list of interactions with their file and
 * line, duplicates resolved by a stated rule, and the result built through
 * the same CSR code as MovieLens.
 */
#include "recsys/dataset_formats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "movielens_build.h"
#include "recsys/csv.h"
#include "recsys/log.h"

/* Implicit interactions are stored at the top of the rating scale. */
#define IMPLICIT_RATING 5.0f

typedef struct row {
    int64_t user, item; /* external ids */
    float rating;
    int64_t time;
    size_t line; /* 1-based line in its file */
} row;

typedef struct rows {
    row *r;
    size_t n, cap;
} rows;

static int rows_push(rows *rs, row x)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 65536;
        row *nr = realloc(rs->r, cap * sizeof *nr);
        if (!nr)
            return -1;
        rs->r = nr;
        rs->cap = cap;
    }
    rs->r[rs->n++] = x;
    return 0;
}

/* ---- LightGCN / NGCF: "user item item ..." ------------------------------- */

static rs_status parse_id(const char *path, size_t line, const char *tok, int64_t *out,
                          rs_error *err)
{
    if (rs_parse_int64(tok, out) != 0 || *out < 0)
        return rs_error_set(err, RS_ERR_FORMAT,
                            "%s:%zu: expected a non-negative integer id, got '%s'", path, line,
                            tok);
    return RS_OK;
}

static rs_status read_lightgcn(const char *path, rows *out, rs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO, "%s: %s", path,
                            strerror(errno));
    char *buf = NULL;
    size_t cap = 0, line = 0;
    rs_status st = RS_OK;
    while (st == RS_OK && getline(&buf, &cap, f) >= 0) {
        line++;
        char *save = NULL, *tok = strtok_r(buf, " \t\r\n", &save);
        int64_t user, item;
        if (!tok) /* blank line */
            continue;
        if ((st = parse_id(path, line, tok, &user, err)) != RS_OK)
            break;
        /* a user with no items contributes nothing (some splits list them) */
        while (st == RS_OK && (tok = strtok_r(NULL, " \t\r\n", &save))) {
            if ((st = parse_id(path, line, tok, &item, err)) != RS_OK)
                break;
            if (rows_push(out, (row){user, item, IMPLICIT_RATING, 0, line}) != 0)
                st = rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", path);
        }
    }
    if (st == RS_OK && ferror(f))
        st = rs_error_set(err, RS_ERR_IO, "%s: read error", path);
    free(buf);
    fclose(f);
    return st;
}

/* ---- Generic CSV / TSV with named columns --------------------------------- */

/* A TSV line split in place on tabs (no quoting: TSV has none). */
static size_t split_tabs(char *s, char **field, size_t max)
{
    size_t n = 0;
    s[strcspn(s, "\r\n")] = '\0';
    while (n < max) {
        field[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

#define MAX_FIELDS 64

typedef struct columns {
    int user, item, rating, time; /* -1 when absent */
} columns;

static rs_status find_columns(const rs_config *cfg, const char *path, char **field, size_t n,
                              columns *c, rs_error *err)
{
    const char *want[4] = {cfg->col_user, cfg->col_item, cfg->col_rating, cfg->col_time};
    int *idx[4] = {&c->user, &c->item, &c->rating, &c->time};
    for (int k = 0; k < 4; k++) {
        *idx[k] = -1;
        for (size_t i = 0; want[k] && i < n; i++)
            if (strcmp(field[i], want[k]) == 0)
                *idx[k] = (int)i;
        if (want[k] && *idx[k] < 0)
            return rs_error_set(err, RS_ERR_FORMAT, "%s:1: header lacks column '%s'", path,
                                want[k]);
    }
    return RS_OK;
}

static rs_status csv_row(const char *path, size_t line, char **field, size_t n, const columns *c,
                         rows *out, rs_error *err)
{
    row x = {0, 0, IMPLICIT_RATING, 0, line};
    double rating;
    const char *s;
    int maxc = c->user > c->item ? c->user : c->item;
    if (c->rating > maxc)
        maxc = c->rating;
    if (c->time > maxc)
        maxc = c->time;
    if ((size_t)maxc >= n)
        return rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: %zu fields, expected at least %d", path,
                            line, n, maxc + 1);
    rs_status st;
    if ((st = parse_id(path, line, field[c->user], &x.user, err)) != RS_OK ||
        (st = parse_id(path, line, field[c->item], &x.item, err)) != RS_OK)
        return st;
    if (c->rating >= 0) {
        s = field[c->rating];
        if (rs_parse_double(s, &rating) != 0 || !(rating >= 0.0 && rating <= 5.0))
            return rs_error_set(err, RS_ERR_FORMAT,
                                "%s:%zu: rating must be a number in 0..5, got '%s'", path, line, s);
        x.rating = (float)rating;
    }
    if (c->time >= 0 && rs_parse_int64(s = field[c->time], &x.time) != 0)
        return rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: bad timestamp '%s'", path, line, s);
    if (rows_push(out, x) != 0)
        return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", path);
    return RS_OK;
}

static rs_status read_tsv(const rs_config *cfg, const char *path, rows *out, rs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO, "%s: %s", path,
                            strerror(errno));
    char *buf = NULL, *field[MAX_FIELDS];
    size_t cap = 0, line = 0;
    columns c;
    rs_status st = RS_OK;
    while (st == RS_OK && getline(&buf, &cap, f) >= 0) {
        size_t n = split_tabs(buf, field, MAX_FIELDS);
        if (++line == 1)
            st = find_columns(cfg, path, field, n, &c, err);
        else if (n > 1 || field[0][0])
            st = csv_row(path, line, field, n, &c, out, err);
    }
    if (st == RS_OK && line == 0)
        st = rs_error_set(err, RS_ERR_FORMAT, "%s:1: missing header", path);
    free(buf);
    fclose(f);
    return st;
}

static rs_status read_csv(const rs_config *cfg, const char *path, rows *out, rs_error *err)
{
    if (cfg->csv_delimiter == '\t')
        return read_tsv(cfg, path, out, err);
    if (cfg->csv_delimiter != ',')
        return rs_error_set(err, RS_ERR_CONFIG, "%s: delimiter '%c' is not supported (',' or tab)",
                            path, cfg->csv_delimiter);
    rs_csv *csv;
    rs_status st = rs_csv_open(path, &csv, err);
    if (st != RS_OK)
        return st;
    char *field[MAX_FIELDS];
    columns c;
    int r = rs_csv_next(csv, err);
    if (r != 1)
        st = r < 0 ? RS_ERR_FORMAT : rs_error_set(err, RS_ERR_FORMAT, "%s:1: missing header", path);
    for (int first = 1; st == RS_OK && (first || (r = rs_csv_next(csv, err)) == 1); first = 0) {
        size_t n = rs_csv_field_count(csv);
        if (n > MAX_FIELDS)
            n = MAX_FIELDS;
        for (size_t i = 0; i < n; i++)
            field[i] = (char *)rs_csv_field(csv, i);
        st = first ? find_columns(cfg, path, field, n, &c, err)
                   : csv_row(path, rs_csv_line(csv), field, n, &c, out, err);
    }
    if (st == RS_OK && r < 0)
        st = RS_ERR_FORMAT;
    rs_csv_free(csv);
    return st;
}

static rs_status read_file(const rs_config *cfg, const char *path, rows *out, rs_error *err)
{
    return cfg->dataset_format == RS_DATASET_LIGHTGCN ? read_lightgcn(path, out, err)
                                                      : read_csv(cfg, path, out, err);
}

/* ---- Duplicates ------------------------------------------------------------ */

static int row_cmp(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    /* the winner last: latest timestamp, then the later line */
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Keep the last of each (user, item) after row_cmp's order; report how many
 * rows were dropped and the earliest line among the duplicates. */
static void dedupe(rows *rs, const char *path, rs_load_report *rep)
{
    size_t m = 0, dups = 0, first = 0;
    qsort(rs->r, rs->n, sizeof *rs->r, row_cmp);
    for (size_t i = 0; i < rs->n; i++) {
        if (m > 0 && rs->r[m - 1].user == rs->r[i].user && rs->r[m - 1].item == rs->r[i].item) {
            size_t l = rs->r[m - 1].line < rs->r[i].line ? rs->r[m - 1].line : rs->r[i].line;
            if (dups++ == 0 || l < first)
                first = l;
            rs->r[m - 1] = rs->r[i];
        } else {
            rs->r[m++] = rs->r[i];
        }
    }
    rs->n = m;
    if (rep) {
        rep->duplicates = dups;
        if (dups)
            snprintf(rep->first_duplicate, sizeof rep->first_duplicate, "%s:%zu", path, first);
    }
}

/* ---- Catalogue and build ---------------------------------------------------- */

/* Item ids of train, then validation, then test, in order of first
 * appearance (train rows are sorted by then, so train items come in user
 * order; what matters is that the order is a function of the files). */
static rs_status add_items(rs_idmap *map, int64_t **ids, int32_t *n, size_t *cap, const rows *rs)
{
    for (size_t k = 0; k < rs->n; k++) {
        int64_t id = rs->r[k].item;
        if (rs_idmap_get(map, id) >= 0)
            continue;
        if ((size_t)*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 4096;
            int64_t *ni = realloc(*ids, nc * sizeof *ni);
            if (!ni)
                return RS_ERR_NOMEM;
            *ids = ni;
            *cap = nc;
        }
        (*ids)[*n] = id;
        if (rs_idmap_put(map, id, *n) < 0)
            return RS_ERR_NOMEM;
        (*n)++;
    }
    return RS_OK;
}

static rs_status load_spec(const rs_config *cfg, rs_movielens **out, rs_load_report *rep,
                           rs_error *err)
{
    rows train = {0}, extra[2] = {{0}, {0}};
    const char *extra_path[2] = {cfg->validation_file, cfg->test_file};
    rs_idmap map;
    int64_t *ids = NULL, *users = NULL;
    rs_triple *t = NULL;
    int32_t n_items = 0;
    size_t cap = 0;
    rs_status st = read_file(cfg, cfg->train_file, &train, err);
    for (int k = 0; k < 2 && st == RS_OK; k++)
        if (extra_path[k])
            st = read_file(cfg, extra_path[k], &extra[k], err);
    if (st != RS_OK)
        goto out;
    dedupe(&train, cfg->train_file, rep);
    if (rs_idmap_init(&map, 16384) != 0) {
        st = rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
        goto out;
    }
    st = add_items(&map, &ids, &n_items, &cap, &train);
    int32_t train_items = n_items;
    for (int k = 0; k < 2 && st == RS_OK; k++)
        st = add_items(&map, &ids, &n_items, &cap, &extra[k]);
    t = malloc((train.n + 1) * sizeof *t);
    users = malloc((train.n + 1) * sizeof *users);
    if (st != RS_OK || !t || !users) {
        rs_idmap_destroy(&map);
        st = rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
        goto out;
    }
    for (size_t k = 0; k < train.n; k++) {
        t[k] = (rs_triple){0, rs_idmap_get(&map, train.r[k].item), train.r[k].rating,
                           train.r[k].time};
        users[k] = train.r[k].user;
    }
    rs_idmap_destroy(&map);
    if (rep)
        rep->test_only_items = n_items - train_items;
    rs_load_options opt = {NULL, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    st = rs_movielens_build(ids, n_items, t, users, train.n, &opt, out, err);
out:
    free(ids);
    free(users);
    free(t);
    free(train.r);
    free(extra[0].r);
    free(extra[1].r);
    return st;
}

rs_status rs_dataset_load_config(const rs_config *cfg, rs_movielens **out, rs_load_report *rep,
                                 rs_error *err)
{
    rs_load_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (cfg->dataset_format == RS_DATASET_MOVIELENS) {
        rs_load_options opt = {cfg->text_file, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
        return rs_movielens_load(cfg->data_dir, &opt, out, err);
    }
    rs_status st = load_spec(cfg, out, rep, err);
    if (st == RS_OK && rep->duplicates)
        rs_log(RS_LOG_WARN, "dataset",
               "%zu duplicate (user, item) rows, the first at %s; the last of each "
               "(latest timestamp, then later line) was kept",
               rep->duplicates, rep->first_duplicate);
    return st;
}

static int pair_cmp(const void *a, const void *b)
{
    const rs_pair *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

rs_status rs_dataset_read_split(const rs_config *cfg, const rs_movielens *ml, const char *path,
                                rs_pair **pairs, size_t *n, size_t *skipped_users, rs_error *err)
{
    rows rs = {0};
    *pairs = NULL;
    *n = 0;
    if (skipped_users)
        *skipped_users = 0;
    rs_status st = read_file(cfg, path, &rs, err);
    rs_pair *p = st == RS_OK ? malloc((rs.n + 1) * sizeof *p) : NULL;
    if (st == RS_OK && !p)
        st = rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", path);
    size_t m = 0;
    for (size_t k = 0; st == RS_OK && k < rs.n; k++) {
        int32_t u = rs_movielens_user_index(ml, rs.r[k].user);
        int32_t i = rs_movielens_item_index(ml, rs.r[k].item);
        if (u < 0) {
            if (skipped_users)
                (*skipped_users)++;
            continue;
        }
        if (i < 0) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: item %lld is not in the catalogue", path,
                              rs.r[k].line, (long long)rs.r[k].item);
            break;
        }
        p[m++] = (rs_pair){u, i};
    }
    free(rs.r);
    if (st != RS_OK) {
        free(p);
        return st;
    }
    qsort(p, m, sizeof *p, pair_cmp);
    size_t w = 0;
    for (size_t k = 0; k < m; k++)
        if (w == 0 || pair_cmp(&p[w - 1], &p[k]) != 0)
            p[w++] = p[k];
    *pairs = p;
    *n = w;
    return RS_OK;
}
