/*
 * Internal: the MANIFEST beside an instance's artifacts records what made
 * them (plugin, version, ABI, every param's value, and fingerprints of the
 * training data and of the host's base dataset), so the engine never serves
 * a model built for another config or other data without saying so.
 *
 * Format: "key: value" lines.
 *   plugin: lightgcn           version: 1.0.0      abi: 1.1
 *   saved_at: <unix seconds>
 *   data: fnv1a64:<16 hex>, <U> users, <I> items, <R> ratings
 *   base: (the same for the host's dataset when the model was fitted)
 *   param.<key>: <value>       one per descriptor param, in schema order
 */
#ifndef RS_MANIFEST_H
#define RS_MANIFEST_H

#include <stddef.h>

#include "descriptor.h"

#define RS_FINGERPRINT_MAX 128

/* Where a serving version came from: fingerprints of the dataset its fit
 * saw (`data`) and of the host's dataset at that time (`base`); they differ
 * for lifecycle retrains, which fit on base + app ratings. "" = unknown. */
typedef struct rs_provenance {
    char data[RS_FINGERPRINT_MAX];
    char base[RS_FINGERPRINT_MAX];
} rs_provenance;

/* FNV-1a 64 over the dataset's user and movie ids, ratings (items, values,
 * timestamps), CF flags and catalogue text, with its sizes in clear. */
void rs_dataset_fingerprint(const rs_dataset *d, char *out, size_t cap);

/* Write <dir>/MANIFEST. */
rs_status rs_manifest_write(const char *dir, const rs_descriptor *desc, const char *plugin_version,
                            const rs_params *params, const rs_provenance *prov, rs_error *err);

/* Whether <dir>/MANIFEST was written by this plugin with these params and,
 * when base_fp is not NULL, against this base dataset. Returns 0 when it
 * matches (and fills *prov, which may be NULL, from it); otherwise 1 with
 * `why` naming the first differing field and both values ("param epochs =
 * 30 in the MANIFEST, 60 in the config"). */
int rs_manifest_differs(const char *dir, const rs_descriptor *desc, const rs_params *params,
                        const char *base_fp, rs_provenance *prov, char *why, size_t cap);

#endif
