/* Progress lines: throttled off a terminal by default, one per report with
 * RS_PROGRESS_EVERY (`--progress=epoch`), on a pipe or a file too. */
#include <fcntl.h>

#include "recsys/log.h"
#include "test_util.h"

/* Lines written to stderr while reporting epochs 1..n of n. */
static int lines_for(rs_progress_mode mode, int n)
{
    char path[] = "/tmp/rs-progress-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    rs_progress_set_mode(mode);
    for (int e = 1; e <= n; e++)
        rs_progress_report("inst", mode == RS_PROGRESS_EVERY ? "every" : "auto", e, n, "loss 0.5");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    unlink(path);
    return lines;
}

START_TEST(every_report_is_a_line) { ck_assert_int_eq(lines_for(RS_PROGRESS_EVERY, 200), 200); }
END_TEST

START_TEST(auto_mode_throttles_off_a_terminal)
{
    /* a line per 10 % (and the last): far fewer than 200 */
    int n = lines_for(RS_PROGRESS_AUTO, 200);
    ck_assert_int_ge(n, 2);
    ck_assert_int_le(n, 12);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, every_report_is_a_line);
    tcase_add_test(tc, auto_mode_throttles_off_a_terminal);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
