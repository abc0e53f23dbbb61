/* The `recsys` program as a user runs it: from outside the repository,
 * without --config, it still finds the shipped configs/default.yaml
 * (beside its executable), while --config stays relative to the working
 * directory. */
#include <fcntl.h>
#include <sys/wait.h>

#include "test_util.h"

/* Run build/recsys with argv in `cwd`, stdout and stderr into one string
 * (caller frees); returns the exit status. */
static int run_recsys(const char *cwd, char *const argv[], char **out)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/out.txt", cwd);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || chdir(cwd) != 0)
            _exit(127);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execv(RS_BUILD_DIR "/recsys", argv);
        _exit(127);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    *out = calloc(1, 1 << 16);
    size_t n = fread(*out, 1, (1 << 16) - 1, f);
    (*out)[n] = '\0';
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(default_config_is_found_from_any_directory)
{
    const char *data = tu_shared_data();
    if (!data)
        return; /* no MovieLens here: nothing to load */
    /* The shipped config's data.dir is relative to the repository; the
     * data lives in the shared folder. Nothing else is overridden. */
    setenv("RECSYS_DATA_DIR", data, 1);
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_PLUGIN_PATH");
    unsetenv("RECSYS_TEXT_FILE");
    char *dir = tu_tempdir(), *out = NULL;
    char *plugins[] = {"recsys", "plugins", NULL};
    int rc = run_recsys(dir, plugins, &out);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(!tu_contains(out, "cannot open"), "%s", out);
    /* it read the shipped config: its instances are listed */
    tu_assert_contains(out, "popularity");
    tu_assert_contains(out, "lightgcn");
    free(out);

    /* --config is the user's path, relative to where they are */
    char *missing[] = {"recsys", "plugins", "--config", "mine.yaml", NULL};
    rc = run_recsys(dir, missing, &out);
    ck_assert_int_ne(rc, 0);
    tu_assert_contains(out, "mine.yaml");
    free(out);
    tu_write(dir, "mine.yaml", "data: {dir: /nonexistent-data}\ninstances:\n  - {name: p}\n");
    unsetenv("RECSYS_DATA_DIR");
    rc = run_recsys(dir, missing, &out);
    ck_assert_int_eq(rc, 1); /* a missing directory is a runtime failure */
    tu_assert_contains(out, "mine.yaml:1:13: data.dir");
    free(out);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, default_config_is_found_from_any_directory);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
