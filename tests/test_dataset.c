#include <time.h>

#include "recsys/dataset.h"
#include "test_util.h"

static const char *MOVIES = "movieId,title,genres\n"
                            "1,Toy Story (1995),Adventure|Animation|Children\n"
                            "2,\"American President, The (1995)\",Comedy|Drama|Romance\n"
                            "3,\"Movie with \"\"quotes\"\" (2001)\",Drama\n"
                            "4,Untitled,(no genres listed)\n"
                            "10,Heat (1995) ,Action|Crime\n";
static const char *RATINGS = "userId,movieId,rating,timestamp\n"
                             "5,1,4.0,100\n"
                             "5,2,3.0,200\n"
                             "5,1,5.0,300\n"
                             "2,1,2.5,150\n"
                             "2,10,4.5,160\n"
                             "7,3,1.0,170\n";
static const char *TAGS = "userId,movieId,tag,timestamp\n"
                          "5,1,pixar,1\n"
                          "2,1,Pixar,2\n"
                          "2,1,\"toys, friendship\",3\n";
static const char *LINKS = "movieId,imdbId,tmdbId\n"
                           "1,0114709,862\n"
                           "2,0112346,\n";

static char *fixture(const char *ratings)
{
    char *d = tu_tempdir();
    tu_write(d, "movies.csv", MOVIES);
    tu_write(d, "ratings.csv", ratings);
    tu_write(d, "tags.csv", TAGS);
    tu_write(d, "links.csv", LINKS);
    tu_write(d, "movie_text.csv",
             "movieId,extra,text\n1,x,\"A cowboy doll, jealous.\"\n999,y,ignored\n");
    return d;
}

static rs_movielens *load(const char *dir, rs_error *err, rs_status want)
{
    rs_movielens *ml = NULL;
    rs_load_options opt = {NULL, 2, 1};
    ck_assert_int_eq(rs_movielens_load(dir, &opt, &ml, err), want);
    return ml;
}

START_TEST(catalogue_metadata)
{
    char *dir = fixture(RATINGS);
    rs_error err = {0};
    rs_movielens *ml = load(dir, &err, RS_OK);
    const rs_dataset *d = rs_movielens_view(ml);
    ck_assert_int_eq(d->n_items, 5);
    ck_assert_str_eq(d->items[0].title, "Toy Story");
    ck_assert_int_eq(d->items[0].year, 1995);
    ck_assert_str_eq(d->items[1].title, "American President, The");
    ck_assert_str_eq(d->items[2].title, "Movie with \"quotes\"");
    ck_assert_int_eq(d->items[2].year, 2001);
    ck_assert_str_eq(d->items[3].title, "Untitled");
    ck_assert_int_eq(d->items[3].year, 0);
    ck_assert_str_eq(d->items[3].genres, "");
    ck_assert_str_eq(d->items[4].title, "Heat"); /* trailing blank after the year */
    ck_assert_int_eq(d->items[0].tmdb_id, 862);
    ck_assert_int_eq(d->items[0].imdb_id, 114709);
    ck_assert_int_eq(d->items[1].tmdb_id, 0);
    ck_assert_str_eq(d->items[0].tags, "pixar | toys, friendship");
    ck_assert_str_eq(d->items[0].overview, "A cowboy doll, jealous.");
    ck_assert_str_eq(d->items[1].overview, "");
    /* Genres sorted alphabetically, masks remapped to match. */
    ck_assert_int_eq(d->n_genres, 8);
    ck_assert_str_eq(d->genre_names[0], "Action");
    ck_assert_str_eq(d->genre_names[7], "Romance");
    ck_assert_uint_eq(d->items[4].genre_mask, (1u << 0) | (1u << 5)); /* Action|Crime */
    ck_assert_uint_eq(d->items[0].genre_mask, (1u << 1) | (1u << 2) | (1u << 3));
    rs_movielens_free(ml);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(csr_and_id_maps)
{
    char *dir = fixture(RATINGS);
    rs_error err = {0};
    rs_movielens *ml = load(dir, &err, RS_OK);
    const rs_dataset *d = rs_movielens_view(ml);
    ck_assert_int_eq(d->n_users, 3);
    ck_assert_int_eq(d->n_ratings, 5); /* (5,1) rated twice: latest kept */
    ck_assert_int_eq(d->user_ids[0], 2);
    ck_assert_int_eq(d->user_ids[2], 7);
    ck_assert_int_eq(rs_movielens_user_index(ml, 5), 1);
    ck_assert_int_eq(rs_movielens_user_index(ml, 6), -1);
    ck_assert_int_eq(rs_movielens_item_index(ml, 10), 4);
    ck_assert_int_eq(rs_movielens_item_index(ml, 11), -1);
    /* user 5 (index 1): items 0 (5.0 @300) and 1 (3.0) */
    ck_assert_int_eq(d->user_ptr[2] - d->user_ptr[1], 2);
    size_t j = d->user_ptr[1];
    ck_assert_int_eq(d->user_item[j], 0);
    ck_assert_float_eq(d->user_rating[j], 5.0f);
    ck_assert_int_eq(d->user_time[j], 300);
    ck_assert_int_eq(d->user_item[j + 1], 1);
    /* item 0 rated by users 0 and 1, in user order */
    ck_assert_int_eq(d->item_ptr[1] - d->item_ptr[0], 2);
    ck_assert_int_eq(d->item_user[d->item_ptr[0]], 0);
    ck_assert_float_eq(d->item_rating[d->item_ptr[0]], 2.5f);
    ck_assert_int_eq(d->item_user[d->item_ptr[0] + 1], 1);
    /* CF subset with min 2 ratings per item, 1 per user */
    ck_assert_int_eq(d->cf_item[0], 1);
    ck_assert_int_eq(d->cf_item[1], 0);
    ck_assert_int_eq(d->cf_user[0], 1);
    ck_assert_int_eq(d->cf_user[2], 0);
    rs_cf_stats cf = rs_dataset_cf_stats(d);
    ck_assert_int_eq(cf.items, 1);
    ck_assert_int_eq(cf.users, 2);
    ck_assert_int_eq(cf.ratings, 2);
    rs_movielens_free(ml);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

/* A header-only ratings.csv is an empty dataset, not undefined behaviour
 * (UBSan flagged memcpy and qsort on NULL; the RS_SANITIZE build, which
 * does not recover, fails this test if that comes back). */
START_TEST(header_only_ratings)
{
    char *dir = fixture("userId,movieId,rating,timestamp\n");
    rs_error err = {0};
    rs_movielens *ml = load(dir, &err, RS_OK);
    const rs_dataset *d = rs_movielens_view(ml);
    ck_assert_int_eq(d->n_users, 0);
    ck_assert_int_eq(d->n_ratings, 0);
    ck_assert_int_eq(d->n_items, 5);
    ck_assert_int_eq(d->item_ptr[d->n_items], 0);
    ck_assert_int_eq(rs_dataset_cf_stats(d).ratings, 0);
    /* The retrain path builds sets the same way; none is empty too. */
    rs_ratings_set *rs = NULL;
    ck_assert_int_eq(rs_ratings_set_new(d, NULL, 0, NULL, 0, 1, 1, &rs, &err), RS_OK);
    ck_assert_int_eq(rs_ratings_set_view(rs)->n_ratings, 0);
    rs_ratings_set_free(rs);
    rs_movielens_free(ml);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(duplicate_ratings_reported_latest_kept)
{
    /* User 1 rates movie 1 three times (lines 2, 4, 5: the latest timestamp
     * is on line 4) and movie 2 twice with the same timestamp (lines 3 and
     * 6: the later line wins). 6 rows -> 3 ratings, 3 dropped, first line 2. */
    char *dir = fixture("userId,movieId,rating,timestamp\n"
                        "1,1,1.0,100\n"
                        "1,2,2.0,50\n"
                        "1,1,4.5,300\n"
                        "1,1,3.0,200\n"
                        "1,2,5.0,50\n"
                        "2,1,4.0,10\n");
    rs_error err = {0};
    rs_movielens *ml = load(dir, &err, RS_OK);
    const rs_dataset *d = rs_movielens_view(ml);
    size_t first = 0;
    ck_assert_uint_eq(rs_movielens_duplicate_rows(ml, &first), 3);
    ck_assert_uint_eq(first, 2);
    ck_assert_uint_eq(d->n_ratings, 3);
    int32_t u = rs_movielens_user_index(ml, 1);
    int32_t m1 = rs_movielens_item_index(ml, 1), m2 = rs_movielens_item_index(ml, 2);
    for (size_t j = d->user_ptr[u]; j < d->user_ptr[u + 1]; j++) {
        if (d->user_item[j] == m1)
            ck_assert(d->user_rating[j] == 4.5f && d->user_time[j] == 300);
        else if (d->user_item[j] == m2)
            ck_assert(d->user_rating[j] == 5.0f);
    }
    rs_movielens_free(ml);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

static void expect_error(const char *ratings, const char *needle)
{
    char *dir = fixture(ratings);
    rs_error err = {0};
    rs_movielens *ml = load(dir, &err, RS_ERR_FORMAT);
    ck_assert_ptr_null(ml);
    tu_assert_contains(err.message, needle);
    rs_remove_tree(dir);
    free(dir);
}

START_TEST(malformed_rows_name_file_and_line)
{
    expect_error("userId,movieId,rating,timestamp\n1,1,4.0,5\n1,2,6.0,5\n",
                 "ratings.csv:3: rating must be a number in 0.5..5.0: '6.0'");
    expect_error("userId,movieId,rating,timestamp\n1,77,4.0,5\n",
                 "ratings.csv:2: movieId not in movies.csv: '77'");
    expect_error("userId,movieId,rating,timestamp\nx,1,4.0,5\n", "ratings.csv:2: bad userId: 'x'");
    expect_error("userId,movieId,rating,timestamp\n1,1,4.0,soon\n",
                 "ratings.csv:2: bad timestamp: 'soon'");
    expect_error("userId,movieId,stars,timestamp\n", "ratings.csv:1: header lacks column 'rating'");
}
END_TEST

START_TEST(duplicate_movie_and_missing_files)
{
    char *dir = tu_tempdir();
    rs_error err = {0};
    rs_movielens *ml = NULL;
    ck_assert_int_eq(rs_movielens_load(dir, NULL, &ml, &err), RS_ERR_NOT_FOUND);
    tu_assert_contains(err.message, "movies.csv");
    tu_write(dir, "movies.csv", "movieId,title,genres\n1,A (2000),Drama\n1,B (2001),Drama\n");
    tu_write(dir, "ratings.csv", "userId,movieId,rating,timestamp\n");
    ck_assert_int_eq(rs_movielens_load(dir, NULL, &ml, &err), RS_ERR_FORMAT);
    tu_assert_contains(err.message, "movies.csv:3: duplicate movieId: '1'");
    ck_assert_ptr_null(ml);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(ratings_set_thins_over_same_catalogue)
{
    char *dir = fixture(RATINGS);
    rs_error err = {0};
    rs_movielens *ml = load(dir, &err, RS_OK);
    const rs_dataset *base = rs_movielens_view(ml);
    rs_triple t[] = {{1, 1, 3.0f, 10}, {0, 4, 4.0f, 5}, {1, 1, 4.0f, 20}};
    int64_t ids[] = {2, 5, 99};
    rs_ratings_set *rs;
    ck_assert_int_eq(rs_ratings_set_new(base, t, 3, ids, 3, 1, 1, &rs, &err), RS_OK);
    const rs_dataset *v = rs_ratings_set_view(rs);
    ck_assert_int_eq(v->n_items, base->n_items);
    ck_assert_ptr_eq(v->items, base->items);
    ck_assert_int_eq(v->n_users, 3);
    ck_assert_int_eq(v->n_ratings, 2);
    ck_assert_float_eq(v->user_rating[v->user_ptr[1]], 4.0f);
    ck_assert_int_eq(v->user_ids[2], 99);
    ck_assert_int_eq(v->user_ptr[3] - v->user_ptr[2], 0);
    rs_ratings_set_free(rs);
    rs_triple bad[] = {{3, 0, 1.0f, 0}};
    ck_assert_int_eq(rs_ratings_set_new(base, bad, 1, ids, 3, 1, 1, &rs, &err), RS_ERR_INVALID);
    rs_movielens_free(ml);
    rs_remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(real_movielens)
{
    const char *dir = tu_shared_data();
    if (!dir) {
        fprintf(stderr, "skip: shared MovieLens data not found\n");
        return;
    }
    char text[4200];
    snprintf(text, sizeof text, "%s/../movie-text/ml-latest-small_text.csv", dir);
    rs_load_options opt = {text, 10, 5};
    rs_movielens *ml;
    rs_error err = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_msg(rs_movielens_load(dir, &opt, &ml, &err) == RS_OK, "%s", err.message);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "ml-latest-small loaded in %.3f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    const rs_dataset *d = rs_movielens_view(ml);
    ck_assert_int_eq(d->n_items, 9742);
    ck_assert_int_eq(d->n_users, 610);
    ck_assert_int_eq(d->n_ratings, 100836);
    int32_t toy = rs_movielens_item_index(ml, 1);
    ck_assert_str_eq(d->items[toy].title, "Toy Story");
    ck_assert_int_eq(d->items[toy].tmdb_id, 862);
    int32_t with_text = 0;
    for (int32_t i = 0; i < d->n_items; i++)
        with_text += d->items[i].overview[0] != 0;
    ck_assert_int_ge(with_text, 9500);
    size_t by_item = 0;
    for (int32_t i = 0; i < d->n_items; i++)
        by_item += d->item_ptr[i + 1] - d->item_ptr[i];
    ck_assert_int_eq(by_item, d->n_ratings);
    ck_assert_int_eq(d->user_ptr[d->n_users], d->n_ratings);
    rs_movielens_free(ml);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, catalogue_metadata);
    tcase_add_test(tc, csr_and_id_maps);
    tcase_add_test(tc, header_only_ratings);
    tcase_add_test(tc, duplicate_ratings_reported_latest_kept);
    tcase_add_test(tc, malformed_rows_name_file_and_line);
    tcase_add_test(tc, duplicate_movie_and_missing_files);
    tcase_add_test(tc, ratings_set_thins_over_same_catalogue);
    tcase_add_test(tc, real_movielens);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
