#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# collect_seeds.sh ROOT HARNESS OUT [MAX]: copies seed inputs for one
# harness from the tree (examples/, fixtures/, tests/golden/cases/) into
# OUT, one file per distinct content (named by its sha1), skipping files
# over 64 KB; at most MAX files (a sample by hash; default all). The
# committed seeds/<harness>/ come on top of these.
set -euo pipefail
root=$1 harness=$2 out=$3 max=${4:-0}
mkdir -p "$out"
sep=$'\n---8<---\n'

put() { # put FILE...: content of the files joined by the project separator
    local tmp
    tmp=$(mktemp)
    local first=1 f
    for f in "$@"; do
        ((first)) || printf '%s' "$sep" >>"$tmp"
        first=0
        [[ -f $f ]] && cat "$f" >>"$tmp"
    done
    if (($(stat -c %s "$tmp") <= 65536)); then
        mv "$tmp" "$out/$(sha1sum "$tmp" | cut -c1-16)"
    else
        rm -f "$tmp"
    fi
}

put_each() { # put_each < NUL-separated paths: one seed per file, hashed at once
    local sum f n=0
    while read -r sum f; do
        ((max && n >= max)) && break
        [[ -e $out/${sum:0:16} ]] || cp "$f" "$out/${sum:0:16}"
        n=$((n + 1))
    done < <(xargs -0 -r sha1sum | sort)
}

files() { # files FIND-TESTS...: matching files (up to 64 KB) under the seed folders
    local dirs=()
    for d in examples fixtures tests/golden/cases; do [[ -d $root/$d ]] && dirs+=("$root/$d"); done
    find "${dirs[@]}" -type f \( "$@" \) -size -65537c -not -path '*/target/*' \
        -not -path '*/dbt_packages/*' -print0
}

case $harness in
template)
    files -name '*.sql' | put_each
    ;;
yaml)
    files -name '*.yml' -o -name '*.yaml' | put_each
    ;;
csv)
    files -name '*.csv' | put_each
    ;;
project)
    # each project file, alone and with each properties file of its project
    while read -r p; do
        dir=$(dirname "$p")
        put "$p"
        while read -r y; do put "$p" "$y"; done < <(find "$dir" -mindepth 2 -name '*.yml' \
            -not -path '*/target/*' -not -path '*/dbt_packages/*' | sort | head -n 20)
    done < <(files -name dbt_project.yml -o -name xform_project.yml | tr '\0' '\n' | sort)
    ;;
select)
    # selectors written in the e2e tests: --select/--exclude/-s arguments
    if [[ -d $root/tests/e2e ]]; then
        grep -ohE "(\"--select\"|\"--exclude\"|\"-s\"), \"[^\"]+\"" "$root"/tests/e2e/*.py |
            sed -E 's/^[^,]*, "(.*)"$/\1/' | sort -u | while IFS= read -r s; do
            printf '%s' "$s" >"$out/$(printf '%s' "$s" | sha1sum | cut -c1-16)"
        done
    fi
    ;;
*)
    echo "collect_seeds.sh: unknown harness '$harness'" >&2
    exit 2
    ;;
esac
