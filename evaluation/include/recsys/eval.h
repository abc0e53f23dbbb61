/*
 * The offline evaluation harness over the instances of a host config: a
 * sparsity sweep scored on one held-out split, the new-user protocol
 * (users held out of training, queried with n of their ratings) and taste
 * probes, written as report.json, report.csv, report.md and report.svg.
 * See docs/evaluation.md for the protocols.
 *
 * Thread contract: rs_eval_run uses its own worker threads for the
 * recommend calls; call it from one thread. The report it returns is
 * read-only.
 */
#ifndef RECSYS_EVAL_H
#define RECSYS_EVAL_H

#include "recsys/eval_config.h"
#include "recsys/eval_report.h"

typedef struct rs_eval_options {
    int validate; /* 1 = score on the validation split carved from train */
    int quiet;    /* 1 = no progress lines on stderr */
} rs_eval_options;

/*
 * Run every enabled protocol: load the host config and its data; the
 * sweep splits, then for every level thins the training ratings, fits
 * every instance on them and scores every test user; the new-user
 * protocol holds users out, fits once on the rest and scores each held-out
 * user per n; the taste probes query that same fitted engine. On success
 * *out is a report the caller frees with rs_eval_report_free (before
 * rs_eval_config_free). An instance whose fit or recommend fails at one
 * level (or n) does not stop the run: its cell holds the error, its numbers
 * are undefined, and (*out)->n_failures counts it; a failed new-user fit
 * fails its cell at every n and skips the instance in the probes.
 * Configuration, data and engine-creation errors fail the whole run.
 */
rs_status rs_eval_run(const rs_eval_config *cfg, const rs_eval_options *opt, rs_eval_report **out,
                      rs_error *err);

/*
 * Create `dir` and write report.json, report.csv, report.md and the chart.
 * A missing gnuplot only warns (on stderr) and skips the chart.
 */
rs_status rs_eval_write_all(const rs_eval_report *r, const char *dir, rs_error *err);

/* `recsys eval` after argument parsing (cli/eval_cmd.c). */
typedef struct rs_eval_command {
    const char *config_path; /* the eval file */
    const char *out_dir;     /* NULL = output_dir from the eval file */
    rs_eval_options run;     /* --validate, --quiet */
} rs_eval_command;

/*
 * Load the eval file and its host config, run every enabled protocol and
 * write the reports. Returns the exit code: 0 on success, 1 on a runtime
 * failure (data, plugin, I/O; also when any cell failed, after the reports
 * are written), 2 on a configuration error. Messages go to stderr; the
 * path of report.md to stdout.
 */
int rs_eval_command_run(const rs_eval_command *cmd);

#endif /* RECSYS_EVAL_H */
