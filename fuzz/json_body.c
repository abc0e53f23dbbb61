/*
 * libFuzzer harness: JSON request bodies through the parse every handler
 * shares (rs_json_parse_body: the nesting bound, jansson, "must be an
 * object"), then the field reads the handlers make and the error reply's
 * serialisation.
 *
 * The parse runs on a thread with a 100 KiB stack, the size Debian's
 * civetweb gives its workers (USE_STACK_SIZE): deep nesting that overflows
 * a worker but not the fuzzer's 8 MiB main stack (issue 18, defect 1) is a
 * crash here too.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_limit.h"

#define WORKER_STACK (100 * 1024)

/* jansson is not instrumented, so coverage alone does not reward deeper
 * nesting. One libFuzzer extra counter per 16 levels does: inputs that
 * nest deeper than any before are kept and grown. */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t depth_seen[160];

typedef struct job {
    const char *buf;
    size_t n;
} job;

static void *parse(void *arg)
{
    const job *jb = arg;
    char msg[256];
    json_t *j = rs_json_parse_body(jb->buf, jb->n, msg, sizeof msg);
    if (!j) {
        /* What rs_reply_error sends: the message must serialise. */
        json_t *e = json_pack("{s:s, s:s}", "error", "bad_request", "message", msg);
        char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
        free(text);
        json_decref(e);
        return NULL;
    }
    /* The reads handlers make (credentials, rating, admin reload). */
    (void)json_string_value(json_object_get(j, "username"));
    (void)json_string_value(json_object_get(j, "password"));
    json_t *rating = json_object_get(j, "rating");
    if (json_is_number(rating))
        (void)json_number_value(rating);
    (void)json_is_true(json_object_get(j, "force"));
    (void)json_integer_value(json_object_get(j, "version"));
    /* Responses echo objects back: dumping recurses as parsing does. */
    char *text = json_dumps(j, JSON_COMPACT);
    free(text);
    json_decref(j);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    job jb = {(const char *)data, size};
    int depth = rs_json_depth(jb.buf, size, 16 * 159);
    depth_seen[depth / 16]++;
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK);
    if (pthread_create(&t, &attr, parse, &jb) != 0)
        abort();
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    return 0;
}
