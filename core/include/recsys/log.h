/*
 * Logging and progress for the host and, through the host table, plugins.
 * Lines go to stderr as "recsys[subject] level: message". Progress renders
 * as a redrawn bar with ETA on a terminal and as plain lines (at most one
 * per 10 % or 10 s) otherwise. Thread-safe.
 */
#ifndef RECSYS_LOG_H
#define RECSYS_LOG_H

#include <stdarg.h>

#include "recsys/plugin.h"

/* Minimum level printed; RECSYS_LOG=debug|info|warn|error sets it too. */
void rs_log_set_level(rs_log_level level);
void rs_log(rs_log_level level, const char *subject, const char *fmt, ...) RS_PRINTF(3, 4);
void rs_log_v(rs_log_level level, const char *subject, const char *fmt, va_list ap);

/* Progress rendering: RS_PROGRESS_AUTO (a bar on a terminal, otherwise a
 * line per 10 % or 10 s) or RS_PROGRESS_EVERY (one line per report, on a
 * terminal or a pipe: `--progress=epoch`, for per-epoch logs). */
typedef enum rs_progress_mode { RS_PROGRESS_AUTO = 0, RS_PROGRESS_EVERY = 1 } rs_progress_mode;
void rs_progress_set_mode(rs_progress_mode mode);

/* `done` of `total` units of `task`; done >= total ends the bar. */
void rs_progress_report(const char *subject, const char *task, double done, double total,
                        const char *detail);

#endif /* RECSYS_LOG_H */
