#!/usr/bin/env bash
# keyhold rekey: a new data key, kept by the same protector or moved to another, with every
# credential still served and the old key gone from the keyring. Runs inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"
require_commands secret-tool

# No key cache: every check below is answered by the protector itself.
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_PASSPHRASE="first passphrase"
keyhold init --backend passphrase >/dev/null
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"registry-s3cret"}' | docker-credential-keyhold store
printf 'protocol=https\nhost=git.example.com\nusername=bob\npassword=git-s3cret\n\n' | git-credential-keyhold store
store_id=$(keyhold status | sed -n 's/^store id: *//p')
keyring_items() {  # [DIRECTORY]: the store's keyring items made for that directory (default: this store's)
    secret-tool search --all store "$store_id" directory "${1:-$KEYHOLD_HOME}" 2>&1 | grep -c '^attribute.key = ' || true
}
keyring_key_id() { secret-tool search --all store "$store_id" directory "$KEYHOLD_HOME" 2>&1 | sed -n 's/^attribute.key = //p'; }
serves_both() {  # WHAT: docker and git get their credentials from the store as it is now
    assert_eq "$(echo ghcr.io | docker-credential-keyhold get)" \
        '{"ServerURL":"ghcr.io","Username":"alice","Secret":"registry-s3cret"}' "docker get $1"
    assert_contains "$(printf 'protocol=https\nhost=git.example.com\n\n' | git-credential-keyhold get)" \
        "password=git-s3cret" "git get $1"
}
unchanged_by() {  # WHAT BEFORE_HASH
    assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$2" "store file after $1"
}

# --- passphrase -> Secret Service ---------------------------------------------------------
before=$(sha256sum <"$KEYHOLD_HOME/store")
output=$(keyhold rekey --backend secret-service)
assert_eq "$output" "re-keyed $KEYHOLD_HOME/store: a new data key, protected by secret-service (was passphrase)" "rekey"
assert_contains "$(keyhold status)" "protector:   secret-service" "status after the move"
assert_eq "$(keyring_items)" 1 "keyring items of the store"
[[ "$(sha256sum <"$KEYHOLD_HOME/store")" != "$before" ]] || fail "the store file did not change"
KEYHOLD_PASSPHRASE= serves_both "after the move to the Secret Service"
ok "a passphrase store moves to the Secret Service: one keyring item, no passphrase needed, both credentials served"

# --- Secret Service -> Secret Service: the old item goes ---------------------------------
old_key_id=$(keyring_key_id)
cp "$KEYHOLD_HOME/store" "$TEST_TMP/store-under-old-key"
output=$(keyhold rekey)
assert_eq "$output" "re-keyed $KEYHOLD_HOME/store: a new data key, protected by secret-service" "rekey in place"
new_key_id=$(keyring_key_id)
assert_eq "$(keyring_items)" 1 "keyring items after a re-key in place"
[[ -n "$new_key_id" && "$new_key_id" != "$old_key_id" ]] || fail "the keyring item kept key id $old_key_id"
serves_both "after a re-key in place"
ok "a re-key in the Secret Service replaces its item ($old_key_id -> $new_key_id)"

cp "$KEYHOLD_HOME/store" "$TEST_TMP/store-under-new-key"
cp "$TEST_TMP/store-under-old-key" "$KEYHOLD_HOME/store"
status=0
output=$(echo ghcr.io | docker-credential-keyhold get) || status=$?
((status == 1)) || fail "get from a copy under the retired key exits $status"
assert_contains "$output" "holds no key for the keyhold store" "get under the retired key"
cp "$TEST_TMP/store-under-new-key" "$KEYHOLD_HOME/store"
ok "a copy of the store under the retired key no longer opens: $output"

# --- readers during re-keys: each answers from the old store or the new one ---------------
readers_failed="$TEST_TMP/readers-failed"
: >"$readers_failed"
for reader in 1 2 3; do
    (
        for i in $(seq 60); do
            answer=$(echo ghcr.io | docker-credential-keyhold get 2>&1) ||
                echo "reader $reader, get $i: $answer" >>"$readers_failed"
        done
    ) &
done
for i in $(seq 10); do
    keyhold rekey >/dev/null || fail "re-key $i of 10 with readers running failed"
done
wait
[[ ! -s "$readers_failed" ]] || fail "gets failed during re-keys: $(head -3 "$readers_failed")"
assert_eq "$(keyring_items)" 1 "keyring items after 10 re-keys"
serves_both "after 10 re-keys with readers running"
ok "180 gets from 3 readers during 10 re-keys all answered; one keyring item is left"

# --- a write that fails after its rename keeps the key the store now uses -----------------
if [[ "${KEYHOLD_SANITIZED:-}" == 1 ]]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fi
cc -shared -fPIC -o "$TEST_TMP/fail_io.so" "$(dirname "$0")/../fixtures/fail_io.c" -ldl
status=0
output=$(KEYHOLD_FAULT=eio-fsync-directory LD_PRELOAD="$TEST_TMP/fail_io.so" keyhold rekey 2>&1) || status=$?
((status == 1)) || fail "a re-key whose directory fsync fails exits $status: $output"
assert_contains "$output" "flush directory" "re-key with a failing directory fsync"
serves_both "after a re-key whose directory fsync failed"
assert_eq "$(keyring_items)" 2 "keyring items after the interrupted re-key (old and new)"
keyhold rekey >/dev/null
assert_eq "$(keyring_items)" 1 "keyring items after the next re-key"
new_key_id=$(keyring_key_id)
serves_both "after the next re-key"
ok "a re-key that fails after its rename keeps the new key (the store opens); the next re-key removes the old one: $output"

# --- a copy of the store directory (same store id) keeps working when either is re-keyed ---
cp -a "$KEYHOLD_HOME" "$TEST_TMP/copy"
KEYHOLD_HOME="$TEST_TMP/copy" keyhold rekey >/dev/null
serves_both "in the original after its copy was re-keyed"
KEYHOLD_HOME="$TEST_TMP/copy" serves_both "in the re-keyed copy"
keyhold rekey >/dev/null
KEYHOLD_HOME="$TEST_TMP/copy" serves_both "in the copy after the original was re-keyed"
serves_both "in the re-keyed original"
assert_eq "$(keyring_items "$TEST_TMP/copy")" 1 "the copy's keyring items"
assert_eq "$(keyring_items)" 1 "the original's keyring items"
KEYHOLD_NEW_PASSPHRASE="copy passphrase" KEYHOLD_HOME="$TEST_TMP/copy" keyhold rekey --backend passphrase >/dev/null
assert_eq "$(keyring_items "$TEST_TMP/copy")" 0 "the copy's keyring items after its move to a passphrase"
serves_both "in the original after its copy moved to a passphrase"
new_key_id=$(keyring_key_id)
ok "a copied store directory and its original re-key independently: neither deletes the other's key"

# --- refused re-keys change nothing --------------------------------------------------------
before=$(sha256sum <"$KEYHOLD_HOME/store")
for backend in frobnicate windows-dpapi kernel-keyring; do
    status=0
    output=$(keyhold rekey --backend "$backend" 2>&1) || status=$?
    ((status == 1)) || fail "rekey --backend $backend exits $status"
    assert_one_line "$output" "rekey --backend $backend"
    unchanged_by "rekey --backend $backend" "$before"
    assert_eq "$(keyring_key_id)" "$new_key_id" "keyring item after rekey --backend $backend"
    ok "rekey --backend $backend is refused in one line and changes nothing: $output"
done

status=0
output=$(env -u KEYHOLD_PASSPHRASE -u KEYHOLD_NEW_PASSPHRASE setsid keyhold rekey --backend passphrase 2>&1 </dev/null) ||
    status=$?
((status == 1)) || fail "rekey to a passphrase with none given exits $status"
assert_one_line "$output" "rekey to a passphrase with none given"
assert_contains "$output" "KEYHOLD_PASSPHRASE" "rekey to a passphrase with none given"
unchanged_by "rekey to a passphrase with none given" "$before"
assert_eq "$(keyring_key_id)" "$new_key_id" "keyring item after a refused move to a passphrase"
ok "a move to a passphrase with no passphrase and no terminal changes nothing: $output"

status=0
output=$(env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR keyhold rekey 2>&1) || status=$?
((status == 1)) || fail "rekey without the Secret Service exits $status"
assert_one_line "$output" "rekey without the Secret Service"
assert_contains "$output" "Secret Service is not available" "rekey without the Secret Service"
unchanged_by "rekey without the Secret Service" "$before"
ok "a re-key while the Secret Service is unreachable changes nothing: $output"

status=0
output=$(KEYHOLD_HOME="$TEST_TMP/none" keyhold rekey 2>&1) || status=$?
((status == 1)) || fail "rekey without a store exits $status"
assert_eq "$output" "keyhold: there is no keyhold store in $TEST_TMP/none to re-key" "rekey without a store"
[[ ! -e "$TEST_TMP/none" ]] || fail "rekey without a store created $TEST_TMP/none"
ok "rekey without a store says so and creates nothing"

# --- Secret Service -> a new passphrase: the keyring keeps nothing ------------------------
output=$(KEYHOLD_NEW_PASSPHRASE="second passphrase" keyhold rekey --backend passphrase)
assert_eq "$output" "re-keyed $KEYHOLD_HOME/store: a new data key, protected by passphrase (was secret-service)" \
    "rekey to a passphrase"
assert_eq "$(keyring_items)" 0 "keyring items after the move to a passphrase"
KEYHOLD_PASSPHRASE="second passphrase" serves_both "after the move to a new passphrase"
status=0
output=$(echo ghcr.io | docker-credential-keyhold get) || status=$?
((status == 1)) || fail "get with the first passphrase exits $status"
assert_contains "$output" "wrong passphrase" "get with the first passphrase"
ok "the store moves to a new passphrase (KEYHOLD_NEW_PASSPHRASE): the keyring item is gone, the old passphrase opens nothing"

assert_file_lacks "$KEYHOLD_HOME/store" "registry-s3cret" "store file"
assert_file_lacks "$KEYHOLD_HOME/store" "second passphrase" "store file"
ok "the re-keyed store file holds neither a secret nor the passphrase in the clear"

# --- with the key cache on: the cache follows the new key ---------------------------------
export KEYHOLD_KEY_CACHE_SECONDS=60
KEYHOLD_PASSPHRASE="second passphrase" keyhold status >/dev/null  # unlocks, and caches the key
if grep -q "keyhold:store-key:$store_id" /proc/keys 2>/dev/null; then
    before=$(sha256sum <"$KEYHOLD_HOME/store")
    status=0
    output=$(KEYHOLD_PASSPHRASE="not the passphrase" KEYHOLD_NEW_PASSPHRASE="taken over" keyhold rekey 2>&1) || status=$?
    ((status == 1)) || fail "rekey with a wrong passphrase but the key cached exits $status"
    assert_contains "$output" "wrong passphrase" "rekey with a wrong passphrase, key cached"
    unchanged_by "rekey with a wrong passphrase, key cached" "$before"
    ok "a re-key needs the current passphrase even while the key is cached: $output"
    KEYHOLD_PASSPHRASE="second passphrase" KEYHOLD_NEW_PASSPHRASE="third passphrase" keyhold rekey >/dev/null
    KEYHOLD_PASSPHRASE= serves_both "from the cache after a re-key, with no passphrase given"
    keyhold lock >/dev/null
    status=0
    output=$(KEYHOLD_PASSPHRASE="second passphrase" docker-credential-keyhold get <<<ghcr.io) || status=$?
    ((status == 1)) || fail "get with the replaced passphrase exits $status"
    assert_contains "$output" "wrong passphrase" "get with the replaced passphrase"
    KEYHOLD_PASSPHRASE="third passphrase" serves_both "under the third passphrase"
    keyhold lock >/dev/null
    ok "after a re-key the kernel cache holds the new key: gets need no passphrase until keyhold lock"

    KEYHOLD_PASSPHRASE="third passphrase" keyhold status >/dev/null  # cached again
    KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_PASSPHRASE="third passphrase" KEYHOLD_NEW_PASSPHRASE="fourth passphrase" \
        keyhold rekey >/dev/null
    status=0
    output=$(KEYHOLD_PASSPHRASE= docker-credential-keyhold get <<<ghcr.io) || status=$?  # the cache, or nothing
    ((status == 1)) || fail "a re-key with the cache off for itself left the store's key cached: $output"
    assert_contains "$output" "wrong passphrase" "get after a re-key with the cache off"
    KEYHOLD_PASSPHRASE="fourth passphrase" serves_both "under the fourth passphrase"
    keyhold lock >/dev/null
    ok "a re-key by a process with the cache off still drops the store's cache entry"
else
    ok "# SKIP no kernel keyring here: the cache's part of a re-key is not exercised"
fi
