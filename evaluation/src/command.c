/* `recsys eval` once cli/ has parsed its arguments: load, run, write, and
 * map the outcome to an exit code. */
#include <stdio.h>

#include "recsys/eval.h"
#include "recsys/log.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static int fail(const rs_error *err)
{
    fprintf(stderr, "recsys eval: error: %s\n", err->message);
    return err->code == RS_ERR_CONFIG ? EXIT_USAGE : EXIT_RUNTIME;
}

int rs_eval_command_run(const rs_eval_command *cmd)
{
    if (cmd->run.quiet)
        rs_log_set_level(RS_LOG_WARN);
    rs_error err = {RS_OK, ""};
    rs_eval_config *cfg = NULL;
    rs_eval_report *rep = NULL;
    if (rs_eval_config_load(cmd->config_path, &cfg, &err) != RS_OK)
        return fail(&err);
    rs_config *host = NULL;
    if (rs_config_load(cfg->host_config, &host, &err) != RS_OK ||
        rs_eval_config_apply_host(cfg, host, &err) != RS_OK) {
        rs_config_free(host);
        rs_eval_config_free(cfg);
        return fail(&err);
    }
    rs_config_free(host);
    const char *out_dir = cmd->out_dir ? cmd->out_dir : cfg->output_dir;
    int rc = EXIT_OK;
    if (rs_eval_run(cfg, &cmd->run, &rep, &err) != RS_OK ||
        rs_eval_write_all(rep, out_dir, &err) != RS_OK)
        rc = fail(&err);
    else
        printf("%s/report.md\n", out_dir);
    if (rc == EXIT_OK && rep->n_failures > 0) {
        fprintf(stderr,
                "recsys eval: error: %zu (level, instance) cell%s failed; "
                "see the Failures section of the report\n",
                rep->n_failures, rep->n_failures == 1 ? "" : "s");
        rc = EXIT_RUNTIME;
    }
    rs_eval_report_free(rep);
    rs_eval_config_free(cfg);
    return rc;
}
