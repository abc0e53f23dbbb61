# Sourced by scripts/run and scripts/test: finds the MovieLens data the way
# tests and users expect (RECSYS_DATA_DIR, then ../shared/data beside the
# project, then data/ from scripts/fetch-data, fetching it if needed).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${RECSYS_SHARED_DATA:-}" ] && [ -d "$root/../shared/data/ml-latest-small" ]; then
  export RECSYS_SHARED_DATA="$root/../shared/data"
fi
if [ -z "${RECSYS_DATA_DIR:-}" ]; then
  if [ -n "${RECSYS_SHARED_DATA:-}" ] && [ -d "$RECSYS_SHARED_DATA/ml-latest-small" ]; then
    export RECSYS_DATA_DIR="$RECSYS_SHARED_DATA/ml-latest-small"
  elif [ ! -f "$root/data/ml-latest-small/ratings.csv" ]; then
    "$root/scripts/fetch-data"
  fi
fi
