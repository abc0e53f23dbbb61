/*
 * Datasets that are not MovieLens: the `dataset:` section of the host
 * config (docs/research.md).
 *
 *   format: lightgcn   train.txt / test.txt of LightGCN and NGCF: one line
 *                      per user, "user item item ...", integer ids,
 *                      separated by spaces or tabs.
 *   format: csv        a CSV (or TSV: delimiter "\t", or a .tsv name) with a
 *                      header; columns named by `columns: {user, item,
 *                      rating, timestamp}`, rating and timestamp optional;
 *                      integer ids.
 *
 * No catalogue file: the catalogue is every item id of train, validation
 * and test (in that order of first appearance), titled by its id, so items
 * known only from the test file exist and can be ranked. The dataset's
 * ratings are the train file's only.
 *
 * Implicit data: a row without a rating is an interaction, stored with
 * rating 5.0 (the top of the scale), so it is a positive under every
 * positive_threshold in 0..5. Without a timestamp, timestamps are 0.
 *
 * Duplicate (user, item) rows in one file: the last one wins (the latest
 * timestamp when there are timestamps, the later line on ties); the loader
 * reports how many there were and the file:line of the first one.
 */
#ifndef RECSYS_DATASET_FORMATS_H
#define RECSYS_DATASET_FORMATS_H

#include "recsys/config.h"
#include "recsys/dataset.h"

typedef enum rs_dataset_format {
    RS_DATASET_MOVIELENS = 0, /* data.dir: movies.csv, ratings.csv, ... */
    RS_DATASET_LIGHTGCN = 1,
    RS_DATASET_CSV = 2
} rs_dataset_format;

/* What loading found besides the data, for the log and tests. */
typedef struct rs_load_report {
    size_t duplicates;         /* duplicate (user, item) rows in train */
    char first_duplicate[512]; /* "file:line" of the first, "" if none */
    int32_t test_only_items;   /* catalogue items absent from train */
} rs_load_report;

/* Load the dataset the config names: MovieLens from data.dir (with
 * text_file) or the dataset section's train file over the catalogue of all
 * its files. rep may be NULL. */
rs_status rs_dataset_load_config(const rs_config *cfg, rs_movielens **out, rs_load_report *rep,
                                 rs_error *err);

/* One split file (test or validation) of the config's format, resolved
 * against a loaded dataset: (dense user, catalogue item) pairs, sorted by
 * user then item, duplicates removed. Users absent from the dataset are
 * skipped (*skipped_users counts them; may be NULL). Caller frees *pairs. */
typedef struct rs_pair {
    int32_t user, item;
} rs_pair;
rs_status rs_dataset_read_split(const rs_config *cfg, const rs_movielens *ml, const char *path,
                                rs_pair **pairs, size_t *n, size_t *skipped_users, rs_error *err);

#endif /* RECSYS_DATASET_FORMATS_H */
