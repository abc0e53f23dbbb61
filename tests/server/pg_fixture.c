/* See pg_fixture.h. */
#include "pg_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_fixture_start(const char *dir, char *url, size_t size)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-cluster' start --no-fsync '%s/pg'", RS_SOURCE_DIR,
             dir);
    FILE *p = popen(cmd, "r");
    int ok = p && fgets(url, (int)size, p) != NULL;
    if (p)
        pclose(p);
    if (!ok) {
        fprintf(stderr, "test: cannot start PostgreSQL (%s)\n", cmd);
        return -1;
    }
    url[strcspn(url, "\r\n")] = '\0';
    snprintf(cmd, sizeof cmd,
             "psql -q '%s' -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null", url);
    if (system(cmd) != 0) {
        fprintf(stderr, "test: resetting the schema at %s failed\n", url);
        return -1;
    }
    setenv("RECSYS_DATABASE_URL", url, 1);
    return 0;
}

void pg_fixture_stop(const char *dir)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-cluster' stop '%s/pg'", RS_SOURCE_DIR, dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test: stopping PostgreSQL failed\n");
}
