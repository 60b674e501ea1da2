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
sync_fails "503 on every attempt" "HTTP 503: injected; still serving the 2 entries of its last good sync"

org_faults "$ca" '[{"kind": "truncated"}, {"kind": "truncated"}, {"kind": "truncated"}, {"kind": "truncated"}]'
sync_fails "a truncated body" "cannot fetch"

org_faults "$ca" '[{"kind": "malformed"}]'
sync_fails "a malformed body (wrong types)" "malformed"

org_faults "$ca" '[{"kind": "not-json"}]'
sync_fails "a body that is not JSON" "not valid JSON"

org_faults "$ca" '[{"kind": "huge"}]'
sync_fails "a 10 MB body" "larger than"

# --timeout is a deadline for the source's whole sync: one slow answer uses all of it, and no
# retry starts after it.
org_faults "$ca" '[{"delay_seconds": 3}]'
org_reset_log "$ca"
sync_fails "a server slower than --timeout 1s" "timed out" --timeout 1s
sleep 3  # let the stand-in finish the delayed answer
assert_eq "$(org_log "$ca" | grep -o '"GET"' | wc -l)" "1" "requests within --timeout 1s"

org_faults "$ca" '[{"kind": "redirect", "location": "http://127.0.0.1:9/v1/ignite/builds/secrets"}]'
sync_fails "a redirect to plain http" "does not follow redirects"

status=0
output=$(printf 'x' | keyhold source add plain --type ignite --url "http://org.example.com" 2>&1) || status=$?
((status == 1)) || fail "an http:// source was accepted"
assert_contains "$output" "not https" "http source"
assert_eq "$(served)" "$baseline" "after refusing an http source"
ok "a plain-http source is refused: $output"

# Loopback is decided on the address, never on how a name reads; credentials never go in a URL.
for url in "http://127.attacker.example" "http://127.0.0.1.example" "http://localhost.example" "http://[::2]" \
    "http://0x7f000001.example"; do
    status=0
    output=$(printf 'x' | keyhold source add lookalike --type ignite --url "$url" 2>&1) || status=$?
    ((status == 1)) || fail "$url was accepted as loopback"
    assert_contains "$output" "is not https" "$url"
done
ok "names that only look like loopback are refused for plain http (127.attacker.example, [::2], ...)"
for url in "https://bot:hunter2@api.example.com" "https://hunter2@api.example.com" "http://bot:hunter2@127.0.0.1:$port"; do
    status=0
    output=$(printf 'x' | keyhold source add userinfo --type ignite --url "$url" 2>&1) || status=$?
    ((status == 1)) || fail "$url was accepted"
    assert_one_line "$output" "$url"
    assert_contains "$output" "user name or password" "$url"
    assert_not_contains "$output" "hunter2" "the refusal of $url"
done
assert_eq "$(served)" "$baseline" "after refusing sources with credentials in their URL"
ok "a source URL holding credentials is refused without showing them"

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

# Only an answer of the API's shape may change what is served: a 200 from a maintenance page
# or a proxy must not read as "the org has nothing".
for body in '{"status":"down for maintenance"}' '{"registrycredentials":{}}' '{"error":{"code":503}}'; do
    org_raw_answer "$ca" 200 "$body" '[["Content-Type", "application/json"]]'
    sync_fails "a 200 of another shape ($body)" "none of registryCredentials"
done

# Bytes that are not UTF-8, terminal escapes and text cut mid-character, in every place the
# org's text reaches a message: one clear, printable line, and the state file stays JSON.
org_raw_answer "$ca" 302 '' '[["Location", "https://127.0.0.1:9/\u00ff\u00fe/"]]'
sync_fails "a redirect whose Location is not UTF-8" "a redirect to https://127.0.0.1:9/"
org_raw_answer "$ca" 400 $'{"code": 3, "message": "caf\xc3"}'
sync_fails "an error message cut mid-character" $'HTTP 400: caf\xef\xbf\xbd;'
org_raw_answer "$ca" 400 $'{"code": 3, "message": "\xff\xfe bytes"}'
sync_fails "an error message that is not UTF-8" $'HTTP 400: \xef\xbf\xbd\xef\xbf\xbd bytes'

org_raw_answer "$ca" 400 '{"code": 3, "message": "\u001b]0;owned\u0007\u001b[2Jgone"}'
sync_fails "terminal escapes in an error message" '\x1b]0;owned\x07\x1b[2Jgone'
assert_not_contains "$(keyhold sync 2>&1; keyhold status 2>&1)" $'\e' "escape sequences printed raw"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$KEYHOLD_HOME/sync-state.json" ||
    fail "sync-state.json is no longer JSON"
ok "what the org says is shown printable: no raw escapes, and the state file stays JSON"

# A redirect that quotes the token: never printed, saved or shown by status.
org_faults "$ca" "[{\"kind\": \"redirect\", \"location\": \"https://collector.example/?t=$token#$token\"}]"
sync_fails "a redirect quoting the token" "https://collector.example/?***"
assert_file_lacks "$KEYHOLD_HOME/sync-state.json" "$token" "sync-state.json after a redirect quoting the token"
assert_not_contains "$(keyhold status 2>&1)" "$token" "status after a redirect quoting the token"
ok "a redirect's Location is shown without its query, and the token in it nowhere"

# A Retry-After far beyond --timeout: the timeout is a deadline for the source's whole sync.
org_faults "$ca" '[{"status": 429, "retry_after": 100000}]'
start=$SECONDS
sync_fails "Retry-After: 100000 under --timeout 2s" "HTTP 429" --timeout 2s
((SECONDS - start <= 5)) || fail "the sync took $((SECONDS - start)) s under --timeout 2s"

# A killed sync leaves its temporary state file; the next sync removes it.
touch "$KEYHOLD_HOME/sync-state.json.tmp.0123456789abcdef"
keyhold sync >/dev/null
[[ -z "$(find "$KEYHOLD_HOME" -name 'sync-state.json.tmp.*')" ]] || fail "sync-state.json.tmp.* left behind"
ok "a killed sync's temporary state file is removed by the next sync"

# One source's trouble costs another nothing. acme, now with --max-age, serves only once a sync
# is remembered; a second source whose error answer is not UTF-8 syncs after it in the same run.
keyhold source remove acme >/dev/null
printf '%s' "$token" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" --max-age 1h >/dev/null
printf '%s' "$(org_issue_token "$TEST_TMP/org")" |
    keyhold source add zz-broken --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" "credentials not found in native keychain" \
    "acme's credential before its first sync under --max-age"
org_faults "$ca" '[{}]'
org_raw_answer "$ca" 400 $'{"code": 3, "message": "broken \xff\xfe"}'
status=0
output=$(keyhold sync 2>&1) || status=$?
((status == 1)) || fail "a sync with one broken source exits $status: $output"
assert_contains "$output" "acme: 1 registry credential" "the healthy source's report"
assert_contains "$output" "zz-broken: failed: the org answered HTTP 400: broken" "the broken source's report"
# zz-broken never synced: it has nothing to keep serving, and must not claim a last good sync.
assert_contains "$output" "it has never synced, so this machine has none of its credentials yet" \
    "the report of a source that never synced"
assert_not_contains "$(grep '^zz-broken' <<<"$output")" "still serving" "the report of a source that never synced"
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" '{"ServerURL":"ghcr.io","Username":"bot","Secret":"org-pat"}' \
    "the healthy source's credential after the run"
keyhold source remove zz-broken >/dev/null
baseline=$(served)
ok "a source whose answer is not UTF-8 costs the other source nothing"

# A first sync that meets 304 is told what that means, not "a redirect to nowhere".
printf '%s' "$token" | keyhold source add fresh --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
org_raw_answer "$ca" 304 ''
status=0
output=$(keyhold sync fresh 2>&1) || status=$?
((status == 1)) || fail "a 304 to a first sync exits $status"
assert_contains "$output" "304 Not Modified" "a 304 to a first sync"
assert_not_contains "$output" "nowhere" "a 304 to a first sync"
keyhold source remove fresh >/dev/null
baseline=$(served)
ok "a 304 to a request that was not conditional is named for what it is"

# Plain http to loopback never goes through a proxy from the environment, which would carry
# the token off the machine in the clear: with http_proxy naming a port nobody listens on, the
# sync still reaches the stand-in directly.
# free_port can race with another test taking the port: try three, as start_org_api does.
for attempt in 1 2 3; do
    plain_port=$(free_port)
    /usr/bin/python3 "$(dirname "$0")/../fixtures/org_api.py" --port "$plain_port" --tokens-file "$TEST_TMP/org/tokens" \
        >"$TEST_TMP/plain-org.log" 2>&1 &
    kill_on_exit $!
    ! wait_until 10 grep -qx ready "$TEST_TMP/plain-org.log" || break
    ((attempt < 3)) || fail "the plain-http stand-in did not start: $(cat "$TEST_TMP/plain-org.log")"
done
printf '%s' "$token" | keyhold source add plainlocal --type ignite --url "http://127.0.0.1:$plain_port" >/dev/null
output=$(http_proxy="http://127.0.0.1:$(free_port)" HTTP_PROXY= ALL_PROXY= no_proxy= NO_PROXY= keyhold sync plainlocal 2>&1) ||
    fail "a plain-http sync to loopback with http_proxy set: $output"
keyhold source remove plainlocal >/dev/null
baseline=$(served)
ok "a plain-http sync to loopback ignores http_proxy ($output)"

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
