/*
 * The sweep: host config -> data -> split (once) -> for every level: thin,
 * create an engine over the thinned data, fit every instance in dependency
 * order, score every user with every instance, aggregate. Progress per
 * (level, instance) step with an ETA goes to stderr.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/eval.h"
#include "recsys/log.h"
#include "sweep_internal.h"

#ifndef RS_EVAL_RECSYS_VERSION
#define RS_EVAL_RECSYS_VERSION "unknown"
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct progress {
    int quiet;
    double t0;
    size_t done, total;
    size_t level;        /* the level being run */
    double level_t0;     /* when it started */
    double ref_seconds;  /* wall time of the last finished level, 0 = none */
    double ref_fraction; /* its share of the training data */
} progress;

/*
 * ETA: once a level has finished, every later level is estimated as that
 * level's time scaled by the share of data kept (fit cost grows with the
 * ratings; the slow plugins dominate and the steps are very unequal, so
 * counting steps would mislead). During the first level, steps are all
 * there is to go by.
 */
static double eta_seconds(const progress *pg, const rs_eval_config *c)
{
    double now = now_s();
    if (pg->ref_seconds <= 0)
        return (now - pg->t0) / (double)pg->done * (double)(pg->total - pg->done);
    double per_unit = pg->ref_seconds / pg->ref_fraction;
    double here = per_unit * c->levels[pg->level] - (now - pg->level_t0);
    double eta = here > 0 ? here : 0;
    for (size_t l = pg->level + 1; l < c->n_levels; l++)
        eta += per_unit * c->levels[l];
    return eta;
}

static void level_begin(progress *pg, size_t l)
{
    pg->level = l;
    pg->level_t0 = now_s();
}

static void level_end(progress *pg, const rs_eval_config *c)
{
    pg->ref_seconds = now_s() - pg->level_t0;
    pg->ref_fraction = c->levels[pg->level];
}

static void step(progress *pg, size_t level, const rs_eval_config *c, const char *instance,
                 const char *what, double seconds)
{
    pg->done++;
    if (pg->quiet)
        return;
    double el = now_s() - pg->t0;
    rs_log(RS_LOG_INFO, "eval",
           "level %zu/%zu (keep %g) %-12s %s %.2f s | step %zu/%zu, elapsed %.0f s, ETA %.0f s",
           level + 1, c->n_levels, c->levels[level], instance, what, seconds, pg->done, pg->total,
           el, eta_seconds(pg, c));
}

/* The new-user phase: one fit, then cheap queries; no ETA to speak of. */
static void nu_step(const progress *pg, const char *where, const char *instance, const char *what,
                    double seconds)
{
    if (!pg->quiet)
        rs_log(RS_LOG_INFO, "eval", "%s %-12s %s %.2f s | elapsed %.0f s", where, instance, what,
               seconds, now_s() - pg->t0);
}

/* Every eval instance must exist in the host config; the engine is built
 * over only those (a shallow copy of the host config's instance list), so
 * unrelated instances are never loaded or fitted. */
static rs_status select_instances(const rs_eval_config *c, const rs_config *hc, rs_config *fc,
                                  rs_yaml_node **merged, rs_error *err)
{
    const rs_yaml_node *list = c->root ? rs_yaml_get(c->root, "instances") : NULL;
    for (size_t i = 0; i < c->n_instances; i++)
        if (!rs_config_instance(hc, c->instances[i])) {
            char where[256] = "";
            if (list && list->kind == RS_YAML_SEQ && i < list->n)
                rs_yaml_where(list->items[i], where, sizeof where);
            return rs_error_set(err, RS_ERR_CONFIG,
                                "%sinstance '%s' is not defined in the host config %s", where,
                                c->instances[i], hc->path);
        }
    *fc = *hc;
    fc->instances = calloc(c->n_instances, sizeof *fc->instances);
    if (!fc->instances)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    fc->n_instances = 0;
    for (size_t i = 0; i < hc->n_instances; i++)
        if (rs_eval_config_instance_index(c, hc->instances[i].name) >= 0)
            fc->instances[fc->n_instances++] = hc->instances[i];
    /* merged[i] replaces the params of fc->instances[i] for this sweep */
    for (size_t i = 0; c->params && i < fc->n_instances; i++) {
        const rs_yaml_node *over = rs_yaml_get(c->params, fc->instances[i].name);
        if (!over)
            continue;
        rs_status st = rs_eval_merge_params(fc->instances[i].params, over, &merged[i], err);
        if (st != RS_OK)
            return st;
        fc->instances[i].params = merged[i];
    }
    return RS_OK;
}

static char *dup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A plugin failing at one level must not throw away the rest of a long
 * sweep: the cell keeps the message, its numbers stay undefined, and the
 * CLI exits non-zero after writing the reports. */
static void cell_fail(rs_eval_report *r, rs_eval_level *lv, size_t i, const char *what,
                      const rs_error *e)
{
    rs_eval_cell *cell = &lv->cells[i];
    char msg[RS_ERROR_MESSAGE_MAX + 64], label[32];
    snprintf(msg, sizeof msg, "%s failed: %s", what, e->message);
    rs_log(RS_LOG_ERROR, "eval", "%s %s, %s: %s", lv->n_given ? "new users, n =" : "level",
           rs_eval_level_label(lv, label, sizeof label), r->cfg->instances[i], msg);
    if (!cell->error) {
        cell->error = dup(msg);
        r->n_failures++;
    }
}

/* Fit every instance of e in dependency order; secs[i] and ok[i] (the
 * error, code RS_OK when it fitted) per eval instance i. `report(name,
 * seconds)` logs each step. */
typedef void (*fit_report)(void *ctx, const char *name, double seconds);

static void fit_all(rs_engine *e, rs_eval_report *r, double *secs, rs_error *errs,
                    fit_report report, void *ctx)
{
    const rs_eval_config *c = r->cfg;
    for (size_t s = 0; s < rs_engine_instance_count(e); s++) {
        const char *name = rs_engine_instance_name(e, s);
        int idx = rs_eval_config_instance_index(c, name);
        rs_error ferr = {RS_OK, ""};
        double t = now_s();
        rs_status st = rs_engine_fit(e, name, NULL, &ferr);
        t = now_s() - t;
        if (idx >= 0) {
            secs[idx] = t;
            errs[idx] = st != RS_OK ? ferr : (rs_error){RS_OK, ""};
            const rs_plugin_entry *en = rs_engine_instance_entry(e, name);
            if (en && !r->version[idx]) {
                r->plugin[idx] = dup(en->name);
                r->version[idx] = dup(en->version);
            }
        }
        report(ctx, name, t);
    }
}

typedef struct level_ctx {
    progress *pg;
    size_t level;
    const rs_eval_config *c;
} level_ctx;

static void level_fit_report(void *ctx, const char *name, double seconds)
{
    level_ctx *x = ctx;
    step(x->pg, x->level, x->c, name, "fit", seconds);
}

static void nu_fit_report(void *ctx, const char *name, double seconds)
{
    nu_step(ctx, "new users: fit", name, "fit", seconds);
}

/* Fit at sweep level l, recording each instance's time and failure. */
static rs_status fit_level(rs_engine *e, rs_eval_report *r, size_t l, progress *pg, rs_error *err)
{
    size_t ni = r->cfg->n_instances ? r->cfg->n_instances : 1;
    double *secs = calloc(ni, sizeof *secs);
    rs_error *errs = calloc(ni, sizeof *errs);
    if (!secs || !errs) {
        free(secs);
        free(errs);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    }
    level_ctx x = {pg, l, r->cfg};
    fit_all(e, r, secs, errs, level_fit_report, &x);
    for (size_t i = 0; i < r->cfg->n_instances; i++) {
        r->levels[l].cells[i].fit_seconds = secs[i];
        if (errs[i].code != RS_OK)
            cell_fail(r, &r->levels[l], i, "fit", &errs[i]);
    }
    free(secs);
    free(errs);
    return RS_OK;
}

/* Every instance's lists for one level's queries, into ranked[], with each
 * instance's recommend time; a failing instance fails its cell only. */
typedef void (*rec_report)(void *ctx, const char *name, const char *what, double seconds);

static void recommend_level(rs_engine *e, rs_eval_report *r, rs_eval_level *lv,
                            const rs_eval_queries *q, rs_eval_ranked *ranked, rec_report report,
                            void *ctx)
{
    const rs_eval_config *c = r->cfg;
    size_t kmax = (size_t)c->k[c->n_k - 1];
    for (size_t i = 0; i < c->n_instances; i++) {
        rs_error rerr = {RS_OK, ""};
        double t = now_s();
        if (lv->cells[i].error) { /* its fit failed */
            report(ctx, c->instances[i], "skipped", 0);
            continue;
        }
        if (rs_eval_recommend_all(e, c->instances[i], q, c->threads, kmax, &ranked[i], &rerr) !=
            RS_OK)
            cell_fail(r, lv, i, "recommend", &rerr);
        t = now_s() - t;
        lv->cells[i].recommend_seconds = t;
        report(ctx, c->instances[i], "recommend", t);
    }
}

static void level_rec_report(void *ctx, const char *name, const char *what, double seconds)
{
    level_ctx *x = ctx;
    step(x->pg, x->level, x->c, name, what, seconds);
}

/* sweep.exclude: both: the same fits asked again with each user's full
 * training set excluded, into r->levels_full[l] (the counts and fit
 * outcomes are the level's own). */
static rs_status score_full(rs_eval_report *r, size_t l, rs_engine *e, const rs_eval_plan *plan,
                            const rs_eval_level_data *d, const rs_eval_targets *t, progress *pg,
                            rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    rs_eval_level *src = &r->levels[l], *dst = &r->levels_full[l];
    rs_eval_queries q = {0};
    rs_eval_ranked *ranked = calloc(c->n_instances ? c->n_instances : 1, sizeof *ranked);
    rs_status st = ranked ? RS_OK : rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    if (st == RS_OK)
        st = rs_eval_level_queries(plan, d, RS_EXCLUDE_FULL, &q, err);
    if (st == RS_OK) {
        dst->train_ratings = src->train_ratings;
        dst->cf_users = src->cf_users;
        dst->cf_items = src->cf_items;
        dst->users_evaluated = src->users_evaluated;
        dst->users_excluded = src->users_excluded;
        dst->cold_users = src->cold_users;
        dst->cold_items = src->cold_items;
        for (size_t b = 0; b < c->n_buckets; b++) {
            dst->bucket_users[b] = src->bucket_users[b];
            dst->bucket_cold_users[b] = src->bucket_cold_users[b];
        }
        for (size_t i = 0; i < c->n_instances; i++) {
            dst->cells[i].fit_seconds = src->cells[i].fit_seconds;
            if (src->cells[i].error && !dst->cells[i].error) /* skipped, counted once */
                dst->cells[i].error = dup(src->cells[i].error);
        }
        level_ctx x = {pg, l, c};
        recommend_level(e, r, dst, &q, ranked, level_rec_report, &x);
        /* streams apart from the given pass's, the same for every instance */
        st = rs_eval_aggregate_level(r, dst, 500009u + l, t, ranked, err);
    }
    rs_eval_queries_free(&q);
    for (size_t i = 0; ranked && i < c->n_instances; i++)
        rs_eval_ranked_free(&ranked[i]);
    free(ranked);
    return st;
}

static rs_status run_level(rs_eval_report *r, size_t l, const rs_config *fc,
                           const rs_eval_plan *plan, progress *pg, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    rs_eval_level_data d;
    rs_eval_queries q = {0};
    rs_engine *e = NULL;
    rs_status st = rs_eval_level_build(plan, c, fc, l, &d, &r->levels[l], err);
    if (st != RS_OK)
        return st;
    rs_eval_ranked *ranked = calloc(c->n_instances, sizeof *ranked);
    if (!ranked) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
        goto free_data;
    }
    if ((st = rs_eval_level_queries(plan, &d, c->sweep_exclude, &q, err)) ||
        (st = rs_engine_new(fc, d.view, &e, err)) || (st = fit_level(e, r, l, pg, err)))
        goto free_ranked;
    level_ctx x = {pg, l, c};
    recommend_level(e, r, &r->levels[l], &q, ranked, level_rec_report, &x);
    rs_eval_targets t = {plan->n_eval, plan->base->n_items, plan->rel_ptr, plan->rel_item,
                         d.cold_ptr,   d.cold_rel,          d.bucket};
    st = rs_eval_aggregate_level(r, &r->levels[l], l, &t, ranked, err);
    if (st == RS_OK && r->levels_full)
        st = score_full(r, l, e, plan, &d, &t, pg, err);
free_ranked:
    rs_engine_free(e);
    rs_eval_queries_free(&q);
    for (size_t i = 0; i < c->n_instances; i++)
        rs_eval_ranked_free(&ranked[i]);
    free(ranked);
free_data:
    rs_eval_level_data_free(&d);
    if (st != RS_OK) {
        char msg[RS_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        rs_error_set(err, st, "level %g: %s", c->levels[l], msg);
    }
    return st;
}

typedef struct nu_ctx {
    const progress *pg;
    const char *where;
} nu_ctx;

static void nu_rec_report(void *ctx, const char *name, const char *what, double seconds)
{
    const nu_ctx *x = ctx;
    nu_step(x->pg, x->where, name, what, seconds);
}

/* Every n of the new-user protocol on the fitted engine. */
static rs_status run_new_user_levels(rs_eval_report *r, rs_engine *e, const rs_dataset *base,
                                     const rs_eval_nu_data *d, progress *pg, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    rs_status st = RS_OK;
    rs_eval_ranked *ranked = calloc(c->n_instances ? c->n_instances : 1, sizeof *ranked);
    if (!ranked)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    for (size_t li = 0; li < c->new_users.n_n && st == RS_OK; li++) {
        rs_eval_level *lv = &r->nu.levels[li];
        rs_eval_nu_level L;
        if ((st = rs_eval_nu_level_build(base, c, d, li, &L, lv, err)))
            break;
        char where[64];
        snprintf(where, sizeof where, "new users: n=%d (%d users)", lv->n_given,
                 (int)lv->users_evaluated);
        nu_ctx ctx = {pg, where};
        recommend_level(e, r, lv, &L.q, ranked, nu_rec_report, &ctx);
        /* Streams apart from the sweep's levels (0 .. n_levels - 1). */
        st = rs_eval_aggregate_level(r, lv, 1000003u + li, &L.t, ranked, err);
        for (size_t i = 0; i < c->n_instances; i++)
            rs_eval_ranked_free(&ranked[i]);
        rs_eval_nu_level_free(&L);
    }
    free(ranked);
    return st;
}

/* The new-user protocol and the taste probes: one engine fitted on the
 * users outside the holdout serves both. */
static rs_status run_new_users(rs_eval_report *r, const rs_config *fc, const rs_dataset *base,
                               int validate, progress *pg, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    double t0 = now_s();
    size_t ni = c->n_instances ? c->n_instances : 1;
    rs_eval_nu_data d;
    rs_engine *e = NULL;
    double *secs = calloc(ni, sizeof *secs);
    rs_error *errs = calloc(ni, sizeof *errs);
    int *failed = calloc(ni, sizeof *failed);
    rs_status st;
    if (!secs || !errs || !failed) {
        st = rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
        goto free_arrays;
    }
    if ((st = rs_eval_nu_build(base, c, fc, validate, &d, &r->nu, err)))
        goto free_arrays;
    if (!pg->quiet)
        rs_log(RS_LOG_INFO, "eval",
               "new users: %d of %d users held out (%s holdout, seed %llu); training on "
               "%zu ratings of %d others",
               (int)r->nu.users_held_out, (int)base->n_users, validate ? "validation" : "test",
               (unsigned long long)c->new_users.seed, d.n_train, (int)r->nu.train_users);
    if ((st = rs_engine_new(fc, d.view, &e, err)))
        goto free_data;
    fit_all(e, r, secs, errs, nu_fit_report, pg);
    for (size_t i = 0; i < c->n_instances; i++) {
        failed[i] = errs[i].code != RS_OK;
        if (r->nu.fit_seconds)
            r->nu.fit_seconds[i] = secs[i];
        for (size_t li = 0; failed[i] && r->nu.levels && li < c->new_users.n_n; li++)
            cell_fail(r, &r->nu.levels[li], i, "fit", &errs[i]);
        if (failed[i] && !r->nu.levels)
            rs_log(RS_LOG_ERROR, "eval", "new users: fit of %s failed: %s", c->instances[i],
                   errs[i].message);
    }
    if (c->new_users.enabled) {
        if ((st = run_new_user_levels(r, e, base, &d, pg, err)))
            goto free_engine;
        r->nu.ran = 1;
    }
    r->nu.seconds = now_s() - t0;
    if (c->probes.enabled) {
        double t = now_s();
        if ((st = rs_eval_probes_run(r, e, d.view, failed, err)))
            goto free_engine;
        r->probes.seconds = now_s() - t;
        if (!c->new_users.enabled) /* the fits were for the probes */
            r->probes.seconds = now_s() - t0;
        nu_step(pg, "taste probes:", "all", "done", r->probes.seconds);
    }
free_engine:
    rs_engine_free(e);
free_data:
    rs_eval_nu_free(&d);
free_arrays:
    free(secs);
    free(errs);
    free(failed);
    return st;
}

/* split.kind files: the host dataset's train ratings plus its test (and
 * validation) pairs as one base dataset, the pairs kept aside to give the
 * roles. Test and validation rows are interactions (rating 5.0: relevant
 * under any positive_threshold); a pair that is also in train stays a
 * training rating (it could never be ranked) and is counted in *dropped. */
typedef struct files_split {
    rs_pair *test, *valid;
    size_t n_test, n_valid, dropped;
    rs_ratings_set *set;
    rs_eval_given given;
} files_split;

static void files_split_free(files_split *f)
{
    free(f->test);
    free(f->valid);
    rs_ratings_set_free(f->set);
    memset(f, 0, sizeof *f);
}

static int in_train(const rs_dataset *d, rs_pair p)
{
    for (size_t j = d->user_ptr[p.user]; j < d->user_ptr[p.user + 1]; j++)
        if (d->user_item[j] == p.item)
            return 1;
    return 0;
}

/* Drop the pairs already in train, in place. */
static size_t drop_trained(const rs_dataset *d, rs_pair *p, size_t *n)
{
    size_t w = 0, n0 = *n;
    for (size_t k = 0; k < n0; k++)
        if (!in_train(d, p[k]))
            p[w++] = p[k];
    *n = w;
    return n0 - w;
}

static rs_status files_split_load(const rs_eval_config *cfg, const rs_config *hc,
                                  const rs_movielens *ml, files_split *f, rs_error *err)
{
    char where[256];
    const rs_dataset *d = rs_movielens_view(ml);
    memset(f, 0, sizeof *f);
    if (hc->dataset_format == RS_DATASET_MOVIELENS || !hc->test_file)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "%ssplit.kind files needs a host dataset section with train and "
                            "test files (%s has none)",
                            rs_eval_config_where(cfg, "split", where, sizeof where), hc->path);
    rs_status st = rs_dataset_read_split(hc, ml, hc->test_file, &f->test, &f->n_test, NULL, err);
    if (st == RS_OK && hc->validation_file)
        st = rs_dataset_read_split(hc, ml, hc->validation_file, &f->valid, &f->n_valid, NULL, err);
    if (st != RS_OK)
        return st;
    f->dropped = drop_trained(d, f->test, &f->n_test) + drop_trained(d, f->valid, &f->n_valid);
    size_t n = d->n_ratings + f->n_test + f->n_valid, w = 0;
    rs_triple *t = malloc((n ? n : 1) * sizeof *t);
    if (!t)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    for (int32_t u = 0; u < d->n_users; u++)
        for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++)
            t[w++] = (rs_triple){u, d->user_item[j], d->user_rating[j], d->user_time[j]};
    for (size_t k = 0; k < f->n_test; k++)
        t[w++] = (rs_triple){f->test[k].user, f->test[k].item, 5.0f, 0};
    for (size_t k = 0; k < f->n_valid; k++)
        t[w++] = (rs_triple){f->valid[k].user, f->valid[k].item, 5.0f, 0};
    st = rs_ratings_set_new(d, t, w, d->user_ids, d->n_users, hc->cf_min_item_ratings,
                            hc->cf_min_user_ratings, &f->set, err);
    free(t);
    f->given = (rs_eval_given){f->test, f->valid, f->n_test, f->n_valid};
    return st;
}

static rs_status run_sweep(rs_eval_report *r, const rs_eval_config *cfg, const rs_config *fc,
                           const rs_dataset *base, const rs_eval_given *given, rs_eval_plan *plan,
                           progress *pg, rs_eval_options o, rs_error *err)
{
    double t0 = now_s();
    rs_status st = rs_eval_plan_build(base, cfg, o.validate, given, plan, err);
    if (st != RS_OK)
        return st;
    r->n_train = plan->n_train;
    r->n_valid = plan->n_valid;
    r->n_test = plan->n_test;
    r->n_test_positive = plan->n_target_positive;
    if (plan->n_eval == 0) {
        char where[256];
        return rs_error_set(
            err, RS_ERR_CONFIG, "%sno user has a rating >= %g in the %s split%s",
            rs_eval_config_where(cfg, "split", where, sizeof where), cfg->positive_threshold,
            o.validate ? "validation" : "test",
            o.validate && cfg->split.validation_fraction == 0 ? " (validation_fraction is 0)" : "");
    }
    if (!o.quiet)
        rs_log(RS_LOG_INFO, "eval",
               "%s split: %zu train, %zu validation, %zu test ratings; scoring %d users "
               "(%d without a positive excluded)",
               rs_split_kind_str(cfg->split.kind), plan->n_train, plan->n_valid, plan->n_test,
               (int)plan->n_eval, (int)(base->n_users - plan->n_eval));
    /* steps: every fit, then every recommend pass (two with exclude: both) */
    pg->total = cfg->n_levels *
                (fc->n_instances +
                 cfg->n_instances * (cfg->sweep_exclude == RS_EXCLUDE_BOTH ? 2 : 1));
    for (size_t l = 0; l < cfg->n_levels && st == RS_OK; l++) {
        level_begin(pg, l);
        st = run_level(r, l, fc, plan, pg, err);
        level_end(pg, cfg);
    }
    r->sweep_seconds = now_s() - t0;
    return st;
}

static void stamp(rs_eval_report *r)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->started_utc, sizeof r->started_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(r->recsys_version, sizeof r->recsys_version, "%s", RS_EVAL_RECSYS_VERSION);
}

rs_status rs_eval_run(const rs_eval_config *cfg, const rs_eval_options *opt, rs_eval_report **out,
                      rs_error *err)
{
    rs_eval_options o = opt ? *opt : (rs_eval_options){0, 0};
    progress pg = {.quiet = o.quiet, .t0 = now_s()};
    rs_config *hc = NULL;
    rs_config fc = {0};
    rs_movielens *ml = NULL;
    rs_eval_report *r = NULL;
    rs_eval_plan plan = {0};
    files_split fs = {0};
    rs_yaml_node **merged = calloc(cfg->n_instances ? cfg->n_instances : 1, sizeof *merged);
    rs_status st;
    if (!merged)
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    char fit_dir[4096 + 32];
    if ((st = rs_config_load(cfg->host_config, &hc, err)) ||
        (st = select_instances(cfg, hc, &fc, merged, err)) ||
        (st = rs_eval_report_new(cfg, &r, err)))
        goto done;
    /* The harness's fits get a work dir of their own: a fit clears its
     * instance's checkpoint dir, which must not be the one of the host's
     * own (resumable) training. */
    snprintf(fit_dir, sizeof fit_dir, "%s/eval-fits", hc->work_dir);
    fc.work_dir = fit_dir;
    stamp(r);
    r->validate = o.validate;
    r->host_config = dup(hc->path);
    r->data_dir = dup(hc->data_dir);
    double t = now_s();
    /* MovieLens or the host's dataset section (LightGCN files, CSV) */
    if ((st = rs_dataset_load_config(hc, &ml, NULL, err)))
        goto done;
    const rs_dataset *base = rs_movielens_view(ml);
    const rs_eval_given *given = NULL;
    if (cfg->split.kind == RS_SPLIT_FILES) {
        if ((st = files_split_load(cfg, hc, ml, &fs, err)))
            goto done;
        base = rs_ratings_set_view(fs.set);
        given = &fs.given;
        if (!o.quiet && fs.dropped)
            rs_log(RS_LOG_WARN, "eval",
                   "%zu test/validation pairs are also in train: kept as training", fs.dropped);
    }
    r->load_seconds = now_s() - t;
    r->n_users = base->n_users;
    r->n_items = base->n_items;
    r->n_ratings = base->n_ratings;
    r->sweep_skipped = !cfg->sweep_enabled;
    if (cfg->sweep_enabled && (st = run_sweep(r, cfg, &fc, base, given, &plan, &pg, o, err)))
        goto done;
    if (cfg->sweep_enabled && cfg->curve_every > 0 && (st = rs_eval_curves_run(r, &fc, &plan, err)))
        goto done;
    if (cfg->new_users.enabled || cfg->probes.enabled)
        st = run_new_users(r, &fc, base, o.validate, &pg, err);
    r->total_seconds = now_s() - pg.t0;
done:
    rs_eval_plan_free(&plan);
    files_split_free(&fs);
    rs_movielens_free(ml);
    free(fc.instances);
    for (size_t i = 0; i < cfg->n_instances; i++)
        rs_eval_merged_free(merged[i]);
    free(merged);
    rs_config_free(hc);
    if (st != RS_OK) {
        rs_eval_report_free(r);
        return st;
    }
    *out = r;
    return RS_OK;
}
