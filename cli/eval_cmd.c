/* `recsys eval`: argument parsing over rs_eval_command_run. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "recsys/eval.h"
#include "recsys/log.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2 };

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
          "  --help         this text\n",
          f);
}

/* "--name VALUE" or "--name=VALUE"; advances *i past a separate value. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **out)
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

int rs_cli_eval(int argc, char **argv)
{
    char found[PATH_MAX];
    const char *progress = NULL;
    rs_eval_command cmd = {NULL, NULL, {0, 0}};
    for (int i = 1; i < argc; i++) {
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--validate")) {
            cmd.run.validate = 1;
        } else if (!strcmp(argv[i], "--quiet")) {
            cmd.run.quiet = 1;
        } else if ((r = opt_value(argc, argv, &i, "--config", &cmd.config_path)) ||
                   (r = opt_value(argc, argv, &i, "--out", &cmd.out_dir)) ||
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
    if (!cmd.config_path) /* from the source tree root, the build tree or an install */
        cmd.config_path = rs_cli_find_file("evaluation/sparsity.yaml", found, sizeof found);
    return rs_eval_command_run(&cmd);
}
