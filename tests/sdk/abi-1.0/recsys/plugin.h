/* FROZEN: the ABI 1.0 plugin header as released (git show 319b4a5^:core/include/recsys/plugin.h),
 * kept only so tests/sdk/test_sdk.sh can build a genuine 1.0 plugin and check that
 * the current host still loads it. Never edit. */
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
 *     must check host->struct_size before using a field newer than 1.0.
 *   - Every boundary struct carries its own size first (or right after the
 *     ABI numbers) and only ever grows at the end. Never reorder fields.
 *
 * Threading contract, for every instance:
 *   - create, fit, load, save and destroy are called from one thread at a
 *     time, on an instance that is not serving requests.
 *   - recommend, score and similar may be called from many threads at once
 *     (civetweb workers, the refresher, the evaluation harness) once fit or
 *     load has returned RS_OK. They must not mutate shared state without
 *     their own synchronisation.
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
#define RS_ABI_MINOR 0

/* The single symbol every plugin exports. */
#define RS_PLUGIN_ENTRY_NAME "rs_plugin_entry_v1"

#if defined(__GNUC__)
#define RS_EXPORT __attribute__((visibility("default")))
#define RS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RS_EXPORT
#define RS_PRINTF(f, a)
#endif

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
 * every call. All datasets a host hands to one instance share the same
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

/* Read-only view of a ratings dataset over the catalogue. */
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
} rs_dataset;

typedef struct rs_rating {
    int32_t item;      /* catalogue index */
    float rating;      /* 0.5 .. 5.0 */
    int64_t timestamp; /* unix seconds, 0 when unknown */
} rs_rating;

/* RS_USER_NONE: the user is not in the fitted dataset, or their ratings
 * changed since; plugins must fold them in from `ratings`. */
#define RS_USER_NONE INT64_MIN

typedef struct rs_query {
    uint32_t struct_size;
    int64_t user_id;          /* external id of a user of the fitted dataset
                                 whose ratings are exactly `ratings`, or
                                 RS_USER_NONE */
    const rs_rating *ratings; /* the user's current ratings; may be NULL */
    size_t n_ratings;
    const int32_t *exclude; /* extra items never to return, sorted asc */
    size_t n_exclude;
} rs_query;

typedef struct rs_scored {
    int32_t item; /* catalogue index */
    float score;  /* higher is better; comparable only within one call */
} rs_scored;

/* score() writes RS_SCORE_MISSING for an item the plugin cannot score
 * (outside its catalogue). Test with isnan(). */
#define RS_SCORE_MISSING NAN

#define RS_EXPLAIN_MAX_PARTS 4
#define RS_SOURCE_NAME_MAX 32

/* Why an item was recommended. */
typedef struct rs_explanation {
    int32_t because_item; /* the user's rated item that most supports it, or -1 */
    uint32_t n_parts;     /* contributions below, shares sum to ~1 */
    struct {
        char source[RS_SOURCE_NAME_MAX]; /* instance name */
        float share;
    } parts[RS_EXPLAIN_MAX_PARTS];
} rs_explanation;

/* ---- Host services, passed to create() --------------------------------- */

typedef enum rs_log_level {
    RS_LOG_DEBUG = 0,
    RS_LOG_INFO = 1,
    RS_LOG_WARN = 2,
    RS_LOG_ERROR = 3
} rs_log_level;

/* Opaque: validated instance params (schema defaults already applied). */
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
 * may be called from any thread. New entries are only appended; check
 * struct_size before using one added after ABI 1.0.
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
     * stay valid until destroy(). */
    rs_status (*param_int)(const struct rs_host *host, const char *key, int64_t *out);
    rs_status (*param_float)(const struct rs_host *host, const char *key, double *out);
    rs_status (*param_bool)(const struct rs_host *host, const char *key, int *out);
    rs_status (*param_string)(const struct rs_host *host, const char *key, const char **out);

    /* The dataset the host currently serves (catalogue + base ratings). */
    const rs_dataset *(*dataset)(const struct rs_host *host);

    /* Look up another instance by name and take a read reference to its
     * current serving version (the hybrid uses this for its children). The
     * reference stays valid, even across a hot swap, until released. */
    rs_status (*acquire_instance)(const struct rs_host *host, const char *name,
                                  rs_instance_ref *ref, rs_error *err);
    void (*release_instance)(const struct rs_host *host, rs_instance_ref *ref);

    /* Worker threads the plugin may use for fit (>= 1). */
    int (*threads)(const struct rs_host *host);

    /* Directory where this instance's artifacts live. */
    const char *(*artifact_dir)(const struct rs_host *host);

    /* The instance's name, as configured. */
    const char *(*instance_name)(const struct rs_host *host);
} rs_host;

/* ---- The plugin entry --------------------------------------------------- */

enum {
    RS_CAP_FIT = 1u << 0,
    RS_CAP_PERSIST = 1u << 1, /* save + load */
    RS_CAP_RECOMMEND = 1u << 2,
    RS_CAP_SCORE = 1u << 3,
    RS_CAP_SIMILAR = 1u << 4,
    RS_CAP_EXPLAIN = 1u << 5,  /* recommend fills explanations */
    RS_CAP_FOLD_IN = 1u << 6,  /* serves users unseen at fit time */
    RS_CAP_COMPOSITE = 1u << 7 /* depends on other instances (hybrid) */
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

    /* Create an instance. `host` stays valid until destroy. Thread: any,
     * one at a time. */
    rs_status (*create)(const rs_host *host, void **instance, rs_error *err);

    /* Release everything; NULL is a no-op. */
    void (*destroy)(void *instance);

    /* Train on `data` (valid until destroy). Not concurrent with anything
     * else on this instance. A failed fit leaves the instance unusable for
     * serving but safe to destroy. */
    rs_status (*fit)(void *instance, const rs_dataset *data, rs_error *err);

    /* Persist / restore artifacts in `dir` (created by the host). load must
     * validate everything and fail without side effects on a corrupt or
     * mismatched file. `data` is the catalogue to map external ids onto;
     * valid until destroy. */
    rs_status (*save)(void *instance, const char *dir, rs_error *err);
    rs_status (*load)(void *instance, const char *dir, const rs_dataset *data, rs_error *err);

    /* Top-k items for the query, best first, never returning an item the
     * user rated or one in q->exclude. Writes up to k entries into out[],
     * and, when explain is not NULL, the matching explanations into
     * explain[]; sets *n_out. Concurrent-safe. */
    rs_status (*recommend)(void *instance, const rs_query *q, size_t k, rs_scored *out,
                           rs_explanation *explain, size_t *n_out, rs_error *err);

    /* Score n candidate items for the query into scores[] (RS_SCORE_MISSING
     * where it cannot). Concurrent-safe. */
    rs_status (*score)(void *instance, const rs_query *q, const int32_t *items, size_t n,
                       float *scores, rs_error *err);

    /* The k items most similar to `item`, excluding it. Concurrent-safe. */
    rs_status (*similar)(void *instance, int32_t item, size_t k, rs_scored *out, size_t *n_out,
                         rs_error *err);
} rs_plugin_entry;

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
