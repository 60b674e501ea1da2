#!/usr/bin/env bash
# The docker protocol through the real executable: what clients see on stdout, stderr and in
# the exit code, and that bad input leaves the store file byte for byte as it was.
source "$(dirname "$0")/../fixtures/common.sh"

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="integration passphrase"
keyhold init --backend passphrase >/dev/null
store_file="$KEYHOLD_HOME/store"

# helper VERB INPUT: sets OUT, ERR and STATUS.
helper() {
    STATUS=0
    OUT=$(printf '%s' "$2" | docker-credential-keyhold $1 2>"$TEST_TMP/err") || STATUS=$?
    ERR=$(cat "$TEST_TMP/err")
}

helper store '{"ServerURL":"https://index.docker.io/v1/","Username":"hub-user","Secret":"hub-secret"}'
assert_eq "$STATUS/$OUT/$ERR" "0//" "store"
helper get "docker.io"
assert_eq "$OUT" '{"ServerURL":"docker.io","Username":"hub-user","Secret":"hub-secret"}' "get"
assert_eq "$STATUS/$ERR" "0/" "get status and stderr"
ok "store and get, ServerURL echoed as asked, nothing on stderr"

helper get "ghcr.io"
assert_eq "$STATUS/$OUT/$ERR" "1/credentials not found in native keychain/" "get of a missing entry"
ok "not found: the exact string, exit 1, nothing on stderr"

helper erase "ghcr.io"
assert_eq "$STATUS/$OUT/$ERR" "0//" "erase of a missing entry"
ok "erase of a missing entry exits 0"

# A body spread over lines, with escapes, unknown fields and a secret over 64 KiB.
big_secret=$(head -c 100000 /dev/zero | tr '\0' 'k')
body=$(printf '{\n  "ServerURL": "ghcr.io",\n  "Extra": [1, {"a": null}],\n  "Username": "\\u003ctoken\\u003e",\n  "Secret": "%s"\n}\n' "$big_secret")
helper store "$body"
assert_eq "$STATUS/$OUT/$ERR" "0//" "multi-line store"
helper get "ghcr.io"
assert_eq "$OUT" "{\"ServerURL\":\"ghcr.io\",\"Username\":\"<token>\",\"Secret\":\"$big_secret\"}" "get of the big secret"
ok "multi-line body, \\u003c escapes, unknown fields, a 100 000-byte secret"

# list must not read stdin: give it one that never closes.
mkfifo "$TEST_TMP/never-closed"
exec 7<>"$TEST_TMP/never-closed"
OUT=$(timeout 5 docker-credential-keyhold list <&7) || fail "list waited on stdin (or failed)"
exec 7>&-
assert_eq "$OUT" '{"https://index.docker.io/v1/":"hub-user","ghcr.io":"<token>"}' "list"
assert_not_contains "$OUT" "hub-secret" "list"
ok "list never reads stdin and never shows a secret"

assert_file_lacks "$store_file" "hub-secret" "the store file"
assert_file_lacks "$store_file" "hub-user" "the store file"
ok "the store file holds no secret or name in the clear"

# Bad input: one line on stdout, exit 1, nothing on stderr, the store file unchanged.
before=$(sha256sum <"$store_file")
oversized="{\"ServerURL\":\"x.io\",\"Username\":\"u\",\"Secret\":\"$(head -c 1100000 /dev/zero | tr '\0' 'x')\"}"
check_refused() {
    local what=$1 verb=$2 input=$3
    helper "$verb" "$input"
    ((STATUS == 1)) || fail "$what: exit $STATUS"
    assert_one_line "$OUT" "$what"
    assert_eq "$ERR" "" "$what: stderr"
    assert_eq "$(sha256sum <"$store_file")" "$before" "$what: store file"
    ok "refused with one line, store unchanged: $what ($OUT)"
}
check_refused "malformed JSON" store '{"ServerURL": "x.io", "Username": '
check_refused "empty stdin" store ''
check_refused "missing username" store '{"ServerURL":"x.io","Secret":"s"}'
check_refused "missing server URL" store '{"Username":"u","Secret":"s"}'
check_refused "a server URL that is no registry" store '{"ServerURL":"ftp://x.io","Username":"u","Secret":"s"}'
check_refused "oversized stdin" store "$oversized"
check_refused "unknown verb" frobnicate ''
check_refused "no verb" '' ''
check_refused "empty get" get ''

# The store file itself damaged or not the user's: refused, and never rewritten.
damage_and_check() {
    local what=$1
    local damaged_sum
    damaged_sum=$(sha256sum <"$store_file")
    helper store '{"ServerURL":"new.io","Username":"u","Secret":"s"}'
    ((STATUS == 1)) || fail "$what: store exit $STATUS"
    assert_one_line "$OUT" "$what"
    assert_eq "$(sha256sum <"$store_file")" "$damaged_sum" "$what: store file after store"
    helper get "docker.io"
    ((STATUS == 1)) || fail "$what: get exit $STATUS"
    assert_eq "$(sha256sum <"$store_file")" "$damaged_sum" "$what: store file after get"
    ok "refused, file untouched: $what ($OUT)"
}
cp "$store_file" "$TEST_TMP/good-store"
restore() { cp "$TEST_TMP/good-store" "$store_file"; chmod 600 "$store_file"; }

head -c 100 "$TEST_TMP/good-store" >"$store_file"
damage_and_check "a truncated store file"
restore
size=$(stat -c %s "$store_file")
printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j $((size - 5)) -N1 "$store_file") ^ 1 )))" |
    dd of="$store_file" bs=1 seek=$((size - 5)) conv=notrunc status=none
damage_and_check "a store file with flipped bytes"
restore
(
    export KEYHOLD_HOME="$TEST_TMP/other"
    keyhold init --backend passphrase >/dev/null
    printf '{"ServerURL":"other.io","Username":"o","Secret":"o"}' | docker-credential-keyhold store
)
cp "$TEST_TMP/other/store" "$store_file"
damage_and_check "a store file from another store"
restore
chmod o+w "$store_file"
damage_and_check "a world-writable store file"
restore
if ((EUID == 0)); then
    chown 65534:65534 "$store_file"
    damage_and_check "a store file owned by another user"
    chown 0:0 "$store_file"
else
    echo "SKIPPED: another user's store file (needs root to chown)"
fi
restore
KEYHOLD_PASSPHRASE=wrong KEYHOLD_KEY_CACHE_SECONDS=0 damage_and_check "a wrong passphrase"

helper get "docker.io"
assert_eq "$STATUS" 0 "get after restoring the good store"
ok "the good store still answers"
