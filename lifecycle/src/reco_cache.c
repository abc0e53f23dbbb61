/* Recommendation cache: a chained hash map by user, a dirty-user list and
 * a refresher thread. One mutex guards all of it; it is only ever held
 * for lookups and copies, never across a compute. */
#include "recsys/reco_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recsys/config_fields.h"
#include "recsys/log.h"

/* One cached list. `list`'s arrays live inside this allocation, after the
 * struct (items, then explanations when kept), so an entry is one malloc.
 *
 * Derived data about a list hangs off its entry and dies with it: whatever
 * is built from `list` (issue 15's prebuilt JSON body of the response
 * items, say `char *body; size_t body_len;` here) must be dropped in
 * entry_changed(), which every write to `list` goes through (store,
 * exclude), and freed in entry_free(), which every removal goes through
 * (drop, evict, free). A reader copies it under `mu` like the list. */
typedef struct entry {
    int64_t user_id;
    char source[RS_SOURCE_NAME_MAX]; /* the key: the source asked for */
    int dirty;
    int64_t generated_at_ms;
    struct entry *next;
    rs_reco_list list; /* list.source: the one that answered */
} entry;

/* A user being computed on demand: a mark that arrives meanwhile must not
 * be lost when the (possibly stale) result is inserted. */
typedef struct inflight {
    int64_t user_id;
    int dirtied;
    struct inflight *next;
} inflight;

struct rs_reco_cache {
    rs_reco_cache_config c;
    rs_reco_compute_fn compute;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    entry **buckets;
    size_t n_buckets; /* power of two */
    size_t n_entries;
    size_t evict_cursor;
    int64_t *dirty; /* users to refresh, possibly repeated */
    size_t n_dirty, cap_dirty;
    inflight *inflight;
    pthread_t thread;
    int running, stop;
    rs_reco_cache_stats stats;
};

/* The `refresh:` section as read: sizes as int64_t for the table. */
typedef struct refresh_scalars {
    double interval_s;
    int64_t list_size, max_entries;
    int explanations, enabled;
} refresh_scalars;

#define R(key, type, member, lo, hi, dflt, doc)                                     \
    {                                                                               \
        key, type, offsetof(refresh_scalars, member), lo, hi, 0, 0, NULL, doc, dflt \
    }
static const rs_config_field refresh_fields[] = {
    R("interval_s", RS_FIELD_FLOAT, interval_s, 0.05, 86400, "60",
      "seconds between refreshes of changed users' lists"),
    R("list_size", RS_FIELD_INT64, list_size, 1, 10000, "50", "items kept per cached list"),
    /* ~8 KB each with 50 explained items: ~160 MB worst */
    R("max_entries", RS_FIELD_INT64, max_entries, 1, (double)INT64_MAX, "20000",
      "cached lists (users x sources) at most"),
    R("explanations", RS_FIELD_BOOL, explanations, 0, 0, "true",
      "keep each item's explanation (152 bytes) too"),
    R("enabled", RS_FIELD_BOOL, enabled, 0, 0, "true", "false: compute every request"),
};
#undef R

const rs_config_field *rs_reco_cache_config_fields(size_t *n)
{
    *n = RS_FIELD_COUNT(refresh_fields);
    return refresh_fields;
}

static void refresh_apply(const refresh_scalars *s, rs_reco_cache_config *c)
{
    c->interval_s = s->interval_s;
    c->list_size = (size_t)s->list_size;
    c->max_entries = (size_t)s->max_entries;
    c->explanations = s->explanations;
    c->enabled = s->enabled;
}

void rs_reco_cache_config_default(rs_reco_cache_config *c)
{
    refresh_scalars s = {0};
    rs_config_fields_defaults(refresh_fields, RS_FIELD_COUNT(refresh_fields), &s);
    refresh_apply(&s, c);
}

rs_status rs_reco_cache_config_parse(const rs_yaml_node *sec, rs_reco_cache_config *c,
                                     rs_error *err)
{
    refresh_scalars s = {0};
    rs_config_fields_defaults(refresh_fields, RS_FIELD_COUNT(refresh_fields), &s);
    rs_status st = rs_config_fields_read(sec, "refresh", refresh_fields,
                                         RS_FIELD_COUNT(refresh_fields), NULL, &s, err);
    if (st == RS_OK)
        refresh_apply(&s, c);
    else
        rs_reco_cache_config_default(c);
    return st;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t bucket_of(const rs_reco_cache *c, int64_t user)
{
    uint64_t h = (uint64_t)user * 0x9E3779B97F4A7C15ull; /* Fibonacci hashing */
    return (size_t)(h >> 32) & (c->n_buckets - 1);
}

rs_status rs_reco_cache_new(const rs_reco_cache_config *cfg, rs_reco_compute_fn compute, void *ctx,
                            rs_reco_cache **out, rs_error *err)
{
    rs_reco_cache *c = calloc(1, sizeof *c);
    if (!c)
        return rs_error_set(err, RS_ERR_NOMEM, "reco cache: out of memory");
    if (cfg)
        c->c = *cfg;
    else
        rs_reco_cache_config_default(&c->c);
    c->compute = compute;
    c->ctx = ctx;
    c->n_buckets = 64;
    while (c->n_buckets < c->c.max_entries && c->n_buckets < ((size_t)1 << 24))
        c->n_buckets <<= 1;
    if (!(c->buckets = calloc(c->n_buckets, sizeof *c->buckets))) {
        free(c);
        return rs_error_set(err, RS_ERR_NOMEM, "reco cache: out of memory");
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* Timed waits on the monotonic clock: a wall-clock jump must not stall
     * or rush the refresher. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return RS_OK;
}

/* Every removal of an entry ends here (see struct entry). */
static void entry_free(entry *e) { free(e); }

/* Every change to an entry's list ends here (see struct entry). */
static void entry_changed(entry *e) { (void)e; /* nothing derived from the list is kept yet */ }

void rs_reco_cache_free(rs_reco_cache *c)
{
    if (!c)
        return;
    rs_reco_cache_stop(c);
    for (size_t b = 0; b < c->n_buckets; b++)
        for (entry *e = c->buckets[b], *next; e; e = next) {
            next = e->next;
            entry_free(e);
        }
    free(c->buckets);
    free(c->dirty);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* ---- table (callers hold mu) ------------------------------------------------ */

static entry *find(rs_reco_cache *c, int64_t user, const char *source)
{
    for (entry *e = c->buckets[bucket_of(c, user)]; e; e = e->next)
        if (e->user_id == user && strcmp(e->source, source) == 0)
            return e;
    return NULL;
}

static void push_dirty(rs_reco_cache *c, int64_t user)
{
    if (c->n_dirty == c->cap_dirty) {
        size_t cap = c->cap_dirty ? 2 * c->cap_dirty : 64;
        int64_t *nd = realloc(c->dirty, cap * sizeof *nd);
        if (!nd) {
            /* The flag stays set; mark_all_dirty's scan or the next change
             * will queue the user again. */
            rs_log(RS_LOG_WARN, "reco-cache", "out of memory queueing user %lld", (long long)user);
            return;
        }
        c->dirty = nd;
        c->cap_dirty = cap;
    }
    c->dirty[c->n_dirty++] = user;
}

/* Make room by dropping one entry, walking buckets round-robin: O(1)
 * amortised and good enough for a bound that should rarely be reached. */
static void evict_one(rs_reco_cache *c)
{
    for (size_t i = 0; i < c->n_buckets; i++) {
        size_t b = (c->evict_cursor + i) & (c->n_buckets - 1);
        entry *e = c->buckets[b];
        if (e) {
            c->buckets[b] = e->next;
            entry_free(e);
            c->n_entries--;
            c->evict_cursor = b + 1;
            return;
        }
    }
}

/* Size of one entry with its arrays: the items after the struct, the
 * explanations after them, each padded to its alignment. */
static size_t entry_size(const rs_reco_cache *c, size_t *items_off, size_t *explain_off)
{
    size_t a = _Alignof(rs_scored), b = _Alignof(rs_explanation);
    *items_off = (sizeof(entry) + a - 1) / a * a;
    size_t end = *items_off + c->c.list_size * sizeof(rs_scored);
    *explain_off = (end + b - 1) / b * b;
    return c->c.explanations ? *explain_off + c->c.list_size * sizeof(rs_explanation) : end;
}

/* A fallback answered a list when its source is not the one asked for. */
static int is_fallback(const entry *e) { return strcmp(e->list.source, e->source) != 0; }

static void store(rs_reco_cache *c, int64_t user, const char *source, const rs_reco_list *l,
                  int64_t at_ms, int dirty)
{
    entry *e = find(c, user, source);
    if (!e) {
        size_t items_off, explain_off, size = entry_size(c, &items_off, &explain_off);
        if (c->n_entries >= c->c.max_entries)
            evict_one(c);
        e = calloc(1, size);
        if (!e)
            return; /* served uncached; the next request computes again */
        e->user_id = user;
        snprintf(e->source, sizeof e->source, "%s", source);
        e->list.items = (rs_scored *)((char *)e + items_off);
        e->list.explain = c->c.explanations ? (rs_explanation *)((char *)e + explain_off) : NULL;
        e->list.cap = c->c.list_size;
        size_t b = bucket_of(c, user);
        e->next = c->buckets[b];
        c->buckets[b] = e;
        c->n_entries++;
    }
    rs_reco_list_copy(&e->list, l);
    if (!e->list.source[0]) /* the compute left it: the source asked for */
        snprintf(e->list.source, sizeof e->list.source, "%s", source);
    entry_changed(e);
    e->generated_at_ms = at_ms;
    if (dirty && !e->dirty)
        push_dirty(c, user);
    e->dirty = dirty || e->dirty;
}

/* ---- marks ---------------------------------------------------------------------- */

static void mark_locked(rs_reco_cache *c, int64_t user)
{
    int queued = 0;
    for (entry *e = c->buckets[bucket_of(c, user)]; e; e = e->next)
        if (e->user_id == user && !e->dirty) {
            e->dirty = 1;
            if (!queued)
                push_dirty(c, user);
            queued = 1;
        }
    for (inflight *f = c->inflight; f; f = f->next)
        if (f->user_id == user)
            f->dirtied = 1;
}

void rs_reco_cache_mark_dirty(rs_reco_cache *c, int64_t user_id)
{
    pthread_mutex_lock(&c->mu);
    mark_locked(c, user_id);
    pthread_mutex_unlock(&c->mu);
}

void rs_reco_cache_mark_all_dirty(rs_reco_cache *c)
{
    pthread_mutex_lock(&c->mu);
    for (size_t b = 0; b < c->n_buckets; b++)
        for (entry *e = c->buckets[b]; e; e = e->next)
            if (!e->dirty) {
                e->dirty = 1;
                push_dirty(c, e->user_id);
            }
    for (inflight *f = c->inflight; f; f = f->next)
        f->dirtied = 1;
    pthread_mutex_unlock(&c->mu);
}

void rs_reco_cache_exclude(rs_reco_cache *c, int64_t user_id, int32_t item)
{
    pthread_mutex_lock(&c->mu);
    for (entry *e = c->buckets[bucket_of(c, user_id)]; e; e = e->next) {
        if (e->user_id != user_id)
            continue;
        size_t k = 0;
        for (size_t i = 0; i < e->list.n; i++)
            if (e->list.items[i].item != item)
                rs_reco_list_move_item(&e->list, k++, i);
        e->list.n = k;
        entry_changed(e);
    }
    pthread_mutex_unlock(&c->mu);
}

/* Remove user's entries, all of them or only the fallback-answered ones. */
static void drop(rs_reco_cache *c, int64_t user_id, int fallbacks_only)
{
    pthread_mutex_lock(&c->mu);
    entry **pp = &c->buckets[bucket_of(c, user_id)];
    while (*pp) {
        entry *e = *pp;
        if (e->user_id == user_id && (!fallbacks_only || is_fallback(e))) {
            *pp = e->next;
            entry_free(e);
            c->n_entries--;
        } else {
            pp = &e->next;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

void rs_reco_cache_forget(rs_reco_cache *c, int64_t user_id) { drop(c, user_id, 0); }

void rs_reco_cache_drop_fallbacks(rs_reco_cache *c, int64_t user_id) { drop(c, user_id, 1); }

/* ---- reads ---------------------------------------------------------------------- */

/* Reset what a compute fills, so a callback that skips a field leaves it
 * empty rather than last time's. */
static void list_reset(rs_reco_list *l)
{
    rs_reco_list_clear_explanations(l, 0, l->cap);
    l->n = 0;
    l->model_version = 0;
    l->source[0] = '\0';
}

rs_status rs_reco_cache_get(rs_reco_cache *c, int64_t user_id, const char *source,
                            rs_reco_list *out, rs_reco_meta *meta, rs_error *err)
{
    out->n = 0;
    if (strlen(source) >= RS_SOURCE_NAME_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "reco cache: source name '%s' is too long",
                            source);
    pthread_mutex_lock(&c->mu);
    entry *e = find(c, user_id, source);
    if (e) {
        rs_reco_list_copy(out, &e->list);
        if (meta)
            *meta = (rs_reco_meta){e->generated_at_ms, 1, e->dirty,
                                   e->list.explain != NULL && out->explain != NULL};
        c->stats.hits++;
        pthread_mutex_unlock(&c->mu);
        return RS_OK;
    }
    c->stats.misses++;
    inflight me = {user_id, 0, c->inflight};
    c->inflight = &me;
    pthread_mutex_unlock(&c->mu);

    int64_t at = now_ms();
    rs_reco_list l;
    rs_status st = rs_reco_list_init(&l, c->c.list_size, c->c.explanations, err);
    if (st == RS_OK)
        st = c->compute(c->ctx, user_id, source, &l, err);

    pthread_mutex_lock(&c->mu);
    for (inflight **pp = &c->inflight; *pp; pp = &(*pp)->next)
        if (*pp == &me) {
            *pp = me.next;
            break;
        }
    if (st == RS_OK) {
        if (l.n > l.cap)
            l.n = l.cap;
        if (!l.source[0]) /* the compute left it: the source asked for */
            snprintf(l.source, sizeof l.source, "%s", source);
        store(c, user_id, source, &l, at, me.dirtied);
        rs_reco_list_copy(out, &l);
        if (meta)
            *meta = (rs_reco_meta){at, 0, me.dirtied, l.explain != NULL && out->explain != NULL};
    } else {
        c->stats.errors++;
    }
    pthread_mutex_unlock(&c->mu);
    rs_reco_list_release(&l);
    return st;
}

void rs_reco_cache_get_stats(rs_reco_cache *c, rs_reco_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    out->entries = c->n_entries;
    out->dirty_users = c->n_dirty;
    pthread_mutex_unlock(&c->mu);
}

/* ---- refresher -------------------------------------------------------------------- */

#define MAX_SOURCES_PER_USER 16

/* Recompute user's dirty lists; clears their flags first so a mark during
 * the compute queues the user again. */
static rs_status refresh_user(rs_reco_cache *c, int64_t user, rs_reco_list *l, size_t *done,
                              rs_error *err)
{
    char sources[MAX_SOURCES_PER_USER][RS_SOURCE_NAME_MAX];
    size_t n_src = 0;
    rs_status last = RS_OK;
    pthread_mutex_lock(&c->mu);
    for (entry *e = c->buckets[bucket_of(c, user)]; e && n_src < MAX_SOURCES_PER_USER; e = e->next)
        if (e->user_id == user && e->dirty) {
            e->dirty = 0;
            memcpy(sources[n_src++], e->source, RS_SOURCE_NAME_MAX);
        }
    pthread_mutex_unlock(&c->mu);
    for (size_t s = 0; s < n_src; s++) {
        int64_t at = now_ms();
        list_reset(l);
        rs_status st = c->compute(c->ctx, user, sources[s], l, err);
        pthread_mutex_lock(&c->mu);
        entry *e = find(c, user, sources[s]);
        if (st == RS_OK) {
            if (l->n > l->cap)
                l->n = l->cap;
            if (e) /* forgotten or evicted meanwhile: leave it out */
                store(c, user, sources[s], l, at, 0);
            c->stats.refreshed++;
            (*done)++;
        } else {
            /* Keep serving the old list; retry on the next pass. */
            if (e && !e->dirty) {
                e->dirty = 1;
                push_dirty(c, user);
            }
            c->stats.errors++;
            last = st;
        }
        pthread_mutex_unlock(&c->mu);
    }
    return last;
}

rs_status rs_reco_cache_refresh_now(rs_reco_cache *c, size_t *refreshed, rs_error *err)
{
    struct timespec t0, t1;
    size_t done = 0;
    rs_status last = RS_OK;
    rs_reco_list l;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rs_status st = rs_reco_list_init(&l, c->c.list_size, c->c.explanations, err);
    if (st != RS_OK)
        return st;
    pthread_mutex_lock(&c->mu);
    int64_t *users = c->dirty;
    size_t n = c->n_dirty;
    c->dirty = NULL;
    c->n_dirty = c->cap_dirty = 0;
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++) {
        rs_error e = {0};
        st = refresh_user(c, users[i], &l, &done, &e);
        if (st != RS_OK) {
            last = st;
            if (err)
                *err = e;
        }
    }
    free(users);
    rs_reco_list_release(&l);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_mutex_lock(&c->mu);
    c->stats.passes++;
    c->stats.last_pass_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                            (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    pthread_mutex_unlock(&c->mu);
    if (refreshed)
        *refreshed = done;
    return last;
}

static void *refresher_main(void *arg)
{
    rs_reco_cache *c = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        long long ns = (long long)(c->c.interval_s * 1e9);
        next.tv_sec += (time_t)(ns / 1000000000LL);
        next.tv_nsec += (long)(ns % 1000000000LL);
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!c->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&c->wake, &c->mu, &next);
        if (c->stop)
            break;
        pthread_mutex_unlock(&c->mu);
        rs_error err = {0};
        if (rs_reco_cache_refresh_now(c, NULL, &err) != RS_OK)
            rs_log(RS_LOG_WARN, "reco-cache", "refresh pass: %s", err.message);
        pthread_mutex_lock(&c->mu);
        /* A pass longer than the interval: start the next one from now
         * instead of running back to back to catch up. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
            next = now;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

rs_status rs_reco_cache_start(rs_reco_cache *c, rs_error *err)
{
    pthread_mutex_lock(&c->mu);
    if (c->running) {
        pthread_mutex_unlock(&c->mu);
        return RS_OK;
    }
    c->stop = 0;
    int rc = pthread_create(&c->thread, NULL, refresher_main, c);
    c->running = rc == 0;
    pthread_mutex_unlock(&c->mu);
    if (rc != 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "reco cache: cannot start refresher: %s",
                            strerror(rc));
    return RS_OK;
}

void rs_reco_cache_stop(rs_reco_cache *c)
{
    pthread_mutex_lock(&c->mu);
    if (!c->running) {
        pthread_mutex_unlock(&c->mu);
        return;
    }
    c->stop = 1;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_mutex_lock(&c->mu);
    c->running = 0;
    pthread_mutex_unlock(&c->mu);
}
