#!/usr/bin/env bash
# A small fleet on one org API, what bench/fleet.sh measures at 100 and 1000 machines: 20
# machines (a KEYHOLD_HOME each, a device token each) sync together. When nothing changed every
# answer is a 304 and no store file is written; when the org's rate limiter turns them all away
# at once (429, Retry-After), none comes back sooner than asked and they do not all come back
# together.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
require_commands stat
machines=20
retry_after=6

start_org_api_with_test_ca "$TEST_TMP"
printf '{"registryCredentials": {"ghcr.io": "%s"}, "buildSecrets": {"NPM_TOKEN": "npm_1"}}' \
    "$(printf 'bot:org-pat' | base64 -w0)" | org_put_secrets "$ca" >/dev/null
export KEYHOLD_PASSPHRASE="fleet passphrase"
on_machine() {  # N COMMAND...: runs COMMAND as machine N
    local number=$1
    shift
    KEYHOLD_HOME="$TEST_TMP/machine-$number" HOME="$TEST_TMP/home-$number" "$@"
}
for n in $(seq "$machines"); do
    mkdir -p "$TEST_TMP/home-$n"
    on_machine "$n" keyhold init --backend passphrase >/dev/null
    org_issue_token "$TEST_TMP/org" | on_machine "$n" keyhold source add acme --type ignite --url "$ORG_API_URL" \
        --ca-file "$ca" >/dev/null
    on_machine "$n" keyhold sync >/dev/null
done
everyone_syncs() {  # all machines at once; fails if one sync failed
    local n pids=() failed=0
    for n in $(seq "$machines"); do
        on_machine "$n" keyhold sync >/dev/null &
        pids+=($!)
    done
    for n in "${pids[@]}"; do wait "$n" || failed=$((failed + 1)); done
    ((failed == 0)) || fail "$failed of $machines machines did not sync"
}
stores() { for n in $(seq "$machines"); do stat -c '%i %y %s' "$TEST_TMP/machine-$n/store"; done; }

# Nothing changed: 304s, and not one store file rewritten.
before=$(stores)
org_reset_log "$ca"
everyone_syncs
assert_eq "$(stores)" "$before" "the store files after a sync where nothing changed"
answers=$(org_log "$ca" | python3 -c 'import json, sys; print(" ".join(sorted({str(e["status"]) for e in json.load(sys.stdin)})))')
assert_eq "$answers" "304" "the org API's answers when nothing changed"
ok "$machines machines, nothing changed: every answer a 304, no store rewritten"

# A burst of 429: everyone is turned away at once with one Retry-After.
org_reset_log "$ca"
curl -sS --fail --cacert "$ca" -X POST --data-binary "{\"seconds\": 5, \"retry_after\": $retry_after}" \
    "$ORG_API_URL/__test/throttle" >/dev/null
everyone_syncs
waits=$(org_log "$ca" | python3 -c '
import json, sys
by_machine = {}
for entry in json.load(sys.stdin):
    by_machine.setdefault(entry["token_line"], []).append(entry)
waits = [b["time"] - a["time"] for entries in by_machine.values() for a, b in zip(entries, entries[1:])
         if a["status"] == 429]
print(len(waits), "%.2f" % min(waits), "%.2f" % max(waits))')
read -r retried shortest longest <<<"$waits"
assert_eq "$retried" "$machines" "machines that retried after the 429"
python3 -c "import sys; sys.exit(0 if $shortest >= $retry_after else 1)" ||
    fail "a machine came back ${shortest} s after Retry-After: $retry_after"
# Waiting exactly Retry-After, all 20 came back within a few milliseconds of each other's wait.
python3 -c "import sys; sys.exit(0 if $longest - $shortest >= 0.5 else 1)" ||
    fail "the machines turned away together all waited ${shortest}–${longest} s: they come back together"
ok "after a 429 with Retry-After: $retry_after the machines waited ${shortest}–${longest} s, spread, none sooner"
