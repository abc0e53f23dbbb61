/*
 * The LightGCN plugin entry: reads params through the host, builds the
 * positive graph from a dataset's CF subset, trains, and serves the model.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgcn_artifact.h"
#include "lgcn_checkpoint.h"
#include "lgcn_model.h"
#include "lgcn_train.h"
#include "recsys/params.h"
#include "recsys/plugin.h"

typedef struct lgcn_instance {
    const rs_host *host;
    lgcn_hparams hp;
    float threshold;
    double val_fraction;
    int checkpoint_every; /* epochs between checkpoints; 0 = none */
    lgcn_metric metric;
    lgcn_model *model; /* NULL until fit/load succeeds */
} lgcn_instance;

/* ---- Params --------------------------------------------------------------- */

/* The params as plugin.yaml declares them, read from one table; the host
 * validated every range against plugin.yaml, so only the enums are mapped
 * (and an unknown one refused, for hosts that do not validate). */
typedef struct lgcn_params {
    int dim, layers, epochs, batch, steps, patience, every, ckpt;
    int64_t seed;
    double lr, decay, std, thr, vf;
    const char *metric, *sampling;
} lgcn_params;

static const rs_param_field lgcn_param_table[] = {
    RS_PARAM_FIELD_INT(lgcn_params, dim, "dim", 64),
    RS_PARAM_FIELD_INT(lgcn_params, layers, "layers", 3),
    RS_PARAM_FIELD_INT(lgcn_params, epochs, "epochs", 300),
    RS_PARAM_FIELD_INT(lgcn_params, batch, "batch_size", 2048),
    RS_PARAM_FIELD_INT(lgcn_params, steps, "steps_per_epoch", 0),
    RS_PARAM_FIELD_INT64(lgcn_params, seed, "seed", 2020),
    RS_PARAM_FIELD_INT(lgcn_params, patience, "early_stop_patience", 0),
    RS_PARAM_FIELD_INT(lgcn_params, every, "eval_every", 10),
    RS_PARAM_FIELD_INT(lgcn_params, ckpt, "checkpoint_every", 0),
    RS_PARAM_FIELD_DOUBLE(lgcn_params, lr, "lr", 0.001),
    RS_PARAM_FIELD_DOUBLE(lgcn_params, decay, "decay", 0.0001),
    RS_PARAM_FIELD_DOUBLE(lgcn_params, std, "init_std", 0.1),
    RS_PARAM_FIELD_DOUBLE(lgcn_params, thr, "positive_threshold", 4.0),
    RS_PARAM_FIELD_DOUBLE(lgcn_params, vf, "val_fraction", 0.1),
    RS_PARAM_FIELD_STRING(lgcn_params, metric, "similar_metric", "cosine"),
    RS_PARAM_FIELD_STRING(lgcn_params, sampling, "sampling", "per_positive"),
};

static rs_status read_params(lgcn_instance *in, rs_error *err)
{
    lgcn_params p;
    rs_status st = rs_params_read(in->host, lgcn_param_table, RS_PARAMS_COUNT(lgcn_param_table), &p,
                                  err);
    if (st != RS_OK)
        return st;
    if (strcmp(p.metric, "cosine") == 0)
        in->metric = LGCN_COSINE;
    else if (strcmp(p.metric, "dot") == 0)
        in->metric = LGCN_DOT;
    else
        return rs_error_set(err, RS_ERR_CONFIG,
                            "lightgcn: param 'similar_metric' = '%s', expected "
                            "cosine or dot",
                            p.metric);
    int scheme;
    if (strcmp(p.sampling, "per_positive") == 0)
        scheme = LGCN_SAMPLE_PER_POSITIVE;
    else if (strcmp(p.sampling, "user_uniform") == 0)
        scheme = LGCN_SAMPLE_USER_UNIFORM;
    else
        return rs_error_set(err, RS_ERR_CONFIG,
                            "lightgcn: param 'sampling' = '%s', expected "
                            "per_positive or user_uniform",
                            p.sampling);
    in->hp = (lgcn_hparams){.dim = p.dim,
                            .layers = p.layers,
                            .epochs = p.epochs,
                            .batch = p.batch,
                            .steps_per_epoch = p.steps,
                            .lr = p.lr,
                            .decay = p.decay,
                            .init_std = p.std,
                            .seed = (uint64_t)p.seed,
                            .threads = 1,
                            .patience = p.patience,
                            .eval_every = p.every,
                            .sampling = scheme};
    in->checkpoint_every = p.ckpt;
    in->threshold = (float)p.thr;
    in->val_fraction = p.vf;
    return RS_OK;
}

static rs_status lgcn_create(const rs_host *host, void **instance, rs_error *err)
{
    *instance = NULL;
    if (!host || host->struct_size < RS_HOST_V1_0_SIZE)
        return rs_error_set(err, RS_ERR_ABI, "lightgcn: host table missing or too small");
    lgcn_instance *in = calloc(1, sizeof *in);
    if (!in)
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    in->host = host;
    rs_status st = read_params(in, err);
    if (st != RS_OK) {
        free(in);
        return st;
    }
    *instance = in;
    return RS_OK;
}

static void lgcn_destroy(void *instance)
{
    lgcn_instance *in = instance;
    if (!in)
        return;
    lgcn_model_free(in->model);
    free(in);
}

/* ---- Fit ------------------------------------------------------------------- */

/* Model indexing of a dataset's CF subset: items in catalogue order, users
 * with at least one positive CF rating in dense order. */
typedef struct fit_index {
    int32_t *items; /* model item -> catalogue */
    int32_t *cat;   /* catalogue -> model item or -1 */
    int32_t *users; /* model user -> dense user */
    int32_t n_items, n_users;
} fit_index;

static void fit_index_free(fit_index *x)
{
    free(x->items);
    free(x->cat);
    free(x->users);
}

static int positive(float rating, float threshold)
{
    return threshold <= 0.0f || rating >= threshold;
}

static rs_status build_positives(const rs_dataset *d, float thr, fit_index *x, lgcn_pos *pos,
                                 rs_error *err)
{
    memset(x, 0, sizeof *x);
    memset(pos, 0, sizeof *pos);
    x->items = malloc(((size_t)d->n_items + 1) * sizeof *x->items);
    x->cat = malloc(((size_t)d->n_items + 1) * sizeof *x->cat);
    x->users = malloc(((size_t)d->n_users + 1) * sizeof *x->users);
    pos->ptr = calloc((size_t)d->n_users + 1, sizeof *pos->ptr);
    pos->item = malloc((d->n_ratings + 1) * sizeof *pos->item);
    if (!x->items || !x->cat || !x->users || !pos->ptr || !pos->item) {
        fit_index_free(x);
        lgcn_pos_free(pos);
        return rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    }
    for (int32_t i = 0; i < d->n_items; i++) {
        x->cat[i] = -1;
        if (d->cf_item[i]) {
            x->cat[i] = x->n_items;
            x->items[x->n_items++] = i;
        }
    }
    size_t ne = 0;
    for (int32_t u = 0; u < d->n_users; u++) {
        if (!d->cf_user[u])
            continue;
        size_t start = ne;
        /* Rows are sorted by catalogue index, and model items keep that
         * order, so each positive row comes out sorted. */
        for (size_t p = d->user_ptr[u]; p < d->user_ptr[u + 1]; p++) {
            int32_t mi = x->cat[d->user_item[p]];
            if (mi >= 0 && positive(d->user_rating[p], thr) &&
                (ne == start || pos->item[ne - 1] != mi))
                pos->item[ne++] = mi;
        }
        if (ne > start) {
            x->users[x->n_users++] = u;
            pos->ptr[x->n_users] = ne;
        }
    }
    pos->n_users = x->n_users;
    pos->n_items = x->n_items;
    return RS_OK;
}

/* Renumber model items by descending degree (cache locality of the SpMM
 * gathers); the model's item order is private, ids map through x. */
static rs_status order_items(fit_index *x, lgcn_pos *pos, rs_error *err)
{
    size_t ni = (size_t)x->n_items;
    int32_t *old_of_new = malloc((ni + 1) * sizeof *old_of_new);
    int32_t *items = malloc((ni + 1) * sizeof *items);
    rs_status st = RS_OK;
    if (!old_of_new || !items)
        st = rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
    else if ((st = lgcn_pos_order_by_degree(pos, old_of_new, err)) == RS_OK) {
        for (size_t n = 0; n < ni; n++) {
            items[n] = x->items[old_of_new[n]];
            x->cat[items[n]] = (int32_t)n;
        }
        free(x->items);
        x->items = items;
        items = NULL;
    }
    free(old_of_new);
    free(items);
    return st;
}

typedef struct progress_ctx {
    const rs_host *host;
    double total_secs;
} progress_ctx;

/* The host renders done/total as a bar or lines and adds elapsed/ETA. */
static void on_epoch(void *ctx, const lgcn_epoch_info *e)
{
    progress_ctx *p = ctx;
    char detail[160];
    p->total_secs += e->seconds;
    int n = snprintf(detail, sizeof detail, "loss %.4f, %.3f s/epoch", e->loss, e->seconds);
    if (!isnan(e->val_recall) && n > 0 && (size_t)n < sizeof detail)
        snprintf(detail + n, sizeof detail - (size_t)n, ", val Recall@20 %.4f (best epoch %d)",
                 e->val_recall, e->best_epoch);
    if (p->host->progress)
        p->host->progress(p->host, "lightgcn epoch", e->epoch, e->epochs, detail);
}

/* Copy the trained embeddings into a serving model. */
static rs_status make_model(const lgcn_instance *in, const rs_dataset *data, const fit_index *x,
                            const lgcn_graph *g, const float *ego, lgcn_model **out, rs_error *err)
{
    const lgcn_hparams *hp = &in->hp;
    int d = hp->dim, K = hp->layers, L = K > 0 ? K : 1;
    size_t nd = (size_t)g->n_nodes * (size_t)d;
    size_t nu = (size_t)g->n_users, ni = (size_t)g->n_items;
    lgcn_model *m = NULL;
    rs_status st;
    float *layers = malloc(((size_t)(L + 1) * nd + 1) * sizeof *layers);
    float *final = malloc((nd + 1) * sizeof *final);
    if (!layers || !final) {
        st = rs_error_set(err, RS_ERR_NOMEM, "lightgcn: no memory");
        goto out;
    }
    if ((st = lgcn_propagate(g, ego, d, K, layers, final, hp->threads, err)) != RS_OK)
        goto out;
    if (K == 0) /* fold-in still needs the first hop */
        lgcn_spmm(g, ego, NULL, layers + nd, d, hp->threads);
    if ((st = lgcn_model_alloc(d, K, g->n_users, g->n_items, &m, err)))
        goto out;
    m->threshold = in->threshold;
    m->n_edges = g->n_edges;
    for (size_t u = 0; u < nu; u++)
        m->user_ext[u] = data->user_ids[x->users[u]];
    for (size_t i = 0; i < ni; i++) {
        m->item_movie[i] = rs_dataset_item(data, x->items[i])->movie_id;
        m->item_deg[i] = g->deg[nu + i];
    }
    memcpy(m->user_final, final, nu * d * sizeof(float));
    memcpy(m->item_final, final + nu * d, ni * d * sizeof(float));
    for (int k = 0; k < L; k++)
        memcpy(m->item_layers + (size_t)k * ni * d, layers + (size_t)k * nd + nu * d,
               ni * d * sizeof(float));
    if ((st = lgcn_model_fit_foldin(m, layers, layers + nd, err)) ||
        (st = lgcn_model_index(m, data, err)))
        goto out;
    *out = m;
    m = NULL;
out:
    lgcn_model_free(m);
    free(layers);
    free(final);
    return st;
}

/* ---- Checkpoints ------------------------------------------------------------ */

/* Everything that shapes the training trajectory (not epochs, an upper
 * bound, nor threads: training is thread-count independent), plus CRCs of
 * the graph and of the ids it maps to: a checkpoint resumes only the run it
 * came from. */
static void run_identity(const lgcn_instance *in, const lgcn_trainer *t, const lgcn_graph *g,
                         const rs_dataset *data, const fit_index *x, lgcn_ckpt_id *id)
{
    const lgcn_hparams *hp = lgcn_trainer_hparams(t);
    uint32_t gcrc = lgcn_crc32(0, g->ptr, ((size_t)g->n_users + 1) * sizeof *g->ptr);
    gcrc = lgcn_crc32(gcrc, g->col, g->ptr[g->n_users] * sizeof *g->col);
    uint32_t icrc = 0;
    for (int32_t u = 0; u < x->n_users; u++)
        icrc = lgcn_crc32(icrc, &data->user_ids[x->users[u]], 8);
    for (int32_t i = 0; i < x->n_items; i++)
        icrc = lgcn_crc32(icrc, &rs_dataset_item(data, x->items[i])->movie_id, 8);
    memset(id, 0, sizeof *id);
    lgcn_ckpt_id_add(id, "dim", "%d", hp->dim);
    lgcn_ckpt_id_add(id, "layers", "%d", hp->layers);
    lgcn_ckpt_id_add(id, "batch", "%d", hp->batch);
    lgcn_ckpt_id_add(id, "lr", "%.17g", hp->lr);
    lgcn_ckpt_id_add(id, "decay", "%.17g", hp->decay);
    lgcn_ckpt_id_add(id, "init_std", "%.17g", hp->init_std);
    lgcn_ckpt_id_add(id, "seed", "%llu", (unsigned long long)hp->seed);
    lgcn_ckpt_id_add(id, "sampling", "%s",
                     hp->sampling == LGCN_SAMPLE_USER_UNIFORM ? "user_uniform" : "per_positive");
    lgcn_ckpt_id_add(id, "positive_threshold", "%.9g", (double)in->threshold);
    lgcn_ckpt_id_add(id, "early_stop_patience", "%d", hp->patience);
    lgcn_ckpt_id_add(id, "val_fraction", "%.17g", in->val_fraction);
    lgcn_ckpt_id_add(id, "eval_every", "%d", hp->eval_every);
    lgcn_ckpt_id_add(id, "graph", "%d users, %d items, %zu positives, crc %08x", g->n_users,
                     g->n_items, g->n_edges, gcrc);
    lgcn_ckpt_id_add(id, "ids", "crc %08x", icrc);
}

typedef struct ckpt_ctx {
    const rs_host *host;
    const char *dir;
    const lgcn_ckpt_id *id;
} ckpt_ctx;

static rs_status on_checkpoint(void *ctx, const lgcn_trainer *t, rs_error *err)
{
    ckpt_ctx *c = ctx;
    rs_status st = lgcn_checkpoint_save(c->dir, c->id, t, err);
    if (st == RS_OK && c->host->log) {
        lgcn_run_state rs;
        lgcn_trainer_get_state(t, &rs);
        c->host->log(c->host, RS_LOG_DEBUG, "lightgcn: checkpoint at epoch %d in %s", rs.epoch,
                     c->dir);
    }
    return st;
}

/* With --resume, continue from the checkpoint when there is one (none yet
 * is not an error: the run was stopped before its first checkpoint). */
static rs_status maybe_resume(const rs_host *h, const char *dir, const lgcn_ckpt_id *id,
                              lgcn_trainer *t, rs_error *err)
{
    if (!dir || !h->resume || !h->resume(h))
        return RS_OK;
    rs_status st = lgcn_checkpoint_load(dir, id, t, err);
    if (st == RS_ERR_NOT_FOUND) {
        if (h->log)
            h->log(h, RS_LOG_INFO, "lightgcn: no checkpoint in %s, training from epoch 1", dir);
        return RS_OK;
    }
    if (st == RS_OK && h->log) {
        lgcn_run_state rs;
        lgcn_trainer_get_state(t, &rs);
        h->log(h, RS_LOG_INFO, "lightgcn: resuming after epoch %d from %s/%s", rs.epoch, dir,
               LGCN_CHECKPOINT_FILE);
    }
    return st;
}

static rs_status lgcn_fit(void *instance, const rs_dataset *data, rs_error *err)
{
    lgcn_instance *in = instance;
    const rs_host *h = in->host;
    fit_index x;
    lgcn_pos all, train = {0}, val = {0};
    lgcn_graph g = {0};
    lgcn_trainer *t = NULL;
    lgcn_model *m = NULL;
    lgcn_train_report rep;
    rs_status st;
    if (!data || data->struct_size < sizeof(rs_dataset))
        return rs_error_set(err, RS_ERR_INVALID, "lightgcn: dataset missing or too old");
    in->hp.threads = h->threads ? h->threads(h) : 1;
    if ((st = build_positives(data, in->threshold, &x, &all, err)) != RS_OK)
        return st;
    if ((st = order_items(&x, &all, err)) != RS_OK)
        goto out;
    int early = in->hp.patience > 0 && in->val_fraction > 0.0;
    const lgcn_pos *graph_pos = &all;
    if (early) {
        if ((st = lgcn_split_validation(&all, in->val_fraction, in->hp.seed, &train, &val, err)) !=
            RS_OK)
            goto out;
        graph_pos = &train;
    }
    if ((st = lgcn_graph_build(&g, graph_pos, err)) != RS_OK ||
        (st = lgcn_trainer_new(&g, &in->hp, &t, err)) != RS_OK)
        goto out;
    const char *ckdir = RS_HAS_FIELD(h, rs_host, checkpoint_dir) && h->checkpoint_dir
                            ? h->checkpoint_dir(h)
                            : NULL;
    lgcn_ckpt_id id;
    run_identity(in, t, &g, data, &x, &id);
    if ((st = maybe_resume(h, ckdir, &id, t, err)) != RS_OK)
        goto out;
    ckpt_ctx cc = {h, ckdir, &id};
    if (ckdir && in->checkpoint_every > 0)
        lgcn_trainer_on_checkpoint(t, in->checkpoint_every, on_checkpoint, &cc);
    progress_ctx pc = {h, 0.0};
    if ((st = lgcn_trainer_run(t, early ? &val : NULL, on_epoch, &pc, &rep, err)) != RS_OK)
        goto out;
    if ((st = make_model(in, data, &x, &g, lgcn_trainer_ego(t), &m, err)))
        goto out;
    if (h->log)
        h->log(h, RS_LOG_INFO,
               "lightgcn: trained %d users x %d items, %zu positives, %d "
               "epochs (kept %d), %.3f s/epoch (%.3f s sampling total), "
               "%d threads, final loss %.4f",
               g.n_users, g.n_items, g.n_edges, rep.epochs_run, rep.best_epoch,
               rep.mean_epoch_seconds, rep.sample_seconds, in->hp.threads, rep.final_loss);
    lgcn_model_free(in->model);
    in->model = m;
out:
    lgcn_trainer_free(t);
    lgcn_graph_free(&g);
    lgcn_pos_free(&all);
    lgcn_pos_free(&train);
    lgcn_pos_free(&val);
    fit_index_free(&x);
    return st;
}

/* ---- Persist and serve ------------------------------------------------------ */

static rs_status lgcn_save(void *instance, const char *dir, rs_error *err)
{
    lgcn_instance *in = instance;
    if (!in->model)
        return rs_error_set(err, RS_ERR_STATE, "lightgcn: nothing to save (not fitted)");
    return lgcn_artifact_save(in->model, dir, err);
}

static rs_status lgcn_load(void *instance, const char *dir, const rs_dataset *data, rs_error *err)
{
    lgcn_instance *in = instance;
    lgcn_model *m = NULL;
    rs_status st = lgcn_artifact_load(dir, data, &m, err);
    if (st != RS_OK)
        return st;
    if (m->dim != in->hp.dim || m->layers != in->hp.layers) {
        st = rs_error_set(err, RS_ERR_CONFIG,
                          "lightgcn: %s/%s has dim %d, layers %d but the "
                          "instance is configured for dim %d, layers %d",
                          dir, LGCN_ARTIFACT_FILE, m->dim, m->layers, in->hp.dim, in->hp.layers);
        lgcn_model_free(m);
        return st;
    }
    lgcn_model_free(in->model);
    in->model = m;
    return RS_OK;
}

static rs_status lgcn_recommend(void *instance, const rs_query *q, size_t k, rs_scored *out,
                                rs_explanation *explain, size_t *n_out, rs_error *err)
{
    lgcn_instance *in = instance;
    const char *name = in->host->instance_name ? in->host->instance_name(in->host) : NULL;
    return lgcn_model_recommend(in->model, q, k, out, explain, name, n_out, err);
}

static rs_status lgcn_score(void *instance, const rs_query *q, const int32_t *items, size_t n,
                            float *scores, rs_error *err)
{
    lgcn_instance *in = instance;
    return lgcn_model_score(in->model, q, items, n, scores, err);
}

static rs_status lgcn_similar(void *instance, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                              rs_error *err)
{
    lgcn_instance *in = instance;
    return lgcn_model_similar(in->model, in->metric, item, k, out, n_out, err);
}

static const rs_plugin_entry lgcn_entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "lightgcn",
    .version = "1.0.0",
    .description = "LightGCN graph collaborative filtering (He et al. 2020)",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_SIMILAR |
                    RS_CAP_EXPLAIN | RS_CAP_FOLD_IN,
    .create = lgcn_create,
    .destroy = lgcn_destroy,
    .fit = lgcn_fit,
    .save = lgcn_save,
    .load = lgcn_load,
    .recommend = lgcn_recommend,
    .score = lgcn_score,
    .similar = lgcn_similar,
};

RS_PLUGIN_DEFINE(lgcn_entry)
