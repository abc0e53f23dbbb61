/* GET /api/posters/{id}: the TMDB poster when a key is configured (looked
 * up server-side, cached on disk, answered with a redirect to the image so
 * the key never reaches the browser), otherwise a generated SVG. */
#include "server_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMDB_API "https://api.themoviedb.org/3/movie/%lld?api_key=%s"
#define TMDB_IMAGE "https://image.tmdb.org/t/p/w342"
/* A poster lookup runs on a request thread; never hold it long. */
#define TMDB_TIMEOUT_S 4L

static void xml_escape(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(s[i], f);
        }
    }
}

/* Split the title into lines of at most ~16 characters at spaces. */
static int wrap(const char *t, const char **start, size_t *len, int max_lines)
{
    int n = 0;
    while (*t && n < max_lines) {
        while (*t == ' ')
            t++;
        if (!*t)
            break;
        size_t take = strlen(t);
        if (take > 16) {
            take = 16;
            while (take > 0 && t[take] != ' ')
                take--;
            if (take == 0)
                take = 16;
            /* never cut a UTF-8 sequence */
            while (take > 0 && ((unsigned char)t[take] & 0xC0) == 0x80)
                take--;
        }
        start[n] = t;
        len[n++] = take;
        t += take;
    }
    return n;
}

/* The title as people write it: MovieLens's "Matrix, The" reads "The
 * Matrix" on the poster, as in the web app (alternative titles in
 * parentheses are kept as they are). */
static void natural_title(const char *t, char *out, size_t cap)
{
    static const char *const articles[] = {"The", "A",  "An", "Les", "La",  "Le",
                                           "L'",  "Il", "El", "Das", "Der", "Die"};
    const char *paren = strstr(t, " (");
    size_t main_len = paren ? (size_t)(paren - t) : strlen(t);
    for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++) {
        size_t an = strlen(articles[i]);
        if (main_len < an + 3 || strncmp(t + main_len - an - 2, ", ", 2) != 0 ||
            strncmp(t + main_len - an, articles[i], an) != 0)
            continue;
        int apostrophe = articles[i][an - 1] == '\'';
        snprintf(out, cap, "%s%s%.*s%s", articles[i], apostrophe ? "" : " ",
                 (int)(main_len - an - 2), t, t + main_len);
        return;
    }
    snprintf(out, cap, "%s", t);
}

static void send_svg(rs_req *r, const rs_item_meta *m)
{
    char title[512];
    natural_title(m->title ? m->title : "", title, sizeof title);
    /* A stable colour per movie: hue from a hash of its id. */
    uint64_t h = (uint64_t)m->movie_id * 0x9E3779B97F4A7C15ull;
    int hue = (int)((h >> 32) % 360);
    char *svg = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&svg, &n);
    if (!f) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"342\" height=\"513\" "
               "viewBox=\"0 0 342 513\" role=\"img\" aria-label=\"");
    xml_escape(f, title, (size_t)-1);
    fprintf(f,
            "\"><defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
            "<stop offset=\"0\" stop-color=\"hsl(%d,55%%,42%%)\"/>"
            "<stop offset=\"1\" stop-color=\"hsl(%d,60%%,18%%)\"/></linearGradient></defs>"
            "<rect width=\"342\" height=\"513\" fill=\"url(#g)\"/>",
            hue, (hue + 30) % 360);
    const char *start[6];
    size_t len[6];
    int lines = wrap(title, start, len, 6);
    int y = 220 - lines * 18;
    fputs("<g fill=\"#fff\" font-family=\"system-ui,sans-serif\" text-anchor=\"middle\">", f);
    for (int i = 0; i < lines; i++, y += 38) {
        fprintf(f, "<text x=\"171\" y=\"%d\" font-size=\"30\" font-weight=\"600\">", y);
        xml_escape(f, start[i], len[i]);
        fputs("</text>", f);
    }
    if (m->year)
        fprintf(f, "<text x=\"171\" y=\"%d\" font-size=\"22\" opacity=\"0.8\">%d</text>", y + 16,
                (int)m->year);
    fputs("</g></svg>", f);
    fclose(f);
    r->status = 200;
    mg_printf(r->conn,
              "HTTP/1.1 200 OK\r\nContent-Type: image/svg+xml\r\nContent-Length: %zu\r\n"
              "Cache-Control: public, max-age=86400\r\nX-Content-Type-Options: nosniff\r\n\r\n",
              n);
    mg_write(r->conn, svg, n);
    free(svg);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    FILE *f = ud;
    return fwrite(p, size, n, f);
}

/* Ask TMDB for the poster path; "" when it has none. -1 on failure. */
static int tmdb_lookup(const char *key, int64_t tmdb_id, char *path, size_t size)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return -1;
    char url[512];
    snprintf(url, sizeof url, TMDB_API, (long long)tmdb_id, key);
    char *body = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&body, &n);
    if (!f) {
        curl_easy_cleanup(curl);
        return -1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, TMDB_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    fclose(f);
    int ret = -1;
    if (rc == CURLE_OK && (code == 200 || code == 404)) {
        json_t *j = code == 200 ? json_loadb(body, n, 0, NULL) : NULL;
        const char *p = json_string_value(json_object_get(j, "poster_path"));
        snprintf(path, size, "%s", p && p[0] == '/' && !strpbrk(p, "\r\n\"") ? p : "");
        json_decref(j);
        ret = 0;
    }
    free(body);
    return ret;
}

/* Cached poster path for the movie: 1 found (path may be "" = none), 0
 * not cached. */
static int cache_read(const char *file, char *path, size_t size)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    if (!fgets(path, (int)size, f))
        path[0] = '\0';
    fclose(f);
    path[strcspn(path, "\r\n")] = '\0';
    return 1;
}

static void cache_write(const char *dir, const char *file, const char *path)
{
    mkdir(dir, 0755);
    char tmp[1400];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", file, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%s\n", path);
    /* rename is atomic: concurrent readers see the old or the new file. */
    if (fclose(f) == 0)
        rename(tmp, file);
    else
        unlink(tmp);
}

#define RETRY_AFTER_S 600

static int recently_failed(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 && time(NULL) - st.st_mtime < RETRY_AFTER_S;
}

void rs_api_poster(rs_req *r)
{
    int32_t item = rs_movielens_item_index(r->srv->ml, r->id);
    if (item < 0) {
        rs_reply_error(r, 404, "not_found", "no movie with id %lld", (long long)r->id);
        return;
    }
    const rs_item_meta *m = &r->srv->data->items[item];
    const char *key = r->srv->opt.tmdb_api_key;
    if (key[0] && m->tmdb_id > 0) {
        char dir[1100], file[1200], path[256];
        snprintf(dir, sizeof dir, "%s/posters", r->srv->opt.work_dir);
        snprintf(file, sizeof file, "%s/%lld.path", dir, (long long)m->movie_id);
        char failed[1300];
        snprintf(failed, sizeof failed, "%s.failed", file);
        int cached = cache_read(file, path, sizeof path);
        if (!cached && !recently_failed(failed)) {
            if (tmdb_lookup(key, m->tmdb_id, path, sizeof path) == 0) {
                cache_write(dir, file, path);
                cached = 1;
            } else {
                /* Offline or TMDB down: remember for a while, so every
                 * poster on a page does not wait for the timeout. */
                cache_write(dir, failed, "");
            }
        }
        if (cached && path[0]) {
            char hdr[400];
            snprintf(hdr, sizeof hdr,
                     "Location: " TMDB_IMAGE "%s\r\n"
                     "Cache-Control: public, max-age=86400\r\n",
                     path);
            r->status = 302;
            mg_printf(r->conn, "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n%s\r\n", hdr);
            return;
        }
    }
    send_svg(r, m);
}
