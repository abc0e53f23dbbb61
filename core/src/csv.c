#include "recsys/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rs_csv {
    char *data; /* whole input, NUL-terminated */
    size_t len, pos;
    size_t line;        /* physical line at pos */
    size_t record_line; /* line where the current record started */
    char *buf;          /* unescaped fields, each NUL-terminated */
    size_t buf_cap;
    size_t *offsets; /* field start offsets into buf */
    size_t n_fields, fields_cap;
    char *name;
};

static rs_status csv_init(rs_csv **out, char *data, size_t len, const char *name, rs_error *err)
{
    rs_csv *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        free(data);
        return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", name);
    }
    c->data = data;
    c->len = len;
    c->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3; /* UTF-8 byte order mark */
    *out = c;
    return RS_OK;
}

rs_status rs_csv_open(const char *path, rs_csv **out, rs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *data = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return rs_error_set(err, RS_ERR_IO, "%s: cannot seek", path);
    }
    data = malloc((size_t)size + 1);
    if (!data) {
        fclose(f);
        return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t got = fread(data, 1, (size_t)size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != (size_t)size) {
        free(data);
        return rs_error_set(err, RS_ERR_IO, "%s: read failed", path);
    }
    data[got] = '\0';
    return csv_init(out, data, got, path, err);
}

rs_status rs_csv_open_buffer(const char *data, size_t len, const char *name, rs_csv **out,
                             rs_error *err)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", name);
    memcpy(copy, data, len);
    copy[len] = '\0';
    return csv_init(out, copy, len, name, err);
}

void rs_csv_free(rs_csv *c)
{
    if (!c)
        return;
    free(c->data);
    free(c->buf);
    free(c->offsets);
    free(c->name);
    free(c);
}

static int buf_reserve(rs_csv *c, size_t need)
{
    if (need <= c->buf_cap)
        return 0;
    size_t cap = c->buf_cap ? c->buf_cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(c->buf, cap);
    if (!b)
        return -1;
    c->buf = b;
    c->buf_cap = cap;
    return 0;
}

static int field_start(rs_csv *c, size_t at)
{
    if (c->n_fields == c->fields_cap) {
        size_t cap = c->fields_cap ? c->fields_cap * 2 : 16;
        size_t *o = realloc(c->offsets, cap * sizeof *o);
        if (!o)
            return -1;
        c->offsets = o;
        c->fields_cap = cap;
    }
    c->offsets[c->n_fields++] = at;
    return 0;
}

int rs_csv_next(rs_csv *c, rs_error *err)
{
    c->n_fields = 0;
    /* Skip blank lines between records. */
    while (c->pos < c->len && (c->data[c->pos] == '\n' || c->data[c->pos] == '\r')) {
        if (c->data[c->pos] == '\n')
            c->line++;
        c->pos++;
    }
    if (c->pos >= c->len)
        return 0;
    c->record_line = c->line;
    /* The unescaped record is never longer than the raw bytes left. */
    if (buf_reserve(c, c->len - c->pos + 2) != 0) {
        rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", c->name);
        return -1;
    }
    size_t w = 0;
    for (;;) {
        if (field_start(c, w) != 0) {
            rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", c->name);
            return -1;
        }
        if (c->pos < c->len && c->data[c->pos] == '"') {
            size_t open_line = c->line;
            c->pos++;
            for (;;) {
                if (c->pos >= c->len) {
                    rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: unterminated quoted field", c->name,
                                 open_line);
                    return -1;
                }
                char ch = c->data[c->pos++];
                if (ch == '"') {
                    if (c->pos < c->len && c->data[c->pos] == '"') {
                        c->buf[w++] = '"';
                        c->pos++;
                        continue;
                    }
                    break;
                }
                if (ch == '\n')
                    c->line++;
                c->buf[w++] = ch;
            }
            char nx = c->pos < c->len ? c->data[c->pos] : '\n';
            if (nx != ',' && nx != '\n' && nx != '\r') {
                rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: unexpected character after closing quote",
                             c->name, c->line);
                return -1;
            }
        } else {
            while (c->pos < c->len) {
                char ch = c->data[c->pos];
                if (ch == ',' || ch == '\n' || ch == '\r')
                    break;
                if (ch == '"') {
                    rs_error_set(err, RS_ERR_FORMAT, "%s:%zu: quote inside unquoted field", c->name,
                                 c->line);
                    return -1;
                }
                c->buf[w++] = ch;
                c->pos++;
            }
        }
        c->buf[w++] = '\0';
        if (c->pos < c->len && c->data[c->pos] == ',') {
            c->pos++;
            continue;
        }
        if (c->pos < c->len && c->data[c->pos] == '\r')
            c->pos++;
        if (c->pos < c->len && c->data[c->pos] == '\n') {
            c->pos++;
            c->line++;
        }
        return 1;
    }
}

size_t rs_csv_field_count(const rs_csv *c) { return c->n_fields; }

const char *rs_csv_field(const rs_csv *c, size_t i)
{
    return i < c->n_fields ? c->buf + c->offsets[i] : "";
}

size_t rs_csv_line(const rs_csv *c) { return c->record_line; }
const char *rs_csv_name(const rs_csv *c) { return c->name; }

int rs_csv_column(const rs_csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_fields; i++)
        if (strcmp(rs_csv_field(c, i), name) == 0)
            return (int)i;
    return -1;
}

int rs_parse_int64(const char *s, int64_t *out)
{
    char *end;
    if (!*s)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int rs_parse_double(const char *s, double *out)
{
    char *end;
    if (!*s)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}
