/*
 * MovieLens loader: movies.csv (catalogue), links.csv and tags.csv
 * (metadata, optional), the optional plot-text CSV, and ratings.csv.
 * Any malformed row fails the whole load with file:line; the partially
 * built structure is freed, never returned.
 */
#include "recsys/csv.h"
#include "recsys/dataset.h"
#include "recsys/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "idmap.h"
#include "movielens_build.h"
#include "ratings_csr.h"

#define RS_MAX_GENRES 32

struct rs_movielens {
    rs_dataset view;
    rs_item_meta *items;
    int32_t n_items, items_cap;
    int64_t *user_ids;
    int32_t n_users;
    rs_csr csr;
    rs_idmap item_map, user_map;
    char *genre_names[RS_MAX_GENRES];
    int32_t n_genres;
    size_t dup_rows;  /* ratings.csv rows dropped as duplicates */
    size_t dup_first; /* the first line of ratings.csv holding a duplicate */
};

static char *dupstr(const char *s) { return strdup(s ? s : ""); }

static char *path_join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

void rs_movielens_free(rs_movielens *ml)
{
    if (!ml)
        return;
    for (int32_t i = 0; i < ml->n_items; i++) {
        free((char *)ml->items[i].title);
        free((char *)ml->items[i].genres);
        free((char *)ml->items[i].tags);
        free((char *)ml->items[i].overview);
    }
    free(ml->items);
    free(ml->user_ids);
    rs_csr_destroy(&ml->csr);
    rs_idmap_destroy(&ml->item_map);
    rs_idmap_destroy(&ml->user_map);
    for (int32_t g = 0; g < ml->n_genres; g++)
        free(ml->genre_names[g]);
    free(ml);
}

/* "Toy Story (1995)" -> title "Toy Story", year 1995. Titles without a
 * trailing 4-digit year in parentheses keep their text and year 0. */
static void split_title(const char *raw, char **title, int32_t *year)
{
    size_t n = strlen(raw);
    while (n > 0 && isspace((unsigned char)raw[n - 1]))
        n--;
    *year = 0;
    if (n >= 6 && raw[n - 1] == ')' && raw[n - 6] == '(' && isdigit((unsigned char)raw[n - 5]) &&
        isdigit((unsigned char)raw[n - 4]) && isdigit((unsigned char)raw[n - 3]) &&
        isdigit((unsigned char)raw[n - 2])) {
        *year = (int32_t)strtol(raw + n - 5, NULL, 10);
        n -= 6;
        while (n > 0 && isspace((unsigned char)raw[n - 1]))
            n--;
    }
    *title = strndup(raw, n);
}

static int genre_index(rs_movielens *ml, const char *name, size_t len)
{
    for (int32_t g = 0; g < ml->n_genres; g++)
        if (strlen(ml->genre_names[g]) == len && memcmp(ml->genre_names[g], name, len) == 0)
            return g;
    if (ml->n_genres == RS_MAX_GENRES)
        return -1; /* beyond the mask width: kept in the text only */
    ml->genre_names[ml->n_genres] = strndup(name, len);
    return ml->genre_names[ml->n_genres] ? ml->n_genres++ : -1;
}

static rs_status expect_header(rs_csv *c, const char *const *cols, int *idx, int n, rs_error *err)
{
    if (rs_csv_next(c, err) != 1)
        return rs_error_set(err, RS_ERR_FORMAT, "%s:1: missing header", rs_csv_name(c));
    for (int i = 0; i < n; i++) {
        idx[i] = rs_csv_column(c, cols[i]);
        if (idx[i] < 0)
            return rs_error_set(err, RS_ERR_FORMAT, "%s:1: header lacks column '%s'",
                                rs_csv_name(c), cols[i]);
    }
    return RS_OK;
}

static rs_status row_error(rs_csv *c, rs_error *err, const char *what, const char *text)
{
    return rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: %s: '%s'", rs_csv_name(c), rs_csv_line(c),
                        what, text);
}

/* One CSV table: check the header for `cols`, then hand every row to
 * `row` with the column indices. Any error stops the read. */
typedef struct table_ctx {
    rs_movielens *ml;
    const char *path;
    void *extra;
} table_ctx;
typedef rs_status (*row_fn)(table_ctx *t, rs_csv *c, const int *idx, rs_error *err);

static rs_status read_table(table_ctx *t, const char *const *cols, int n_cols, row_fn row,
                            rs_error *err)
{
    int idx[8] = {0}, r;
    rs_csv *c;
    rs_status st = rs_csv_open(t->path, &c, err);
    if (st != RS_OK)
        return st;
    if ((st = expect_header(c, cols, idx, n_cols, err)) != RS_OK)
        goto out;
    while ((r = rs_csv_next(c, err)) == 1)
        if ((st = row(t, c, idx, err)) != RS_OK)
            goto out;
    if (r < 0)
        st = err ? err->code : RS_ERR_FORMAT;
out:
    rs_csv_free(c);
    return st;
}

static rs_status oom(const table_ctx *t, rs_error *err)
{
    return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", t->path);
}

static rs_status movie_row(table_ctx *t, rs_csv *c, const int *idx, rs_error *err)
{
    rs_movielens *ml = t->ml;
    int64_t id;
    const char *ids = rs_csv_field(c, (size_t)idx[0]);
    if (rs_parse_int64(ids, &id) != 0 || id < 0)
        return row_error(c, err, "bad movieId", ids);
    if (rs_idmap_get(&ml->item_map, id) >= 0)
        return row_error(c, err, "duplicate movieId", ids);
    if (ml->n_items == ml->items_cap) {
        int32_t cap = ml->items_cap ? ml->items_cap * 2 : 1024;
        rs_item_meta *it = realloc(ml->items, (size_t)cap * sizeof *it);
        if (!it)
            return oom(t, err);
        ml->items = it;
        ml->items_cap = cap;
    }
    rs_item_meta *m = &ml->items[ml->n_items];
    memset(m, 0, sizeof *m);
    m->movie_id = id;
    char *title = NULL;
    split_title(rs_csv_field(c, (size_t)idx[1]), &title, &m->year);
    const char *g = rs_csv_field(c, (size_t)idx[2]);
    if (strcmp(g, "(no genres listed)") == 0)
        g = "";
    m->title = title;
    m->genres = dupstr(g);
    m->tags = dupstr("");
    m->overview = dupstr("");
    ml->n_items++; /* owned from here on, freed with ml */
    if (!m->title || !m->genres || !m->tags || !m->overview ||
        rs_idmap_put(&ml->item_map, id, ml->n_items - 1) < 0)
        return oom(t, err);
    for (const char *p = m->genres; *p;) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int gi = len ? genre_index(ml, p, len) : -1;
        if (gi >= 0)
            m->genre_mask |= 1u << gi;
        p += len + (e ? 1 : 0);
    }
    return RS_OK;
}

static rs_status load_movies(rs_movielens *ml, const char *path, rs_error *err)
{
    static const char *const cols[] = {"movieId", "title", "genres"};
    table_ctx t = {ml, path, NULL};
    rs_status st = read_table(&t, cols, 3, movie_row, err);
    if (st == RS_OK && ml->n_items == 0)
        st = rs_error_set(err, RS_ERR_FORMAT, "%s: no movies", path);
    return st;
}

/* Find a catalogue index or fail with file:line. */
static rs_status movie_of(rs_movielens *ml, rs_csv *c, int col, int32_t *out, rs_error *err)
{
    int64_t id;
    const char *s = rs_csv_field(c, (size_t)col);
    *out = -1;
    if (rs_parse_int64(s, &id) != 0)
        return row_error(c, err, "bad movieId", s);
    *out = rs_idmap_get(&ml->item_map, id);
    if (*out < 0)
        return row_error(c, err, "movieId not in movies.csv", s);
    return RS_OK;
}

static rs_status link_row(table_ctx *t, rs_csv *c, const int *idx, rs_error *err)
{
    int32_t item;
    rs_status st = movie_of(t->ml, c, idx[0], &item, err);
    if (st != RS_OK)
        return st;
    for (int k = 1; k <= 2; k++) {
        const char *s = rs_csv_field(c, (size_t)idx[k]);
        int64_t v = 0;
        if (*s && (rs_parse_int64(s, &v) != 0 || v < 0))
            return row_error(c, err, k == 1 ? "bad imdbId" : "bad tmdbId", s);
        if (k == 1)
            t->ml->items[item].imdb_id = v;
        else
            t->ml->items[item].tmdb_id = v;
    }
    return RS_OK;
}

static rs_status load_links(rs_movielens *ml, const char *path, rs_error *err)
{
    static const char *const cols[] = {"movieId", "imdbId", "tmdbId"};
    table_ctx t = {ml, path, NULL};
    return read_table(&t, cols, 3, link_row, err);
}

/* Append text to a growing "a | b" string, skipping case-insensitive
 * duplicates so a tag applied by many users appears once. */
static int append_tag(char **dst, const char *tag)
{
    size_t tl = strlen(tag);
    if (tl == 0)
        return 0;
    for (const char *p = *dst; *p;) {
        const char *e = strstr(p, " | ");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == tl && strncasecmp(p, tag, tl) == 0)
            return 0;
        p += len + (e ? 3 : 0);
    }
    size_t dl = strlen(*dst);
    char *n = realloc(*dst, dl + tl + 4);
    if (!n)
        return -1;
    if (dl)
        memcpy(n + dl, " | ", 3), dl += 3;
    memcpy(n + dl, tag, tl + 1);
    *dst = n;
    return 0;
}

static rs_status tag_row(table_ctx *t, rs_csv *c, const int *idx, rs_error *err)
{
    int32_t item;
    rs_status st = movie_of(t->ml, c, idx[0], &item, err);
    if (st != RS_OK)
        return st;
    char *tags = (char *)t->ml->items[item].tags;
    if (append_tag(&tags, rs_csv_field(c, (size_t)idx[1])) != 0)
        return oom(t, err);
    t->ml->items[item].tags = tags;
    return RS_OK;
}

static rs_status load_tags(rs_movielens *ml, const char *path, rs_error *err)
{
    static const char *const cols[] = {"movieId", "tag"};
    table_ctx t = {ml, path, NULL};
    return read_table(&t, cols, 2, tag_row, err);
}

/* Optional plot text: movieId,text (extra columns allowed). Rows for movies
 * outside the catalogue are skipped: the file may cover a larger dataset. */
static rs_status text_row(table_ctx *t, rs_csv *c, const int *idx, rs_error *err)
{
    int64_t id;
    const char *s = rs_csv_field(c, (size_t)idx[0]);
    if (rs_parse_int64(s, &id) != 0)
        return row_error(c, err, "bad movieId", s);
    int32_t item = rs_idmap_get(&t->ml->item_map, id);
    if (item < 0)
        return RS_OK;
    char *text = dupstr(rs_csv_field(c, (size_t)idx[1]));
    if (!text)
        return oom(t, err);
    free((char *)t->ml->items[item].overview);
    t->ml->items[item].overview = text;
    return RS_OK;
}

static rs_status load_text(rs_movielens *ml, const char *path, rs_error *err)
{
    static const char *const cols[] = {"movieId", "text"};
    table_ctx t = {ml, path, NULL};
    return read_table(&t, cols, 2, text_row, err);
}

static int int64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct rating_rows {
    rs_triple *t;
    int64_t *users; /* external user id of each triple */
    size_t *lines;  /* physical line of each triple in ratings.csv */
    size_t n, cap;
} rating_rows;

static rs_status rating_row(table_ctx *t, rs_csv *c, const int *idx, rs_error *err)
{
    rating_rows *rr = t->extra;
    if (rr->n == rr->cap) {
        size_t cap = rr->cap ? rr->cap * 2 : 65536;
        rs_triple *nt = realloc(rr->t, cap * sizeof *nt);
        if (nt)
            rr->t = nt;
        int64_t *nu = realloc(rr->users, cap * sizeof *nu);
        if (nu)
            rr->users = nu;
        size_t *nl = realloc(rr->lines, cap * sizeof *nl);
        if (nl)
            rr->lines = nl;
        if (!nt || !nu || !nl)
            return oom(t, err);
        rr->cap = cap;
    }
    rs_triple *tr = &rr->t[rr->n];
    int64_t uid, ts;
    double rating;
    const char *s = rs_csv_field(c, (size_t)idx[0]);
    if (rs_parse_int64(s, &uid) != 0)
        return row_error(c, err, "bad userId", s);
    rs_status st = movie_of(t->ml, c, idx[1], &tr->item, err);
    if (st != RS_OK)
        return st;
    s = rs_csv_field(c, (size_t)idx[2]);
    if (rs_parse_double(s, &rating) != 0 || !(rating >= 0.5 && rating <= 5.0))
        return row_error(c, err, "rating must be a number in 0.5..5.0", s);
    s = rs_csv_field(c, (size_t)idx[3]);
    if (rs_parse_int64(s, &ts) != 0)
        return row_error(c, err, "bad timestamp", s);
    rr->users[rr->n] = uid;
    rr->lines[rr->n] = rs_csv_line(c);
    tr->rating = (float)rating;
    tr->timestamp = ts;
    rr->n++;
    return RS_OK;
}

/* Dense user indices in ascending external id order (deterministic). */
static rs_status index_users(rs_movielens *ml, rating_rows *rr, rs_error *err)
{
    int64_t *sorted = malloc((rr->n ? rr->n : 1) * sizeof *sorted);
    if (!sorted)
        return rs_error_set(err, RS_ERR_NOMEM, "ratings: out of memory");
    /* A header-only ratings.csv leaves rr->users NULL: memcpy and qsort
     * must not see it, even for zero bytes. */
    if (rr->n) {
        memcpy(sorted, rr->users, rr->n * sizeof *sorted);
        qsort(sorted, rr->n, sizeof *sorted, int64_cmp);
    }
    size_t nu = 0;
    for (size_t i = 0; i < rr->n; i++)
        if (nu == 0 || sorted[nu - 1] != sorted[i])
            sorted[nu++] = sorted[i];
    ml->user_ids = sorted;
    ml->n_users = (int32_t)nu;
    if (rs_idmap_init(&ml->user_map, nu) != 0)
        return rs_error_set(err, RS_ERR_NOMEM, "ratings: out of memory");
    for (size_t u = 0; u < nu; u++)
        rs_idmap_put(&ml->user_map, sorted[u], (int32_t)u);
    for (size_t i = 0; i < rr->n; i++)
        rr->t[i].user = rs_idmap_get(&ml->user_map, rr->users[i]);
    return RS_OK;
}

typedef struct dup_key {
    int64_t user;
    int32_t item;
    int64_t time;
    size_t line, row;
} dup_key;

/* The winner of a duplicate (user, movie) sorts last: latest timestamp,
 * then the later line (the rule rs_load_report documents for the other
 * formats too). */
static int dup_key_cmp(const void *a, const void *b)
{
    const dup_key *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Drops all but the winner of each duplicate (user, movie) and reports how
 * many rows went and the first line involved: merging them silently hid
 * data errors (a researcher's 4 rows became 3 ratings without a word). */
static rs_status drop_duplicates(rs_movielens *ml, const char *path, rating_rows *rr, rs_error *err)
{
    if (rr->n < 2)
        return RS_OK;
    dup_key *k = malloc(rr->n * sizeof *k);
    uint8_t *drop = calloc(rr->n, 1);
    if (!k || !drop) {
        free(k);
        free(drop);
        return rs_error_set(err, RS_ERR_NOMEM, "ratings: out of memory");
    }
    for (size_t i = 0; i < rr->n; i++)
        k[i] = (dup_key){rr->users[i], rr->t[i].item, rr->t[i].timestamp, rr->lines[i], i};
    qsort(k, rr->n, sizeof *k, dup_key_cmp);
    for (size_t i = 1; i < rr->n; i++) {
        if (k[i].user != k[i - 1].user || k[i].item != k[i - 1].item)
            continue;
        drop[k[i - 1].row] = 1;
        size_t line = k[i - 1].line < k[i].line ? k[i - 1].line : k[i].line;
        if (ml->dup_rows++ == 0 || line < ml->dup_first)
            ml->dup_first = line;
    }
    size_t m = 0;
    for (size_t i = 0; i < rr->n; i++) {
        if (drop[i])
            continue;
        rr->t[m] = rr->t[i];
        rr->users[m] = rr->users[i];
        rr->lines[m] = rr->lines[i];
        m++;
    }
    rr->n = m;
    free(k);
    free(drop);
    if (ml->dup_rows)
        rs_log(RS_LOG_WARN, "dataset",
               "%zu duplicate (user, movie) rows in %s, the first at line %zu; the last of "
               "each (latest timestamp, then later line) was kept",
               ml->dup_rows, path, ml->dup_first);
    return RS_OK;
}

size_t rs_movielens_duplicate_rows(const rs_movielens *ml, size_t *first_line)
{
    if (first_line)
        *first_line = ml->dup_first;
    return ml->dup_rows;
}

static rs_status load_ratings(rs_movielens *ml, const char *path, const rs_load_options *opt,
                              rs_error *err)
{
    static const char *const cols[] = {"userId", "movieId", "rating", "timestamp"};
    rating_rows rr = {NULL, NULL, NULL, 0, 0};
    table_ctx t = {ml, path, &rr};
    rs_status st = read_table(&t, cols, 4, rating_row, err);
    if (st == RS_OK)
        st = drop_duplicates(ml, path, &rr, err);
    if (st == RS_OK)
        st = index_users(ml, &rr, err);
    if (st == RS_OK)
        st = rs_csr_build(&ml->csr, rr.t, rr.n, ml->n_users, ml->n_items, opt->cf_min_item_ratings,
                          opt->cf_min_user_ratings, err);
    free(rr.t);
    free(rr.users);
    free(rr.lines);
    return st;
}

static int genre_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Genres are collected in order of first appearance; sort the names and
 * remap the masks so genre_names is alphabetical (stable across files). */
static void sort_genres(rs_movielens *ml)
{
    char *old[RS_MAX_GENRES];
    int remap[RS_MAX_GENRES];
    memcpy(old, ml->genre_names, sizeof old);
    qsort(ml->genre_names, (size_t)ml->n_genres, sizeof(char *), genre_cmp);
    for (int32_t g = 0; g < ml->n_genres; g++)
        for (int32_t h = 0; h < ml->n_genres; h++)
            if (old[g] == ml->genre_names[h])
                remap[g] = h;
    for (int32_t i = 0; i < ml->n_items; i++) {
        uint32_t m = ml->items[i].genre_mask, nm = 0;
        for (int32_t g = 0; g < ml->n_genres; g++)
            if (m & (1u << g))
                nm |= 1u << remap[g];
        ml->items[i].genre_mask = nm;
    }
}

/* The public view over the loaded arrays. */
static void fill_view(rs_movielens *ml)
{
    rs_dataset *v = &ml->view;
    v->struct_size = sizeof *v;
    v->n_users = ml->n_users;
    v->n_items = ml->n_items;
    v->user_ids = ml->user_ids;
    v->items = ml->items;
    rs_csr_fill_view(&ml->csr, v);
    v->n_genres = ml->n_genres;
    v->genre_names = (const char *const *)ml->genre_names;
}

rs_status rs_movielens_load(const char *dir, const rs_load_options *opt, rs_movielens **out,
                            rs_error *err)
{
    rs_load_options defaults = {NULL, 10, 5};
    if (!opt)
        opt = &defaults;
    rs_movielens *ml = calloc(1, sizeof *ml);
    if (!ml || rs_idmap_init(&ml->item_map, 16384) != 0) {
        free(ml);
        return rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
    }
    rs_status st = RS_OK;
    const char *files[] = {"movies.csv", "links.csv", "tags.csv", NULL, "ratings.csv"};
    for (int step = 0; step < 5 && st == RS_OK; step++) {
        char *p;
        if (step == 3) {
            p = opt->text_file ? dupstr(opt->text_file) : path_join(dir, "movie_text.csv");
        } else {
            p = path_join(dir, files[step]);
        }
        if (!p) {
            st = rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
            break;
        }
        int exists = file_exists(p);
        int required = step == 0 || step == 4 || (step == 3 && opt->text_file);
        if (!exists) {
            if (required)
                st = rs_error_set(err, RS_ERR_NOT_FOUND, "%s: %s", p, strerror(ENOENT));
            free(p);
            continue;
        }
        switch (step) {
        case 0: st = load_movies(ml, p, err); break;
        case 1: st = load_links(ml, p, err); break;
        case 2: st = load_tags(ml, p, err); break;
        case 3: st = load_text(ml, p, err); break;
        case 4: st = load_ratings(ml, p, opt, err); break;
        }
        free(p);
    }
    if (st != RS_OK) {
        rs_movielens_free(ml);
        return st;
    }
    sort_genres(ml);
    fill_view(ml);
    *out = ml;
    return RS_OK;
}

const rs_dataset *rs_movielens_view(const rs_movielens *ml) { return &ml->view; }

int32_t rs_movielens_item_index(const rs_movielens *ml, int64_t movie_id)
{
    return rs_idmap_get(&ml->item_map, movie_id);
}

int32_t rs_movielens_user_index(const rs_movielens *ml, int64_t user_id)
{
    return rs_idmap_get(&ml->user_map, user_id);
}

/* A dataset without a catalogue file (dataset_formats.c): every item id
 * becomes a catalogue entry titled by its id, in the given order. */
rs_status rs_movielens_build(const int64_t *item_ids, int32_t n_items, rs_triple *t,
                             int64_t *user_ext, size_t n, const rs_load_options *opt,
                             rs_movielens **out, rs_error *err)
{
    rs_movielens *ml = calloc(1, sizeof *ml);
    rs_status st = RS_OK;
    if (!ml || rs_idmap_init(&ml->item_map, (size_t)n_items + 16) != 0) {
        free(ml);
        return rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
    }
    ml->items = calloc((size_t)n_items + 1, sizeof *ml->items);
    if (!ml->items)
        st = rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
    for (int32_t i = 0; st == RS_OK && i < n_items; i++) {
        char title[32];
        rs_item_meta *m = &ml->items[i];
        snprintf(title, sizeof title, "%lld", (long long)item_ids[i]);
        m->movie_id = item_ids[i];
        m->title = dupstr(title);
        m->genres = dupstr("");
        m->tags = dupstr("");
        m->overview = dupstr("");
        ml->n_items++;
        if (!m->title || !m->genres || !m->tags || !m->overview ||
            rs_idmap_put(&ml->item_map, item_ids[i], i) < 0)
            st = rs_error_set(err, RS_ERR_NOMEM, "dataset: out of memory");
    }
    rating_rows rr = {t, user_ext, NULL, n, n};
    if (st == RS_OK)
        st = index_users(ml, &rr, err);
    if (st == RS_OK)
        st = rs_csr_build(&ml->csr, t, n, ml->n_users, ml->n_items, opt->cf_min_item_ratings,
                          opt->cf_min_user_ratings, err);
    if (st != RS_OK) {
        rs_movielens_free(ml);
        return st;
    }
    fill_view(ml);
    *out = ml;
    return RS_OK;
}
