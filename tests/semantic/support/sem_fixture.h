/*
 * Test/benchmark fixture: ml-latest-small (movies, tags, ratings) plus the
 * optional plot-text CSV, loaded with the core's rs_movielens_load, and a
 * couple of lookups the semantic tests need.
 */
#ifndef SEM_FIXTURE_H
#define SEM_FIXTURE_H

#include "recsys/plugin.h"

typedef struct sem_fixture sem_fixture;

/* The shared data dir: $RECSYS_SHARED_DATA, else RS_SHARED_DATA_DEFAULT. */
const char *sem_fixture_data_dir(void);

/* Load <data>/ml-latest-small (+ movie-text/ml-latest-small_text.csv when
 * with_text). Returns NULL (message on stderr) when files are missing. */
sem_fixture *sem_fixture_load(const char *data_dir, int with_text);
void sem_fixture_free(sem_fixture *f);
const rs_dataset *sem_fixture_view(const sem_fixture *f);
/* Catalogue index of a movie id or of an exact "Title (year)", or -1. */
int32_t sem_fixture_item(const sem_fixture *f, int64_t movie_id);
int32_t sem_fixture_find_title(const sem_fixture *f, const char *title, int32_t year);

#endif
