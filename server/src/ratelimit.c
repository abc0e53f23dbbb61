/* Rate limiter (see ratelimit.h). */
#include "ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define PROBE 16
#define KEY_MAX 72

typedef struct slot {
    char key[KEY_MAX];
    time_t window; /* start of the minute the count belongs to */
    int count;
} slot;

struct rs_ratelimit {
    int per_minute;
    pthread_mutex_t lock;
    slot s[SLOTS];
};

rs_ratelimit *rs_ratelimit_new(int per_minute)
{
    rs_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->per_minute = per_minute;
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void rs_ratelimit_free(rs_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static uint32_t hash(const char *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (uint8_t)*k) * 16777619u;
    return h;
}

/* The slot for key in this window: its own, else a free or stale one, else
 * the least-used one in the probe range. Called with the lock held. */
static slot *find(rs_ratelimit *rl, const char *key, time_t window, int create)
{
    uint32_t h = hash(key);
    slot *unused = NULL, *least = NULL;
    for (int i = 0; i < PROBE; i++) {
        slot *s = &rl->s[(h + (uint32_t)i) % SLOTS];
        if (s->key[0] && strncmp(s->key, key, KEY_MAX - 1) == 0) {
            if (s->window != window) {
                s->window = window;
                s->count = 0;
            }
            return s;
        }
        if (!s->key[0] || s->window != window) {
            if (!unused)
                unused = s;
        } else if (!least || s->count < least->count) {
            least = s;
        }
    }
    slot *victim = unused ? unused : least;
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    strncpy(victim->key, key, KEY_MAX - 1);
    victim->window = window;
    return victim;
}

int rs_ratelimit_exceeded(rs_ratelimit *rl, const char *key, time_t now)
{
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key, now - now % 60, 0);
    int over = s && s->count >= rl->per_minute;
    pthread_mutex_unlock(&rl->lock);
    return over;
}

void rs_ratelimit_hit(rs_ratelimit *rl, const char *key, time_t now)
{
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key, now - now % 60, 1);
    s->count++;
    pthread_mutex_unlock(&rl->lock);
}

int rs_ratelimit_take(rs_ratelimit *rl, const char *key, time_t now, int n)
{
    /* Check and count under one lock: with a separate check and hit,
     * parallel requests all pass the check before any of them counts. */
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key, now - now % 60, 1);
    int ok = n <= rl->per_minute - s->count;
    if (ok)
        s->count += n;
    pthread_mutex_unlock(&rl->lock);
    return ok;
}

void rs_ratelimit_give_back(rs_ratelimit *rl, const char *key, time_t now, int n)
{
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key, now - now % 60, 0);
    if (s)
        s->count = s->count > n ? s->count - n : 0;
    pthread_mutex_unlock(&rl->lock);
}
