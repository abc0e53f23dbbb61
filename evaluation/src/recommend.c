/*
 * Ask one instance for every scored user's top K, on a few worker threads
 * (recommend is concurrent-safe by the plugin contract). Each user's query
 * carries their thinned training ratings, and their full training set as
 * the exclude list, so the candidate items are the same at every level.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

typedef struct job {
    rs_engine *engine;
    const char *instance;
    const rs_eval_plan *p;
    const rs_eval_level_data *d;
    rs_eval_ranked *out;
    size_t max_ratings;
    pthread_mutex_t mu;
    int32_t next;   /* next user to take, under mu */
    int failed;     /* under mu: stop taking users */
    rs_error err;   /* the first failure */
} job;

static int32_t take(job *j)
{
    pthread_mutex_lock(&j->mu);
    int32_t e = j->failed || j->next >= j->p->n_eval ? -1 : j->next++;
    pthread_mutex_unlock(&j->mu);
    return e;
}

static void fail(job *j, const rs_error *e)
{
    pthread_mutex_lock(&j->mu);
    if (!j->failed) {
        j->failed = 1;
        j->err = *e;
    }
    pthread_mutex_unlock(&j->mu);
}

static rs_status one_user(job *j, int32_t e, rs_rating *ratings,
                          rs_scored *top, rs_error *err)
{
    const rs_dataset *v = j->d->view;
    int32_t u = j->p->eval_user[e];
    size_t b = v->user_ptr[u], n = v->user_ptr[u + 1] - b;
    for (size_t i = 0; i < n; i++)
        ratings[i] = (rs_rating){v->user_item[b + i], v->user_rating[b + i],
                                 v->user_time[b + i]};
    rs_query q = {sizeof q, n ? v->user_ids[u] : RS_USER_NONE, ratings, n,
                  j->p->excl_item + j->p->excl_ptr[e],
                  j->p->excl_ptr[e + 1] - j->p->excl_ptr[e]};
    size_t got = 0, kmax = j->out->kmax;
    rs_status st = rs_engine_recommend(j->engine, j->instance, &q, kmax, top,
                                       NULL, &got, err);
    if (st != RS_OK)
        return st;
    int32_t *dst = j->out->items + (size_t)e * kmax;
    for (size_t i = 0; i < got && i < kmax; i++)
        dst[i] = top[i].item;
    j->out->n[e] = (uint32_t)(got < kmax ? got : kmax);
    return RS_OK;
}

static void *worker(void *arg)
{
    job *j = arg;
    rs_error err = {RS_OK, ""};
    rs_rating *ratings = malloc((j->max_ratings ? j->max_ratings : 1) * sizeof *ratings);
    rs_scored *top = malloc(j->out->kmax * sizeof *top);
    if (!ratings || !top) {
        rs_error_set(&err, RS_ERR_NOMEM, "eval: out of memory");
        fail(j, &err);
    }
    for (int32_t e; ratings && top && (e = take(j)) >= 0;)
        if (one_user(j, e, ratings, top, &err) != RS_OK) {
            char msg[RS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof msg, "%s", err.message);
            rs_error_set(&err, err.code, "recommend for user %lld: %s",
                         (long long)j->p->base->user_ids[j->p->eval_user[e]], msg);
            fail(j, &err);
        }
    free(ratings);
    free(top);
    return NULL;
}

void rs_eval_ranked_free(rs_eval_ranked *r)
{
    free(r->items);
    free(r->n);
    memset(r, 0, sizeof *r);
}

rs_status rs_eval_recommend_all(rs_engine *e, const char *instance,
                                const rs_eval_plan *p,
                                const rs_eval_level_data *d, int threads,
                                size_t kmax, rs_eval_ranked *out,
                                rs_error *err)
{
    size_t ne = p->n_eval ? (size_t)p->n_eval : 1;
    out->kmax = kmax;
    out->items = malloc(ne * kmax * sizeof *out->items);
    out->n = calloc(ne, sizeof *out->n);
    if (!out->items || !out->n) {
        rs_eval_ranked_free(out);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    }
    job j = {.engine = e, .instance = instance, .p = p, .d = d, .out = out};
    for (int32_t u = 0; u < d->view->n_users; u++) {
        size_t c = d->view->user_ptr[u + 1] - d->view->user_ptr[u];
        if (c > j.max_ratings)
            j.max_ratings = c;
    }
    pthread_mutex_init(&j.mu, NULL);
    if (threads < 1)
        threads = 1;
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    int started = 0;
    if (tid)
        for (; started < threads; started++)
            if (pthread_create(&tid[started], NULL, worker, &j) != 0)
                break;
    if (started == 0) /* no threads at all: do the work here */
        worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    pthread_mutex_destroy(&j.mu);
    if (j.failed) {
        rs_eval_ranked_free(out);
        return rs_error_set(err, j.err.code, "%s", j.err.message);
    }
    return RS_OK;
}
