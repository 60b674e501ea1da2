#!/usr/bin/env bash
# A missing, absent or locked Secret Service is a one-line error in well under a second,
# never a hang or a prompt. Runs inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/keyring.sh"

# These are the protector's failures: no key cache in between (key_cache.sh tests the cache).
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_KEY_CACHE_SECONDS=0
request='{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}'

# Runs a helper verb; sets OUT, STATUS and MILLISECONDS_TAKEN.
timed() {
    local input=$1 start end
    shift
    start=${EPOCHREALTIME/./}
    STATUS=0
    OUT=$(printf '%s' "$input" | timeout 10 "$@" 2>"$TEST_TMP/stderr") || STATUS=$?
    end=${EPOCHREALTIME/./}
    MILLISECONDS_TAKEN=$(((end - start) / 1000))
}

expect_fast_one_line_error() {
    local what=$1 needle=$2
    ((STATUS == 1)) || fail "$what: exit $STATUS, expected 1"
    assert_one_line "$OUT" "$what"
    assert_contains "$OUT" "$needle" "$what"
    ((MILLISECONDS_TAKEN < 1000)) || fail "$what took ${MILLISECONDS_TAKEN} ms"
    # (dbus-daemon's own "Failed to set fd limit" warning is not ours)
    ! grep -v 'Failed to set fd limit' "$TEST_TMP/stderr" | grep -q . ||
        fail "$what wrote to stderr: $(cat "$TEST_TMP/stderr")"
}

timed "$request" env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR docker-credential-keyhold store
expect_fast_one_line_error "store without a session bus" "no D-Bus session bus"
assert_contains "$OUT" "keyhold init --backend passphrase" "store without a session bus"
[[ ! -e "$KEYHOLD_HOME/store" ]] || fail "a store was created without a protector"
ok "no session bus: one-line error in ${MILLISECONDS_TAKEN} ms, no store created"

# A bus where nothing owns org.freedesktop.secrets (and activation is not attempted).
timed "$request" dbus-run-session -- docker-credential-keyhold store
expect_fast_one_line_error "store on a bus without a Secret Service" "no Secret Service"
ok "a bus without a Secret Service: one-line error in ${MILLISECONDS_TAKEN} ms"

timed "$request" docker-credential-keyhold store
((STATUS == 0)) || fail "store with an unlocked keyring: $OUT"
before=$(sha256sum <"$KEYHOLD_HOME/store")

lock_keyring || fail "could not lock the keyring"
timed "ghcr.io" docker-credential-keyhold get
expect_fast_one_line_error "get with a locked keyring" "is locked"
assert_contains "$OUT" 'run `keyhold unlock`' "get with a locked keyring"
ok "locked keyring, get: one-line error in ${MILLISECONDS_TAKEN} ms"

timed "$request" docker-credential-keyhold store
expect_fast_one_line_error "store with a locked keyring" "is locked"
assert_contains "$OUT" 'run `keyhold unlock`' "store with a locked keyring"
assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$before" "the store file after a locked store"
ok "locked keyring, store: one-line error in ${MILLISECONDS_TAKEN} ms, store file unchanged"
