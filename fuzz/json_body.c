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

/* Length of the string token at buf[i] (a quote) when it is one jansson
 * surely accepts (printable ASCII, simple escapes), else 0. */
static size_t plain_string(const char *buf, size_t n, size_t i)
{
    for (size_t k = i + 1; k < n; k++) {
        unsigned char c = (unsigned char)buf[k];
        if (c == '"')
            return k - i + 1;
        if (c < 0x20 || c > 0x7e)
            return 0;
        if (c == '\\' && (++k >= n || !strchr("\"\\/bfnrt", buf[k])))
            return 0;
    }
    return 0;
}

/* Length of a literal or integer at buf[i] jansson surely accepts, else 0. */
static size_t plain_scalar(const char *buf, size_t n, size_t i)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t w = 0; w < 3; w++)
        if (n - i >= strlen(words[w]) && memcmp(buf + i, words[w], strlen(words[w])) == 0)
            return strlen(words[w]);
    size_t k = i + (buf[i] == '-');
    if (k < n && buf[k] == '0')
        return k + 1 - i;
    size_t d = k;
    while (d < n && buf[d] >= '0' && buf[d] <= '9')
        d++;
    return d > k ? d - i : 0;
}

/* How deep a recursive parser surely gets into buf before its first
 * syntax error: a small iterative JSON grammar that accepts only tokens
 * jansson accepts, so brackets count only where jansson recurses on them. */
static int reachable_depth(const char *buf, size_t n)
{
    static char open[1 << 14]; /* '[' or '{' per level */
    enum { VALUE, KEY, COLON, AFTER } st = VALUE;
    int depth = 0, deepest = 0;
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        size_t len;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (st == VALUE && (c == '[' || c == '{') && depth < (int)sizeof open) {
            open[depth++] = c;
            deepest = depth > deepest ? depth : deepest;
            st = c == '[' ? VALUE : KEY;
        } else if ((c == ']' || c == '}') && depth > 0 &&
                   open[depth - 1] == (c == ']' ? '[' : '{') &&
                   (st == AFTER || (st == KEY && c == '}'))) {
            depth--;
            st = AFTER;
        } else if (c == ',' && st == AFTER && depth > 0) {
            st = open[depth - 1] == '[' ? VALUE : KEY;
        } else if (c == ':' && st == COLON) {
            st = VALUE;
        } else if (c == '"' && (st == VALUE || st == KEY) && (len = plain_string(buf, n, i))) {
            i += len - 1;
            st = st == KEY ? COLON : AFTER;
        } else if (st == VALUE && (len = plain_scalar(buf, n, i))) {
            i += len - 1;
            st = AFTER;
        } else {
            break;
        }
    }
    return deepest;
}

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
    int depth = reachable_depth(jb.buf, size);
    depth_seen[depth / 16 < 159 ? depth / 16 : 159]++;
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
