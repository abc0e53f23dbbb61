/*
 * recsys: the command-line host. Uses only the public headers of the core
 * (and of the server and evaluation libraries when they are built).
 *
 * Exit codes: 0 success, 1 runtime failure (data, plugin, I/O), 2 usage or
 * configuration error.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "recsys/config.h"
#include "recsys/dataset.h"
#include "recsys/dataset_formats.h"
#include "recsys/engine.h"
#include "recsys/fsutil.h"
#include "recsys/log.h"

#define EXIT_USAGE 2
#define DEFAULT_CONFIG "configs/default.yaml"

typedef struct cli {
    const char *config_path;
    rs_config *cfg;
    rs_movielens *ml;
    rs_engine *engine;
    double load_seconds;
} cli;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(rs_error *err)
{
    fprintf(stderr, "recsys: error: %s\n", err->message);
    return err->code == RS_ERR_CONFIG ? EXIT_USAGE : EXIT_FAILURE;
}

static void cli_close(cli *c)
{
    rs_engine_free(c->engine);
    rs_movielens_free(c->ml);
    rs_config_free(c->cfg);
}

/* Config, then data, then (optionally) the engine: each step's errors
 * name their file and line. */
static int cli_open(cli *c, int with_engine, rs_error *err)
{
    if (rs_config_load(c->config_path, &c->cfg, err) != RS_OK)
        return fail(err);
    double t0 = now_s();
    /* MovieLens (data:) or the dataset: section's format */
    if (rs_dataset_load_config(c->cfg, &c->ml, NULL, err) != RS_OK)
        return fail(err);
    c->load_seconds = now_s() - t0;
    if (with_engine && rs_engine_new(c->cfg, rs_movielens_view(c->ml), &c->engine, err) != RS_OK)
        return fail(err);
    return 0;
}

static void usage_main(FILE *f)
{
    fprintf(f,
            "usage: recsys <command> [--config FILE] [options]\n\n"
            "commands:\n"
            "  prepare     load MovieLens, build the CF subset, print what was kept\n"
            "  train       train instances and save their artifacts\n"
            "  recommend   top-k movies for a dataset user (or --all as CSV)\n"
            "  similar     movies similar to a movie\n"
            "  plugins     list the configured plugins and their params\n"
            "  serve       run the web app and REST API\n"
            "  eval        run the offline evaluation sweep\n\n"
            "Every command takes --config FILE (default %s, looked up in the working\n"
            "directory, then beside the recsys executable) and --help.\n"
            "Environment: RECSYS_DATA_DIR, RECSYS_WORK_DIR, RECSYS_PLUGIN_PATH,\n"
            "RECSYS_TEXT_FILE override the config; RECSYS_LOG=debug|info|warn|error.\n",
            DEFAULT_CONFIG);
}

/* Parses --config and the command's own options. Returns -1 to continue,
 * otherwise an exit code. */
typedef struct opts {
    const char *source;
    int64_t user, movie;
    long k;
    int all, explain, force;
    int resume; /* train: continue from checkpoints */
} opts;

static int parse_opts(int argc, char **argv, const char *usage, cli *c, opts *o)
{
    static const struct option longopts[] = {{"config", required_argument, 0, 'c'},
                                             {"source", required_argument, 0, 's'},
                                             {"user", required_argument, 0, 'u'},
                                             {"movie", required_argument, 0, 'm'},
                                             {"k", required_argument, 0, 'k'},
                                             {"all", no_argument, 0, 'a'},
                                             {"explain", no_argument, 0, 'e'},
                                             {"help", no_argument, 0, 'h'},
                                             {"resume", no_argument, 0, 'r'},
                                             {"progress", required_argument, 0, 'p'},
                                             {0, 0, 0, 0}};
    int ch;
    char *end;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:s:u:m:k:aeh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': c->config_path = optarg; break;
        case 's': o->source = optarg; break;
        case 'u':
        case 'm': {
            long long v = strtoll(optarg, &end, 10);
            if (!*optarg || *end) {
                fprintf(stderr, "recsys: --%s must be an integer id, got '%s'\n",
                        ch == 'u' ? "user" : "movie", optarg);
                return EXIT_USAGE;
            }
            if (ch == 'u')
                o->user = v;
            else
                o->movie = v;
            break;
        }
        case 'k':
            o->k = strtol(optarg, &end, 10);
            if (!*optarg || *end || o->k < 1 || o->k > 10000) {
                fprintf(stderr, "recsys: -k must be an integer in 1..10000, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'a': o->all = 1; break;
        case 'e': o->explain = 1; break;
        case 'r': o->resume = 1; break;
        case 'p':
            /* "epoch": a line per progress report (every epoch of a fit),
             * even on a pipe; "auto": a bar on a terminal, else throttled */
            if (!strcmp(optarg, "epoch"))
                rs_progress_set_mode(RS_PROGRESS_EVERY);
            else if (!strcmp(optarg, "auto"))
                rs_progress_set_mode(RS_PROGRESS_AUTO);
            else {
                fprintf(stderr, "recsys: --progress must be 'epoch' or 'auto', got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': printf("%s", usage); return EXIT_SUCCESS;
        default: fprintf(stderr, "%s", usage); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "recsys: unexpected argument '%s'\n%s", argv[optind], usage);
        return EXIT_USAGE;
    }
    return -1;
}

static int cmd_prepare(cli *c, opts *o)
{
    (void)o;
    rs_error err = {0};
    int rc = cli_open(c, 0, &err);
    if (rc)
        return rc;
    const rs_dataset *d = rs_movielens_view(c->ml);
    rs_cf_stats cf = rs_dataset_cf_stats(d);
    int32_t with_text = 0, with_tags = 0, rated = 0;
    for (int32_t i = 0; i < d->n_items; i++) {
        with_text += d->items[i].overview[0] != '\0';
        with_tags += d->items[i].tags[0] != '\0';
        rated += d->item_ptr[i + 1] > d->item_ptr[i];
    }
    printf("dataset        %s (loaded in %.3f s)\n", c->cfg->data_dir, c->load_seconds);
    printf("text           %s\n", c->cfg->text_file ? c->cfg->text_file : "(none)");
    printf("catalogue      %d movies (%d rated, %d with plot text, %d with tags), %d genres\n",
           d->n_items, rated, with_text, with_tags, d->n_genres);
    printf("ratings        %zu by %d users\n", d->n_ratings, d->n_users);
    printf("CF subset      %d movies with >= %d ratings, %d users with >= %d ratings "
           "on them, %zu ratings (%.1f%% of movies, %.1f%% of ratings)\n",
           cf.items, c->cfg->cf_min_item_ratings, cf.users, c->cfg->cf_min_user_ratings, cf.ratings,
           100.0 * cf.items / (d->n_items ? d->n_items : 1),
           100.0 * (double)cf.ratings / (double)(d->n_ratings ? d->n_ratings : 1));
    /* The CF subset as a file, for outside tools. */
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/prepared", c->cfg->work_dir);
    snprintf(path, sizeof path, "%s/cf_movies.csv", dir);
    FILE *f = rs_mkdir_p(dir) == 0 ? fopen(path, "w") : NULL;
    if (!f) {
        fprintf(stderr, "recsys: error: cannot write %s\n", path);
        return EXIT_FAILURE;
    }
    fprintf(f, "movieId,n_ratings\n");
    for (int32_t i = 0; i < d->n_items; i++)
        if (d->cf_item[i])
            fprintf(f, "%lld,%zu\n", (long long)d->items[i].movie_id,
                    d->item_ptr[i + 1] - d->item_ptr[i]);
    if (fclose(f) != 0) {
        fprintf(stderr, "recsys: error: cannot write %s\n", path);
        return EXIT_FAILURE;
    }
    printf("wrote          %s\n", path);
    return EXIT_SUCCESS;
}

static int cmd_train(cli *c, opts *o)
{
    rs_error err = {0};
    int rc = cli_open(c, 1, &err);
    if (rc)
        return rc;
    rs_engine_set_resume(c->engine, o->resume);
    rs_status st = o->source ? rs_engine_load_or_train_one(c->engine, o->source, 1, &err)
                             : rs_engine_load_or_train(c->engine, 1, &err);
    if (st != RS_OK)
        return fail(&err);
    for (size_t i = 0; i < rs_engine_instance_count(c->engine); i++) {
        const char *name = rs_engine_instance_name(c->engine, i);
        if (rs_engine_instance_version(c->engine, name) > 0)
            printf("%-12s ready, artifacts in %s\n", name, rs_engine_artifact_dir(c->engine, name));
    }
    return EXIT_SUCCESS;
}

static const char *pick_source(const cli *c, const opts *o, uint32_t cap)
{
    if (o->source)
        return o->source;
    /* The serving role for this kind of list, if it can make one. */
    const char *role = rs_config_role(c->cfg, cap == RS_CAP_SIMILAR ? RS_ROLE_SIMILAR_SOURCE
                                                                    : RS_ROLE_DEFAULT_SOURCE);
    const rs_plugin_entry *pe = role ? rs_engine_instance_entry(c->engine, role) : NULL;
    if (pe && (pe->capabilities & cap))
        return role;
    for (size_t i = 0; i < rs_engine_instance_count(c->engine); i++) {
        const char *name = rs_engine_instance_name(c->engine, i);
        if (rs_engine_instance_entry(c->engine, name)->capabilities & cap)
            return name;
    }
    return rs_engine_instance_name(c->engine, 0);
}

/* The dataset user's own ratings as a query (they are excluded). */
static rs_rating *user_ratings(const rs_dataset *d, int32_t u, size_t *n)
{
    size_t lo = d->user_ptr[u], hi = d->user_ptr[u + 1];
    rs_rating *r = malloc((hi - lo + 1) * sizeof *r);
    if (!r)
        return NULL;
    for (size_t j = lo; j < hi; j++)
        r[j - lo] = (rs_rating){d->user_item[j], d->user_rating[j], d->user_time[j]};
    *n = hi - lo;
    return r;
}

static int recommend_all(cli *c, const char *source, size_t k)
{
    const rs_dataset *d = rs_movielens_view(c->ml);
    rs_scored *out = malloc(k * sizeof *out);
    rs_error err = {0};
    if (!out)
        return EXIT_FAILURE;
    printf("userId,rank,movieId,score\n");
    for (int32_t u = 0; u < d->n_users; u++) {
        size_t nr, n;
        rs_rating *r = user_ratings(d, u, &nr);
        if (!r) {
            free(out);
            return EXIT_FAILURE;
        }
        rs_query q = RS_QUERY(d->user_ids[u], r, nr, NULL, 0);
        rs_status st = rs_engine_recommend(c->engine, source, &q, k, out, NULL, &n, &err);
        free(r);
        if (st != RS_OK) {
            free(out);
            return fail(&err);
        }
        for (size_t i = 0; i < n; i++)
            printf("%lld,%zu,%lld,%.6g\n", (long long)d->user_ids[u], i + 1,
                   (long long)d->items[out[i].item].movie_id, out[i].score);
    }
    free(out);
    return EXIT_SUCCESS;
}

static void print_item(const rs_dataset *d, size_t rank, rs_scored s)
{
    const rs_item_meta *m = &d->items[s.item];
    char year[16] = "";
    if (m->year)
        snprintf(year, sizeof year, " (%d)", m->year);
    printf("%3zu. %-7lld %8.4f  %s%s  [%s]\n", rank, (long long)m->movie_id, s.score, m->title,
           year, m->genres);
}

static int cmd_recommend(cli *c, opts *o)
{
    rs_error err = {0};
    int rc = cli_open(c, 1, &err);
    if (rc)
        return rc;
    if (!o->all && o->user == INT64_MIN) {
        fprintf(stderr, "recsys: recommend needs --user ID or --all\n");
        return EXIT_USAGE;
    }
    const char *source = pick_source(c, o, RS_CAP_RECOMMEND);
    if (rs_engine_load_or_train_one(c->engine, source, 0, &err) != RS_OK)
        return fail(&err);
    size_t k = (size_t)(o->k ? o->k : 10);
    if (o->all)
        return recommend_all(c, source, k);
    const rs_dataset *d = rs_movielens_view(c->ml);
    int32_t u = rs_movielens_user_index(c->ml, o->user);
    if (u < 0) {
        fprintf(stderr, "recsys: error: user %lld is not in the dataset %s\n", (long long)o->user,
                c->cfg->data_dir);
        return EXIT_FAILURE;
    }
    size_t nr, n;
    rs_rating *r = user_ratings(d, u, &nr);
    rs_scored *out = malloc(k * sizeof *out);
    rs_explanation *ex = calloc(k, sizeof *ex);
    if (!r || !out || !ex) {
        free(r), free(out), free(ex);
        return EXIT_FAILURE;
    }
    rs_query q = RS_QUERY(o->user, r, nr, NULL, 0);
    for (size_t i = 0; i < k; i++)
        ex[i].because_item = -1;
    rs_status st = rs_engine_recommend(c->engine, source, &q, k, out, ex, &n, &err);
    if (st == RS_OK) {
        printf("top %zu for user %lld (%zu ratings) from '%s':\n", n, (long long)o->user, nr,
               source);
        for (size_t i = 0; i < n; i++) {
            print_item(d, i + 1, out[i]);
            if (o->explain && ex[i].because_item >= 0)
                printf("       because you rated %s\n", d->items[ex[i].because_item].title);
            for (uint32_t p = 0; o->explain && p < ex[i].n_parts && p < RS_EXPLAIN_MAX_PARTS; p++)
                printf("       %s %.0f%%\n", ex[i].parts[p].source, 100.0 * ex[i].parts[p].share);
        }
    }
    free(r), free(out), free(ex);
    return st == RS_OK ? EXIT_SUCCESS : fail(&err);
}

static int cmd_similar(cli *c, opts *o)
{
    rs_error err = {0};
    int rc = cli_open(c, 1, &err);
    if (rc)
        return rc;
    if (o->movie == INT64_MIN) {
        fprintf(stderr, "recsys: similar needs --movie ID\n");
        return EXIT_USAGE;
    }
    const rs_dataset *d = rs_movielens_view(c->ml);
    int32_t item = rs_movielens_item_index(c->ml, o->movie);
    if (item < 0) {
        fprintf(stderr, "recsys: error: movie %lld is not in the catalogue\n", (long long)o->movie);
        return EXIT_FAILURE;
    }
    const char *source = pick_source(c, o, RS_CAP_SIMILAR);
    if (rs_engine_load_or_train_one(c->engine, source, 0, &err) != RS_OK)
        return fail(&err);
    size_t k = (size_t)(o->k ? o->k : 10), n;
    rs_scored *out = malloc(k * sizeof *out);
    if (!out)
        return EXIT_FAILURE;
    rs_status st = rs_engine_similar(c->engine, source, item, k, out, &n, &err);
    if (st == RS_OK) {
        printf("movies similar to %s (%d) from '%s':\n", d->items[item].title, d->items[item].year,
               source);
        for (size_t i = 0; i < n; i++)
            print_item(d, i + 1, out[i]);
    }
    free(out);
    return st == RS_OK ? EXIT_SUCCESS : fail(&err);
}

/* Without --source: the descriptors only (no plugin code runs where they
 * list their capabilities). With --source: that instance is loaded (or
 * trained) and describes what it learned (ABI 1.1 describe). */
static int cmd_plugins(cli *c, opts *o)
{
    rs_error err = {0};
    char desc[8192];
    if (!o->source) {
        if (rs_config_load(c->config_path, &c->cfg, &err) != RS_OK)
            return fail(&err);
        return rs_engine_describe_plugins(c->cfg, stdout, &err) == RS_OK ? EXIT_SUCCESS
                                                                         : fail(&err);
    }
    int rc = cli_open(c, 1, &err);
    if (rc)
        return rc;
    if (rs_engine_load_or_train_one(c->engine, o->source, 0, &err) != RS_OK ||
        rs_engine_describe_instance(c->engine, o->source, desc, sizeof desc, &err) != RS_OK)
        return fail(&err);
    printf("%s: %s\n", o->source, desc);
    return EXIT_SUCCESS;
}

typedef struct command {
    const char *name;
    int (*run)(cli *, opts *);
    const char *usage;
} command;

static const command commands[] = {
    {"prepare", cmd_prepare,
     "usage: recsys prepare [--config FILE]\n"
     "Load the MovieLens data, build the collaborative-filtering subset and print\n"
     "what was kept; writes <work_dir>/prepared/cf_movies.csv.\n"},
    {"train", cmd_train,
     "usage: recsys train [--config FILE] [--source NAME] [--resume] [--progress=epoch|auto]\n"
     "Train one instance (or all) and save artifacts to <work_dir>/models/NAME.\n"
     "--resume continues from the checkpoints in <work_dir>/checkpoints/NAME (written\n"
     "by plugins with a checkpoint param, e.g. lightgcn's checkpoint_every); without\n"
     "it those checkpoints are cleared first. --progress=epoch logs every epoch, also\n"
     "when stderr is not a terminal.\n"},
    {"recommend", cmd_recommend,
     "usage: recsys recommend [--config FILE] (--user ID | --all) [-k N] [--source NAME] "
     "[--explain]\n"
     "Top-k movies for a dataset user, excluding movies they rated. The source\n"
     "defaults to serving.default_source. --all writes\n"
     "CSV userId,rank,movieId,score for every user. Trains missing artifacts first.\n"},
    {"similar", cmd_similar,
     "usage: recsys similar [--config FILE] --movie ID [-k N] [--source NAME]\n"
     "Movies most similar to a movie. The source defaults to serving.similar_source,\n"
     "else the first instance that can answer similar.\n"},
    {"plugins", cmd_plugins,
     "usage: recsys plugins [--config FILE] [--source NAME]\n"
     "List the configured plugins with their descriptors and params (a plugin\n"
     "whose plugin.yaml lists its capabilities is not loaded). With --source,\n"
     "load (or train) that instance and print what it describes of itself.\n"},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage_main(stdout);
        return EXIT_SUCCESS;
    }
    if (!strcmp(name, "serve"))
        return rs_cli_serve(argc - 1, argv + 1);
    if (!strcmp(name, "eval"))
        return rs_cli_eval(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) != 0)
            continue;
        char found[PATH_MAX];
        cli c = {rs_cli_find_file(DEFAULT_CONFIG, found, sizeof found), NULL, NULL, NULL, 0};
        opts o = {NULL, INT64_MIN, INT64_MIN, 0, 0, 0, 0, 0};
        int rc = parse_opts(argc - 1, argv + 1, commands[i].usage, &c, &o);
        if (rc < 0)
            rc = commands[i].run(&c, &o);
        cli_close(&c);
        return rc;
    }
    fprintf(stderr, "recsys: unknown command '%s'\n", name);
    usage_main(stderr);
    return EXIT_USAGE;
}
