/* report.svg: Recall@K and NDCG@K against the share of training data kept,
 * one line per instance. The data and the gnuplot script are written next
 * to the chart so a person can restyle and rerun it (cd DIR; gnuplot
 * report.gp); gnuplot runs as a child process. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recsys/eval_report.h"

/* K = 20 when configured (the headline), else the largest. */
static size_t chart_k(const rs_eval_config *c)
{
    for (size_t k = 0; k < c->n_k; k++)
        if (c->k[k] == 20)
            return k;
    return c->n_k - 1;
}

static rs_status open_in(const char *dir, const char *name, FILE **f, char *path, size_t size,
                         rs_error *err)
{
    snprintf(path, size, "%s/%s", dir, name);
    *f = fopen(path, "w");
    if (!*f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    return RS_OK;
}

static rs_status close_checked(FILE *f, const char *path, rs_error *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}

/* One data file: a row per level (the share kept, or n for the new-user
 * protocol) with every instance's Recall@K and NDCG@K. */
static rs_status write_data(const rs_eval_report *r, const char *dir, const char *name,
                            const rs_eval_level *levels, size_t n_levels, size_t k, rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    char path[4096];
    FILE *f;
    rs_status st = open_in(dir, name, &f, path, sizeof path, err);
    if (st != RS_OK)
        return st;
    fputs(n_levels && levels[0].n_given > 0 ? "# n" : "# kept", f);
    for (size_t i = 0; i < c->n_instances; i++)
        fprintf(f, " %s_recall@%d %s_ndcg@%d", c->instances[i], c->k[k], c->instances[i], c->k[k]);
    fputc('\n', f);
    for (size_t l = 0; l < n_levels; l++) {
        const rs_eval_level *lv = &levels[l];
        char label[32];
        fputs(rs_eval_level_label(lv, label, sizeof label), f);
        for (size_t i = 0; i < c->n_instances; i++)
            for (int m = 0; m < 2; m++) {
                double v =
                    rs_eval_cell_stat(r, &lv->cells[i], k, m ? RS_EVAL_NDCG : RS_EVAL_RECALL)->mean;
                if (isfinite(v))
                    fprintf(f, " %.6f", v);
                else
                    fputs(" NaN", f);
            }
        fputc('\n', f);
    }
    return close_checked(f, path, err);
}

static void plot_cmd(FILE *f, const rs_eval_config *c, const char *data, int col_offset)
{
    fputs("plot ", f);
    for (size_t i = 0; i < c->n_instances; i++)
        fprintf(f, "%s'%s' using 1:%zu with linespoints lw 2 pt 7 title '%s'",
                i ? ", \\\n     " : "", data, 2 + 2 * i + (size_t)col_offset, c->instances[i]);
    fputc('\n', f);
}

/* The sweep's two panels: Recall@K and NDCG@K against the share kept. */
static void sweep_panels(FILE *f, const rs_eval_config *c, size_t k)
{
    double lo = 1.0;
    for (size_t l = 0; l < c->n_levels; l++)
        if (c->levels[l] < lo)
            lo = c->levels[l];
    fprintf(f,
            "set logscale x\n"
            /* reversed: sparser data to the right */
            "set xrange [1.15:%g] \n"
            "set xtics (",
            lo * 0.85);
    for (size_t l = 0; l < c->n_levels; l++)
        fprintf(f, "%s'%g' %g", l ? ", " : "", c->levels[l], c->levels[l]);
    fprintf(f,
            ")\n"
            "set xlabel 'share of training ratings kept (log scale)'\n"
            "set grid\nset key outside bottom center horizontal\nset yrange [0:*]\n"
            "set ylabel 'Recall@%d'\n",
            c->k[k]);
    plot_cmd(f, c, "report.dat", 0);
    fprintf(f, "set ylabel 'NDCG@%d'\n", c->k[k]);
    plot_cmd(f, c, "report.dat", 1);
}

/* The new-user panel: Recall@K against the ratings given. */
static void new_user_panel(FILE *f, const rs_eval_config *c, size_t k)
{
    const rs_eval_new_users *o = &c->new_users;
    fprintf(f,
            "set title 'new users (held out of training)'\n"
            "set logscale x\nset xrange [%g:%g]\nset xtics (",
            o->n[0] * 0.8, o->n[o->n_n - 1] * 1.25);
    for (size_t l = 0; l < o->n_n; l++)
        fprintf(f, "%s'%d' %d", l ? ", " : "", o->n[l], o->n[l]);
    fprintf(f,
            ")\n"
            "set xlabel 'ratings given (log scale)'\n"
            "set grid\nset key outside bottom center horizontal\nset yrange [0:*]\n"
            "set ylabel 'Recall@%d'\n",
            c->k[k]);
    plot_cmd(f, c, "report-new-users.dat", 0);
}

/* Learning curves: one gnuplot data block per curve instance (epoch,
 * Recall@K, NDCG@K), blocks in order of first appearance. Returns the
 * number of blocks in *n_blocks. */
static rs_status write_curves(const rs_eval_report *r, const char *dir, size_t k, size_t *n_blocks,
                              rs_error *err)
{
    char path[4096];
    FILE *f;
    rs_status st = open_in(dir, "report-curves.dat", &f, path, sizeof path, err);
    if (st != RS_OK)
        return st;
    *n_blocks = 0;
    for (size_t i = 0; i < r->n_curve; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r->curve[j].instance, r->curve[i].instance) == 0;
        if (seen)
            continue;
        fprintf(f, "%s# %s: epoch recall@%d ndcg@%d\n", *n_blocks ? "\n\n" : "",
                r->curve[i].instance, r->cfg->k[k], r->cfg->k[k]);
        for (size_t j = i; j < r->n_curve; j++)
            if (strcmp(r->curve[j].instance, r->curve[i].instance) == 0)
                fprintf(f, "%d %.6f %.6f\n", r->curve[j].epoch, r->curve[j].recall[k],
                        r->curve[j].ndcg[k]);
        (*n_blocks)++;
    }
    return close_checked(f, path, err);
}

/* The learning-curve panel: Recall@K against epochs, a line per instance. */
static void curve_panel(FILE *f, const rs_eval_report *r, size_t k, size_t n_blocks)
{
    fprintf(f,
            "set title 'learning curves (level %g)'\n"
            "unset logscale x\nset xrange [0:*]\nset xtics autofreq\n"
            "set xlabel 'epochs'\nset grid\nset key outside bottom center horizontal\n"
            "set yrange [0:*]\nset ylabel 'Recall@%d'\nplot ",
            r->cfg->levels[0], r->cfg->k[k]);
    size_t b = 0;
    for (size_t i = 0; i < r->n_curve && b < n_blocks; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r->curve[j].instance, r->curve[i].instance) == 0;
        if (seen)
            continue;
        /* the instance's colour in the sweep panels (linetype = its index + 1) */
        int lt = rs_eval_config_instance_index(r->cfg, r->curve[i].instance) + 1;
        fprintf(f,
                "%s'report-curves.dat' index %zu using 1:2 with linespoints lt %d lw 2 "
                "pt 7 title '%s'",
                b ? ", \\\n     " : "", b, lt > 0 ? lt : 1, r->curve[i].instance);
        b++;
    }
    fputc('\n', f);
}

static rs_status write_script(const rs_eval_report *r, const char *dir, size_t k, size_t n_curves,
                              rs_error *err)
{
    const rs_eval_config *c = r->cfg;
    int sweep = !r->sweep_skipped, nu = r->nu.ran, cv = n_curves > 0;
    char path[4096];
    FILE *f;
    rs_status st = open_in(dir, "report.gp", &f, path, sizeof path, err);
    if (st != RS_OK)
        return st;
    fprintf(f,
            "# Drawn by recsys eval; rerun with: gnuplot report.gp\n"
            "set terminal svg size %d,520 dynamic noenhanced font 'sans,12' "
            "background rgb 'white'\n"
            "set output 'report.svg'\n"
            "set datafile missing 'NaN'\n"
            "set multiplot layout 1,%d title 'Accuracy under sparsity (%s split, "
            "seed %llu)%s'\n",
            550 * (2 * sweep + nu + cv), 2 * sweep + nu + cv, rs_split_kind_str(c->split.kind),
            (unsigned long long)c->seed, nu ? " and for new users" : "");
    if (sweep)
        sweep_panels(f, c, k);
    if (nu)
        new_user_panel(f, c, k);
    if (cv)
        curve_panel(f, r, k, n_curves);
    fputs("unset multiplot\n", f);
    return close_checked(f, path, err);
}

/* fork + exec rather than system(): no shell parses the directory name. */
static rs_status run_gnuplot(const char *dir, rs_error *err)
{
    pid_t pid = fork();
    if (pid < 0)
        return rs_error_set(err, RS_ERR_IO, "gnuplot: fork failed: %s", strerror(errno));
    if (pid == 0) {
        /* In the child only: _exit reports failure to the parent without
         * running the host's atexit handlers. */
        if (chdir(dir) != 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", "report.gp", (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return rs_error_set(err, RS_ERR_IO, "gnuplot: wait failed: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return rs_error_set(err, RS_ERR_UNSUPPORTED,
                            "gnuplot is not installed (apt-get install gnuplot-nox); "
                            "skipped %s/report.svg",
                            dir);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return rs_error_set(err, RS_ERR_INTERNAL, "gnuplot failed on %s/report.gp (status %d)", dir,
                            status);
    return RS_OK;
}

rs_status rs_eval_write_chart(const rs_eval_report *r, const char *dir, rs_error *err)
{
    size_t k = chart_k(r->cfg);
    if (r->sweep_skipped && !r->nu.ran)
        return RS_OK; /* nothing to draw: the probes are a table */
    rs_status st = RS_OK;
    if (!r->sweep_skipped)
        st = write_data(r, dir, "report.dat", r->levels, r->cfg->n_levels, k, err);
    if (st == RS_OK && r->nu.ran)
        st = write_data(r, dir, "report-new-users.dat", r->nu.levels, r->cfg->new_users.n_n, k,
                        err);
    size_t n_curves = 0;
    if (st == RS_OK && r->n_curve)
        st = write_curves(r, dir, k, &n_curves, err);
    if (st == RS_OK)
        st = write_script(r, dir, k, n_curves, err);
    if (st == RS_OK)
        st = run_gnuplot(dir, err);
    return st;
}
