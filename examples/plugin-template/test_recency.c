/*
 * Unit test of the recency plugin on the SDK test host (recsys/testhost.h):
 * no recsys engine, no data files. The host fills queries and checks every
 * output as the engine does, so a plugin that passes here keeps the
 * contract there too. Run by `ctest` in this project.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <recsys/testhost.h>

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* Three movies, three users; movie 0 was rated long ago, 1 and 2 lately.
 * Movies 0 and 2 share genre bit 0. */
static const rs_item_meta items[3] = {
    {.movie_id = 10, .title = "Old", .genre_mask = 1u, .genres = "Drama"},
    {.movie_id = 20, .title = "New", .genre_mask = 2u, .genres = "Comedy"},
    {.movie_id = 30, .title = "Newer", .genre_mask = 3u, .genres = "Drama|Comedy"},
};
static const int64_t user_ids[3] = {1, 2, 3};
static const size_t user_ptr[4] = {0, 1, 2, 4};
static const int32_t user_item[4] = {0, 1, 1, 2};
static const float user_rating[4] = {5, 4, 3, 4};
static const int64_t user_time[4] = {100, 999999000, 999999100, 999999200};
static const size_t item_ptr[4] = {0, 1, 3, 4};
static const int32_t item_user[4] = {0, 1, 2, 2};
static const float item_rating[4] = {5, 4, 3, 4};

int main(int argc, char **argv)
{
    CHECK(argc == 2); /* the plugin's .so */
    const rs_dataset d = {.struct_size = sizeof d,
                          .n_users = 3,
                          .n_items = 3,
                          .n_ratings = 4,
                          .user_ids = user_ids,
                          .items = items,
                          .user_ptr = user_ptr,
                          .user_item = user_item,
                          .user_rating = user_rating,
                          .user_time = user_time,
                          .item_ptr = item_ptr,
                          .item_user = item_user,
                          .item_rating = item_rating,
                          .item_meta_size = sizeof(rs_item_meta)};
    rs_error err = {0};
    rs_testhost *th = rs_testhost_new(&d);
    const char *params[] = {"window_days=1", NULL};
    CHECK(rs_testhost_add(th, "recent", argv[1], params, &err) == RS_OK);

    /* User 1 is known: the host fills their ratings (movie 0), so it is
     * never recommended back. */
    rs_scored out[3];
    size_t n = 0;
    rs_query q = RS_QUERY(1, NULL, 0, NULL, 0);
    CHECK(rs_testhost_recommend(th, "recent", &q, 3, out, NULL, &n, &err) == RS_OK);
    CHECK(n == 2 && out[0].item == 1 && out[1].item == 2);
    CHECK(out[0].score == 2.0f && out[1].score == 1.0f);

    int32_t ids[2] = {0, 7};
    float sc[2];
    CHECK(rs_testhost_score(th, "recent", &q, ids, 2, sc, &err) == RS_OK);
    CHECK(sc[0] == 0.0f && sc[1] != sc[1]); /* 7: RS_SCORE_MISSING (NaN) */

    CHECK(rs_testhost_similar(th, "recent", 0, 3, out, &n, &err) == RS_OK);
    CHECK(n == 1 && out[0].item == 2); /* the other drama */

    /* save, then load into a fresh instance: the same scores. */
    char dir[] = "/tmp/recency-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const rs_plugin_entry *e = rs_testhost_entry(th, "recent");
    CHECK(e->save(rs_testhost_instance(th, "recent"), dir, &err) == RS_OK);
    void *fresh = NULL;
    CHECK(e->create(rs_testhost_table(th, "recent"), &fresh, &err) == RS_OK);
    CHECK(e->load(fresh, dir, &d, &err) == RS_OK);
    float again[2];
    CHECK(e->score(fresh, &q, ids, 2, again, &err) == RS_OK && again[0] == sc[0]);
    char buf[128];
    CHECK(e->describe(fresh, buf, sizeof buf, &err) == RS_OK);
    CHECK(strcmp(buf, "{\"window_days\": 1, \"recent_movies\": 2}") == 0);
    e->destroy(fresh);
    char path[64];
    snprintf(path, sizeof path, "%s/recency.tsv", dir);
    unlink(path);
    rmdir(dir);

    CHECK(rs_testhost_free(th) == 0);
    printf("recency: unit test passed on the SDK test host\n");
    return 0;
}
