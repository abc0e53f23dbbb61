#!/usr/bin/env bash
# LightGCN seconds per epoch on ml-latest-small, over several rounds spread
# in time: each round runs `lightgcn_epoch THREADS 5` (median of 5 epochs per
# graph); this prints every round, then the median and range over rounds
# and the speed-up against the reference's 1.7 s/epoch. On a shared 2-core
# machine one round can land in a slow phase; the median over rounds is the
# figure to quote.
#
#   bench/lightgcn_rounds.sh [BUILD_DIR]      (default: build)
# Env: ROUNDS (7), THREADS (2), RECSYS_SHARED_DATA (../shared/data).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
ROUNDS=${ROUNDS:-7}
THREADS=${THREADS:-2}
export RECSYS_SHARED_DATA=${RECSYS_SHARED_DATA:-$root/../shared/data}
export LGCN_BENCH_NO_GENERATED=1
bin="$build/bench/lightgcn_epoch"
[ -x "$bin" ] || { echo "lightgcn_rounds: $bin not built" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq 1 "$ROUNDS"); do
    "$bin" "$THREADS" 5 | awk -v r="$r" '
        /triad bandwidth/ { bw = $8 }
        /^ml-latest-small/ { graph = ($0 ~ /all ratings/) ? "80k" : "48k" }
        /epoch: median/ { printf "round %d %s %s s/epoch, triad %s GB/s, clock %s -> %s GHz\n", r, graph, $3, bw, $(NF - 3), $(NF - 1) }'
done | tee "$out"
for graph in 48k 80k; do
    awk -v g="$graph" '$3 == g { print $4 }' "$out" | sort -g | awk -v g="$graph" '
        { v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s graph: median %.4f s/epoch over %d rounds (range %.4f-%.4f), %.1fx the reference (1.7 s)\n",
                   g, m, NR, v[1], v[NR], 1.7 / m
        }'
done
