/* The main() of every Check test program, in one place. Needs only Check,
 * so suites that see no host header (plugin internals) use it too. */
#ifndef RS_CHECK_MAIN_H
#define RS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Run a suite; EXIT_FAILURE when any test failed. */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The main() of a Check test program: build the suite with suite_fn(),
 * run it (in Check's fork mode, so one crash fails one test) and exit
 * non-zero when a test failed. Write it without a trailing semicolon. */
#define RS_CHECK_MAIN(suite_fn) \
    int main(void) { return tu_run(suite_fn()); }

/* The same with process-wide set-up and tear-down around the run (a
 * PostgreSQL cluster, a server shared by the suite). */
#define RS_CHECK_MAIN_WITH(suite_fn, before, after) \
    int main(void)                                  \
    {                                               \
        before();                                   \
        int rc_ = tu_run(suite_fn());               \
        after();                                    \
        return rc_;                                 \
    }

#endif
