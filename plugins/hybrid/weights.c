/*
 * The hybrid's weights file, <artifact dir>/weights.txt: the learned table
 * and the children it was learned for, as text so an operator can read
 * (and diff) what the blend does:
 *
 *   recsys-hybrid-weights 2
 *   children ease=ease cf=lightgcn content=semantic popularity=popularity
 *   bucket <n> queries <count> ndcg <value|nan> weights <w_ease> <w_cf> <w_content> <w_popularity>
 *   ...
 *   known queries <count> ndcg <value> weights <w_ease> <w_cf> <w_content> <w_popularity>
 *
 * The last line (version 2, optional) holds the weights of users the
 * children know; version 1 files (without it) still load.
 *
 * ("ndcg" holds the value of the metric the weights were fitted on,
 * learn_metric: NDCG@20, Recall@20 or their mean; the name is kept so
 * files written before learn_metric existed still load.)
 *   ...
 *
 * load validates everything and changes nothing on failure: a file learned
 * for other children (the config renamed one) is refused, naming both.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hybrid_internal.h"

#define WEIGHTS_FILE "weights.txt"
#define WEIGHTS_MAGIC "recsys-hybrid-weights"
#define WEIGHTS_VERSION 2

rs_status rs_hybrid_weights_save(const hybrid *h, const char *dir, rs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, WEIGHTS_FILE);
    FILE *f = fopen(path, "w");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "hybrid: cannot write %s: %s", path, strerror(errno));
    fprintf(f, "%s %d\nchildren", WEIGHTS_MAGIC, WEIGHTS_VERSION);
    for (int r = 0; r < N_ROLES; r++)
        fprintf(f, " %s=%s", rs_hybrid_role_names[r], h->child[r]);
    fputc('\n', f);
    for (size_t b = 0; b < h->n_buckets; b++) {
        fprintf(f, "bucket %d queries %zu ndcg %.6f weights", h->bucket_n[b], h->queries[b],
                h->ndcg[b]);
        for (int r = 0; r < N_ROLES; r++)
            fprintf(f, " %.6f", h->w[b][r]);
        fputc('\n', f);
    }
    if (h->has_known) {
        fprintf(f, "known queries %zu ndcg %.6f weights", h->known_queries, h->known_ndcg);
        for (int r = 0; r < N_ROLES; r++)
            fprintf(f, " %.6f", h->known_w[r]);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rs_error_set(err, RS_ERR_IO, "hybrid: cannot write %s", path);
    return RS_OK;
}

/* Parse "bucket ..." into the temporaries; 0 on a malformed line. */
static int parse_bucket(const char *line, int32_t *n, size_t *q, double *ndcg, double *w)
{
    char nd[32];
    int used = 0;
    if (strncmp(line, "known ", 6) == 0) { /* n = 0 marks the known line */
        *n = 0;
        if (sscanf(line, "known queries %zu ndcg %31s weights %n", q, nd, &used) != 2 || !used)
            return 0;
    } else if (sscanf(line, "bucket %d queries %zu ndcg %31s weights %n", n, q, nd, &used) != 3 ||
               !used || *n < 1)
        return 0;
    *ndcg = strcmp(nd, "nan") == 0 || strcmp(nd, "-nan") == 0 ? NAN : strtod(nd, NULL);
    const char *p = line + used;
    double sum = 0.0;
    for (int r = 0; r < N_ROLES; r++) {
        char *end;
        w[r] = strtod(p, &end);
        if (end == p || !(w[r] >= 0.0 && w[r] <= 1.0))
            return 0;
        sum += w[r];
        p = end;
    }
    return fabs(sum - 1.0) < 1e-3;
}

rs_status rs_hybrid_weights_load(hybrid *h, const char *dir, rs_error *err)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/%s", dir, WEIGHTS_FILE);
    FILE *f = fopen(path, "r");
    if (!f)
        return rs_error_set(err, RS_ERR_IO, "hybrid: cannot read %s: %s", path, strerror(errno));
    int32_t bn[HYB_MAX_BUCKETS];
    size_t bq[HYB_MAX_BUCKETS], nb = 0, lineno = 0;
    double bw[HYB_MAX_BUCKETS][N_ROLES], bd[HYB_MAX_BUCKETS];
    rs_status st = RS_OK;
    int version = 0, has_known = 0;
    size_t kq = 0;
    double kd = NAN, kw[N_ROLES] = {0};
    char magic[64];
    while (st == RS_OK && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (lineno == 1) {
            if (sscanf(line, "%63s %d", magic, &version) != 2 ||
                strcmp(magic, WEIGHTS_MAGIC) != 0 || version < 1 || version > WEIGHTS_VERSION)
                st = rs_error_set(err, RS_ERR_FORMAT,
                                  "hybrid: %s:1: not a version 1-%d weights "
                                  "file",
                                  path, WEIGHTS_VERSION);
        } else if (lineno == 2) {
            char want[512] = "children";
            for (int r = 0; r < N_ROLES; r++) {
                size_t l = strlen(want);
                snprintf(want + l, sizeof want - l, " %s=%s", rs_hybrid_role_names[r], h->child[r]);
            }
            if (strcmp(line, want) != 0)
                st = rs_error_set(err, RS_ERR_FORMAT,
                                  "hybrid: %s:2: learned for '%s', but this "
                                  "instance blends '%s'; refit it",
                                  path, line, want);
        } else if (has_known || nb == HYB_MAX_BUCKETS ||
                   !parse_bucket(line, &bn[nb], &bq[nb], &bd[nb], bw[nb]) ||
                   (bn[nb] == 0 && (version < 2 || !nb || isnan(bd[nb]))) ||
                   (bn[nb] && nb && bn[nb] <= bn[nb - 1])) {
            st = rs_error_set(err, RS_ERR_FORMAT,
                              "hybrid: %s:%zu: malformed %s line (known comes last, once)", path,
                              lineno, has_known ? "known" : "bucket");
        } else if (bn[nb] == 0) {
            has_known = 1;
            kq = bq[nb];
            kd = bd[nb];
            memcpy(kw, bw[nb], sizeof kw);
        } else {
            nb++;
        }
    }
    fclose(f);
    if (st == RS_OK && nb == 0)
        st = rs_error_set(err, RS_ERR_FORMAT, "hybrid: %s: no weights", path);
    if (st != RS_OK)
        return st;
    h->n_buckets = nb;
    for (size_t b = 0; b < nb; b++) {
        h->bucket_n[b] = bn[b];
        h->queries[b] = bq[b];
        h->ndcg[b] = bd[b];
        memcpy(h->w[b], bw[b], sizeof bw[b]);
    }
    h->has_known = has_known;
    h->known_queries = kq;
    h->known_ndcg = kd;
    memcpy(h->known_w, kw, sizeof kw);
    return RS_OK;
}

void rs_hybrid_weights_log(const hybrid *h, const char *how)
{
    char buf[2048];
    size_t l = 0;
    const char *metric = h->metric == RS_HYBRID_METRIC_RECALL ? "Recall"
                         : h->metric == RS_HYBRID_METRIC_BOTH ? "(NDCG+Recall)/2"
                                                              : "NDCG";
    for (size_t b = 0; b < h->n_buckets && l < sizeof buf; b++) {
        l += (size_t)snprintf(buf + l, sizeof buf - l, "%sn=%d:", b ? "; " : "", h->bucket_n[b]);
        for (int r = 0; r < N_ROLES && l < sizeof buf; r++)
            if (h->child[r][0])
                l += (size_t)snprintf(buf + l, sizeof buf - l, " %s %.3f", h->child[r], h->w[b][r]);
        if (l < sizeof buf && !isnan(h->ndcg[b]))
            l += (size_t)snprintf(buf + l, sizeof buf - l, " (%s@%d %.4f, %zu queries)", metric,
                                  HYB_NDCG_K, h->ndcg[b], h->queries[b]);
    }
    if (h->has_known && l < sizeof buf) {
        l += (size_t)snprintf(buf + l, sizeof buf - l, "; known users:");
        for (int r = 0; r < N_ROLES && l < sizeof buf; r++)
            if (h->child[r][0])
                l += (size_t)snprintf(buf + l, sizeof buf - l, " %s %.3f", h->child[r],
                                      h->known_w[r]);
        if (l < sizeof buf)
            l += (size_t)snprintf(buf + l, sizeof buf - l, " (%s@%d %.4f, %zu queries)", metric,
                                  HYB_NDCG_K, h->known_ndcg, h->known_queries);
    }
    h->host->log(h->host, RS_LOG_INFO, "hybrid: weights %s: %s", how, buf);
}
