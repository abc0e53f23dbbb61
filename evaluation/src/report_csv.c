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

static void row(FILE *f, double level, const char *kind, const char *inst,
                const char *ref, const char *slice, const char *metric, int k,
                double mean, double lo, double hi, long users)
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

static void block(FILE *f, const rs_eval_report *r, double level,
                  const char *kind, const char *inst, const char *ref,
                  const char *slice, const rs_ci *b, long users,
                  long cold_users)
{
    const rs_eval_config *c = r->cfg;
    for (size_t k = 0; k < c->n_k; k++)
        for (int m = 0; m < RS_EVAL_N_METRICS; m++) {
            const rs_ci *x = &b[k * RS_EVAL_N_METRICS + m];
            row(f, level, kind, inst, ref, slice, rs_eval_metric_name(m), c->k[k],
                x->mean, x->lo, x->hi, m == RS_EVAL_COLD_RECALL ? cold_users : users);
        }
}

static void write_level(FILE *f, const rs_eval_report *r, rs_eval_level *l)
{
    const rs_eval_config *c = r->cfg;
    double lv = l->fraction;
    for (size_t i = 0; i < c->n_instances; i++) {
        const char *name = c->instances[i];
        rs_eval_cell *cell = &l->cells[i];
        block(f, r, lv, "metric", name, "", "all", cell->all, l->users_evaluated,
              l->cold_users);
        for (size_t b = 0; b < c->n_buckets; b++) {
            char label[48], slice[64];
            snprintf(slice, sizeof slice, "activity:%s",
                     rs_eval_bucket_label(c, b, label, sizeof label));
            block(f, r, lv, "metric", name, "", slice,
                  cell->bucket + b * c->n_k * RS_EVAL_N_METRICS,
                  l->bucket_users[b], l->bucket_cold_users[b]);
        }
        for (size_t k = 0; k < c->n_k; k++)
            row(f, lv, "coverage", name, "", "all", "coverage", c->k[k],
                cell->coverage[k], NAN, NAN, l->users_evaluated);
        row(f, lv, "timing", name, "", "all", "fit_seconds", 0, cell->fit_seconds,
            NAN, NAN, -1);
        row(f, lv, "timing", name, "", "all", "recommend_seconds", 0,
            cell->recommend_seconds, NAN, NAN, l->users_evaluated);
    }
    for (size_t p = 0; p < r->n_pairs; p++) {
        const rs_eval_cmp *cmp = &r->pairs[p];
        if (cmp->a != cmp->b)
            block(f, r, lv, "relative_change", c->instances[cmp->a],
                  c->instances[cmp->b], "all",
                  l->rel + p * c->n_k * RS_EVAL_N_METRICS, l->users_evaluated,
                  l->cold_users);
    }
}

rs_status rs_eval_write_csv(const rs_eval_report *r, const char *path,
                            rs_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: %s", path, strerror(errno));
    fputs("level,kind,instance,reference,slice,metric,k,value,ci_lo,ci_hi,users\n", f);
    for (size_t l = 0; l < r->cfg->n_levels; l++)
        write_level(f, r, &r->levels[l]);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rs_error_set(err, RS_ERR_IO, "%s: write failed", path);
    return RS_OK;
}
