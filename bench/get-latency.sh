#!/usr/bin/env bash
# bench/get-latency.sh [N]: the cost of a docker `get` with N (default 1000) registry entries
# stored, keyhold (Secret Service protector) next to Debian's docker-credential-secretservice,
# measured in one run with hyperfine. Needs: scripts/install-deps.sh test, hyperfine,
# golang-docker-credential-helpers, and a build in build/. Prints hyperfine's table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
entries=${1:-1000}

if [[ -z "${KEYHOLD_BENCH_INSIDE:-}" ]]; then
    for command in hyperfine docker-credential-secretservice; do
        command -v "$command" >/dev/null || { echo "install $command (apt-get install hyperfine golang-docker-credential-helpers)" >&2; exit 1; }
    done
    exec env KEYHOLD_BENCH_INSIDE=1 "$root/tests/fixtures/with-secret-service" "$0" "$@"
fi

bin="$root/build/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEYHOLD_HOME="$work/keyhold"
"$bin/keyhold" init --backend secret-service >/dev/null

echo "filling both helpers with $entries entries..." >&2
for i in $(seq "$entries"); do
    request=$(printf '{"ServerURL":"registry-%d.example.com","Username":"user-%d","Secret":"secret-%d-%s"}' \
        "$i" "$i" "$i" "$RANDOM$RANDOM")
    printf '%s' "$request" | "$bin/docker-credential-keyhold" store
    printf '%s' "$request" | docker-credential-secretservice store
done
middle=$((entries / 2))
echo "registry-$middle.example.com" >"$work/existing"
echo "absent.example.com" >"$work/missing"

hyperfine --shell sh --warmup 3 --runs 30 --ignore-failure --export-json "$work/results.json" \
    -n "keyhold get (existing)" "$bin/docker-credential-keyhold get <$work/existing" \
    -n "secretservice get (existing)" "docker-credential-secretservice get <$work/existing" \
    -n "keyhold get (missing)" "$bin/docker-credential-keyhold get <$work/missing" \
    -n "secretservice get (missing)" "docker-credential-secretservice get <$work/missing" >&2
# Medians, in ms, from hyperfine's JSON (one key per line).
echo "| command | median (ms) | min (ms) | max (ms) |"
echo "|---|---|---|---|"
awk -F': ' '
    /"command"/ { sub(/^"/, "", $2); sub(/",?$/, "", $2); name = $2 }
    /"median"/ { gsub(/,/, "", $2); median = $2 * 1000 }
    /"min"/ { gsub(/,/, "", $2); low = $2 * 1000 }
    /"max"/ { gsub(/,/, "", $2); printf "| %s | %.1f | %.1f | %.1f |\n", name, median, low, $2 * 1000 }
' "$work/results.json"
