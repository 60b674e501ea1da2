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
cpack --config "$build/CPackConfig.cmake" -B dist >/dev/null
rm -rf dist/_CPack_Packages
ls -1 dist

# Warnings fail too; each remaining tag is explained in docs/packaging.md, and the overrides
# (packaging/lintian/) ship in the packages.
lintian --fail-on error,warning dist/*.deb
echo "package.sh: lintian found nothing to report"
