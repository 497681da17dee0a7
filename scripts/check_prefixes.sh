#!/usr/bin/env bash
# STYLE.md rule 1, checked: every symbol a module of common/ or services/ exports starts with its
# file's name and `_` (common/db.c: db_*, handlers/schools.c: schools_*). Reads the libraries of
# a build folder (default build/test); prints each symbol that does not and fails. xalloc.c is
# the one exception STYLE.md names (xmalloc, xstrdup, ...).
set -euo pipefail
build=${1:-build/test}
bad=0
for lib in "$build"/libspp_*.a; do
    while read -r module symbol; do
        echo "$lib: ${module}.c exports $symbol, without the prefix ${module}_" >&2
        bad=1
    done < <(nm -g --defined-only "$lib" | awk '
        /^$/ { next }
        /:$/ { m = $1; sub(/\.c\.o:$/, "", m); next }
        {
            s = $3
            if (index(s, m "_") == 1 || s == m) next
            if (m == "xalloc" && s ~ /^x[a-z]+$/) next
            print m, s
        }')
done
exit $bad
