# Shared by the bench scripts (sourced): the Release build every bench measures.
# bench_build ROOT: Debian 12's test dependencies, then keyhold in ROOT/build-bench (Release, no
# tests); its executables are in ROOT/build-bench/bin.
bench_build() {
    local root=$1
    "$root/scripts/install-deps.sh" test
    cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DKEYHOLD_BUILD_TESTS=OFF >/dev/null
    cmake --build "$root/build-bench" --parallel "$(nproc)" >/dev/null
}
