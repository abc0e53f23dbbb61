/* Shared set-up of the EASE benchmarks: find ml-latest-small and write a
 * host config for it in a fresh temporary directory. */
#ifndef EASE_BENCH_H
#define EASE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* ml-latest-small from RECSYS_SHARED_DATA or the build-time default, or
 * NULL when absent. */
static inline const char *eb_ml_dir(void)
{
    static char dir[4096];
    const char *base = getenv("RECSYS_SHARED_DATA");
    struct stat st;
    snprintf(dir, sizeof dir, "%s/ml-latest-small", base && *base ? base : RS_SHARED_DATA_DEFAULT);
    return stat(dir, &st) == 0 ? dir : NULL;
}

/* Make a temporary directory (into tmp, a "/tmp/x-XXXXXX" template) and
 * write <tmp>/cfg.yaml over ml_dir with the host's default CF subset and
 * `instances` (YAML list lines) into cfg_path. Returns 0 on failure. */
static inline int eb_write_config(char *tmp, const char *ml, const char *instances, char *cfg_path,
                                  size_t cap)
{
    if (!mkdtemp(tmp))
        return 0;
    snprintf(cfg_path, cap, "%s/cfg.yaml", tmp);
    FILE *f = fopen(cfg_path, "w");
    if (!f)
        return 0;
    int ok = fprintf(f,
                     "data:\n  dir: %s\nwork_dir: %s/work\nthreads: 1\n"
                     "prepare:\n  cf_min_item_ratings: 10\n  cf_min_user_ratings: 5\n"
                     "plugins:\n  path: [%s]\ninstances:\n%s",
                     ml, tmp, RS_PLUGIN_BUILD_DIR, instances) > 0;
    return fclose(f) == 0 && ok;
}

#endif
