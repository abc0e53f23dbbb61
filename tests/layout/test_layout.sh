#!/usr/bin/env bash
# The layering of docs/architecture.md, checked on the sources: every
# `#include "recsys/X.h"` in a directory must name a header of that
# directory or of one below it. (CMake already enforces it through the
# include paths each target sees; this names the offending line when a
# CMake change would open an upward path.)
#
# And where SQL lives (issue 19): every statement the server sends to
# PostgreSQL is in server/src/store.c behind a named function. Outside it,
# only the plumbing under the store may talk to libpq: db.c (the pool,
# rs_db_exec, BEGIN/COMMIT/ROLLBACK, the ping) and migrate.c (the schema
# migrations), with recsys/db.h declaring them. No other production source
# may include libpq-fe.h, run a statement (PQexec*, PQprepare, PQsend*,
# COPY, rs_db_exec, rs_db_begin/commit/rollback) or hold SQL text.
set -euo pipefail
root=$1
cd "$root"
# directory -> the directories whose include/recsys it may use
declare -A allowed=(
  [sdk]="sdk"
  [core]="sdk core"
  [plugins]="sdk"
  [lifecycle]="sdk core lifecycle"
  [server]="sdk core lifecycle server"
  [evaluation]="sdk core evaluation"
  [cli]="sdk core lifecycle server evaluation"
)
# where each public header lives
declare -A home=()
for d in sdk core lifecycle server evaluation; do
  for h in "$d"/include/recsys/*.h; do
    [ -e "$h" ] && home[$(basename "$h")]=$d
  done
done
bad=0
for d in "${!allowed[@]}"; do
  while IFS=: read -r file line text; do
    h=$(sed -E 's/.*"recsys\/([^"]+)".*/\1/' <<<"$text")
    owner=${home[$h]:-}
    if [ -z "$owner" ]; then
      echo "$file:$line: recsys/$h is no public header of any library"; bad=1; continue
    fi
    case " ${allowed[$d]} " in
      *" $owner "*) ;;
      *) echo "$file:$line: $d/ includes recsys/$h from $owner/ (allowed: ${allowed[$d]})"; bad=1 ;;
    esac
  done < <(grep -rn --include='*.c' --include='*.h' -E '#include +"recsys/' "$d" || true)
done
[ $bad -eq 0 ] && echo "layout: every include points down"

sql_home='^(server/src/(store|db|migrate)\.c|server/include/recsys/db\.h):'
sql_use='#include[[:space:]]*[<"]libpq-fe\.h[>"]'
sql_use+='|\b(PQexec[A-Za-z]*|PQprepare|PQsend[A-Za-z]*|PQputCopy[A-Za-z]*|PQgetCopyData'
sql_use+='|rs_db_exec|rs_db_begin|rs_db_commit|rs_db_rollback)[[:space:]]*\('
sql_use+='|"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY'
sql_use+='|LISTEN|NOTIFY)[[:space:]]'
src_dirs=()
for d in sdk core lifecycle server evaluation cli plugins bench; do
  [ -d "$d" ] && src_dirs+=("$d")
done
sql_bad=$(grep -rnE --include='*.c' --include='*.h' "$sql_use" "${src_dirs[@]}" |
            grep -vE "$sql_home" || true)
if [ -n "$sql_bad" ]; then
  echo "SQL outside server/src/store.c (move it behind a store function):"
  echo "$sql_bad"
  bad=1
else
  echo "layout: every SQL statement is in server/src/store.c"
fi
exit $bad
