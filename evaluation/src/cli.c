/* `recsys eval`: argument parsing and exit codes (0 ok, 1 runtime failure,
 * 2 usage or configuration error). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "recsys/eval.h"
#include "recsys/log.h"

#ifndef RS_EVAL_DEFAULT_CONFIG
#define RS_EVAL_DEFAULT_CONFIG "evaluation/sparsity.yaml"
#endif

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fputs("usage: recsys eval [--config FILE] [--out DIR] [--validate] [--quiet]\n"
          "                   [--progress=epoch|auto]\n"
          "Run the offline evaluation (sparsity sweep, new users, taste probes: each\n"
          "switched in the config) and write report.{json,csv,md,svg}.\n\n"
          "  --config FILE  eval config (default evaluation/sparsity.yaml)\n"
          "  --out DIR      output directory (default: output_dir in the config)\n"
          "  --validate     score on the validation split (for tuning)\n"
          "  --quiet        no progress lines\n"
          "  --progress=epoch  a line per training epoch, also on a pipe\n"
          "  --help         this text\n", f);
}

/* "--name VALUE" or "--name=VALUE"; advances *i past a separate value. */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **out)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "recsys eval: %s needs a value\n", name);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

static int fail(const rs_error *err)
{
    fprintf(stderr, "recsys eval: error: %s\n", err->message);
    return err->code == RS_ERR_CONFIG ? EXIT_USAGE : EXIT_RUNTIME;
}

int rs_eval_cli(int argc, char **argv)
{
    const char *config = NULL, *out_dir = NULL, *progress = NULL;
    rs_eval_options opt = {0, 0};
    for (int i = 1; i < argc; i++) {
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--validate")) {
            opt.validate = 1;
        } else if (!strcmp(argv[i], "--quiet")) {
            opt.quiet = 1;
        } else if ((r = opt_value(argc, argv, &i, "--config", &config)) ||
                   (r = opt_value(argc, argv, &i, "--out", &out_dir)) ||
                   (r = opt_value(argc, argv, &i, "--progress", &progress))) {
            if (r < 0)
                return EXIT_USAGE;
            if (progress && strcmp(progress, "epoch") && strcmp(progress, "auto")) {
                fprintf(stderr, "recsys eval: --progress must be 'epoch' or 'auto', got '%s'\n",
                        progress);
                return EXIT_USAGE;
            }
            if (progress)
                rs_progress_set_mode(strcmp(progress, "epoch") ? RS_PROGRESS_AUTO
                                                               : RS_PROGRESS_EVERY);
        } else {
            fprintf(stderr, "recsys eval: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!config) /* from the source tree root, else the one built in */
        config = access("evaluation/sparsity.yaml", R_OK) == 0 ? "evaluation/sparsity.yaml"
                                                              : RS_EVAL_DEFAULT_CONFIG;
    if (opt.quiet)
        rs_log_set_level(RS_LOG_WARN);

    rs_error err = {RS_OK, ""};
    rs_eval_config *cfg = NULL;
    rs_eval_report *rep = NULL;
    if (rs_eval_config_load(config, &cfg, &err) != RS_OK)
        return fail(&err);
    rs_config *host = NULL;
    if (rs_config_load(cfg->host_config, &host, &err) != RS_OK ||
        rs_eval_config_apply_host(cfg, host, &err) != RS_OK) {
        rs_config_free(host);
        rs_eval_config_free(cfg);
        return fail(&err);
    }
    rs_config_free(host);
    int rc = EXIT_OK;
    if (rs_eval_run(cfg, &opt, &rep, &err) != RS_OK ||
        rs_eval_write_all(rep, out_dir ? out_dir : cfg->output_dir, &err) != RS_OK)
        rc = fail(&err);
    else
        printf("%s/report.md\n", out_dir ? out_dir : cfg->output_dir);
    if (rc == EXIT_OK && rep->n_failures > 0) {
        fprintf(stderr, "recsys eval: error: %zu (level, instance) cell%s failed; "
                        "see the Failures section of the report\n",
                rep->n_failures, rep->n_failures == 1 ? "" : "s");
        rc = EXIT_RUNTIME;
    }
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    return rc;
}
