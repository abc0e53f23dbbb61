#!/usr/bin/env bash
# Installs the project into a temporary prefix, builds the example plugin
# OUT OF TREE against the installed SDK (CMake package and pkg-config), loads
# it through a YAML config and checks its recommendations.
set -euo pipefail
unset RECSYS_DATA_DIR RECSYS_WORK_DIR RECSYS_TEXT_FILE RECSYS_PLUGIN_PATH
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

# The public header compiles alone as strict C11.
printf '#include <recsys/plugin.h>\n#include <recsys/topk.h>\nint main(void){return 0;}\n' |
  cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$tmp/prefix/include" -x c - -o "$tmp/hdr" -lm

cmake -S "$src/examples/plugin-template" -B "$tmp/plugin" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/plugin" >/dev/null
test -f "$tmp/plugin/plugins/recency/librs_recency.so"
# Exactly one exported function: the entry point.
exported=$(nm -D --defined-only "$tmp/plugin/plugins/recency/librs_recency.so" | awk '$2 == "T" {print $3}')
[ "$exported" = "rs_plugin_entry_v1" ] || { echo "unexpected exports: $exported"; exit 1; }

# pkg-config works for Makefile users too.
inc=$(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig" \
  pkg-config --cflags-only-I recsys-plugin | sed 's/^ *-I//; s/ *$//')
test -f "$inc/recsys/plugin.h"

mkdir -p "$tmp/data"
cat > "$tmp/data/movies.csv" <<'CSV'
movieId,title,genres
1,Old Favourite (1990),Drama
2,New Hit (2020),Comedy
3,Newer Hit (2021),Comedy
CSV
cat > "$tmp/data/ratings.csv" <<'CSV'
userId,movieId,rating,timestamp
1,1,5.0,100
2,2,4.0,999999000
3,2,3.0,999999100
3,3,4.0,999999200
CSV
cat > "$tmp/cfg.yaml" <<YAML
data: {dir: $tmp/data}
work_dir: $tmp/work
plugins: {path: [$tmp/plugin/plugins]}
instances:
  - {name: recent, plugin: recency, params: {window_days: 1}}
YAML
out=$("$tmp/prefix/bin/recsys" recommend --config "$tmp/cfg.yaml" --user 1 -k 2 --source recent)
echo "$out"
echo "$out" | sed -n 2p | grep -q "New Hit"
echo "$out" | sed -n 3p | grep -q "Newer Hit"
"$tmp/prefix/bin/recsys" plugins --config "$tmp/cfg.yaml" | grep -q "recency 0.1.0"
echo "sdk: out-of-tree plugin built, loaded and served"
