#!/usr/bin/env bash
# bench/git-get-latency.sh [N]: the cost of a git `get` with N (default 1000) credentials
# stored, git-credential-keyhold (Secret Service protector) next to git's own
# git-credential-libsecret (built from /usr/share/doc/git/contrib/credential/libsecret), in one
# hyperfine run. Needs: scripts/install-deps.sh test, hyperfine, a build in build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
entries=${1:-1000}

if [[ -z "${KEYHOLD_BENCH_INSIDE:-}" ]]; then
    command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
    exec env KEYHOLD_BENCH_INSIDE=1 "$root/tests/fixtures/with-secret-service" "$0" "$@"
fi

bin="$root/build/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r /usr/share/doc/git/contrib/credential/libsecret "$work/libsecret-src"
make -s -C "$work/libsecret-src" >/dev/null 2>&1 || { echo "building git-credential-libsecret failed" >&2; exit 1; }
libsecret="$work/libsecret-src/git-credential-libsecret"

export KEYHOLD_HOME="$work/keyhold"
"$bin/keyhold" init --backend secret-service >/dev/null
echo "filling both helpers with $entries credentials..." >&2
for i in $(seq "$entries"); do
    request=$(printf 'protocol=https\nhost=git-%d.example.com\nusername=user-%d\npassword=secret-%d-%s\n' \
        "$i" "$i" "$i" "$RANDOM$RANDOM")
    printf '%s\n' "$request" | "$bin/git-credential-keyhold" store
    printf '%s\n' "$request" | "$libsecret" store >/dev/null
done
printf 'protocol=https\nhost=git-%d.example.com\n\n' $((entries / 2)) >"$work/existing"
printf 'protocol=https\nhost=absent.example.com\n\n' >"$work/missing"

hyperfine --shell sh --warmup 3 --runs 30 --export-json "$work/results.json" \
    -n "git-credential-keyhold get (existing)" "$bin/git-credential-keyhold get <$work/existing" \
    -n "git-credential-libsecret get (existing)" "$libsecret get <$work/existing" \
    -n "git-credential-keyhold get (missing)" "$bin/git-credential-keyhold get <$work/missing" \
    -n "git-credential-libsecret get (missing)" "$libsecret get <$work/missing" >&2
echo "| command | median (ms) | min (ms) | max (ms) |"
echo "|---|---|---|---|"
awk -F': ' '
    /"command"/ { sub(/^"/, "", $2); sub(/",?$/, "", $2); name = $2 }
    /"median"/ { gsub(/,/, "", $2); median = $2 * 1000 }
    /"min"/ { gsub(/,/, "", $2); low = $2 * 1000 }
    /"max"/ { gsub(/,/, "", $2); printf "| %s | %.1f | %.1f | %.1f |\n", name, median, low, $2 * 1000 }
' "$work/results.json"
