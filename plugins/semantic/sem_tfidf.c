/*
 * Builtin TF-IDF: tokeniser, vocabulary and row encoder.
 *
 * Why by hand: no Debian-packaged C library does tokenising or TF-IDF, and
 * the rules are few (ASCII lower-casing, a short stop list, a light plural
 * strip), so a small tokeniser here is simpler than a dependency and keeps
 * fit-time and run-time encoding byte-for-byte identical.
 */
#include "sem_tfidf.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 48 /* longer "words" are URLs or noise: dropped */

enum { F_TITLE, F_GENRES, F_TAGS, F_OVERVIEW, F_DECADE, F_COUNT };

/* ---- String table: open addressing over an arena ------------------------ */

typedef struct strtab {
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;   /* [n] offset of term id's NUL-terminated string */
    uint32_t *len; /* [n] */
    int32_t n, cap;
    int32_t *slots; /* [nslots] term id or -1 */
    size_t nslots;  /* power of two */
} strtab;

static uint32_t str_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void strtab_free(strtab *t)
{
    free(t->arena);
    free(t->off);
    free(t->len);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static int32_t strtab_find(const strtab *t, const char *s, size_t len)
{
    if (t->nslots == 0)
        return -1;
    size_t mask = t->nslots - 1;
    for (size_t i = str_hash(s, len) & mask;; i = (i + 1) & mask) {
        int32_t id = t->slots[i];
        if (id < 0)
            return -1;
        if (t->len[id] == len && memcmp(t->arena + t->off[id], s, len) == 0)
            return id;
    }
}

static int strtab_rehash(strtab *t, size_t nslots)
{
    int32_t *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < nslots; i++)
        slots[i] = -1;
    for (int32_t id = 0; id < t->n; id++) {
        size_t j = str_hash(t->arena + t->off[id], t->len[id]) & (nslots - 1);
        while (slots[j] >= 0)
            j = (j + 1) & (nslots - 1);
        slots[j] = id;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

/* Id of s, adding it when new (*added = 1). -1 on allocation failure. */
static int32_t strtab_intern(strtab *t, const char *s, size_t len, int *added)
{
    int32_t id = strtab_find(t, s, len);
    *added = 0;
    if (id >= 0)
        return id;
    if ((size_t)(t->n + 1) * 2 > t->nslots &&
        strtab_rehash(t, t->nslots ? t->nslots * 2 : 1024) != 0)
        return -1;
    if (t->n == t->cap) {
        int32_t cap = t->cap ? t->cap * 2 : 1024;
        size_t *off = realloc(t->off, (size_t)cap * sizeof *off);
        if (!off)
            return -1;
        t->off = off;
        uint32_t *ln = realloc(t->len, (size_t)cap * sizeof *ln);
        if (!ln)
            return -1;
        t->len = ln;
        t->cap = cap;
    }
    if (t->arena_len + len + 1 > t->arena_cap) {
        size_t cap = t->arena_cap ? t->arena_cap : 16384;
        while (cap < t->arena_len + len + 1)
            cap *= 2;
        char *a = realloc(t->arena, cap);
        if (!a)
            return -1;
        t->arena = a;
        t->arena_cap = cap;
    }
    memcpy(t->arena + t->arena_len, s, len);
    t->arena[t->arena_len + len] = '\0';
    id = t->n++;
    t->off[id] = t->arena_len;
    t->len[id] = (uint32_t)len;
    t->arena_len += len + 1;
    size_t mask = t->nslots - 1;
    size_t j = str_hash(s, len) & mask;
    while (t->slots[j] >= 0)
        j = (j + 1) & mask;
    t->slots[j] = id;
    *added = 1;
    return id;
}

/* ---- Tokeniser ---------------------------------------------------------- */

/* Sorted, for bsearch. Function words that carry no topic. */
static const char *const STOPWORDS[] = {
    "about",   "after",      "again",   "against", "all",     "also",    "am",      "an",
    "and",     "any",        "are",     "as",      "at",      "be",      "because", "been",
    "before",  "being",      "between", "both",    "but",     "by",      "can",     "could",
    "did",     "do",         "does",    "doing",   "down",    "during",  "each",    "even",
    "ever",    "every",      "few",     "for",     "from",    "further", "get",     "gets",
    "had",     "has",        "have",    "having",  "he",      "her",     "here",    "hers",
    "herself", "him",        "himself", "his",     "how",     "if",      "in",      "into",
    "is",      "it",         "its",     "itself",  "just",    "me",      "more",    "most",
    "much",    "must",       "my",      "myself",  "no",      "nor",     "not",     "now",
    "of",      "off",        "on",      "once",    "one",     "only",    "or",      "other",
    "our",     "ours",       "out",     "over",    "own",     "same",    "she",     "should",
    "so",      "some",       "such",    "than",    "that",    "the",     "their",   "theirs",
    "them",    "themselves", "then",    "there",   "these",   "they",    "this",    "those",
    "through", "to",         "too",     "under",   "until",   "up",      "upon",    "very",
    "was",     "we",         "were",    "what",    "when",    "where",   "which",   "while",
    "who",     "whom",       "whose",   "why",     "will",    "with",    "within",  "without",
    "would",   "you",        "your",    "yours",   "yourself"};

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stopword(const char *tok)
{
    return bsearch(&tok, STOPWORDS, sizeof STOPWORDS / sizeof *STOPWORDS, sizeof *STOPWORDS,
                   cmp_cstr) != NULL;
}

/* Bytes >= 0x80 belong to UTF-8 letters (accented names stay one word). */
static int is_word_byte(unsigned char c) { return c >= 0x80 || isalnum(c); }

/* Lower-case, drop stop words, digits-only and 1-byte tokens, and strip a
 * plural ending so "toys" meets "toy" (a light stemmer is enough here:
 * the SVD merges the rest of the morphology). Returns the new length or 0
 * to drop the token. */
static size_t normalise_word(char *tok, size_t len)
{
    int digits = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tok[i];
        if (c < 0x80)
            tok[i] = (char)tolower(c);
        if (!isdigit(c))
            digits = 0;
    }
    tok[len] = '\0';
    if (len < 2 || digits || is_stopword(tok))
        return 0;
    if (len > 4 && memcmp(tok + len - 3, "ies", 3) == 0) {
        tok[len - 3] = 'y';
        len -= 2;
    } else if (len > 3 && tok[len - 1] == 's' && tok[len - 2] != 's' && tok[len - 2] != 'u' &&
               tok[len - 2] != 'i') {
        len -= 1;
    }
    tok[len] = '\0';
    return len;
}

void sem_tokenize_words(const char *text, void (*emit)(void *ctx, const char *tok, size_t len),
                        void *ctx)
{
    char buf[TOKEN_MAX + 1];
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        while (*p && !is_word_byte(*p))
            p++;
        const unsigned char *start = p;
        while (*p && is_word_byte(*p))
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0 || len > TOKEN_MAX)
            continue;
        memcpy(buf, start, len);
        len = normalise_word(buf, len);
        if (len > 0)
            emit(ctx, buf, len);
    }
}

/* ---- Terms of one movie ------------------------------------------------- */

typedef void (*term_fn)(void *ctx, const char *term, size_t len, int field);

typedef struct word_ctx {
    term_fn fn;
    void *ctx;
    int field;
} word_ctx;

static void word_emit(void *c, const char *tok, size_t len)
{
    word_ctx *w = c;
    w->fn(w->ctx, tok, len, w->field);
}

/* Genre and decade tokens carry a prefix ("g:", "d:") that no word can
 * have (':' splits words), so "animation" in an overview and the genre
 * Animation stay separate terms with their own weights. */
static void each_term(const rs_item_meta *m, term_fn fn, void *ctx)
{
    word_ctx w = {fn, ctx, F_TITLE};
    sem_tokenize_words(m->title, word_emit, &w);
    w.field = F_TAGS;
    sem_tokenize_words(m->tags, word_emit, &w);
    w.field = F_OVERVIEW;
    sem_tokenize_words(m->overview, word_emit, &w);

    const char *g = m->genres ? m->genres : "";
    while (*g) {
        const char *end = strchr(g, '|');
        size_t len = end ? (size_t)(end - g) : strlen(g);
        char buf[TOKEN_MAX + 3] = "g:";
        if (len > 0 && len <= TOKEN_MAX && g[0] != '(') { /* (no genres listed) */
            for (size_t i = 0; i < len; i++)
                buf[2 + i] = (char)tolower((unsigned char)g[i]);
            fn(ctx, buf, len + 2, F_GENRES);
        }
        g += len;
        if (*g == '|')
            g++;
    }
    if (m->year > 0) {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "d:%d", (int)(m->year / 10 * 10));
        fn(ctx, buf, (size_t)n, F_DECADE);
    }
}

/* ---- Vocabulary --------------------------------------------------------- */

struct sem_vocab {
    strtab terms;
    float *idf;
    int32_t idf_cap;
    sem_weights w;
};

void sem_sparse_free(sem_sparse *s)
{
    if (!s)
        return;
    free(s->term);
    free(s->val);
    memset(s, 0, sizeof *s);
}

rs_status sem_vocab_new(const sem_weights *w, sem_vocab **out, rs_error *err)
{
    sem_vocab *v = calloc(1, sizeof *v);
    if (!v)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    v->w = *w;
    *out = v;
    return RS_OK;
}

void sem_vocab_free(sem_vocab *v)
{
    if (!v)
        return;
    strtab_free(&v->terms);
    free(v->idf);
    free(v);
}

rs_status sem_vocab_add(sem_vocab *v, const char *term, size_t len, float idf, rs_error *err)
{
    int added;
    if (len == 0 || !(idf > 0.0f) || !isfinite(idf))
        return rs_error_set(err, RS_ERR_FORMAT, "semantic: vocabulary term %d: empty or bad idf",
                            (int)v->terms.n);
    int32_t id = strtab_intern(&v->terms, term, len, &added);
    if (id < 0)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    if (!added)
        return rs_error_set(err, RS_ERR_FORMAT, "semantic: vocabulary term '%.*s' appears twice",
                            (int)len, term);
    if (id >= v->idf_cap) {
        int32_t cap = v->idf_cap ? v->idf_cap * 2 : 1024;
        float *p = realloc(v->idf, (size_t)cap * sizeof *p);
        if (!p)
            return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        v->idf = p;
        v->idf_cap = cap;
    }
    v->idf[id] = idf;
    return RS_OK;
}

int32_t sem_vocab_size(const sem_vocab *v) { return v->terms.n; }
float sem_vocab_idf(const sem_vocab *v, int32_t t) { return v->idf[t]; }
sem_weights sem_vocab_weights(const sem_vocab *v) { return v->w; }

const char *sem_vocab_term(const sem_vocab *v, int32_t t)
{
    return v->terms.arena + v->terms.off[t];
}

int32_t sem_vocab_find(const sem_vocab *v, const char *term, size_t len)
{
    return strtab_find(&v->terms, term, len);
}

/* Pass 1 of fit: document frequency of every term of the corpus. */
typedef struct df_ctx {
    strtab all;
    int32_t *df, *stamp;
    uint8_t *is_word;
    int32_t cap, doc;
    int oom;
} df_ctx;

static void df_emit(void *c, const char *term, size_t len, int field)
{
    df_ctx *d = c;
    int added;
    if (d->oom)
        return;
    int32_t id = strtab_intern(&d->all, term, len, &added);
    if (id < 0) {
        d->oom = 1;
        return;
    }
    if (id >= d->cap) {
        int32_t cap = d->cap ? d->cap * 2 : 4096;
        int32_t *df = realloc(d->df, (size_t)cap * sizeof *df);
        if (df)
            d->df = df;
        int32_t *st = realloc(d->stamp, (size_t)cap * sizeof *st);
        if (st)
            d->stamp = st;
        uint8_t *w = realloc(d->is_word, (size_t)cap);
        if (w)
            d->is_word = w;
        if (!df || !st || !w) {
            d->oom = 1;
            return;
        }
        d->cap = cap;
    }
    if (added) {
        d->df[id] = 0;
        d->stamp[id] = -1;
        d->is_word[id] = field != F_GENRES && field != F_DECADE;
    }
    if (d->stamp[id] != d->doc) {
        d->stamp[id] = d->doc;
        d->df[id]++;
    }
}

rs_status sem_vocab_fit(const rs_item_meta *items, int32_t n, const sem_weights *w, int min_df,
                        double max_df, sem_vocab **out, rs_error *err)
{
    df_ctx d = {0};
    sem_vocab *v = NULL;
    rs_status st;

    if (n <= 0)
        return rs_error_set(err, RS_ERR_INVALID, "semantic: empty catalogue");
    for (d.doc = 0; d.doc < n && !d.oom; d.doc++)
        each_term(&items[d.doc], df_emit, &d);
    if (d.oom) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        goto free_df;
    }
    if ((st = sem_vocab_new(w, &v, err)) != RS_OK)
        goto free_df;
    double max_count = max_df * (double)n;
    for (int32_t id = 0; id < d.all.n; id++) {
        if (d.df[id] < min_df || (d.is_word[id] && d.df[id] > max_count))
            continue;
        float idf = (float)(log((1.0 + n) / (1.0 + d.df[id])) + 1.0);
        st = sem_vocab_add(v, d.all.arena + d.all.off[id], d.all.len[id], idf, err);
        if (st != RS_OK)
            goto free_vocab;
    }
    if (v->terms.n == 0) {
        st = rs_error_set(err, RS_ERR_INVALID,
                          "semantic: no term occurs in >= %d movies (min_df); "
                          "the catalogue has no usable text",
                          min_df);
        goto free_vocab;
    }
    *out = v;
    v = NULL;
free_vocab:
    sem_vocab_free(v);
free_df:
    strtab_free(&d.all);
    free(d.df);
    free(d.stamp);
    free(d.is_word);
    return st;
}

/* ---- Encoding one movie ------------------------------------------------- */

typedef struct hit {
    int32_t term;
    int32_t field;
} hit;

typedef struct enc_ctx {
    const sem_vocab *v;
    hit *hits;
    size_t n, cap;
    int oom;
} enc_ctx;

static void enc_emit(void *c, const char *term, size_t len, int field)
{
    enc_ctx *e = c;
    int32_t id = strtab_find(&e->v->terms, term, len);
    if (id < 0 || e->oom)
        return;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 128;
        hit *h = realloc(e->hits, cap * sizeof *h);
        if (!h) {
            e->oom = 1;
            return;
        }
        e->hits = h;
        e->cap = cap;
    }
    e->hits[e->n++] = (hit){id, field};
}

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    return (x->field > y->field) - (x->field < y->field);
}

static float field_weight(const sem_weights *w, int f)
{
    switch (f) {
    case F_TITLE: return w->title;
    case F_GENRES: return w->genres;
    case F_TAGS: return w->tags;
    case F_OVERVIEW: return w->overview;
    default: return w->decade;
    }
}

static int sparse_reserve(sem_sparse *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    int32_t *t = realloc(s->term, n * sizeof *t);
    if (!t)
        return -1;
    s->term = t;
    float *v = realloc(s->val, n * sizeof *v);
    if (!v)
        return -1;
    s->val = v;
    s->cap = n;
    return 0;
}

rs_status sem_vocab_encode(const sem_vocab *v, const rs_item_meta *m, sem_sparse *out,
                           rs_error *err)
{
    enc_ctx e = {v, NULL, 0, 0, 0};
    each_term(m, enc_emit, &e);
    out->n = 0;
    if (e.oom || sparse_reserve(out, e.n) != 0) {
        free(e.hits);
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    }
    if (e.n > 1) /* qsort(NULL, 0) is undefined */
        qsort(e.hits, e.n, sizeof *e.hits, cmp_hit);
    double norm2 = 0.0;
    for (size_t i = 0; i < e.n;) {
        int32_t term = e.hits[i].term;
        double tf = 0.0;
        while (i < e.n && e.hits[i].term == term) {
            int32_t field = e.hits[i].field;
            size_t c = 0;
            for (; i < e.n && e.hits[i].term == term && e.hits[i].field == field; i++)
                c++;
            tf += field_weight(&v->w, field) * (1.0 + log((double)c));
        }
        float x = (float)(tf * v->idf[term]);
        if (x > 0.0f) {
            out->term[out->n] = term;
            out->val[out->n++] = x;
            norm2 += (double)x * x;
        }
    }
    free(e.hits);
    if (norm2 > 0.0) {
        float inv = (float)(1.0 / sqrt(norm2));
        if (isfinite(inv)) {
            for (size_t i = 0; i < out->n; i++)
                out->val[i] *= inv;
        } else { /* subnormal values (a tiny field weight): 1/norm overflows a float */
            for (size_t i = 0; i < out->n; i++)
                out->val[i] = (float)(out->val[i] / sqrt(norm2));
        }
    }
    return RS_OK;
}
