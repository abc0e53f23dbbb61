#include "focus.h"

#include <math.h>
#include <string.h>

void rs_hybrid_genre_base_init(const rs_dataset *d, rs_hybrid_genre_base *out)
{
    memset(out, 0, sizeof *out);
    if (!d || !d->items || d->n_genres <= 0 || !d->item_ptr)
        return;
    out->n_genres = d->n_genres < HYB_MAX_GENRES ? (size_t)d->n_genres : HYB_MAX_GENRES;
    double total = 0.0;
    for (int32_t i = 0; i < d->n_items; i++) {
        double c = (double)(d->item_ptr[i + 1] - d->item_ptr[i]);
        uint32_t m = d->items[i].genre_mask;
        total += c;
        for (size_t g = 0; g < out->n_genres; g++)
            if (m & (1u << g))
                out->base[g] += c;
    }
    for (size_t g = 0; g < out->n_genres; g++)
        out->base[g] = total > 0.0 ? out->base[g] / total : 0.0;
}

double rs_hybrid_focus(const rs_hybrid_genre_base *b, const uint32_t *masks, const float *ratings,
                       size_t n, double threshold)
{
    size_t liked = 0, count[HYB_MAX_GENRES] = {0};
    for (size_t i = 0; i < n; i++)
        liked += ratings[i] >= threshold;
    int all = liked == 0; /* nothing liked: what they chose to rate */
    size_t m = all ? n : liked;
    for (size_t i = 0; i < n; i++)
        if (all || ratings[i] >= threshold)
            for (size_t g = 0; g < b->n_genres; g++)
                count[g] += (masks[i] >> g) & 1u;
    double best = 0.0;
    for (size_t g = 0; m && g < b->n_genres; g++) {
        if (!count[g] || !(b->base[g] > 0.0))
            continue;
        double s = (double)count[g] / (double)m;
        double f = s * log(s / b->base[g]);
        if (f > best)
            best = f;
    }
    return best;
}

double rs_hybrid_focus_floor(const rs_hybrid_focus_rule *r, double focus, size_t n_ratings)
{
    if (!(r->weight > 0.0))
        return 0.0;
    double ramp = r->ramp_n > 0.0 ? (double)n_ratings / r->ramp_n : 1.0;
    double t = r->hi > r->lo ? (focus - r->lo) / (r->hi - r->lo) : (focus >= r->lo ? 1.0 : 0.0);
    if (ramp > 1.0)
        ramp = 1.0;
    ramp *= ramp; /* quadratic: five of ten ratings are a quarter of a taste */
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    return r->weight * ramp * t;
}
