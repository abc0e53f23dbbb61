#include "lgcn_test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- Datasets ------------------------------------------------------------ */

static int cmp_user_item(const void *a, const void *b)
{
    const td_rating *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

void td_free(td_data *d)
{
    if (!d)
        return;
    free(d->user_ids);
    free(d->items);
    free(d->user_ptr);
    free(d->item_ptr);
    free(d->user_item);
    free(d->item_user);
    free(d->user_rating);
    free(d->item_rating);
    free(d->user_time);
    free(d->cf_item);
    free(d->cf_user);
    free(d);
}

td_data *td_new(int32_t nu, const int64_t *user_ids, int32_t ni, const int64_t *movie_ids,
                const td_rating *r, size_t n)
{
    td_data *d = calloc(1, sizeof *d);
    td_rating *s = malloc((n + 1) * sizeof *s);
    if (!d || !s)
        abort(); /* test code: allocation failure is fatal */
    if (n)
        memcpy(s, r, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_user_item);
    d->user_ids = malloc(((size_t)nu + 1) * sizeof *d->user_ids);
    d->items = calloc((size_t)ni + 1, sizeof *d->items);
    d->user_ptr = calloc((size_t)nu + 1, sizeof *d->user_ptr);
    d->item_ptr = calloc((size_t)ni + 1, sizeof *d->item_ptr);
    d->user_item = malloc((n + 1) * sizeof *d->user_item);
    d->item_user = malloc((n + 1) * sizeof *d->item_user);
    d->user_rating = malloc((n + 1) * sizeof *d->user_rating);
    d->item_rating = malloc((n + 1) * sizeof *d->item_rating);
    d->user_time = calloc(n + 1, sizeof *d->user_time);
    d->cf_item = malloc((size_t)ni + 1);
    d->cf_user = malloc((size_t)nu + 1);
    size_t *fill = calloc((size_t)ni + 1, sizeof *fill);
    if (!d->user_ids || !d->items || !d->user_ptr || !d->item_ptr || !d->user_item ||
        !d->item_user || !d->user_rating || !d->item_rating || !d->user_time || !d->cf_item ||
        !d->cf_user || !fill)
        abort();
    for (int32_t u = 0; u < nu; u++)
        d->user_ids[u] = user_ids ? user_ids[u] : u + 1;
    for (int32_t i = 0; i < ni; i++) {
        d->items[i].movie_id = movie_ids ? movie_ids[i] : 1000 + i;
        d->items[i].title = "";
        d->items[i].genres = "";
        d->items[i].tags = "";
        d->items[i].overview = "";
    }
    for (size_t k = 0; k < n; k++) {
        d->user_ptr[s[k].user + 1]++;
        d->item_ptr[s[k].item + 1]++;
        d->user_item[k] = s[k].item;
        d->user_rating[k] = s[k].rating;
    }
    for (int32_t u = 0; u < nu; u++)
        d->user_ptr[u + 1] += d->user_ptr[u];
    for (int32_t i = 0; i < ni; i++)
        d->item_ptr[i + 1] += d->item_ptr[i];
    memcpy(fill, d->item_ptr, (size_t)ni * sizeof *fill);
    for (size_t k = 0; k < n; k++) { /* users ascending: rows stay sorted */
        size_t p = fill[s[k].item]++;
        d->item_user[p] = s[k].user;
        d->item_rating[p] = s[k].rating;
    }
    memset(d->cf_item, 1, (size_t)ni);
    memset(d->cf_user, 1, (size_t)nu);
    free(fill);
    free(s);
    d->view = (rs_dataset){.struct_size = sizeof(rs_dataset),
                           .n_users = nu,
                           .n_items = ni,
                           .n_ratings = n,
                           .user_ids = d->user_ids,
                           .items = d->items,
                           .user_ptr = d->user_ptr,
                           .user_item = d->user_item,
                           .user_rating = d->user_rating,
                           .user_time = d->user_time,
                           .item_ptr = d->item_ptr,
                           .item_user = d->item_user,
                           .item_rating = d->item_rating,
                           .cf_item = d->cf_item,
                           .cf_user = d->cf_user};
    return d;
}

const char *td_ml_small_dir(void)
{
    static char dir[4096];
    const char *root = getenv("RECSYS_SHARED_DATA");
#ifdef RS_SHARED_DATA_DEFAULT
    if (!root || !*root)
        root = RS_SHARED_DATA_DEFAULT;
#endif
    if (!root)
        return NULL;
    snprintf(dir, sizeof dir, "%s/ml-latest-small", root);
    char probe[4200];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/ratings.csv", dir);
    return stat(probe, &st) == 0 ? dir : NULL;
}
