/*
 * A/B experiments: the `experiments:` config section and deterministic
 * per-user arm assignment.
 *
 *   experiments:
 *     - name: hybrid-vs-lightgcn
 *       mode: split            # split | interleave
 *       salt: "2026-12"        # change it to reshuffle users
 *       enabled: true          # optional, default true
 *       arms:
 *         - {name: control, source: lightgcn, share: 0.5}
 *         - {name: treatment, source: hybrid, share: 0.5}
 *
 * Split shares must each lie in (0, 1] and sum to 1; an interleave
 * experiment has exactly two arms (their shares are ignored: every user
 * sees a merge of both).
 *
 * Assignment hashes "<salt>:<decimal user id>" with BLAKE2b (libsodium's
 * crypto_generichash, 8-byte digest read little-endian), maps the top 53
 * bits to u in [0, 1) and picks the first arm whose cumulative share
 * exceeds u. Nothing is stored, so it is stable across restarts and
 * machines, and a different salt gives an independent assignment.
 *
 * Thread contract: an rs_experiments is immutable after parsing; any number
 * of threads may call the getters and rs_experiment_assign concurrently.
 */
#ifndef RECSYS_EXPERIMENT_H
#define RECSYS_EXPERIMENT_H

#include "recsys/config.h"
#include "recsys/config_fields.h"
#include "recsys/engine.h"

typedef enum rs_experiment_mode {
    RS_EXPERIMENT_SPLIT = 0,
    RS_EXPERIMENT_INTERLEAVE = 1
} rs_experiment_mode;

typedef struct rs_experiment_arm {
    const char *name;
    const char *source;       /* engine instance name */
    double share;             /* split: traffic share; interleave: 0.5 */
    const rs_yaml_node *node; /* for error locations */
} rs_experiment_arm;

typedef struct rs_experiment {
    const char *name;
    rs_experiment_mode mode;
    const char *salt;
    int enabled;
    const rs_experiment_arm *arms;
    size_t n_arms;
    const rs_yaml_node *node;
} rs_experiment;

typedef struct rs_experiments rs_experiments;

/* Parse an `experiments:` sequence (NULL = no experiments). Strings are
 * copied, so the document may be freed afterwards except for the `node`
 * pointers, which point into it. Errors: "file:line:column: ...". */
rs_status rs_experiments_parse(const rs_yaml_node *section, rs_experiments **out, rs_error *err);

/* The field tables of one experiment's and one arm's scalars
 * (recsys/config_fields.h; messages name 'experiments[0].mode',
 * 'experiments[0].arms[1].share'). Static; for docs and tests. */
const rs_config_field *rs_experiment_config_fields(size_t *n);
const rs_config_field *rs_experiment_arm_config_fields(size_t *n);
/* rs_experiments_parse(rs_config_section(cfg, "experiments"), ...). */
rs_status rs_experiments_from_config(const rs_config *cfg, rs_experiments **out, rs_error *err);
void rs_experiments_free(rs_experiments *x);

size_t rs_experiments_count(const rs_experiments *x);
const rs_experiment *rs_experiments_get(const rs_experiments *x, size_t i);
const rs_experiment *rs_experiments_find(const rs_experiments *x, const char *name);
/* The first enabled experiment (the one the server applies), or NULL. */
const rs_experiment *rs_experiments_active(const rs_experiments *x);

/* Fail with "file:line:column: experiment 'x' arm 'y': no instance named
 * 'z' (configured: ...)" when an arm names a source the engine lacks. */
rs_status rs_experiments_check_sources(const rs_experiments *x, const rs_engine *e, rs_error *err);

/* The 64-bit assignment hash of (salt, user_id) described above. */
uint64_t rs_experiment_hash(const char *salt, int64_t user_id);
/* Index of the arm user_id falls into (always 0 for an interleave
 * experiment, whose users all see both arms). */
size_t rs_experiment_assign(const rs_experiment *x, int64_t user_id);

#endif /* RECSYS_EXPERIMENT_H */
