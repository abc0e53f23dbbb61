/* Top-K ranking metrics; see recsys/eval_metrics.h for the conventions. */
#include "recsys/eval_metrics.h"

#include <math.h>

#include "recsys/topk.h"

int rs_metric_defined(size_t n_relevant) { return n_relevant > 0; }

static size_t cutoff(size_t n_ranked, size_t k) { return n_ranked < k ? n_ranked : k; }

static int is_hit(const int32_t *relevant, size_t n_relevant, int32_t item)
{
    return rs_sorted_contains(relevant, n_relevant, item);
}

size_t rs_metric_hits(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                      size_t n_relevant, size_t k)
{
    size_t hits = 0, n = cutoff(n_ranked, k);
    for (size_t i = 0; i < n; i++)
        hits += (size_t)is_hit(relevant, n_relevant, ranked[i]);
    return hits;
}

double rs_metric_recall(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                        size_t n_relevant, size_t k)
{
    if (!rs_metric_defined(n_relevant))
        return NAN;
    return (double)rs_metric_hits(ranked, n_ranked, relevant, n_relevant, k) / (double)n_relevant;
}

double rs_metric_precision(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                           size_t n_relevant, size_t k)
{
    if (!rs_metric_defined(n_relevant) || k == 0)
        return NAN;
    return (double)rs_metric_hits(ranked, n_ranked, relevant, n_relevant, k) / (double)k;
}

double rs_metric_hit_rate(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                          size_t n_relevant, size_t k)
{
    if (!rs_metric_defined(n_relevant))
        return NAN;
    return rs_metric_hits(ranked, n_ranked, relevant, n_relevant, k) > 0 ? 1.0 : 0.0;
}

double rs_metric_ndcg(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                      size_t n_relevant, size_t k)
{
    if (!rs_metric_defined(n_relevant) || k == 0)
        return NAN;
    double dcg = 0.0, idcg = 0.0;
    size_t n = cutoff(n_ranked, k);
    for (size_t i = 0; i < n; i++)
        if (is_hit(relevant, n_relevant, ranked[i]))
            dcg += 1.0 / log2((double)i + 2.0);
    size_t ideal = cutoff(n_relevant, k);
    for (size_t i = 0; i < ideal; i++)
        idcg += 1.0 / log2((double)i + 2.0);
    return dcg / idcg;
}

double rs_metric_ap(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                    size_t n_relevant, size_t k)
{
    if (!rs_metric_defined(n_relevant) || k == 0)
        return NAN;
    double sum = 0.0;
    size_t hits = 0, n = cutoff(n_ranked, k);
    for (size_t i = 0; i < n; i++) {
        if (is_hit(relevant, n_relevant, ranked[i])) {
            hits++;
            sum += (double)hits / (double)(i + 1);
        }
    }
    return sum / (double)cutoff(n_relevant, k);
}

void rs_coverage_add(uint8_t *seen, int32_t n_items, const int32_t *ranked, size_t n_ranked,
                     size_t k)
{
    size_t n = cutoff(n_ranked, k);
    for (size_t i = 0; i < n; i++)
        if (ranked[i] >= 0 && ranked[i] < n_items)
            seen[ranked[i]] = 1;
}

double rs_coverage_ratio(const uint8_t *seen, int32_t n_items)
{
    if (n_items <= 0)
        return NAN;
    size_t c = 0;
    for (int32_t i = 0; i < n_items; i++)
        c += seen[i] != 0;
    return (double)c / (double)n_items;
}
