#!/usr/bin/env bash
# Load test of `recsys serve` as it ships (issue 15): the default config
# (configs/default.yaml: every instance, 32 workers, cache, exposure
# logging) with all its models trained, a user logged in with 20 ratings,
# and wrk against, in one run:
#   a static file, /api/health,
#   /api/recommendations for the default source and for every source,
#   /api/movies/1/similar?k=12, title search,
# printing req/s, p50 and p99 for each and its ratio to the static file's
# req/s in the same round (ratios side by side are what count on a shared
# machine). Then it measures a cached list again WHILE the retrainer
# retrains LightGCN in-process, and prints that p99 beside the quiet one.
#
#   bench/server_load.sh [BUILD_DIR]     (default: build)
# Env: RUNS (3 rounds; each figure is the median), DURATION (5s),
#      CONNECTIONS (16), WRK_THREADS (2), RETRAIN (1; 0 skips that phase),
#      ONLY (an extended regex: measure only the endpoints whose name
#      matches; the static file is always measured), SERVER_OPTS ("key=value
#      ..." added to the server: section, e.g. to turn a cache off:
#      "session_cache_ttl_s=0 response_cache_ttl_ms=0 exposure_queue_rows=0"),
#      BIN (the recsys binary, default BUILD_DIR/recsys: another build's, to
#      compare before/after on the same models).
#
# The first run trains every model of the default config under
# BUILD_DIR/bench-load/work (minutes: `recsys serve` trains what is
# missing); later runs load them. The config is configs/default.yaml with
# only what a benchmark must change: data/work/plugin paths (RECSYS_*), a
# static_dir holding the test file, and a `retrain:` section (the default
# config has none, so it never retrains; here `after_new_ratings` is set
# just above the user's 20 ratings, so the retrain phase can start one).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/server_lib.sh"
build=$(cd "${1:-$root/build}" && pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-2}
RETRAIN=${RETRAIN:-1}
ONLY=${ONLY:-}
SERVER_OPTS=${SERVER_OPTS:-}
BIN=${BIN:-$build/recsys}
data=${RECSYS_SHARED_DATA:-$root/../shared/data}
work="$build/bench-load"
mkdir -p "$work/static" "$work/work"
chmod 755 "$work"

command -v wrk >/dev/null || { echo "server_load: wrk not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "server_load: $BIN not built" >&2; exit 1; }

# A static asset the size of a small web-app file (4 KiB).
head -c 3072 /dev/zero | base64 -w 100 >"$work/static/asset.txt"
cfg="$work/load.yaml"
sed "s#^\([[:space:]]*static_dir:\).*#\1 $work/static#" "$root/configs/default.yaml" >"$cfg"
for kv in $SERVER_OPTS; do   # replace the key in the server: section, or add it
  if grep -q "^  ${kv%%=*}:" "$cfg"; then
    sed -i "s#^  ${kv%%=*}:.*#  ${kv%%=*}: ${kv#*=}#" "$cfg"
  else
    sed -i "s#^server:\$#server:\n  ${kv%%=*}: ${kv#*=}#" "$cfg"
  fi
done
cat >>"$cfg" <<'YAML'

retrain:                  # bench only: the retrain phase below
  every_hours: 0
  after_new_ratings: 25
  sources: [lightgcn]
YAML

export RECSYS_DATA_DIR="$data/ml-latest-small"
export RECSYS_TEXT_FILE="$data/movie-text/ml-latest-small_text.csv"
export RECSYS_WORK_DIR="$work/work"
export RECSYS_PLUGIN_PATH="$build/plugins"
export RECSYS_ADMIN_TOKEN="bench-admin-token"
url=$("$root/scripts/pg-cluster" start "$work/pg")
export RECSYS_DATABASE_URL=$url

log="$work/server.log"
"$BIN" serve --config "$cfg" --port 0 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  "$root/scripts/pg-cluster" stop "$work/pg"
}
trap cleanup EXIT
echo "server_load: starting the server (the first run trains every model; see $log)"
base=$(server_wait "$log" "$pid")

jar="$work/cookies"
# 20 well-known films, mixed ratings.
cookie=$(server_user "$base" "$jar" "load$RANDOM$RANDOM" mixed \
  1 2 32 47 50 110 150 260 296 318 356 480 527 589 593 1196 1198 2571 2959 4993)
sources=$(curl -sf "$base/api/sources" | python3 -c \
  'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)["sources"]))')

# name|path, in the order printed.
targets=("static file|/asset.txt" "health|/api/health"
         "reco default (hybrid)|/api/recommendations?k=20")
for s in $sources; do targets+=("reco $s|/api/recommendations?source=$s&k=20"); done
targets+=("similar|/api/movies/1/similar?k=12" "search 'star'|/api/movies?query=star&page_size=24")
if [ -n "$ONLY" ]; then
  keep=("${targets[0]}")
  for t in "${targets[@]:1}"; do [[ "${t%%|*}" =~ $ONLY ]] && keep+=("$t"); done
  targets=("${keep[@]}")
fi

# Every list computed and every body built once before timing: the figures
# are for cached answers, which is what the issue asks about.
for t in "${targets[@]}"; do
  curl -sf -o /dev/null -H "Cookie: rs_session=$cookie" "$base${t#*|}" ||
    { echo "server_load: ${t#*|} failed" >&2; exit 1; }
done

to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
median() { sort -g | awk 'NF {a[++n] = $1} END {print a[int((n + 1) / 2)]}'; }

# One wrk run; prints "rps p50 p99" (ms).
measure() {
  local out
  out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Cookie: rs_session=$cookie" "$base$1")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "server_load: $1: $(grep "Non-2xx" <<<"$out")" >&2
  fi
  echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" \
       "$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
       "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
}

echo "server_load: $base, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$RUNS rounds x $DURATION per endpoint, $CONNECTIONS connections, $WRK_THREADS wrk threads" \
     "${SERVER_OPTS:+, server: $SERVER_OPTS}"
declare -A rps p50 p99 ratio
for round in $(seq 1 "$RUNS"); do
  static=""
  for t in "${targets[@]}"; do
    name=${t%%|*}
    read -r a b c < <(measure "${t#*|}")
    [ -z "$static" ] && static=$a
    rps[$name]+="$a"$'\n'
    p50[$name]+="$b"$'\n'
    p99[$name]+="$c"$'\n'
    ratio[$name]+="$(awk -v a="$a" -v s="$static" 'BEGIN { printf "%.3f", a / s }')"$'\n'
  done
done
printf "%-26s %10s %9s %9s %8s\n" "endpoint" "req/s" "p50 ms" "p99 ms" "ratio"
for t in "${targets[@]}"; do
  name=${t%%|*}
  printf "%-26s %10s %9s %9s %8s\n" "$name" "$(median <<<"${rps[$name]}")" \
    "$(median <<<"${p50[$name]}")" "$(median <<<"${p99[$name]}")" \
    "$(median <<<"${ratio[$name]}")"
done
echo "(median of $RUNS rounds; ratio = req/s over the static file's in the same round)"
curl -sf "$base/metrics" | grep -E '^recsys_exposures_(dropped|written)_total' || true

[ "$RETRAIN" = 1 ] || exit 0
# ---- p99 of a cached list while LightGCN retrains in-process ----
admin=(-H "Authorization: Bearer $RECSYS_ADMIN_TOKEN")
running() { curl -sf "${admin[@]}" "$base/api/admin/models" |
            python3 -c 'import json,sys; print(int(json.load(sys.stdin)["retrain"]["running"]))'; }
for m in 2028 2762 3578 4306 5952; do   # 5 more ratings: 25 reach after_new_ratings
  curl -sf -b "$jar" -X PUT -H 'Content-Type: application/json' -d '{"rating":4}' \
    "$base/api/ratings/$m" >/dev/null
done
for _ in $(seq 1 100); do [ "$(running)" = 1 ] && break; sleep 0.1; done
if [ "$(running)" != 1 ]; then
  echo "server_load: the retrain did not start (see $log)" >&2
  exit 1
fi
path="/api/recommendations?source=ease&k=20"
curl -sf -o /dev/null -H "Cookie: rs_session=$cookie" "$base$path"
read -r a b c < <(measure "$path")
still=$(running)
printf "during retrain: %-24s req/s %9s   p50 %7s ms   p99 %7s ms   (retrain still running at the end: %s)\n" \
  "reco ease" "$a" "$b" "$c" "$([ "$still" = 1 ] && echo yes || echo no)"
echo "(compare with 'reco ease' in the table above: same list, same connections)"
# A LightGCN retrain takes minutes and is not interruptible; a clean
# SIGTERM would wait for it. The benchmark's own server is killed instead.
if [ "$still" = 1 ]; then
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
fi
exit 0
