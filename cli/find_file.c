/* Shipped files (the default config, the default eval file) found from any
 * working directory: see rs_cli_find_file in cli.h. */
#include "cli.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static int readable(const char *path) { return access(path, R_OK) == 0; }

const char *rs_cli_find_file(const char *rel, char *buf, size_t size)
{
    if (readable(rel))
        return rel;
    /* /proc/self/exe, not argv[0]: the program may have been found on PATH
     * or through a symlink. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return rel;
    exe[n] = '\0';
    const char *dir = dirname(exe);
    static const char *const layouts[] = {"", "share/recsys/"}; /* build tree, install */
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        int len = snprintf(buf, size, "%s/../%s%s", dir, layouts[i], rel);
        if (len > 0 && (size_t)len < size && readable(buf))
            return buf;
    }
#ifdef RS_CLI_SOURCE_DIR
    /* A build directory outside the source tree (cmake -B /elsewhere). */
    int len = snprintf(buf, size, "%s/%s", RS_CLI_SOURCE_DIR, rel);
    if (len > 0 && (size_t)len < size && readable(buf))
        return buf;
#endif
    return rel;
}
