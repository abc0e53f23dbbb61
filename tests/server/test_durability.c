/*
 * Durability and faults of `recsys serve` on its private PostgreSQL
 * (issue 18): the real server (rs_cli_serve in a forked child, as the CLI
 * runs it) on the private cluster it starts itself, with fsync on as
 * served, under streams of rating writes from several clients.
 *
 *  - SIGKILL of the server mid-stream: every rating that got a 200 is in
 *    the database after a restart; the restarted server adopts the cluster
 *    the dead one left running and, on SIGTERM, stops it.
 *  - SIGKILL of the postmaster mid-stream: the server answers 503 with a
 *    JSON body (health included), never crashes or hangs, reconnects by
 *    itself once the cluster is back, and loses no acknowledged write.
 *  - Two servers on one private cluster: the last to stop stops it.
 *
 * The work directory sits under a 0700 directory, like a clone under
 * /root: as root the cluster runs as `postgres`, which cannot traverse it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http_client.h"
#include "recsys/server.h"
#include "check_main.h"
#include "cli.h"

#define STREAMS 4
#define MAX_WRITES 400 /* per stream; each write rates a different movie */

static char g_dir[1024], g_home[1100], g_work[1200], g_pg[1300], g_cfg[1300];

static const char *shared_data(void)
{
    const char *e = getenv("RECSYS_SHARED_DATA");
    return e && *e ? e : RS_SHARED_DATA_DEFAULT;
}

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int cluster_running(void)
{
    return sh("'%s/scripts/pg-cluster' status '%s' >/dev/null 2>&1", RS_SOURCE_DIR, g_pg) == 0;
}

static void cluster_url(char *url, size_t size)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-cluster' url '%s'", RS_SOURCE_DIR, g_pg);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(url, (int)size, p));
    pclose(p);
    url[strcspn(url, "\r\n")] = '\0';
}

/* The cluster's directory: DIR itself, or where DIR/location says. */
static void cluster_base(char *out, size_t size)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/location", g_pg);
    FILE *f = fopen(path, "r");
    if (f && fgets(out, (int)size, f))
        out[strcspn(out, "\r\n")] = '\0';
    else
        snprintf(out, size, "%s", g_pg);
    if (f)
        fclose(f);
}

static pid_t postmaster_pid(void)
{
    char base[1400], path[1500];
    cluster_base(base, sizeof base);
    snprintf(path, sizeof path, "%s/data/postmaster.pid", base);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    long pid = 0;
    ck_assert_int_eq(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    return (pid_t)pid;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the server as a process ------------------------------------------------ */

typedef struct server {
    pid_t pid;
    int port;
    char log[1400];
} server;

static int log_has(const server *s, const char *needle)
{
    FILE *f = fopen(s->log, "r");
    char line[1024];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

static void server_start(server *s, int n)
{
    memset(s, 0, sizeof *s);
    snprintf(s->log, sizeof s->log, "%s/server-%d-%d.log", g_dir, (int)getpid(), n);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        /* Dies with the test, whatever the test does. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        close(fd);
        char *argv[] = {"serve", "--config", g_cfg, "--port", "0", NULL};
        _exit(rs_cli_serve(5, argv));
    }
    const char *tag = "recsys: serving on http://127.0.0.1:";
    for (double t0 = now_s(); !s->port && now_s() - t0 < 120;) {
        FILE *f = fopen(s->log, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, tag, strlen(tag)) == 0)
                s->port = atoi(line + strlen(tag));
        if (f)
            fclose(f);
        int status;
        ck_assert_msg(waitpid(s->pid, &status, WNOHANG) == 0, "the server exited; see %s", s->log);
        if (!s->port)
            usleep(100 * 1000);
    }
    ck_assert_msg(s->port > 0, "the server did not start; see %s", s->log);
}

/* Signal the server and return its exit status (-sig when killed). */
static int server_stop(server *s, int sig)
{
    ck_assert_int_eq(kill(s->pid, sig), 0);
    int status = 0;
    while (waitpid(s->pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void new_user(int port, const char *name, char *cookie)
{
    char body[256];
    http_resp r = {0};
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse\"}", name);
    ck_assert_int_eq(http_do(port, "POST", "/api/register", body, NULL, NULL, &r), 0);
    ck_assert_msg(r.status == 201, "register %s: %ld %s", name, r.status, r.body);
    strcpy(cookie, r.cookie);
    http_resp_free(&r);
}

/* ---- streams of rating writes ------------------------------------------------ */

typedef struct stream {
    int port;
    char user[64];
    char cookie[128];
    long long movie[MAX_WRITES];
    double rating[MAX_WRITES];
    long status[MAX_WRITES];     /* HTTP status; 0 = no reply */
    int n;                       /* writes attempted */
    int stop_on_transport_error; /* the server is about to be killed */
    int bad;                     /* a reply that is neither 200 nor a JSON 503 */
    char bad_text[256];
    int transport_errors;
} stream;

static atomic_int g_acked, g_unavailable, g_stop;

static void *stream_run(void *arg)
{
    stream *s = arg;
    CURL *h = curl_easy_init();
    http_resp r = {0};
    for (; s->n < MAX_WRITES && !atomic_load(&g_stop); s->n++) {
        char path[64], body[64];
        int i = s->n;
        s->rating[i] = 0.5 + (i % 10) * 0.5;
        snprintf(path, sizeof path, "/api/ratings/%lld", s->movie[i]);
        snprintf(body, sizeof body, "{\"rating\":%.1f}", s->rating[i]);
        http_resp_free(&r);
        if (http_do_on(h, s->port, "PUT", path, body, NULL, s->cookie, NULL, &r) != 0) {
            s->transport_errors++;
            if (s->stop_on_transport_error) {
                s->n++;
                break;
            }
            continue;
        }
        s->status[i] = r.status;
        if (r.status == 200) {
            atomic_fetch_add(&g_acked, 1);
        } else if (r.status == 503 && r.json && strcmp(http_error_code(&r), "unavailable") == 0) {
            atomic_fetch_add(&g_unavailable, 1);
            usleep(20 * 1000);
        } else if (!s->bad) {
            s->bad = 1;
            snprintf(s->bad_text, sizeof s->bad_text, "PUT %s: %ld %s", path, r.status,
                     r.body ? r.body : "");
        }
    }
    http_resp_free(&r);
    curl_easy_cleanup(h);
    return NULL;
}

/* STREAMS users, each rating its own MAX_WRITES movies in order. */
static stream *streams_new(int port, const char *tag)
{
    char url[1024];
    cluster_url(url, sizeof url);
    PGconn *c = PQconnectdb(url);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *res = PQexec(c, "SELECT id FROM movies ORDER BY id LIMIT 1600");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_int_eq(PQntuples(res), STREAMS * MAX_WRITES);
    stream *s = calloc(STREAMS, sizeof *s);
    ck_assert_ptr_nonnull(s);
    for (int k = 0; k < STREAMS; k++) {
        s[k].port = port;
        snprintf(s[k].user, sizeof s[k].user, "%s%d_%d", tag, (int)getpid(), k);
        new_user(port, s[k].user, s[k].cookie);
        for (int i = 0; i < MAX_WRITES; i++)
            s[k].movie[i] = atoll(PQgetvalue(res, k * MAX_WRITES + i, 0));
    }
    PQclear(res);
    PQfinish(c);
    atomic_store(&g_acked, 0);
    atomic_store(&g_unavailable, 0);
    atomic_store(&g_stop, 0);
    return s;
}

static void wait_for(atomic_int *counter, int at_least, double limit_s, const char *what)
{
    double t0 = now_s();
    while (atomic_load(counter) < at_least) {
        ck_assert_msg(now_s() - t0 < limit_s, "waited %.0f s for %s", limit_s, what);
        usleep(10 * 1000);
    }
}

/* Every write that got a 200 is in the database, with its value. Returns
 * the number checked. */
static int assert_acked_durable(const stream *s)
{
    char url[1024];
    cluster_url(url, sizeof url);
    PGconn *c = PQconnectdb(url);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    int checked = 0;
    for (int k = 0; k < STREAMS; k++) {
        for (int i = 0; i < s[k].n; i++) {
            if (s[k].status[i] != 200)
                continue;
            char mid[24];
            snprintf(mid, sizeof mid, "%lld", s[k].movie[i]);
            const char *p[2] = {s[k].user, mid};
            PGresult *res = PQexecParams(
                c,
                "SELECT r.rating FROM ratings r JOIN users u ON u.id = r.user_id"
                " WHERE u.username = $1 AND r.movie_id = $2",
                2, NULL, p, NULL, NULL, 0);
            ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
            ck_assert_msg(PQntuples(res) == 1, "acknowledged rating %s/%s is lost", s[k].user, mid);
            ck_assert_double_eq_tol(strtod(PQgetvalue(res, 0, 0), NULL), s[k].rating[i], 1e-6);
            PQclear(res);
            checked++;
        }
    }
    PQfinish(c);
    return checked;
}

static void streams_start(stream *s, pthread_t *th)
{
    for (int k = 0; k < STREAMS; k++)
        ck_assert_int_eq(pthread_create(&th[k], NULL, stream_run, &s[k]), 0);
}

static void streams_join(stream *s, pthread_t *th)
{
    for (int k = 0; k < STREAMS; k++) {
        pthread_join(th[k], NULL);
        ck_assert_msg(!s[k].bad, "%s", s[k].bad_text);
    }
}

/* ---- the tests ------------------------------------------------------------------ */

START_TEST(server_sigkill_loses_no_acknowledged_rating)
{
    server a;
    server_start(&a, 1);
    ck_assert(log_has(&a, "starting private PostgreSQL"));
    if (geteuid() == 0) {
        /* postgres cannot reach g_work: the cluster lives in its home. */
        char base[1400];
        cluster_base(base, sizeof base);
        ck_assert_str_ne(base, g_pg);
    }
    stream *s = streams_new(a.port, "k");
    pthread_t th[STREAMS];
    for (int k = 0; k < STREAMS; k++)
        s[k].stop_on_transport_error = 1;
    streams_start(s, th);
    wait_for(&g_acked, 60, 60, "60 acknowledged ratings");
    ck_assert_int_eq(server_stop(&a, SIGKILL), -SIGKILL);
    streams_join(s, th);
    for (int k = 0; k < STREAMS; k++) {
        ck_assert_int_lt(s[k].n, MAX_WRITES); /* each stream was cut by the kill */
        ck_assert_int_eq(s[k].transport_errors, 1);
    }
    /* The crash leaves the cluster up; the next server adopts it... */
    ck_assert(cluster_running());
    server b;
    server_start(&b, 2);
    ck_assert(log_has(&b, "adopting the running private PostgreSQL"));
    int checked = assert_acked_durable(s);
    ck_assert_int_ge(checked, 60);
    fprintf(stderr, "durability: server SIGKILLed; %d acknowledged ratings, all in the database\n",
            checked);
    /* ...sees the same ratings through the API... */
    http_resp r = {0};
    ck_assert_int_eq(http_do(b.port, "GET", "/api/ratings", NULL, NULL, s[0].cookie, &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    /* ...and, though it did not start the cluster, stops it on SIGTERM. */
    ck_assert_int_eq(server_stop(&b, SIGTERM), 0);
    ck_assert(log_has(&b, "recsys: stopped"));
    ck_assert(!cluster_running());
    free(s);
}
END_TEST

START_TEST(postmaster_sigkill_under_load)
{
    server a;
    server_start(&a, 1);
    stream *s = streams_new(a.port, "p");
    pthread_t th[STREAMS];
    streams_start(s, th);
    wait_for(&g_acked, 40, 60, "40 acknowledged ratings");
    ck_assert_int_eq(kill(postmaster_pid(), SIGKILL), 0);

    /* Down: health says so, writes get a JSON 503, quickly. */
    http_resp r = {0};
    double t0 = now_s();
    for (;;) {
        double t = now_s();
        ck_assert_int_eq(http_do(a.port, "GET", "/api/health", NULL, NULL, NULL, &r), 0);
        ck_assert_double_lt(now_s() - t, 10);
        if (r.status == 503)
            break;
        ck_assert_int_eq(r.status, 200);
        ck_assert_double_lt(now_s() - t0, 20);
        http_resp_free(&r);
        usleep(50 * 1000);
    }
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "degraded");
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "database")), "unreachable");
    http_resp_free(&r);
    int before = atomic_load(&g_unavailable);
    wait_for(&g_unavailable, before + 20, 30, "20 JSON 503s while the database is down");
    ck_assert_int_eq(waitpid(a.pid, NULL, WNOHANG), 0); /* no crash */

    /* Back (as a supervisor would bring it): the server reconnects alone. */
    ck_assert_int_eq(sh("'%s/scripts/pg-cluster' start '%s' >/dev/null", RS_SOURCE_DIR, g_pg), 0);
    t0 = now_s();
    for (;;) {
        ck_assert_int_eq(http_do(a.port, "GET", "/api/health", NULL, NULL, NULL, &r), 0);
        if (r.status == 200)
            break;
        ck_assert_double_lt(now_s() - t0, 30);
        http_resp_free(&r);
        usleep(100 * 1000);
    }
    http_resp_free(&r);
    int acked = atomic_load(&g_acked);
    wait_for(&g_acked, acked + 40, 60, "40 more acknowledged ratings after the restart");
    atomic_store(&g_stop, 1);
    streams_join(s, th);
    for (int k = 0; k < STREAMS; k++)
        ck_assert_int_eq(s[k].transport_errors, 0); /* never crashed, never hung */
    int checked = assert_acked_durable(s);
    ck_assert_int_ge(checked, 80);
    fprintf(stderr,
            "durability: postmaster SIGKILLed; %d JSON 503s in all, %d acknowledged "
            "ratings, all in the database\n",
            atomic_load(&g_unavailable), checked);
    ck_assert_int_eq(server_stop(&a, SIGTERM), 0);
    ck_assert(!cluster_running());
    free(s);
}
END_TEST

/* Whoever serves on the private cluster owns its shutdown, but not while
 * another server still uses it. */
START_TEST(last_server_stops_the_cluster)
{
    server a, b;
    server_start(&a, 1);
    server_start(&b, 2);
    ck_assert(log_has(&b, "adopting the running private PostgreSQL"));
    ck_assert_int_eq(server_stop(&a, SIGTERM), 0);
    ck_assert(log_has(&a, "another server still uses the private PostgreSQL"));
    ck_assert(cluster_running());
    http_resp r = {0};
    ck_assert_int_eq(http_do(b.port, "GET", "/api/health", NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    ck_assert_int_eq(server_stop(&b, SIGTERM), 0);
    ck_assert(!cluster_running());
}
END_TEST

/* Defects 2 and 4 of issue 18: the cluster trusted every local user (as
 * superuser, on a 0777 socket and on TCP) and ran with fsync off. */
static int can_connect(const char *conninfo, char *why, size_t size)
{
    PGconn *c = PQconnectdb(conninfo);
    int ok = PQstatus(c) == CONNECTION_OK;
    snprintf(why, size, "%s", PQerrorMessage(c));
    PQfinish(c);
    return ok;
}

START_TEST(private_cluster_admits_only_the_app_role)
{
    server a;
    server_start(&a, 1);
    char url[1024], base[1400], path[1500], info[2048], why[512];
    cluster_url(url, sizeof url);
    cluster_base(base, sizeof base);
    int port = 0;
    ck_assert_int_eq(sscanf(strstr(url, "127.0.0.1:"), "127.0.0.1:%d", &port), 1);

    PGconn *c = PQconnectdb(url);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *r = PQexec(c, "SELECT current_user, rolsuper, current_setting('fsync')"
                            " FROM pg_roles WHERE rolname = current_user");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "recsys_app");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), "f");
    ck_assert_str_eq(PQgetvalue(r, 0, 2), "on"); /* as served */
    PQclear(r);
    r = PQexec(c, "COPY (SELECT 1) TO PROGRAM 'true'");
    ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    PQfinish(c);

    /* TCP: no password, no entry; the superuser not at all. */
    snprintf(info, sizeof info,
             "host=127.0.0.1 port=%d dbname=recsys user=recsys_app passfile=%s/no-passfile", port,
             g_dir);
    ck_assert(!can_connect(info, why, sizeof why));
    ck_assert_msg(strstr(why, "password") != NULL, "%s", why);
    const char *others[] = {"postgres", "recsys"};
    for (int i = 0; i < 2; i++) {
        snprintf(info, sizeof info,
                 "host=127.0.0.1 port=%d dbname=recsys user=%s "
                 "password=anything",
                 port, others[i]);
        ck_assert(!can_connect(info, why, sizeof why));
        ck_assert_msg(strstr(why, "no pg_hba.conf entry") != NULL, "%s", why);
    }
    /* The socket directory and the password file are the owner's alone. */
    struct stat sb;
    snprintf(path, sizeof path, "%s/run", base);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/app.pgpass", g_pg);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    if (geteuid() == 0) {
        /* Another local user gets nowhere, by socket or by TCP. */
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(2);
            char sock[1600];
            snprintf(sock, sizeof sock, "host=%s/run port=%d dbname=postgres user=postgres", base,
                     port);
            _exit(can_connect(sock, why, sizeof why) || can_connect(url, why, sizeof why));
        }
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 0);
    }
    ck_assert_int_eq(server_stop(&a, SIGTERM), 0);
    ck_assert(!cluster_running());
}
END_TEST

/* ---- suite fixture (parent process) ----------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "test: cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* Stop the cluster and remove it, wherever it lives. */
static void cluster_remove(void)
{
    char base[1400];
    cluster_base(base, sizeof base);
    sh("'%s/scripts/pg-cluster' stop '%s' >/dev/null 2>&1", RS_SOURCE_DIR, g_pg);
    if (strcmp(base, g_pg) != 0)
        sh("rm -rf '%s'", base);
    sh("rm -rf '%s'", g_home);
}

static void run_setup(void)
{
    /* The suite writes its own config: nothing from the caller's
     * environment may override it. */
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    unsetenv("RECSYS_TEXT_FILE");
    unsetenv("RECSYS_PLUGIN_PATH");
    unsetenv("RECSYS_DATABASE_URL");
    unsetenv("RECSYS_PG_CLUSTER");
    snprintf(g_dir, sizeof g_dir, "%s/test-durability", RS_BUILD_DIR);
    snprintf(g_home, sizeof g_home, "%s/home", g_dir);
    snprintf(g_work, sizeof g_work, "%s/project/work", g_home);
    snprintf(g_pg, sizeof g_pg, "%s/pg", g_work);
    mkdir(g_dir, 0755);
    cluster_remove(); /* a previous run's, if it died */
    char path[1400], text[4096];
    snprintf(path, sizeof path, "%s/project", g_home);
    if (mkdir(g_home, 0700) != 0 || mkdir(path, 0755) != 0 || mkdir(g_work, 0755) != 0) {
        fprintf(stderr, "test: cannot create %s\n", g_work);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/static", g_dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/static/index.html", g_dir);
    write_file(path, "<!doctype html><title>recsys</title>\n");
    snprintf(text, sizeof text,
             "data:\n  dir: %s/ml-latest-small\n"
             "work_dir: %s\n"
             "prepare: {cf_min_item_ratings: 10, cf_min_user_ratings: 5}\n"
             "plugins:\n  path: [%s]\n"
             "instances:\n  - {name: popularity, plugin: popularity}\n"
             "serving: {default_source: popularity, cold_start: popularity}\n"
             "server:\n  port: 0\n  threads: 8\n"
             "  static_dir: %s/static\n"
             "  password_memlimit_kib: 8192\n"
             "  login_per_ip_per_min: 100000\n"
             "database:\n  pool_size: 8\n",
             shared_data(), g_work, RS_PLUGIN_BUILD_DIR, g_dir);
    snprintf(g_cfg, sizeof g_cfg, "%s/durability.yaml", g_dir);
    write_file(g_cfg, text);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static Suite *make_suite(void)
{
    Suite *s = suite_create("durability");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, server_sigkill_loses_no_acknowledged_rating);
    tcase_add_test(tc, postmaster_sigkill_under_load);
    tcase_add_test(tc, last_server_stops_the_cluster);
    tcase_add_test(tc, private_cluster_admits_only_the_app_role);
    suite_add_tcase(s, tc);
    return s;
}

static void after_all(void)
{
    cluster_remove();
    curl_global_cleanup();
}

RS_CHECK_MAIN_WITH(make_suite, run_setup, after_all)
