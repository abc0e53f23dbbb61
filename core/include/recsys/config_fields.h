/*
 * Declarative config sections: one table per section (key, type, bounds,
 * where it is stored, doc), read by one function with the plugin param
 * schema's checks and messages ("file:line:column: 'section.key' = 9 is
 * out of range [0, 8]"), instead of a hand-written reader per key. The
 * host config (core) and the eval file (evaluation) describe their scalar
 * settings this way; lists and cross-references stay hand-written.
 *
 * The mechanism is here and knows no section: a module that owns a
 * section (the server's `server:`, the lifecycle's `refresh:`, ...)
 * declares its table next to the struct it fills, because offsetof needs
 * that struct and core must not include the modules' headers.
 */
#ifndef RECSYS_CONFIG_FIELDS_H
#define RECSYS_CONFIG_FIELDS_H

#include <stddef.h>

#include "recsys/yamldoc.h"

typedef enum rs_field_type {
    RS_FIELD_INT,    /* int; bounds inclusive */
    RS_FIELD_INT64,  /* int64_t (or uint64_t with lo >= 0) */
    RS_FIELD_FLOAT,  /* double; bounds inclusive unless lo_open/hi_open */
    RS_FIELD_BOOL,   /* int, 0 or 1 */
    RS_FIELD_STRING, /* const char *, borrowed from the document; hi > 0:
                        at most hi bytes (it is copied into char[hi + 1]) */
    RS_FIELD_ENUM    /* int (or an enum): the index of the value in `values` */
} rs_field_type;

typedef struct rs_config_field {
    const char *key;
    rs_field_type type;
    size_t offset;             /* offsetof(the struct, the member) */
    double lo, hi;             /* INT, INT64, FLOAT */
    int lo_open, hi_open;      /* FLOAT: (lo, hi) rather than [lo, hi] */
    const char *const *values; /* ENUM: NULL-terminated names */
    const char *doc;           /* one line, for documentation and --help */
    const char *dflt;          /* the default as YAML text, applied by
                                  rs_config_fields_defaults; NULL: the
                                  owning code computes it (doc says how) */
} rs_config_field;

#define RS_FIELD_COUNT(table) (sizeof(table) / sizeof(table)[0])

/*
 * Read the fields of `table` present in mapping `map` (NULL = section
 * absent: nothing read) into `base`; absent keys keep what base holds
 * (the defaults). `section` prefixes keys in messages ("split" ->
 * 'split.kind'; NULL for the top level) and names the section for
 * unknown keys, which are any key neither in the table nor in
 * `other_keys` (NULL-terminated: keys the caller reads itself; may be
 * NULL). Returns RS_ERR_CONFIG with file:line:column on the first bad key.
 */
rs_status rs_config_fields_read(const rs_yaml_node *map, const char *section,
                                const rs_config_field *table, size_t n,
                                const char *const *other_keys, void *base, rs_error *err);

/*
 * Store every field's `dflt` into `base` (fields whose dflt is NULL are
 * left as they are). So a table is the one place a default is written:
 * a section's _default() function calls this. The texts are the table
 * author's; tests read each table's defaults back through
 * rs_config_fields_read, so a default outside its own range fails there.
 */
void rs_config_fields_defaults(const rs_config_field *table, size_t n, void *base);

/*
 * One Markdown row per field, "| `section.key` | type | default | range |
 * doc |", for docs/configuration.md (tests check the page lists them).
 * Writes at most `size` bytes (NUL-terminated); returns the length the
 * whole text needs, as snprintf does.
 */
size_t rs_config_fields_markdown(const char *section, const rs_config_field *table, size_t n,
                                 char *buf, size_t size);

#endif /* RECSYS_CONFIG_FIELDS_H */
