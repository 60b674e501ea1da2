#!/usr/bin/env bash
# bench/sync.sh [N]: how long `keyhold sync` takes for N (default 10 000) registry credentials
# from the loopback org API, first (the store is written) and unchanged (a 304), with hyperfine.
# Needs: scripts/install-deps.sh test, hyperfine, a build in build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
entries=${1:-10000}

if [[ -z "${KEYHOLD_BENCH_INSIDE:-}" ]]; then
    command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
    exec env KEYHOLD_BENCH_INSIDE=1 KEYHOLD_BIN_DIR="$root/build/bin" "$root/tests/fixtures/with-secret-service" "$0" "$@"
fi
source "$root/tests/fixtures/common.sh"
source "$root/tests/fixtures/tls.sh"
source "$root/tests/fixtures/org_api.sh"

make_test_ca "$TEST_TMP/tls"
ca="$TEST_TMP/tls/ca.crt"
start_org_api "$TEST_TMP/org" "$TEST_TMP/tls/server.crt" "$TEST_TMP/tls/server.key"
/usr/bin/python3 - "$entries" <<'PY' | org_put_secrets "$ca" >/dev/null
import base64, json, sys
count = int(sys.argv[1])
print(json.dumps({"registryCredentials": {
    f"registry-{i}.example.com": base64.b64encode(f"user-{i}:secret-{i}".encode()).decode()
    for i in range(1, count + 1)}}))
PY
token=$(org_issue_token "$TEST_TMP/org")
printf '%s' "$token" >"$TEST_TMP/token"
export KEYHOLD_HOME="$TEST_TMP/keyhold"
fresh_store="rm -rf $KEYHOLD_HOME && keyhold init --backend secret-service >/dev/null && keyhold source add big --type ignite --url $ORG_API_URL --ca-file $ca <$TEST_TMP/token >/dev/null"
eval "$fresh_store"
keyhold sync >/dev/null

hyperfine --shell bash --warmup 1 --runs 10 --export-json "$TEST_TMP/results.json" \
    -n "keyhold sync, $entries credentials, first" --prepare "$fresh_store" "keyhold sync" \
    -n "keyhold sync, $entries credentials, unchanged (304)" "keyhold sync" >&2
echo "| command | median (ms) | min (ms) | max (ms) |"
echo "|---|---|---|---|"
awk -F': ' '
    /"command"/ { sub(/^"/, "", $2); sub(/",?$/, "", $2); name = $2 }
    /"median"/ { gsub(/,/, "", $2); median = $2 * 1000 }
    /"min"/ { gsub(/,/, "", $2); low = $2 * 1000 }
    /"max"/ { gsub(/,/, "", $2); printf "| %s | %.1f | %.1f | %.1f |\n", name, median, low, $2 * 1000 }
' "$TEST_TMP/results.json"
