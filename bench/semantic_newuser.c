/*
 * New users through fold-in, for the content source (and any other
 * instance of the same config, side by side): a stand-in for the harness's
 * new-user protocol until `recsys eval` has it (issue 16, item 1).
 *
 *   - hold out a seeded share of users entirely; fit every named instance
 *     on the rest (rs_engine_fit, the path `recsys eval` uses);
 *   - for each held-out user and each n, give n of their ratings (a seeded
 *     shuffle) as an RS_USER_NONE query, exactly what the server sends for
 *     an app account, and score the top 20 on their remaining ratings
 *     >= 4: Recall@20 and NDCG@20 (the harness's definitions), the recall
 *     of "cold" positives (movies with < 10 training ratings, the default
 *     CF threshold; micro-averaged since most users have none) and the
 *     median training rating count of what was recommended;
 *   - taste probes: a synthetic user rating the 10 most-rated (training)
 *     films of one genre 5 stars; the share of the top 20 in that genre and
 *     the median training rating count of the top 20;
 *   - cold reach: for every movie without a training rating, a fan who
 *     rated 5 stars the 5 nearest rated movies (similar()) and 1.5 stars 3
 *     unrelated ones: the share of such movies in their fan's top 20 (can
 *     the prior still let an unseen film through when content backs it?).
 *
 * Usage: bench_semantic_newuser CONFIG [instance ...]
 *        (env: RS_NU_SEED, RS_NU_HOLDOUT, default 42 and 0.2)
 * CONFIG is a recsys YAML (bench/semantic_newuser.yaml); without instance
 * names every configured instance runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/engine.h"
#include "recsys/eval_metrics.h"
#include "recsys/splitmix64.h"

#define K 20
#define POSITIVE 4.0f
#define COLD_BELOW 10
#define PROBE_FILMS 10

static const size_t NS[] = {5, 10, 20};
#define N_NS (sizeof NS / sizeof *NS)
static const char *const PROBE_GENRES[] = {"Animation", "Western", "Horror", "Documentary",
                                           "Romance",   "Sci-Fi",  "War",    "Musical",
                                           "Crime",     "Children"};
#define N_PROBES (sizeof PROBE_GENRES / sizeof *PROBE_GENRES)

static void shuffle_i32(int32_t *a, size_t n, uint64_t *s)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rs_splitmix64_next(s) % i);
        int32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b) { return bu_cmp(a, b); }

typedef struct split {
    uint8_t *held; /* [n_users] 1 = held out */
    rs_ratings_set *train;
    int32_t *count; /* [n_items] training ratings per movie */
} split;

static rs_status make_split(const rs_dataset *d, const rs_config *cfg, uint64_t seed, double share,
                            split *s, rs_error *err)
{
    int32_t *order = malloc((size_t)d->n_users * sizeof *order);
    s->held = calloc((size_t)d->n_users, 1);
    s->count = calloc((size_t)d->n_items, sizeof *s->count);
    rs_triple *t = malloc(d->n_ratings * sizeof *t);
    int64_t *ids = malloc((size_t)d->n_users * sizeof *ids);
    if (!order || !s->held || !s->count || !t || !ids)
        return rs_error_set(err, RS_ERR_NOMEM, "bench: out of memory");
    for (int32_t u = 0; u < d->n_users; u++)
        order[u] = u;
    shuffle_i32(order, (size_t)d->n_users, &seed);
    int32_t n_held = (int32_t)(share * d->n_users + 0.5);
    for (int32_t i = 0; i < n_held; i++)
        s->held[order[i]] = 1;
    size_t n = 0;
    int32_t nu = 0;
    for (int32_t u = 0; u < d->n_users; u++) {
        if (s->held[u])
            continue;
        for (size_t p = d->user_ptr[u]; p < d->user_ptr[u + 1]; p++) {
            t[n++] = (rs_triple){nu, d->user_item[p], d->user_rating[p], d->user_time[p]};
            s->count[d->user_item[p]]++;
        }
        ids[nu++] = d->user_ids[u];
    }
    rs_status st = rs_ratings_set_new(d, t, n, ids, nu, cfg->cf_min_item_ratings,
                                      cfg->cf_min_user_ratings, &s->train, err);
    free(order);
    free(t);
    free(ids);
    fprintf(stderr,
            "split: %d held-out users, %d train users, %zu train "
            "ratings\n",
            (int)n_held, (int)nu, n);
    return st;
}

typedef struct acc {
    double recall, ndcg;
    size_t users;
    size_t cold_hits, cold_pos;
    double *counts; /* training counts of every recommended movie */
    size_t n_counts, returned;
} acc;

static rs_status run_user(rs_engine *e, const char *name, const rs_dataset *d, const split *s,
                          int32_t u, size_t n, acc *a, rs_error *err)
{
    size_t b = d->user_ptr[u], m = d->user_ptr[u + 1] - b;
    if (m <= n)
        return RS_OK;
    int32_t perm[8192];
    if (m > sizeof perm / sizeof *perm)
        m = sizeof perm / sizeof *perm;
    for (size_t i = 0; i < m; i++)
        perm[i] = (int32_t)(b + i);
    uint64_t seed = 0x5eedull ^ ((uint64_t)u << 20);
    shuffle_i32(perm, m, &seed); /* the same order for every n and source */
    rs_rating q_r[64];
    for (size_t i = 0; i < n; i++)
        q_r[i] = (rs_rating){d->user_item[perm[i]], d->user_rating[perm[i]], d->user_time[perm[i]]};
    int32_t rel[8192], cold[8192];
    size_t n_rel = 0, n_cold = 0;
    for (size_t i = n; i < m; i++)
        if (d->user_rating[perm[i]] >= POSITIVE) {
            int32_t it = d->user_item[perm[i]];
            rel[n_rel++] = it;
            if (s->count[it] < COLD_BELOW)
                cold[n_cold++] = it;
        }
    if (n_rel == 0)
        return RS_OK;
    qsort(rel, n_rel, sizeof *rel, cmp_i32);
    qsort(cold, n_cold, sizeof *cold, cmp_i32);
    rs_query q = RS_QUERY(RS_USER_NONE, q_r, n, NULL, 0);
    rs_scored top[K];
    int32_t ranked[K];
    size_t got = 0;
    rs_status st = rs_engine_recommend(e, name, &q, K, top, NULL, &got, err);
    if (st != RS_OK)
        return st;
    for (size_t i = 0; i < got; i++) {
        ranked[i] = top[i].item;
        a->counts[a->n_counts++] = s->count[top[i].item];
    }
    a->returned += got;
    a->recall += rs_metric_recall(ranked, got, rel, n_rel, K);
    a->ndcg += rs_metric_ndcg(ranked, got, rel, n_rel, K);
    a->users++;
    a->cold_pos += n_cold;
    a->cold_hits += rs_metric_hits(ranked, got, cold, n_cold, K);
    return RS_OK;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static rs_status new_users(rs_engine *e, const char *name, const rs_dataset *d, const split *s,
                           rs_error *err)
{
    for (size_t k = 0; k < N_NS; k++) {
        acc a = {0};
        a.counts = malloc((size_t)d->n_users * K * sizeof *a.counts);
        if (!a.counts)
            return rs_error_set(err, RS_ERR_NOMEM, "bench: out of memory");
        double t0 = bu_now();
        for (int32_t u = 0; u < d->n_users; u++)
            if (s->held[u]) {
                rs_status st = run_user(e, name, d, s, u, NS[k], &a, err);
                if (st != RS_OK) {
                    free(a.counts);
                    return st;
                }
            }
        double dt = bu_now() - t0;
        printf("| %s | %zu | %zu | %.4f | %.4f | %.4f (%zu/%zu) | %.0f | %.1f "
               "| %.2f |\n",
               name, NS[k], a.users, a.recall / a.users, a.ndcg / a.users,
               a.cold_pos ? (double)a.cold_hits / a.cold_pos : 0.0, a.cold_hits, a.cold_pos,
               median(a.counts, a.n_counts), (double)a.returned / a.users, dt * 1e3 / a.users);
        free(a.counts);
    }
    return RS_OK;
}

/* The PROBE_FILMS most-rated training films of genre g, 5 stars each. */
static size_t probe_query(const rs_dataset *d, const split *s, uint32_t bit, rs_rating *r)
{
    size_t n = 0;
    for (int32_t i = 0; i < d->n_items; i++) {
        if (!(d->items[i].genre_mask & bit))
            continue;
        size_t j = n < PROBE_FILMS ? n++ : PROBE_FILMS;
        if (j == PROBE_FILMS) {
            if (s->count[i] <= s->count[r[PROBE_FILMS - 1].item])
                continue;
            j = PROBE_FILMS - 1;
        }
        while (j > 0 && s->count[r[j - 1].item] < s->count[i]) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = (rs_rating){i, 5.0f, 0};
    }
    return n;
}

static rs_status probes(rs_engine *e, const char *name, const rs_dataset *d, const split *s,
                        rs_error *err)
{
    double share_sum = 0.0, med_sum = 0.0;
    printf("| %s |", name);
    for (size_t g = 0; g < N_PROBES; g++) {
        uint32_t bit = 0;
        for (int32_t x = 0; x < d->n_genres; x++)
            if (strcmp(d->genre_names[x], PROBE_GENRES[g]) == 0)
                bit = 1u << x;
        rs_rating r[PROBE_FILMS];
        size_t nr = bit ? probe_query(d, s, bit, r) : 0;
        rs_query q = RS_QUERY(RS_USER_NONE, r, nr, NULL, 0);
        rs_scored top[K];
        size_t got = 0;
        rs_status st = rs_engine_recommend(e, name, &q, K, top, NULL, &got, err);
        if (st != RS_OK)
            return st;
        double counts[K];
        size_t in = 0;
        for (size_t i = 0; i < got; i++) {
            in += (d->items[top[i].item].genre_mask & bit) != 0;
            counts[i] = s->count[top[i].item];
        }
        double share = (double)in / K, med = median(counts, got);
        share_sum += share;
        med_sum += med;
        printf(" %.2f/%.0f |", share, med);
    }
    printf(" **%.2f/%.0f** |\n", share_sum / N_PROBES, med_sum / N_PROBES);
    return RS_OK;
}

static int reaches_fan(rs_engine *e, const char *name, const rs_dataset *d, const split *s,
                       int32_t cold, rs_error *err)
{
    rs_scored nb[40], top[K];
    size_t n = 0, got = 0;
    if (rs_engine_similar(e, name, cold, 40, nb, &n, err) != RS_OK)
        return -1;
    rs_rating r[8];
    size_t nr = 0;
    for (size_t i = 0; i < n && nr < 5; i++)
        if (s->count[nb[i].item] > 0)
            r[nr++] = (rs_rating){nb[i].item, 5.0f, 0};
    for (int32_t j = 0; nr < 8; j += 997) /* spread, unrelated dislikes */
        if (j != cold)
            r[nr++] = (rs_rating){j % d->n_items, 1.5f, 0};
    rs_query q = RS_QUERY(RS_USER_NONE, r, nr, NULL, 0);
    if (rs_engine_recommend(e, name, &q, K, top, NULL, &got, err) != RS_OK)
        return -1;
    for (size_t i = 0; i < got; i++)
        if (top[i].item == cold)
            return 1;
    return 0;
}

static rs_status cold_reach(rs_engine *e, const char *name, const rs_dataset *d, const split *s,
                            rs_error *err)
{
    int cold = 0, reached = 0;
    const rs_plugin_entry *pe = rs_engine_instance_entry(e, name);
    if (!pe || !(pe->capabilities & RS_CAP_SIMILAR))
        return RS_OK;
    for (int32_t i = 0; i < d->n_items; i++) {
        if (s->count[i] != 0)
            continue;
        int r = reaches_fan(e, name, d, s, i, err);
        if (r < 0)
            return err->code;
        cold++;
        reached += r;
    }
    printf("| %s | %d | %d | %.3f |\n", name, cold, reached, cold ? (double)reached / cold : 0.0);
    return RS_OK;
}

int main(int argc, char **argv)
{
    rs_error err = {0};
    rs_config *cfg = NULL;
    rs_movielens *ml = NULL;
    rs_engine *e = NULL;
    split s = {0};
    int rc = 1;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONFIG [instance ...]\n", argv[0]);
        return 2;
    }
    const char *seed_s = getenv("RS_NU_SEED"), *share_s = getenv("RS_NU_HOLDOUT");
    uint64_t seed = seed_s ? strtoull(seed_s, NULL, 10) : 42;
    double share = share_s ? strtod(share_s, NULL) : 0.2;
    if (rs_config_load(argv[1], &cfg, &err) != RS_OK)
        goto fail;
    rs_load_options lo = {cfg->text_file, cfg->cf_min_item_ratings, cfg->cf_min_user_ratings};
    if (rs_movielens_load(cfg->data_dir, &lo, &ml, &err) != RS_OK)
        goto fail;
    const rs_dataset *d = rs_movielens_view(ml);
    if (make_split(d, cfg, seed, share, &s, &err) != RS_OK ||
        rs_engine_new(cfg, d, &e, &err) != RS_OK)
        goto fail;
    int n_names = argc > 2 ? argc - 2 : (int)rs_engine_instance_count(e);
    const char **names = malloc((size_t)n_names * sizeof *names);
    if (!names)
        goto fail;
    for (int i = 0; i < n_names; i++)
        names[i] = argc > 2 ? argv[i + 2] : rs_engine_instance_name(e, (size_t)i);
    for (int i = 0; i < n_names; i++) {
        double t0 = bu_now();
        if (rs_engine_fit(e, names[i], rs_ratings_set_view(s.train), &err) != RS_OK) {
            free(names);
            goto fail;
        }
        fprintf(stderr, "fit %s: %.1f s\n", names[i], bu_now() - t0);
    }
    printf("seed %llu, held-out share %.2f; Recall/NDCG@%d on held-out "
           "ratings >= %.1f\n\n",
           (unsigned long long)seed, share, K, POSITIVE);
    printf("| source | n | users | Recall@20 | NDCG@20 | cold recall (hits/"
           "cold positives) | median count of top 20 | returned | ms/user |\n"
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (int i = 0; i < n_names; i++)
        if (new_users(e, names[i], d, &s, &err) != RS_OK) {
            free(names);
            goto fail;
        }
    printf("\nTaste probes (10 most-rated films of the genre, 5 stars): "
           "genre share of top 20 / median training count\n\n| source |");
    for (size_t g = 0; g < N_PROBES; g++)
        printf(" %s |", PROBE_GENRES[g]);
    printf(" mean |\n|---|");
    for (size_t g = 0; g <= N_PROBES; g++)
        printf("---|");
    printf("\n");
    for (int i = 0; i < n_names; i++)
        if (probes(e, names[i], d, &s, &err) != RS_OK) {
            free(names);
            goto fail;
        }
    printf("\nCold reach (movies without a training rating, in the top 20 "
           "of a fan of their 5 nearest rated movies)\n\n| source | cold "
           "movies | reached | share |\n|---|---|---|---|\n");
    for (int i = 0; i < n_names; i++)
        if (cold_reach(e, names[i], d, &s, &err) != RS_OK) {
            free(names);
            goto fail;
        }
    free(names);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "bench_semantic_newuser: %s\n", err.message);
done:
    rs_engine_free(e);
    rs_ratings_set_free(s.train);
    free(s.held);
    free(s.count);
    rs_movielens_free(ml);
    rs_config_free(cfg);
    return rc;
}
