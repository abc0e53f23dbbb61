#!/usr/bin/env bash
# Where a request's work goes, in instructions (callgrind), which do not
# move with the machine's load the way wall-clock time does. Starts
# `recsys serve` under valgrind --tool=callgrind (collecting only inside
# the request handler), logs a user in with 20 ratings, sends N keep-alive
# requests per endpoint and dumps the counters after each endpoint, then
# prints instructions per request for each and, per endpoint, the
# inclusive share of the request path's parts (session lookup, database
# round trips, exposure logging, JSON, reply).
#
#   bench/server_profile.sh [BUILD_DIR]      (default: build)
# Env: N (200 requests per endpoint), BIN (the recsys binary to profile,
#      default BUILD_DIR/recsys: point it at another build to compare).
#
# The models are popularity and the test_genre plugin (trained in
# seconds): a cached answer does not run the model, so which one made the
# list does not change its cost. exposures_per_user_per_min is raised so
# every response is logged, as it is when many users each see a few lists
# (with the default 500 one benchmark user is over the cap after 25).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/server_lib.sh"
build=$(cd "${1:-$root/build}" && pwd)
N=${N:-200}
BIN=${BIN:-$build/recsys}
data=${RECSYS_SHARED_DATA:-$root/../shared/data}
work="$build/bench-profile"
rm -rf "$work/cg" && mkdir -p "$work/static" "$work/cg"
chmod 755 "$work"
command -v valgrind >/dev/null || { echo "server_profile: valgrind not installed" >&2; exit 1; }
command -v callgrind_annotate >/dev/null || { echo "server_profile: callgrind_annotate missing" >&2; exit 1; }

head -c 3072 /dev/zero | base64 -w 100 >"$work/static/asset.txt"
cfg="$work/profile.yaml"
cat >"$cfg" <<YAML
data:
  dir: $data/ml-latest-small
  text_file: $data/movie-text/ml-latest-small_text.csv
work_dir: $work/work
plugins:
  path: [$build/plugins]
instances:
  - {name: popularity, plugin: popularity}
  - {name: genre, plugin: test_genre}
server:
  threads: 4
  default_source: popularity
  static_dir: $work/static
  password_memlimit_kib: 8192
  exposures_per_user_per_min: 1000000
YAML
# Under valgrind a request takes ~50x longer: keep the prebuilt bodies and
# sessions for the whole run, as the defaults (5 s, 60 s) do natively for
# thousands of requests. A binary without these settings (BIN= an older
# build, for a before/after) gets neither.
if grep -q response_cache_ttl_ms "$BIN"; then
  printf '  response_cache_ttl_ms: 600000\n  session_cache_ttl_s: 3600\n' >>"$cfg"
fi

url=$("$root/scripts/pg-cluster" start "$work/pg")
# SCRAM under valgrind is slow: give the connection time.
url=$(sed 's/connect_timeout=[0-9]*/connect_timeout=300/' <<<"$url")
log="$work/server.log"
RECSYS_DATABASE_URL=$url valgrind --tool=callgrind --collect-atstart=no --toggle-collect=handle \
  --callgrind-out-file="$work/cg/out.%p" "$BIN" serve --config "$cfg" --port 0 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  "$root/scripts/pg-cluster" stop "$work/pg"
}
trap cleanup EXIT
base=$(server_wait "$log" "$pid")

cookie=$(server_user "$base" "$work/cookies" "prof$RANDOM$RANDOM" 4 \
  1 2 32 47 50 110 150 260 296 318 356 480 527 589 593 1196 1198 2571 2959 4993)

targets=("static|/asset.txt" "health|/api/health"
         "reco_popularity|/api/recommendations?source=popularity&k=20"
         "reco_genre|/api/recommendations?source=genre&k=20"
         "similar|/api/movies/1/similar?k=12&source=genre")
# One warm-up request each (computes and caches the lists), then a clean dump.
for t in "${targets[@]}"; do curl -sf -o /dev/null -b "rs_session=$cookie" "$base${t#*|}"; done
callgrind_control -z "$pid" >/dev/null
for t in "${targets[@]}"; do
  name=${t%%|*}
  for _ in $(seq 1 "$N"); do printf 'url = "%s"\noutput = /dev/null\n' "$base${t#*|}"; done \
    >"$work/urls"
  curl -sf -K "$work/urls" -H "Cookie: rs_session=$cookie"
  callgrind_control -d "$name" "$pid" >/dev/null
done

# Inclusive instructions per request of the request path's parts. Static
# functions appear under their own names (RelWithDebInfo keeps symbols).
parts=(handle lookup_user rs_session_lookup rs_session_cache_get rs_hidden_items
       rs_lc_recommend rs_serving_recommend rs_reco_get rs_result_movies rs_movies_by_items
       rs_reco_list_json rs_lc_log_exposure rs_serving_log_exposure
       rs_exposure_queue_push rs_prebuilt_reco_reply rs_prebuilt_similar_reply
       rs_reco_similar rs_db_exec PQexecPrepared PQgetResult json_dumps json_pack
       rs_reply_raw mg_write mg_send_file)
printf "%-16s %12s   %s\n" endpoint "Ir/request" "inclusive Ir/request of its parts (>= 1%)"
for t in "${targets[@]}"; do
  name=${t%%|*}
  f=$(ls "$work"/cg/out.*."$name"* 2>/dev/null | head -n1 || true)
  [ -z "$f" ] && f=$(grep -l "^desc: Trigger: .*$name" "$work"/cg/out.* | head -n1)
  ann=$(callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null)
  total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' <<<"$ann")
  line=""
  for p in "${parts[@]}"; do
    v=$(awk -v p="$p" '$0 ~ "[ :]" p " " || $0 ~ "[ :]" p "$" || $0 ~ "[ :]" p "'"'"'" {gsub(",", "", $1); print $1; exit}' <<<"$ann")
    [ -n "$v" ] || continue
    [ "$p" = handle ] && continue
    awk -v v="$v" -v t="$total" 'BEGIN { exit !(v * 100 >= t) }' || continue
    line+="$(awk -v p="$p" -v v="$v" -v n="$N" 'BEGIN { printf "%s %.0f, ", p, v / n }')"
  done
  printf "%-16s %12.0f   %s\n" "$name" "$(awk -v t="$total" -v n="$N" 'BEGIN { print t / n }')" \
    "${line%, }"
done
echo "(N=$N requests per endpoint, one keep-alive connection; dumps in $work/cg)"
