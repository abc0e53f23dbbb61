/* Write every output file of a sweep into one directory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recsys/eval.h"
#include "recsys/fsutil.h"
#include "recsys/log.h"

rs_status rs_eval_write_all(const rs_eval_report *r, const char *dir, rs_error *err)
{
    if (rs_mkdir_p(dir) != 0)
        return rs_error_set(err, RS_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    char path[4096];
    rs_status st;
    snprintf(path, sizeof path, "%s/report.json", dir);
    if ((st = rs_eval_write_json(r, path, err)))
        return st;
    snprintf(path, sizeof path, "%s/report.csv", dir);
    if ((st = rs_eval_write_csv(r, path, err)))
        return st;
    snprintf(path, sizeof path, "%s/report.md", dir);
    if ((st = rs_eval_write_md(r, path, err)))
        return st;
    st = rs_eval_write_chart(r, dir, err);
    if (st == RS_ERR_UNSUPPORTED) {
        /* The numbers are all written; only the picture is missing. */
        rs_log(RS_LOG_WARN, "eval", "%s", err ? err->message : "no gnuplot; chart skipped");
        return RS_OK;
    }
    return st;
}
