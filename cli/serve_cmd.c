/* `recsys serve`: argument parsing over rs_serve_command_run. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "recsys/server.h"

static void usage(FILE *f)
{
    fputs("usage: recsys serve [--config FILE] [--port N]\n"
          "  Serve the web app and JSON API (docs/api.md).\n"
          "  --config FILE  configuration (default configs/default.yaml)\n"
          "  --port N       listen on port N (0 = any free port), overriding server.port\n"
          "  SIGINT/SIGTERM stop it cleanly: health answers 503 \"draining\" for\n"
          "  cluster.drain_wait_ms (0 without a cluster: section), then in-flight\n"
          "  requests finish.\n",
          f);
}

int rs_cli_serve(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    char found[PATH_MAX];
    rs_serve_command cmd = {NULL, -1};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': cmd.config_path = optarg; break;
        case 'p': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 0 || v > 65535) {
                fprintf(stderr, "recsys serve: --port must be 0..65535, got '%s'\n", optarg);
                return 2;
            }
            cmd.port = (int)v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "recsys serve: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!cmd.config_path)
        cmd.config_path = rs_cli_find_file("configs/default.yaml", found, sizeof found);
    return rs_serve_command_run(&cmd);
}
