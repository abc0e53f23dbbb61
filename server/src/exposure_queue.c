/* Batched exposure logging (see exposure_queue.h). */
#include "exposure_queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/log.h"
#include "store.h"

/* Rows per INSERT, and how long the writer lets a partial batch fill: a
 * few hundred rows per statement cost about what one row does, and
 * 50 ms keeps the table close behind the responses. */
#define BATCH_ROWS 2048
#define LINGER_NS (50 * 1000000L)

typedef struct response {
    struct response *next;
    int64_t user_id;
    int64_t shown_us; /* Unix microseconds, unique per response */
    size_t n;
    char arm[160];
    int64_t *movie;                     /* [n], in the same allocation */
    char (*source)[RS_SOURCE_NAME_MAX]; /* [n] */
} response;

struct rs_exposure_queue {
    rs_db *db;
    size_t capacity;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* the writer: rows queued, flush asked, stop */
    pthread_cond_t done; /* flushers: a batch was handled */
    response *head, *tail;
    size_t rows; /* queued */
    int64_t last_us;
    uint64_t queued_seq, handled_seq; /* responses queued / handled so far */
    int flushers, stop;
    atomic_uint_fast64_t dropped, written;
    pthread_t thread;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int rs_exposure_queue_push(rs_exposure_queue *q, int64_t user_id, const int64_t *movie_ids,
                           const char (*sources)[RS_SOURCE_NAME_MAX], size_t n, const char *arm)
{
    if (n == 0)
        return 1;
    response *r = malloc(sizeof *r + n * (sizeof *r->movie + sizeof *r->source));
    if (!r) {
        atomic_fetch_add(&q->dropped, n);
        return 0;
    }
    r->next = NULL;
    r->user_id = user_id;
    r->n = n;
    snprintf(r->arm, sizeof r->arm, "%s", arm ? arm : "");
    r->movie = (int64_t *)(r + 1);
    r->source = (char(*)[RS_SOURCE_NAME_MAX])(r->movie + n);
    memcpy(r->movie, movie_ids, n * sizeof *r->movie);
    memcpy(r->source, sources, n * sizeof *r->source);
    int64_t t = now_us();
    pthread_mutex_lock(&q->lock);
    if (q->stop || q->rows + n > q->capacity) {
        pthread_mutex_unlock(&q->lock);
        free(r);
        atomic_fetch_add(&q->dropped, n);
        return 0;
    }
    /* Responses are told apart by shown_at: never two with one value. */
    r->shown_us = t > q->last_us ? t : q->last_us + 1;
    q->last_us = r->shown_us;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->rows += n;
    q->queued_seq++;
    /* The first response wakes the writer (it then lets the batch fill
     * for LINGER_NS); a full batch cuts that short. */
    if (q->head == r || q->rows >= BATCH_ROWS)
        pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return 1;
}

/* ---- writing --------------------------------------------------------------- */

/* Append s to a PostgreSQL array literal, quoted. */
static void put_text(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One INSERT for the responses from `from` up to (not including) `to`;
 * *rows gets how many rows it wrote. */
static rs_status insert(rs_db *db, const response *from, const response *to, size_t *rows,
                        rs_error *err)
{
    char *buf[6] = {0};
    size_t len[6];
    FILE *f[6];
    rs_status st = RS_OK;
    *rows = 0;
    for (int i = 0; i < 6; i++)
        if (!(f[i] = open_memstream(&buf[i], &len[i]))) {
            while (i-- > 0)
                fclose(f[i]);
            for (i = 0; i < 6; i++)
                free(buf[i]);
            return rs_error_set(err, RS_ERR_NOMEM, "exposures: out of memory");
        }
    for (int i = 0; i < 6; i++)
        fputc('{', f[i]);
    size_t sent = 0;
    for (const response *r = from; r != to; r = r->next)
        for (size_t k = 0; k < r->n; k++) {
            int first = sent == 0;
            const char *sep = first ? "" : ",";
            char src[RS_SOURCE_NAME_MAX + 1];
            memcpy(src, r->source[k], RS_SOURCE_NAME_MAX);
            src[RS_SOURCE_NAME_MAX] = '\0';
            fprintf(f[0], "%s%lld", sep, (long long)r->user_id);
            fprintf(f[1], "%s%lld", sep, (long long)r->movie[k]);
            put_text(f[2], src, first);
            put_text(f[3], r->arm, first);
            fprintf(f[4], "%s%zu", sep, k);
            fprintf(f[5], "%s%lld", sep, (long long)r->shown_us);
            sent++;
        }
    for (int i = 0; i < 6; i++) {
        fputc('}', f[i]);
        if (fclose(f[i]) != 0 && st == RS_OK)
            st = rs_error_set(err, RS_ERR_NOMEM, "exposures: out of memory");
    }
    const char *const arrays[6] = {buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]};
    if (st == RS_OK && sent > 0)
        st = rs_store_exposures_add_rows(db, arrays, rows, err);
    for (int i = 0; i < 6; i++)
        free(buf[i]);
    return st;
}

/* Write a taken list in batches. A batch with a row PostgreSQL refuses (an
 * integrity error) is retried one response at a time, so one bad response
 * costs only its own rows; any other failure (the database unreachable)
 * drops the batch with one warning. */
static void write_list(rs_exposure_queue *q, response *list)
{
    rs_error err = {0};
    while (list) {
        response *end = list;
        size_t n = 0, rows = 0;
        while (end && n < BATCH_ROWS) {
            n += end->n;
            end = end->next;
        }
        rs_status st = insert(q->db, list, end, &rows, &err);
        if (st == RS_OK) {
            atomic_fetch_add(&q->written, rows);
        } else if (st != RS_ERR_INVALID) {
            rs_log(RS_LOG_WARN, "exposures", "%zu rows not logged: %s", n, err.message);
            atomic_fetch_add(&q->dropped, n);
        } else {
            for (response *r = list; r != end; r = r->next) {
                if (insert(q->db, r, r->next, &rows, &err) == RS_OK) {
                    atomic_fetch_add(&q->written, rows);
                } else {
                    rs_log(RS_LOG_WARN, "exposures", "%zu rows not logged: %s", r->n, err.message);
                    atomic_fetch_add(&q->dropped, r->n);
                }
            }
        }
        while (list != end) {
            response *next = list->next;
            free(list);
            list = next;
        }
    }
}

static void *writer(void *arg)
{
    rs_exposure_queue *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->stop && !q->head)
            pthread_cond_wait(&q->wake, &q->lock);
        if (!q->head && q->stop)
            break;
        /* Let a partial batch fill unless someone waits for it. */
        if (!q->stop && !q->flushers && q->rows < BATCH_ROWS) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += LINGER_NS;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&q->wake, &q->lock, &until);
        }
        response *list = q->head;
        uint64_t seq = q->queued_seq;
        q->head = q->tail = NULL;
        q->rows = 0;
        pthread_mutex_unlock(&q->lock);
        write_list(q, list);
        pthread_mutex_lock(&q->lock);
        q->handled_seq = seq;
        pthread_cond_broadcast(&q->done);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

rs_status rs_exposure_queue_new(rs_db *db, size_t capacity, rs_exposure_queue **out, rs_error *err)
{
    rs_exposure_queue *q = calloc(1, sizeof *q);
    if (!q)
        return rs_error_set(err, RS_ERR_NOMEM, "exposures: out of memory");
    q->db = db;
    q->capacity = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    pthread_cond_init(&q->done, NULL);
    atomic_init(&q->dropped, 0);
    atomic_init(&q->written, 0);
    if (pthread_create(&q->thread, NULL, writer, q) != 0) {
        pthread_cond_destroy(&q->done);
        pthread_cond_destroy(&q->wake);
        pthread_mutex_destroy(&q->lock);
        free(q);
        return rs_error_set(err, RS_ERR_INTERNAL, "exposures: cannot start the writer thread");
    }
    *out = q;
    return RS_OK;
}

int rs_exposure_queue_flush(rs_exposure_queue *q)
{
    uint64_t before = atomic_load(&q->dropped);
    pthread_mutex_lock(&q->lock);
    uint64_t target = q->queued_seq;
    q->flushers++;
    pthread_cond_signal(&q->wake);
    while (q->handled_seq < target)
        pthread_cond_wait(&q->done, &q->lock);
    q->flushers--;
    pthread_mutex_unlock(&q->lock);
    return atomic_load(&q->dropped) == before ? 0 : -1;
}

void rs_exposure_queue_free(rs_exposure_queue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = 1;
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    /* The writer drains the queue before it exits. */
    pthread_join(q->thread, NULL);
    pthread_cond_destroy(&q->done);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

uint64_t rs_exposure_queue_dropped(const rs_exposure_queue *q)
{
    return atomic_load(&((rs_exposure_queue *)q)->dropped);
}

uint64_t rs_exposure_queue_written(const rs_exposure_queue *q)
{
    return atomic_load(&((rs_exposure_queue *)q)->written);
}
