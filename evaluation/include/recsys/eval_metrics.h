/*
 * Pure top-K ranking metrics for one user, plus catalogue coverage.
 *
 * Conventions shared by every function:
 *   - `ranked` is the plugin's list, best first, already tie-broken: the
 *     metrics use positions only, never scores, so equal scores cannot
 *     reorder anything here.
 *   - `relevant` is the user's set of test positives, sorted ascending,
 *     without duplicates.
 *   - Only the first min(n_ranked, k) entries count. A list shorter than k
 *     is scored as if padded with misses (Precision still divides by k).
 *   - A user with no relevant items has no defined value: each function
 *     returns NAN, and the caller excludes and counts that user
 *     (rs_metric_defined()).
 *
 * Thread contract: all functions are pure; call from any thread.
 */
#ifndef RECSYS_EVAL_METRICS_H
#define RECSYS_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* 1 when a user with n_relevant test positives takes part (n_relevant > 0). */
int rs_metric_defined(size_t n_relevant);

/* Hits in the top k: |ranked[:k] ∩ relevant|. */
size_t rs_metric_hits(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                      size_t n_relevant, size_t k);

/* hits / |relevant| */
double rs_metric_recall(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                        size_t n_relevant, size_t k);

/* hits / k */
double rs_metric_precision(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                           size_t n_relevant, size_t k);

/* 1 when hits > 0, else 0. */
double rs_metric_hit_rate(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                          size_t n_relevant, size_t k);

/* Binary-relevance NDCG: DCG = sum over hit positions i (0-based) of
 * 1/log2(i+2); ideal DCG = the same sum over the first min(|relevant|, k)
 * positions. */
double rs_metric_ndcg(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                      size_t n_relevant, size_t k);

/* AP@k = (sum over hit positions i of precision@(i+1)) / min(|relevant|, k).
 * The mean over users is MAP@k. */
double rs_metric_ap(const int32_t *ranked, size_t n_ranked, const int32_t *relevant,
                    size_t n_relevant, size_t k);

/*
 * Catalogue coverage: the share of the catalogue that appears in at least
 * one user's top k. The caller owns a zeroed byte map of n_items entries;
 * add every user's list, then take the ratio.
 */
void rs_coverage_add(uint8_t *seen, int32_t n_items, const int32_t *ranked, size_t n_ranked,
                     size_t k);
double rs_coverage_ratio(const uint8_t *seen, int32_t n_items);

#endif /* RECSYS_EVAL_METRICS_H */
