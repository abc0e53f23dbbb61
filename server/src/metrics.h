/* Server-internal: Prometheus counters and latency histograms per route,
 * source and status class. Lock-free: observe() runs on every request. */
#ifndef RS_SERVER_METRICS_H
#define RS_SERVER_METRICS_H

#include <stddef.h>

typedef struct rs_metrics rs_metrics;

/* Names are copied. Source index -1 means "no source". */
rs_metrics *rs_metrics_new(size_t n_routes, const char *const *routes, size_t n_sources,
                           const char *const *sources);
void rs_metrics_free(rs_metrics *m);
void rs_metrics_observe(rs_metrics *m, size_t route, int source, int status, double seconds);
/* Exposition text (malloc'd, caller frees), or NULL when out of memory.
 * `extra` is appended verbatim (model versions). */
char *rs_metrics_render(const rs_metrics *m, const char *extra);

#endif
