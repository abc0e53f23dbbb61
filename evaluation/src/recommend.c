/*
 * Ask one instance for every scored user's top K, on a few worker threads
 * (recommend is concurrent-safe by the plugin contract). The queries are
 * built by the protocol (rs_eval_level_queries, rs_eval_nu_level_build):
 * this file only runs them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

typedef struct job {
    rs_engine *engine;
    const char *instance;
    const rs_eval_queries *q;
    rs_eval_ranked *out;
    pthread_mutex_t mu;
    int32_t next; /* next user to take, under mu */
    int failed;   /* under mu: stop taking users */
    rs_error err; /* the first failure */
} job;

static int32_t take(job *j)
{
    pthread_mutex_lock(&j->mu);
    int32_t e = j->failed || j->next >= j->q->n ? -1 : j->next++;
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

static rs_status one_user(job *j, int32_t e, rs_scored *top, rs_error *err)
{
    const rs_eval_queries *qs = j->q;
    rs_query q = RS_QUERY(qs->user_id[e], qs->rat + qs->rat_ptr[e],
                          qs->rat_ptr[e + 1] - qs->rat_ptr[e], qs->excl + qs->excl_ptr[e],
                          qs->excl_ptr[e + 1] - qs->excl_ptr[e]);
    size_t got = 0, kmax = j->out->kmax;
    rs_status st = rs_engine_recommend(j->engine, j->instance, &q, kmax, top, NULL, &got, err);
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
    rs_scored *top = malloc(j->out->kmax * sizeof *top);
    if (!top) {
        rs_error_set(&err, RS_ERR_NOMEM, "eval: out of memory");
        fail(j, &err);
    }
    for (int32_t e; top && (e = take(j)) >= 0;)
        if (one_user(j, e, top, &err) != RS_OK) {
            char msg[RS_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof msg, "%s", err.message);
            rs_error_set(&err, err.code, "recommend for user %lld%s: %s", (long long)j->q->label[e],
                         j->q->user_id[e] == RS_USER_NONE ? " (as a new user)" : "", msg);
            fail(j, &err);
        }
    free(top);
    return NULL;
}

void rs_eval_ranked_free(rs_eval_ranked *r)
{
    free(r->items);
    free(r->n);
    memset(r, 0, sizeof *r);
}

void rs_eval_queries_free(rs_eval_queries *q)
{
    free(q->user_id);
    free(q->label);
    free(q->rat_ptr);
    free(q->rat);
    free(q->excl_ptr);
    free(q->excl);
    memset(q, 0, sizeof *q);
}

rs_status rs_eval_queries_alloc(rs_eval_queries *q, int32_t n, size_t n_rat, size_t n_excl,
                                rs_error *err)
{
    size_t nn = n > 0 ? (size_t)n : 0;
    memset(q, 0, sizeof *q);
    q->n = n;
    q->user_id = malloc((nn ? nn : 1) * sizeof *q->user_id);
    q->label = malloc((nn ? nn : 1) * sizeof *q->label);
    q->rat_ptr = calloc(nn + 1, sizeof *q->rat_ptr);
    q->rat = malloc((n_rat ? n_rat : 1) * sizeof *q->rat);
    q->excl_ptr = calloc(nn + 1, sizeof *q->excl_ptr);
    q->excl = malloc((n_excl ? n_excl : 1) * sizeof *q->excl);
    if (!q->user_id || !q->label || !q->rat_ptr || !q->rat || !q->excl_ptr || !q->excl) {
        rs_eval_queries_free(q);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory for %d queries", (int)n);
    }
    return RS_OK;
}

rs_status rs_eval_recommend_all(rs_engine *e, const char *instance, const rs_eval_queries *q,
                                int threads, size_t kmax, rs_eval_ranked *out, rs_error *err)
{
    size_t ne = q->n > 0 ? (size_t)q->n : 1;
    out->kmax = kmax;
    out->items = malloc(ne * kmax * sizeof *out->items);
    out->n = calloc(ne, sizeof *out->n);
    if (!out->items || !out->n) {
        rs_eval_ranked_free(out);
        return rs_error_set(err, RS_ERR_NOMEM, "eval: out of memory");
    }
    job j = {.engine = e, .instance = instance, .q = q, .out = out};
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
