/*
 * The hybrid over the real children on ml-latest-small, through the engine:
 * lightgcn (CF subset only), semantic (whole catalogue) and popularity, all
 * with the hybrid's default instance names and params. Registered when
 * plugins/semantic is in the tree; until plugins/lightgcn is too, the
 * "lightgcn" instance is the test child fake_cf restricted to the CF subset
 * (what matters here: it cannot score cold movies). LightGCN is trained
 * briefly (the checks are about the blend, not its accuracy).
 *
 * Users are queried with 3 of their ratings (sparse, content-heavy) and with
 * all of them (CF-heavy), as the evaluation's sparsity sweep does.
 */
#include <math.h>
#include <time.h>

#include "host_fixture.h"

#define N_USERS 100
#define K 10

#ifdef RS_HYB_LIGHTGCN
#define CF_INSTANCE "  - {name: lightgcn, plugin: lightgcn, params: {epochs: 15, dim: 32}}\n"
#else
#define CF_INSTANCE "  - {name: lightgcn, plugin: fake_cf, params: {cf_subset: true}}\n"
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct tally {
    long cold_hybrid, cold_cf, because_rated, because_none;
    double content_share;
    long items;
} tally;

static int rated_by(const rs_rating *r, size_t n, int32_t item)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].item == item)
            return 1;
    return 0;
}

START_TEST(hybrid_blends_lightgcn_and_semantic_on_movielens)
{
    const char *data = tu_shared_data();
    if (!data)
        return; /* no shared data on this machine */
    hf f;
    rs_error err = {0};
    char text[8192];
    hf_setup(&f);
    snprintf(text, sizeof text,
             "data:\n  dir: %s\nwork_dir: work\nthreads: 2\n"
             "plugins:\n  path: [%s, %s]\n"
             "instances:\n"
             "  - {name: popularity, plugin: popularity}\n" CF_INSTANCE
             "  - {name: semantic, plugin: semantic, params: {dim: 64}}\n"
             /* Learned weights, as shipped (no EASE instance here). */
             "  - {name: hybrid, plugin: hybrid, params: {ease: ''}}\n",
             data, RS_PLUGIN_BUILD_DIR, RS_TEST_PLUGIN_DIR);
    tu_write(f.dir, "cfg.yaml", text);
    snprintf(f.cfg_path, sizeof f.cfg_path, "%s/cfg.yaml", f.dir);
    ck_assert_msg(hf_open(&f, &err) == RS_OK, "%s", err.message);
    ck_assert_msg(rs_engine_load_or_train(f.engine, 0, &err) == RS_OK, "%s", err.message);
    const rs_dataset *d = rs_engine_dataset(f.engine);

    tally t[2] = {{0}, {0}}; /* [0] 3-rating view, [1] full profile */
    double lat[2 * N_USERS];
    size_t n_lat = 0;
    rs_rating *r = malloc(4096 * sizeof *r);
    for (int32_t u = 0; u < N_USERS && u < d->n_users; u++) {
        size_t b = d->user_ptr[u], e = d->user_ptr[u + 1];
        size_t n = e - b < 4096 ? e - b : 4096;
        for (size_t j = 0; j < n; j++)
            r[j] = (rs_rating){d->user_item[b + j], d->user_rating[b + j], 0};
        for (int full = 0; full < 2; full++) {
            rs_query q = RS_QUERY(RS_USER_NONE, r, full ? n : 3, NULL, 0);
            rs_scored out[K], cf[K];
            rs_explanation ex[K];
            size_t k = 0, kc = 0;
            double t0 = now_s();
            ck_assert_msg(rs_engine_recommend(f.engine, "hybrid", &q, K, out, ex, &k, &err) ==
                              RS_OK,
                          "%s", err.message);
            lat[n_lat++] = now_s() - t0;
            ck_assert_uint_eq(k, K);
            ck_assert_msg(rs_engine_recommend(f.engine, "lightgcn", &q, K, cf, NULL, &kc, &err) ==
                              RS_OK,
                          "%s", err.message);
            for (size_t i = 0; i < k; i++) {
                ck_assert(!rated_by(r, q.n_ratings, out[i].item));
                t[full].cold_hybrid += !d->cf_item[out[i].item];
                float sum = 0;
                for (uint32_t p = 0; p < ex[i].n_parts; p++) {
                    sum += ex[i].parts[p].share;
                    if (!strcmp(ex[i].parts[p].source, "semantic"))
                        t[full].content_share += ex[i].parts[p].share;
                }
                ck_assert_float_eq_tol(sum, 1.0f, 1e-4f);
                if (ex[i].because_item < 0)
                    t[full].because_none++;
                else {
                    ck_assert(rated_by(r, q.n_ratings, ex[i].because_item));
                    t[full].because_rated++;
                }
                t[full].items++;
            }
            for (size_t i = 0; i < kc; i++)
                t[full].cold_cf += !d->cf_item[cf[i].item];
        }
    }
    free(r);
    qsort(lat, n_lat, sizeof *lat, dbl_cmp);
    for (int full = 0; full < 2; full++)
        fprintf(stderr,
                "%s: cold movies in top-%d: hybrid %ld, lightgcn %ld; mean "
                "semantic share %.3f; because_item set %ld / %ld\n",
                full ? "full profile" : "3-rating view", K, t[full].cold_hybrid, t[full].cold_cf,
                t[full].content_share / (double)t[full].items, t[full].because_rated,
                t[full].items);
    fprintf(stderr,
            "hybrid recommend latency over real children: median "
            "%.2f ms, p90 %.2f ms (%zu requests)\n",
            lat[n_lat / 2] * 1e3, lat[n_lat * 9 / 10] * 1e3, n_lat);
    /* LightGCN alone never returns a cold movie. */
    ck_assert_int_eq(t[0].cold_cf + t[1].cold_cf, 0);
    ck_assert(t[0].because_rated > 0 && t[1].because_rated > 0);

    /* Cold movies still reach the top 20 when content supports them: a
     * user who gave 5 stars to the ten cold movies most similar to a cold
     * movie m (by the content child) should be shown m. */
    int tried = 0, reached = 0;
    for (int32_t m = 0; m < d->n_items && tried < 20; m++) {
        if (d->cf_item[m] || d->item_ptr[m + 1] - d->item_ptr[m] < 2)
            continue;
        rs_scored nb[200], out[20];
        size_t nn = 0, k = 0, nq = 0;
        ck_assert_int_eq(rs_engine_similar(f.engine, "semantic", m, 200, nb, &nn, &err), RS_OK);
        rs_rating q10[10];
        for (size_t j = 0; j < nn && nq < 10; j++)
            if (!d->cf_item[nb[j].item])
                q10[nq++] = (rs_rating){nb[j].item, 5.0f, 0};
        if (nq < 10)
            continue;
        tried++;
        rs_query q = RS_QUERY(RS_USER_NONE, q10, nq, NULL, 0);
        ck_assert_int_eq(rs_engine_recommend(f.engine, "hybrid", &q, 20, out, NULL, &k, &err),
                         RS_OK);
        for (size_t i = 0; i < k; i++)
            reached += out[i].item == m;
    }
    fprintf(stderr,
            "cold movies reached when content supports them: %d / "
            "%d\n",
            reached, tried);
    ck_assert_int_eq(tried, 20);
    ck_assert_msg(reached > 0, "reached %d / %d", reached, tried);
    hf_teardown(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("hybrid_real");
    TCase *tc = tcase_create("real");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, hybrid_blends_lightgcn_and_semantic_on_movielens);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
