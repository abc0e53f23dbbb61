/* Prometheus metrics (see metrics.h). */
#include "metrics.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds in seconds; the API answers in well under a millisecond to
 * a few hundred. */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define N_BOUNDS (sizeof bounds / sizeof bounds[0])
#define N_CLASSES 5 /* 1xx..5xx */

typedef struct series {
    uint64_t count[N_CLASSES];
    uint64_t bucket[N_BOUNDS]; /* non-cumulative; summed when rendered */
    uint64_t sum_us;
} series;

struct rs_metrics {
    size_t n_routes, n_sources;
    char **routes, **sources;
    series *s; /* [n_routes][n_sources + 1]; slot 0 = no source */
};

rs_metrics *rs_metrics_new(size_t n_routes, const char *const *routes, size_t n_sources,
                           const char *const *sources)
{
    rs_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->n_routes = n_routes;
    m->n_sources = n_sources;
    m->routes = calloc(n_routes, sizeof *m->routes);
    m->sources = calloc(n_sources + 1, sizeof *m->sources);
    m->s = calloc(n_routes * (n_sources + 1), sizeof *m->s);
    if (!m->routes || !m->sources || !m->s)
        goto fail;
    for (size_t i = 0; i < n_routes; i++)
        if (!(m->routes[i] = strdup(routes[i])))
            goto fail;
    for (size_t i = 0; i < n_sources; i++)
        if (!(m->sources[i] = strdup(sources[i])))
            goto fail;
    return m;
fail:
    rs_metrics_free(m);
    return NULL;
}

void rs_metrics_free(rs_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->routes && i < m->n_routes; i++)
        free(m->routes[i]);
    for (size_t i = 0; m->sources && i < m->n_sources; i++)
        free(m->sources[i]);
    free(m->routes);
    free(m->sources);
    free(m->s);
    free(m);
}

void rs_metrics_observe(rs_metrics *m, size_t route, int source, int status, double seconds)
{
    if (route >= m->n_routes)
        return;
    size_t src = (source >= 0 && (size_t)source < m->n_sources) ? (size_t)source + 1 : 0;
    series *s = &m->s[route * (m->n_sources + 1) + src];
    int cls = status / 100 - 1;
    if (cls < 0 || cls >= N_CLASSES)
        cls = N_CLASSES - 1;
    __atomic_fetch_add(&s->count[cls], 1, __ATOMIC_RELAXED);
    size_t b = 0;
    while (b < N_BOUNDS && seconds > bounds[b])
        b++;
    if (b < N_BOUNDS)
        __atomic_fetch_add(&s->bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->sum_us, (uint64_t)(seconds * 1e6), __ATOMIC_RELAXED);
}

typedef struct out {
    char *p;
    size_t n, cap;
    int failed;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        if (o->failed)
            return;
        va_start(ap, fmt);
        int n = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->n) {
            o->n += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)(n > 0 ? n : 0);
        char *p = realloc(o->p, cap);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
}

char *rs_metrics_render(const rs_metrics *m, const char *extra)
{
    out o = {.cap = 8192};
    if (!(o.p = malloc(o.cap)))
        return NULL;
    o.p[0] = '\0';
    static const char *cls[N_CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    put(&o, "# HELP recsys_http_requests_total HTTP requests by route, source and status class.\n"
            "# TYPE recsys_http_requests_total counter\n");
    for (size_t r = 0; r < m->n_routes; r++)
        for (size_t s = 0; s <= m->n_sources; s++) {
            const series *x = &m->s[r * (m->n_sources + 1) + s];
            for (int c = 0; c < N_CLASSES; c++) {
                uint64_t v = __atomic_load_n(&x->count[c], __ATOMIC_RELAXED);
                if (v)
                    put(&o,
                        "recsys_http_requests_total{route=\"%s\",source=\"%s\",code=\"%s\"} %llu\n",
                        m->routes[r], s ? m->sources[s - 1] : "", cls[c], (unsigned long long)v);
            }
        }
    put(&o, "# HELP recsys_http_request_duration_seconds Request latency by route and source.\n"
            "# TYPE recsys_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < m->n_routes; r++)
        for (size_t s = 0; s <= m->n_sources; s++) {
            const series *x = &m->s[r * (m->n_sources + 1) + s];
            uint64_t total = 0;
            for (int c = 0; c < N_CLASSES; c++)
                total += __atomic_load_n(&x->count[c], __ATOMIC_RELAXED);
            if (!total)
                continue;
            const char *src = s ? m->sources[s - 1] : "";
            uint64_t cum = 0;
            for (size_t b = 0; b < N_BOUNDS; b++) {
                cum += __atomic_load_n(&x->bucket[b], __ATOMIC_RELAXED);
                put(&o,
                    "recsys_http_request_duration_seconds_bucket{route=\"%s\",source=\"%s\",le=\"%"
                    "g\"} %llu\n",
                    m->routes[r], src, bounds[b], (unsigned long long)cum);
            }
            put(&o,
                "recsys_http_request_duration_seconds_bucket{route=\"%s\",source=\"%s\",le=\"+"
                "Inf\"} %llu\n",
                m->routes[r], src, (unsigned long long)total);
            put(&o, "recsys_http_request_duration_seconds_sum{route=\"%s\",source=\"%s\"} %.6f\n",
                m->routes[r], src, (double)__atomic_load_n(&x->sum_us, __ATOMIC_RELAXED) / 1e6);
            put(&o, "recsys_http_request_duration_seconds_count{route=\"%s\",source=\"%s\"} %llu\n",
                m->routes[r], src, (unsigned long long)total);
        }
    if (extra)
        put(&o, "%s", extra);
    if (o.failed) {
        free(o.p);
        return NULL;
    }
    return o.p;
}
