#!/usr/bin/env bash
# build-windows.sh [BUILD_DIR]: the whole Windows x86_64 cross build on Debian 12. Installs the
# mingw-w64 toolchain and wine64, builds libsodium and libcurl for Windows from Debian's source
# packages once (cached outside the clone: scripts/windows-deps.sh), then keyhold and its tests
# with warnings as errors. Leaves keyhold.exe, docker-credential-keyhold.exe and
# git-credential-keyhold.exe in BUILD_DIR/bin (default build-windows/bin): static programs
# that need no DLL but Windows' own. `ctest --test-dir build-windows` runs their tests under
# wine64. Needs root (or sudo) for the packages; reads no stdin.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build-windows}
prefix=$(scripts/windows-deps.sh </dev/null)
cmake -S . -B "$build_dir" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
    -DKEYHOLD_WINDOWS_DEPS="$prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYHOLD_WERROR=ON >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
for program in keyhold docker-credential-keyhold git-credential-keyhold; do
    exe="$build_dir/bin/$program.exe"
    [[ -f "$exe" ]] || { echo "build-windows.sh: $exe was not built" >&2; exit 1; }
    # Only Windows' own DLLs: a .exe that needs one of the toolchain's would not start on a
    # machine without it.
    foreign=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ {print $3}' |
              grep -viE '^(kernel32|advapi32|crypt32|msvcrt|ole32|shell32|ws2_32|bcrypt|user32|secur32|ntdll)\.dll$' || true)
    [[ -z "$foreign" ]] || { echo "build-windows.sh: $exe imports $foreign" >&2; exit 1; }
done
echo "build-windows.sh: $build_dir/bin holds keyhold.exe, docker-credential-keyhold.exe, git-credential-keyhold.exe"
