/* Unit tests of the blending arithmetic (plugins/hybrid/blend.c), of the
 * weight learner (plugins/hybrid/learn.c), of the focus rule
 * (plugins/hybrid/focus.c) and of the known-user training copy
 * (plugins/hybrid/holdout.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blend.h"
#include "fixture.h"
#include "focus.h"
#include "holdout.h"
#include "learn.h"
#include "check_main.h"

#define EPS 1e-6

START_TEST(zscore_has_zero_mean_unit_spread_and_keeps_missing)
{
    float raw[] = {2.0f, NAN, 4.0f, 6.0f, 100.0f};
    uint8_t skip[] = {0, 0, 0, 0, 1}; /* a rated item: out of the stats */
    float z[5];
    ck_assert_uint_eq(rs_hybrid_zscore(raw, skip, 5, 0, z), 3);
    double sd = sqrt(8.0 / 3.0); /* values 2, 4, 6: mean 4 */
    ck_assert_float_eq_tol(z[0], -2.0 / sd, EPS);
    ck_assert_float_eq_tol(z[2], 0.0f, EPS);
    ck_assert_float_eq_tol(z[3], 2.0 / sd, EPS);
    ck_assert_float_eq_tol(z[4], 96.0 / sd, 1e-4); /* still on the scale */
    ck_assert(isnan(z[1]));

    /* log1p: counts 0, e-1, e^2-1 become 0, 1, 2 before standardising;
     * negative scores count as 0. */
    float cnt[] = {0.0f, (float)(M_E - 1), (float)(M_E * M_E - 1), -5.0f};
    ck_assert_uint_eq(rs_hybrid_zscore(cnt, NULL, 4, 1, z), 4);
    /* values 0, 1, 2, 0: mean 0.75, sd sqrt(0.6875) */
    double m = 0.75, sd2 = sqrt(0.6875);
    ck_assert_float_eq_tol(z[0], (0 - m) / sd2, 1e-4);
    ck_assert_float_eq_tol(z[1], (1 - m) / sd2, 1e-4);
    ck_assert_float_eq_tol(z[2], (2 - m) / sd2, 1e-4);
    ck_assert_float_eq_tol(z[3], z[0], EPS);

    /* A child that scores everything the same expresses no preference. */
    float flat[] = {3.0f, 3.0f, NAN};
    ck_assert_uint_eq(rs_hybrid_zscore(flat, NULL, 3, 0, z), 2);
    ck_assert_float_eq(z[0], 0.0f);
    ck_assert(isnan(z[2]));
    /* One that scores nothing says so. */
    float none[] = {NAN, NAN};
    ck_assert_uint_eq(rs_hybrid_zscore(none, NULL, 2, 0, z), 0);
}
END_TEST

START_TEST(combine_counts_missing_as_the_childs_mean)
{
    /* two children x three items */
    float z[] = {1.0f,  NAN,  NAN,  /* child 0 */
                 -1.0f, 2.0f, NAN}; /* child 1 */
    double w[] = {0.75, 0.25};
    float out[3];
    rs_hybrid_combine(2, w, z, 3, NULL, out);
    ck_assert_float_eq_tol(out[0], 0.75 - 0.25, EPS);
    ck_assert_float_eq_tol(out[1], 0.5, EPS); /* child 0: no opinion */
    ck_assert(isnan(out[2]));                 /* nobody scored it */

    /* Child 1 stands in for child 0: item 1 counts 2.0 for both. */
    const int8_t stand[] = {1, -1};
    rs_hybrid_combine(2, w, z, 3, stand, out);
    ck_assert_float_eq_tol(out[0], 0.75 - 0.25, EPS); /* child 0 scored it */
    ck_assert_float_eq_tol(out[1], 2.0, EPS);
    ck_assert(isnan(out[2]));
    /* ... and is credited with the whole of it. */
    float sh[2];
    ck_assert_int_eq(rs_hybrid_shares(2, w, z, 3, 1, stand, NULL, sh), 1);
    ck_assert_float_eq(sh[0], 0.0f);
    ck_assert_float_eq_tol(sh[1], 1.0f, EPS);
}
END_TEST

START_TEST(shares_split_the_positive_contributions_and_name_the_winner)
{
    /* three children x two items */
    float z[] = {2.0f,  -1.0f, /* child 0 */
                 1.0f,  -2.0f, /* child 1 */
                 -3.0f, NAN};  /* child 2 */
    double w[] = {0.25, 0.5, 0.25};
    float sh[3];
    /* item 0: contributions 0.5, 0.5, -0.75: ties go to the first. */
    ck_assert_int_eq(rs_hybrid_shares(3, w, z, 2, 0, NULL, NULL, sh), 0);
    ck_assert_float_eq_tol(sh[0], 0.5f, EPS);
    ck_assert_float_eq_tol(sh[1], 0.5f, EPS);
    ck_assert_float_eq(sh[2], 0.0f);
    /* Only child 1 may explain: it wins. */
    uint8_t only1[] = {0, 1, 0};
    ck_assert_int_eq(rs_hybrid_shares(3, w, z, 2, 0, NULL, only1, sh), 1);
    /* item 1: nobody lifted it; shares are the weights of who scored. */
    ck_assert_int_eq(rs_hybrid_shares(3, w, z, 2, 1, NULL, NULL, sh), -1);
    ck_assert_float_eq_tol(sh[0], 0.25f / 0.75f, EPS);
    ck_assert_float_eq_tol(sh[1], 0.5f / 0.75f, EPS);
    ck_assert_float_eq(sh[2], 0.0f);
}
END_TEST

START_TEST(buckets_are_nearest_on_a_log_scale)
{
    int32_t b[] = {1, 3, 5, 10, 20, 50};
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 0), 0);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 1), 0);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 2), 1); /* log 2: nearer 3 */
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 7), 2); /* sqrt(50) ~ 7.07 */
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 8), 3);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 14), 3);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 15), 4);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 6, 2698), 5);
    ck_assert_uint_eq(rs_hybrid_bucket(b, 0, 7), 0);
}
END_TEST

/* ---- the learner --------------------------------------------------------- */

#define C 3
#define CANDS 200
#define REL 8

static uint64_t lcg = 12345;
static double uniform(void)
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / 9007199254740992.0;
}
static double gauss(void)
{
    double u = uniform() + 1e-12, v = uniform();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

typedef struct built {
    rs_hybrid_lquery *q;
    float *feat;
    uint8_t *rel;
    rs_hybrid_ldata d;
} built;

/* Queries whose relevant items are exactly the REL best candidates under
 * the hidden weights truth[bucket][C] (plus a little noise in the truth
 * per query), so the optimal blend weights are known. */
static built build(size_t n_buckets, size_t per_bucket, const double truth[][C],
                   size_t bucket_stride)
{
    built b;
    size_t nq = n_buckets * per_bucket;
    b.q = calloc(nq, sizeof *b.q);
    b.feat = malloc(nq * CANDS * C * sizeof *b.feat);
    b.rel = calloc(nq * CANDS, 1);
    for (size_t i = 0; i < nq; i++) {
        size_t bk = i / per_bucket, off = i * CANDS;
        double s[CANDS];
        for (size_t j = 0; j < CANDS; j++) {
            s[j] = 0;
            for (size_t c = 0; c < C; c++) {
                float f = (float)gauss();
                b.feat[(off + j) * C + c] = f;
                s[j] += truth[bk][c] * f;
            }
        }
        for (size_t r = 0; r < REL; r++) { /* mark the REL best */
            size_t best = 0;
            double bs = -INFINITY;
            for (size_t j = 0; j < CANDS; j++)
                if (!b.rel[off + j] && s[j] > bs) {
                    bs = s[j];
                    best = j;
                }
            b.rel[off + best] = 1;
        }
        b.q[i] = (rs_hybrid_lquery){(uint32_t)(bk * bucket_stride), CANDS, REL, off, 0.0f};
    }
    b.d = (rs_hybrid_ldata){C,
                            (n_buckets - 1) * bucket_stride + 1,
                            nq,
                            b.q,
                            b.feat,
                            b.rel,
                            NULL,
                            0,
                            RS_HYBRID_METRIC_NDCG};
    return b;
}

static void built_free(built *b)
{
    free(b->q);
    free(b->feat);
    free(b->rel);
}

/* Buckets 0 and 2 hold queries with different hidden weights; bucket 1
 * (between them) has none. Each learns its own truth (a bucket borrows
 * half of its neighbours' NDCG, and the empty one lends nothing). */
START_TEST(learner_recovers_known_weights_per_bucket)
{
    const double truth[2][C] = {{0.6, 0.3, 0.1}, {0.15, 0.0, 0.85}};
    built b = build(2, 60, truth, 2);
    double w3[3 * C], nd3[3], w[2 * C], nd[2];
    rs_hybrid_learn(&b.d, NULL, 20, 10, NULL, 1, -1, w3, nd3);
    ck_assert(isnan(nd3[1]));
    memcpy(w, w3, C * sizeof *w);
    memcpy(w + C, w3 + 2 * C, C * sizeof *w);
    nd[0] = nd3[0];
    nd[1] = nd3[2];
    for (size_t bk = 0; bk < 2; bk++) {
        double sum = 0;
        for (size_t c = 0; c < C; c++) {
            sum += w[bk * C + c];
            ck_assert_msg(fabs(w[bk * C + c] - truth[bk][c]) <= 0.06,
                          "bucket %zu child %zu: learned %.3f, truth %.3f", bk, c, w[bk * C + c],
                          truth[bk][c]);
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-9);
        /* The truth ranks every query perfectly, and so nearly does what
         * was learned. */
        size_t n;
        ck_assert_double_eq_tol(rs_hybrid_ndcg(&b.d, truth[bk], 20, 2 * bk, &n), 1.0, 1e-9);
        ck_assert_uint_eq(n, 60);
        ck_assert(nd[bk] > 0.97);
        ck_assert_double_eq_tol(nd[bk], rs_hybrid_ndcg(&b.d, w + bk * C, 20, 2 * bk, NULL), 1e-9);
    }
    built_free(&b);
}
END_TEST

START_TEST(learner_respects_live_children_and_empty_buckets)
{
    const double truth[1][C] = {{0.5, 0.5, 0.0}};
    built b = build(1, 40, truth, 1);
    b.d.n_buckets = 3; /* buckets 1 and 2 have no queries */
    double w[3 * C], nd[3];
    uint8_t live[C] = {1, 0, 1}; /* child 1 is unavailable */
    rs_hybrid_learn(&b.d, live, 20, 10, NULL, 1, -1, w, nd);
    ck_assert_double_eq(w[1], 0.0);
    ck_assert(w[0] > w[2]); /* child 0 carries what can be carried */
    ck_assert(!isnan(nd[0]) && isnan(nd[1]) && isnan(nd[2]));
    for (size_t c = 0; c < C; c++) { /* empty buckets: the global weights */
        ck_assert_double_eq_tol(w[C + c], w[c], 0.11);
        ck_assert_double_eq(w[2 * C + c], w[C + c]);
    }

    /* A floor on child 2 (in bucket 0) is honoured, the rest still
     * learned. */
    const double floor[3 * C] = {0.0, 0.0, 0.3, 0, 0, 0, 0, 0, 0};
    live[1] = 1;
    rs_hybrid_learn(&b.d, live, 20, 10, floor, 1, -1, w, nd);
    ck_assert(w[2] >= 0.3 - 1e-9);
    ck_assert(w[0] > 0.2 && w[1] > 0.2); /* the truth's two children */
    ck_assert_double_eq_tol(w[0] + w[1] + w[2], 1.0, 1e-9);

    /* Nothing to learn from: all weight on the fallback child. */
    b.d.n_queries = 0;
    rs_hybrid_learn(&b.d, NULL, 20, 10, NULL, 1, 2, w, nd);
    for (size_t bk = 0; bk < 3; bk++) {
        ck_assert_double_eq(w[bk * C + 0], 0.0);
        ck_assert_double_eq(w[bk * C + 1], 0.0);
        ck_assert_double_eq(w[bk * C + 2], 1.0);
    }
    /* Too few queries to learn from is nothing to learn from. */
    b.d.n_queries = 40;
    rs_hybrid_learn(&b.d, NULL, 20, 10, NULL, 41, 2, w, nd);
    ck_assert_double_eq(w[2], 1.0);
    b.d.n_queries = 0;
    /* ... or equal weights over the live children without one. */
    live[1] = 0;
    rs_hybrid_learn(&b.d, live, 20, 10, NULL, 1, -1, w, nd);
    ck_assert_double_eq_tol(w[0], 0.5, 1e-12);
    ck_assert_double_eq(w[1], 0.0);
    ck_assert_double_eq_tol(w[2], 0.5, 1e-12);
    built_free(&b);
}
END_TEST

START_TEST(ndcg_matches_a_hand_computed_case)
{
    /* One query, 4 candidates, one child; relevant: candidates 1 and 3.
     * Ranking by score: 2, 1, 3, 0 -> hits at ranks 2 and 3 (1-based). */
    float feat[] = {0.1f, 0.5f, 0.9f, 0.3f};
    uint8_t rel[] = {0, 1, 0, 1};
    rs_hybrid_lquery q = {0, 4, 2, 0, 0.0f};
    rs_hybrid_ldata d = {1, 1, 1, &q, feat, rel, NULL, 0, RS_HYBRID_METRIC_NDCG};
    double w = 1.0;
    double dcg = 1 / log2(3.0) + 1 / log2(4.0), idcg = 1 + 1 / log2(3.0);
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, &w, 20, SIZE_MAX, NULL), dcg / idcg, 1e-12);
    /* k = 1: the top item is not relevant. */
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, &w, 1, 0, NULL), 0.0, 1e-12);
}
END_TEST

START_TEST(evidence_gate_and_cap_shape_the_content_lift)
{
    /* Films with 0, 2, 20 and 50 training ratings. */
    const size_t ptr[] = {0, 0, 2, 22, 72, 72};
    float z[] = {3.0f, 3.0f, 3.0f, 3.0f, -1.0f};
    rs_hybrid_evidence_gate(z, 5, ptr, 20.0, 1.0);
    ck_assert_float_eq_tol(z[0], 3.0 * log(2.0) / log(22.0), EPS);
    ck_assert_float_eq_tol(z[1], 3.0 * log(4.0) / log(22.0), EPS);
    ck_assert_float_eq_tol(z[2], 3.0f, EPS);  /* at full: untouched */
    ck_assert_float_eq_tol(z[3], 3.0f, EPS);  /* beyond: never amplified */
    ck_assert_float_eq_tol(z[4], -1.0f, EPS); /* a push down stays */
    float nan_z[] = {NAN};
    rs_hybrid_evidence_gate(nan_z, 1, ptr, 20.0, 1.0);
    ck_assert(isnan(nan_z[0]));
    float off[] = {3.0f};
    rs_hybrid_evidence_gate(off, 1, ptr, 0.0, 1.0);
    ck_assert_float_eq(off[0], 3.0f);
    /* Half strength: the square root of the gate; none: untouched. */
    float half[] = {3.0f, 3.0f};
    rs_hybrid_evidence_gate(half, 1, ptr, 20.0, 0.5);
    ck_assert_float_eq_tol(half[0], 3.0 * sqrt(log(2.0) / log(22.0)), EPS);
    rs_hybrid_evidence_gate(half + 1, 1, ptr, 20.0, 0.0);
    ck_assert_float_eq(half[1], 3.0f);

    /* The cap: lifts above it are flattened, the rest kept. */
    float c[] = {12.0f, 2.5f, -4.0f, NAN};
    rs_hybrid_cap(c, 4, 3.0);
    ck_assert_float_eq(c[0], 3.0f);
    ck_assert_float_eq(c[1], 2.5f);
    ck_assert_float_eq(c[2], -4.0f);
    ck_assert(isnan(c[3]));
    rs_hybrid_cap(c, 1, 0.0); /* off */
    ck_assert_float_eq(c[0], 3.0f);
}
END_TEST

START_TEST(raise_weight_keeps_the_others_ratios)
{
    const double w[] = {0.6, 0.3, 0.1, 0.0};
    double out[4];
    rs_hybrid_raise_weight(4, w, 2, 0.4, out);
    ck_assert_double_eq_tol(out[2], 0.4, 1e-12);
    /* The other 0.9 become 0.6, in the learned 2 : 1 ratio. */
    ck_assert_double_eq_tol(out[0], 0.4, 1e-12);
    ck_assert_double_eq_tol(out[1], 0.2, 1e-12);
    ck_assert_double_eq(out[3], 0.0);
    /* Already that much: unchanged; in place works. */
    double v[] = {0.6, 0.3, 0.1, 0.0};
    rs_hybrid_raise_weight(4, v, 0, 0.5, v);
    ck_assert_double_eq(v[0], 0.6);
    ck_assert_double_eq(v[1], 0.3);
    /* No one else has weight to give: unchanged. */
    const double solo[] = {0.0, 0.0, 1.0, 0.0};
    rs_hybrid_raise_weight(4, solo, 2, 0.5, out);
    ck_assert_double_eq(out[2], 1.0);
}
END_TEST

/* Ten films: 0-5 Drama (bit 0), 6-7 Western (bit 1), 8-9 both; ratings
 * per film 1..10 (film i has i + 1), so the base rates are known. */
static void genre_fixture(rs_dataset *d, rs_item_meta *meta, size_t *ptr)
{
    static const char *const names[] = {"Drama", "Western", "Unused"};
    memset(d, 0, sizeof *d);
    ptr[0] = 0;
    for (int i = 0; i < 10; i++) {
        memset(&meta[i], 0, sizeof meta[i]);
        meta[i].genre_mask = i < 6 ? 1u : i < 8 ? 2u : 3u;
        ptr[i + 1] = ptr[i] + (size_t)(i + 1);
    }
    d->struct_size = sizeof *d;
    d->n_items = 10;
    d->items = meta;
    d->item_ptr = ptr;
    d->n_genres = 3;
    d->genre_names = names;
}

START_TEST(focus_measures_one_genre_beyond_its_base_rate)
{
    rs_dataset d;
    rs_item_meta meta[10];
    size_t ptr[11];
    genre_fixture(&d, meta, ptr);
    rs_hybrid_genre_base b;
    rs_hybrid_genre_base_init(&d, &b);
    ck_assert_uint_eq(b.n_genres, 3);
    /* 55 ratings; Drama films 0-5 and 8-9 have 21 + 19 = 40, Western
     * films 6-9 have 7 + 8 + 9 + 10 = 34; nobody's film is "Unused". */
    ck_assert_double_eq_tol(b.base[0], 40.0 / 55.0, 1e-12);
    ck_assert_double_eq_tol(b.base[1], 34.0 / 55.0, 1e-12);
    ck_assert_double_eq(b.base[2], 0.0);

    /* Every liked film a Western: focus = ln(1 / base). The 2-star film
     * (a Drama) is not liked, so it does not dilute the share. */
    const uint32_t west[] = {2u, 2u, 3u, 1u};
    const float r_west[] = {5.0f, 4.5f, 4.0f, 2.0f};
    double f = rs_hybrid_focus(&b, west, r_west, 4, 4.0);
    ck_assert_double_eq_tol(f, log(55.0 / 34.0), 1e-12);
    /* Liked half Drama-only, half Western-only: the larger term of
     * s * ln(s / base) over the genres. */
    const uint32_t mix[] = {1u, 2u};
    const float r_mix[] = {5.0f, 5.0f};
    double want = fmax(0.5 * log(0.5 / (40.0 / 55.0)), 0.5 * log(0.5 / (34.0 / 55.0)));
    ck_assert_double_eq_tol(rs_hybrid_focus(&b, mix, r_mix, 2, 4.0), fmax(want, 0.0), 1e-12);
    /* Nothing liked: the rated films stand for the taste. */
    const float low[] = {2.0f, 1.0f, 3.0f, 2.5f};
    ck_assert_double_eq_tol(rs_hybrid_focus(&b, west, low, 4, 4.0),
                            0.75 * log(0.75 / (34.0 / 55.0)), 1e-12);
    /* No ratings, or genres without a base rate: no focus. */
    ck_assert_double_eq(rs_hybrid_focus(&b, west, r_west, 0, 4.0), 0.0);
    const uint32_t unused[] = {4u, 4u};
    ck_assert_double_eq(rs_hybrid_focus(&b, unused, r_mix, 2, 4.0), 0.0);
}
END_TEST

START_TEST(focus_floor_ramps_with_focus_and_ratings)
{
    rs_hybrid_focus_rule r = {.weight = 0.5, .lo = 1.0, .hi = 2.0, .ramp_n = 10.0};
    ck_assert_double_eq(rs_hybrid_focus_floor(&r, 0.9, 20), 0.0);
    ck_assert_double_eq_tol(rs_hybrid_focus_floor(&r, 1.5, 20), 0.25, 1e-12);
    ck_assert_double_eq_tol(rs_hybrid_focus_floor(&r, 3.0, 20), 0.5, 1e-12);
    /* Five ratings are half of the ramp, squared: a quarter. */
    ck_assert_double_eq_tol(rs_hybrid_focus_floor(&r, 3.0, 5), 0.125, 1e-12);
    r.weight = 0.0; /* off */
    ck_assert_double_eq(rs_hybrid_focus_floor(&r, 3.0, 20), 0.0);
}
END_TEST

/* A query's boost is applied to the weights being scored, as at request
 * time, and the metric can be recall. */
START_TEST(learner_scores_each_query_with_its_boost_and_metric)
{
    /* Two children; candidate 0 is child 0's favourite, candidate 1 child
     * 1's; only candidate 1 is relevant. Weights (0.8, 0.2) rank 0 first;
     * raised to 0.6 on child 1 they rank 1 first. */
    float feat[] = {2.0f, 0.0f, 0.0f, 2.0f, -1.0f, -1.0f};
    uint8_t rel[] = {0, 1, 0};
    rs_hybrid_lquery q = {0, 3, 1, 0, 0.0f};
    rs_hybrid_ldata d = {2, 1, 1, &q, feat, rel, NULL, 1, RS_HYBRID_METRIC_NDCG};
    const double w[] = {0.8, 0.2};
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, w, 1, 0, NULL), 0.0, 1e-12);
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, w, 2, 0, NULL), 1.0 / log2(3.0), 1e-12);
    q.boost = 0.6f;
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, w, 1, 0, NULL), 1.0, 1e-12);
    /* Recall@1 of the boosted query: its one positive is found. */
    d.metric = RS_HYBRID_METRIC_RECALL;
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, w, 1, 0, NULL), 1.0, 1e-12);
    q.boost = 0.0f;
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, w, 1, 0, NULL), 0.0, 1e-12);
    /* Both: the mean of NDCG@2 (1 / log2 3) and Recall@2 (1). */
    d.metric = RS_HYBRID_METRIC_BOTH;
    ck_assert_double_eq_tol(rs_hybrid_ndcg(&d, w, 2, 0, NULL), 0.5 * (1.0 / log2(3.0) + 1.0),
                            1e-12);

    /* The learner fits the weights *before* the boost: with every query
     * boosted to 0.6 on child 1, any weights up to 0.6 on child 1 rank the
     * positive first, and the learner keeps the earliest grid point that
     * does, which is child 0 heavy. Unboosted, it must move to child 1. */
    double lw[2], nd;
    d.metric = RS_HYBRID_METRIC_NDCG;
    q.boost = 0.6f;
    rs_hybrid_learn(&d, NULL, 1, 10, NULL, 1, -1, lw, &nd);
    ck_assert_double_eq_tol(nd, 1.0, 1e-12);
    ck_assert(lw[0] > 0.5);
    q.boost = 0.0f;
    rs_hybrid_learn(&d, NULL, 1, 10, NULL, 1, -1, lw, &nd);
    ck_assert_double_eq_tol(nd, 1.0, 1e-12);
    ck_assert(lw[1] > 0.5);
}
END_TEST

/* The copy keeps every user and item, loses exactly the held-out ratings
 * (round(fraction * n), at least 1, never all), stays a consistent CSR both
 * ways, and the folds of one seed split the sample. */
START_TEST(holdout_copy_is_consistent_and_folds_split_the_sample)
{
    enum { U = 12, I = 9 };
    hyb_triple t[U * I];
    size_t n = 0;
    for (int32_t u = 0; u < U; u++)
        for (int32_t i = 0; i < I; i++)
            if ((u + i) % 3 != 0 || u < 2) /* users 0-1 rate all 9 films */
                t[n++] = (hyb_triple){u, i, (float)(1 + (u * 7 + i) % 5)};
    hyb_fixture *f = hyb_fixture_new(U, I, t, n);
    const rs_dataset *in = hyb_fixture_view(f);
    uint8_t seen[U] = {0}, drop[U] = {0};
    drop[3] = 1; /* a new user to the copy: all ratings gone, never sampled */
    for (size_t fold = 0; fold < 3; fold++) {
        rs_hybrid_holdout h;
        ck_assert_int_eq(rs_hybrid_holdout_build(in, 100, 5, 0.25, fold, 3, 7, drop, &h), 0);
        const rs_dataset *d = &h.data;
        ck_assert_int_eq(d->n_users, U);
        ck_assert_int_eq(d->n_items, I);
        ck_assert_ptr_eq(d->items, in->items);
        size_t held = 0;
        for (size_t k = 0; k < h.n_users; k++) {
            int32_t u = h.users[k];
            ck_assert(k == 0 || h.users[k - 1] < u);
            ck_assert(!seen[u]);
            seen[u] = 1;
            size_t nu = in->user_ptr[u + 1] - in->user_ptr[u];
            size_t hk = h.held_ptr[k + 1] - h.held_ptr[k];
            size_t want = (size_t)lround(0.25 * (double)nu);
            ck_assert_uint_eq(hk, want < 1 ? 1 : want);
            ck_assert_uint_eq(d->user_ptr[u + 1] - d->user_ptr[u], nu - hk);
            /* Held-out ratings are the user's, and gone from the copy. */
            for (size_t j = h.held_ptr[k]; j < h.held_ptr[k + 1]; j++) {
                int32_t it = h.held_item[j];
                int in_orig = 0, in_copy = 0;
                for (size_t p = in->user_ptr[u]; p < in->user_ptr[u + 1]; p++)
                    in_orig |= in->user_item[p] == it && in->user_rating[p] == h.held_rating[j];
                for (size_t p = d->user_ptr[u]; p < d->user_ptr[u + 1]; p++)
                    in_copy |= d->user_item[p] == it;
                ck_assert(in_orig && !in_copy);
            }
            held += hk;
        }
        size_t dropped = in->user_ptr[4] - in->user_ptr[3];
        ck_assert_uint_eq(d->user_ptr[4] - d->user_ptr[3], 0);
        ck_assert_uint_eq(d->n_ratings, in->n_ratings - held - dropped);
        /* Both CSRs hold the same pairs, sorted. */
        ck_assert_uint_eq(d->user_ptr[U], d->n_ratings);
        ck_assert_uint_eq(d->item_ptr[I], d->n_ratings);
        for (int32_t i = 0; i < I; i++)
            for (size_t p = d->item_ptr[i]; p < d->item_ptr[i + 1]; p++) {
                int32_t u = d->item_user[p];
                ck_assert(p == d->item_ptr[i] || d->item_user[p - 1] < u);
                int found = 0;
                for (size_t q = d->user_ptr[u]; q < d->user_ptr[u + 1]; q++)
                    found |= d->user_item[q] == i && d->user_rating[q] == d->item_rating[p];
                ck_assert(found);
            }
        for (int32_t u = 0; u < U; u++)
            for (size_t p = d->user_ptr[u] + 1; p < d->user_ptr[u + 1]; p++)
                ck_assert(d->user_item[p - 1] < d->user_item[p]);
        rs_hybrid_holdout_free(&h);
    }
    /* Every user with 5+ ratings, but the dropped one, fell in exactly one
     * fold. */
    for (int32_t u = 0; u < U; u++)
        ck_assert_int_eq(seen[u], u != 3 && in->user_ptr[u + 1] - in->user_ptr[u] >= 5);
    hyb_fixture_free(f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("hybrid_blend");
    TCase *tc = tcase_create("blend");
    tcase_add_test(tc, zscore_has_zero_mean_unit_spread_and_keeps_missing);
    tcase_add_test(tc, combine_counts_missing_as_the_childs_mean);
    tcase_add_test(tc, shares_split_the_positive_contributions_and_name_the_winner);
    tcase_add_test(tc, buckets_are_nearest_on_a_log_scale);
    tcase_add_test(tc, learner_recovers_known_weights_per_bucket);
    tcase_add_test(tc, learner_respects_live_children_and_empty_buckets);
    tcase_add_test(tc, ndcg_matches_a_hand_computed_case);
    tcase_add_test(tc, evidence_gate_and_cap_shape_the_content_lift);
    tcase_add_test(tc, raise_weight_keeps_the_others_ratios);
    tcase_add_test(tc, focus_measures_one_genre_beyond_its_base_rate);
    tcase_add_test(tc, focus_floor_ramps_with_focus_and_ratings);
    tcase_add_test(tc, learner_scores_each_query_with_its_boost_and_metric);
    tcase_add_test(tc, holdout_copy_is_consistent_and_folds_split_the_sample);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
