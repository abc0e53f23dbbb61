/* Shared helpers for the Check suites: temp dirs, fixture files, data. */
#ifndef RS_TEST_UTIL_H
#define RS_TEST_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "recsys/fsutil.h"

/* A fresh directory under $TMPDIR; the caller removes it. */
static inline char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/rs-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static inline void tu_write(const char *dir, const char *name, const char *text)
{
    char p[8704];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_msg(f != NULL, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
}

/* ml-latest-small from RECSYS_SHARED_DATA or the build-time default; NULL
 * (and the test should skip) when it is absent. */
static inline const char *tu_shared_data(void)
{
    static char dir[4096];
    const char *base = getenv("RECSYS_SHARED_DATA");
    if (!base || !*base)
        base = RS_SHARED_DATA_DEFAULT;
    snprintf(dir, sizeof dir, "%s/ml-latest-small", base);
    struct stat st;
    if (stat(dir, &st) != 0)
        return NULL;
    return dir;
}

static inline int tu_contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

#define tu_assert_contains(hay, needle) \
    ck_assert_msg(tu_contains((hay), (needle)), "expected '%s' in '%s'", (needle), (hay))

#endif
