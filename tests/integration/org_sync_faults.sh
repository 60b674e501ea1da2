#!/usr/bin/env bash
# Every way the org API can fail: each sync fails in one clear line or recovers, and the store
# afterwards serves exactly what it served before.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
require_commands base64 sha256sum tinyproxy

tls="$TEST_TMP/tls"
make_test_ca "$tls"
ca="$tls/ca.crt"
start_org_api "$TEST_TMP/org" "$tls/server.crt" "$tls/server.key"
port=${ORG_API_URL##*:}
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="faults passphrase"
keyhold init --backend passphrase >/dev/null

save_org() {
    printf '{"registryCredentials": {"ghcr.io": "%s"}, "buildSecrets": {"NPM_TOKEN": "npm_1"}}' \
        "$(printf 'bot:org-pat' | base64 -w0)" | org_put_secrets "$ca" >/dev/null
}
save_org
token=$(org_issue_token "$TEST_TMP/org")
printf '%s' "$token" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
keyhold sync >/dev/null

served() {
    docker-credential-keyhold list
    echo ghcr.io | docker-credential-keyhold get
    keyhold secret get NPM_TOKEN
    sha256sum <"$KEYHOLD_HOME/store"
}
baseline=$(served)
assert_contains "$baseline" '"Secret":"org-pat"' "baseline"

# sync_fails WHAT NEEDLE [sync options]: one clear failure, and the store serves as before.
sync_fails() {
    local what=$1 needle=$2 status=0 output
    shift 2
    output=$(keyhold sync "$@" 2>&1) || status=$?
    ((status == 1)) || fail "$what: sync exits $status: $output"
    assert_contains "$output" "$needle" "$what"
    assert_not_contains "$output" "$token" "$what"
    assert_eq "$(served)" "$baseline" "$what: what the store serves"
    ok "$what: failed clearly, store unchanged (${output%%$'\n'*})"
}
# sync_recovers WHAT: the sync succeeds after the fault.
sync_recovers() {
    local output
    output=$(keyhold sync 2>&1) || fail "$1: sync failed: $output"
    assert_eq "$(served)" "$baseline" "$1: what the store serves"
    ok "$1: recovered ($output)"
}

org_faults "$ca" '[{"status": 500}]'
org_reset_log "$ca"
sync_recovers "500 then success"
assert_eq "$(org_log "$ca" | grep -o '"GET"' | wc -l)" "2" "requests for one retry"

org_faults "$ca" '[{"status": 429, "retry_after": 1}]'
start=$SECONDS
sync_recovers "429 with Retry-After: 1"
((SECONDS - start >= 1)) || fail "the retry did not wait for Retry-After"

org_faults "$ca" '[{"status": 503}, {"status": 503}, {"status": 503}, {"status": 503}]'
sync_fails "503 on every attempt" "HTTP 503"

org_faults "$ca" '[{"kind": "truncated"}, {"kind": "truncated"}, {"kind": "truncated"}, {"kind": "truncated"}]'
sync_fails "a truncated body" "cannot fetch"

org_faults "$ca" '[{"kind": "malformed"}]'
sync_fails "a malformed body (wrong types)" "malformed"

org_faults "$ca" '[{"kind": "not-json"}]'
sync_fails "a body that is not JSON" "not valid JSON"

org_faults "$ca" '[{"kind": "huge"}]'
sync_fails "a 10 MB body" "larger than"

org_faults "$ca" '[{"delay_seconds": 3}, {"delay_seconds": 3}, {"delay_seconds": 3}, {"delay_seconds": 3}]'
sync_fails "a server slower than --timeout 1s" "timed out" --timeout 1s
sleep 3  # let the stand-in finish the delayed answers

org_faults "$ca" '[{"kind": "redirect", "location": "http://127.0.0.1:9/v1/ignite/builds/secrets"}]'
sync_fails "a redirect to plain http" "does not follow redirects"

status=0
output=$(printf 'x' | keyhold source add plain --type ignite --url "http://org.example.com" 2>&1) || status=$?
((status == 1)) || fail "an http:// source was accepted"
assert_contains "$output" "not https" "http source"
assert_eq "$(served)" "$baseline" "after refusing an http source"
ok "a plain-http source is refused: $output"

printf 'wrong-token' | keyhold source add intruder --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
baseline=$(served)
sync_fails "a wrong token" "refused this machine's token" intruder
keyhold source remove intruder >/dev/null
baseline=$(served)

# Proxies come from the environment, as curl reads them: the sync goes through one (CONNECT).
proxy_port=$(free_port)
cat >"$TEST_TMP/tinyproxy.conf" <<CONF
Port $proxy_port
Listen 127.0.0.1
Allow 127.0.0.1
ConnectPort $port
LogFile "$TEST_TMP/tinyproxy.log"
LogLevel Connect
PidFile "$TEST_TMP/tinyproxy.pid"
CONF
tinyproxy -d -c "$TEST_TMP/tinyproxy.conf" >/dev/null 2>&1 &
kill_on_exit $!
wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$proxy_port" || fail "tinyproxy did not start"
output=$(https_proxy="http://127.0.0.1:$proxy_port" no_proxy= NO_PROXY= keyhold sync) || fail "sync through a proxy: $output"
assert_contains "$(cat "$TEST_TMP/tinyproxy.log")" "CONNECT" "the proxy's log"
assert_eq "$(served)" "$baseline" "after a sync through the proxy"
ok "https_proxy from the environment is used (the proxy saw the CONNECT)"

# Certificates: the same API behind a bad certificate, on the same port.
restart_with_cert() {
    kill "$ORG_API_PID"
    wait "$ORG_API_PID" 2>/dev/null || true
    start_org_api "$TEST_TMP/org" "$1" "$2" "$port"
}
make_test_cert "$tls" expired "IP:127.0.0.1" expired
restart_with_cert "$tls/expired.crt" "$tls/expired.key"
sync_fails "an expired certificate" "expired"

make_test_ca "$TEST_TMP/other-ca"
restart_with_cert "$TEST_TMP/other-ca/server.crt" "$TEST_TMP/other-ca/server.key"
sync_fails "a certificate from an untrusted CA" "certificate"

make_test_cert "$tls" wrong-host "DNS:org.example.com"
restart_with_cert "$tls/wrong-host.crt" "$tls/wrong-host.key"
sync_fails "a certificate for another host" "127.0.0.1"

kill "$ORG_API_PID"
wait "$ORG_API_PID" 2>/dev/null || true
sync_fails "the server is down" "cannot fetch"
