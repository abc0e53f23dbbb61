/*
 * libFuzzer harness: the LightGCN artifact loader (lgcn_artifact_load) on
 * a file it did not write, indexed onto a tiny real catalogue.
 *
 * The format carries CRC-32s of its header and payload; random bytes would
 * almost never get past them. The harness recomputes both before loading
 * (what a hand-made or maliciously crafted file would do), so the fuzzer
 * reaches the header checks, the size arithmetic and the indexing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "lgcn_artifact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const rs_dataset *ds = fz_tiny_dataset();
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size >= 64) {
        fz_put_u32(buf + 56, lgcn_crc32(0, buf + 64, size - 64));
        fz_put_u32(buf + 60, lgcn_crc32(0, buf, 60));
    }
    char d[300];
    snprintf(d, sizeof d, "%s/lgcn", fz_scratch());
    mkdir(d, 0700);
    fz_write("lgcn/" LGCN_ARTIFACT_FILE, buf, size);
    free(buf);
    lgcn_model *m = NULL;
    rs_error err = {0};
    lgcn_artifact_load(d, ds, &m, &err);
    lgcn_model_free(m);
    return 0;
}
