/* LightGCN through the real host: descriptor validation, engine fit, save,
 * load_or_train, hot reload and refusal of a corrupt artifact. */
#include <math.h>

#include "host_fixture.h"

#define GCN "  - name: gcn\n    plugin: lightgcn\n    params: {%s}\n"

static void open_with(hf *f, const char *params)
{
    char inst[512];
    rs_error err = {0};
    hf_setup(f);
    snprintf(inst, sizeof inst, GCN, params);
    hf_write_config(f, inst, NULL);
    ck_assert_msg(hf_open(f, &err) == RS_OK, "%s", err.message);
}

START_TEST(train_save_serve_reload)
{
    hf f;
    rs_error err = {0};
    open_with(&f, "epochs: 20, dim: 8, batch_size: 4, lr: 0.05");
    ck_assert_msg(rs_engine_load_or_train(f.engine, 0, &err) == RS_OK, "%s", err.message);
    /* user 1 rated A (5) and B (3): only C and D may come back. */
    rs_rating r[] = {{0, 5.0f, 0}, {1, 3.0f, 0}};
    rs_query q = RS_QUERY(1, r, 2, NULL, 0);
    rs_scored out[4], again[4];
    rs_explanation ex[4];
    size_t n, m;
    ck_assert_int_eq(rs_engine_recommend(f.engine, "gcn", &q, 4, out, ex, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 2);
    for (size_t k = 0; k < n; k++) {
        ck_assert(out[k].item == 2 || out[k].item == 3);
        ck_assert_int_eq(ex[k].because_item, 0); /* the only positive */
        ck_assert_str_eq(ex[k].parts[0].source, "gcn");
    }
    /* The artifact is where the engine says, and a reload serves the same. */
    char path[4300];
    snprintf(path, sizeof path, "%s/lightgcn.bin", rs_engine_artifact_dir(f.engine, "gcn"));
    FILE *fp = fopen(path, "r+b");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(rs_engine_reload(f.engine, "gcn", NULL, &err), RS_OK);
    ck_assert_int_eq(rs_engine_recommend(f.engine, "gcn", &q, 4, again, NULL, &m, &err), RS_OK);
    ck_assert_uint_eq(m, n);
    ck_assert_int_eq(memcmp(out, again, n * sizeof *out), 0);
    /* Flip a payload byte: the reload is refused, serving is untouched. */
    fseek(fp, 100, SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, 100, SEEK_SET);
    fputc(c ^ 0x40, fp);
    fclose(fp);
    ck_assert_int_eq(rs_engine_reload(f.engine, "gcn", NULL, &err), RS_ERR_FORMAT);
    tu_assert_contains(err.message, "checksum");
    ck_assert_int_eq(rs_engine_recommend(f.engine, "gcn", &q, 4, again, NULL, &m, &err), RS_OK);
    ck_assert_int_eq(memcmp(out, again, n * sizeof *out), 0);
    /* similar and score through the engine. */
    ck_assert_int_eq(rs_engine_similar(f.engine, "gcn", 0, 3, out, &n, &err), RS_OK);
    ck_assert_uint_eq(n, 3);
    int32_t items[] = {2, 3};
    float sc[2];
    ck_assert_int_eq(rs_engine_score(f.engine, "gcn", &q, items, 2, sc, &err), RS_OK);
    ck_assert(!isnan(sc[0]) && !isnan(sc[1]));
    hf_teardown(&f);
}
END_TEST

/* The descriptor's schema is enforced by the host before the plugin runs. */
static void refused(const char *params, const char *needle)
{
    hf f;
    char inst[512];
    rs_error err = {0};
    hf_setup(&f);
    snprintf(inst, sizeof inst, GCN, params);
    hf_write_config(&f, inst, NULL);
    ck_assert_int_ne(hf_open(&f, &err), RS_OK);
    tu_assert_contains(err.message, needle);
    hf_teardown(&f);
}

START_TEST(schema_refuses_bad_params)
{
    refused("layers: 99", "layers");
    refused("dimm: 8", "dimm");
    refused("similar_metric: euclid", "similar_metric");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("lightgcn_engine");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, train_save_serve_reload);
    tcase_add_test(tc, schema_refuses_bad_params);
    suite_add_tcase(s, tc);
    return s;
}

RS_CHECK_MAIN(make_suite)
