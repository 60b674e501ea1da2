#!/usr/bin/env bash
# fuzz.sh [SECONDS_PER_TARGET]: builds the libFuzzer targets (tests/fuzz) with clang++-16 in
# build-fuzz/, runs each for that long (default 60) on a copy of its seed corpus, prints how
# many inputs each ran, and fails on the first crash, sanitizer report, leak or timeout.
# Findings are left in build-fuzz/findings/<target>/ (crash-*, timeout-*, leak-*, oom-*).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
build=build-fuzz
jobs=$(nproc)

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYHOLD_FUZZ=ON \
    -DKEYHOLD_BUILD_TESTS=OFF -DKEYHOLD_WERROR=ON >/dev/null
cmake --build "$build" --parallel "$jobs" --target keyhold_fuzz_targets

# Stacks with file and line; a UBSan report is a failure like an ASan one.
# clang-16 brings no llvm-symbolizer of its own on Debian 12; any version reads the stacks.
for symbolizer in /usr/lib/llvm-16/bin/llvm-symbolizer /usr/bin/llvm-symbolizer-16 /usr/bin/llvm-symbolizer; do
    if [[ -x "$symbolizer" ]]; then
        export ASAN_SYMBOLIZER_PATH=$symbolizer
        break
    fi
done
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

status=0
for corpus in tests/fuzz/corpus/*/; do
    target=$(basename "$corpus")
    work=$build/runs/$target
    findings=$build/findings/$target
    # The checked-in seeds stay as they are; what the fuzzer adds stays in build-fuzz/.
    rm -rf "$work" "$findings"
    mkdir -p "$work" "$findings"
    cp -r "$corpus"/. "$work"/
    log=$build/runs/$target.log
    if "$build/bin/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$work" >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (log: $log)"
        status=1
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    printf '%-24s %12s executions in %ss  %s\n' "$target" "${executions:-?}" "$seconds" "$result"
    if [[ "$result" != ok ]]; then
        grep -E -A30 '^==[0-9]+==ERROR|^SUMMARY|runtime error|deadly signal|timeout' "$log" | head -60 >&2 || true
        ls "$findings" >&2
    fi
done
exit $status
