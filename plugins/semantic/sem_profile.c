#include "sem_profile.h"

#include <math.h>

size_t sem_profile_weights(const rs_rating *ratings, size_t n, float neutral, float *w)
{
    size_t liked = 0, signal = 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = ratings[i].rating - neutral;
        liked += w[i] > 0.0f;
        signal += w[i] != 0.0f;
    }
    if (signal == 0) {
        for (size_t i = 0; i < n; i++)
            w[i] = 1.0f;
        liked = n;
    }
    return liked;
}

int sem_prior_is_off(const sem_prior_opts *o)
{
    return o->count_weight == 0.0f && o->quality_weight == 0.0f;
}

void sem_prior_build(const rs_dataset *d, const sem_prior_opts *o, float *mult)
{
    double total = 0.0, mu = 0.0;
    for (int32_t i = 0; i < d->n_items; i++)
        for (size_t p = d->item_ptr[i]; p < d->item_ptr[i + 1]; p++)
            total += d->item_rating[p];
    size_t n_all = d->n_items > 0 ? d->item_ptr[d->n_items] : 0;
    mu = n_all ? total / (double)n_all : 0.0;
    for (int32_t i = 0; i < d->n_items; i++) {
        size_t b = d->item_ptr[i], e = d->item_ptr[i + 1];
        double sum = 0.0, n = (double)(e - b);
        for (size_t p = b; p < e; p++)
            sum += d->item_rating[p];
        double shrunk = n + o->damping > 0.0 ? (sum + o->damping * mu) / (n + o->damping) : mu;
        mult[i] = (float)((1.0 + o->count_weight * log1p(n)) *
                          exp(o->quality_weight * (shrunk - mu)));
    }
}
