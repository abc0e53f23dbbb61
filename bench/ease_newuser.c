/*
 * EASE for users it never trained on, by lambda: a quick check of the
 * lambda choice in the regime the web app lives in (every app user is
 * folded in from their ratings). Not the harness's new-user protocol,
 * which `recsys eval` reports with intervals; this is a tuning aid.
 *
 * 20 % of ml-latest-small's users (seeded) are held out of training; each
 * instance is fitted on the rest. For every held-out user and every n, n of
 * their ratings (a seeded random choice) are the query (RS_USER_NONE) and
 * their other ratings >= 4 are the relevant set; prints mean Recall@20 and
 * NDCG@20 over those users, for popularity (count) and EASE at each lambda.
 *
 * usage: ease_newuser [lambda ...]   (default: 50 100 200 350 500 1000 2000)
 * env RECSYS_SHARED_DATA: where ml-latest-small lives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ease_bench.h"
#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/eval_metrics.h"
#include "recsys/fsutil.h"

#define K 20
#define MAX_LAMBDAS 16
#define HOLDOUT 0.2
#define SEED 42u

static const int NS[] = {1, 3, 5, 10, 20};
#define N_NS (sizeof NS / sizeof NS[0])

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int int32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Mean Recall@K and NDCG@K of instance `name` over the held-out users. */
static int measure(rs_engine *e, const char *name, const rs_dataset *d, const uint8_t *held,
                   int n_q, double *recall, double *ndcg, int *users)
{
    rs_rating *q = malloc((d->n_ratings + 1) * sizeof *q);
    int32_t *rel = malloc((d->n_ratings + 1) * sizeof *rel);
    size_t *perm = malloc((d->n_ratings + 1) * sizeof *perm);
    rs_scored out[K];
    int32_t ranked[K];
    rs_error err = {0};
    double sr = 0, sn = 0;
    int nu = 0, ok = q && rel && perm;
    for (int32_t u = 0; ok && u < d->n_users; u++) {
        size_t b = d->user_ptr[u], m = d->user_ptr[u + 1] - b;
        if (!held[u] || m <= (size_t)n_q)
            continue;
        uint64_t s = SEED * 2654435761u + (uint64_t)u + 1; /* same choice for every instance */
        for (size_t j = 0; j < m; j++)
            perm[j] = b + j;
        for (size_t j = 0; j < (size_t)n_q; j++) { /* partial Fisher-Yates */
            size_t r = j + (size_t)(rng_next(&s) % (m - j));
            size_t t = perm[j];
            perm[j] = perm[r];
            perm[r] = t;
        }
        size_t n_rel = 0;
        for (size_t j = 0; j < m; j++) {
            size_t p = perm[j];
            if (j < (size_t)n_q)
                q[j] = (rs_rating){d->user_item[p], d->user_rating[p], d->user_time[p]};
            else if (d->user_rating[p] >= 4.0f)
                rel[n_rel++] = d->user_item[p];
        }
        if (n_rel == 0)
            continue;
        qsort(rel, n_rel, sizeof *rel, int32_cmp);
        rs_query qq = RS_QUERY(RS_USER_NONE, q, (size_t)n_q, NULL, 0);
        size_t got = 0;
        if (rs_engine_recommend(e, name, &qq, K, out, NULL, &got, &err) != RS_OK) {
            fprintf(stderr, "ease_newuser: %s\n", err.message);
            ok = 0;
            break;
        }
        for (size_t j = 0; j < got; j++)
            ranked[j] = out[j].item;
        sr += rs_metric_recall(ranked, got, rel, n_rel, K);
        sn += rs_metric_ndcg(ranked, got, rel, n_rel, K);
        nu++;
    }
    free(q);
    free(rel);
    free(perm);
    *recall = nu ? sr / nu : 0;
    *ndcg = nu ? sn / nu : 0;
    *users = nu;
    return ok;
}

int main(int argc, char **argv)
{
    const char *def[] = {"50", "100", "200", "350", "500", "1000", "2000"};
    const char *const *lam = argc > 1 ? (const char *const *)argv + 1 : def;
    int n_lam = argc > 1 ? argc - 1 : (int)(sizeof def / sizeof def[0]);
    const char *ml = eb_ml_dir();
    if (n_lam > MAX_LAMBDAS) {
        fprintf(stderr, "usage: %s [lambda ...] (at most %d)\n", argv[0], MAX_LAMBDAS);
        return 2;
    }
    if (!ml) {
        printf("ease_newuser: ml-latest-small not found: skipped\n");
        return 0;
    }
    char tmp[] = "/tmp/ease-newuser-XXXXXX", cfg_path[4200], inst[4096];
    int off = snprintf(inst, sizeof inst, "  - {name: popularity, plugin: popularity}\n");
    for (int l = 0; l < n_lam; l++)
        off += snprintf(inst + off, sizeof inst - (size_t)off,
                        "  - {name: ease_%d, plugin: ease, params: {lambda: %s}}\n", l, lam[l]);
    if (!eb_write_config(tmp, ml, inst, cfg_path, sizeof cfg_path))
        return 1;

    rs_error err = {0};
    rs_config *cfg = NULL;
    rs_movielens *data = NULL;
    rs_ratings_set *train = NULL;
    rs_engine *e = NULL;
    rs_triple *t = NULL;
    uint8_t *held = NULL;
    int rc = 1;
    if (rs_config_load(cfg_path, &cfg, &err) != RS_OK)
        goto out;
    rs_load_options opt = {NULL, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    if (rs_movielens_load(cfg->data_dir, &opt, &data, &err) != RS_OK)
        goto out;
    const rs_dataset *d = rs_movielens_view(data);
    held = calloc((size_t)d->n_users, 1);
    t = malloc((d->n_ratings + 1) * sizeof *t);
    if (!held || !t)
        goto out;
    uint64_t s = SEED;
    int n_held = 0;
    for (int32_t u = 0; u < d->n_users; u++)
        if ((double)(rng_next(&s) >> 11) / 9007199254740992.0 < HOLDOUT) {
            held[u] = 1;
            n_held++;
        }
    size_t n_t = 0;
    for (int32_t u = 0; u < d->n_users; u++)
        for (size_t p = d->user_ptr[u]; !held[u] && p < d->user_ptr[u + 1]; p++)
            t[n_t++] = (rs_triple){u, d->user_item[p], d->user_rating[p], d->user_time[p]};
    if (rs_ratings_set_new(d, t, n_t, d->user_ids, d->n_users, cfg->cf_min_item_ratings,
                           cfg->cf_min_user_ratings, &train, &err) != RS_OK ||
        rs_engine_new(cfg, d, &e, &err) != RS_OK)
        goto out;
    printf("ease_newuser: %d of %d users held out (seed %u), trained on %zu ratings; "
           "query = n random ratings, relevant = the rest >= 4\n",
           n_held, d->n_users, SEED, n_t);
    printf("%-14s", "Recall@20 n=");
    for (size_t j = 0; j < N_NS; j++)
        printf("  %-13d", NS[j]);
    printf("\n");
    for (int l = -1; l < n_lam; l++) {
        char name[32], label[32];
        if (l < 0) {
            snprintf(name, sizeof name, "popularity");
            snprintf(label, sizeof label, "popularity");
        } else {
            snprintf(name, sizeof name, "ease_%d", l);
            snprintf(label, sizeof label, "ease %s", lam[l]);
        }
        if (rs_engine_fit(e, name, rs_ratings_set_view(train), &err) != RS_OK)
            goto out;
        printf("%-14s", label);
        for (size_t j = 0; j < N_NS; j++) {
            double r, g;
            int users;
            if (!measure(e, name, d, held, NS[j], &r, &g, &users))
                goto out;
            printf("  %.3f/%.3f  ", r, g);
        }
        printf("  (Recall/NDCG)\n");
        fflush(stdout);
    }
    rc = 0;
out:
    if (rc && err.message[0])
        fprintf(stderr, "ease_newuser: %s\n", err.message);
    rs_engine_free(e);
    rs_ratings_set_free(train);
    rs_movielens_free(data);
    rs_config_free(cfg);
    free(t);
    free(held);
    rs_remove_tree(tmp);
    return rc;
}
