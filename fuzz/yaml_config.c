/*
 * libFuzzer harness: every path that reads YAML a user or plugin author
 * writes. One input goes through all three:
 *   - rs_config_load: the whole config (data, instances, plugins, work_dir),
 *   - rs_descriptor_load: a plugin.yaml (name, abi, library, params schema),
 *   - rs_params_build: the input's `params:` map (or the whole document)
 *     checked against a fixed schema with every parameter type.
 * The environment variables the config reader honours are cleared so runs
 * do not depend on the caller's shell.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "fuzz_util.h"
#include "recsys/config.h"

static rs_descriptor *schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const env[] = {"RECSYS_DATA_DIR", "RECSYS_TEXT_FILE", "RECSYS_PLUGIN_PATH",
                                      "RECSYS_WORK_DIR", NULL};
    for (size_t i = 0; env[i]; i++)
        unsetenv(env[i]);
    static const char desc[] =
        "name: fz\nlibrary: libfz.so\nabi: \"1.0\"\nversion: \"0.0.1\"\n"
        "description: Fuzz schema.\nparams:\n"
        "  n: {type: int, default: 3, min: 0, max: 10000, doc: \"An int.\"}\n"
        "  r: {type: float, default: 0.5, min: 0.0, max: 1.0, doc: \"A float.\"}\n"
        "  m: {type: enum, values: [a, b], default: a, doc: \"An enum.\"}\n"
        "  on: {type: bool, default: false, doc: \"A bool.\"}\n"
        "  s: {type: string, default: x, doc: \"A string.\"}\n";
    mkdir(fz_scratch(), 0700);
    char d[300];
    snprintf(d, sizeof d, "%s/schema", fz_scratch());
    mkdir(d, 0700);
    rs_error err = {0};
    if (rs_descriptor_load(fz_write("schema/plugin.yaml", desc, sizeof desc - 1), &schema, &err) !=
        RS_OK) {
        fprintf(stderr, "fuzz: schema: %s\n", err.message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char d[300];
    snprintf(d, sizeof d, "%s/in", fz_scratch());
    mkdir(d, 0700);
    const char *path = fz_write("in/plugin.yaml", data, size);

    rs_error err = {0};
    rs_config *cfg = NULL;
    if (rs_config_load(path, &cfg, &err) == RS_OK)
        (void)rs_config_section(cfg, "server");
    rs_config_free(cfg);

    rs_descriptor *desc = NULL;
    rs_descriptor_load(path, &desc, &err);
    rs_descriptor_free(desc);

    /* The params check, on the text as a string document. */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rs_yaml_node *root = NULL;
    if (rs_yaml_load_string(text, "fuzz.yaml", &root, &err) == RS_OK) {
        const rs_yaml_node *params = rs_yaml_get(root, "params");
        rs_params *p = NULL;
        const rs_param_value *v = NULL;
        if (rs_params_build(schema, params ? params : root, "fz", &p, &err) == RS_OK &&
            rs_params_lookup(p, "s", &v) && v->s)
            (void)strlen(v->s);
        rs_params_free(p);
    }
    rs_yaml_free(root);
    free(text);
    return 0;
}
