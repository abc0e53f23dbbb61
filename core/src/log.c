#include "recsys/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int min_level = -1;

void rs_log_set_level(rs_log_level level) { min_level = (int)level; }

static int level_now(void)
{
    if (min_level < 0) {
        const char *e = getenv("RECSYS_LOG");
        min_level = RS_LOG_INFO;
        if (e && !strcasecmp(e, "debug"))
            min_level = RS_LOG_DEBUG;
        if (e && !strcasecmp(e, "warn"))
            min_level = RS_LOG_WARN;
        if (e && !strcasecmp(e, "error"))
            min_level = RS_LOG_ERROR;
    }
    return min_level;
}

void rs_log_v(rs_log_level level, const char *subject, const char *fmt, va_list ap)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if ((int)level < level_now())
        return;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "recsys[%s] %s: %s\n", subject ? subject : "host", names[level & 3], line);
    pthread_mutex_unlock(&log_mu);
}

void rs_log(rs_log_level level, const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rs_log_v(level, subject, fmt, ap);
    va_end(ap);
}

static rs_progress_mode progress_mode = RS_PROGRESS_AUTO;

void rs_progress_set_mode(rs_progress_mode mode) { progress_mode = mode; }

/* One progress line at a time is enough: fits run one after another. */
static struct {
    char key[128];
    double started, last_print, last_frac;
} bar;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void rs_progress_report(const char *subject, const char *task, double done, double total,
                        const char *detail)
{
    char key[128];
    snprintf(key, sizeof key, "%s/%s", subject ? subject : "", task ? task : "");
    pthread_mutex_lock(&log_mu);
    double t = now_s();
    if (strcmp(key, bar.key) != 0 || done <= 0) {
        snprintf(bar.key, sizeof bar.key, "%s", key);
        bar.started = t;
        bar.last_print = 0;
        bar.last_frac = -1;
    }
    double frac = total > 0 ? done / total : 0;
    if (frac > 1)
        frac = 1;
    double elapsed = t - bar.started;
    double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    int finished = done >= total;
    int every = progress_mode == RS_PROGRESS_EVERY;
    if (!every && isatty(STDERR_FILENO)) {
        char cells[31];
        int filled = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            cells[i] = i < filled ? '#' : '.';
        cells[30] = '\0';
        fprintf(stderr, "\r%s [%s] %3.0f%% %.0f/%.0f %s  ETA %.0fs   %s", key, cells, frac * 100,
                done, total, detail ? detail : "", eta, finished ? "\n" : "");
    } else if (every || finished || frac - bar.last_frac >= 0.1 || t - bar.last_print >= 10) {
        fprintf(stderr, "recsys[%s] progress: %s %.0f/%.0f (%.0f%%) %s elapsed %.1fs ETA %.1fs\n",
                subject ? subject : "host", task ? task : "", done, total, frac * 100,
                detail ? detail : "", elapsed, eta);
        bar.last_print = t;
        bar.last_frac = frac;
    }
    pthread_mutex_unlock(&log_mu);
}
