#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_ci.sh FUZZER NAME: one harness as a test (meson test --suite fuzz).
# First every input in regress/NAME/ (each a crash, hang or OOM found
# before) must run clean; then the harness fuzzes for at most
# XF_FUZZ_SECONDS (default 60) from seeds/NAME/ plus a sample of the seeds collected from
# the tree (XF_FUZZ_CI_SEEDS, default 100: loading all of them takes
# longer than the fuzzing on a busy machine; scripts/fuzz uses them all).
# A crash fails the test; the input is printed base64 for the log.
# This is a gate, so it is repeatable: a fixed seed (XF_FUZZ_SEED, default
# 1) and a fixed number of runs (XF_FUZZ_RUNS, default 100000; the seconds
# only cap a slow machine), so CI explores exactly what a developer's run
# did. Exploring new ground is scripts/fuzz's job (random seeds, minutes).
set -euo pipefail
exe=$1 name=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${XF_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
secs=${XF_FUZZ_SECONDS:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/xform-fuzz-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT

opts=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048)
[[ -f $here/$name.dict ]] && opts+=("-dict=$here/$name.dict")

shopt -s nullglob
regress=("$here/regress/$name"/*)
if ((${#regress[@]})); then
    echo "== $name: ${#regress[@]} regression inputs"
    if ! "$exe" "${opts[@]}" "${regress[@]}" >"$work/regress.log" 2>&1; then
        tail -n 60 "$work/regress.log"
        echo "FAIL: a regression input of '$name' crashes again (above)"
        exit 1
    fi
fi

mkdir -p "$work/corpus" "$work/collected"
"$here/collect_seeds.sh" "$root" "$name" "$work/collected" "${XF_FUZZ_CI_SEEDS:-100}"
dirs=("$work/corpus" "$work/collected")
[[ -d $here/seeds/$name ]] && dirs+=("$here/seeds/$name")
echo "== $name: fuzzing for ${secs}s"
if ! "$exe" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
    -seed="${XF_FUZZ_SEED:-1}" -runs="${XF_FUZZ_RUNS:-100000}" \
    -artifact_prefix="$work/" "${dirs[@]}" >"$work/fuzz.log" 2>&1; then
    tail -n 80 "$work/fuzz.log"
    for f in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-*; do
        echo "input $(basename "$f") (base64): $(base64 -w0 "$f")"
    done
    echo "FAIL: fuzzing '$name' found a problem (above); add the input to tests/fuzz/regress/$name/"
    exit 1
fi
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work/fuzz.log" || true
