#!/usr/bin/env bash
# Under `ulimit -f` a store that would grow past the limit is refused in one line that names
# the file and the limit; the old store stays as it was (no SIGXFSZ death, exit 153, and no
# temporary file left).
source "$(dirname "$0")/../fixtures/common.sh"

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="file size passphrase"
keyhold init --backend passphrase >/dev/null
printf '{"ServerURL":"old.example","Username":"alice","Secret":"old-secret"}' | docker-credential-keyhold store
printf 'protocol=https\nhost=git.example.com\nusername=bob\npassword=git-secret\n\n' | git-credential-keyhold store
before=$(sha256sum <"$KEYHOLD_HOME/store")
big_secret="big-$(head -c 1536 /dev/urandom | base64 -w0)"  # 2 KB: the store file passes 1 KB

# unchanged WHAT: the store file is the same, its entries answer, no temporary file is left.
unchanged() {
    assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$before" "store file after $1"
    assert_eq "$(echo old.example | docker-credential-keyhold get)" \
        '{"ServerURL":"old.example","Username":"alice","Secret":"old-secret"}' "docker get after $1"
    assert_contains "$(printf 'protocol=https\nhost=git.example.com\n\n' | git-credential-keyhold get)" \
        "password=git-secret" "git get after $1"
    assert_eq "$(find "$KEYHOLD_HOME" -name 'store.tmp.*')" "" "temporary files after $1"
    keyhold status >/dev/null || fail "keyhold status after $1"
}
# refused WHAT STATUS OUTPUT: exit 1 and one line naming the store file and the limit, no secret.
refused() {
    ((status == 1)) || fail "$1 under ulimit -f 1 exits $status (153 is death by SIGXFSZ): $3"
    assert_one_line "$3" "$1"
    assert_contains "$3" "$KEYHOLD_HOME/store" "$1"
    assert_contains "$3" "file size limit" "$1"
    assert_contains "$3" "ulimit -f" "$1"
    assert_not_contains "$3" "$big_secret" "$1"
}

status=0
output=$(
    ulimit -f 1
    printf '{"ServerURL":"big.example","Username":"carol","Secret":"%s"}' "$big_secret" |
        docker-credential-keyhold store 2>/dev/null
) || status=$?
refused "docker store" "$status" "$output"
unchanged "a docker store refused by the file size limit"
assert_eq "$(echo big.example | docker-credential-keyhold get)" "credentials not found in native keychain" \
    "docker get of the refused entry"
ok "docker store past ulimit -f: exit 1, store unchanged: $output"

status=0
output=$(
    ulimit -f 1
    printf 'protocol=https\nhost=big.example.com\nusername=carol\npassword=%s\n\n' "$big_secret" |
        git-credential-keyhold store 2>&1 >/dev/null
) || status=$?
refused "git store" "$status" "$output"
unchanged "a git store refused by the file size limit"
assert_eq "$(printf 'protocol=https\nhost=big.example.com\n\n' | git-credential-keyhold get)" "" \
    "git get of the refused entry"
ok "git store past ulimit -f: exit 1, store unchanged: $output"

printf '{"ServerURL":"big.example","Username":"carol","Secret":"%s"}' "$big_secret" | docker-credential-keyhold store
assert_eq "$(echo big.example | docker-credential-keyhold get)" \
    "{\"ServerURL\":\"big.example\",\"Username\":\"carol\",\"Secret\":\"$big_secret\"}" "get after the limit is lifted"
ok "without the limit the same store succeeds"
