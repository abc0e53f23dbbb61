#include "sem_fixture.h"

#include <stdlib.h>
#include <string.h>

struct sem_fixture {
    rs_dataset d;
    rs_item_meta *items;
    char *movies_buf, *tags_buf, *text_buf;
    char **tag_strings;
    int64_t *user_ids;
    size_t *user_ptr, *item_ptr;
    int32_t *user_item, *item_user;
    float *user_rating, *item_rating;
    int64_t *user_time;
    uint8_t *cf_item, *cf_user;
    char *genre_names[32];
    int n_genres;
};

const char *sem_fixture_data_dir(void)
{
    const char *env = getenv("RECSYS_SHARED_DATA");
#ifdef RS_SHARED_DATA_DEFAULT
    return env && *env ? env : RS_SHARED_DATA_DEFAULT;
#else
    return env;
#endif
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

/* RFC 4180 record splitter, in place: fields are NUL-terminated and
 * unquoted inside buf. Returns the number of fields, 0 at end. */
static int next_record(char **pp, char **fields, int max)
{
    char *p = *pp;
    int n = 0;
    if (!*p)
        return 0;
    for (;;) {
        char *out = p, *start = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else if (!*p) {
                    break;
                } else {
                    *out++ = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n' && *p != '\r')
                *out++ = *p++;
        }
        char sep = *p;
        *out = '\0';
        if (n < max)
            fields[n++] = start;
        if (sep == ',') {
            p++;
            continue;
        }
        if (sep == '\r')
            p++;
        if (*p == '\n')
            p++;
        break;
    }
    *pp = p;
    return n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int32_t sem_fixture_item(const sem_fixture *f, int64_t movie_id)
{
    int32_t lo = 0, hi = f->d.n_items; /* movies.csv is sorted by id */
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (f->items[mid].movie_id < movie_id)
            lo = mid + 1;
        else if (f->items[mid].movie_id > movie_id)
            hi = mid;
        else
            return mid;
    }
    return -1;
}

int32_t sem_fixture_find_title(const sem_fixture *f, const char *title,
                               int32_t year)
{
    for (int32_t i = 0; i < f->d.n_items; i++)
        if (f->items[i].year == year && strcmp(f->items[i].title, title) == 0)
            return i;
    return -1;
}

static uint32_t genre_bit(sem_fixture *f, const char *g, size_t len)
{
    for (int i = 0; i < f->n_genres; i++)
        if (strlen(f->genre_names[i]) == len &&
            memcmp(f->genre_names[i], g, len) == 0)
            return 1u << i;
    if (f->n_genres == 32)
        return 0;
    f->genre_names[f->n_genres] = strndup(g, len);
    return 1u << f->n_genres++;
}

static int load_movies(sem_fixture *f, const char *dir)
{
    char path[2048], *fields[8];
    size_t len;
    snprintf(path, sizeof path, "%s/ml-latest-small/movies.csv", dir);
    if (!(f->movies_buf = slurp(path, &len)))
        return -1;
    char *p = f->movies_buf;
    next_record(&p, fields, 8); /* header */
    size_t cap = 16384;
    f->items = calloc(cap, sizeof *f->items);
    int32_t n = 0;
    int nf;
    while ((nf = next_record(&p, fields, 8)) > 0) {
        if (nf < 3)
            continue;
        if ((size_t)n == cap)
            break; /* ml-latest-small has 9,742 movies */
        rs_item_meta *m = &f->items[n++];
        m->movie_id = strtoll(fields[0], NULL, 10);
        /* "Title (1995)" -> title "Title", year 1995 */
        char *t = fields[1];
        size_t tl = strlen(t);
        while (tl > 0 && t[tl - 1] == ' ')
            t[--tl] = '\0';
        if (tl >= 6 && t[tl - 1] == ')' && t[tl - 6] == '(') {
            m->year = (int32_t)strtol(t + tl - 5, NULL, 10);
            t[tl - 6] = '\0';
            tl -= 6;
            while (tl > 0 && t[tl - 1] == ' ')
                t[--tl] = '\0';
        }
        m->title = t;
        m->genres = strcmp(fields[2], "(no genres listed)") == 0 ? "" : fields[2];
        const char *g = m->genres;
        while (*g) {
            const char *e = strchr(g, '|');
            size_t gl = e ? (size_t)(e - g) : strlen(g);
            m->genre_mask |= genre_bit(f, g, gl);
            g += gl + (e ? 1 : 0);
        }
        m->tags = "";
        m->overview = "";
    }
    f->d.n_items = n;
    return 0;
}

static int load_tags(sem_fixture *f, const char *dir)
{
    char path[2048], *fields[8];
    size_t len;
    snprintf(path, sizeof path, "%s/ml-latest-small/tags.csv", dir);
    if (!(f->tags_buf = slurp(path, &len)))
        return 0; /* optional */
    f->tag_strings = calloc((size_t)f->d.n_items, sizeof *f->tag_strings);
    size_t *tlen = calloc((size_t)f->d.n_items, sizeof *tlen);
    char *p = f->tags_buf;
    next_record(&p, fields, 8);
    int nf;
    while ((nf = next_record(&p, fields, 8)) > 0) {
        if (nf < 3)
            continue;
        int32_t it = sem_fixture_item(f, strtoll(fields[1], NULL, 10));
        if (it < 0)
            continue;
        size_t add = strlen(fields[2]);
        char *s = realloc(f->tag_strings[it], tlen[it] + add + 4);
        if (tlen[it])
            memcpy(s + tlen[it], " | ", 3), tlen[it] += 3;
        memcpy(s + tlen[it], fields[2], add + 1);
        tlen[it] += add;
        f->tag_strings[it] = s;
    }
    for (int32_t i = 0; i < f->d.n_items; i++)
        if (f->tag_strings[i])
            f->items[i].tags = f->tag_strings[i];
    free(tlen);
    return 0;
}

static int load_text(sem_fixture *f, const char *dir)
{
    char path[2048], *fields[8];
    size_t len;
    snprintf(path, sizeof path, "%s/movie-text/ml-latest-small_text.csv", dir);
    if (!(f->text_buf = slurp(path, &len)))
        return -1;
    char *p = f->text_buf, *hdr[8];
    int nh = next_record(&p, hdr, 8), col_id = -1, col_text = -1;
    for (int i = 0; i < nh; i++) {
        if (strcmp(hdr[i], "movieId") == 0)
            col_id = i;
        if (strcmp(hdr[i], "text") == 0)
            col_text = i;
    }
    if (col_id < 0 || col_text < 0)
        return -1;
    int nf;
    while ((nf = next_record(&p, fields, 8)) > 0) {
        if (nf <= col_id || nf <= col_text)
            continue;
        int32_t it = sem_fixture_item(f, strtoll(fields[col_id], NULL, 10));
        if (it >= 0)
            f->items[it].overview = fields[col_text];
    }
    return 0;
}

typedef struct trip {
    int32_t u, i;
    float r;
    int64_t t;
} trip;

static int cmp_ui(const void *a, const void *b)
{
    const trip *x = a, *y = b;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int cmp_iu(const void *a, const void *b)
{
    const trip *x = a, *y = b;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    return (x->u > y->u) - (x->u < y->u);
}

static int load_ratings(sem_fixture *f, const char *dir)
{
    char path[2048], *fields[8];
    size_t len;
    snprintf(path, sizeof path, "%s/ml-latest-small/ratings.csv", dir);
    char *buf = slurp(path, &len);
    if (!buf)
        return -1;
    size_t cap = 1 << 17, n = 0;
    trip *t = malloc(cap * sizeof *t);
    char *p = buf;
    next_record(&p, fields, 8);
    int nf;
    int64_t max_user = 0;
    while ((nf = next_record(&p, fields, 8)) > 0) {
        if (nf < 4)
            continue;
        int32_t it = sem_fixture_item(f, strtoll(fields[1], NULL, 10));
        if (it < 0)
            continue;
        if (n == cap)
            t = realloc(t, (cap *= 2) * sizeof *t);
        int64_t uid = strtoll(fields[0], NULL, 10);
        if (uid > max_user)
            max_user = uid;
        t[n++] = (trip){(int32_t)uid, it, strtof(fields[2], NULL),
                        strtoll(fields[3], NULL, 10)};
    }
    free(buf);
    /* dense users in id order */
    int64_t *ids = malloc(n * sizeof *ids);
    for (size_t k = 0; k < n; k++)
        ids[k] = t[k].u;
    qsort(ids, n, sizeof *ids, cmp_i64);
    int32_t nu = 0;
    for (size_t k = 0; k < n; k++)
        if (nu == 0 || ids[nu - 1] != ids[k])
            ids[nu++] = ids[k];
    int32_t *dense = malloc(((size_t)max_user + 1) * sizeof *dense);
    for (int32_t u = 0; u < nu; u++)
        dense[ids[u]] = u;
    for (size_t k = 0; k < n; k++)
        t[k].u = dense[t[k].u];
    free(dense);
    f->user_ids = ids;
    f->d.n_users = nu;
    f->d.n_ratings = n;

    qsort(t, n, sizeof *t, cmp_ui);
    f->user_ptr = calloc((size_t)nu + 1, sizeof *f->user_ptr);
    f->user_item = malloc(n * sizeof *f->user_item);
    f->user_rating = malloc(n * sizeof *f->user_rating);
    f->user_time = malloc(n * sizeof *f->user_time);
    for (size_t k = 0; k < n; k++) {
        f->user_ptr[t[k].u + 1]++;
        f->user_item[k] = t[k].i;
        f->user_rating[k] = t[k].r;
        f->user_time[k] = t[k].t;
    }
    for (int32_t u = 0; u < nu; u++)
        f->user_ptr[u + 1] += f->user_ptr[u];
    qsort(t, n, sizeof *t, cmp_iu);
    int32_t ni = f->d.n_items;
    f->item_ptr = calloc((size_t)ni + 1, sizeof *f->item_ptr);
    f->item_user = malloc(n * sizeof *f->item_user);
    f->item_rating = malloc(n * sizeof *f->item_rating);
    for (size_t k = 0; k < n; k++) {
        f->item_ptr[t[k].i + 1]++;
        f->item_user[k] = t[k].u;
        f->item_rating[k] = t[k].r;
    }
    for (int32_t i = 0; i < ni; i++)
        f->item_ptr[i + 1] += f->item_ptr[i];
    free(t);
    /* CF subset as the issue describes it: movies with >= 10 ratings */
    f->cf_item = calloc((size_t)ni, 1);
    f->cf_user = calloc((size_t)nu, 1);
    for (int32_t i = 0; i < ni; i++)
        f->cf_item[i] = f->item_ptr[i + 1] - f->item_ptr[i] >= 10;
    memset(f->cf_user, 1, (size_t)nu);
    return 0;
}

sem_fixture *sem_fixture_load(const char *data_dir, int with_text)
{
    sem_fixture *f = calloc(1, sizeof *f);
    if (!data_dir || load_movies(f, data_dir) != 0 ||
        load_tags(f, data_dir) != 0 ||
        (with_text && load_text(f, data_dir) != 0) ||
        load_ratings(f, data_dir) != 0) {
        fprintf(stderr, "fixture: MovieLens data not found under %s\n",
                data_dir ? data_dir : "(unset)");
        sem_fixture_free(f);
        return NULL;
    }
    rs_dataset *d = &f->d;
    d->struct_size = sizeof *d;
    d->user_ids = f->user_ids;
    d->items = f->items;
    d->user_ptr = f->user_ptr;
    d->user_item = f->user_item;
    d->user_rating = f->user_rating;
    d->user_time = f->user_time;
    d->item_ptr = f->item_ptr;
    d->item_user = f->item_user;
    d->item_rating = f->item_rating;
    d->cf_item = f->cf_item;
    d->cf_user = f->cf_user;
    d->n_genres = f->n_genres;
    d->genre_names = (const char *const *)f->genre_names;
    return f;
}

void sem_fixture_free(sem_fixture *f)
{
    if (!f)
        return;
    if (f->tag_strings)
        for (int32_t i = 0; i < f->d.n_items; i++)
            free(f->tag_strings[i]);
    free(f->tag_strings);
    for (int i = 0; i < f->n_genres; i++)
        free(f->genre_names[i]);
    free(f->items);
    free(f->movies_buf);
    free(f->tags_buf);
    free(f->text_buf);
    free(f->user_ids);
    free(f->user_ptr);
    free(f->item_ptr);
    free(f->user_item);
    free(f->item_user);
    free(f->user_rating);
    free(f->item_rating);
    free(f->user_time);
    free(f->cf_item);
    free(f->cf_user);
    free(f);
}

const rs_dataset *sem_fixture_view(const sem_fixture *f) { return &f->d; }
