#!/usr/bin/env bash
# The macos-keychain protector through the real executables (macOS only): one keychain item per
# store key, readable by every keyhold program without a dialog, the newest generation kept in
# it (a rolled-back store file is refused), a re-key that leaves one item, and a locked keychain
# or a deleted item as one line, never a dialog or a hang.
#
# It locks and unlocks the keychain it works in: it runs only in a throwaway one that is the
# default keychain, named with its password in KEYHOLD_TEST_KEYCHAIN and
# KEYHOLD_TEST_KEYCHAIN_PASSWORD (.github/workflows/macos.yml makes one), never in a login keychain.
source "$(dirname "$0")/../fixtures/common.sh"

[[ "$(uname -s)" == Darwin ]] || skip "the macos-keychain protector exists only on macOS"
keychain=${KEYHOLD_TEST_KEYCHAIN:-}
password=${KEYHOLD_TEST_KEYCHAIN_PASSWORD:-}
[[ -n "$keychain" && -n "$password" ]] ||
    skip "needs a throwaway default keychain: set KEYHOLD_TEST_KEYCHAIN and KEYHOLD_TEST_KEYCHAIN_PASSWORD"
require_commands security timeout

service="keyhold store key"
export KEYHOLD_HOME="$TEST_TMP/keyhold"
unset KEYHOLD_PASSPHRASE KEYHOLD_KEYCHAIN_PROMPT
on_exit "security unlock-keychain -p '$password' '$keychain'"

# The accounts ("<store id>:<key id>") of this store's items in the keychain.
accounts() {
    security dump-keychain "$keychain" 2>/dev/null | sed -n "s/^ *\"acct\"<blob>=\"\($store_id:[0-9a-f]*\)\"$/\1/p"
}
# What an item holds: "<base64 key> <newest generation> <copy id>". Read by Apple's `security`
# tool, which is also a check that the item asks no program for confirmation.
item_data() { security find-generic-password -s "$service" -a "$1" -w "$keychain"; }
recorded_generation() { item_data "$(accounts | head -n 1)" | awk '{print $2}'; }
generation_recorded() { [[ "$(recorded_generation)" == "$1" ]]; }

output=$(keyhold init --backend macos-keychain)
assert_eq "$output" "created keyhold store $KEYHOLD_HOME/store, its key protected by macos-keychain" "init"
store_id=$(keyhold status | sed -n 's/^store id: *//p')
[[ "$store_id" =~ ^[0-9a-f]{32}$ ]] || fail "no store id in keyhold status"
on_exit 'for account in $(accounts); do security delete-generic-password -s "$service" -a "$account" "$keychain"; done'
assert_eq "$(accounts | wc -l | tr -d ' ')" 1 "items after init"
first_account=$(accounts)
ok "init keeps the store key in one generic-password item, account $first_account"

printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}' | docker-credential-keyhold store
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" '{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}' "docker get"
assert_eq "$(docker-credential-keyhold list)" '{"ghcr.io":"alice"}' "docker list"
printf 'protocol=https\nhost=git.example.com\nusername=bob\npassword=pat-1\n\n' | git-credential-keyhold store
answer=$(printf 'protocol=https\nhost=git.example.com\n\n' | git-credential-keyhold get)
assert_contains "$answer" "password=pat-1" "git get"
assert_file_lacks "$KEYHOLD_HOME/store" "s3cret" "the store file"
ok "keyhold, docker-credential-keyhold and git-credential-keyhold all open it without a dialog"

status_text=$(keyhold status)
assert_contains "$status_text" "protector:   macos-keychain" "status"
assert_contains "$status_text" "rollback:    refused" "status"
ok "status names the protector and says a rolled-back store is refused"

# The newest generation reaches the item (keyhold record-generation, started detached after each write).
generation=$(keyhold status | sed -n 's/^generation: *//p')
wait_until 10 generation_recorded "$generation" ||
    fail "the keychain item never recorded generation $generation (it has $(recorded_generation))"
cp "$KEYHOLD_HOME/store" "$TEST_TMP/older-store"
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"rotated"}' | docker-credential-keyhold store
wait_until 10 generation_recorded $((generation + 1)) || fail "the keychain item never recorded generation $((generation + 1))"
cp "$KEYHOLD_HOME/store" "$TEST_TMP/newer-store"
cp "$TEST_TMP/older-store" "$KEYHOLD_HOME/store"
status=0
output=$(echo ghcr.io | docker-credential-keyhold get) || status=$?
((status == 1)) || fail "get of a rolled-back store exits $status: $output"
assert_contains "$output" "was rolled back" "get of a rolled-back store"
cp "$TEST_TMP/newer-store" "$KEYHOLD_HOME/store"
ok "the item keeps the newest generation, and a store file put back to an older one is refused: $output"

keyhold rekey >/dev/null
assert_eq "$(accounts | wc -l | tr -d ' ')" 1 "items after rekey"
[[ "$(accounts)" != "$first_account" ]] || fail "rekey kept the old item"
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" '{"ServerURL":"ghcr.io","Username":"alice","Secret":"rotated"}' "get after rekey"
ok "rekey leaves one item, the new key's"

security lock-keychain "$keychain"
status=0
output=$(echo ghcr.io | timeout 30 docker-credential-keyhold get 2>&1) || status=$?
((status == 1)) || fail "get with the keychain locked exits $status (124: it waited): $output"
assert_one_line "$output" "get with the keychain locked"
assert_contains "$output" "keychain" "get with the keychain locked"
security unlock-keychain -p "$password" "$keychain"
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" '{"ServerURL":"ghcr.io","Username":"alice","Secret":"rotated"}' "get after unlocking"
ok "a locked keychain is one line and no dialog: $output"

security delete-generic-password -s "$service" -a "$(accounts)" "$keychain" >/dev/null
status=0
output=$(echo ghcr.io | docker-credential-keyhold get 2>&1) || status=$?
((status == 1)) || fail "get without the item exits $status: $output"
assert_contains "$output" "holds no key for the keyhold store" "get without the item"
ok "an item deleted from the keychain is one line: $output"
