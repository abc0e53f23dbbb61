#!/usr/bin/env bash
# The layering of docs/architecture.md, checked on the sources: every
# `#include "recsys/X.h"` in a directory must name a header of that
# directory or of one below it. (CMake already enforces it through the
# include paths each target sees; this names the offending line when a
# CMake change would open an upward path.)
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
exit $bad
