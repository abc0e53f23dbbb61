/* Team-draft interleaving and its credit assignment. */
#include "recsys/interleave.h"

#include <math.h>
#include <stdlib.h>

#include "recsys/abstats.h"
#include "recsys/experiment.h"
#include "recsys/splitmix64.h"

uint64_t rs_interleave_seed(const char *salt, int64_t user_id, uint64_t seq)
{
    uint64_t s = rs_experiment_hash(salt, user_id) ^ (seq * 0xD6E8FEB86659FD93ull);
    return rs_splitmix64_next(&s);
}

static int shown_already(const int32_t *out, size_t n, int32_t item)
{
    for (size_t i = 0; i < n; i++) /* k is small (20): a scan beats a set */
        if (out[i] == item)
            return 1;
    return 0;
}

/* Advance *pos past items already shown; 1 when the list has one left. */
static int next_fresh(const int32_t *list, size_t len, size_t *pos, const int32_t *out, size_t n)
{
    while (*pos < len && shown_already(out, n, list[*pos]))
        (*pos)++;
    return *pos < len;
}

void rs_interleave_team_draft(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t k,
                              uint64_t seed, int32_t *out, uint8_t *team, size_t *n_out)
{
    size_t n = 0, pa = 0, pb = 0, count_a = 0, count_b = 0;
    uint64_t state = seed;
    while (n < k) {
        int has_a = next_fresh(a, na, &pa, out, n);
        int has_b = next_fresh(b, nb, &pb, out, n);
        if (!has_a && !has_b)
            break;
        int pick_a;
        if (!has_b)
            pick_a = 1;
        else if (!has_a)
            pick_a = 0;
        else if (count_a != count_b)
            pick_a = count_a < count_b;
        else
            pick_a = (rs_splitmix64_next(&state) >> 63) != 0;
        if (pick_a) {
            out[n] = a[pa++];
            team[n++] = RS_TEAM_A;
            count_a++;
        } else {
            out[n] = b[pb++];
            team[n++] = RS_TEAM_B;
            count_b++;
        }
    }
    *n_out = n;
}

static int rated_has(const int32_t *rated, size_t n, int32_t item)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rated[mid] < item)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && rated[lo] == item;
}

rs_impression_outcome rs_interleave_outcome(const int32_t *shown, const uint8_t *team, size_t n,
                                            const int32_t *rated, size_t n_rated)
{
    rs_impression_outcome o = {0, 0, -1};
    for (size_t i = 0; i < n; i++)
        if (rated_has(rated, n_rated, shown[i])) {
            if (team[i] == RS_TEAM_A)
                o.hits_a++;
            else
                o.hits_b++;
        }
    if (o.hits_a != o.hits_b)
        o.winner = o.hits_a > o.hits_b ? RS_TEAM_A : RS_TEAM_B;
    return o;
}

void rs_interleave_add(rs_interleave_summary *s, rs_impression_outcome o)
{
    s->impressions++;
    if (o.winner == RS_TEAM_A)
        s->wins_a++;
    else if (o.winner == RS_TEAM_B)
        s->wins_b++;
    else
        s->ties++;
}

void rs_interleave_finish(rs_interleave_summary *s)
{
    int64_t decided = s->wins_a + s->wins_b;
    s->win_rate_a = decided ? (double)s->wins_a / (double)decided : NAN;
    s->p_value = rs_abstats_sign_test(s->wins_a, s->wins_b);
}
