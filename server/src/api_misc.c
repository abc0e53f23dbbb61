/* Operations: health, metrics, the latest evaluation report. */
#include "server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *model_versions(const rs_server *s)
{
    json_t *m = json_object();
    for (size_t i = 0; i < rs_engine_instance_count(s->engine); i++) {
        const char *name = rs_engine_instance_name(s->engine, i);
        json_object_set_new(m, name, json_integer(rs_engine_instance_version(s->engine, name)));
    }
    return m;
}

/* 200 only when this replica should get traffic: the load balancer's
 * check (docs/scaling.md). 503 while the database is unreachable
 * ("degraded"), while a cluster replica has not yet loaded the cluster's
 * model versions ("starting") and once SIGTERM made it drain. */
void rs_api_health(rs_req *r)
{
    rs_error err = {0};
    int db_ok = rs_db_ping(r->srv->db, &err) == RS_OK;
    rs_replica_state rst = rs_replica_get_state(r->srv->replica);
    int ready = db_ok && rst == RS_REPLICA_READY;
    const char *status = !db_ok ? "degraded" : ready ? "ok" : rs_replica_state_str(rst);
    rs_reply_json(r, ready ? 200 : 503,
                  json_pack("{s:s, s:s, s:o, s:s, s:s}", "status", status, "database",
                            db_ok ? "ok" : "unreachable", "models", model_versions(r->srv),
                            "replica", rs_replica_id(r->srv->replica), "state",
                            rs_replica_state_str(rst)));
}

void rs_api_metrics(rs_req *r)
{
    rs_engine *e = r->srv->engine;
    char *extra = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&extra, &len);
    if (f) {
        fputs("# HELP recsys_model_version Serving version of each instance.\n"
              "# TYPE recsys_model_version gauge\n",
              f);
        for (size_t i = 0; i < rs_engine_instance_count(e); i++) {
            const char *name = rs_engine_instance_name(e, i);
            const rs_plugin_entry *pe = rs_engine_instance_entry(e, name);
            fprintf(
                f,
                "recsys_model_version{instance=\"%s\",plugin=\"%s\",plugin_version=\"%s\"} %lld\n",
                name, pe ? pe->name : "", pe && pe->version ? pe->version : "",
                (long long)rs_engine_instance_version(e, name));
        }
        if (r->srv->exposures) /* the batch writer (exposure_queue.h) */
            fprintf(f,
                    "# HELP recsys_exposures_dropped_total Exposure rows not logged: queue"
                    " full or batch refused.\n"
                    "# TYPE recsys_exposures_dropped_total counter\n"
                    "recsys_exposures_dropped_total %llu\n"
                    "# HELP recsys_exposures_written_total Exposure rows written in batches.\n"
                    "# TYPE recsys_exposures_written_total counter\n"
                    "recsys_exposures_written_total %llu\n",
                    (unsigned long long)rs_exposure_queue_dropped(r->srv->exposures),
                    (unsigned long long)rs_exposure_queue_written(r->srv->exposures));
        fclose(f);
    }
    char *text = rs_metrics_render(r->srv->metrics, extra);
    free(extra);
    if (!text) {
        rs_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    rs_reply_raw(r, 200, "text/plain; version=0.0.4", text, strlen(text), NULL);
    free(text);
}

void rs_api_evaluation(rs_req *r)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/eval/report.json", r->srv->opt.work_dir);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        FILE *f = fopen(path, "r");
        if (!f) {
            rs_reply_error(r, 404, "not_found", "no evaluation report yet (run `recsys evaluate`)");
            return;
        }
        fclose(f);
        rs_reply_error(r, 500, "internal", "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return;
    }
    rs_reply_json(r, 200, j);
}
