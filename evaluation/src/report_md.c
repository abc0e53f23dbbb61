/* report.md: the tables a person reads (levels x instances), relative
 * changes with their intervals, and the headline comparisons. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "recsys/eval_report.h"

static const char *metric_title(rs_eval_metric m)
{
    switch (m) {
    case RS_EVAL_RECALL: return "Recall";
    case RS_EVAL_NDCG: return "NDCG";
    case RS_EVAL_PRECISION: return "Precision";
    case RS_EVAL_HIT_RATE: return "HitRate";
    case RS_EVAL_MAP: return "MAP";
    case RS_EVAL_COLD_RECALL: return "Cold-item recall";
    case RS_EVAL_N_METRICS: break;
    }
    return "?";
}

static void ci_cell(FILE *f, const rs_ci *c)
{
    if (!isfinite(c->mean))
        fputs(" n/a |", f);
    else if (!isfinite(c->lo))
        fprintf(f, " %.4f |", c->mean);
    else
        fprintf(f, " %.4f [%.4f, %.4f] |", c->mean, c->lo, c->hi);
}

static void rel_cell(FILE *f, const rs_ci *c)
{
    if (!isfinite(c->mean))
        fputs(" n/a |", f);
    else if (!isfinite(c->lo))
        fprintf(f, " %+.1f%% |", 100 * c->mean);
    else /* '*': the interval excludes 0 */
        fprintf(f, " %+.1f%% [%+.1f, %+.1f]%s |", 100 * c->mean, 100 * c->lo, 100 * c->hi,
                c->lo > 0 || c->hi < 0 ? "*" : "");
}

static void header(FILE *f, const rs_eval_config *c, const char *first)
{
    fprintf(f, "| %s |", first);
    for (size_t i = 0; i < c->n_instances; i++)
        fprintf(f, " %s |", c->instances[i]);
    fputs("\n|---|", f);
    for (size_t i = 0; i < c->n_instances; i++)
        fputs("---|", f);
    fputc('\n', f);
}

/* The rows of one protocol: the sweep's levels or the new-user n's. */
typedef struct rows {
    rs_eval_level *lv;
    size_t n;
    const char *col;   /* first column's title: "kept" or "n" */
    const char *where; /* "at that level" / "in the training data" */
} rows;

static void row_label(FILE *f, const rs_eval_level *lv)
{
    char b[32];
    fprintf(f, "| %s |", rs_eval_level_label(lv, b, sizeof b));
}

static void metric_tables(FILE *f, const rs_eval_report *r, const rows *R)
{
    const rs_eval_config *c = r->cfg;
    for (int m = 0; m < RS_EVAL_N_METRICS; m++)
        for (size_t k = 0; k < c->n_k; k++) {
            fprintf(f, "\n### %s@%d\n\n", metric_title(m), c->k[k]);
            if (m == RS_EVAL_COLD_RECALL)
                fprintf(f,
                        "Positives with fewer than %d training ratings %s; over "
                        "the users who have one.\n\n",
                        c->cold_item_max_ratings, R->where);
            header(f, c, R->col);
            for (size_t l = 0; l < R->n; l++) {
                rs_eval_level *lv = &R->lv[l];
                row_label(f, lv);
                for (size_t i = 0; i < c->n_instances; i++)
                    ci_cell(f, rs_eval_cell_stat(r, &lv->cells[i], k, m));
                fputc('\n', f);
            }
        }
}

static void baseline_tables(FILE *f, const rs_eval_report *r, const rows *R)
{
    const rs_eval_config *c = r->cfg;
    const rs_eval_metric shown[] = {RS_EVAL_RECALL, RS_EVAL_NDCG};
    fprintf(f,
            "\n## Relative change against the baseline (%s)\n\n"
            "mean(instance) / mean(%s) - 1 over the same users, with a paired "
            "bootstrap 95 %% interval; * = the interval excludes 0.\n",
            c->baseline, c->baseline);
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < c->n_k; k++) {
            fprintf(f, "\n### %s@%d vs %s\n\n", metric_title(shown[s]), c->k[k], c->baseline);
            header(f, c, R->col);
            for (size_t l = 0; l < R->n; l++) {
                rs_eval_level *lv = &R->lv[l];
                row_label(f, lv);
                for (size_t i = 0; i < c->n_instances; i++)
                    if (r->pairs[i].a == r->pairs[i].b)
                        fputs(" (baseline) |", f);
                    else
                        rel_cell(f, rs_eval_level_rel(r, lv, i, k, shown[s]));
                fputc('\n', f);
            }
        }
}

/* One table per configured comparison, plus its largest improvement. */
static void compare_tables(FILE *f, const rs_eval_report *r, const rows *R)
{
    const rs_eval_config *c = r->cfg;
    for (size_t p = c->n_instances; p < r->n_pairs; p++) {
        const char *a = c->instances[r->pairs[p].a], *b = c->instances[r->pairs[p].b];
        fprintf(f,
                "\n## %s vs %s\n\nmean(%s) / mean(%s) - 1 [paired bootstrap 95 %% CI]; "
                "* = the interval excludes 0.\n\n| %s |",
                a, b, a, b, R->col);
        for (size_t k = 0; k < c->n_k; k++)
            for (int m = 0; m < RS_EVAL_N_METRICS; m++)
                fprintf(f, " %s@%d |", metric_title(m), c->k[k]);
        fputs("\n|---|", f);
        for (size_t k = 0; k < c->n_k * RS_EVAL_N_METRICS; k++)
            fputs("---|", f);
        fputc('\n', f);
        const rs_ci *best = NULL;
        size_t best_l = 0, best_k = 0;
        int best_m = 0;
        for (size_t l = 0; l < R->n; l++) {
            rs_eval_level *lv = &R->lv[l];
            row_label(f, lv);
            for (size_t k = 0; k < c->n_k; k++)
                for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
                    const rs_ci *x = rs_eval_level_rel(r, lv, p, k, m);
                    rel_cell(f, x);
                    if (m != RS_EVAL_COLD_RECALL && isfinite(x->mean) &&
                        (!best || x->mean > best->mean)) {
                        best = x;
                        best_l = l;
                        best_k = k;
                        best_m = m;
                    }
                }
            fputc('\n', f);
        }
        char at[64], lab[32];
        if (best && R->lv[best_l].n_given > 0)
            snprintf(at, sizeof at, "at n = %s ratings given",
                     rs_eval_level_label(&R->lv[best_l], lab, sizeof lab));
        else if (best)
            snprintf(at, sizeof at, "at %s of the training data",
                     rs_eval_level_label(&R->lv[best_l], lab, sizeof lab));
        if (best)
            fprintf(f,
                    "\n%s %s over %s (Recall, NDCG, Precision, HitRate, MAP; all "
                    "rows and K): %+.1f%% in %s@%d %s "
                    "(95 %% CI %+.1f%% to %+.1f%%).\n",
                    best->mean > 0 ? "Largest improvement of"
                                   : "No improvement anywhere; "
                                     "the best change of",
                    a, b, 100 * best->mean, metric_title(best_m), c->k[best_k], at, 100 * best->lo,
                    100 * best->hi);
    }
}

/* One exclude mode (or the new-user n's): a row per level with A's best
 * other instance by Recall at the largest K, both means, the paired change
 * with its verdict, and NDCG's change against the same best; then one line
 * that says whether A is ever below it by more than the interval. */
static void vs_best_table(FILE *f, const rs_eval_report *r, const rows *R, int a)
{
    const rs_eval_config *c = r->cfg;
    const char *an = c->instances[a];
    size_t k = c->n_k - 1;
    int kk = c->k[k];
    fprintf(f,
            "| %s | best other | %s Recall@%d | best Recall@%d | %s vs best Recall@%d | "
            "verdict | %s vs best NDCG@%d |\n|---|---|---|---|---|---|---|\n",
            R->col, an, kk, kk, an, kk, an, kk);
    size_t count[RS_EVAL_VERDICT_ABOVE + 1] = {0};
    for (size_t l = 0; l < R->n; l++) {
        rs_eval_vs_best v;
        rs_eval_vs_best_at(r, &R->lv[l], a, k, RS_EVAL_RECALL, &v);
        count[v.verdict]++;
        row_label(f, &R->lv[l]);
        fprintf(f, " %s |", v.best >= 0 ? c->instances[v.best] : "n/a");
        ci_cell(f, &v.a_stat);
        ci_cell(f, &v.best_stat);
        rel_cell(f, &v.rel);
        fprintf(f, " %s |", rs_eval_verdict_str(v.verdict));
        if (v.pair >= 0)
            rel_cell(f, rs_eval_level_rel(r, &R->lv[l], (size_t)v.pair, k, RS_EVAL_NDCG));
        else
            fputs(" n/a |", f);
        fputc('\n', f);
    }
    const char *at = R->n > 0 && R->lv[0].n_given > 0 ? "n =" : "kept";
    if (count[RS_EVAL_VERDICT_BELOW] == 0 && count[RS_EVAL_VERDICT_NA] == 0)
        fprintf(f, "\n**%s is never below its best other instance by more than the interval**", an);
    else if (count[RS_EVAL_VERDICT_BELOW] == 0)
        fprintf(f,
                "\n**%s is not below its best other instance by more than the interval "
                "where there is a verdict**",
                an);
    else {
        fprintf(f, "\n**%s is below its best other instance at", an);
        for (size_t l = 0, i = 0; l < R->n; l++) {
            rs_eval_vs_best v;
            char b[32];
            rs_eval_vs_best_at(r, &R->lv[l], a, k, RS_EVAL_RECALL, &v);
            if (v.verdict == RS_EVAL_VERDICT_BELOW)
                fprintf(f, "%s %s %s (%s, %+.1f%% [%+.1f, %+.1f])", i++ ? ";" : "", at,
                        rs_eval_level_label(&R->lv[l], b, sizeof b), c->instances[v.best],
                        100 * v.rel.mean, 100 * v.rel.lo, 100 * v.rel.hi);
        }
        fputs("**", f);
    }
    fprintf(f, " (Recall@%d: above at %zu, within at %zu, below at %zu", kk,
            count[RS_EVAL_VERDICT_ABOVE], count[RS_EVAL_VERDICT_WITHIN],
            count[RS_EVAL_VERDICT_BELOW]);
    if (count[RS_EVAL_VERDICT_NA])
        fprintf(f, ", no verdict at %zu (an instance failed, or no interval)",
                count[RS_EVAL_VERDICT_NA]);
    fprintf(f, " of %zu rows).\n", R->n);
}

/* Per subject of a `compare` pair, in instance order: its table against
 * the best other instance it is paired with, under `title` (NULL: none)
 * and, when sweep.exclude is both, again for `full` (else NULL). */
static void vs_best_section(FILE *f, const rs_eval_report *r, const rows *R, const char *title,
                            const rows *full)
{
    const rs_eval_config *c = r->cfg;
    int kk = c->k[c->n_k - 1];
    for (size_t s = 0; s < c->n_instances; s++) {
        int a = (int)s;
        if (!rs_eval_vs_best_subject(r, a))
            continue;
        const char *an = c->instances[a];
        fprintf(f,
                "\n## %s vs its best other instance (Recall@%d)\n\nPer row, the instance with "
                "the highest mean Recall@%d among those %s is paired with (",
                an, kk, kk, an);
        size_t nc = 0, nn = 0;
        for (size_t i = 0; i < c->n_instances; i++)
            if (rs_eval_vs_best_candidate(r, a, (int)i))
                fprintf(f, "%s%s", nc++ ? ", " : "", c->instances[i]);
        fputs(": its `compare` pairs and the baseline", f);
        for (size_t i = 0; i < c->n_instances; i++)
            if ((int)i != a && !rs_eval_vs_best_candidate(r, a, (int)i))
                fprintf(f, "%s%s",
                        nn++ ? ", " : "; not compared, so not considered: ", c->instances[i]);
        fprintf(f,
                "). Means [95 %% CI]; the change is mean(%s) / mean(best) - 1 with the "
                "paired bootstrap 95 %% interval of that comparison, for Recall@%d and for "
                "NDCG@%d against the same best. Verdict on Recall@%d: above = the interval's "
                "lower bound > 0, within = it contains 0, below = its upper bound < 0.\n\n",
                an, kk, kk, kk);
        if (title)
            fprintf(f, "### %s\n\n", title);
        vs_best_table(f, r, R, a);
        if (full) {
            fputs("\n### Excluding each user's full training set (`full`)\n\n", f);
            vs_best_table(f, r, full, a);
        }
    }
}

static void coverage_and_timing(FILE *f, const rs_eval_report *r, const rows *R)
{
    const rs_eval_config *c = r->cfg;
    for (size_t k = 0; k < c->n_k; k++) {
        fprintf(f, "\n### Catalogue coverage@%d (distinct items recommended / %d)\n\n", c->k[k],
                (int)r->n_items);
        header(f, c, R->col);
        for (size_t l = 0; l < R->n; l++) {
            row_label(f, &R->lv[l]);
            for (size_t i = 0; i < c->n_instances; i++)
                if (isfinite(R->lv[l].cells[i].coverage[k]))
                    fprintf(f, " %.4f |", R->lv[l].cells[i].coverage[k]);
                else
                    fputs(" n/a |", f);
            fputc('\n', f);
        }
    }
    if (R->lv[0].n_given > 0) { /* one fit serves every n */
        fputs("\n### Timings (fit s once, then recommend s for all users per n)\n\n", f);
        header(f, c, R->col);
        fputs("| fit |", f);
        for (size_t i = 0; i < c->n_instances; i++)
            fprintf(f, " %.2f |", r->nu.fit_seconds[i]);
        fputc('\n', f);
    } else {
        fputs("\n## Timings (fit s / recommend s for all users, wall clock)\n\n", f);
        header(f, c, R->col);
    }
    for (size_t l = 0; l < R->n; l++) {
        row_label(f, &R->lv[l]);
        for (size_t i = 0; i < c->n_instances; i++)
            if (R->lv[l].n_given > 0)
                fprintf(f, " %.2f |", R->lv[l].cells[i].recommend_seconds);
            else
                fprintf(f, " %.2f / %.2f |", R->lv[l].cells[i].fit_seconds,
                        R->lv[l].cells[i].recommend_seconds);
        fputc('\n', f);
    }
}

static void bucket_tables(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    if (c->n_buckets == 0)
        return;
    size_t k = c->n_k - 1;
    fprintf(f, "\n## By user activity (training ratings at that level): NDCG@%d\n", c->k[k]);
    for (size_t l = 0; l < c->n_levels; l++) {
        rs_eval_level *lv = &r->levels[l];
        fprintf(f, "\n### kept %g\n\n", lv->fraction);
        header(f, c, "ratings (users)");
        for (size_t b = 0; b < c->n_buckets; b++) {
            char label[48];
            fprintf(f, "| %s (%d) |", rs_eval_bucket_label(c, b, label, sizeof label),
                    (int)lv->bucket_users[b]);
            for (size_t i = 0; i < c->n_instances; i++)
                ci_cell(f, rs_eval_cell_bucket_stat(r, &lv->cells[i], b, k, RS_EVAL_NDCG));
            fputc('\n', f);
        }
    }
}

static void preamble(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    fprintf(f,
            "# Offline evaluation: %s\n\n"
            "- started %s, recsys %s, scored on the **%s** %s\n"
            "- eval config `%s`, host config `%s`\n"
            "- data `%s`: %d users, %d items, %zu ratings\n",
            r->sweep_skipped ? "new users and taste probes" : "accuracy under sparsity",
            r->started_utc, r->recsys_version, r->validate ? "validation" : "test",
            r->sweep_skipped ? "holdout" : "split", c->path ? c->path : "(defaults)",
            r->host_config ? r->host_config : "?", r->data_dir ? r->data_dir : "?", (int)r->n_users,
            (int)r->n_items, r->n_ratings);
    if (!r->sweep_skipped)
        fprintf(f,
                "- split `%s` (test fraction %g, temporal quantile %g, validation "
                "fraction %g): %zu train, %zu validation, %zu test ratings; %zu "
                "test positives (rating >= %g)\n"
                "- levels keep that share of each user's training ratings (at "
                "least 1, nested); excluded from ranking: %s\n",
                rs_split_kind_str(c->split.kind), c->split.test_fraction,
                c->split.temporal_quantile, c->split.validation_fraction, r->n_train, r->n_valid,
                r->n_test, r->n_test_positive, c->positive_threshold,
                c->sweep_exclude == RS_EXCLUDE_FULL
                    ? "every user's FULL training set at every level (`sweep.exclude: "
                      "full`: this tells the models what the user has seen beyond what "
                      "they were given, and flatters sparse levels)"
                : c->sweep_exclude == RS_EXCLUDE_BOTH
                    ? "only the ratings given at that level; the same fits excluding "
                      "each user's full training set are in their own section "
                      "(`sweep.exclude: both`)"
                    : "only the ratings given at that level (`sweep.exclude: given`)");
    fprintf(f,
            "- seed %llu; 95 %% intervals: bootstrap percentile over users, %d "
            "resamples, paired across instances\n"
            "- total %.1f s (loading %.1f s; sweep %.1f s, new users %.1f s, "
            "taste probes %.1f s)\n\n",
            (unsigned long long)c->seed, c->bootstrap_resamples, r->total_seconds, r->load_seconds,
            r->sweep_seconds, r->nu.seconds, r->probes.seconds);
    if (c->params && c->params->n) {
        fputs("- param overrides for this sweep (over the host config):", f);
        for (size_t i = 0; i < c->params->n; i++)
            for (size_t j = 0; j < c->params->items[i]->n; j++) {
                const rs_yaml_node *v = c->params->items[i]->items[j];
                fprintf(f, " `%s.%s=%s`", c->params->keys[i], c->params->items[i]->keys[j],
                        v->kind == RS_YAML_SCALAR ? v->scalar : "...");
            }
        fputs("\n\n", f);
    }
    fputs("| instance | plugin | version |\n|---|---|---|\n", f);
    for (size_t i = 0; i < c->n_instances; i++)
        fprintf(f, "| %s | %s | %s |\n", c->instances[i], r->plugin[i] ? r->plugin[i] : "?",
                r->version[i] ? r->version[i] : "?");
    if (r->sweep_skipped) {
        fputs("\nThe sparsity sweep was not run (`sweep.enabled: false`).\n", f);
        return;
    }
    fprintf(f, "\nCF subset thresholds: `%s`.\n", rs_cf_subset_str(c->cf_subset));
    fputs("\n| kept | train ratings | CF users | CF items | users scored | users excluded "
          "(no test positive) | cold items | users with a cold positive |\n"
          "|---|---|---|---|---|---|---|---|\n",
          f);
    for (size_t l = 0; l < c->n_levels; l++) {
        rs_eval_level *lv = &r->levels[l];
        fprintf(f, "| %g | %zu | %d | %d | %d | %d | %d | %d |\n", lv->fraction, lv->train_ratings,
                (int)lv->cf_users, (int)lv->cf_items, (int)lv->users_evaluated,
                (int)lv->users_excluded, (int)lv->cold_items, (int)lv->cold_users);
    }
    fputs("\n![Recall and NDCG against the share of training data kept](report.svg)\n", f);
}

static void failures(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    if (r->n_failures == 0)
        return;
    fprintf(f,
            "\n## Failures (%zu)\n\nTheir cells are n/a above.\n\n"
            "| where | instance | error |\n|---|---|---|\n",
            r->n_failures);
    for (size_t l = 0; !r->sweep_skipped && l < c->n_levels; l++)
        for (size_t i = 0; i < c->n_instances; i++)
            if (r->levels[l].cells[i].error)
                fprintf(f, "| kept %g | %s | %s |\n", c->levels[l], c->instances[i],
                        r->levels[l].cells[i].error);
    for (size_t l = 0; r->nu.ran && l < c->new_users.n_n; l++)
        for (size_t i = 0; i < c->n_instances; i++)
            if (r->nu.levels[l].cells[i].error)
                fprintf(f, "| new users, n = %d | %s | %s |\n", c->new_users.n[l], c->instances[i],
                        r->nu.levels[l].cells[i].error);
    for (size_t i = 0; r->probes.ran && i < c->n_instances; i++)
        if (r->probes.error[i])
            fprintf(f, "| taste probes | %s | %s |\n", c->instances[i], r->probes.error[i]);
}

/* sweep.exclude: both: given against full, side by side, at the largest K. */
static void exclude_full_section(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    size_t k = c->n_k - 1;
    const rs_eval_metric shown[] = {RS_EVAL_RECALL, RS_EVAL_NDCG};
    fputs("\n## Excluding each user's full training set (`sweep.exclude: both`)\n\n"
          "The same fits, asked again with every training rating of the user excluded "
          "from ranking, not only those given at that level. Each cell: given / full "
          "(full / given - 1). Full tells the models what the user has seen beyond what "
          "they were given; the films a user has seen are mostly popular ones.\n",
          f);
    for (size_t s = 0; s < 2; s++) {
        fprintf(f, "\n### %s@%d\n\n", metric_title(shown[s]), c->k[k]);
        header(f, c, "kept");
        for (size_t l = 0; l < c->n_levels; l++) {
            row_label(f, &r->levels[l]);
            for (size_t i = 0; i < c->n_instances; i++) {
                double g = rs_eval_cell_stat(r, &r->levels[l].cells[i], k, shown[s])->mean;
                double x = rs_eval_cell_stat(r, &r->levels_full[l].cells[i], k, shown[s])->mean;
                if (isfinite(g) && isfinite(x) && g > 0)
                    fprintf(f, " %.4f / %.4f (%+.1f%%) |", g, x, 100 * (x / g - 1));
                else if (isfinite(g) && isfinite(x))
                    fprintf(f, " %.4f / %.4f |", g, x);
                else
                    fputs(" n/a |", f);
            }
            fputc('\n', f);
        }
    }
}

static void new_user_section(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    const rs_eval_new_users *o = &c->new_users;
    rows R = {r->nu.levels, o->n_n, "n", "in the training data"};
    fprintf(
        f,
        "\n# New users: held out of training, n ratings given\n\n"
        "- %d of %d users (%g, seed %llu%s) held out of training entirely; every "
        "instance is fitted once on %d other users' %zu ratings (CF subset "
        "%d users, %d items)\n"
        "- each held-out user is asked for through `rs_query` with user_id = "
        "RS_USER_NONE and n of their ratings (their **%s** n%s), as the server "
        "asks for an account the models never saw; only those n are excluded "
        "from ranking\n"
        "- scored on the rest of their ratings >= %g; a user takes part at n "
        "when they have more than n ratings and at least %d positive%s among "
        "the rest\n"
        "- 95 %% intervals and comparisons as in the sweep (bootstrap over the "
        "users of that n, paired across instances); phase %.1f s\n\n",
        (int)r->nu.users_held_out, (int)r->n_users, o->holdout_fraction,
        (unsigned long long)o->seed,
        r->validate ? "; the validation holdout, the test holdout kept out of training too" : "",
        (int)r->nu.train_users, r->nu.train_ratings, (int)r->nu.cf_users, (int)r->nu.cf_items,
        rs_query_order_str(o->order),
        o->order == RS_QUERY_EARLIEST ? " by timestamp, ties in a seeded order" : ", seeded",
        c->positive_threshold, o->min_positives, o->min_positives == 1 ? "" : "s", r->nu.seconds);
    fputs("| n | users scored | held-out users left out (n or fewer ratings, or no "
          "positive after the n) | users with a cold positive |\n|---|---|---|---|\n",
          f);
    for (size_t l = 0; l < R.n; l++)
        fprintf(f, "| %d | %d | %d | %d |\n", R.lv[l].n_given, (int)R.lv[l].users_evaluated,
                (int)R.lv[l].users_excluded, (int)R.lv[l].cold_users);
    fputs("\n![Recall against the ratings given](report.svg)\n", f);
    compare_tables(f, r, &R);
    vs_best_section(f, r, &R, NULL, NULL);
    baseline_tables(f, r, &R);
    fputs("\n## New users: metrics (mean over users [95 % CI])\n", f);
    metric_tables(f, r, &R);
    coverage_and_timing(f, r, &R);
}

static void probe_section(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    size_t k = (size_t)c->probes.k;
    fprintf(f,
            "\n# Taste probes\n\nA synthetic new user per genre rates the genre's "
            "%d most rated films (in the new-user training data) %g stars and asks "
            "for %zu films. Each cell: the share of the %zu slots in that genre / the "
            "median number of training ratings of the films returned (so coherence "
            "cannot be won with films nobody has seen).\n\n",
            c->probes.n_rated, c->probes.rating, k, k);
    header(f, c, "genre");
    for (size_t g = 0; g < c->probes.n_genres; g++) {
        const rs_eval_probe *p = &r->probes.probe[g];
        fprintf(f, "| %s |", p->genre);
        for (size_t i = 0; i < c->n_instances; i++)
            if (isfinite(p->share[i]))
                fprintf(f, " %.2f / %g |", p->share[i], p->median_count[i]);
            else
                fputs(" n/a |", f);
        fputc('\n', f);
    }
    fputs("| **mean** |", f);
    for (size_t i = 0; i < c->n_instances; i++)
        if (isfinite(r->probes.mean_share[i]))
            fprintf(f, " **%.2f / %.1f** |", r->probes.mean_share[i], r->probes.mean_median[i]);
        else
            fputs(" n/a |", f);
    fputs("\n\nThe first five films of each list (training ratings; * = in the genre):\n", f);
    for (size_t g = 0; g < c->probes.n_genres; g++) {
        const rs_eval_probe *p = &r->probes.probe[g];
        fprintf(f, "\n**%s** (rated:", p->genre);
        for (int32_t j = 0; j < p->n_rated; j++) /* titles hold commas */
            fprintf(f, "%s %s", j ? ";" : "", p->rated_info[j].title);
        fputs(")\n\n", f);
        for (size_t i = 0; i < c->n_instances; i++) {
            fprintf(f, "- %s:", c->instances[i]);
            for (size_t s = 0; s < p->n_top[i] && s < 5; s++) {
                const rs_eval_probe_item *x = &p->top_info[i * k + s];
                fprintf(f, "%s %s (%d)%s", s ? ";" : "", x->title, (int)x->ratings,
                        x->in_genre ? "*" : "");
            }
            fputc('\n', f);
        }
    }
}

/* Learning curves: one row per (instance, epoch). */
static void curve_section(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    fprintf(f,
            "\n## Learning curves (level %g, scored every %d epochs)\n\n"
            "Trained once per instance in segments that resume from the previous "
            "checkpoint (bit-identical to separate trainings).\n\n| instance | epoch |",
            c->levels[0], c->curve_every);
    for (size_t k = 0; k < c->n_k; k++)
        fprintf(f, " Recall@%d | NDCG@%d |", c->k[k], c->k[k]);
    fputs(" segment fit s |\n|---|---|", f);
    for (size_t k = 0; k < c->n_k; k++)
        fputs("---|---|", f);
    fputs("---|\n", f);
    for (size_t i = 0; i < r->n_curve; i++) {
        const rs_eval_curve_point *p = &r->curve[i];
        fprintf(f, "| %s | %d |", p->instance, p->epoch);
        for (size_t k = 0; k < c->n_k; k++)
            fprintf(f, " %.4f | %.4f |", p->recall[k], p->ndcg[k]);
        fprintf(f, " %.2f |\n", p->fit_seconds);
    }
}

rs_status rs_eval_write_md(const rs_eval_report *r, const char *path, rs_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    rows R = {r->levels, r->cfg->n_levels, "kept", "at that level"};
    preamble(f, r);
    failures(f, r);
    if (!r->sweep_skipped) {
        rows F = {r->levels_full, r->levels_full ? r->cfg->n_levels : 0, "kept", "at that level"};
        compare_tables(f, r, &R);
        vs_best_section(f, r, &R,
                        r->cfg->sweep_exclude == RS_EXCLUDE_FULL
                            ? "Excluding each user's full training set (`full`)"
                            : "Excluding only the ratings given (`given`)",
                        r->levels_full ? &F : NULL);
        baseline_tables(f, r, &R);
        fputs("\n## Metrics (mean over users [95 % CI])\n", f);
        metric_tables(f, r, &R);
        coverage_and_timing(f, r, &R);
        bucket_tables(f, r);
        if (r->levels_full)
            exclude_full_section(f, r);
    }
    if (r->n_curve)
        curve_section(f, r);
    if (r->nu.ran)
        new_user_section(f, r);
    if (r->probes.ran)
        probe_section(f, r);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}
