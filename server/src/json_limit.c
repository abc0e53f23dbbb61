/* Iterative nesting scan; see json_limit.h for why it exists. */
#include "json_limit.h"

#include <stdio.h>

int rs_json_depth(const char *buf, size_t n, int max_depth)
{
    int depth = 0, deepest = 0, in_string = 0;
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++; /* skip the escaped character, whatever it is */
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > max_depth)
                    return max_depth + 1;
            }
        } else if (c == ']' || c == '}') {
            if (depth > 0)
                depth--;
        }
    }
    return deepest;
}

json_t *rs_json_parse_body(const char *buf, size_t n, char *msg, size_t size)
{
    if (rs_json_depth(buf, n, RS_JSON_MAX_DEPTH) > RS_JSON_MAX_DEPTH) {
        snprintf(msg, size, "the request body nests arrays/objects deeper than %d levels",
                 RS_JSON_MAX_DEPTH);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(msg, size, "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(msg, size, "the request body must be a JSON object");
        return NULL;
    }
    return j;
}
