/* The fixture now wraps the core's MovieLens loader (rs_movielens_load). */
#include "sem_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "recsys/dataset.h"

struct sem_fixture {
    rs_movielens *ml;
};

const char *sem_fixture_data_dir(void)
{
    const char *env = getenv("RECSYS_SHARED_DATA");
#ifdef RS_SHARED_DATA_DEFAULT
    return env && *env ? env : RS_SHARED_DATA_DEFAULT;
#else
    return env;
#endif
}

sem_fixture *sem_fixture_load(const char *data_dir, int with_text)
{
    char dir[2048], text[2048];
    rs_error err = {0};
    if (!data_dir)
        return NULL;
    snprintf(dir, sizeof dir, "%s/ml-latest-small", data_dir);
    snprintf(text, sizeof text, "%s/movie-text/ml-latest-small_text.csv", data_dir);
    /* CF subset = movies with >= 10 ratings (the coverage comparison) */
    rs_load_options opt = {with_text ? text : NULL, 10, 1};
    sem_fixture *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (rs_movielens_load(dir, &opt, &f->ml, &err) != RS_OK) {
        fprintf(stderr, "fixture: %s\n", err.message);
        free(f);
        return NULL;
    }
    return f;
}

void sem_fixture_free(sem_fixture *f)
{
    if (!f)
        return;
    rs_movielens_free(f->ml);
    free(f);
}

const rs_dataset *sem_fixture_view(const sem_fixture *f) { return rs_movielens_view(f->ml); }

int32_t sem_fixture_item(const sem_fixture *f, int64_t movie_id)
{
    return rs_movielens_item_index(f->ml, movie_id);
}

int32_t sem_fixture_find_title(const sem_fixture *f, const char *title, int32_t year)
{
    const rs_dataset *d = rs_movielens_view(f->ml);
    for (int32_t i = 0; i < d->n_items; i++)
        if (d->items[i].year == year && strcmp(d->items[i].title, title) == 0)
            return i;
    return -1;
}
