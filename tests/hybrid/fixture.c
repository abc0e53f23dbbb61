#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hyb_fixture {
    rs_dataset d;
    int64_t *user_ids;
    rs_item_meta *items;
    char (*titles)[24];
    size_t *user_ptr, *item_ptr;
    int32_t *user_item, *item_user;
    float *user_rating, *item_rating;
    int64_t *user_time;
    uint8_t *cf_item, *cf_user;
};

static int by_user_item(const void *a, const void *b)
{
    const hyb_triple *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

hyb_fixture *hyb_fixture_new(int32_t n_users, int32_t n_items, const hyb_triple *t, size_t n)
{
    hyb_fixture *f = calloc(1, sizeof *f);
    hyb_triple *s = malloc((n ? n : 1) * sizeof *s);
    if (!f || !s)
        goto fail;
    if (n) {
        memcpy(s, t, n * sizeof *s);
        qsort(s, n, sizeof *s, by_user_item);
    }
    f->user_ids = calloc((size_t)n_users + 1, sizeof *f->user_ids);
    f->items = calloc((size_t)n_items, sizeof *f->items);
    f->titles = calloc((size_t)n_items, sizeof *f->titles);
    f->user_ptr = calloc((size_t)n_users + 1, sizeof *f->user_ptr);
    f->item_ptr = calloc((size_t)n_items + 1, sizeof *f->item_ptr);
    f->user_item = calloc(n + 1, sizeof *f->user_item);
    f->item_user = calloc(n + 1, sizeof *f->item_user);
    f->user_rating = calloc(n + 1, sizeof *f->user_rating);
    f->item_rating = calloc(n + 1, sizeof *f->item_rating);
    f->user_time = calloc(n + 1, sizeof *f->user_time);
    f->cf_item = calloc((size_t)n_items, 1);
    f->cf_user = calloc((size_t)n_users + 1, 1);
    if (!f->user_ids || !f->items || !f->titles || !f->user_ptr || !f->item_ptr || !f->user_item ||
        !f->item_user || !f->user_rating || !f->item_rating || !f->user_time || !f->cf_item ||
        !f->cf_user)
        goto fail;
    for (int32_t u = 0; u < n_users; u++)
        f->user_ids[u] = 100 + u;
    for (int32_t i = 0; i < n_items; i++) {
        snprintf(f->titles[i], sizeof f->titles[i], "Movie %d", (int)i);
        f->items[i] = (rs_item_meta){
            .movie_id = 1000 + i, .title = f->titles[i], .genres = "", .tags = "", .overview = ""};
        f->cf_item[i] = 1;
    }
    for (size_t r = 0; r < n; r++) {
        f->user_ptr[s[r].user + 1]++;
        f->item_ptr[s[r].item + 1]++;
        f->user_item[r] = s[r].item;
        f->user_rating[r] = s[r].rating;
    }
    for (int32_t u = 0; u < n_users; u++) {
        f->user_ptr[u + 1] += f->user_ptr[u];
        f->cf_user[u] = 1;
    }
    for (int32_t i = 0; i < n_items; i++)
        f->item_ptr[i + 1] += f->item_ptr[i];
    /* By item: users arrive in ascending order because s is user-sorted. */
    size_t *fill = calloc((size_t)n_items + 1, sizeof *fill);
    if (!fill)
        goto fail;
    for (size_t r = 0; r < n; r++) {
        size_t at = f->item_ptr[s[r].item] + fill[s[r].item]++;
        f->item_user[at] = s[r].user;
        f->item_rating[at] = s[r].rating;
    }
    free(fill);
    free(s);
    f->d = (rs_dataset){
        .struct_size = sizeof(rs_dataset),
        .n_users = n_users,
        .n_items = n_items,
        .n_ratings = n,
        .user_ids = f->user_ids,
        .items = f->items,
        .user_ptr = f->user_ptr,
        .user_item = f->user_item,
        .user_rating = f->user_rating,
        .user_time = f->user_time,
        .item_ptr = f->item_ptr,
        .item_user = f->item_user,
        .item_rating = f->item_rating,
        .cf_item = f->cf_item,
        .cf_user = f->cf_user,
    };
    return f;
fail:
    free(s);
    hyb_fixture_free(f);
    return NULL;
}

void hyb_fixture_free(hyb_fixture *f)
{
    if (!f)
        return;
    free(f->user_ids);
    free(f->items);
    free(f->titles);
    free(f->user_ptr);
    free(f->item_ptr);
    free(f->user_item);
    free(f->item_user);
    free(f->user_rating);
    free(f->item_rating);
    free(f->user_time);
    free(f->cf_item);
    free(f->cf_user);
    free(f);
}

const rs_dataset *hyb_fixture_view(const hyb_fixture *f) { return &f->d; }

void hyb_fixture_set_genres(hyb_fixture *f, int32_t n_genres, const char *const *names,
                            const uint32_t *masks)
{
    for (int32_t i = 0; i < f->d.n_items; i++)
        f->items[i].genre_mask = masks[i];
    f->d.n_genres = n_genres;
    f->d.genre_names = names;
}
