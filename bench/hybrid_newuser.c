/*
 * New users through the hybrid and its children (figures, not a test).
 *
 * A seeded share of the dataset's users is held out of training entirely;
 * every instance of the host config is fitted on the rest (children before
 * composites). Each held-out user is then queried as a new user
 * (RS_USER_NONE, n of their ratings chosen at random) and scored on the
 * rest of their ratings >= 4: Recall@20 and NDCG@20, mean with a 95 %
 * normal interval over users, per n and instance.
 *
 * --clean-learn measures the leakage of the hybrid's learned weights: the
 * children are first fitted WITHOUT the hybrid's learning users (a
 * separate sample of training users), the hybrid learns its weights on
 * those users only, then the children are refitted on the whole training
 * set and the hybrid keeps its clean weights. Compare with a plain run.
 *
 * usage: bench_hybrid_newuser [--config FILE] [--holdout 0.2] [--n 1,3,5,10,20]
 *        [--seed 42] [--clean-learn N] [--instances a,b,c]
 * (the new-user protocol of `recsys eval` is the reference; this tool
 *  exists to develop the hybrid.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/splitmix64.h"
#include "bench_util.h"

#define K 20
#define MAX_N 16
#define MAX_INST 16

typedef struct acc {
    double sum, sq;
    size_t n;
} acc;

static void acc_add(acc *a, double v)
{
    a->sum += v;
    a->sq += v * v;
    a->n++;
}

static void acc_print(const acc *a)
{
    double m = a->n ? a->sum / a->n : NAN;
    double var = a->n > 1 ? (a->sq - a->n * m * m) / (a->n - 1) : 0;
    printf(" %.4f±%.4f", m, 1.96 * sqrt(var / (a->n ? a->n : 1)));
}

/* Training set: every rating of the users with keep[u] (dense indices of
 * the base dataset, remapped in order). */
static rs_ratings_set *subset(const rs_dataset *d, const uint8_t *keep, const rs_config *cfg)
{
    size_t n = 0;
    int32_t m = 0;
    rs_triple *t = malloc(d->n_ratings * sizeof *t);
    int64_t *ids = malloc((size_t)d->n_users * sizeof *ids);
    for (int32_t u = 0; u < d->n_users; u++) {
        if (!keep[u])
            continue;
        for (size_t p = d->user_ptr[u]; p < d->user_ptr[u + 1]; p++)
            t[n++] = (rs_triple){m, d->user_item[p], d->user_rating[p], d->user_time[p]};
        ids[m++] = d->user_ids[u];
    }
    rs_ratings_set *rs = NULL;
    rs_error err = {0};
    if (rs_ratings_set_new(d, t, n, ids, m, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings, &rs,
                           &err) != RS_OK)
        fprintf(stderr, "subset: %s\n", err.message);
    free(t);
    free(ids);
    return rs;
}

static int fit_all(rs_engine *e, const rs_dataset *plain, const rs_dataset *composite,
                   int only_plain)
{
    for (size_t s = 0; s < rs_engine_instance_count(e); s++) {
        const char *name = rs_engine_instance_name(e, s);
        const rs_plugin_entry *en = rs_engine_instance_entry(e, name);
        int comp = en && (en->capabilities & RS_CAP_COMPOSITE);
        if (only_plain && comp)
            continue;
        rs_error err = {0};
        double t0 = bu_now();
        if (rs_engine_fit(e, name, comp ? composite : plain, &err) != RS_OK) {
            fprintf(stderr, "fit %s: %s\n", name, err.message);
            return 0;
        }
        fprintf(stderr, "fitted %s in %.1f s\n", name, bu_now() - t0);
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *config = "configs/default.yaml", *nlist = "1,3,5,10,20";
    const char *only = NULL;
    double holdout = 0.2;
    uint64_t seed = 42;
    size_t clean = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--config"))
            config = argv[i + 1];
        else if (!strcmp(argv[i], "--holdout"))
            holdout = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--n"))
            nlist = argv[i + 1];
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--clean-learn"))
            clean = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--instances"))
            only = argv[i + 1];
    }
    size_t ns[MAX_N], n_ns = 0;
    for (const char *p = nlist; *p && n_ns < MAX_N;) {
        ns[n_ns++] = strtoul(p, (char **)&p, 10);
        if (*p == ',')
            p++;
    }
    rs_error err = {0};
    rs_config *cfg;
    rs_movielens *ml;
    if (rs_config_load(config, &cfg, &err) != RS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    rs_load_options lo = {cfg->text_file, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    if (rs_movielens_load(cfg->data_dir, &lo, &ml, &err) != RS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const rs_dataset *d = rs_movielens_view(ml);
    uint8_t *train = calloc((size_t)d->n_users, 1);
    uint8_t *learn = calloc((size_t)d->n_users, 1);
    uint64_t rng = seed;
    for (int32_t u = 0; u < d->n_users; u++)
        train[u] = (double)(rs_splitmix64_next(&rng) >> 11) / 9007199254740992.0 >= holdout;
    rs_ratings_set *tr = subset(d, train, cfg), *a_set = NULL, *l_set = NULL;
    rs_engine *e;
    if (!tr || rs_engine_new(cfg, rs_ratings_set_view(tr), &e, &err) != RS_OK) {
        fprintf(stderr, "engine: %s\n", err.message);
        return 1;
    }
    double t0 = bu_now();
    if (clean) {
        /* A: training users minus `clean` learning users L. */
        uint8_t *a = malloc((size_t)d->n_users);
        memcpy(a, train, (size_t)d->n_users);
        size_t got = 0;
        uint64_t r2 = seed * 7919 + 1;
        while (got < clean) {
            int32_t u = (int32_t)(rs_splitmix64_next(&r2) % (uint64_t)d->n_users);
            if (a[u]) {
                a[u] = 0;
                learn[u] = 1;
                got++;
            }
        }
        a_set = subset(d, a, cfg);
        l_set = subset(d, learn, cfg);
        free(a);
        if (!fit_all(e, rs_ratings_set_view(a_set), rs_ratings_set_view(l_set), 0) ||
            !fit_all(e, NULL, NULL, 1))
            return 1;
    } else if (!fit_all(e, NULL, NULL, 0)) {
        return 1;
    }
    fprintf(stderr, "fitted everything in %.1f s\n", bu_now() - t0);

    size_t n_inst = 0;
    const char *inst[MAX_INST];
    for (size_t s = 0; s < rs_engine_instance_count(e) && n_inst < MAX_INST; s++) {
        const char *name = rs_engine_instance_name(e, s);
        if (!only || strstr(only, name))
            inst[n_inst++] = name;
    }
    acc rec[MAX_N][MAX_INST], ndcg[MAX_N][MAX_INST];
    memset(rec, 0, sizeof rec);
    memset(ndcg, 0, sizeof ndcg);
    rs_rating *q = malloc(3000 * sizeof *q);
    int32_t *rel = malloc((size_t)d->n_items * sizeof *rel);
    size_t *perm = malloc(3000 * sizeof *perm);
    uint8_t *is_rel = calloc((size_t)d->n_items, 1);
    double t1 = bu_now();
    for (int32_t u = 0; u < d->n_users; u++) {
        if (train[u])
            continue;
        size_t beg = d->user_ptr[u], n_r = d->user_ptr[u + 1] - beg;
        if (n_r > 3000)
            continue;
        for (size_t ni = 0; ni < n_ns; ni++) {
            size_t n = ns[ni];
            if (n >= n_r)
                continue;
            uint64_t r = seed ^ ((uint64_t)d->user_ids[u] << 20) ^ n;
            for (size_t i = 0; i < n_r; i++)
                perm[i] = i;
            for (size_t i = 0; i < n; i++) {
                size_t j = i + rs_splitmix64_next(&r) % (n_r - i), t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            size_t n_rel = 0;
            for (size_t i = 0; i < n_r; i++) {
                size_t p = beg + perm[i];
                if (i < n)
                    q[i] = (rs_rating){d->user_item[p], d->user_rating[p], d->user_time[p]};
                else if (d->user_rating[p] >= 4.0f) {
                    rel[n_rel++] = d->user_item[p];
                    is_rel[d->user_item[p]] = 1;
                }
            }
            if (n_rel) {
                rs_query qu = RS_QUERY(RS_USER_NONE, q, n, NULL, 0);
                for (size_t s = 0; s < n_inst; s++) {
                    rs_scored out[K];
                    size_t n_out = 0;
                    if (rs_engine_recommend(e, inst[s], &qu, K, out, NULL, &n_out, &err) != RS_OK) {
                        fprintf(stderr, "%s: %s\n", inst[s], err.message);
                        continue;
                    }
                    double hits = 0, dcg = 0, idcg = 0;
                    for (size_t j = 0; j < n_out; j++)
                        if (is_rel[out[j].item]) {
                            hits++;
                            dcg += 1.0 / log2(j + 2.0);
                        }
                    for (size_t j = 0; j < K && j < n_rel; j++)
                        idcg += 1.0 / log2(j + 2.0);
                    acc_add(&rec[ni][s], hits / n_rel);
                    acc_add(&ndcg[ni][s], dcg / idcg);
                }
            }
            for (size_t i = 0; i < n_rel; i++)
                is_rel[rel[i]] = 0;
        }
    }
    fprintf(stderr, "scored in %.1f s\n", bu_now() - t1);
    for (int m = 0; m < 2; m++) {
        printf("%s@%d (mean ± 95%% normal interval over held-out users)\n", m ? "NDCG" : "Recall",
               K);
        printf("%-6s", "n");
        for (size_t s = 0; s < n_inst; s++)
            printf(" %15s", inst[s]);
        printf("\n");
        for (size_t ni = 0; ni < n_ns; ni++) {
            printf("%-6zu", ns[ni]);
            for (size_t s = 0; s < n_inst; s++)
                acc_print(m ? &ndcg[ni][s] : &rec[ni][s]);
            printf("   (%zu users)\n", rec[ni][0].n);
        }
    }
    rs_engine_free(e);
    rs_ratings_set_free(tr);
    rs_ratings_set_free(a_set);
    rs_ratings_set_free(l_set);
    rs_movielens_free(ml);
    rs_config_free(cfg);
    free(train);
    free(learn);
    free(q);
    free(rel);
    free(perm);
    free(is_rel);
    return 0;
}
