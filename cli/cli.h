/*
 * The commands' argument parsing, kept in cli/ (h2o/nginx: the libraries
 * take typed options, the command line belongs to the program). Built as
 * the static library recsys_cli so the tests drive the same parsing the
 * `recsys` program does.
 *
 * Each function takes argv with argv[0] = the command name ("serve") and
 * returns the process exit code: 0 success, 1 runtime failure, 2 usage or
 * configuration error.
 */
#ifndef RECSYS_CLI_H
#define RECSYS_CLI_H

#include <stddef.h>

/* `recsys serve [--config FILE] [--port N]` (rs_serve_command_run). */
int rs_cli_serve(int argc, char **argv);

/* `recsys eval [--config FILE] [--out DIR] [--validate] [--quiet]
 * [--progress=epoch|auto]` (rs_eval_command_run). */
int rs_cli_eval(int argc, char **argv);

/*
 * Find a file the program ships, such as "configs/default.yaml", when no
 * option names one: `rel` in the working directory (the source tree root),
 * else <directory of the executable>/../rel (the build tree), else
 * <directory of the executable>/../share/recsys/rel (an install), else
 * the source tree the program was built from (a build directory outside
 * it). Returns
 * rel itself when none exists, so the error names the conventional path;
 * otherwise buf.
 */
const char *rs_cli_find_file(const char *rel, char *buf, size_t size);

#endif /* RECSYS_CLI_H */
