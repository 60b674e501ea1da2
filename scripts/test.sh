#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need on Debian 12, builds
# keyhold warning-free twice, plain and with ASan+UBSan, and runs every test in both builds;
# then the unit tests under ThreadSanitizer, the Windows build's tests under wine64, and each
# fuzz target for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test
scripts/prepare-git-suite.sh

jobs=$(nproc)
run_build() {
    local dir=$1
    shift
    echo "== $dir"
    cmake -S . -B "$dir" -DKEYHOLD_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" --parallel "$jobs"
    ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" </dev/null
}

run_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# halt_on_error: a sanitizer finding fails the test that triggered it.
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DKEYHOLD_SANITIZE=ON
# ThreadSanitizer over the unit tests only (the integration suites run the same code in
# separate processes, where TSan sees nothing): the store's transactions from several threads.
echo "== build-tsan (unit tests)"
cmake -S . -B build-tsan -DKEYHOLD_WERROR=ON -DCMAKE_BUILD_TYPE=Debug -DKEYHOLD_SANITIZE=thread >/dev/null
cmake --build build-tsan --parallel "$jobs" --target keyhold_unit_tests
TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/keyhold_unit_tests "~[secret-service]~[no-secret-service]" </dev/null
# The Windows programs, cross-built with mingw-w64 (libsodium and libcurl from Debian's sources,
# cached outside the clone), and their unit and protocol tests under wine64.
echo "== build-windows (under wine64)"
scripts/build-windows.sh build-windows
ctest --test-dir build-windows --output-on-failure </dev/null
# A short libFuzzer run of every target on its seeds, which hold the inputs of past findings.
echo "== build-fuzz (smoke)"
scripts/fuzz.sh "${KEYHOLD_FUZZ_SECONDS:-15}"
echo "== all tests passed in both Linux builds, under TSan, on Windows under wine, and in a short fuzz run"
