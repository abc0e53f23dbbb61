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

static void metric_tables(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    for (int m = 0; m < RS_EVAL_N_METRICS; m++)
        for (size_t k = 0; k < c->n_k; k++) {
            fprintf(f, "\n### %s@%d\n\n", metric_title(m), c->k[k]);
            if (m == RS_EVAL_COLD_RECALL)
                fprintf(f, "Test positives with fewer than %d training ratings at "
                           "that level; over the users who have one.\n\n",
                        c->cold_item_max_ratings);
            header(f, c, "kept");
            for (size_t l = 0; l < c->n_levels; l++) {
                rs_eval_level *lv = &r->levels[l];
                fprintf(f, "| %g |", lv->fraction);
                for (size_t i = 0; i < c->n_instances; i++)
                    ci_cell(f, rs_eval_cell_stat(r, &lv->cells[i], k, m));
                fputc('\n', f);
            }
        }
}

static void baseline_tables(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    const rs_eval_metric shown[] = {RS_EVAL_RECALL, RS_EVAL_NDCG};
    fprintf(f, "\n## Relative change against the baseline (%s)\n\n"
               "mean(instance) / mean(%s) - 1 over the same users, with a paired "
               "bootstrap 95 %% interval; * = the interval excludes 0.\n",
            c->baseline, c->baseline);
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < c->n_k; k++) {
            fprintf(f, "\n### %s@%d vs %s\n\n", metric_title(shown[s]), c->k[k], c->baseline);
            header(f, c, "kept");
            for (size_t l = 0; l < c->n_levels; l++) {
                rs_eval_level *lv = &r->levels[l];
                fprintf(f, "| %g |", lv->fraction);
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
static void compare_tables(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    for (size_t p = c->n_instances; p < r->n_pairs; p++) {
        const char *a = c->instances[r->pairs[p].a], *b = c->instances[r->pairs[p].b];
        fprintf(f, "\n## %s vs %s\n\nmean(%s) / mean(%s) - 1 [paired bootstrap 95 %% CI]; "
                   "* = the interval excludes 0.\n\n| kept |", a, b, a, b);
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
        for (size_t l = 0; l < c->n_levels; l++) {
            rs_eval_level *lv = &r->levels[l];
            fprintf(f, "| %g |", lv->fraction);
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
        if (best)
            fprintf(f, "\n%s %s over %s (Recall, NDCG, Precision, HitRate, MAP; all "
                       "levels and K): %+.1f%% in %s@%d at %g of the training data "
                       "(95 %% CI %+.1f%% to %+.1f%%).\n",
                    best->mean > 0 ? "Largest improvement of" : "No improvement anywhere; "
                                                                 "the best change of",
                    a, b, 100 * best->mean, metric_title(best_m), c->k[best_k],
                    c->levels[best_l], 100 * best->lo, 100 * best->hi);
    }
}

static void coverage_and_timing(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    for (size_t k = 0; k < c->n_k; k++) {
        fprintf(f, "\n### Catalogue coverage@%d (distinct items recommended / %d)\n\n",
                c->k[k], (int)r->n_items);
        header(f, c, "kept");
        for (size_t l = 0; l < c->n_levels; l++) {
            fprintf(f, "| %g |", r->levels[l].fraction);
            for (size_t i = 0; i < c->n_instances; i++)
                if (isfinite(r->levels[l].cells[i].coverage[k]))
                    fprintf(f, " %.4f |", r->levels[l].cells[i].coverage[k]);
                else
                    fputs(" n/a |", f);
            fputc('\n', f);
        }
    }
    fputs("\n## Timings (fit s / recommend s for all users, wall clock)\n\n", f);
    header(f, c, "kept");
    for (size_t l = 0; l < c->n_levels; l++) {
        fprintf(f, "| %g |", r->levels[l].fraction);
        for (size_t i = 0; i < c->n_instances; i++)
            fprintf(f, " %.2f / %.2f |", r->levels[l].cells[i].fit_seconds,
                    r->levels[l].cells[i].recommend_seconds);
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
    fprintf(f, "# Offline evaluation: accuracy under sparsity\n\n"
               "- started %s, recsys %s, scored on the **%s** split\n"
               "- eval config `%s`, host config `%s`\n"
               "- data `%s`: %d users, %d items, %zu ratings\n"
               "- split `%s` (test fraction %g, temporal quantile %g, validation "
               "fraction %g): %zu train, %zu validation, %zu test ratings; %zu "
               "test positives (rating >= %g)\n"
               "- seed %llu; 95 %% intervals: bootstrap percentile over users, %d "
               "resamples, paired across instances\n"
               "- levels keep that share of each user's training ratings (at "
               "least 1, nested); every user's full training set is excluded from "
               "ranking at every level\n"
               "- total %.1f s (loading %.1f s)\n\n",
            r->started_utc, r->recsys_version, r->validate ? "validation" : "test",
            c->path ? c->path : "(defaults)", r->host_config ? r->host_config : "?",
            r->data_dir ? r->data_dir : "?", (int)r->n_users, (int)r->n_items,
            r->n_ratings, rs_split_kind_str(c->split.kind), c->split.test_fraction,
            c->split.temporal_quantile, c->split.validation_fraction, r->n_train,
            r->n_valid, r->n_test, r->n_test_positive, c->positive_threshold,
            (unsigned long long)c->seed, c->bootstrap_resamples, r->total_seconds,
            r->load_seconds);
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
    fprintf(f, "\nCF subset thresholds: `%s`.\n", rs_cf_subset_str(c->cf_subset));
    fputs("\n| kept | train ratings | CF users | CF items | users scored | users excluded "
          "(no test positive) | cold items | users with a cold positive |\n"
          "|---|---|---|---|---|---|---|---|\n", f);
    for (size_t l = 0; l < c->n_levels; l++) {
        rs_eval_level *lv = &r->levels[l];
        fprintf(f, "| %g | %zu | %d | %d | %d | %d | %d | %d |\n", lv->fraction,
                lv->train_ratings, (int)lv->cf_users, (int)lv->cf_items,
                (int)lv->users_evaluated, (int)lv->users_excluded, (int)lv->cold_items,
                (int)lv->cold_users);
    }
    fputs("\n![Recall and NDCG against the share of training data kept](report.svg)\n", f);
}

static void failures(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    if (r->n_failures == 0)
        return;
    fprintf(f, "\n## Failures (%zu)\n\nTheir cells are n/a above.\n\n"
               "| kept | instance | error |\n|---|---|---|\n", r->n_failures);
    for (size_t l = 0; l < c->n_levels; l++)
        for (size_t i = 0; i < c->n_instances; i++)
            if (r->levels[l].cells[i].error)
                fprintf(f, "| %g | %s | %s |\n", c->levels[l], c->instances[i],
                        r->levels[l].cells[i].error);
}

rs_status rs_eval_write_md(const rs_eval_report *r, const char *path,
                           rs_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    preamble(f, r);
    failures(f, r);
    compare_tables(f, r);
    baseline_tables(f, r);
    fputs("\n## Metrics (mean over users [95 % CI])\n", f);
    metric_tables(f, r);
    coverage_and_timing(f, r);
    bucket_tables(f, r);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}
