#!/usr/bin/env bash
# package.sh [BUILD_DIR]: keyhold's .deb and .rpm packages in dist/, made from the plain build
# (`build` unless named; configured and built here if needed, its tests left unbuilt), then
# checked by lintian. docs/packaging.md says what each package holds and why.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

scripts/install-deps.sh package
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# A sanitizer's runtime has no place in a package.
if grep -Eq '^KEYHOLD_SANITIZE:STRING=(ON|address|thread)$' "$build/CMakeCache.txt"; then
    echo "package.sh: $build is a sanitizer build; package a plain one (scripts/package.sh build)" >&2
    exit 2
fi
cmake -S . -B "$build" >/dev/null  # picks up changed packaging files; keeps the build's options
cmake --build "$build" --parallel "$(nproc)" --target keyhold_package_files

rm -rf dist
mkdir dist
if ! cpack --config "$build/CPackConfig.cmake" -B dist >dist/cpack.log 2>&1; then
    cat dist/cpack.log >&2
    exit 1
fi
rm -rf dist/_CPack_Packages dist/cpack.log
ls -1 dist

# Warnings fail too; each remaining tag is explained in docs/packaging.md, and the overrides
# (packaging/lintian/) ship in the packages.
lintian_status=0
lintian_output=$(lintian --fail-on error,warning dist/*.deb 2>&1) || lintian_status=$?
grep -v '^running with root privileges' <<<"$lintian_output" || true
((lintian_status == 0)) || { echo "package.sh: lintian found errors or warnings" >&2; exit 1; }
echo "package.sh: lintian: no error or warning"
