/* report.csv: one row per number, long format, for spreadsheets and
 * scripts. Undefined values are empty fields. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "recsys/eval_report.h"

static void field(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, ",%.10g", x);
    else
        fputs(",", f);
}

static void row(FILE *f, double level, const char *kind, const char *inst, const char *ref,
                const char *slice, const char *metric, int k, double mean, double lo, double hi,
                long users)
{
    fprintf(f, "%g,%s,%s,%s,%s,%s,", level, kind, inst, ref, slice, metric);
    if (k > 0)
        fprintf(f, "%d", k);
    field(f, mean);
    field(f, lo);
    field(f, hi);
    if (users >= 0)
        fprintf(f, ",%ld\n", users);
    else
        fputs(",\n", f);
}

static void block(FILE *f, const rs_eval_report *r, double level, const char *kind,
                  const char *inst, const char *ref, const char *slice, const rs_ci *b, long users,
                  long cold_users)
{
    const rs_eval_config *c = r->cfg;
    for (size_t k = 0; k < c->n_k; k++)
        for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
            const rs_ci *x = &b[k * RS_EVAL_N_METRICS + m];
            row(f, level, kind, inst, ref, slice, rs_eval_metric_name(m), c->k[k], x->mean, x->lo,
                x->hi, m == RS_EVAL_COLD_RECALL ? cold_users : users);
        }
}

/* Kind vs_best (prefixed as the level's other rows): per subject of a
 * `compare` pair, the relative change against its best other instance by
 * Recall at the largest K (reference = that instance, empty when none),
 * for Recall and for NDCG at that K; the verdict is the sign of the
 * interval (report.json spells it out). */
static void write_vs_best(FILE *f, const rs_eval_report *r, rs_eval_level *l, const char *prefix)
{
    const rs_eval_config *c = r->cfg;
    double lv = l->n_given > 0 ? (double)l->n_given : l->fraction;
    size_t k = c->n_k - 1;
    char kind[48];
    snprintf(kind, sizeof kind, "%svs_best", prefix);
    for (size_t i = 0; i < c->n_instances; i++) {
        if (!rs_eval_vs_best_subject(r, (int)i))
            continue;
        rs_eval_vs_best v;
        rs_eval_vs_best_at(r, l, (int)i, k, RS_EVAL_RECALL, &v);
        const char *best = v.best >= 0 ? c->instances[v.best] : "";
        rs_ci nd = {NAN, NAN, NAN};
        if (v.pair >= 0)
            nd = *rs_eval_level_rel(r, l, (size_t)v.pair, k, RS_EVAL_NDCG);
        row(f, lv, kind, c->instances[i], best, "all", rs_eval_metric_name(RS_EVAL_RECALL), c->k[k],
            v.rel.mean, v.rel.lo, v.rel.hi, l->users_evaluated);
        row(f, lv, kind, c->instances[i], best, "all", rs_eval_metric_name(RS_EVAL_NDCG), c->k[k],
            nd.mean, nd.lo, nd.hi, l->users_evaluated);
    }
}

/* A sweep level (kinds metric, coverage, timing, relative_change; `level`
 * = the share kept), the same scored excluding the full training set
 * (kinds prefixed "exclude_full_") or a new-user level (prefixed
 * "new_user_", `level` = n, the ratings given). */
static void write_level(FILE *f, const rs_eval_report *r, rs_eval_level *l, const char *prefix)
{
    const rs_eval_config *c = r->cfg;
    int nu = l->n_given > 0;
    double lv = nu ? (double)l->n_given : l->fraction;
    char k_metric[48], k_cov[48], k_time[48], k_rel[48];
    snprintf(k_metric, sizeof k_metric, "%smetric", prefix);
    snprintf(k_cov, sizeof k_cov, "%scoverage", prefix);
    snprintf(k_time, sizeof k_time, "%stiming", prefix);
    snprintf(k_rel, sizeof k_rel, "%srelative_change", prefix);
    for (size_t i = 0; i < c->n_instances; i++) {
        const char *name = c->instances[i];
        rs_eval_cell *cell = &l->cells[i];
        block(f, r, lv, k_metric, name, "", "all", cell->all, l->users_evaluated, l->cold_users);
        for (size_t b = 0; b < c->n_buckets; b++) {
            char label[48], slice[64];
            snprintf(slice, sizeof slice, "activity:%s",
                     rs_eval_bucket_label(c, b, label, sizeof label));
            block(f, r, lv, k_metric, name, "", slice,
                  cell->bucket + b * c->n_k * RS_EVAL_N_METRICS, l->bucket_users[b],
                  l->bucket_cold_users[b]);
        }
        for (size_t k = 0; k < c->n_k; k++)
            row(f, lv, k_cov, name, "", "all", "coverage", c->k[k], cell->coverage[k], NAN, NAN,
                l->users_evaluated);
        if (!nu) /* the new-user fit is one for every n: in report.json */
            row(f, lv, k_time, name, "", "all", "fit_seconds", 0, cell->fit_seconds, NAN, NAN, -1);
        row(f, lv, k_time, name, "", "all", "recommend_seconds", 0, cell->recommend_seconds, NAN,
            NAN, l->users_evaluated);
    }
    for (size_t p = 0; p < r->n_pairs; p++) {
        const rs_eval_cmp *cmp = &r->pairs[p];
        if (cmp->a != cmp->b)
            block(f, r, lv, k_rel, c->instances[cmp->a], c->instances[cmp->b], "all",
                  l->rel + p * c->n_k * RS_EVAL_N_METRICS, l->users_evaluated, l->cold_users);
    }
    write_vs_best(f, r, l, prefix);
}

/* kind taste_probe, level empty, slice genre:<name>, k = the probe's k,
 * users = the films the probe rated. */
static void write_probes(FILE *f, const rs_eval_report *r)
{
    const rs_eval_config *c = r->cfg;
    for (size_t g = 0; g < c->probes.n_genres; g++) {
        const rs_eval_probe *p = &r->probes.probe[g];
        char slice[128];
        snprintf(slice, sizeof slice, "genre:%s", p->genre);
        for (size_t i = 0; i < c->n_instances; i++) {
            fprintf(f, ",taste_probe,%s,,%s,genre_share,%d", c->instances[i], slice, c->probes.k);
            field(f, p->share[i]);
            fprintf(f, ",,,%d\n", (int)p->n_rated);
            fprintf(f, ",taste_probe,%s,,%s,median_ratings,%d", c->instances[i], slice,
                    c->probes.k);
            field(f, p->median_count[i]);
            fprintf(f, ",,,%d\n", (int)p->n_rated);
        }
    }
}

rs_status rs_eval_write_csv(const rs_eval_report *r, const char *path, rs_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    fputs("level,kind,instance,reference,slice,metric,k,value,ci_lo,ci_hi,users\n", f);
    for (size_t l = 0; !r->sweep_skipped && l < r->cfg->n_levels; l++)
        write_level(f, r, &r->levels[l], "");
    for (size_t l = 0; r->levels_full && !r->sweep_skipped && l < r->cfg->n_levels; l++)
        write_level(f, r, &r->levels_full[l], "exclude_full_");
    for (size_t l = 0; r->nu.ran && l < r->cfg->new_users.n_n; l++)
        write_level(f, r, &r->nu.levels[l], "new_user_");
    if (r->probes.ran)
        write_probes(f, r);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}
