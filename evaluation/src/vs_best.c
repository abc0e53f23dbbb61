/*
 * A subject against its best other instance at one level: which of the
 * instances it is paired with has the highest mean, and the paired
 * comparison the aggregation already computed for that pair. Nothing is
 * resampled here, so the writers and the tests read the same numbers.
 */
#include <math.h>

#include "recsys/eval_report.h"

const char *rs_eval_verdict_str(rs_eval_verdict v)
{
    switch (v) {
    case RS_EVAL_VERDICT_BELOW: return "below";
    case RS_EVAL_VERDICT_WITHIN: return "within";
    case RS_EVAL_VERDICT_ABOVE: return "above";
    case RS_EVAL_VERDICT_NA: break;
    }
    return "n/a";
}

rs_eval_verdict rs_eval_verdict_of(const rs_ci *rel)
{
    if (!isfinite(rel->mean) || !isfinite(rel->lo) || !isfinite(rel->hi))
        return RS_EVAL_VERDICT_NA;
    if (rel->lo > 0)
        return RS_EVAL_VERDICT_ABOVE;
    if (rel->hi < 0)
        return RS_EVAL_VERDICT_BELOW;
    return RS_EVAL_VERDICT_WITHIN;
}

int rs_eval_vs_best_subject(const rs_eval_report *r, int a)
{
    /* the configured pairs follow the n_instances baseline pairs */
    for (size_t p = r->cfg->n_instances; p < r->n_pairs; p++)
        if (r->pairs[p].a == a && r->pairs[p].b != a)
            return 1;
    return 0;
}

int rs_eval_vs_best_candidate(const rs_eval_report *r, int a, int b)
{
    for (size_t p = 0; b != a && p < r->n_pairs; p++)
        if (r->pairs[p].a == a && r->pairs[p].b == b)
            return 1;
    return 0;
}

void rs_eval_vs_best_at(const rs_eval_report *r, rs_eval_level *lv, int a, size_t k_idx,
                        rs_eval_metric m, rs_eval_vs_best *out)
{
    const rs_ci none = {NAN, NAN, NAN};
    *out = (rs_eval_vs_best){a, -1, -1, none, none, none, RS_EVAL_VERDICT_NA};
    out->a_stat = *rs_eval_cell_stat(r, &lv->cells[a], k_idx, m);
    for (size_t p = 0; p < r->n_pairs; p++) {
        int b = r->pairs[p].b;
        if (r->pairs[p].a != a || b == a)
            continue;
        const rs_ci *s = rs_eval_cell_stat(r, &lv->cells[b], k_idx, m);
        /* strictly greater: on a tie the first pair stays (a failed
         * instance's NaN never wins) */
        if (isfinite(s->mean) && (out->best < 0 || s->mean > out->best_stat.mean)) {
            out->best = b;
            out->pair = (long)p;
            out->best_stat = *s;
        }
    }
    if (out->pair < 0)
        return;
    out->rel = *rs_eval_level_rel(r, lv, (size_t)out->pair, k_idx, m);
    out->verdict = rs_eval_verdict_of(&out->rel);
}
