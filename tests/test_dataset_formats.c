/* Dataset formats beyond MovieLens: LightGCN files and CSV/TSV with named
 * columns, implicit data, test-only items in the catalogue, duplicate
 * reports, and the config's dataset section. */
#include "recsys/dataset_formats.h"
#include "test_util.h"

typedef struct fx {
    char *dir;
    rs_config *cfg;
    rs_movielens *ml;
} fx;

/* cfg.yaml with `dataset` text (the section body) in a fresh directory
 * holding the given files (name, content pairs, NULL-terminated). */
static rs_status fx_open(fx *f, const char *dataset, const char **files, rs_load_report *rep,
                         rs_error *err)
{
    char text[4096];
    memset(f, 0, sizeof *f);
    unsetenv("RECSYS_DATA_DIR");
    unsetenv("RECSYS_WORK_DIR");
    f->dir = tu_tempdir();
    for (; files && files[0]; files += 2)
        tu_write(f->dir, files[0], files[1]);
    snprintf(text, sizeof text,
             "dataset:\n%swork_dir: work\ninstances:\n  - {name: p, plugin: popularity}\n",
             dataset);
    tu_write(f->dir, "cfg.yaml", text);
    snprintf(text, sizeof text, "%s/cfg.yaml", f->dir);
    rs_status st = rs_config_load(text, &f->cfg, err);
    if (st == RS_OK)
        st = rs_dataset_load_config(f->cfg, &f->ml, rep, err);
    return st;
}

static void fx_close(fx *f)
{
    rs_movielens_free(f->ml);
    rs_config_free(f->cfg);
    rs_remove_tree(f->dir);
    free(f->dir);
}

/* The rating of (external user, external item), or -1 when absent. */
static float rating_of(const rs_movielens *ml, int64_t user, int64_t item)
{
    const rs_dataset *d = rs_movielens_view(ml);
    int32_t u = rs_movielens_user_index(ml, user), i = rs_movielens_item_index(ml, item);
    if (u < 0 || i < 0)
        return -1.0f;
    for (size_t p = d->user_ptr[u]; p < d->user_ptr[u + 1]; p++)
        if (d->user_item[p] == i)
            return d->user_rating[p];
    return -1.0f;
}

START_TEST(lightgcn_format)
{
    fx f;
    rs_error err = {0};
    rs_load_report rep;
    const char *files[] = {"train.txt", "0 1 2\n1 2 3\n\n1 3\n2\n", "test.txt", "0 9\n1 1\n7 2\n",
                           NULL};
    ck_assert_msg(fx_open(&f, "  format: lightgcn\n  train: train.txt\n  test: test.txt\n", files,
                          &rep, &err) == RS_OK,
                  "%s", err.message);
    const rs_dataset *d = rs_movielens_view(f.ml);
    /* catalogue: train items and the test-only item 9 */
    ck_assert_int_eq(d->n_items, 4);
    ck_assert_int_ge(rs_movielens_item_index(f.ml, 9), 0);
    ck_assert_int_eq(rep.test_only_items, 1);
    ck_assert_int_eq(d->n_users, 2); /* user 2 has no items */
    ck_assert_uint_eq(d->n_ratings, 4);
    ck_assert_uint_eq(rep.duplicates, 1);
    tu_assert_contains(rep.first_duplicate, "train.txt:2");
    /* implicit: an interaction is a 5.0, a positive under any threshold */
    ck_assert_float_eq(rating_of(f.ml, 1, 3), 5.0f);
    ck_assert_float_eq(rating_of(f.ml, 0, 3), -1.0f);
    /* every item is in the CF subset (thresholds 0), the test-only one too */
    for (int32_t i = 0; i < d->n_items; i++)
        ck_assert_int_eq(d->cf_item[i], 1);
    rs_pair *p;
    size_t n, skipped;
    ck_assert_int_eq(rs_dataset_read_split(f.cfg, f.ml, f.cfg->test_file, &p, &n, &skipped, &err),
                     RS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(skipped, 1); /* user 7 never trained */
    ck_assert_int_eq(p[0].user, rs_movielens_user_index(f.ml, 0));
    ck_assert_int_eq(p[0].item, rs_movielens_item_index(f.ml, 9));
    ck_assert_int_eq(p[1].item, rs_movielens_item_index(f.ml, 1));
    free(p);
    fx_close(&f);
}
END_TEST

START_TEST(lightgcn_format_errors)
{
    fx f;
    rs_error err = {0};
    const char *bad[] = {"train.txt", "0 1 2\n1 x 3\n", NULL};
    ck_assert_int_eq(fx_open(&f, "  format: lightgcn\n  train: train.txt\n", bad, NULL, &err),
                     RS_ERR_FORMAT);
    tu_assert_contains(err.message, "train.txt:2: expected a non-negative integer id, got 'x'");
    fx_close(&f);
    ck_assert_int_eq(fx_open(&f, "  format: lightgcn\n  train: nope.txt\n", NULL, NULL, &err),
                     RS_ERR_NOT_FOUND);
    tu_assert_contains(err.message, "dataset.train: file '");
    fx_close(&f);
    ck_assert_int_eq(fx_open(&f, "  format: parquet\n  train: t\n", NULL, NULL, &err),
                     RS_ERR_CONFIG);
    tu_assert_contains(err.message,
                       "'dataset.format' = 'parquet' is not one of: movielens, lightgcn, csv");
    fx_close(&f);
    ck_assert_int_eq(fx_open(&f, "  format: csv\n", NULL, NULL, &err), RS_ERR_CONFIG);
    tu_assert_contains(err.message, "'train' is required");
    fx_close(&f);
}
END_TEST

/* Explicit CSV: named columns in any order, extra columns ignored; the
 * later of two duplicate rows wins on equal timestamps, the later
 * timestamp otherwise. */
START_TEST(csv_explicit)
{
    fx f;
    rs_error err = {0};
    rs_load_report rep;
    const char *files[] = {"r.csv",
                           "ts,extra,uid,score,iid\n"
                           "10,a,1,4.5,100\n"
                           "20,\"b,c\",1,2.0,100\n" /* later timestamp: wins */
                           "5,d,2,3.0,200\n"
                           "5,e,2,1.0,200\n" /* same time, later line: wins */
                           "7,f,3,0.5,100\n",
                           NULL};
    ck_assert_msg(fx_open(&f,
                          "  format: csv\n  train: r.csv\n  columns: {user: uid, item: iid, "
                          "rating: score, timestamp: ts}\n",
                          files, &rep, &err) == RS_OK,
                  "%s", err.message);
    ck_assert_uint_eq(rs_movielens_view(f.ml)->n_ratings, 3);
    ck_assert_float_eq(rating_of(f.ml, 1, 100), 2.0f);
    ck_assert_float_eq(rating_of(f.ml, 2, 200), 1.0f);
    ck_assert_uint_eq(rep.duplicates, 2);
    tu_assert_contains(rep.first_duplicate, "r.csv:2");
    fx_close(&f);
    const char *missing[] = {"r.csv", "uid,iid\n1,2\n", NULL};
    ck_assert_int_eq(fx_open(&f,
                             "  format: csv\n  train: r.csv\n  columns: {user: uid, item: iid, "
                             "rating: score}\n",
                             missing, NULL, &err),
                     RS_ERR_FORMAT);
    tu_assert_contains(err.message, "r.csv:1: header lacks column 'score'");
    fx_close(&f);
}
END_TEST

/* Implicit TSV (no rating column), chosen by the .tsv name; a test file in
 * the same format adds its items to the catalogue. */
START_TEST(tsv_implicit)
{
    fx f;
    rs_error err = {0};
    const char *files[] = {"train.tsv", "user\titem\n1\t10\n1\t11\n2\t10\n", "test.tsv",
                           "user\titem\n2\t12\n", NULL};
    ck_assert_msg(fx_open(&f, "  format: csv\n  train: train.tsv\n  test: test.tsv\n", files, NULL,
                          &err) == RS_OK,
                  "%s", err.message);
    const rs_dataset *d = rs_movielens_view(f.ml);
    ck_assert_int_eq(d->n_items, 3);
    ck_assert_uint_eq(d->n_ratings, 3);
    ck_assert_float_eq(rating_of(f.ml, 2, 10), 5.0f);
    ck_assert_int_ge(rs_movielens_item_index(f.ml, 12), 0);
    fx_close(&f);
    const char *bad[] = {"train.tsv", "user\titem\n1\t10\n1\n", NULL};
    ck_assert_int_eq(fx_open(&f, "  format: csv\n  train: train.tsv\n", bad, NULL, &err),
                     RS_ERR_FORMAT);
    tu_assert_contains(err.message, "train.tsv:3: 1 fields, expected at least 2");
    fx_close(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dataset_formats");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, lightgcn_format);
    tcase_add_test(tc, lightgcn_format_errors);
    tcase_add_test(tc, csv_explicit);
    tcase_add_test(tc, tsv_implicit);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
