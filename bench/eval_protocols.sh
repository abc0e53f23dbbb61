#!/usr/bin/env bash
# Wall time of each phase of `recsys eval` (load, sparsity sweep, new-user
# fits, new-user queries and statistics, taste probes, total) on
# ml-latest-small, median over REPS runs of bench_eval. The issue's budget:
# both protocols under 2 minutes on 2 cores with the default instances.
# The machine may be shared: the script prints the load average before and
# after, and the median is the figure to quote.
#
#   bench/eval_protocols.sh [EVAL_FILE] [BUILD_DIR]
#     EVAL_FILE default evaluation/sparsity.yaml (sweep + new users + probes)
# Env: REPS (3), RECSYS_DATA_DIR (../shared/data/ml-latest-small beside the
# project), CPUS (taskset list, e.g. 0,1; default: no pinning).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$root/evaluation/sparsity.yaml}
build=$(cd "${2:-$root/build}" && pwd)
REPS=${REPS:-3}
export RECSYS_DATA_DIR=${RECSYS_DATA_DIR:-$root/../shared/data/ml-latest-small}
export RECSYS_PLUGIN_PATH=${RECSYS_PLUGIN_PATH:-$build/plugins}
if [ -z "${RECSYS_WORK_DIR:-}" ]; then
    RECSYS_WORK_DIR=$(mktemp -d)
    trap 'rm -rf "$RECSYS_WORK_DIR"' EXIT
fi
export RECSYS_WORK_DIR
bin="$build/bench/bench_eval"
[ -x "$bin" ] || { echo "eval_protocols: $bin not built (cmake --build $build --target bench_eval)" >&2; exit 1; }
pin=()
[ -n "${CPUS:-}" ] && pin=(taskset -c "$CPUS")
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"${pin[@]}" "$bin" --phases-only --reps "$REPS" --sweep "$file"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
