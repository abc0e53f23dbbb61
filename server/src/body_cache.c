/* Prebuilt response bodies (see body_cache.h). */
#include "body_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Slots are spread over this many locks so workers answering different
 * users rarely wait for each other. */
#define STRIPES 64

typedef struct slot {
    char key[RS_BODY_KEY_MAX];
    int64_t user_id;
    uint64_t fp;
    int64_t built_ms; /* CLOCK_MONOTONIC */
    char *data;       /* body, then aux; NULL = empty */
    size_t len, aux_len;
} slot;

struct rs_body_cache {
    size_t n;
    int ttl_ms;
    atomic_uint_fast64_t epoch;
    pthread_mutex_t lock[STRIPES];
    slot *s;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t rs_body_fp(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

rs_body_cache *rs_body_cache_new(size_t capacity, int ttl_ms)
{
    rs_body_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->n = capacity < STRIPES ? STRIPES : capacity;
    c->s = calloc(c->n, sizeof *c->s);
    if (!c->s) {
        free(c);
        return NULL;
    }
    c->ttl_ms = ttl_ms;
    atomic_init(&c->epoch, 0);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->lock[i], NULL);
    return c;
}

void rs_body_cache_free(rs_body_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->s[i].data);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->lock[i]);
    free(c->s);
    free(c);
}

static size_t slot_of(const rs_body_cache *c, const char *key)
{
    return (size_t)(rs_body_fp(RS_BODY_FP_INIT, key, strlen(key)) % c->n);
}

int rs_body_cache_get(rs_body_cache *c, const char *key, uint64_t fp, rs_body_hit *hit,
                      uint64_t *epoch)
{
    memset(hit, 0, sizeof *hit);
    *epoch = 0;
    if (!c)
        return 0;
    *epoch = atomic_load(&c->epoch);
    size_t i = slot_of(c, key);
    pthread_mutex_t *lk = &c->lock[i % STRIPES];
    int64_t now = mono_ms();
    pthread_mutex_lock(lk);
    slot *s = &c->s[i];
    if (s->data && s->fp == fp && now - s->built_ms < c->ttl_ms && strcmp(s->key, key) == 0 &&
        (hit->body = malloc(s->len + 1 + s->aux_len))) {
        /* body, NUL, aux: the body reads as a C string too */
        memcpy(hit->body, s->data, s->len);
        hit->body[s->len] = '\0';
        if (s->aux_len)
            memcpy(hit->body + s->len + 1, s->data + s->len, s->aux_len);
        hit->len = s->len;
        hit->aux = hit->body + s->len + 1;
        hit->aux_len = s->aux_len;
    }
    pthread_mutex_unlock(lk);
    return hit->body != NULL;
}

void rs_body_hit_free(rs_body_hit *hit)
{
    free(hit->body);
    memset(hit, 0, sizeof *hit);
}

void rs_body_cache_put(rs_body_cache *c, const char *key, int64_t user_id, uint64_t fp,
                       const char *body, size_t len, const void *aux, size_t aux_len,
                       uint64_t epoch)
{
    if (!c || strlen(key) >= RS_BODY_KEY_MAX)
        return;
    char *data = malloc(len + aux_len + 1);
    if (!data)
        return; /* a cache: the next request builds it again */
    memcpy(data, body, len);
    if (aux_len)
        memcpy(data + len, aux, aux_len);
    size_t i = slot_of(c, key);
    pthread_mutex_t *lk = &c->lock[i % STRIPES];
    pthread_mutex_lock(lk);
    /* Forgets bump the epoch under every stripe's lock, so this check and
     * the store cannot straddle one. */
    if (atomic_load(&c->epoch) != epoch) {
        pthread_mutex_unlock(lk);
        free(data);
        return;
    }
    slot *s = &c->s[i];
    char *old = s->data;
    snprintf(s->key, sizeof s->key, "%s", key);
    s->user_id = user_id;
    s->fp = fp;
    s->built_ms = mono_ms();
    s->data = data;
    s->len = len;
    s->aux_len = aux_len;
    pthread_mutex_unlock(lk);
    free(old);
}

void rs_body_cache_forget_user(rs_body_cache *c, int64_t user_id)
{
    if (!c)
        return;
    for (int k = 0; k < STRIPES; k++)
        pthread_mutex_lock(&c->lock[k]);
    atomic_fetch_add(&c->epoch, 1);
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].data && c->s[i].user_id == user_id) {
            free(c->s[i].data);
            c->s[i].data = NULL;
        }
    for (int k = STRIPES; k-- > 0;)
        pthread_mutex_unlock(&c->lock[k]);
}
