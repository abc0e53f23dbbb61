/*
 * Unit tests of the semantic plugin on small hand-made catalogues: the
 * tokeniser, TF-IDF, randomised SVD (against LAPACK's exact SVD), the
 * vectors-file loader, faiss search with exclusions, persistence, the
 * profile weights, the popularity/quality prior, the kNN neighbour lists,
 * and the plugin's serving calls (also from several threads at once).
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lapacke.h>

#include "sem_encoder.h"
#include "sem_index.h"
#include "sem_knn.h"
#include "sem_model.h"
#include "sem_profile.h"
#include "sem_rsvd.h"
#include "sem_plug.h"
#include "sem_tfidf.h"
#include "sem_vecfile.h"
#include "check_main.h"

/* ---- A synthetic catalogue: three topics of 20 movies each ------------- */

#define N_TOPIC 3
#define PER_TOPIC 20
#define N_MOVIES (N_TOPIC * PER_TOPIC)

static const char *const TOPIC_WORDS[N_TOPIC][8] = {
    {"space", "alien", "planet", "starship", "galaxy", "robot", "orbit", "laser"},
    {"love", "wedding", "romance", "kiss", "heart", "paris", "date", "bride"},
    {"toy", "cartoon", "puppy", "magic", "princess", "dragon", "fairy", "talking"}};
static const char *const TOPIC_GENRES[N_TOPIC] = {"Sci-Fi|Action", "Romance|Drama",
                                                  "Animation|Children"};

typedef struct catalogue {
    rs_item_meta items[N_MOVIES + 1];
    char titles[N_MOVIES + 1][64];
    char overviews[N_MOVIES + 1][256];
    int64_t user_ids[1];
    size_t user_ptr[2];
    size_t item_ptr[N_MOVIES + 2];
    rs_dataset d;
} catalogue;

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* Movie i of topic i / PER_TOPIC: 6 random topic words + 2 noise words. */
static void catalogue_init(catalogue *c, int n_movies)
{
    static const char *const NOISE[] = {"city",    "night",  "friend", "secret",
                                        "journey", "family", "war",    "school"};
    memset(c, 0, sizeof *c);
    rng_state = 7;
    for (int i = 0; i < n_movies; i++) {
        int t = i / PER_TOPIC % N_TOPIC;
        rs_item_meta *m = &c->items[i];
        m->movie_id = 1000 + i;
        snprintf(c->titles[i], sizeof c->titles[i], "%s %s", TOPIC_WORDS[t][rnd() % 8],
                 TOPIC_WORDS[t][rnd() % 8]);
        size_t n = 0;
        for (int w = 0; w < 6; w++)
            n += (size_t)snprintf(c->overviews[i] + n, sizeof c->overviews[i] - n, "%s ",
                                  TOPIC_WORDS[t][rnd() % 8]);
        for (int w = 0; w < 2; w++)
            n += (size_t)snprintf(c->overviews[i] + n, sizeof c->overviews[i] - n, "%s ",
                                  NOISE[rnd() % 8]);
        m->title = c->titles[i];
        m->overview = c->overviews[i];
        m->genres = TOPIC_GENRES[t];
        m->tags = "";
        m->year = 1980 + (int32_t)(rnd() % 40);
    }
    c->d.struct_size = sizeof c->d;
    c->d.n_items = n_movies;
    c->d.items = c->items;
    c->d.n_users = 1;
    c->d.user_ids = c->user_ids;
    c->user_ids[0] = 1;
    c->d.user_ptr = c->user_ptr; /* one user without ratings */
    c->d.item_ptr = c->item_ptr;
}

static int topic(int32_t item) { return item / PER_TOPIC % N_TOPIC; }

/* ---- Plugin helpers ----------------------------------------------------- */

/* On the SDK test host (support/sem_plug.h): the descriptor's defaults,
 * dim 8, and up to two more settings. */
typedef sem_plug plug;

static void plug_new(plug *p, const rs_dataset *d, const char *k1, const char *v1, const char *k2,
                     const char *v2)
{
    sem_plug_init(p, d);
    sem_plug_set(p, "dim", "8");
    if (k1)
        sem_plug_set(p, k1, v1);
    if (k2)
        sem_plug_set(p, k2, v2);
    rs_error err = {0};
    ck_assert_msg(sem_plug_create(p, &err) == RS_OK, "%s", err.message);
}

static void plug_fit(plug *p, const rs_dataset *d)
{
    rs_error err = {0};
    ck_assert_msg(p->e->fit(p->inst, d, &err) == RS_OK, "%s", err.message);
}

static void make_tmpdir(char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/rs_semantic_test_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static void rm_dir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- Tokeniser and TF-IDF ----------------------------------------------- */

typedef struct toks {
    char buf[16][64];
    int n;
} toks;

static void collect(void *ctx, const char *tok, size_t len)
{
    toks *t = ctx;
    if (t->n < 16)
        snprintf(t->buf[t->n++], 64, "%.*s", (int)len, tok);
}

START_TEST(tokeniser_normalises)
{
    toks t = {0};
    sem_tokenize_words("The Toys of ANDY'S room, 1995 -- Stories; bus x Zoë", collect, &t);
    const char *want[] = {"toy", "andy", "room", "story", "bus", "zoë"};
    ck_assert_int_eq(t.n, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_str_eq(t.buf[i], want[i]);
}
END_TEST

START_TEST(tfidf_rows_are_unit_and_filtered)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    sem_weights w = {2, 2, 1, 1, 1};
    sem_vocab *v = NULL;
    rs_error err = {0};
    ck_assert_int_eq(sem_vocab_fit(c.items, N_MOVIES, &w, 2, 0.5, &v, &err), RS_OK);
    /* topic words and genre tokens survive; no stop word, no prefix clash */
    ck_assert_int_ge(sem_vocab_find(v, "starship", 8), 0);
    ck_assert_int_ge(sem_vocab_find(v, "g:animation", 11), 0);
    ck_assert_int_lt(sem_vocab_find(v, "the", 3), 0);
    sem_sparse row = {0};
    ck_assert_int_eq(sem_vocab_encode(v, &c.items[0], &row, &err), RS_OK);
    double n2 = 0;
    for (size_t i = 0; i < row.n; i++) {
        n2 += row.val[i] * row.val[i];
        if (i > 0)
            ck_assert_int_lt(row.term[i - 1], row.term[i]);
    }
    ck_assert_double_eq_tol(n2, 1.0, 1e-5);
    /* a movie with no known word encodes to an empty row */
    rs_item_meta blank = {.title = "zzqx", .genres = "", .tags = "", .overview = ""};
    ck_assert_int_eq(sem_vocab_encode(v, &blank, &row, &err), RS_OK);
    ck_assert_uint_eq(row.n, 0);
    sem_sparse_free(&row);
    sem_vocab_free(v);
    /* min_df above the catalogue size leaves nothing: a clear error */
    ck_assert_int_eq(sem_vocab_fit(c.items, N_MOVIES, &w, 1000, 0.5, &v, &err), RS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "min_df"));
}
END_TEST

/* ---- Randomised SVD ----------------------------------------------------- */

START_TEST(rsvd_matches_exact_svd)
{
    enum { R = 80, C = 50, K = 5 };
    static float dense[R * C];
    size_t ptr[R + 1];
    int32_t col[R * C];
    float val[R * C];
    size_t nnz = 0;
    rng_state = 99;
    /* sparse matrix with a decaying spectrum: rank-3 signal + noise */
    for (int i = 0; i < R; i++) {
        ptr[i] = nnz;
        for (int j = 0; j < C; j++) {
            float x = (float)((i % 3 == j % 3) ? 3.0 + (i % 5) : 0.0);
            if (rnd() % 4 == 0)
                x += (float)(rnd() % 100) / 100.0f;
            dense[i * C + j] = x;
            if (x != 0.0f) {
                col[nnz] = j;
                val[nnz++] = x;
            }
        }
    }
    ptr[R] = nnz;
    sem_csr a = {R, C, ptr, col, val};
    float basis[C * K], basis2[C * K], sigma[K];
    rs_error err = {0};
    ck_assert_msg(sem_rsvd(&a, K, 10, 4, 1, basis, sigma, &err) == RS_OK, "%s", err.message);

    float s_exact[C];
    static float u[R * R], vt[C * C]; /* not referenced for 'N', but checked */
    static float copy[R * C];
    memcpy(copy, dense, sizeof dense);
    ck_assert_int_eq(LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'N', R, C, copy, C, s_exact, u, R, vt, C), 0);
    for (int k = 0; k < K; k++)
        ck_assert_msg(fabsf(sigma[k] - s_exact[k]) <= 1e-3f * s_exact[0],
                      "sigma[%d] %g vs exact %g", k, sigma[k], s_exact[k]);
    /* orthonormal columns */
    for (int p = 0; p < K; p++)
        for (int q = 0; q < K; q++) {
            double s = 0;
            for (int t = 0; t < C; t++)
                s += basis[t * K + p] * basis[t * K + q];
            ck_assert_double_eq_tol(s, p == q ? 1.0 : 0.0, 1e-4);
        }
    /* same seed, same basis, bit for bit */
    ck_assert_int_eq(sem_rsvd(&a, K, 10, 4, 1, basis2, NULL, &err), RS_OK);
    ck_assert_int_eq(memcmp(basis, basis2, sizeof basis), 0);
    /* k above the rank bound is refused */
    ck_assert_int_eq(sem_rsvd(&a, C + 1, 10, 4, 1, basis2, NULL, &err), RS_ERR_INVALID);
}
END_TEST

/* ---- Encoder: run-time embedding ---------------------------------------- */

START_TEST(encoder_embeds_new_movies_consistently)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    sem_encoder_opts o = {{2, 2, 1, 1, 1}, 8, 2, 0.5, 10, 4, 42};
    static float vec[N_MOVIES * 8];
    sem_encoder *e = NULL;
    rs_error err = {0};
    ck_assert_msg(sem_encoder_fit(c.items, N_MOVIES, &o, vec, &e, &err) == RS_OK, "%s",
                  err.message);
    float x[8];
    size_t nt;
    /* a catalogue movie re-embedded at run time equals its fitted vector */
    ck_assert_int_eq(sem_encoder_embed(e, &c.items[5], x, &nt, &err), RS_OK);
    ck_assert_uint_gt(nt, 0);
    for (int k = 0; k < 8; k++)
        ck_assert_float_eq_tol(x[k], vec[5 * 8 + k], 1e-6f);
    /* a brand-new romance lands nearest to romance movies */
    rs_item_meta fresh = {.movie_id = 1,
                          .title = "Paris Wedding",
                          .genres = "Romance",
                          .tags = "",
                          .overview = "A bride and a kiss in Paris, love at heart.",
                          .year = 2001};
    ck_assert_int_eq(sem_encoder_embed(e, &fresh, x, &nt, &err), RS_OK);
    int best = -1;
    float best_sim = -2;
    for (int i = 0; i < N_MOVIES; i++) {
        float s = 0;
        for (int k = 0; k < 8; k++)
            s += x[k] * vec[i * 8 + k];
        if (s > best_sim)
            best_sim = s, best = i;
    }
    ck_assert_int_eq(topic(best), 1);
    /* deterministic for a seed: a second fit gives the same vectors */
    static float again[N_MOVIES * 8];
    sem_encoder *e2 = NULL;
    ck_assert_int_eq(sem_encoder_fit(c.items, N_MOVIES, &o, again, &e2, &err), RS_OK);
    ck_assert_int_eq(memcmp(vec, again, sizeof vec), 0);
    sem_encoder_free(e2);
    sem_encoder_free(e);
}
END_TEST

/* ---- Encoder: reading a damaged section -------------------------------- */

/* Found by fuzz/sem_encoder: a vocabulary entry with a bad idf or a repeated
 * term was refused with "semantic: vocabulary term 4: ..." and no file; the
 * message now names the file and the byte offset. */
static void check_bad_vocab(const char *term2, float idf2, const char *want)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/encoder", dir);
    sem_writer w;
    rs_error err = {0};
    ck_assert_int_eq(sem_writer_open(&w, path, &err), RS_OK);
    uint32_t nt = 2;
    float wv[5] = {1, 1, 1, 1, 1}, idf1 = 1.5f;
    uint16_t len = 2;
    sem_write(&w, &nt, sizeof nt);
    sem_write(&w, wv, sizeof wv);
    sem_write(&w, &len, sizeof len);
    sem_write(&w, "ab", 2);
    sem_write(&w, &idf1, sizeof idf1);
    sem_write(&w, &len, sizeof len);
    sem_write(&w, term2, 2);
    sem_write(&w, &idf2, sizeof idf2);
    ck_assert_int_eq(sem_writer_close(&w, 0, &err), RS_OK);
    sem_reader r;
    sem_encoder *e = NULL;
    ck_assert_int_eq(sem_reader_open(&r, path, &err), RS_OK);
    ck_assert_int_eq(sem_encoder_read(&r, 2, &e, &err), RS_ERR_FORMAT);
    sem_reader_close(&r);
    ck_assert_ptr_null(e);
    ck_assert_msg(strstr(err.message, path) && strstr(err.message, "ending at byte 40") &&
                      strstr(err.message, want),
                  "message: %s", err.message);
    rm_dir(dir);
}

START_TEST(encoder_read_names_file_on_bad_vocabulary)
{
    check_bad_vocab("cd", NAN, "bad idf");
    check_bad_vocab("ab", 2.0f, "appears twice");
}
END_TEST

/* Found by fuzz/sem_encoder: a loaded encoder whose basis entry (or field
 * weight) is subnormal embedded a one-term movie as inf/NaN, because the
 * unit-length scaling 1/|x| overflowed a float. Both normalisations (the
 * TF-IDF row and the projected vector) now scale such vectors in double. */
static void check_tiny_embeds_unit(float w_title, float basis)
{
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/encoder", dir);
    sem_writer w;
    rs_error err = {0};
    ck_assert_int_eq(sem_writer_open(&w, path, &err), RS_OK);
    uint32_t nt = 1;
    float wv[5] = {w_title, 1, 1, 1, 1}, idf = 1.5f;
    uint16_t len = 3;
    sem_write(&w, &nt, sizeof nt);
    sem_write(&w, wv, sizeof wv);
    sem_write(&w, &len, sizeof len);
    sem_write(&w, "toy", 3);
    sem_write(&w, &idf, sizeof idf);
    sem_write(&w, &basis, sizeof basis);
    ck_assert_int_eq(sem_writer_close(&w, 0, &err), RS_OK);
    sem_reader r;
    sem_encoder *e = NULL;
    ck_assert_int_eq(sem_reader_open(&r, path, &err), RS_OK);
    ck_assert_msg(sem_encoder_read(&r, 1, &e, &err) == RS_OK, "%s", err.message);
    sem_reader_close(&r);
    rs_item_meta toy = {.movie_id = 1, .title = "Toy", .genres = "", .tags = "", .overview = ""};
    float x = 0;
    size_t n = 0;
    ck_assert_int_eq(sem_encoder_embed(e, &toy, &x, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_msg(x == 1.0f, "w_title %g basis %g: embedding %g, want 1", (double)w_title,
                  (double)basis, (double)x);
    sem_encoder_free(e);
    rm_dir(dir);
}

START_TEST(encoder_embeds_subnormal_vectors_at_unit_length)
{
    check_tiny_embeds_unit(1.0f, 2.0e-41f); /* the fuzzer's input */
    check_tiny_embeds_unit(1.0e-40f, 0.5f);
    check_tiny_embeds_unit(1.0f, 0.5f); /* the ordinary path, unchanged */
}
END_TEST

/* ---- faiss search with exclusions --------------------------------------- */

static int skip_even(const void *ctx, int32_t item)
{
    (void)ctx;
    return item % 2 == 0;
}

START_TEST(index_search_filters_exclusions)
{
    enum { N = 200, D = 4 };
    static float x[N * D];
    for (int i = 0; i < N; i++) { /* points on a circle, item i at angle i */
        double a = i * 0.01;
        x[i * D] = (float)cos(a);
        x[i * D + 1] = (float)sin(a);
    }
    sem_index *ix = NULL;
    rs_error err = {0};
    ck_assert_int_eq(sem_index_build("Flat", D, x, N, &ix, &err), RS_OK);
    rs_scored out[10];
    size_t n;
    /* every even item is skipped; only a fetch of k + skipped finds 10 */
    ck_assert_int_eq(sem_index_search(ix, x, 10, skip_even, NULL, 0, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(out[i].item, (int)(2 * i + 1));
        if (i > 0)
            ck_assert_float_le(out[i].score, out[i - 1].score);
    }
    sem_index_free(ix);
    /* a bad factory string reports faiss's own message */
    ck_assert_int_eq(sem_index_build("NoSuchIndex9", D, x, N, &ix, &err), RS_ERR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.message, "NoSuchIndex9"));
    ck_assert_ptr_nonnull(strstr(err.message, "index_factory"));
}
END_TEST

/* ---- Vectors file ------------------------------------------------------- */

static void write_vectors(const char *path, const catalogue *c, int dim, int n_rows, int64_t bad_id,
                          int dup)
{
    int64_t ids[N_MOVIES + 1];
    static float v[(N_MOVIES + 1) * 16];
    for (int i = 0; i < n_rows; i++) {
        ids[i] = c->items[n_rows - 1 - i].movie_id; /* reversed order */
        for (int k = 0; k < dim; k++)
            v[i * dim + k] = (float)(topic(n_rows - 1 - i) == k % 3) + 0.01f * k;
    }
    if (bad_id)
        ids[0] = bad_id;
    if (dup)
        ids[1] = ids[2];
    rs_error err = {0};
    ck_assert_int_eq(sem_vecfile_write(path, (uint32_t)dim, (uint64_t)n_rows, ids, v, &err), RS_OK);
}

START_TEST(vecfile_loads_and_refuses_bad_files)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    char dir[256], path[300];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/v.bin", dir);
    static float out[N_MOVIES * 16];
    rs_error err = {0};

    write_vectors(path, &c, 6, N_MOVIES, 0, 0);
    ck_assert_msg(sem_vecfile_load(path, 6, &c.d, out, &err) == RS_OK, "%s", err.message);
    for (int i = 0; i < N_MOVIES; i++) { /* catalogue order, unit length */
        double n2 = 0;
        for (int k = 0; k < 6; k++)
            n2 += out[i * 6 + k] * out[i * 6 + k];
        ck_assert_double_eq_tol(n2, 1.0, 1e-5);
        ck_assert_float_gt(out[i * 6 + topic(i)], 0.5f);
    }

    ck_assert_int_eq(sem_vecfile_load(path, 8, &c.d, out, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "dim 6"));

    ck_assert_int_eq(truncate(path, 32 + 8 * N_MOVIES + 100), 0);
    ck_assert_int_eq(sem_vecfile_load(path, 6, &c.d, out, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "truncated"));

    write_vectors(path, &c, 6, N_MOVIES, 424242, 0);
    ck_assert_int_eq(sem_vecfile_load(path, 6, &c.d, out, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "424242"));
    ck_assert_ptr_nonnull(strstr(err.message, "row 1"));

    write_vectors(path, &c, 6, N_MOVIES, 0, 1);
    ck_assert_int_eq(sem_vecfile_load(path, 6, &c.d, out, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "duplicate"));

    write_vectors(path, &c, 6, N_MOVIES - 1, 0, 0); /* one movie missing */
    ck_assert_int_eq(sem_vecfile_load(path, 6, &c.d, out, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "has no vector"));

    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fwrite("NOTMAGIC", 1, 8, f);
    fclose(f);
    ck_assert_int_eq(sem_vecfile_load(path, 6, &c.d, out, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "magic"));
    rm_dir(dir);
}
END_TEST

START_TEST(plugin_serves_vectors_file)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    char dir[256], path[300];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/v.bin", dir);
    write_vectors(path, &c, 6, N_MOVIES, 0, 0);
    plug p;
    plug_new(&p, &c.d, "embeddings", "vectors", "vectors_file", path);
    sem_plug_set(&p, "dim", "6");
    sem_plug_destroy(&p); /* re-create with dim 6 */
    rs_error err = {0};
    ck_assert_int_eq(sem_plug_create(&p, &err), RS_OK);
    plug_fit(&p, &c.d);
    rs_scored out[5];
    size_t n;
    ck_assert_int_eq(p.e->similar(p.inst, 3, 5, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_ne(out[i].item, 3);
        ck_assert_int_eq(topic(out[i].item), topic(3));
    }
    sem_plug_destroy(&p);
    /* wrong dim in the config: fit refuses and names the fix */
    sem_plug_set(&p, "dim", "7");
    ck_assert_int_eq(sem_plug_create(&p, &err), RS_OK);
    ck_assert_int_eq(p.e->fit(p.inst, &c.d, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "set dim: 6"));
    sem_plug_destroy(&p);
    rm_dir(dir);
}
END_TEST

/* ---- Profile weights, prior, kNN ---------------------------------------- */

START_TEST(profile_weights_centre_on_neutral)
{
    float w[4];
    /* A fan whose ratings lie between 4 and 5: every film pulls. (Centred
     * on their own mean, 4.5, the two 4-star films pushed.) */
    rs_rating fan[4] = {{0, 4.0f, 0}, {1, 5.0f, 0}, {2, 4.0f, 0}, {3, 5.0f, 0}};
    ck_assert_uint_eq(sem_profile_weights(fan, 4, 3.0f, w), 4);
    ck_assert_float_eq(w[0], 1.0f);
    ck_assert_float_eq(w[1], 2.0f);
    ck_assert_float_eq(w[2], 1.0f);
    ck_assert_float_eq(w[3], 2.0f);
    /* liked pull, disliked push, a neutral rating says nothing */
    rs_rating mixed[4] = {{0, 5.0f, 0}, {1, 3.0f, 0}, {2, 0.5f, 0}, {3, 3.5f, 0}};
    ck_assert_uint_eq(sem_profile_weights(mixed, 4, 3.0f, w), 2);
    ck_assert_float_eq(w[0], 2.0f);
    ck_assert_float_eq(w[1], 0.0f);
    ck_assert_float_eq(w[2], -2.5f);
    ck_assert_float_eq(w[3], 0.5f);
    /* the neutral point is the param's */
    ck_assert_uint_eq(sem_profile_weights(mixed, 4, 4.0f, w), 1);
    ck_assert_float_eq(w[0], 1.0f);
    ck_assert_float_eq(w[1], -1.0f);
    ck_assert_float_eq(w[3], -0.5f);
    /* everything at neutral: having watched is the only signal left */
    rs_rating meh[2] = {{0, 3.0f, 0}, {1, 3.0f, 0}};
    ck_assert_uint_eq(sem_profile_weights(meh, 2, 3.0f, w), 2);
    ck_assert_float_eq(w[0], 1.0f);
    ck_assert_float_eq(w[1], 1.0f);
    ck_assert_uint_eq(sem_profile_weights(NULL, 0, 3.0f, w), 0);
}
END_TEST

/* Four movies: unrated; one 5-star rating; 50 x 4.5; 50 x 1.0. */
typedef struct prior_data {
    size_t item_ptr[5];
    float item_rating[101];
    rs_dataset d;
} prior_data;

static void prior_data_init(prior_data *p)
{
    memset(p, 0, sizeof *p);
    size_t n = 0;
    p->item_ptr[0] = p->item_ptr[1] = 0;
    p->item_rating[n++] = 5.0f;
    p->item_ptr[2] = n;
    for (int i = 0; i < 50; i++)
        p->item_rating[n++] = 4.5f;
    p->item_ptr[3] = n;
    for (int i = 0; i < 50; i++)
        p->item_rating[n++] = 1.0f;
    p->item_ptr[4] = n;
    p->d.struct_size = sizeof p->d;
    p->d.n_items = 4;
    p->d.n_ratings = n;
    p->d.item_ptr = p->item_ptr;
    p->d.item_rating = p->item_rating;
}

START_TEST(prior_favours_known_and_well_rated_films)
{
    prior_data pd;
    prior_data_init(&pd);
    const double mu = (5.0 + 50 * 4.5 + 50 * 1.0) / 101.0;
    float m[4];
    sem_prior_opts off = {0.0f, 0.0f, 10.0f};
    ck_assert(sem_prior_is_off(&off));
    sem_prior_build(&pd.d, &off, m);
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(m[i], 1.0f);

    /* count: 1 + w ln(1 + n); the unrated movie keeps exactly 1 */
    sem_prior_opts count = {2.0f, 0.0f, 10.0f};
    ck_assert(!sem_prior_is_off(&count));
    sem_prior_build(&pd.d, &count, m);
    ck_assert_float_eq(m[0], 1.0f);
    ck_assert_double_eq_tol(m[1], 1.0 + 2.0 * log(2.0), 1e-5);
    ck_assert_double_eq_tol(m[2], 1.0 + 2.0 * log(51.0), 1e-5);
    ck_assert_float_eq(m[2], m[3]); /* count alone ignores the ratings */

    /* quality: exp(w (shrunk mean - mu)), 10 pseudo-ratings at mu */
    sem_prior_opts quality = {0.0f, 1.0f, 10.0f};
    sem_prior_build(&pd.d, &quality, m);
    ck_assert_float_eq(m[0], 1.0f);
    ck_assert_double_eq_tol(m[1], exp((5.0 + 10 * mu) / 11.0 - mu), 1e-5);
    ck_assert_double_eq_tol(m[2], exp((225.0 + 10 * mu) / 60.0 - mu), 1e-5);
    ck_assert_double_eq_tol(m[3], exp((50.0 + 10 * mu) / 60.0 - mu), 1e-5);
    /* fifty 4.5s beat a lone 5; the badly rated film falls below unrated */
    ck_assert_float_gt(m[2], m[1]);
    ck_assert_float_gt(m[1], m[0]);
    ck_assert_float_lt(m[3], m[0]);
    /* without damping the lone 5-star rating would win: what it is for */
    sem_prior_opts raw = {0.0f, 1.0f, 0.0f};
    sem_prior_build(&pd.d, &raw, m);
    ck_assert_float_gt(m[1], m[2]);
    ck_assert_float_eq(m[0], 1.0f); /* no ratings, no damping: still 1 */

    /* both: the product */
    sem_prior_opts both = {2.0f, 1.0f, 10.0f};
    sem_prior_build(&pd.d, &both, m);
    ck_assert_double_eq_tol(m[2], (1.0 + 2.0 * log(51.0)) * exp((225.0 + 10 * mu) / 60.0 - mu),
                            1e-4);
}
END_TEST

/* Top-k by brute force: every pair's dot product. */
static void brute_neighbours(const float *x, int32_t n, int dim, int32_t i, int k, float *sims)
{
    for (int a = 0; a < k; a++)
        sims[a] = 0.0f;
    for (int32_t j = 0; j < n; j++) {
        if (j == i)
            continue;
        float s = 0.0f;
        for (int c = 0; c < dim; c++)
            s += x[(size_t)i * dim + c] * x[(size_t)j * dim + c];
        for (int a = 0; a < k; a++)
            if (s > sims[a]) {
                memmove(sims + a + 1, sims + a, (size_t)(k - a - 1) * sizeof *sims);
                sims[a] = s;
                break;
            }
    }
}

START_TEST(knn_lists_match_brute_force)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    sem_encoder_opts o = {{2, 2, 1, 1, 1}, 8, 1, 0.9, 10, 4, 42};
    float vec[N_MOVIES * 8];
    sem_encoder *e = NULL;
    rs_error err = {0};
    ck_assert_int_eq(sem_encoder_fit(c.items, N_MOVIES, &o, vec, &e, &err), RS_OK);
    sem_tfidf_rows x;
    ck_assert_int_eq(sem_encoder_tfidf(e, c.items, N_MOVIES, &x, &err), RS_OK);
    /* dense copy of the TF-IDF rows for the brute-force reference */
    float *dense = calloc((size_t)N_MOVIES * x.cols, sizeof *dense);
    for (int32_t i = 0; i < N_MOVIES; i++)
        for (size_t p = x.ptr[i]; p < x.ptr[i + 1]; p++)
            dense[(size_t)i * x.cols + x.col[p]] = x.val[p];
    enum { KNN = 7 };
    sem_csr a = {x.rows, x.cols, x.ptr, x.col, x.val};
    sem_knn *g = NULL, *h = NULL;
    ck_assert_int_eq(sem_knn_from_csr(&a, KNN, 2, &g, &err), RS_OK);
    sem_index *ix = NULL;
    ck_assert_int_eq(sem_index_build("Flat", 8, vec, N_MOVIES, &ix, &err), RS_OK);
    ck_assert_int_eq(sem_knn_from_index(ix, vec, N_MOVIES, 8, KNN, &h, &err), RS_OK);
    float want[KNN];
    for (int32_t i = 0; i < N_MOVIES; i++) {
        brute_neighbours(dense, N_MOVIES, x.cols, i, KNN, want);
        for (int k = 0; k < KNN; k++) {
            int32_t j = g->nb[(size_t)i * KNN + k];
            ck_assert_int_ne(j, i);
            ck_assert_float_eq_tol(g->sim[(size_t)i * KNN + k], want[k], 1e-5f);
            ck_assert_float_eq(sem_knn_sim(g, i, j), g->sim[(size_t)i * KNN + k]);
        }
        brute_neighbours(vec, N_MOVIES, 8, i, KNN, want);
        for (int k = 0; k < KNN; k++) {
            ck_assert_int_ne(h->nb[(size_t)i * KNN + k], i);
            ck_assert_float_eq_tol(h->sim[(size_t)i * KNN + k], want[k], 1e-4f);
        }
        /* in a 3-topic catalogue the nearest TF-IDF movies share the topic */
        ck_assert_int_eq(topic(g->nb[(size_t)i * KNN]), topic(i));
    }
    /* a movie outside the list has similarity 0 by definition */
    int listed = 0;
    for (int k = 0; k < KNN; k++)
        listed |= g->nb[k] == 59;
    ck_assert(!listed); /* 59 is animation, 0 is sci-fi */
    ck_assert_float_eq(sem_knn_sim(g, 0, 59), 0.0f);
    /* accumulate = the weighted sum of the listed similarities */
    float acc[N_MOVIES] = {0};
    int32_t items[2] = {3, 45};
    float w[2] = {2.0f, -1.0f};
    sem_knn_accumulate(g, items, w, 2, acc);
    for (int32_t j = 0; j < N_MOVIES; j++)
        ck_assert_float_eq_tol(acc[j], 2.0f * sem_knn_sim(g, 3, j) - sem_knn_sim(g, 45, j), 1e-6f);
    sem_knn_free(g);
    sem_knn_free(h);
    sem_index_free(ix);
    free(dense);
    sem_tfidf_rows_free(&x);
    sem_encoder_free(e);
}
END_TEST

START_TEST(plugin_knn_scorer_scores_explains_and_pushes)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    plug p;
    plug_new(&p, &c.d, "scorer", "knn", "knn_k", "10");
    plug_fit(&p, &c.d);
    const sem_knn *g = sem_model_knn(sem_instance_model(p.inst));
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(g->k, 10);
    /* likes two sci-fi movies (weights 2, 1.5), dislikes a romance (-2) */
    rs_rating r[3] = {{1, 5.0f, 0}, {2, 4.5f, 0}, {25, 1.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 3, NULL, 0);
    rs_scored out[10];
    rs_explanation ex[10];
    size_t n;
    rs_error err = {0};
    ck_assert_int_eq(p.e->recommend(p.inst, &q, 10, out, ex, &n, &err), RS_OK);
    ck_assert_uint_gt(n, 0);
    int32_t items[N_MOVIES + 1];
    float sc[N_MOVIES + 1];
    for (int32_t j = 0; j <= N_MOVIES; j++)
        items[j] = j;
    ck_assert_int_eq(p.e->score(p.inst, &q, items, N_MOVIES + 1, sc, &err), RS_OK);
    ck_assert(isnan(sc[N_MOVIES])); /* outside the catalogue */
    /* score = sum of weight x listed similarity (the prior is 1 here: the
     * catalogue has no ratings), for any item, 0 without evidence */
    for (int32_t j = 0; j < N_MOVIES; j++) {
        float want = 2.0f * sem_knn_sim(g, 1, j) + 1.5f * sem_knn_sim(g, 2, j) -
                     2.0f * sem_knn_sim(g, 25, j);
        ck_assert_float_eq_tol(sc[j], want, 1e-5f);
        if (topic(j) == 2)
            ck_assert_float_eq(sc[j], 0.0f);
    }
    for (size_t i = 0; i < n; i++) {
        int32_t j = out[i].item;
        ck_assert_int_eq(topic(j), 0);
        ck_assert(j != 1 && j != 2 && j != 25);
        ck_assert_float_gt(out[i].score, 0.0f);
        ck_assert_float_eq_tol(out[i].score, sc[j], 1e-6f);
        /* the rated movie with the largest contribution */
        float c1 = 2.0f * sem_knn_sim(g, 1, j), c2 = 1.5f * sem_knn_sim(g, 2, j);
        ck_assert_int_eq(ex[i].because_item, c1 >= c2 ? 1 : 2);
    }
    /* the disliked movie's neighbours score below unrelated (0) movies */
    int pushed = 0;
    for (int a = 0; a < g->k && g->nb[(size_t)25 * g->k + a] >= 0; a++) {
        int32_t j = g->nb[(size_t)25 * g->k + a];
        if (sem_knn_sim(g, 1, j) == 0.0f && sem_knn_sim(g, 2, j) == 0.0f) {
            ck_assert_float_lt(sc[j], 0.0f);
            pushed++;
        }
    }
    ck_assert_int_gt(pushed, 0);
    sem_plug_destroy(&p);
}
END_TEST

/* The kNN lists are rebuilt at load (not stored): a reloaded instance
 * serves exactly what the fitted one did. Vectors files take the same
 * scorer, with neighbours found through faiss. */
START_TEST(plugin_knn_scorer_after_load_and_on_vectors)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    char dir[256], path[300];
    make_tmpdir(dir, sizeof dir);
    plug a, b;
    plug_new(&a, &c.d, "scorer", "knn", "knn_k", "12");
    plug_fit(&a, &c.d);
    rs_error err = {0};
    ck_assert_msg(a.e->save(a.inst, dir, &err) == RS_OK, "%s", err.message);
    plug_new(&b, &c.d, "scorer", "knn", "knn_k", "12");
    ck_assert_msg(b.e->load(b.inst, dir, &c.d, &err) == RS_OK, "%s", err.message);
    rs_rating r[3] = {{41, 5.0f, 0}, {42, 4.0f, 0}, {5, 2.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 3, NULL, 0);
    rs_scored oa[10], ob[10];
    size_t na, nb;
    ck_assert_int_eq(a.e->recommend(a.inst, &q, 10, oa, NULL, &na, &err), RS_OK);
    ck_assert_int_eq(b.e->recommend(b.inst, &q, 10, ob, NULL, &nb, &err), RS_OK);
    ck_assert_uint_eq(na, 10);
    ck_assert_uint_eq(na, nb);
    for (size_t i = 0; i < na; i++) {
        ck_assert_int_eq(oa[i].item, ob[i].item);
        ck_assert_float_eq(oa[i].score, ob[i].score);
        ck_assert_int_eq(topic(oa[i].item), 2);
    }
    sem_plug_destroy(&a);
    sem_plug_destroy(&b);

    snprintf(path, sizeof path, "%s/v.bin", dir);
    write_vectors(path, &c, 6, N_MOVIES, 0, 0);
    plug v;
    plug_new(&v, &c.d, "embeddings", "vectors", "vectors_file", path);
    sem_plug_destroy(&v); /* re-create with dim 6 and the kNN scorer */
    sem_plug_set(&v, "dim", "6");
    sem_plug_set(&v, "scorer", "knn");
    ck_assert_int_eq(sem_plug_create(&v, &err), RS_OK);
    plug_fit(&v, &c.d);
    ck_assert_ptr_nonnull(sem_model_knn(sem_instance_model(v.inst)));
    ck_assert_int_eq(v.e->recommend(v.inst, &q, 10, oa, NULL, &na, &err), RS_OK);
    ck_assert_uint_eq(na, 10);
    for (size_t i = 0; i < na; i++)
        ck_assert_int_eq(topic(oa[i].item), 2);
    sem_plug_destroy(&v);
    /* a vectors file has no TF-IDF to find neighbours in */
    sem_plug_set(&v, "knn_space", "tfidf");
    ck_assert_int_eq(sem_plug_create(&v, &err), RS_OK);
    ck_assert_int_eq(v.e->fit(v.inst, &c.d, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "knn_space"));
    sem_plug_destroy(&v);
    /* an unknown scorer is refused at create, naming the choices */
    sem_plug_set(&v, "scorer", "magic");
    ck_assert_int_eq(sem_plug_create(&v, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "knn|profile"));
    rm_dir(dir);
}
END_TEST

START_TEST(plugin_profile_disliked_topic_scores_below_unrated)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    plug p;
    plug_new(&p, &c.d, NULL, NULL, NULL, NULL);
    plug_fit(&p, &c.d);
    /* loves sci-fi, hates romance, never rated animation */
    rs_rating r[4] = {{1, 5.0f, 0}, {2, 4.0f, 0}, {21, 1.0f, 0}, {22, 1.5f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 4, NULL, 0);
    int32_t items[N_MOVIES];
    float sc[N_MOVIES];
    rs_error err = {0};
    for (int32_t j = 0; j < N_MOVIES; j++)
        items[j] = j;
    ck_assert_int_eq(p.e->score(p.inst, &q, items, N_MOVIES, sc, &err), RS_OK);
    double mean[N_TOPIC] = {0};
    for (int32_t j = 0; j < N_MOVIES; j++)
        mean[topic(j)] += sc[j] / PER_TOPIC;
    ck_assert_double_gt(mean[0], mean[2]);
    ck_assert_double_gt(mean[2], mean[1]);
    ck_assert_double_lt(mean[1], 0.0);
    sem_plug_destroy(&p);
}
END_TEST

/* ---- Plugin serving ----------------------------------------------------- */

START_TEST(plugin_similar_recommend_score_explain)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    plug p;
    plug_new(&p, &c.d, NULL, NULL, NULL, NULL);
    rs_error err = {0};
    rs_scored out[10];
    size_t n;
    ck_assert_int_eq(p.e->similar(p.inst, 0, 5, out, &n, &err), RS_ERR_STATE);
    plug_fit(&p, &c.d);

    ck_assert_int_eq(p.e->similar(p.inst, 45, 10, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 10);
    int same = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_ne(out[i].item, 45);
        same += topic(out[i].item) == topic(45);
    }
    ck_assert_int_ge(same, 9);
    ck_assert_int_eq(p.e->similar(p.inst, N_MOVIES, 5, out, &n, &err), RS_ERR_NOT_FOUND);

    /* likes two sci-fi movies, dislikes a romance one */
    rs_rating r[3] = {{1, 5.0f, 0}, {2, 4.5f, 0}, {25, 1.0f, 0}};
    int32_t excl[2] = {3, 4};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 3, excl, 2);
    rs_explanation ex[10];
    ck_assert_int_eq(p.e->recommend(p.inst, &q, 10, out, ex, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 10);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(topic(out[i].item), 0);
        ck_assert(out[i].item != 1 && out[i].item != 2 && out[i].item != 25 && out[i].item != 3 &&
                  out[i].item != 4);
        ck_assert(ex[i].because_item == 1 || ex[i].because_item == 2);
        ck_assert_uint_eq(ex[i].n_parts, 1);
        ck_assert_str_eq(ex[i].parts[0].source, "semantic");
    }

    /* score() is the same cosine recommend() ranks by, for any item */
    int32_t items[4] = {out[0].item, 25, 1, N_MOVIES + 3};
    float sc[4];
    ck_assert_int_eq(p.e->score(p.inst, &q, items, 4, sc, &err), RS_OK);
    ck_assert_float_eq_tol(sc[0], out[0].score, 1e-5f);
    ck_assert_float_lt(sc[1], 0.0f); /* the disliked movie scores negative */
    ck_assert(isnan(sc[3]));

    /* all ratings equal: every rated movie counts +1 */
    rs_rating flat[2] = {{41, 3.0f, 0}, {42, 3.0f, 0}};
    rs_query q2 = RS_QUERY(RS_USER_NONE, flat, 2, NULL, 0);
    ck_assert_int_eq(p.e->recommend(p.inst, &q2, 5, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(topic(out[i].item), 2);

    /* no ratings: nothing to recommend, scores missing */
    rs_query q3 = RS_QUERY(RS_USER_NONE, NULL, 0, NULL, 0);
    ck_assert_int_eq(p.e->recommend(p.inst, &q3, 5, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(p.e->score(p.inst, &q3, items, 1, sc, &err), RS_OK);
    ck_assert(isnan(sc[0]));

    /* a rating outside the catalogue is an invalid query */
    rs_rating bad[1] = {{N_MOVIES, 4.0f, 0}};
    rs_query q4 = RS_QUERY(RS_USER_NONE, bad, 1, NULL, 0);
    ck_assert_int_eq(p.e->recommend(p.inst, &q4, 5, out, NULL, &n, &err), RS_ERR_INVALID);
    sem_plug_destroy(&p);
}
END_TEST

START_TEST(plugin_bad_index_reports_faiss_error)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    plug p;
    plug_new(&p, &c.d, "index", "Bogus77", NULL, NULL);
    rs_error err = {0};
    ck_assert_int_eq(p.e->fit(p.inst, &c.d, &err), RS_ERR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.message, "Bogus77"));
    sem_plug_destroy(&p);
}
END_TEST

START_TEST(plugin_save_load_round_trip)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    char dir[256], path[300];
    make_tmpdir(dir, sizeof dir);
    plug a, b;
    plug_new(&a, &c.d, NULL, NULL, NULL, NULL);
    plug_fit(&a, &c.d);
    rs_error err = {0};
    ck_assert_msg(a.e->save(a.inst, dir, &err) == RS_OK, "%s", err.message);
    /* an unwritable directory is an I/O error naming the file */
    ck_assert_int_eq(a.e->save(a.inst, "/nonexistent/semantic", &err), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/semantic/semantic.bin"));

    plug_new(&b, &c.d, NULL, NULL, NULL, NULL);
    /* nothing saved there: not found, and the instance stays unfitted */
    ck_assert_int_eq(b.e->load(b.inst, "/nonexistent/semantic", &c.d, &err), RS_ERR_NOT_FOUND);
    ck_assert_ptr_null(sem_instance_model(b.inst));
    ck_assert_msg(b.e->load(b.inst, dir, &c.d, &err) == RS_OK, "%s", err.message);
    const sem_model *ma = sem_instance_model(a.inst), *mb = sem_instance_model(b.inst);
    ck_assert_int_eq(
        memcmp(sem_model_vectors(ma), sem_model_vectors(mb), N_MOVIES * 8 * sizeof(float)), 0);
    for (int32_t it = 0; it < N_MOVIES; it += 7) {
        rs_scored oa[8], ob[8];
        size_t na, nb;
        ck_assert_int_eq(a.e->similar(a.inst, it, 8, oa, &na, &err), RS_OK);
        ck_assert_int_eq(b.e->similar(b.inst, it, 8, ob, &nb, &err), RS_OK);
        ck_assert_uint_eq(na, nb);
        for (size_t i = 0; i < na; i++)
            ck_assert_int_eq(oa[i].item, ob[i].item);
    }
    /* the reloaded encoder embeds a new movie exactly like the original */
    float xa[8], xb[8];
    rs_item_meta fresh = {.title = "Galaxy Robot",
                          .genres = "Sci-Fi",
                          .tags = "",
                          .overview = "laser orbit",
                          .year = 1999};
    ck_assert_int_eq(sem_encoder_embed(sem_model_encoder(ma), &fresh, xa, NULL, &err), RS_OK);
    ck_assert_int_eq(sem_encoder_embed(sem_model_encoder(mb), &fresh, xb, NULL, &err), RS_OK);
    ck_assert_int_eq(memcmp(xa, xb, sizeof xa), 0);
    sem_plug_destroy(&b);

    /* a config with another dim refuses the artifact */
    plug_new(&b, &c.d, "dim", "9", NULL, NULL);
    ck_assert_int_eq(b.e->load(b.inst, dir, &c.d, &err), RS_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "dim"));
    sem_plug_destroy(&b);

    /* one flipped byte in the artifact: checksum mismatch, nothing loaded */
    snprintf(path, sizeof path, "%s/semantic.bin", dir);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 200, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(ch ^ 0x40, f);
    fclose(f);
    plug_new(&b, &c.d, NULL, NULL, NULL, NULL);
    ck_assert_int_eq(b.e->load(b.inst, dir, &c.d, &err), RS_ERR_FORMAT);
    ck_assert_ptr_null(sem_instance_model(b.inst));
    /* truncated artifact */
    ck_assert_int_eq(truncate(path, 100), 0);
    ck_assert_int_eq(b.e->load(b.inst, dir, &c.d, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "truncated"));
    /* a header promising 2^31-1 movies fails as a format error */
    ck_assert_int_eq(a.e->save(a.inst, dir, &err), RS_OK);
    f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    uint32_t huge = 0x7fffffffu;
    fseek(f, 20, SEEK_SET); /* magic 8, version, source, dim: n_items */
    fwrite(&huge, sizeof huge, 1, f);
    fclose(f);
    ck_assert_int_eq(b.e->load(b.inst, dir, &c.d, &err), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "truncated"));
    sem_plug_destroy(&b);
    sem_plug_destroy(&a);
    rm_dir(dir);
}
END_TEST

START_TEST(plugin_load_embeds_movies_added_since_save)
{
    static catalogue small, big;
    catalogue_init(&small, N_MOVIES - 1);
    catalogue_init(&big, N_MOVIES); /* one more: the last "cartoon" movie */
    char dir[256];
    make_tmpdir(dir, sizeof dir);
    plug a, b;
    plug_new(&a, &small.d, NULL, NULL, NULL, NULL);
    plug_fit(&a, &small.d);
    rs_error err = {0};
    ck_assert_int_eq(a.e->save(a.inst, dir, &err), RS_OK);
    plug_new(&b, &big.d, NULL, NULL, NULL, NULL);
    ck_assert_msg(b.e->load(b.inst, dir, &big.d, &err) == RS_OK, "%s", err.message);
    /* the new movie is searchable and similar to its own topic */
    rs_scored out[5];
    size_t n;
    ck_assert_int_eq(b.e->similar(b.inst, N_MOVIES - 1, 5, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(topic(out[i].item), topic(N_MOVIES - 1));
    sem_plug_destroy(&a);
    sem_plug_destroy(&b);
    rm_dir(dir);
}
END_TEST

/* ---- Concurrency -------------------------------------------------------- */

typedef struct job {
    plug *p;
    int mismatches;
    const rs_scored (*want)[6];
} job;

static void *hammer(void *arg)
{
    job *j = arg;
    rs_error err = {0};
    for (int round = 0; round < 20; round++)
        for (int32_t it = 0; it < N_MOVIES; it++) {
            rs_scored out[6];
            size_t n;
            if (j->p->e->similar(j->p->inst, it, 6, out, &n, &err) != RS_OK || n != 6) {
                j->mismatches++;
                continue;
            }
            for (int i = 0; i < 6; i++)
                j->mismatches += out[i].item != j->want[it][i].item;
        }
    return NULL;
}

static void concurrent_case(const char *index)
{
    catalogue c;
    catalogue_init(&c, N_MOVIES);
    plug p;
    plug_new(&p, &c.d, "index", index, NULL, NULL);
    plug_fit(&p, &c.d);
    static rs_scored want[N_MOVIES][6];
    rs_error err = {0};
    size_t n;
    for (int32_t it = 0; it < N_MOVIES; it++)
        ck_assert_int_eq(p.e->similar(p.inst, it, 6, want[it], &n, &err), RS_OK);
    pthread_t th[4];
    job jobs[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (job){&p, 0, (const rs_scored(*)[6])want};
        ck_assert_int_eq(pthread_create(&th[t], NULL, hammer, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        ck_assert_int_eq(jobs[t].mismatches, 0);
    }
    sem_plug_destroy(&p);
}

START_TEST(similar_is_thread_safe_flat) { concurrent_case("Flat"); }
END_TEST
START_TEST(similar_is_thread_safe_hnsw) { concurrent_case("HNSW32"); }
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("semantic_units");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tokeniser_normalises);
    tcase_add_test(tc, encoder_read_names_file_on_bad_vocabulary);
    tcase_add_test(tc, encoder_embeds_subnormal_vectors_at_unit_length);
    tcase_add_test(tc, tfidf_rows_are_unit_and_filtered);
    tcase_add_test(tc, rsvd_matches_exact_svd);
    tcase_add_test(tc, encoder_embeds_new_movies_consistently);
    tcase_add_test(tc, index_search_filters_exclusions);
    tcase_add_test(tc, vecfile_loads_and_refuses_bad_files);
    tcase_add_test(tc, plugin_serves_vectors_file);
    tcase_add_test(tc, profile_weights_centre_on_neutral);
    tcase_add_test(tc, prior_favours_known_and_well_rated_films);
    tcase_add_test(tc, knn_lists_match_brute_force);
    tcase_add_test(tc, plugin_knn_scorer_scores_explains_and_pushes);
    tcase_add_test(tc, plugin_profile_disliked_topic_scores_below_unrated);
    tcase_add_test(tc, plugin_knn_scorer_after_load_and_on_vectors);
    tcase_add_test(tc, plugin_similar_recommend_score_explain);
    tcase_add_test(tc, plugin_bad_index_reports_faiss_error);
    tcase_add_test(tc, plugin_save_load_round_trip);
    tcase_add_test(tc, plugin_load_embeds_movies_added_since_save);
    tcase_add_test(tc, similar_is_thread_safe_flat);
    tcase_add_test(tc, similar_is_thread_safe_hnsw);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(suite)
