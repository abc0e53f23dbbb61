/* Team-draft interleaving: merges traced by hand, credit assignment and
 * the win-rate statistics on constructed impressions. */
#include <math.h>

#include "recsys/interleave.h"
#include "test_util.h"

static int same(const int32_t *got, const uint8_t *team, const int32_t *want, const char *teams,
                size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i] || team[i] != (teams[i] == 'A' ? RS_TEAM_A : RS_TEAM_B))
            return 0;
    return 1;
}

START_TEST(draft_matches_hand_traces)
{
    /* A = [1 2 3], B = [3 4 5], k = 4. Round 1 flips who picks first, the
     * other team answers; round 2 flips again. The four possible merges:
     *   A first, A first: 1A 3B 2A 4B      A first, B first: 1A 3B 4B 2A
     *   B first, A first: 3B 1A 2A 4B      B first, B first: 3B 1A 4B 2A */
    const int32_t a[] = {1, 2, 3}, b[] = {3, 4, 5};
    const int32_t w[4][4] = {{1, 3, 2, 4}, {1, 3, 4, 2}, {3, 1, 2, 4}, {3, 1, 4, 2}};
    const char *wt[4] = {"ABAB", "ABBA", "BAAB", "BABA"};
    int seen[4] = {0};
    enum { SEEDS = 4000 };
    for (uint64_t seq = 0; seq < SEEDS; seq++) {
        int32_t out[4];
        uint8_t team[4];
        size_t n;
        rs_interleave_team_draft(a, 3, b, 3, 4, rs_interleave_seed("s", 7, seq), out, team, &n);
        ck_assert_int_eq(n, 4);
        int which = -1;
        for (int c = 0; c < 4; c++)
            if (same(out, team, w[c], wt[c], 4))
                which = c;
        ck_assert_msg(which >= 0, "seq %llu: merge %d %d %d %d is none of the traces",
                      (unsigned long long)seq, out[0], out[1], out[2], out[3]);
        seen[which]++;
    }
    /* Fair coins: each trace a quarter of the time (5 standard errors). */
    for (int c = 0; c < 4; c++)
        ck_assert_msg(fabs(seen[c] / (double)SEEDS - 0.25) < 5 * sqrt(0.1875 / SEEDS),
                      "trace %s seen %d of %d", wt[c], seen[c], SEEDS);
}
END_TEST

START_TEST(identical_lists_alternate_in_pairs)
{
    const int32_t a[] = {1, 2, 3, 4, 5, 6};
    int32_t out[6];
    uint8_t team[6];
    size_t n;
    for (uint64_t seq = 0; seq < 64; seq++) {
        rs_interleave_team_draft(a, 6, a, 6, 6, rs_interleave_seed("s", 1, seq), out, team, &n);
        ck_assert_int_eq(n, 6);
        for (int i = 0; i < 6; i++)
            ck_assert_int_eq(out[i], a[i]); /* both teams agree on the order */
        for (int r = 0; r < 3; r++)
            ck_assert_int_ne(team[2 * r], team[2 * r + 1]); /* one each per round */
    }
}
END_TEST

START_TEST(exhaustion_duplicates_and_determinism)
{
    int32_t out[4], out2[4];
    uint8_t team[4], team2[4];
    size_t n, n2;
    /* A runs out after one item: B fills the rest. */
    const int32_t a1[] = {1}, b1[] = {2, 3, 4, 5};
    rs_interleave_team_draft(a1, 1, b1, 4, 4, 99, out, team, &n);
    ck_assert_int_eq(n, 4);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(team[i], out[i] == 1 ? RS_TEAM_A : RS_TEAM_B);
    /* Duplicates inside a list and an empty list: only distinct items. */
    const int32_t a2[] = {1, 1, 2};
    rs_interleave_team_draft(a2, 3, NULL, 0, 4, 5, out, team, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(out[0], 1);
    ck_assert_int_eq(out[1], 2);
    /* Same (salt, user, seq): same merge; the seed depends on each. */
    const int32_t a3[] = {1, 2, 3, 4}, b3[] = {5, 6, 7, 8};
    uint64_t s = rs_interleave_seed("salt", 42, 3);
    ck_assert_uint_eq(s, rs_interleave_seed("salt", 42, 3));
    ck_assert_uint_ne(s, rs_interleave_seed("salt", 42, 4));
    ck_assert_uint_ne(s, rs_interleave_seed("salt", 43, 3));
    ck_assert_uint_ne(s, rs_interleave_seed("tlas", 42, 3));
    rs_interleave_team_draft(a3, 4, b3, 4, 4, s, out, team, &n);
    rs_interleave_team_draft(a3, 4, b3, 4, 4, s, out2, team2, &n2);
    ck_assert_int_eq(n, n2);
    ck_assert_mem_eq(out, out2, sizeof out);
    ck_assert_mem_eq(team, team2, sizeof team);
}
END_TEST

START_TEST(credit_assignment)
{
    const int32_t shown[] = {1, 3, 2, 4};
    const uint8_t team[] = {RS_TEAM_A, RS_TEAM_B, RS_TEAM_A, RS_TEAM_B};
    /* Rated 2 (A), 3 and 4 (B), 9 (never shown): B wins 2 : 1. */
    const int32_t rated[] = {2, 3, 4, 9};
    rs_impression_outcome o = rs_interleave_outcome(shown, team, 4, rated, 4);
    ck_assert_int_eq(o.hits_a, 1);
    ck_assert_int_eq(o.hits_b, 2);
    ck_assert_int_eq(o.winner, RS_TEAM_B);
    /* 1 : 1 and 0 : 0 are ties. */
    const int32_t r2[] = {1, 3};
    ck_assert_int_eq(rs_interleave_outcome(shown, team, 4, r2, 2).winner, -1);
    ck_assert_int_eq(rs_interleave_outcome(shown, team, 4, NULL, 0).winner, -1);
    const int32_t r3[] = {1};
    o = rs_interleave_outcome(shown, team, 4, r3, 1);
    ck_assert_int_eq(o.winner, RS_TEAM_A);
}
END_TEST

START_TEST(win_rate_and_sign_test)
{
    rs_interleave_summary s = {0};
    rs_impression_outcome win_a = {2, 1, RS_TEAM_A}, win_b = {0, 1, RS_TEAM_B}, tie = {1, 1, -1};
    for (int i = 0; i < 8; i++)
        rs_interleave_add(&s, win_a);
    for (int i = 0; i < 2; i++)
        rs_interleave_add(&s, win_b);
    for (int i = 0; i < 5; i++)
        rs_interleave_add(&s, tie);
    rs_interleave_finish(&s);
    ck_assert_int_eq(s.impressions, 15);
    ck_assert_int_eq(s.ties, 5);
    ck_assert_double_eq_tol(s.win_rate_a, 0.8, 1e-12);
    /* Ties excluded: 8 : 2 -> 2 * 56 / 1024. */
    ck_assert_double_eq_tol(s.p_value, 0.109375, 1e-12);
    rs_interleave_summary empty = {0};
    rs_interleave_finish(&empty);
    ck_assert(isnan(empty.win_rate_a));
    ck_assert_double_eq(empty.p_value, 1.0);
}
END_TEST

START_TEST(better_ranker_wins_simulated_users)
{
    /* A ranks each user's liked items first, B ranks them last: over 200
     * users who rate only liked items, A should win clearly. */
    rs_interleave_summary s = {0};
    for (int64_t u = 0; u < 200; u++) {
        int32_t a[10], b[10], out[10];
        uint8_t team[10];
        size_t n;
        for (int i = 0; i < 10; i++) {
            a[i] = (int32_t)((u + i) % 10);
            b[i] = (int32_t)((u + 9 - i) % 10);
        }
        rs_interleave_team_draft(a, 10, b, 10, 6, rs_interleave_seed("sim", u, 0), out, team, &n);
        int32_t liked[2] = {(int32_t)(u % 10), (int32_t)((u + 1) % 10)};
        if (liked[0] > liked[1]) {
            int32_t t = liked[0];
            liked[0] = liked[1];
            liked[1] = t;
        }
        rs_interleave_add(&s, rs_interleave_outcome(out, team, n, liked, 2));
    }
    rs_interleave_finish(&s);
    ck_assert_msg(s.win_rate_a > 0.9 && s.p_value < 1e-6, "win rate %.3f p %.3g", s.win_rate_a,
                  s.p_value);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("interleave");
    TCase *tc = tcase_create("interleave");
    tcase_add_test(tc, draft_matches_hand_traces);
    tcase_add_test(tc, identical_lists_alternate_in_pairs);
    tcase_add_test(tc, exhaustion_duplicates_and_determinism);
    tcase_add_test(tc, credit_assignment);
    tcase_add_test(tc, win_rate_and_sign_test);
    tcase_add_test(tc, better_ranker_wins_simulated_users);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
