/*
 * semantic: content-based recommender over the whole catalogue.
 *
 * Every movie (data->n_items, not only the CF subset) gets a unit vector,
 * either from the builtin TF-IDF + SVD encoder over its metadata or from a
 * file of precomputed sentence-encoder vectors. A faiss index over those
 * vectors answers similar() directly. A user's ratings count
 * (rating - neutral_rating) each (sem_profile.h): liked movies pull,
 * disliked ones push. Two scorers turn them into scores: `knn` (default)
 * sums each rated movie's similarity to its k nearest movies (sem_knn.h;
 * builtin: over the un-reduced TF-IDF, vectors: over the vectors through
 * faiss), `profile` takes the cosine to the weighted sum of the rated
 * vectors. Either score is multiplied by a per-movie prior for how
 * well-known and well-rated the movie is in the training data, so the
 * source stops proposing films nobody has seen (a zero-rated movie keeps
 * multiplier 1 and stays reachable).
 *
 * Threading (plugin.h): create/fit/load/save/destroy on one thread;
 * recommend/score/similar concurrently. The model is immutable once fit or
 * load returns, and the serving calls allocate only per-call scratch.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recsys/params.h"
#include "recsys/plugin.h"
#include "recsys/topk.h"

#include "sem_encoder.h"
#include "sem_idmap.h"
#include "sem_index.h"
#include "sem_io.h"
#include "sem_knn.h"
#include "sem_model.h"
#include "sem_profile.h"
#include "sem_vecfile.h"

#define ARTIFACT_MAGIC "RSSEMART"
#define ARTIFACT_VERSION 1u
#define ARTIFACT_FILE "semantic.bin"
#define INDEX_FILE "semantic.faiss"
#define INDEX_DESC_MAX 128

enum { SOURCE_BUILTIN = 0, SOURCE_VECTORS = 1 };
enum { SCORER_KNN = 0, SCORER_PROFILE = 1 };
/* The space the kNN neighbours are found in: auto = TF-IDF for builtin,
 * the vectors for embeddings=vectors. */
enum { KNN_AUTO = 0, KNN_TFIDF = 1, KNN_EMBEDDING = 2 };

typedef struct sem_params {
    int source;
    const char *vectors_file;
    int dim;
    const char *index;
    int ef_search, nprobe;
    sem_encoder_opts enc;
    float neutral;
    int scorer, knn_k, knn_space;
    sem_prior_opts prior;
} sem_params;

struct sem_model {
    const rs_dataset *data;
    int32_t n_items;
    int dim;
    int source;
    float *vec;       /* [n_items * dim], unit length or zero */
    sem_encoder *enc; /* builtin only */
    sem_index *index;
    sem_knn *knn;  /* scorer knn only */
    float *prior;  /* [n_items] score multipliers (sem_profile.h) */
    int prior_off; /* every multiplier is 1 */
};

typedef struct sem_inst {
    const rs_host *host;
    sem_params p;
    sem_model *m; /* NULL until fit/load succeeds */
} sem_inst;

static void log_msg(const sem_inst *s, rs_log_level lvl, const char *fmt, ...) RS_PRINTF(3, 4);
static void log_msg(const sem_inst *s, rs_log_level lvl, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    if (!s->host || !s->host->log)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->host->log(s->host, lvl, "%s", buf);
}

static void progress(const sem_inst *s, double done, double total, const char *detail)
{
    if (s->host && s->host->progress)
        s->host->progress(s->host, "semantic fit", done, total, detail);
}

/* ---- Model lifetime ----------------------------------------------------- */

void sem_model_free(sem_model *m)
{
    if (!m)
        return;
    free(m->vec);
    sem_encoder_free(m->enc);
    sem_index_free(m->index);
    sem_knn_free(m->knn);
    free(m->prior);
    free(m);
}

const float *sem_model_vectors(const sem_model *m) { return m->vec; }
int sem_model_dim(const sem_model *m) { return m->dim; }
const sem_encoder *sem_model_encoder(const sem_model *m) { return m->enc; }
const sem_knn *sem_model_knn(const sem_model *m) { return m->knn; }
const float *sem_model_prior(const sem_model *m) { return m->prior; }

static int host_threads(const sem_inst *s)
{
    int t = s->host && s->host->threads ? s->host->threads(s->host) : 1;
    return t > 0 ? t : 1;
}

/* Neighbour lists for the kNN scorer. They are derived data (from the
 * encoder's TF-IDF or from the vectors), rebuilt at fit and at load
 * rather than stored: ~1 s on ml-latest-small, and the artifact format
 * stays as it was. */
static rs_status build_knn(const sem_inst *s, sem_model *m, rs_error *err)
{
    int space = s->p.knn_space;
    if (space == KNN_AUTO)
        space = m->enc ? KNN_TFIDF : KNN_EMBEDDING;
    if (space == KNN_TFIDF && !m->enc)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "semantic: knn_space: tfidf needs embeddings: "
                            "builtin (a vectors file has no TF-IDF)");
    if (space == KNN_EMBEDDING)
        return sem_knn_from_index(m->index, m->vec, m->n_items, m->dim, s->p.knn_k, &m->knn, err);
    sem_tfidf_rows x;
    rs_status st = sem_encoder_tfidf(m->enc, m->data->items, m->n_items, &x, err);
    if (st != RS_OK)
        return st;
    sem_csr a = {x.rows, x.cols, x.ptr, x.col, x.val};
    st = sem_knn_from_csr(&a, s->p.knn_k, host_threads(s), &m->knn, err);
    sem_tfidf_rows_free(&x);
    return st;
}

static rs_status model_finish(const sem_inst *s, sem_model *m, rs_error *err)
{
    rs_status st;
    if (!m->index) {
        st = sem_index_build(s->p.index, m->dim, m->vec, m->n_items, &m->index, err);
        if (st != RS_OK)
            return st;
    }
    st = sem_index_tune(m->index, s->p.ef_search, s->p.nprobe, err);
    if (st != RS_OK)
        return st;
    m->prior = malloc((size_t)m->n_items * sizeof *m->prior);
    if (!m->prior)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    sem_prior_build(m->data, &s->p.prior, m->prior);
    m->prior_off = sem_prior_is_off(&s->p.prior);
    if (s->p.scorer == SCORER_KNN && (st = build_knn(s, m, err)) != RS_OK)
        return st;
    return RS_OK;
}

/* ---- Params and lifecycle ----------------------------------------------- */

/* Everything plugin.yaml declares, read from one table in one call. The
 * host validated types and ranges against plugin.yaml, so what is checked
 * here is only what the schema cannot say (enum names to codes, a vectors
 * file for embeddings=vectors, the index string's length). */
typedef struct sem_params_in {
    sem_params p;
    const char *embeddings, *scorer, *knn_space;
    int seed;
    float max_df; /* through a float, as it always was read */
} sem_params_in;

#define SEM_F(kind, member, key, def) RS_PARAM_FIELD_##kind(sem_params_in, member, key, def)
static const rs_param_field sem_param_table[] = {
    SEM_F(STRING, embeddings, "embeddings", "builtin"),
    SEM_F(STRING, p.vectors_file, "vectors_file", ""),
    SEM_F(INT, p.dim, "dim", 128),
    SEM_F(STRING, p.index, "index", "Flat"),
    SEM_F(INT, p.ef_search, "ef_search", 64),
    SEM_F(INT, p.nprobe, "nprobe", 8),
    SEM_F(INT, seed, "seed", 42),
    SEM_F(INT, p.enc.oversample, "oversample", 10),
    SEM_F(INT, p.enc.power_iters, "power_iters", 4),
    SEM_F(INT, p.enc.min_df, "min_df", 2),
    SEM_F(FLOAT, max_df, "max_df", 0.5),
    SEM_F(FLOAT, p.enc.weights.title, "w_title", 2.0),
    SEM_F(FLOAT, p.enc.weights.genres, "w_genres", 2.0),
    SEM_F(FLOAT, p.enc.weights.tags, "w_tags", 1.0),
    SEM_F(FLOAT, p.enc.weights.overview, "w_overview", 1.0),
    SEM_F(FLOAT, p.enc.weights.decade, "w_decade", 1.0),
    SEM_F(FLOAT, p.neutral, "neutral_rating", 3.0),
    SEM_F(STRING, scorer, "scorer", "profile"),
    SEM_F(INT, p.knn_k, "knn_k", 50),
    SEM_F(STRING, knn_space, "knn_space", "auto"),
    SEM_F(FLOAT, p.prior.count_weight, "prior_count", 0.0),
    SEM_F(FLOAT, p.prior.quality_weight, "prior_quality", 2.0),
    SEM_F(FLOAT, p.prior.damping, "prior_damping", 80.0),
};
#undef SEM_F

/* Map an enum param's value to its index in names[], or fail naming the
 * allowed values (a host that does not validate may pass anything). */
static rs_status enum_code(const char *key, const char *v, const char *const *names, int n,
                           int *out, rs_error *err)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return RS_OK;
        }
    char allowed[128] = "";
    for (int i = 0; i < n; i++)
        snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s", i ? "|" : "",
                 names[i]);
    return rs_error_set(err, RS_ERR_CONFIG, "semantic: %s '%s' is not %s", key, v, allowed);
}

static rs_status read_params(const rs_host *h, sem_params *out, rs_error *err)
{
    static const char *const sources[] = {"builtin", "vectors"};
    static const char *const scorers[] = {"knn", "profile"};
    static const char *const spaces[] = {"auto", "tfidf", "embedding"};
    _Static_assert(SOURCE_BUILTIN == 0 && SOURCE_VECTORS == 1,
                   "sources[] follows the SOURCE_* codes");
    sem_params_in r;
    memset(&r, 0, sizeof r);
    rs_status st = rs_params_read(h, sem_param_table, RS_PARAMS_COUNT(sem_param_table), &r, err);
    if (st != RS_OK || (st = enum_code("embeddings", r.embeddings, sources, 2, &r.p.source, err)) ||
        (st = enum_code("scorer", r.scorer, scorers, 2, &r.p.scorer, err)) ||
        (st = enum_code("knn_space", r.knn_space, spaces, 3, &r.p.knn_space, err)))
        return st;
    sem_params *p = &r.p;
    p->enc.seed = (uint64_t)r.seed;
    p->enc.max_df = r.max_df;
    p->enc.dim = p->dim;
    if (p->source == SOURCE_VECTORS && !*p->vectors_file)
        return rs_error_set(err, RS_ERR_CONFIG, "semantic: embeddings: vectors needs vectors_file");
    if (!*p->index || strlen(p->index) >= INDEX_DESC_MAX)
        return rs_error_set(err, RS_ERR_CONFIG,
                            "semantic: index must be a faiss factory string of "
                            "1..%d characters",
                            INDEX_DESC_MAX - 1);
    *out = *p;
    return RS_OK;
}

static rs_status sem_create(const rs_host *host, void **instance, rs_error *err)
{
    sem_inst *s = calloc(1, sizeof *s);
    if (!s)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    s->host = host;
    rs_status st = read_params(host, &s->p, err);
    if (st != RS_OK) {
        free(s);
        return st;
    }
    *instance = s;
    return RS_OK;
}

static void sem_destroy(void *instance)
{
    sem_inst *s = instance;
    if (!s)
        return;
    sem_model_free(s->m);
    free(s);
}

static rs_status sem_fit(void *instance, const rs_dataset *data, rs_error *err)
{
    sem_inst *s = instance;
    rs_status st;
    if (!data || data->n_items <= 0)
        return rs_error_set(err, RS_ERR_INVALID, "semantic: empty catalogue");
    sem_model *m = calloc(1, sizeof *m);
    if (!m)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    m->data = data;
    m->n_items = data->n_items;
    m->dim = s->p.dim;
    m->source = s->p.source;
    m->vec = malloc((size_t)m->n_items * (size_t)m->dim * sizeof *m->vec);
    if (!m->vec) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        goto fail;
    }
    progress(s, 0, 2, "embedding the catalogue");
    if (m->source == SOURCE_VECTORS)
        st = sem_vecfile_load(s->p.vectors_file, m->dim, data, m->vec, err);
    else
        st = sem_encoder_fit(data->items, m->n_items, &s->p.enc, m->vec, &m->enc, err);
    if (st != RS_OK)
        goto fail;
    progress(s, 1, 2, "building the faiss index (and kNN lists)");
    if ((st = model_finish(s, m, err)) != RS_OK)
        goto fail;
    progress(s, 2, 2, "done");
    log_msg(s, RS_LOG_INFO, "semantic: %d movies embedded (%s, dim %d), index %s", (int)m->n_items,
            m->source == SOURCE_VECTORS ? "vectors" : "builtin", m->dim, s->p.index);
    sem_model_free(s->m);
    s->m = m;
    return RS_OK;
fail:
    sem_model_free(m);
    return st;
}

/* ---- Artifacts ---------------------------------------------------------- */

/*
 * <dir>/semantic.bin, little-endian:
 *   char[8] "RSSEMART", u32 version, u32 source (0 builtin, 1 vectors),
 *   u32 dim, u32 n_items, char[128] index description (NUL-padded),
 *   int64 movieId[n_items], float32 vectors[n_items * dim],
 *   builtin only: the encoder section (sem_encoder_write),
 *   u64 FNV-1a 64 of all preceding bytes.
 * <dir>/semantic.faiss: faiss's own index file.
 * Both are written to *.tmp and renamed, so a failed save never leaves a
 * half-written artifact under the real name.
 */
static rs_status join(char *buf, size_t cap, const char *dir, const char *name, const char *suffix,
                      rs_error *err)
{
    int n = snprintf(buf, cap, "%s/%s%s", dir, name, suffix);
    if (n < 0 || (size_t)n >= cap)
        return rs_error_set(err, RS_ERR_INVALID, "semantic: path too long: %s", dir);
    return RS_OK;
}

static rs_status commit_file(const char *tmp, const char *final, rs_error *err)
{
    if (rename(tmp, final) != 0) {
        remove(tmp);
        return rs_error_set(err, RS_ERR_IO, "%s: cannot rename into place", final);
    }
    return RS_OK;
}

static rs_status sem_save(void *instance, const char *dir, rs_error *err)
{
    sem_inst *s = instance;
    const sem_model *m = s->m;
    char path[4096], tmp[4100];
    sem_writer w;
    rs_status st;
    if (!m)
        return rs_error_set(err, RS_ERR_STATE, "semantic: save before fit");
    if ((st = join(path, sizeof path, dir, ARTIFACT_FILE, "", err)) != RS_OK ||
        (st = join(tmp, sizeof tmp, dir, ARTIFACT_FILE, ".tmp", err)) != RS_OK ||
        (st = sem_writer_open(&w, tmp, err)) != RS_OK)
        return st;
    char desc[INDEX_DESC_MAX] = {0};
    snprintf(desc, sizeof desc, "%s", s->p.index);
    sem_write(&w, ARTIFACT_MAGIC, 8);
    sem_write_u32(&w, ARTIFACT_VERSION);
    sem_write_u32(&w, (uint32_t)m->source);
    sem_write_u32(&w, (uint32_t)m->dim);
    sem_write_u32(&w, (uint32_t)m->n_items);
    sem_write(&w, desc, sizeof desc);
    for (int32_t i = 0; i < m->n_items; i++) {
        int64_t id = rs_dataset_item(m->data, (int32_t)i)->movie_id;
        sem_write(&w, &id, sizeof id);
    }
    sem_write(&w, m->vec, (size_t)m->n_items * m->dim * sizeof *m->vec);
    if (m->enc)
        sem_encoder_write(m->enc, &w);
    if ((st = sem_writer_close(&w, 1, err)) != RS_OK) {
        remove(tmp);
        return st;
    }
    if ((st = commit_file(tmp, path, err)) != RS_OK)
        return st;

    if ((st = join(path, sizeof path, dir, INDEX_FILE, "", err)) != RS_OK ||
        (st = join(tmp, sizeof tmp, dir, INDEX_FILE, ".tmp", err)) != RS_OK)
        return st;
    if ((st = sem_index_save(m->index, tmp, err)) != RS_OK) {
        remove(tmp);
        return st;
    }
    return commit_file(tmp, path, err);
}

/* Read and validate semantic.bin into a fresh model (no index yet).
 * *ids gets the artifact's movie ids, *index_desc its index string. */
static rs_status read_artifact(const sem_inst *s, const char *path, sem_model *m, int64_t **ids_out,
                               int32_t *n_out, char *index_desc, rs_error *err)
{
    sem_reader r;
    char magic[8];
    uint32_t version, source, dim, n;
    int64_t *ids = NULL;
    rs_status st = sem_reader_open(&r, path, err);
    if (st != RS_OK)
        return st;
    if ((st = sem_read(&r, magic, 8, "magic", err)) != RS_OK)
        goto done;
    if (memcmp(magic, ARTIFACT_MAGIC, 8) != 0) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s: not a semantic artifact (bad magic)", path);
        goto done;
    }
    if ((st = sem_read_u32(&r, &version, "version", err)) != RS_OK ||
        (st = sem_read_u32(&r, &source, "source", err)) != RS_OK ||
        (st = sem_read_u32(&r, &dim, "dim", err)) != RS_OK ||
        (st = sem_read_u32(&r, &n, "item count", err)) != RS_OK ||
        (st = sem_read(&r, index_desc, INDEX_DESC_MAX, "index description", err)) != RS_OK)
        goto done;
    if (version != ARTIFACT_VERSION) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "%s: artifact version %u, this plugin reads %u; refit", path, version,
                          ARTIFACT_VERSION);
        goto done;
    }
    if (source != (uint32_t)s->p.source) {
        st = rs_error_set(err, RS_ERR_CONFIG,
                          "%s: built with embeddings=%s but the instance says "
                          "%s; refit",
                          path, source == SOURCE_VECTORS ? "vectors" : "builtin",
                          s->p.source == SOURCE_VECTORS ? "vectors" : "builtin");
        goto done;
    }
    if (dim != (uint32_t)s->p.dim) {
        st = rs_error_set(err, RS_ERR_CONFIG, "%s: artifact dim %u but param dim is %d; refit",
                          path, dim, s->p.dim);
        goto done;
    }
    if (n == 0 || n > (uint32_t)INT32_MAX || memchr(index_desc, '\0', INDEX_DESC_MAX) == NULL) {
        st = rs_error_set(err, RS_ERR_FORMAT, "%s: bad item count %u or index description", path,
                          n);
        goto done;
    }
    /* Check the size the header promises before allocating for it, so a
     * corrupt count fails as a format error, not as an allocation. */
    uint64_t need = r.off + (uint64_t)n * 8u + (uint64_t)n * dim * 4u + 8u;
    int64_t have = sem_file_size(path);
    if (have >= 0 && (uint64_t)have < need) {
        st = rs_error_set(err, RS_ERR_FORMAT,
                          "%s: truncated: %lld bytes, the header (%u movies of "
                          "dim %u) needs at least %llu",
                          path, (long long)have, n, dim, (unsigned long long)need);
        goto done;
    }
    m->dim = (int)dim;
    m->source = (int)source;
    size_t nv = (size_t)n * dim;
    ids = malloc((size_t)n * sizeof *ids);
    m->vec = malloc(nv * sizeof *m->vec);
    if (!ids || !m->vec) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        goto done;
    }
    if ((st = sem_read(&r, ids, (size_t)n * sizeof *ids, "movie ids", err)) != RS_OK ||
        (st = sem_read(&r, m->vec, nv * sizeof *m->vec, "vectors", err)) != RS_OK)
        goto done;
    for (uint32_t i = 0; i < n; i++) {
        double n2 = 0.0;
        for (uint32_t c = 0; c < dim; c++)
            n2 += (double)m->vec[(size_t)i * dim + c] * m->vec[(size_t)i * dim + c];
        if (!isfinite(n2) || (n2 != 0.0 && fabs(n2 - 1.0) > 1e-3)) {
            st = rs_error_set(err, RS_ERR_FORMAT, "%s: vector of movieId %lld is not unit length",
                              path, (long long)ids[i]);
            goto done;
        }
    }
    if (source == SOURCE_BUILTIN && (st = sem_encoder_read(&r, (int)dim, &m->enc, err)) != RS_OK)
        goto done;
    if ((st = sem_read_trailer(&r, err)) != RS_OK)
        goto done;
    *ids_out = ids;
    *n_out = (int32_t)n;
    ids = NULL;
done:
    free(ids);
    sem_reader_close(&r);
    return st;
}

/*
 * Map the artifact's rows onto the current catalogue. Same catalogue, same
 * order: keep the vectors and the saved faiss index. Otherwise (movies
 * added or removed since the save) a builtin model embeds the new movies
 * with its fitted encoder and the index is rebuilt; a vectors model refuses
 * because it cannot embed a movie it has no vector for.
 */
static rs_status remap(const sem_inst *s, sem_model *m, const int64_t *ids, int32_t n,
                       int *identity, rs_error *err)
{
    const rs_dataset *d = m->data;
    sem_idmap art;
    rs_status st = sem_idmap_build(&art, ids, n, "artifact movie", err);
    if (st != RS_OK)
        return st;
    *identity = n == d->n_items;
    for (int32_t i = 0; *identity && i < n; i++)
        *identity = ids[i] == rs_dataset_item(d, (int32_t)i)->movie_id;
    if (*identity) {
        sem_idmap_free(&art);
        return RS_OK;
    }
    float *vec = malloc((size_t)d->n_items * m->dim * sizeof *vec);
    if (!vec) {
        sem_idmap_free(&art);
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    }
    int32_t added = 0;
    for (int32_t i = 0; i < d->n_items && st == RS_OK; i++) {
        float *dst = vec + (size_t)i * m->dim;
        int32_t row = sem_idmap_find(&art, rs_dataset_item(d, (int32_t)i)->movie_id);
        if (row >= 0) {
            memcpy(dst, m->vec + (size_t)row * m->dim, m->dim * sizeof *dst);
        } else if (m->enc) {
            st = sem_encoder_embed(m->enc, rs_dataset_item(d, (int32_t)i), dst, NULL, err);
            added++;
        } else {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "semantic: catalogue movie %lld is not in the "
                              "saved vectors; refit with an updated vectors "
                              "file",
                              (long long)rs_dataset_item(d, (int32_t)i)->movie_id);
        }
    }
    sem_idmap_free(&art);
    if (st != RS_OK) {
        free(vec);
        return st;
    }
    log_msg(s, RS_LOG_INFO,
            "semantic: catalogue changed since save (%d saved, %d now, %d newly "
            "embedded); rebuilding the index",
            (int)n, (int)d->n_items, (int)added);
    free(m->vec);
    m->vec = vec;
    return RS_OK;
}

static rs_status sem_load(void *instance, const char *dir, const rs_dataset *data, rs_error *err)
{
    sem_inst *s = instance;
    char path[4096], desc[INDEX_DESC_MAX];
    int64_t *ids = NULL;
    int32_t n = 0;
    int identity = 0;
    rs_status st;
    if (!data || data->n_items <= 0)
        return rs_error_set(err, RS_ERR_INVALID, "semantic: empty catalogue");
    sem_model *m = calloc(1, sizeof *m);
    if (!m)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    m->data = data;
    m->n_items = data->n_items;
    if ((st = join(path, sizeof path, dir, ARTIFACT_FILE, "", err)) != RS_OK ||
        (st = read_artifact(s, path, m, &ids, &n, desc, err)) != RS_OK ||
        (st = remap(s, m, ids, n, &identity, err)) != RS_OK)
        goto fail;
    if (identity && strcmp(desc, s->p.index) == 0) {
        if ((st = join(path, sizeof path, dir, INDEX_FILE, "", err)) != RS_OK ||
            (st = sem_index_load(path, s->p.index, m->dim, m->n_items, &m->index, err)) != RS_OK)
            goto fail;
    } else if (identity) {
        log_msg(s, RS_LOG_INFO,
                "semantic: index changed from '%s' to '%s'; "
                "rebuilding it from the saved vectors",
                desc, s->p.index);
    }
    if ((st = model_finish(s, m, err)) != RS_OK)
        goto fail;
    free(ids);
    sem_model_free(s->m);
    s->m = m;
    return RS_OK;
fail:
    free(ids);
    sem_model_free(m);
    return st;
}

/* ---- Serving ------------------------------------------------------------ */

typedef struct skip_ctx {
    const int32_t *rated; /* sorted */
    size_t n_rated;
    const int32_t *excl; /* sorted (query contract) */
    size_t n_excl;
    int32_t self;
} skip_ctx;

static int skip_item(const void *c, int32_t item)
{
    const skip_ctx *k = c;
    return item == k->self || rs_sorted_contains(k->rated, k->n_rated, item) ||
           rs_sorted_contains(k->excl, k->n_excl, item);
}

static float dot(const float *a, const float *b, int d)
{
    float s = 0.0f;
    for (int c = 0; c < d; c++)
        s += a[c] * b[c];
    return s;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* A user's ratings for one call: the query's own, or (when it names a
 * user of the fitted dataset and carries none) the dataset's. */
typedef struct user_view {
    rs_query q;       /* copy of the caller's query, sized safely */
    rs_rating *owned; /* ratings copied from the dataset, or NULL */
    const rs_rating *r;
    size_t n;
    float *w;        /* [n] profile weights (sem_profile_weights) */
    int32_t *items;  /* [n] the rated items, as r[i].item */
    float *profile;  /* [dim], scorer profile only; unit when has_profile */
    int has_profile; /* there is something to score with */
} user_view;

static void user_view_free(user_view *u)
{
    free(u->owned);
    free(u->w);
    free(u->items);
    free(u->profile);
}

static rs_status user_view_ratings(const sem_model *m, const rs_query *q_in, user_view *u,
                                   rs_error *err)
{
    memset(u, 0, sizeof *u);
    if (!q_in)
        return rs_error_set(err, RS_ERR_INVALID, "semantic: NULL query");
    /* Copy min(struct_size, sizeof) so a host built for a newer, larger
     * query still works and an older one reads as zeros. */
    size_t sz = q_in->struct_size < sizeof u->q ? q_in->struct_size : sizeof u->q;
    memcpy(&u->q, q_in, sz);
    u->r = u->q.ratings;
    u->n = u->q.ratings ? u->q.n_ratings : 0;
    /* The host fills a known user's ratings (ABI 1.1); a host that did
     * not still names them by index, so no id lookup happens here. */
    if (u->n == 0) {
        int32_t du = rs_query_user_index(&u->q, m->data);
        if (du >= 0) {
            const rs_dataset *d = m->data;
            size_t b = d->user_ptr[du], e = d->user_ptr[du + 1];
            u->owned = malloc((e - b + 1) * sizeof *u->owned);
            if (!u->owned)
                return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
            for (size_t p = b; p < e; p++)
                u->owned[p - b] = (rs_rating){d->user_item[p], d->user_rating[p],
                                              d->user_time ? d->user_time[p] : 0};
            u->r = u->owned;
            u->n = e - b;
        }
    }
    for (size_t i = 0; i < u->n; i++)
        if (u->r[i].item < 0 || u->r[i].item >= m->n_items || !isfinite(u->r[i].rating))
            return rs_error_set(err, RS_ERR_INVALID,
                                "semantic: rating %zu: item %d outside the "
                                "catalogue (0..%d) or rating not finite",
                                i, (int)u->r[i].item, (int)m->n_items - 1);
    return RS_OK;
}

static rs_status user_view_init(const sem_inst *s, const rs_query *q_in, user_view *u,
                                rs_error *err)
{
    const sem_model *m = s->m;
    rs_status st = user_view_ratings(m, q_in, u, err);
    if (st != RS_OK || u->n == 0)
        return st; /* nothing to build a profile from */
    u->w = malloc(u->n * sizeof *u->w);
    u->items = malloc(u->n * sizeof *u->items);
    if (!u->w || !u->items)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    sem_profile_weights(u->r, u->n, s->p.neutral, u->w);
    for (size_t i = 0; i < u->n; i++)
        u->items[i] = u->r[i].item;
    if (s->p.scorer == SCORER_KNN) {
        u->has_profile = 1; /* sem_profile_weights leaves a non-zero weight */
        return RS_OK;
    }
    u->profile = calloc((size_t)m->dim, sizeof *u->profile);
    if (!u->profile)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    for (size_t i = 0; i < u->n; i++) {
        const float *v = m->vec + (size_t)u->items[i] * m->dim;
        for (int c = 0; c < m->dim; c++)
            u->profile[c] += u->w[i] * v[c];
    }
    double n2 = 0.0;
    for (int c = 0; c < m->dim; c++)
        n2 += (double)u->profile[c] * u->profile[c];
    if (n2 > 1e-12) {
        float inv = (float)(1.0 / sqrt(n2));
        for (int c = 0; c < m->dim; c++)
            u->profile[c] *= inv;
        u->has_profile = 1;
    }
    return RS_OK;
}

/* The content score of every catalogue item into out[n_items] (before the
 * prior): kNN sums, or cosines with the profile. */
static void raw_scores(const sem_inst *s, const user_view *u, float *out)
{
    const sem_model *m = s->m;
    if (s->p.scorer == SCORER_KNN) {
        memset(out, 0, (size_t)m->n_items * sizeof *out);
        sem_knn_accumulate(m->knn, u->items, u->w, u->n, out);
        return;
    }
    for (int32_t i = 0; i < m->n_items; i++)
        out[i] = dot(u->profile, m->vec + (size_t)i * m->dim, m->dim);
}

static rs_status check_ready(const sem_inst *s, rs_error *err)
{
    if (!s || !s->m)
        return rs_error_set(err, RS_ERR_STATE, "semantic: not fitted or loaded");
    return RS_OK;
}

/* The rated movie that supports `item` most: under kNN the one with the
 * largest contribution w_i * sim(i, item) (exact: the score is their
 * sum); under profile the liked movie most similar to it. */
static int32_t because_of(const sem_inst *s, const user_view *u, int32_t item)
{
    const sem_model *m = s->m;
    const float *v = m->vec + (size_t)item * m->dim;
    int32_t best = -1;
    float best_sim = -INFINITY;
    for (size_t i = 0; i < u->n; i++) {
        if (u->w[i] <= 0.0f)
            continue;
        float sim = s->p.scorer == SCORER_KNN
                        ? u->w[i] * sem_knn_sim(m->knn, u->items[i], item)
                        : dot(v, m->vec + (size_t)u->items[i] * m->dim, m->dim);
        if (sim > best_sim || (sim == best_sim && u->items[i] < best)) {
            best_sim = sim;
            best = u->items[i];
        }
    }
    return best;
}

/* Top k of the prior-weighted scores over the whole catalogue. kNN keeps
 * only items with positive evidence (a movie no rated movie is near has
 * nothing to be recommended for); profile ranks every item. */
static rs_status rank_catalogue(const sem_inst *s, const user_view *u, const skip_ctx *sk, size_t k,
                                rs_scored *out, size_t *n_out, rs_error *err)
{
    const sem_model *m = s->m;
    float *sc = malloc((size_t)m->n_items * sizeof *sc);
    if (!sc)
        return rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
    raw_scores(s, u, sc);
    int knn = s->p.scorer == SCORER_KNN;
    rs_topk top;
    rs_topk_init(&top, out, k);
    for (int32_t i = 0; i < m->n_items; i++) {
        if ((knn && !(sc[i] > 0.0f)) || skip_item(sk, i))
            continue;
        rs_topk_push(&top, i, sc[i] * m->prior[i]);
    }
    *n_out = rs_topk_finish(&top);
    free(sc);
    return RS_OK;
}

static rs_status sem_recommend(void *instance, const rs_query *q, size_t k, rs_scored *out,
                               rs_explanation *explain, size_t *n_out, rs_error *err)
{
    sem_inst *s = instance;
    user_view u;
    int32_t *rated = NULL;
    rs_status st = check_ready(s, err);
    if (st != RS_OK)
        return st;
    if (!n_out || (k > 0 && !out))
        return rs_error_set(err, RS_ERR_INVALID, "semantic: NULL output");
    *n_out = 0;
    const sem_model *m = s->m;
    if ((st = user_view_init(s, q, &u, err)) != RS_OK || !u.has_profile || k == 0)
        goto done; /* no ratings (or they cancel out): nothing to say */

    rated = malloc((u.n + 1) * sizeof *rated);
    if (!rated) {
        st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
        goto done;
    }
    memcpy(rated, u.items, u.n * sizeof *rated);
    qsort(rated, u.n, sizeof *rated, cmp_i32);
    skip_ctx sk = {rated, u.n, u.q.exclude, u.q.exclude ? u.q.n_exclude : 0, -1};
    /* Without a prior the profile's top k is a plain nearest-neighbour
     * query: faiss answers it (approximately, fast, for HNSW/IVF). A prior
     * reorders by more than similarity, so every item is scored. */
    if (s->p.scorer == SCORER_PROFILE && m->prior_off)
        st = sem_index_search(m->index, u.profile, k, skip_item, &sk, sk.n_rated + sk.n_excl, out,
                              n_out, err);
    else
        st = rank_catalogue(s, &u, &sk, k, out, n_out, err);
    if (st != RS_OK || !explain)
        goto done;
    const char *name = s->host && s->host->instance_name ? s->host->instance_name(s->host)
                                                         : "semantic";
    for (size_t i = 0; i < *n_out; i++) {
        rs_explanation *e = rs_explanation_at(q, explain, i);
        memset(e, 0, sizeof *e);
        e->because_item = because_of(s, &u, out[i].item);
        e->n_parts = 1;
        snprintf(e->parts[0].source, sizeof e->parts[0].source, "%s", name ? name : "semantic");
        e->parts[0].share = 1.0f;
    }
done:
    free(rated);
    user_view_free(&u);
    return st;
}

/* score(): the same prior-weighted score recommend ranks by, for any
 * catalogue item (under kNN an item near none of the rated movies scores
 * 0: no content evidence either way). */
static rs_status sem_score(void *instance, const rs_query *q, const int32_t *items, size_t n,
                           float *scores, rs_error *err)
{
    sem_inst *s = instance;
    user_view u;
    float *sc = NULL;
    rs_status st = check_ready(s, err);
    if (st != RS_OK)
        return st;
    if (n > 0 && (!items || !scores))
        return rs_error_set(err, RS_ERR_INVALID, "semantic: NULL buffers");
    const sem_model *m = s->m;
    if ((st = user_view_init(s, q, &u, err)) != RS_OK)
        goto done;
    if (u.has_profile && s->p.scorer == SCORER_KNN) {
        sc = malloc((size_t)m->n_items * sizeof *sc);
        if (!sc) {
            st = rs_error_set(err, RS_ERR_NOMEM, "semantic: out of memory");
            goto done;
        }
        raw_scores(s, &u, sc);
    }
    for (size_t i = 0; i < n; i++) {
        int32_t it = items[i];
        if (!u.has_profile || it < 0 || it >= m->n_items)
            scores[i] = RS_SCORE_MISSING;
        else
            scores[i] = m->prior[it] *
                        (sc ? sc[it] : dot(u.profile, m->vec + (size_t)it * m->dim, m->dim));
    }
done:
    free(sc);
    user_view_free(&u);
    return st;
}

static rs_status sem_similar(void *instance, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                             rs_error *err)
{
    sem_inst *s = instance;
    rs_status st = check_ready(s, err);
    if (st != RS_OK)
        return st;
    if (!n_out || (k > 0 && !out))
        return rs_error_set(err, RS_ERR_INVALID, "semantic: NULL output");
    *n_out = 0;
    const sem_model *m = s->m;
    if (item < 0 || item >= m->n_items)
        return rs_error_set(err, RS_ERR_NOT_FOUND,
                            "semantic: item %d outside the catalogue (0..%d)", (int)item,
                            (int)m->n_items - 1);
    const float *v = m->vec + (size_t)item * m->dim;
    if (dot(v, v, m->dim) == 0.0f)
        return RS_OK; /* a movie without any known term has no neighbours */
    skip_ctx sk = {NULL, 0, NULL, 0, item};
    return sem_index_search(m->index, v, k, skip_item, &sk, 1, out, n_out, err);
}

/* ---- Entry -------------------------------------------------------------- */

static const rs_plugin_entry semantic_entry = {
    RS_PLUGIN_ABI_HEADER,
    .name = "semantic",
    .version = "1.1.0",
    .description = "Content-based recommender over the whole catalogue "
                   "(TF-IDF+SVD or sentence vectors, faiss search)",
    .capabilities = RS_CAP_FIT | RS_CAP_PERSIST | RS_CAP_RECOMMEND | RS_CAP_SCORE | RS_CAP_SIMILAR |
                    RS_CAP_EXPLAIN | RS_CAP_FOLD_IN,
    .create = sem_create,
    .destroy = sem_destroy,
    .fit = sem_fit,
    .save = sem_save,
    .load = sem_load,
    .recommend = sem_recommend,
    .score = sem_score,
    .similar = sem_similar,
};

const sem_model *sem_instance_model(const void *instance)
{
    return instance ? ((const sem_inst *)instance)->m : NULL;
}

RS_PLUGIN_DEFINE(semantic_entry)
