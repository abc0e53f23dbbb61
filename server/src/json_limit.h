/* A bound on JSON nesting, checked before any recursive parser runs.
 *
 * jansson recurses once per nesting level, and civetweb's worker threads
 * have the small stack Debian compiled it with (USE_STACK_SIZE, 100 KiB):
 * about 900 levels overflow it and kill the whole process. Request bodies of
 * this API are flat objects, so a low bound costs nothing. Not a public
 * header. */
#ifndef RS_JSON_LIMIT_H
#define RS_JSON_LIMIT_H

#include <jansson.h>
#include <stddef.h>

/* Deepest nesting of arrays/objects a request body may have. */
#define RS_JSON_MAX_DEPTH 16

/* Nesting depth of the JSON text buf[0..n): brackets inside strings (with
 * their escapes) do not count. Stops scanning and returns max_depth + 1 as
 * soon as the depth exceeds max_depth, so the cost is O(n) with no
 * recursion. Malformed text is not rejected here; the parser does that. */
int rs_json_depth(const char *buf, size_t n, int max_depth);

/* Parse a request body the way every handler gets it (rs_req_json): the
 * depth bound above, then jansson with duplicate keys refused, then "must
 * be an object". Returns the object (new reference), or NULL with a
 * message for the client in msg. Safe on a 100 KiB stack; fuzz/json_body.c
 * runs it on one. */
json_t *rs_json_parse_body(const char *buf, size_t n, char *msg, size_t size);

#endif
