#!/usr/bin/env bash
# The kernel-keyring cache of the store key: a helper's get needs no Secret Service round trip
# (not even an unlocked keyring) while the key is cached, `keyhold lock` ends that at once, and
# KEYHOLD_KEY_CACHE_SECONDS=0 turns it off. Runs inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/keyring.sh"

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_KEY_CACHE_SECONDS=120
keyhold init --backend secret-service >/dev/null
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}' | docker-credential-keyhold store
expected='{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}'
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" "$expected" "get"
store_id=$(keyhold status | sed -n 's/^store id: *//p')
if ! grep -q "keyhold:store-key:$store_id" /proc/keys 2>/dev/null; then
    skip "the kernel keyring holds no key here (a sandbox without keyrings); nothing to test"
fi
ok "the store key is in the user's kernel keyring after the first unlock"

# A write updates the cached generation; the kernel drops a "user" key's timeout on update,
# and the cache must set it again: the entry may never become permanent.
printf '{"ServerURL":"quay.io","Username":"alice","Secret":"other"}' | docker-credential-keyhold store
cache_line=$(grep "keyhold:store-key:$store_id" /proc/keys)
[[ "$(awk '{print $4}' <<<"$cache_line")" != perm ]] || fail "the cached key lost its expiry after a write: $cache_line"
ok "after a write the cached key still expires ($(awk '{print $4}' <<<"$cache_line") left)"

lock_keyring || fail "could not lock the keyring"
assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" "$expected" "get with the keyring locked"
ok "while cached, get needs no Secret Service: it answers with the keyring locked"

output=$(keyhold lock)
assert_contains "$output" "no longer cached" "keyhold lock"
status=0
output=$(echo ghcr.io | docker-credential-keyhold get) || status=$?
((status == 1)) || fail "get after keyhold lock with the keyring locked exits $status"
assert_contains "$output" "is locked" "get after keyhold lock"
ok "keyhold lock drops the cached key: the locked keyring is asked again, and refuses"

status=0
output=$(echo ghcr.io | KEYHOLD_KEY_CACHE_SECONDS=0 docker-credential-keyhold get) || status=$?
((status == 1)) || fail "get with the cache off exits $status"
ok "KEYHOLD_KEY_CACHE_SECONDS=0 goes to the protector every time"

# A passphrase store: one unlock, then no passphrase (and no Argon2id) until the lifetime ends.
export KEYHOLD_HOME="$TEST_TMP/passphrase-store"
KEYHOLD_PASSPHRASE=pw keyhold init --backend passphrase >/dev/null
printf '{"ServerURL":"quay.io","Username":"bob","Secret":"pw2"}' | KEYHOLD_PASSPHRASE=pw docker-credential-keyhold store
assert_contains "$(echo quay.io | setsid -w docker-credential-keyhold get)" '"Username":"bob"' "get with no passphrase"
keyhold lock >/dev/null
status=0
output=$(echo quay.io | setsid -w docker-credential-keyhold get) || status=$?
assert_contains "$output" "set KEYHOLD_PASSPHRASE" "get after lock without a passphrase"
ok "a passphrase store is served from the cache without the passphrase, until keyhold lock"
