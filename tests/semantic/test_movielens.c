/*
 * The semantic plugin on real ml-latest-small + plot text (skipped when the
 * shared data is absent): neighbour quality, cold-start reach, HNSW/IVF
 * agreement with exact search, persistence, the vectors loader at
 * catalogue scale, run-time embedding, and the real engine loading the
 * built .so from its descriptor.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"

#include "sem_encoder.h"
#include "sem_fixture.h"
#include "sem_model.h"
#include "sem_plug.h"
#include "sem_vecfile.h"
#include "check_main.h"

static sem_fixture *fx; /* loaded once, before the forks */
static const rs_dataset *D;
static sem_plug flat_host, plain_host; /* on the SDK test host */
static void *flat;                     /* builtin + Flat, fitted once */
static void *plain;                    /* the same without the prior */
static const rs_plugin_entry *E;
static int32_t toy_story;

static void setup(void)
{
    fx = sem_fixture_load(sem_fixture_data_dir(), 1);
    if (!fx)
        return;
    D = sem_fixture_view(fx);
    E = sem_test_entry();
    toy_story = sem_fixture_find_title(fx, "Toy Story", 1995);
    rs_error err = {0};
    sem_plug_init(&flat_host, D);
    if (sem_plug_create(&flat_host, &err) != RS_OK || E->fit(flat_host.inst, D, &err) != RS_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        abort();
    }
    flat = flat_host.inst;
    sem_plug_init(&plain_host, D);
    sem_plug_set(&plain_host, "prior_quality", "0");
    sem_plug_set(&plain_host, "prior_count", "0");
    if (sem_plug_create(&plain_host, &err) != RS_OK || E->fit(plain_host.inst, D, &err) != RS_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        abort();
    }
    plain = plain_host.inst;
}

static void teardown(void)
{
    sem_plug_destroy(&flat_host);
    sem_plug_destroy(&plain_host);
    sem_fixture_free(fx);
}

#define NEED_DATA()                                          \
    do {                                                     \
        if (!fx) {                                           \
            fprintf(stderr, "skipped: no MovieLens data\n"); \
            return;                                          \
        }                                                    \
    } while (0)

static uint32_t genre_bits(const char *const *names)
{
    uint32_t m = 0;
    for (const char *const *n = names; *n; n++)
        for (int32_t g = 0; g < D->n_genres; g++)
            if (strcmp(D->genre_names[g], *n) == 0)
                m |= 1u << g;
    return m;
}

static void *fit_variant(sem_plug *h, const char *index)
{
    rs_error err = {0};
    sem_plug_init(h, D);
    sem_plug_set(h, "index", index);
    ck_assert_int_eq(sem_plug_create(h, &err), RS_OK);
    ck_assert_msg(E->fit(h->inst, D, &err) == RS_OK, "%s", err.message);
    return h->inst;
}

START_TEST(covers_the_whole_catalogue)
{
    NEED_DATA();
    rs_error err = {0};
    rs_scored out[5];
    size_t n;
    int32_t every[3] = {0, D->n_items / 2, D->n_items - 1};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(E->similar(flat, every[i], 5, out, &n, &err), RS_OK);
        ck_assert_uint_eq(n, 5);
    }
}
END_TEST

START_TEST(toy_story_neighbours_are_animated_or_for_children)
{
    NEED_DATA();
    ck_assert_int_ge(toy_story, 0);
    static const char *const kids[] = {"Animation", "Children", NULL};
    uint32_t want = genre_bits(kids);
    ck_assert_uint_ne(want, 0);
    rs_scored out[10];
    size_t n;
    rs_error err = {0};
    ck_assert_int_eq(E->similar(flat, toy_story, 10, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 10);
    int hits = 0;
    for (size_t i = 0; i < n; i++) {
        const rs_item_meta *m = &D->items[out[i].item];
        hits += (m->genre_mask & want) != 0;
        fprintf(stderr, "  %2zu %.3f %s (%d) [%s]\n", i + 1, out[i].score, m->title, m->year,
                m->genres);
        ck_assert_int_ne(out[i].item, toy_story);
    }
    /* the catalogue base rate of Animation|Children is about 8% */
    fprintf(stderr, "Toy Story top-10 Animation/Children share: %d/10\n", hits);
    ck_assert_int_ge(hits, 7);
}
END_TEST

/* Build a user who loves the movie's rated neighbours and dislikes a few
 * unrelated movies; does the unrated movie reach their top 20? */
static int reaches_fan(void *inst, int32_t cold)
{
    rs_scored nb[40], out[20];
    size_t n, n_out;
    rs_error err = {0};
    ck_assert_int_eq(E->similar(flat, cold, 40, nb, &n, &err), RS_OK);
    rs_rating r[8];
    size_t nr = 0;
    for (size_t i = 0; i < n && nr < 5; i++)
        if (D->item_ptr[nb[i].item + 1] > D->item_ptr[nb[i].item])
            r[nr++] = (rs_rating){nb[i].item, 5.0f, 0};
    for (int32_t j = 0; nr < 8; j += 997) /* spread, unrelated dislikes */
        if (j != cold)
            r[nr++] = (rs_rating){j, 1.5f, 0};
    rs_query q = RS_QUERY(RS_USER_NONE, r, nr, NULL, 0);
    ck_assert_int_eq(E->recommend(inst, &q, 20, out, NULL, &n_out, &err), RS_OK);
    for (size_t i = 0; i < n_out; i++)
        if (out[i].item == cold)
            return 1;
    return 0;
}

START_TEST(zero_rated_movie_reaches_a_user_who_rated_its_neighbours)
{
    NEED_DATA();
    int cold = 0, reached = 0, reached_plain = 0;
    for (int32_t i = 0; i < D->n_items; i++) {
        if (D->item_ptr[i + 1] != D->item_ptr[i])
            continue;
        cold++;
        reached += reaches_fan(flat, i);
        reached_plain += reaches_fan(plain, i);
    }
    fprintf(stderr,
            "zero-rated movies: %d, reached their neighbours' fan: "
            "%d with the default prior, %d without a prior\n",
            cold, reached, reached_plain);
    ck_assert_int_gt(cold, 0);
    /* Without a prior 16 of the 18 get through (>= 80 % asserted, as
     * before the prior existed). The default quality prior leaves an
     * unrated film at multiplier 1 while known, well-rated films gain up
     * to 4.4x (0.36 for the worst), and 13 of 18 still get through:
     * asserted >= half,
     * a margin of 4 films, and it still fails if the prior made cold films
     * unreachable (prior_count 1 reaches ~0: docs/results-semantic.md). */
    ck_assert_int_ge(reached_plain * 10, cold * 8);
    ck_assert_int_ge(reached * 2, cold);
}
END_TEST

/* The 10 most-rated films of a genre, 5 stars each: a new user as the app
 * sees them (RS_USER_NONE, folded in from the ratings). */
static size_t genre_fan(uint32_t bit, rs_rating *r)
{
    size_t n = 0;
    for (int32_t i = 0; i < D->n_items; i++) {
        if (!(D->items[i].genre_mask & bit))
            continue;
        size_t c = D->item_ptr[i + 1] - D->item_ptr[i], j = n < 10 ? n++ : 10;
        if (j == 10) {
            int32_t last = r[9].item;
            if (c <= D->item_ptr[last + 1] - D->item_ptr[last])
                continue;
            j = 9;
        }
        while (j > 0 && D->item_ptr[r[j - 1].item + 1] - D->item_ptr[r[j - 1].item] < c) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = (rs_rating){i, 5.0f, 0};
    }
    return n;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Share of the top 20 in the genre, and the median rating count. */
static void fan_top20(void *inst, uint32_t bit, double *share, size_t *median)
{
    rs_rating r[10];
    size_t nr = genre_fan(bit, r), n = 0, counts[20];
    ck_assert_uint_eq(nr, 10);
    rs_query q = RS_QUERY(RS_USER_NONE, r, nr, NULL, 0);
    rs_scored out[20];
    rs_error err = {0};
    ck_assert_int_eq(E->recommend(inst, &q, 20, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 20);
    int in = 0;
    for (size_t i = 0; i < n; i++) {
        in += (D->items[out[i].item].genre_mask & bit) != 0;
        counts[i] = D->item_ptr[out[i].item + 1] - D->item_ptr[out[i].item];
    }
    qsort(counts, n, sizeof *counts, cmp_size);
    *share = in / 20.0;
    *median = (counts[9] + counts[10]) / 2;
}

START_TEST(genre_fan_gets_coherent_films_people_have_seen)
{
    NEED_DATA();
    static const char *const genres[] = {"Animation", "Western", "Horror", "Sci-Fi", "War"};
    double share_sum = 0.0;
    for (size_t g = 0; g < 5; g++) {
        const char *const one[] = {genres[g], NULL};
        uint32_t bit = genre_bits(one);
        ck_assert_uint_ne(bit, 0);
        double share, share_plain;
        size_t med, med_plain;
        fan_top20(flat, bit, &share, &med);
        fan_top20(plain, bit, &share_plain, &med_plain);
        fprintf(stderr,
                "%s fan: top 20 in genre %.2f, median rating count "
                "%zu (without the prior: %.2f, %zu)\n",
                genres[g], share, med, share_plain, med_plain);
        share_sum += share;
        /* Measured with the defaults: share 0.95, 1.00, 0.70, 0.95, 1.00
         * (Horror lends slots to thrillers), median count 13-88 (Western
         * the lowest: few Westerns are widely rated); without the prior
         * the median is 2-16, the "films nobody has seen" of issue 16.
         * Asserted with margin: >= 0.6 of the top 20 in the genre per
         * genre and >= 0.8 on average (the catalogue base rate of these
         * genres is 2-10 %), a median of >= 8 ratings, and above the
         * unweighted scorer's median. */
        ck_assert_double_ge(share, 0.6);
        ck_assert_uint_ge(med, 8);
        ck_assert_uint_gt(med, med_plain);
    }
    ck_assert_double_ge(share_sum / 5, 0.8);
}
END_TEST

START_TEST(known_user_is_served_from_the_dataset)
{
    NEED_DATA();
    /* a query naming a fitted user without ratings uses the dataset's */
    int32_t u = 0;
    rs_query q = RS_QUERY(D->user_ids[u], NULL, 0, NULL, 0);
    q.user_index = u; /* as the host fills it (ABI 1.1) */
    rs_scored out[20];
    rs_explanation ex[20];
    size_t n;
    rs_error err = {0};
    ck_assert_int_eq(E->recommend(flat, &q, 20, out, ex, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 20);
    for (size_t i = 0; i < n; i++) {
        for (size_t p = D->user_ptr[u]; p < D->user_ptr[u + 1]; p++)
            ck_assert_int_ne(out[i].item, D->user_item[p]);
        /* because_item is one of the user's above-mean movies */
        int rated = 0;
        for (size_t p = D->user_ptr[u]; p < D->user_ptr[u + 1]; p++)
            rated |= D->user_item[p] == ex[i].because_item;
        ck_assert(rated);
    }
}
END_TEST

static double recall_vs_flat(void *inst, int n_queries)
{
    rs_scored a[10], b[10];
    size_t na, nb;
    rs_error err = {0};
    int hit = 0, total = 0;
    for (int q = 0; q < n_queries; q++) {
        int32_t it = (int32_t)((q * 7919L) % D->n_items);
        ck_assert_int_eq(E->similar(flat, it, 10, a, &na, &err), RS_OK);
        ck_assert_int_eq(E->similar(inst, it, 10, b, &nb, &err), RS_OK);
        for (size_t i = 0; i < na; i++) {
            total++;
            for (size_t j = 0; j < nb; j++)
                if (b[j].item == a[i].item) {
                    hit++;
                    break;
                }
        }
    }
    return total ? (double)hit / total : 0.0;
}

START_TEST(hnsw_and_ivf_agree_with_exact_search)
{
    NEED_DATA();
    sem_plug h1, h2;
    void *hnsw = fit_variant(&h1, "HNSW32");
    void *ivf = fit_variant(&h2, "IVF64,Flat");
    double rh = recall_vs_flat(hnsw, 300), ri = recall_vs_flat(ivf, 300);
    fprintf(stderr,
            "recall@10 vs Flat: HNSW32 (efSearch 64) %.3f, "
            "IVF64,Flat (nprobe 8) %.3f\n",
            rh, ri);
    ck_assert_double_ge(rh, 0.95);
    ck_assert_double_ge(ri, 0.70);
    /* recommend works through the approximate indexes too */
    int32_t jumanji = sem_fixture_find_title(fx, "Jumanji", 1995);
    rs_rating r[2] = {{toy_story, 5.0f, 0}, {jumanji, 3.0f, 0}};
    rs_query q = RS_QUERY(RS_USER_NONE, r, 2, NULL, 0);
    rs_scored out[10];
    size_t n;
    rs_error err = {0};
    ck_assert_int_eq(E->recommend(hnsw, &q, 10, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(E->recommend(ivf, &q, 10, out, NULL, &n, &err), RS_OK);
    ck_assert_uint_gt(n, 0);
    sem_plug_destroy(&h1);
    sem_plug_destroy(&h2);
    /* nprobe reaches the index: probing all 64 lists is exact search */
    sem_plug h3;
    sem_plug_init(&h3, D);
    sem_plug_set(&h3, "index", "IVF64,Flat");
    sem_plug_set(&h3, "nprobe", "64");
    void *all = NULL;
    ck_assert_int_eq(sem_plug_create(&h3, &err), RS_OK);
    all = h3.inst;
    ck_assert_msg(E->fit(all, D, &err) == RS_OK, "%s", err.message);
    double ra = recall_vs_flat(all, 300);
    fprintf(stderr, "recall@10 vs Flat: IVF64,Flat (nprobe 64) %.3f\n", ra);
    ck_assert_double_ge(ra, 0.999);
    sem_plug_destroy(&h3);
}
END_TEST

START_TEST(save_load_round_trip_hnsw)
{
    NEED_DATA();
    char dir[] = "/tmp/rs_semantic_ml_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    sem_plug h1, h2;
    void *a = fit_variant(&h1, "HNSW32"), *b = NULL;
    rs_error err = {0};
    ck_assert_msg(E->save(a, dir, &err) == RS_OK, "%s", err.message);
    sem_plug_init(&h2, D);
    sem_plug_set(&h2, "index", "HNSW32");
    ck_assert_int_eq(sem_plug_create(&h2, &err), RS_OK);
    b = h2.inst;
    ck_assert_msg(E->load(b, dir, D, &err) == RS_OK, "%s", err.message);
    for (int32_t it = 0; it < D->n_items; it += 487) {
        rs_scored x[10], y[10];
        size_t nx, ny;
        ck_assert_int_eq(E->similar(a, it, 10, x, &nx, &err), RS_OK);
        ck_assert_int_eq(E->similar(b, it, 10, y, &ny, &err), RS_OK);
        ck_assert_uint_eq(nx, ny);
        for (size_t i = 0; i < nx; i++) {
            ck_assert_int_eq(x[i].item, y[i].item);
            ck_assert_float_eq(x[i].score, y[i].score);
        }
    }
    sem_plug_destroy(&h1);
    sem_plug_destroy(&h2);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(vectors_file_at_catalogue_scale)
{
    NEED_DATA();
    /* Export the builtin vectors in reversed row order as a vectors file
     * (the tool's format), load it with embeddings=vectors, and expect the
     * very same neighbours. The few builtin zero vectors (movies without a
     * single vocabulary term) are not valid in a vectors file: they get
     * Toy Story's opposite, which cannot enter its top 10. */
    const sem_model *m = sem_instance_model(flat);
    int dim = sem_model_dim(m);
    const float *v = sem_model_vectors(m);
    int32_t n = D->n_items;
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    float *rows = malloc((size_t)n * dim * sizeof *rows);
    for (int32_t i = 0; i < n; i++) {
        int32_t src = n - 1 - i;
        ids[i] = D->items[src].movie_id;
        float *dst = rows + (size_t)i * dim;
        memcpy(dst, v + (size_t)src * dim, dim * sizeof *rows);
        float n2 = 0.0f;
        for (int c = 0; c < dim; c++)
            n2 += dst[c] * dst[c];
        if (n2 == 0.0f)
            for (int c = 0; c < dim; c++)
                dst[c] = -v[(size_t)toy_story * dim + c];
    }
    char path[] = "/tmp/rs_semantic_vec_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    rs_error err = {0};
    ck_assert_int_eq(sem_vecfile_write(path, (uint32_t)dim, (uint64_t)n, ids, rows, &err), RS_OK);
    sem_plug h;
    void *inst = NULL;
    sem_plug_init(&h, D);
    sem_plug_set(&h, "embeddings", "vectors");
    sem_plug_set(&h, "vectors_file", path);
    ck_assert_int_eq(sem_plug_create(&h, &err), RS_OK);
    inst = h.inst;
    ck_assert_msg(E->fit(inst, D, &err) == RS_OK, "%s", err.message);
    rs_scored x[10], y[10];
    size_t nx, ny;
    ck_assert_int_eq(E->similar(flat, toy_story, 10, x, &nx, &err), RS_OK);
    ck_assert_int_eq(E->similar(inst, toy_story, 10, y, &ny, &err), RS_OK);
    for (size_t i = 0; i < nx; i++)
        ck_assert_int_eq(x[i].item, y[i].item);
    /* Folded-in users go through the same profile weights and prior: an
     * animation fan gets the same top 20 from the file's vectors (the two
     * substituted rows point away from Toy Story, out of their reach). */
    static const char *const anim[] = {"Animation", NULL};
    rs_rating r[10];
    ck_assert_uint_eq(genre_fan(genre_bits(anim), r), 10);
    rs_query q = RS_QUERY(RS_USER_NONE, r, 10, NULL, 0);
    rs_scored fx20[20], fy20[20];
    ck_assert_int_eq(E->recommend(flat, &q, 20, fx20, NULL, &nx, &err), RS_OK);
    ck_assert_int_eq(E->recommend(inst, &q, 20, fy20, NULL, &ny, &err), RS_OK);
    ck_assert_uint_eq(nx, 20);
    ck_assert_uint_eq(ny, 20);
    for (size_t i = 0; i < nx; i++) {
        ck_assert_int_eq(fx20[i].item, fy20[i].item);
        ck_assert_float_eq_tol(fx20[i].score, fy20[i].score, 1e-5f);
    }
    sem_plug_destroy(&h);
    unlink(path);
    free(ids);
    free(rows);
}
END_TEST

START_TEST(new_movie_embeds_next_to_its_twin)
{
    NEED_DATA();
    const sem_model *m = sem_instance_model(flat);
    const sem_encoder *enc = sem_model_encoder(m);
    int dim = sem_model_dim(m);
    rs_item_meta twin = D->items[toy_story];
    twin.movie_id = 99999999; /* a movie the catalogue has never seen */
    float *x = malloc((size_t)dim * sizeof *x);
    rs_error err = {0};
    size_t nt;
    ck_assert_int_eq(sem_encoder_embed(enc, &twin, x, &nt, &err), RS_OK);
    ck_assert_uint_gt(nt, 10);
    const float *v = sem_model_vectors(m);
    int32_t best = -1;
    float best_sim = -2.0f;
    for (int32_t i = 0; i < D->n_items; i++) {
        float s = 0.0f;
        for (int c = 0; c < dim; c++)
            s += x[c] * v[(size_t)i * dim + c];
        if (s > best_sim)
            best_sim = s, best = i;
    }
    ck_assert_int_eq(best, toy_story);
    ck_assert_float_gt(best_sim, 0.999f);
    free(x);
}
END_TEST

/* tools/embed_catalogue.py's own writer (in its offline --fake-dim mode)
 * produces files the C loader accepts for the whole catalogue. */
START_TEST(python_tool_output_loads)
{
    NEED_DATA();
    if (system("python3 -c 'import csv' >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: no python3\n");
        return;
    }
    char path[] = "/tmp/rs_semantic_tool_XXXXXX", cmd[4096];
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const char *data = sem_fixture_data_dir();
    snprintf(cmd, sizeof cmd,
             "python3 %s/tools/embed_catalogue.py --movies %s/ml-latest-small/movies.csv "
             "--tags %s/ml-latest-small/tags.csv "
             "--text %s/movie-text/ml-latest-small_text.csv --fake-dim 24 "
             "--out %s >/dev/null",
             RS_SOURCE_DIR, data, data, data, path);
    ck_assert_int_eq(system(cmd), 0);
    sem_plug h;
    void *inst = NULL;
    rs_error err = {0};
    sem_plug_init(&h, D);
    sem_plug_set(&h, "embeddings", "vectors");
    sem_plug_set(&h, "vectors_file", path);
    sem_plug_set(&h, "dim", "128");
    ck_assert_int_eq(sem_plug_create(&h, &err), RS_OK);
    inst = h.inst;
    ck_assert_int_eq(E->fit(inst, D, &err), RS_ERR_CONFIG); /* dim 24 != 128 */
    ck_assert_ptr_nonnull(strstr(err.message, "set dim: 24"));
    sem_plug_destroy(&h);
    sem_plug_set(&h, "dim", "24");
    ck_assert_int_eq(sem_plug_create(&h, &err), RS_OK);
    inst = h.inst;
    ck_assert_msg(E->fit(inst, D, &err) == RS_OK, "%s", err.message);
    rs_scored out[10];
    size_t n;
    ck_assert_int_eq(E->similar(inst, toy_story, 10, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 10);
    sem_plug_destroy(&h);
    unlink(path);
}
END_TEST

/* The real host: descriptor validation, dlopen of librs_semantic.so,
 * fit, save, and a second engine that loads the artifacts. */
START_TEST(engine_loads_the_plugin_from_its_descriptor)
{
    NEED_DATA();
    char dir[] = "/tmp/rs_semantic_eng_XXXXXX", cfg_path[256], text[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* The config below is the test's: the caller's environment must not
     * override it. */
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_TEXT_FILE");
    unsetenv("RECSYS_PLUGIN_PATH");
    const char *data = sem_fixture_data_dir();
    for (int pass = 0; pass < 3; pass++) {
        snprintf(text, sizeof text,
                 "data:\n  dir: %s/ml-latest-small\n"
                 "  text_file: %s/movie-text/ml-latest-small_text.csv\n"
                 "work_dir: %s/work\nthreads: 1\n"
                 "prepare:\n  cf_min_item_ratings: 10\n  cf_min_user_ratings: 1\n"
                 "plugins:\n  path: [%s]\n"
                 "instances:\n  - name: content\n    plugin: semantic\n"
                 "    params: {dim: %s, index: HNSW32}\n",
                 data, data, dir, RS_PLUGIN_BUILD_DIR, pass == 2 ? "0" : "32");
        snprintf(cfg_path, sizeof cfg_path, "%s/cfg.yaml", dir);
        FILE *f = fopen(cfg_path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
        rs_config *cfg = NULL;
        rs_movielens *ml = NULL;
        rs_engine *e = NULL;
        rs_error err = {0};
        ck_assert_msg(rs_config_load(cfg_path, &cfg, &err) == RS_OK, "%s", err.message);
        rs_load_options opt = {cfg->text_file, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
        ck_assert_int_eq(rs_movielens_load(cfg->data_dir, &opt, &ml, &err), RS_OK);
        rs_status st = rs_engine_new(cfg, rs_movielens_view(ml), &e, &err);
        if (pass == 2) { /* dim: 0 is below the descriptor's min */
            ck_assert_int_ne(st, RS_OK);
            ck_assert_ptr_nonnull(strstr(err.message, "dim"));
        } else {
            ck_assert_msg(st == RS_OK, "%s", err.message);
            /* pass 0 fits and saves; pass 1 finds the artifacts and loads */
            ck_assert_msg(rs_engine_load_or_train(e, 0, &err) == RS_OK, "%s", err.message);
            rs_scored out[10];
            size_t n;
            int32_t ts = rs_movielens_item_index(ml, 1);
            ck_assert_msg(rs_engine_similar(e, "content", ts, 10, out, &n, &err) == RS_OK, "%s",
                          err.message);
            ck_assert_uint_eq(n, 10);
            char art[512];
            snprintf(art, sizeof art, "%s/semantic.bin", rs_engine_artifact_dir(e, "content"));
            ck_assert_int_eq(access(art, R_OK), 0);
        }
        rs_engine_free(e);
        rs_movielens_free(ml);
        rs_config_free(cfg);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("semantic_movielens");
    TCase *tc = tcase_create("ml-latest-small");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, covers_the_whole_catalogue);
    tcase_add_test(tc, toy_story_neighbours_are_animated_or_for_children);
    tcase_add_test(tc, zero_rated_movie_reaches_a_user_who_rated_its_neighbours);
    tcase_add_test(tc, genre_fan_gets_coherent_films_people_have_seen);
    tcase_add_test(tc, known_user_is_served_from_the_dataset);
    tcase_add_test(tc, hnsw_and_ivf_agree_with_exact_search);
    tcase_add_test(tc, save_load_round_trip_hnsw);
    tcase_add_test(tc, vectors_file_at_catalogue_scale);
    tcase_add_test(tc, new_movie_embeds_next_to_its_twin);
    tcase_add_test(tc, python_tool_output_loads);
    tcase_add_test(tc, engine_loads_the_plugin_from_its_descriptor);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
