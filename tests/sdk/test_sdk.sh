#!/usr/bin/env bash
# Installs the project into a temporary prefix and, OUT OF TREE against the
# installed SDK: builds the example plugin (ABI 1.1, CMake package and
# pkg-config) and runs its unit test on the SDK test host; builds a plugin
# against the frozen ABI 1.0 header; loads both through one YAML config and
# checks what each recommends.
set -euo pipefail
unset RECSYS_DATA_DIR RECSYS_WORK_DIR RECSYS_TEXT_FILE RECSYS_PLUGIN_PATH
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

# Each public header compiles alone as strict C11.
for h in plugin topk params contract testhost; do
  printf '#include <recsys/%s.h>\nint main(void){return 0;}\n' "$h" |
    cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$tmp/prefix/include" -x c - -o "$tmp/hdr" -lm
done

# A sanitizer build installs an instrumented test host: the template's
# unit test then links the sanitizer runtimes too.
san=()
if grep -q '^RS_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  san=(-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
fi
cmake -S "$src/examples/plugin-template" -B "$tmp/plugin" -DCMAKE_PREFIX_PATH="$tmp/prefix" "${san[@]}" >/dev/null
cmake --build "$tmp/plugin" >/dev/null
test -f "$tmp/plugin/plugins/recency/librs_recency.so"
# Its unit test, linked against the installed SDK test host.
ctest --test-dir "$tmp/plugin" --output-on-failure >/dev/null
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
# A plugin built against the ABI 1.0 header, as a third party did before
# 1.1: the host must still load and serve it.
mkdir -p "$tmp/v10/oldpop"
cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -Wl,-z,defs \
  -I"$src/tests/sdk/abi-1.0" "$src/tests/sdk/v10/oldpop.c" \
  -o "$tmp/v10/oldpop/librs_oldpop.so" -lm
cp "$src/tests/sdk/v10/plugin.yaml" "$tmp/v10/oldpop/"

cat > "$tmp/cfg.yaml" <<YAML
data: {dir: $tmp/data}
work_dir: $tmp/work
plugins: {path: [$tmp/plugin/plugins, $tmp/v10]}
instances:
  - {name: recent, plugin: recency, params: {window_days: 1}}
  - {name: old, plugin: oldpop}
YAML
out=$("$tmp/prefix/bin/recsys" recommend --config "$tmp/cfg.yaml" --user 1 -k 2 --source recent)
echo "$out"
echo "$out" | sed -n 2p | grep -q "New Hit"
echo "$out" | sed -n 3p | grep -q "Newer Hit"
# The 1.0 plugin: movie 2 has the most ratings; user 1 rated movie 1.
old=$("$tmp/prefix/bin/recsys" recommend --config "$tmp/cfg.yaml" --user 1 -k 2 --source old)
echo "$old"
echo "$old" | sed -n 2p | grep -q "New Hit"
echo "$old" | sed -n 3p | grep -q "Newer Hit"
listing=$("$tmp/prefix/bin/recsys" plugins --config "$tmp/cfg.yaml")
echo "$listing" | grep -q "recency 0.2.0, ABI 1.1"
echo "$listing" | grep -q "recency.so (not loaded: described by plugin.yaml)"
echo "$listing" | grep -q "plugin oldpop 1.0.0, ABI 1.0"
"$tmp/prefix/bin/recsys" plugins --config "$tmp/cfg.yaml" --source recent |
  grep -q '^recent: {"window_days": 1, "recent_movies": 2}$'
echo "sdk: out-of-tree 1.1 and 1.0 plugins built, unit-tested, loaded and served"
