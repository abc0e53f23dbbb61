/*
 * RFC 4180 CSV reader: quoted fields with commas, doubled quotes and
 * newlines, CRLF or LF line ends, a UTF-8 BOM. Records are read one at a
 * time; field pointers stay valid until the next rs_csv_next call.
 *
 * Written here rather than taken from a library: Debian's libcsv would do,
 * but it is callback-driven and does not track the physical line of each
 * record, which every error message here must name.
 */
#ifndef RECSYS_CSV_H
#define RECSYS_CSV_H

#include "recsys/plugin.h"

typedef struct rs_csv rs_csv;

rs_status rs_csv_open(const char *path, rs_csv **out, rs_error *err);
/* Parse an in-memory buffer (copied); `name` is used in messages. */
rs_status rs_csv_open_buffer(const char *data, size_t len, const char *name, rs_csv **out,
                             rs_error *err);
void rs_csv_free(rs_csv *c);

/* Read the next record: 1 = a record, 0 = end of input, -1 = malformed
 * input (err says "file:line: reason"). */
int rs_csv_next(rs_csv *c, rs_error *err);

size_t rs_csv_field_count(const rs_csv *c);
/* NUL-terminated field i of the current record ("" when i is out of range). */
const char *rs_csv_field(const rs_csv *c, size_t i);
/* Physical line where the current record started (1-based). */
size_t rs_csv_line(const rs_csv *c);
const char *rs_csv_name(const rs_csv *c);

/* Index of the header column called `name` in the current record, or -1. */
int rs_csv_column(const rs_csv *c, const char *name);

/* Strict numeric field parsers: the whole field must be a number. */
int rs_parse_int64(const char *s, int64_t *out);
int rs_parse_double(const char *s, double *out);

#endif /* RECSYS_CSV_H */
