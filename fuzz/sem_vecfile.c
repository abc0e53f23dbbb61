/*
 * libFuzzer harness: the semantic plugin's precomputed vectors file
 * (sem_vecfile_load) on a file it did not write, loaded onto a tiny real
 * catalogue with the dimension the seeds use (4).
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "sem_vecfile.h"

#define DIM 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const rs_dataset *ds = fz_tiny_dataset();
    const char *path = fz_write("vectors.bin", data, size);
    float *vectors = malloc((size_t)ds->n_items * DIM * sizeof *vectors);
    if (!vectors)
        return 0;
    rs_error err = {0};
    sem_vecfile_load(path, DIM, ds, vectors, &err);
    free(vectors);
    return 0;
}
