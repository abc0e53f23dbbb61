/* Validated sessions in memory (see session_cache.h). */
#include "session_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROBE 8

typedef struct slot {
    unsigned char hash[32]; /* BLAKE2b-256(token); all zero = empty */
    int used;
    double until; /* CLOCK_MONOTONIC seconds the entry is trusted to */
    rs_session_info info;
} slot;

struct rs_session_cache {
    size_t mask;
    int ttl_s;
    pthread_mutex_t lock;
    /* Bumped by every forget: a lookup that started before one must not
     * store what it read from the database (it may be the deleted row). */
    atomic_uint_fast64_t epoch;
    slot *s;
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same hash the sessions table stores (auth.c), so a slot never holds
 * a usable token. */
static void token_hash(const char *token, unsigned char h[32])
{
    crypto_generichash(h, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

static size_t slot_index(const rs_session_cache *c, const unsigned char h[32])
{
    uint64_t v;
    memcpy(&v, h, sizeof v); /* already uniformly distributed */
    return (size_t)v & c->mask;
}

rs_session_cache *rs_session_cache_new(size_t capacity, int ttl_s)
{
    size_t n = PROBE;
    while (n < capacity)
        n <<= 1;
    rs_session_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->s = calloc(n, sizeof *c->s);
    if (!c->s) {
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    c->ttl_s = ttl_s;
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->epoch, 0);
    return c;
}

void rs_session_cache_free(rs_session_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    sodium_memzero(c->s, (c->mask + 1) * sizeof *c->s);
    free(c->s);
    free(c);
}

/* The slot holding h, or NULL. Called with the lock held. */
static slot *find(rs_session_cache *c, const unsigned char h[32])
{
    size_t i0 = slot_index(c, h);
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &c->s[(i0 + i) & c->mask];
        if (s->used && memcmp(s->hash, h, 32) == 0)
            return s;
    }
    return NULL;
}

int rs_session_cache_get(rs_session_cache *c, const char *token, rs_session_info *out,
                         uint64_t *epoch)
{
    unsigned char h[32];
    token_hash(token, h);
    /* Read before the lookup: any forget after this point makes the
     * caller's later put a no-op. */
    *epoch = atomic_load(&c->epoch);
    double now = mono_now();
    int hit = 0;
    pthread_mutex_lock(&c->lock);
    slot *s = find(c, h);
    if (s && s->until > now) {
        *out = s->info;
        hit = 1;
    } else if (s) {
        s->used = 0;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void rs_session_cache_put(rs_session_cache *c, const char *token, const rs_session_info *info,
                          double expires_at, uint64_t epoch)
{
    unsigned char h[32];
    token_hash(token, h);
    double left = expires_at - real_now();
    if (left <= 0)
        return;
    double now = mono_now();
    double until = now + (left < c->ttl_s ? left : (double)c->ttl_s);
    pthread_mutex_lock(&c->lock);
    /* Under the lock, so a forget cannot slip between this check and the
     * store (forgets bump the epoch under the same lock). */
    if (atomic_load(&c->epoch) != epoch)
        goto out;
    slot *s = find(c, h);
    if (!s) {
        /* A free or expired slot in the probe range, else the one that
         * expires first: bounded memory, and a flood of logins evicts
         * only sessions that would be re-read from the database. */
        size_t i0 = slot_index(c, h);
        for (size_t i = 0; i < PROBE; i++) {
            slot *t = &c->s[(i0 + i) & c->mask];
            if (!t->used || t->until <= now) {
                s = t;
                break;
            }
            if (!s || t->until < s->until)
                s = t;
        }
    }
    memcpy(s->hash, h, 32);
    s->used = 1;
    s->until = until;
    s->info = *info;
out:
    pthread_mutex_unlock(&c->lock);
}

void rs_session_cache_forget_token(rs_session_cache *c, const char *token)
{
    if (!c)
        return;
    unsigned char h[32];
    token_hash(token, h);
    pthread_mutex_lock(&c->lock);
    atomic_fetch_add(&c->epoch, 1);
    slot *s = find(c, h);
    if (s)
        s->used = 0;
    pthread_mutex_unlock(&c->lock);
}

void rs_session_cache_forget_user(rs_session_cache *c, int64_t user_id)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    atomic_fetch_add(&c->epoch, 1);
    for (size_t i = 0; i <= c->mask; i++)
        if (c->s[i].used && c->s[i].info.user_id == user_id)
            c->s[i].used = 0;
    pthread_mutex_unlock(&c->lock);
}
