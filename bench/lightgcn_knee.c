/*
 * Recall@20 against epochs on ml-latest-small, to choose the default epoch
 * count: a fixed-seed 80/20 per-user split of positives (>= 4), the paper's
 * settings, and Recall@20 on the held-out 20% every N epochs (training
 * positives excluded from the ranking).
 *
 * usage: lightgcn_knee [epochs] [every] [threads]   (defaults 600, 20, 2)
 */
#include <stdio.h>
#include <stdlib.h>

#include "lgcn_graph.h"
#include "lgcn_test_support.h"
#include "lgcn_train.h"
#include "recsys/dataset.h"

static void on_epoch(void *ctx, const lgcn_epoch_info *e)
{
    double *elapsed = ctx;
    *elapsed += e->seconds;
    if (e->val_recall == e->val_recall) /* evaluated this epoch */
        printf("epoch %4d  loss %.4f  recall@20 %.4f  %.3f s/epoch  %.1f s "
               "total\n",
               e->epoch, e->loss, e->val_recall, e->seconds, *elapsed);
}

int main(int argc, char **argv)
{
    int epochs = argc > 1 ? atoi(argv[1]) : 600;
    int every = argc > 2 ? atoi(argv[2]) : 20;
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *dir = td_ml_small_dir();
    rs_movielens *ml = NULL;
    rs_load_options opt = {NULL, 1, 1};
    if (!dir || rs_movielens_load(dir, &opt, &ml, NULL) != RS_OK) {
        printf("ml-latest-small not found (set RECSYS_SHARED_DATA)\n");
        return 0;
    }
    const rs_dataset *v = rs_movielens_view(ml);
    /* The same split rule as tests/lightgcn (seed 20200101, 20%). */
    lgcn_rng rng;
    lgcn_rng_seed(&rng, 20200101);
    lgcn_pos tr = {v->n_users, v->n_items, calloc((size_t)v->n_users + 1, sizeof(size_t)),
                   malloc(v->n_ratings * sizeof(int32_t))};
    lgcn_pos te = {v->n_users, v->n_items, calloc((size_t)v->n_users + 1, sizeof(size_t)),
                   malloc(v->n_ratings * sizeof(int32_t))};
    size_t a = 0, b = 0;
    for (int32_t u = 0; u < v->n_users; u++) {
        for (size_t k = v->user_ptr[u]; k < v->user_ptr[u + 1]; k++) {
            if (v->user_rating[k] < 4.0f)
                continue;
            if (lgcn_rng_below(&rng, 100) < 20)
                te.item[b++] = v->user_item[k];
            else
                tr.item[a++] = v->user_item[k];
        }
        tr.ptr[u + 1] = a;
        te.ptr[u + 1] = b;
    }
    lgcn_graph g;
    lgcn_trainer *t;
    lgcn_train_report rep;
    rs_error err = {0};
    lgcn_hparams hp = {.dim = 64,
                       .layers = 3,
                       .epochs = epochs,
                       .batch = 2048,
                       .lr = 1e-3,
                       .decay = 1e-4,
                       .init_std = 0.1,
                       .seed = 2020,
                       .threads = threads,
                       .patience = 1 << 30,
                       .eval_every = every};
    /* Degree order, as fit uses; the held-out items follow the relabel. */
    int32_t *old_of_new = malloc((size_t)v->n_items * sizeof *old_of_new);
    int32_t *new_of_old = malloc((size_t)v->n_items * sizeof *new_of_old);
    lgcn_pos_order_by_degree(&tr, old_of_new, NULL);
    for (int32_t i = 0; i < v->n_items; i++)
        new_of_old[old_of_new[i]] = i;
    for (size_t k = 0; k < b; k++)
        te.item[k] = new_of_old[te.item[k]];
    for (int32_t u = 0; u < v->n_users; u++) /* rows must stay sorted */
        for (size_t x = te.ptr[u] + 1; x < te.ptr[u + 1]; x++)
            for (size_t y = x; y > te.ptr[u] && te.item[y - 1] > te.item[y]; y--) {
                int32_t tmp = te.item[y];
                te.item[y] = te.item[y - 1];
                te.item[y - 1] = tmp;
            }
    free(old_of_new);
    free(new_of_old);
    if (lgcn_graph_build(&g, &tr, &err) != RS_OK || lgcn_trainer_new(&g, &hp, &t, &err) != RS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double elapsed = 0.0;
    printf("ml-latest-small: %zu train positives, %zu held out, threads %d\n", g.n_edges,
           te.ptr[v->n_users], threads);
    if (lgcn_trainer_run(t, &te, on_epoch, &elapsed, &rep, &err) != RS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("best epoch %d recall@20 %.4f\n", rep.best_epoch, rep.best_val_recall);
    lgcn_trainer_free(t);
    lgcn_graph_free(&g);
    lgcn_pos_free(&tr);
    lgcn_pos_free(&te);
    rs_movielens_free(ml);
    return 0;
}
