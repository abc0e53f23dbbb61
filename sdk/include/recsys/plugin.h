/*
 * recsys plugin SDK: the one header a recommender plugin needs.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * RS_PLUGIN_ENTRY_NAME, a function returning a pointer to a static
 * rs_plugin_entry. The host validates the plugin's YAML descriptor before
 * dlopen, checks the entry's ABI major/minor and struct size before calling
 * anything else, and refuses a mismatch with a message naming the plugin,
 * the field and both values.
 *
 * Compatibility rules (see docs/plugin-guide.md):
 *   - RS_ABI_MAJOR changes only when an existing field or contract changes;
 *     the host refuses any plugin whose major differs from its own.
 *   - RS_ABI_MINOR grows when fields are appended to a boundary struct.
 *     A host refuses a plugin built for a newer minor than its own; a plugin
 *     must check a struct's struct_size before using a field newer than
 *     1.0 (RS_HAS_FIELD does it per field).
 *   - Every boundary struct carries its own size first (or right after the
 *     ABI numbers) and only ever grows at the end. Never reorder fields.
 *
 * Version notes:
 *   1.0  the first release.
 *   1.1  (one minor, never released before it was complete, so it was
 *        grown in three appends; all are 1.1):
 *        first append: rs_host.checkpoint_dir and rs_host.resume.
 *        second append: rs_query.user_index and rs_query.explanation_size
 *        (the host fills both, and always fills the ratings);
 *        rs_dataset.item_meta_size (the element size of `items`);
 *        rs_host.child_recommend/child_score/child_similar (composites call
 *        their children through the host, which validates the output);
 *        rs_plugin_entry.describe; the `instance` param type in plugin.yaml.
 *        RS_HOST_V1_1_SIZE and RS_QUERY_V1_1_SIZE now end at the second
 *        append. A plugin built against the first 1.1 header still loads:
 *        its entry is the 1.0 size and it only ever reads the host fields it
 *        knew (up to resume), which every 1.1 host has. Check the second
 *        append's fields with RS_HAS_FIELD before using them.
 *        third append: rs_host.child_fit_private (a composite fits a
 *        private copy of a child on data of its choosing, to learn without
 *        leakage); RS_HOST_V1_1_SIZE ends there, RS_HOST_V1_1_CHILD_SIZE
 *        at the second append.
 *
 * Threading contract (each callback below is tagged with its own):
 *   - [setup]: create, fit, load and save are called from one thread at a
 *     time, on an instance that is not serving requests (fit and load on a
 *     fresh instance; save on a version the host has published or is about
 *     to publish, never concurrently with another save or load of it).
 *   - [serving]: recommend, score, similar and describe may be called from
 *     many threads at once (civetweb workers, the refresher, the
 *     evaluation harness) once fit or load has returned RS_OK. They must
 *     not mutate shared state without their own synchronisation.
 *   - [any, once]: destroy runs exactly once, on whichever thread drops the
 *     last reference to the version: a request thread that finished with
 *     a retired version, a composite's request thread releasing a child,
 *     or the thread freeing the engine. Never concurrently with any other
 *     call on the same instance.
 *
 * Ownership contract:
 *   - Everything the host passes in (dataset, query, params, strings) is
 *     owned by the host and valid only for the duration of the call, except
 *     the rs_host table and the dataset given to fit/load, which stay valid
 *     until destroy.
 *   - Outputs go into caller-provided buffers with stated capacities; the
 *     plugin never returns memory the host must free.
 *   - The instance pointer created by create() is owned by the plugin and
 *     released by destroy().
 *
 * Params: the host validates every instance's params against the schema in
 * the plugin's plugin.yaml (type, range, enum values, `instance` names)
 * before create() and applies the schema's defaults, so the values a plugin
 * reads are already valid; recsys/params.h reads them into a config struct
 * from one table.
 *
 * Output: the host validates what every recommend/score/similar returns
 * (n_out <= k, item indices in the catalogue, no duplicates, finite
 * scores; score may also write RS_SCORE_MISSING) and turns a violation into
 * an RS_ERR_FORMAT error (malformed data) naming the plugin and the field.
 *
 * Errors: every fallible call returns an rs_status and, on failure, fills
 * the caller-owned rs_error with the same code and a message that names the
 * subject and the reason (use rs_error_set()).
 */
#ifndef RECSYS_PLUGIN_H
#define RECSYS_PLUGIN_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RS_ABI_MAJOR 1
#define RS_ABI_MINOR 1

/* The single symbol every plugin exports. */
#define RS_PLUGIN_ENTRY_NAME "rs_plugin_entry_v1"

#if defined(__GNUC__)
#define RS_EXPORT __attribute__((visibility("default")))
#define RS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RS_EXPORT
#define RS_PRINTF(f, a)
#endif

/* Whether a struct that carries struct_size (the plugin's copy of the
 * header may be older or newer than the caller's) holds `field`. */
#define RS_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

/* ---- Status and errors (append-only; never renumber) ------------------ */

typedef enum rs_status {
    RS_OK = 0,
    RS_ERR_INVALID = 1,     /* bad argument or input value */
    RS_ERR_NOMEM = 2,       /* allocation failed */
    RS_ERR_IO = 3,          /* file or system call failed */
    RS_ERR_FORMAT = 4,      /* malformed file or data */
    RS_ERR_UNSUPPORTED = 5, /* capability not provided by this plugin */
    RS_ERR_NOT_FOUND = 6,   /* unknown user, item, instance or file */
    RS_ERR_STATE = 7,       /* call not valid in the current state */
    RS_ERR_ABI = 8,         /* plugin/host ABI mismatch */
    RS_ERR_CONFIG = 9,      /* configuration or descriptor error */
    RS_ERR_INTERNAL = 10,   /* dependency or invariant failure */
    RS_ERR_DATABASE = 11    /* database error */
} rs_status;

#define RS_ERROR_MESSAGE_MAX 512

/* Caller-owned detailed error. */
typedef struct rs_error {
    rs_status code;
    char message[RS_ERROR_MESSAGE_MAX];
} rs_error;

/* Fill err (which may be NULL) and return code: `return rs_error_set(...)`. */
static inline rs_status rs_error_set(rs_error *err, rs_status code, const char *fmt, ...)
    RS_PRINTF(3, 4);
static inline rs_status rs_error_set(rs_error *err, rs_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- Data that crosses the ABI ----------------------------------------- */

/*
 * Items are identified by their dense catalogue index (0..n_items-1) in
 * every call. Users are identified by their external id and, from ABI 1.1,
 * by their dense index in the dataset the instance was fitted or loaded
 * with (rs_query.user_index). All datasets a host hands to one instance share the same
 * catalogue (same n_items, same order); only the ratings differ (the
 * evaluation harness thins them). Plugins that persist artifacts store
 * external movie ids and remap them on load through the dataset.
 */
typedef struct rs_item_meta {
    int64_t movie_id;     /* external MovieLens movieId */
    const char *title;    /* title without the trailing "(year)" */
    int32_t year;         /* 0 when unknown */
    uint32_t genre_mask;  /* bit i set = genre i of rs_dataset.genre_names */
    const char *genres;   /* "Adventure|Animation", "" when none */
    const char *tags;     /* user tags joined by " | ", "" when none */
    const char *overview; /* plot overview text, "" when none */
    int64_t tmdb_id;      /* 0 when unknown */
    int64_t imdb_id;      /* 0 when unknown */
} rs_item_meta;

/* Read-only view of a ratings dataset over the catalogue.
 *
 * Which dataset to use: fit trains on the dataset it is given (the host may
 * hand a thinned training split, not the serving data); load maps the
 * artifacts' external ids onto the dataset it is given; requests resolve
 * users against the dataset of the last fit/load (the one whose index
 * rs_query.user_index refers to). host->dataset() is the host's serving
 * dataset: use it only for the catalogue (items), never for ratings. */
typedef struct rs_dataset {
    uint32_t struct_size;
    int32_t n_users;
    int32_t n_items; /* the whole catalogue */
    size_t n_ratings;
    const int64_t *user_ids;   /* [n_users] dense -> external userId */
    const rs_item_meta *items; /* [n_items] catalogue metadata */
    /* CSR by user: user u's ratings are [user_ptr[u], user_ptr[u+1]),
     * sorted by item index. */
    const size_t *user_ptr;   /* [n_users + 1] */
    const int32_t *user_item; /* [n_ratings] */
    const float *user_rating; /* [n_ratings] 0.5 .. 5.0 */
    const int64_t *user_time; /* [n_ratings] unix seconds */
    /* CSR by item: item i's ratings are [item_ptr[i], item_ptr[i+1]),
     * sorted by user index. */
    const size_t *item_ptr;   /* [n_items + 1] */
    const int32_t *item_user; /* [n_ratings] */
    const float *item_rating; /* [n_ratings] */
    /* Collaborative-filtering subset chosen by `prepare` thresholds. */
    const uint8_t *cf_item; /* [n_items] 1 = in the CF subset */
    const uint8_t *cf_user; /* [n_users] 1 = in the CF subset */
    int32_t n_genres;
    const char *const *genre_names; /* [n_genres] */
    /* ---- ABI 1.1 ---- */
    /* Element size of `items`, so rs_item_meta can grow: index it with
     * rs_dataset_item(), never with items[i] in a plugin built for 1.1+. */
    uint32_t item_meta_size;
} rs_dataset;

#define RS_DATASET_V1_0_SIZE (offsetof(rs_dataset, genre_names) + sizeof(const char *const *))
#define RS_DATASET_V1_1_SIZE (offsetof(rs_dataset, item_meta_size) + sizeof(uint32_t))

/* Item i's metadata (0 <= i < n_items). A 1.0 host, or one that leaves
 * item_meta_size 0, lays items out as this header's rs_item_meta. */
static inline const rs_item_meta *rs_dataset_item(const rs_dataset *d, int32_t i)
{
    size_t size = sizeof(rs_item_meta);
    if (RS_HAS_FIELD(d, rs_dataset, item_meta_size) && d->item_meta_size)
        size = d->item_meta_size;
    return (const rs_item_meta *)(const void *)((const char *)d->items + (size_t)i * size);
}

typedef struct rs_rating {
    int32_t item;      /* catalogue index */
    float rating;      /* 0.5 .. 5.0 */
    int64_t timestamp; /* unix seconds, 0 when unknown */
} rs_rating;

/* RS_USER_NONE: the user is not in the fitted dataset, or their ratings
 * changed since; plugins must fold them in from `ratings`. */
#define RS_USER_NONE INT64_MIN

/*
 * A request. What a user id without ratings means: a user of the fitted
 * dataset (user_index >= 0) is served from what the model learned about
 * them, and the host has filled `ratings` with their training ratings;
 * with n_ratings == 0 and user_index == -1 the user is cold (no ratings at
 * all): serve them as a new user (popularity) or return RS_ERR_NOT_FOUND
 * if the plugin cannot. The host fills user_index and, when the caller
 * gave none, ratings, before every call, so plugins never resolve user_id
 * themselves: use rs_query_user_index().
 */
typedef struct rs_query {
    uint32_t struct_size;
    int64_t user_id;          /* external id of a user of the fitted dataset
                                 whose ratings are exactly `ratings`, or
                                 RS_USER_NONE */
    const rs_rating *ratings; /* the user's current ratings; the host
                                 fills them for a known user */
    size_t n_ratings;
    const int32_t *exclude; /* extra items never to return, sorted asc */
    size_t n_exclude;
    /* ---- ABI 1.1 ---- */
    int32_t user_index;        /* dense index of user_id in the dataset of
                                  the instance's last fit/load, or -1 */
    uint32_t explanation_size; /* element size of recommend's explain[]:
                                  use rs_explanation_at() */
} rs_query;

#define RS_QUERY_V1_0_SIZE (offsetof(rs_query, n_exclude) + sizeof(size_t))
#define RS_QUERY_V1_1_SIZE (offsetof(rs_query, explanation_size) + sizeof(uint32_t))

/* A query built by hand (host code, tests): every field named, so it keeps
 * compiling warning-free as rs_query grows, and user_index -1 (the host
 * fills it from user_id before the plugin sees the query). */
#define RS_QUERY(user_id_, ratings_, n_ratings_, exclude_, n_exclude_) \
    ((rs_query){.struct_size = (uint32_t)sizeof(rs_query),             \
                .user_id = (user_id_),                                 \
                .ratings = (ratings_),                                 \
                .n_ratings = (n_ratings_),                             \
                .exclude = (exclude_),                                 \
                .n_exclude = (n_exclude_),                             \
                .user_index = -1})

/* The querying user's dense index in `data` (the dataset the instance was
 * fitted or loaded with), or -1. Trusts q->user_index only where it is
 * there and agrees with user_id, so a query built by hand (a test, an older
 * host) that leaves it 0 cannot name user 0 by accident. */
static inline int32_t rs_query_user_index(const rs_query *q, const rs_dataset *data)
{
    if (!data || q->user_id == RS_USER_NONE || !RS_HAS_FIELD(q, rs_query, user_index))
        return -1;
    int32_t u = q->user_index;
    if (u < 0 || u >= data->n_users || data->user_ids[u] != q->user_id)
        return -1;
    return u;
}

typedef struct rs_scored {
    int32_t item; /* catalogue index */
    float score;  /* higher is better; comparable only within one call */
} rs_scored;

/* score() writes RS_SCORE_MISSING for an item the plugin cannot score
 * (outside its catalogue). Test with isnan(). */
#define RS_SCORE_MISSING NAN

#define RS_EXPLAIN_MAX_PARTS 4
#define RS_SOURCE_NAME_MAX 32

/* Why an item was recommended. May grow at the end: recommend's explain[]
 * elements are q->explanation_size bytes apart (rs_explanation_at). */
typedef struct rs_explanation {
    int32_t because_item; /* the user's rated item that most supports it, or -1 */
    uint32_t n_parts;     /* contributions below, shares sum to ~1 */
    struct {
        char source[RS_SOURCE_NAME_MAX]; /* instance name */
        float share;
    } parts[RS_EXPLAIN_MAX_PARTS];
} rs_explanation;

/* Element i of recommend's explain[] array (NULL when explain is NULL). */
static inline rs_explanation *rs_explanation_at(const rs_query *q, rs_explanation *explain,
                                                size_t i)
{
    size_t size = sizeof(rs_explanation);
    if (!explain)
        return NULL;
    if (RS_HAS_FIELD(q, rs_query, explanation_size) && q->explanation_size)
        size = q->explanation_size;
    return (rs_explanation *)(void *)((char *)explain + i * size);
}

/* ---- Host services, passed to create() --------------------------------- */

typedef enum rs_log_level {
    RS_LOG_DEBUG = 0,
    RS_LOG_INFO = 1,
    RS_LOG_WARN = 2,
    RS_LOG_ERROR = 3
} rs_log_level;

/* Opaque: instance params, validated against plugin.yaml's schema (type,
 * range, enum values, instance names) with its defaults applied. */
typedef struct rs_params rs_params;

struct rs_plugin_entry;

/* A read reference to another serving instance; release it when done. */
typedef struct rs_instance_ref {
    const struct rs_plugin_entry *entry;
    void *instance;
    void *token; /* host-private */
} rs_instance_ref;

/*
 * Host function table. Valid from create() until destroy(). Every function
 * may be called from any thread ([any]), concurrently. New entries are only
 * appended; check struct_size (RS_HAS_FIELD(host, rs_host, field)) before
 * using one added after ABI 1.0.
 */
typedef struct rs_host {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    void *host_data; /* host-private */

    /* Log a line tagged with the instance name. */
    void (*log)(const struct rs_host *host, rs_log_level level, const char *fmt, ...)
        RS_PRINTF(3, 4);

    /* Report progress of a long task (fit): `done` of `total` units, and a
     * short detail string such as "loss 0.31". */
    void (*progress)(const struct rs_host *host, const char *task, double done, double total,
                     const char *detail);

    /* Typed access to this instance's validated params. Each returns RS_OK,
     * or RS_ERR_NOT_FOUND / RS_ERR_INVALID for an unknown key or a type
     * mismatch (a plugin bug: its descriptor declares the keys). Strings
     * stay valid until destroy(). An `enum` or `instance` param reads as a
     * string; an int reads as a float too. recsys/params.h wraps these. */
    rs_status (*param_int)(const struct rs_host *host, const char *key, int64_t *out);
    rs_status (*param_float)(const struct rs_host *host, const char *key, double *out);
    rs_status (*param_bool)(const struct rs_host *host, const char *key, int *out);
    rs_status (*param_string)(const struct rs_host *host, const char *key, const char **out);

    /* The dataset the host currently serves (catalogue + base ratings). */
    const rs_dataset *(*dataset)(const struct rs_host *host);

    /* Look up another instance by name and take a read reference to its
     * current serving version (the hybrid uses this for its children). The
     * reference stays valid, even across a hot swap, until released.
     * Declare the names as `instance` params in plugin.yaml, so the host
     * prepares them first. Call a child through child_recommend/
     * child_score/child_similar (1.1), not through ref->entry. Releasing
     * the last reference to a retired version destroys it on this thread. */
    rs_status (*acquire_instance)(const struct rs_host *host, const char *name,
                                  rs_instance_ref *ref, rs_error *err);
    void (*release_instance)(const struct rs_host *host, rs_instance_ref *ref);

    /* Worker threads the plugin may use for fit (>= 1). */
    int (*threads)(const struct rs_host *host);

    /* Directory where this instance's artifacts live. */
    const char *(*artifact_dir)(const struct rs_host *host);

    /* The instance's name, as configured. */
    const char *(*instance_name)(const struct rs_host *host);

    /* ---- ABI 1.1 (check struct_size >= RS_HOST_V1_1_SIZE first) ---- */

    /* Directory for this instance's training checkpoints: kept apart from
     * artifact_dir, which a save replaces whole. The host creates it before
     * fit; it lives until the host clears it (a fresh `train`). A plugin
     * writes its checkpoints there atomically (temp file + rename). */
    const char *(*checkpoint_dir)(const struct rs_host *host);

    /* 1 when this fit should continue from the latest checkpoint in
     * checkpoint_dir (`recsys train --resume`), 0 when it starts afresh.
     * A plugin that resumes must refuse (RS_ERR_CONFIG, naming the field) a
     * checkpoint written for other params or other training data. */
    int (*resume)(const struct rs_host *host);

    /* ---- ABI 1.1, second append (check RS_HAS_FIELD first) ---- */

    /* Serve from a child reference taken with acquire_instance, through the
     * host: it checks the child's capability, fills the query (user_index,
     * ratings) against the child's own dataset, calls the child and
     * validates its output as it does for every plugin (see the top of this
     * file), so a composite need not guard against a child that overran
     * its contract. Same arguments and contracts as the entry's calls.
     * [serving] */
    rs_status (*child_recommend)(const struct rs_host *host, const rs_instance_ref *ref,
                                 const rs_query *q, size_t k, rs_scored *out,
                                 rs_explanation *explain, size_t *n_out, rs_error *err);
    rs_status (*child_score)(const struct rs_host *host, const rs_instance_ref *ref,
                             const rs_query *q, const int32_t *items, size_t n, float *scores,
                             rs_error *err);
    rs_status (*child_similar)(const struct rs_host *host, const rs_instance_ref *ref, int32_t item,
                               size_t k, rs_scored *out, size_t *n_out, rs_error *err);

    /* ---- ABI 1.1, third append (check RS_HAS_FIELD first) ---- */

    /* Fit a private copy of a child (same plugin, same params) on `data`,
     * a dataset the composite built over the same catalogue, e.g. its own
     * training data without the ratings it validates on, so the composite
     * can learn from queries the child never saw (a serving child was
     * fitted on all of them). *out works with child_recommend/child_score/
     * child_similar (queries resolve users against `data`) and nowhere
     * else: the copy never serves, saves or resumes, and checkpoints into a
     * scratch directory. release_instance destroys it. `data` must outlive
     * *out. Costs one fit of the child. [setup] */
    rs_status (*child_fit_private)(const struct rs_host *host, const rs_instance_ref *child,
                                   const rs_dataset *data, rs_instance_ref *out, rs_error *err);
} rs_host;

/* Size of the host table up to the last ABI 1.0 field, up to the first 1.1
 * append (what a plugin built against the first 1.1 header checked), up to
 * the second (child calls), and up to the last 1.1 field. */
#define RS_HOST_V1_0_SIZE (offsetof(rs_host, instance_name) + sizeof(void (*)(void)))
#define RS_HOST_V1_1_RESUME_SIZE (offsetof(rs_host, resume) + sizeof(void (*)(void)))
#define RS_HOST_V1_1_CHILD_SIZE (offsetof(rs_host, child_similar) + sizeof(void (*)(void)))
#define RS_HOST_V1_1_SIZE (offsetof(rs_host, child_fit_private) + sizeof(void (*)(void)))

/* ---- The plugin entry --------------------------------------------------- */

enum {
    RS_CAP_FIT = 1u << 0,
    RS_CAP_PERSIST = 1u << 1, /* save + load */
    RS_CAP_RECOMMEND = 1u << 2,
    RS_CAP_SCORE = 1u << 3,
    RS_CAP_SIMILAR = 1u << 4,
    RS_CAP_EXPLAIN = 1u << 5,  /* recommend fills explanations */
    RS_CAP_FOLD_IN = 1u << 6,  /* serves users unseen at fit time */
    RS_CAP_COMPOSITE = 1u << 7 /* depends on other instances (hybrid); since
                                   1.1 informational: the host orders and
                                   checks dependencies from `instance`
                                   params */
};

typedef struct rs_plugin_entry {
    /* Checked by the host before anything else is touched. */
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t struct_size; /* sizeof(rs_plugin_entry) the plugin built with */

    const char *name;    /* must equal the descriptor's name */
    const char *version; /* plugin version, e.g. "1.2.0" */
    const char *description;
    uint32_t capabilities; /* RS_CAP_* */

    /* Create an instance. `host` stays valid until destroy. Params arrive
     * validated (read them here, with recsys/params.h). [setup] */
    rs_status (*create)(const rs_host *host, void **instance, rs_error *err);

    /* Release everything; NULL is a no-op. [any, once]: on whichever thread
     * drops the last reference (a request thread, for a retired version). */
    void (*destroy)(void *instance);

    /* Train on `data` (valid until destroy). Not concurrent with anything
     * else on this instance. A failed fit leaves the instance unusable for
     * serving but safe to destroy. [setup] */
    rs_status (*fit)(void *instance, const rs_dataset *data, rs_error *err);

    /* Persist / restore artifacts in `dir` (created by the host). load must
     * validate everything and fail without side effects on a corrupt or
     * mismatched file. `data` is the catalogue to map external ids onto;
     * valid until destroy. [setup] */
    rs_status (*save)(void *instance, const char *dir, rs_error *err);
    rs_status (*load)(void *instance, const char *dir, const rs_dataset *data, rs_error *err);

    /* Top-k items for the query, best first, never returning an item the
     * user rated or one in q->exclude. Writes up to k entries into out[],
     * and, when explain is not NULL, the matching explanations into
     * explain[] (rs_explanation_at: elements are q->explanation_size bytes
     * apart); sets *n_out. [serving] */
    rs_status (*recommend)(void *instance, const rs_query *q, size_t k, rs_scored *out,
                           rs_explanation *explain, size_t *n_out, rs_error *err);

    /* Score n candidate items for the query into scores[] (RS_SCORE_MISSING
     * where it cannot). [serving] */
    rs_status (*score)(void *instance, const rs_query *q, const int32_t *items, size_t n,
                       float *scores, rs_error *err);

    /* The k items most similar to `item`, excluding it. [serving] */
    rs_status (*similar)(void *instance, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                         rs_error *err);

    /* ---- ABI 1.1 (optional; NULL = nothing to say) ---- */

    /* Describe this fitted instance in one short JSON object (what it
     * learned: weights, sizes), NUL-terminated in buf[cap]. Shown by
     * `recsys plugins` and the admin models endpoint. RS_ERR_INVALID if it
     * does not fit in cap. [serving] */
    rs_status (*describe)(void *instance, char *buf, size_t cap, rs_error *err);
} rs_plugin_entry;

/* The entry up to the last ABI 1.0 callback (the host accepts any size
 * from this up to its own sizeof), and up to 1.1. */
#define RS_ENTRY_V1_0_SIZE (offsetof(rs_plugin_entry, similar) + sizeof(void (*)(void)))
#define RS_ENTRY_V1_1_SIZE (offsetof(rs_plugin_entry, describe) + sizeof(void (*)(void)))

typedef const rs_plugin_entry *(*rs_plugin_entry_fn)(void);

/* Define the entry point in exactly one translation unit of a plugin:
 *   RS_PLUGIN_DEFINE(my_entry)   where my_entry is a static rs_plugin_entry */
#define RS_PLUGIN_DEFINE(entry_var)                            \
    RS_EXPORT const rs_plugin_entry *rs_plugin_entry_v1(void); \
    RS_EXPORT const rs_plugin_entry *rs_plugin_entry_v1(void) { return &(entry_var); }

/* Convenience initialiser for the ABI header fields. */
#define RS_PLUGIN_ABI_HEADER                              \
    .abi_major = RS_ABI_MAJOR, .abi_minor = RS_ABI_MINOR, \
    .struct_size = (uint32_t)sizeof(rs_plugin_entry)

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_PLUGIN_H */
