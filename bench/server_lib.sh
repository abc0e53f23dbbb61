# Sourced by the `recsys serve` benchmarks (server_wrk.sh, server_load.sh,
# server_profile.sh): the steps they share.

# server_wait LOG PID: wait until the server started as PID logs its URL,
# print the URL; fail with its log when it exits first.
server_wait() {
  local log=$1 pid=$2 base
  until grep -q "serving on" "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  base=$(grep -o 'http://[0-9.]*:[0-9]*' "$log" | head -n1)
  [ -n "$base" ] || { cat "$log" >&2; return 1; }
  echo "$base"
}

# server_user BASE JAR NAME RATING MOVIE...: register NAME, rate each MOVIE
# (RATING may be "mixed": 3 for every third, else 5), print the session
# cookie's value.
server_user() {
  local base=$1 jar=$2 name=$3 rating=$4 i=0 r
  shift 4
  curl -sf -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$name\",\"password\":\"benchmark-pw\"}" "$base/api/register" >/dev/null
  for m in "$@"; do
    r=$rating
    [ "$rating" = mixed ] && r=$(( i % 3 == 0 ? 3 : 5 ))
    i=$((i + 1))
    curl -sf -b "$jar" -X PUT -H 'Content-Type: application/json' -d "{\"rating\":$r}" \
      "$base/api/ratings/$m" >/dev/null
  done
  awk '$6 == "rs_session" {print $7}' "$jar"
}
