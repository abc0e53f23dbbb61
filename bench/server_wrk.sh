#!/usr/bin/env bash
# Load test of `recsys serve` with wrk: starts a private PostgreSQL and the
# server, registers a user with a few ratings, then runs wrk against
#   /api/recommendations?source=popularity&k=20   (authenticated, fold-in)
#   /api/movies/1/similar?k=12                    (default similar source)
# RUNS times each and prints the median req/s, p50 and p99.
#
#   bench/server_wrk.sh [BUILD_DIR]     (default: build)
# Env: RUNS (3), DURATION (10s), CONNECTIONS (16), WRK_THREADS (2),
#      SERVER_THREADS (8), CONFIG (a YAML to use instead of the generated one;
#      its server.port is overridden).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/server_lib.sh"
build=$(cd "${1:-$root/build}" && pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-8}
data=${RECSYS_SHARED_DATA:-$root/../shared/data}
work="$build/bench-server"
mkdir -p "$work"
chmod 755 "$work"

command -v wrk >/dev/null || { echo "server_wrk: wrk not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$build/recsys" ] || { echo "server_wrk: $build/recsys not built" >&2; exit 1; }

url=$("$root/scripts/pg-cluster" start "$work/pg")
cfg=${CONFIG:-$work/bench.yaml}
if [ -z "${CONFIG:-}" ]; then
  extra=""
  [ -f "$build/plugins/test_genre/plugin.yaml" ] && extra="  - {name: genre, plugin: test_genre}"
  cat >"$cfg" <<YAML
data:
  dir: $data/ml-latest-small
  text_file: $data/movie-text/ml-latest-small_text.csv
work_dir: $work/work
plugins:
  path: [$build/plugins]
instances:
  - {name: popularity, plugin: popularity}
$extra
server:
  threads: $SERVER_THREADS
  default_source: popularity
  login_per_ip_per_min: 1000
YAML
fi

log="$work/server.log"
RECSYS_DATABASE_URL=$url "$build/recsys" serve --config "$cfg" --port 0 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  "$root/scripts/pg-cluster" stop "$work/pg"
}
trap cleanup EXIT
base=$(server_wait "$log" "$pid")

cookie=$(server_user "$base" "$work/cookies" "bench$RANDOM$RANDOM" 4.5 \
  1 260 296 318 356 480 589 1196 2571 4993)

# wrk --latency prints "50%  1.23ms"; convert every unit to milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
median() { sort -g | awk 'NF {a[++n] = $1} END {print a[int((n + 1) / 2)]}'; }

bench() {
  local name=$1 path=$2 rps="" p50="" p99=""
  for _ in $(seq 1 "$RUNS"); do
    out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
          -H "Cookie: rs_session=$cookie" "$base$path")
    echo "$out" >"$work/wrk-last.txt"
    rps+="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"$'\n'
    p50+="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"$'\n'
    p99+="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"$'\n'
    if grep -q "Non-2xx" <<<"$out"; then
      echo "server_wrk: $name: non-2xx responses:" >&2
      grep "Non-2xx" <<<"$out" >&2
    fi
  done
  printf "%-28s req/s %9s   p50 %7s ms   p99 %7s ms   (median of %s x %s, %s connections)\n" \
    "$name" "$(median <<<"$rps")" "$(median <<<"$p50")" "$(median <<<"$p99")" \
    "$RUNS" "$DURATION" "$CONNECTIONS"
}

echo "server_wrk: $base, $(nproc) cores, server threads $SERVER_THREADS"
bench "recommendations popularity" "/api/recommendations?source=popularity&k=20"
bench "similar (default source)" "/api/movies/1/similar?k=12"
grep -q "name: genre" "$cfg" && bench "recommendations genre" "/api/recommendations?source=genre&k=20"
bench "movies search" "/api/movies?query=star&page_size=24"
exit 0
