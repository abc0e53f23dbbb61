#!/usr/bin/env bash
# The web app's whole check, for scripts/test / .ci/run:
#   frontend/ci.sh [path/to/recsys] [config.yaml]
# Installs the npm dependencies from the lock file, lints, type-checks, runs the
# Vitest component tests, builds dist/, and (when given the recsys binary) runs
# the end-to-end suite against the real server. RS_SKIP_E2E=1 skips the latter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Paths given relative to the caller's directory, before the cd below.
args=()
for a in "$@"; do
  if [[ -e "$a" ]]; then args+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")"); else args+=("$a"); fi
done
cd "$here"

echo "== frontend: npm ci =="
npm ci --no-audit --no-fund
echo "== frontend: lint, format, types =="
npm run --silent lint
npm run --silent format:check
npm run --silent typecheck
echo "== frontend: component tests =="
npm test --silent
echo "== frontend: build =="
npm run --silent build

if [[ -n "${1:-}" && -z "${RS_SKIP_E2E:-}" ]]; then
  echo "== frontend: end-to-end (real server, real PostgreSQL, chromium) =="
  RS_E2E_REBUILD= bash e2e/run.sh "${args[@]}"
else
  echo "== frontend: end-to-end skipped (no recsys binary given) =="
fi
