#!/usr/bin/env bash
# Replicas behind HAProxy (docs/scaling.md), two figures:
#
#  1. req/s through HAProxy with 1, 2, 3 replicas on one PostgreSQL: wrk
#     rotates USERS session cookies over GET /api/recommendations?k=20 (a
#     session lookup and an exposure INSERT in PostgreSQL per request, the
#     list from the replica's cache) and GET /api/movies/<id>. Median of RUNS.
#  2. the refresher's work with 3 replicas, per load-balancing mode: after
#     the load, every user rates one movie through HAProxy; the lists the
#     replicas recompute over the next two refresh intervals are counted
#     (GET /api/admin/models, cache.refreshed) beside the cache entries.
#     roundrobin spreads each user over every replica (each caches the
#     user); user (scripts/cluster's default) hashes the session cookie.
#
#   bench/cluster_wrk.sh [BUILD_DIR]      (default: build)
# Env: RUNS (3), DURATION (10s), CONNECTIONS (16), WRK_THREADS (2), USERS (32),
#      REPLICAS ("1 2 3"). The clusters run with fsync off (bench only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-2}
USERS=${USERS:-32}
REPLICAS=${REPLICAS:-1 2 3}
REFRESH_S=5
TOKEN=bench-token
data=${RECSYS_SHARED_DATA:-$root/../shared/data}
work="$build/bench-cluster"
mkdir -p "$work"
chmod 755 "$work"

command -v wrk >/dev/null || { echo "cluster_wrk: wrk not installed" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "cluster_wrk: haproxy not installed (scripts/setup)" >&2; exit 1; }
[ -x "$build/recsys" ] || { echo "cluster_wrk: $build/recsys not built" >&2; exit 1; }

cfg="$work/cluster.yaml"
cat >"$cfg" <<YAML
data:
  dir: $data/ml-latest-small
work_dir: $work/work
threads: 1
plugins:
  path: [$build/plugins]
instances:
  - {name: popularity, plugin: popularity}
server:
  threads: 16
  default_source: popularity
  login_per_ip_per_min: 100000
  password_memlimit_kib: 8192
  exposures_per_user_per_min: 1000000
refresh:
  interval_s: $REFRESH_S
admin:
  token: $TOKEN
cluster:
  artifact_dir: $work/artifacts
  poll_interval_s: 10
  retrain_every_s: 0
  drain_wait_ms: 500
YAML

dir=""
cleanup() { [ -n "$dir" ] && "$root/scripts/cluster" down --dir "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

up() { # n balance
  dir="$work/c$1-$2"
  "$root/scripts/cluster" down --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
  RECSYS_BIN="$build/recsys" "$root/scripts/cluster" up "$1" --config "$cfg" --dir "$dir" \
    --balance "$2" --check-ms 1000 --maxconn 12 --no-fsync >"$work/up.log" 2>&1 \
    || { cat "$work/up.log" >&2; exit 1; }
  base="http://127.0.0.1:$(cat "$dir/lb.port")"
}

down() { "$root/scripts/cluster" down --dir "$dir" >/dev/null 2>&1; dir=""; }

# USERS accounts with ten ratings each; their cookies into a wrk Lua script.
users() {
  local i m jar cookies=""
  for i in $(seq 1 "$USERS"); do
    jar="$work/jar"
    curl -sf -c "$jar" -H 'Content-Type: application/json' \
      -d "{\"username\":\"u$i-$RANDOM$RANDOM\",\"password\":\"benchmark-pw\"}" \
      "$base/api/register" >/dev/null
    for m in 1 260 296 318 356 480 589 1196 2571 4993; do
      curl -sf -b "$jar" -X PUT -H 'Content-Type: application/json' -d '{"rating":4.5}' \
        "$base/api/ratings/$m" >/dev/null
    done
    cookies+="\"$(awk '$6 == "rs_session" {print $7}' "$jar")\","
    echo "$(awk '$6 == "rs_session" {print $7}' "$jar")" >>"$dir/cookies"
  done
  # Movies that exist (MovieLens ids have gaps).
  ids=$(psql "$(cat "$dir/database.url")" -XAtc "SELECT id FROM movies ORDER BY id LIMIT 400" |
        paste -sd, -)
  cat >"$work/rotate.lua" <<LUA
local cookies = {${cookies%,}}
local ids = {$ids}
local n = 0
request = function()
  n = n + 1
  local c = cookies[(math.floor(n / 2) % #cookies) + 1]
  local path = "/api/recommendations?k=20"
  if n % 2 == 0 then path = "/api/movies/" .. ids[(math.floor(n / 2) % #ids) + 1] end
  return wrk.format("GET", path, {["Cookie"] = "rs_session=" .. c})
end
-- The first few failures, to say what they were.
local shown = 0
response = function(status, headers, body)
  if status ~= 200 and shown < 2 then
    shown = shown + 1
    io.stderr:write("cluster_wrk: ", status, " ", string.sub(body, 1, 120), "\n")
  end
end
LUA
}

median() { sort -g | awk 'NF {a[++n] = $1} END {print a[int((n + 1) / 2)]}'; }

# Sum of one cache counter over every replica (direct, not through HAProxy).
cache_sum() {
  local k total=0 v
  for k in $(seq 1 "$(cat "$dir/replicas")"); do
    v=$(curl -sf -H "Authorization: Bearer $TOKEN" \
          "http://127.0.0.1:$(cat "$dir/replica-$k.port")/api/admin/models" |
        python3 -c "import json,sys; print(json.load(sys.stdin)['cache']['$1'])")
    total=$((total + v))
  done
  echo "$total"
}

echo "cluster_wrk: $(nproc) cores shared by PostgreSQL, HAProxy, the replicas and wrk"
echo "== req/s through HAProxy (balance user) =="
for n in $REPLICAS; do
  up "$n" user
  users
  rps=""
  for _ in $(seq 1 "$RUNS"); do
    out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$work/rotate.lua" "$base/" 2>>"$work/wrk-errors.txt")
    echo "$out" >"$work/wrk-last.txt"
    grep -q "Non-2xx" <<<"$out" && { echo "cluster_wrk: non-2xx:" >&2; grep "Non-2xx" <<<"$out" >&2; }
    rps+="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"$'\n'
  done
  printf "replicas %d   req/s %9s   (median of %s x %s, %s connections, %s users)\n" \
    "$n" "$(median <<<"$rps")" "$RUNS" "$DURATION" "$CONNECTIONS" "$USERS"
  down
done

echo "== refresher work, 3 replicas, one rating per user after the load =="
for mode in roundrobin user; do
  up 3 "$mode"
  users
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d5s -s "$work/rotate.lua" "$base/" >/dev/null
  sleep $((REFRESH_S * 2)) # let the registration ratings settle
  entries=$(cache_sum entries)
  before=$(cache_sum refreshed)
  while read -r c; do
    curl -sf -b "rs_session=$c" -X PUT -H 'Content-Type: application/json' -d '{"rating":2.0}' \
      "$base/api/ratings/50" >/dev/null
  done <"$dir/cookies"
  sleep $((REFRESH_S * 2 + 2))
  after=$(cache_sum refreshed)
  printf "balance %-10s  cached lists %4d   recomputed after %d ratings: %4d\n" \
    "$mode" "$entries" "$USERS" "$((after - before))"
  down
done
