#!/usr/bin/env bash
# End-to-end run of the web app against the real server and a real PostgreSQL.
#
#   frontend/e2e/run.sh <path/to/recsys> [config.yaml]
#
# Builds frontend/dist if missing, starts `recsys serve --port 0` (which starts
# its own private PostgreSQL unless database.url / RECSYS_DATABASE_URL is set),
# waits for /api/health, drives the app in Debian's chromium with playwright-core
# (e2e/flow.mjs), then stops the server with SIGTERM. Screenshots go to
# $RS_ARTIFACT_DIR (default <repo>/build/e2e-artifacts).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
frontend="$(dirname "$here")"
repo="$(dirname "$frontend")"

bin="${1:-${RECSYS_BIN:-}}"
config="${2:-$repo/configs/default.yaml}"
if [[ -z "$bin" ]]; then
  echo "usage: $0 <path/to/recsys> [config.yaml]" >&2
  exit 2
fi
[[ -x "$bin" ]] || { echo "e2e: '$bin' is not an executable recsys binary" >&2; exit 2; }
[[ -f "$config" ]] || { echo "e2e: config '$config' not found" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"

export RS_ARTIFACT_DIR="${RS_ARTIFACT_DIR:-$repo/build/e2e-artifacts}"
mkdir -p "$RS_ARTIFACT_DIR"
# The shared MovieLens copy, unless the caller chose a data dir.
if [[ -z "${RECSYS_DATA_DIR:-}" && -d "$repo/../shared/data/ml-latest-small" ]]; then
  export RECSYS_DATA_DIR="$repo/../shared/data/ml-latest-small"
fi

if [[ ! -f "$frontend/dist/index.html" || -n "${RS_E2E_REBUILD:-}" ]]; then
  echo "e2e: building the web app"
  (cd "$frontend" && npm run --silent build)
fi

log="$RS_ARTIFACT_DIR/server.log"
: >"$log"
echo "e2e: starting $bin serve --config $config --port 0 (log: $log)"
"$bin" serve --config "$config" --port 0 >>"$log" 2>&1 &
server_pid=$!

stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # Clean shutdown also stops the private PostgreSQL; give it time.
    for _ in $(seq 1 60); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "e2e: server did not stop after SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT

# Training missing models can take minutes on a fresh machine.
start_timeout="${RS_E2E_START_TIMEOUT:-900}"
url=""
for _ in $(seq 1 $((start_timeout * 2))); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: the server exited during start-up:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  url="$(grep -o 'serving on http://[^ /]*' "$log" | head -n1 | sed 's/serving on //')" || true
  [[ -n "$url" ]] && break
  sleep 0.5
done
[[ -n "$url" ]] || { echo "e2e: no 'serving on' line after ${start_timeout}s" >&2; tail -n 30 "$log" >&2; exit 1; }

healthy=""
for _ in $(seq 1 120); do
  if curl -fsS "$url/api/health" >/dev/null 2>&1; then healthy=1; break; fi
  sleep 0.5
done
[[ -n "$healthy" ]] || { echo "e2e: $url/api/health never answered 200" >&2; tail -n 30 "$log" >&2; exit 1; }
echo "e2e: server healthy at $url"

# The server must serve this build, not some other static dir.
if ! curl -fsS "$url/" | grep -q '<div id="root">'; then
  echo "e2e: $url/ does not serve the web app; check server.static_dir in $config" >&2
  exit 1
fi

# With an experiment configured the app must put the user in an arm (it
# sends no source= until the user picks one) and show it.
if grep -q '^experiments:' "$config"; then export RS_E2E_EXPECT_ARM=1; fi

status=0
RS_E2E_URL="$url" node "$here/flow.mjs" || status=$?
if [[ $status -ne 0 ]]; then
  echo "e2e: FAILED (screenshots and server.log in $RS_ARTIFACT_DIR)" >&2
  tail -n 20 "$log" >&2
fi
exit $status
