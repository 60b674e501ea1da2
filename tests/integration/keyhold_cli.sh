#!/usr/bin/env bash
# keyhold init and status, as a user types them.
source "$(dirname "$0")/../fixtures/common.sh"

# The passphrase checks below are the protector's: no key cache in between.
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="cli passphrase" KEYHOLD_KEY_CACHE_SECONDS=0

status=0
output=$(keyhold status 2>&1) || status=$?
((status == 1)) || fail "status without a store exits $status"
assert_contains "$output" "keyhold init" "status without a store"
ok "status without a store says how to create one, exit 1"

output=$(keyhold init --backend passphrase)
assert_eq "$(head -n 1 <<<"$output")" "created keyhold store $KEYHOLD_HOME/store, its key protected by passphrase" "init"
# With the cache off (KEYHOLD_KEY_CACHE_SECONDS=0) a headless user must learn where the helpers
# will find the passphrase.
assert_contains "$output" "the helpers read KEYHOLD_PASSPHRASE" "init with the key cache off"
assert_eq "$(stat -c %a "$KEYHOLD_HOME")" "700" "store directory mode"
assert_eq "$(stat -c %a "$KEYHOLD_HOME/store")" "600" "store file mode"
ok "init creates a private store"

before=$(sha256sum <"$KEYHOLD_HOME/store")
status=0
output=$(keyhold init --backend passphrase 2>&1) || status=$?
((status == 1)) || fail "a second init exits $status"
assert_one_line "$output" "second init"
assert_contains "$output" "already exists" "second init"
assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$before" "store after a second init"
ok "a second init is refused and changes nothing"

printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}' | docker-credential-keyhold store
output=$(keyhold status)
assert_contains "$output" "protector:   passphrase" "status"
assert_contains "$output" "generation:  2" "status"
assert_contains "$output" "1 registry credential saved on this machine" "status"
assert_not_contains "$output" "s3cret" "status"
ok "status shows the protector, generation and counts, never a secret"

help=$(keyhold init --help)
assert_contains "$help" "secret-service: " "init --help"
assert_contains "$help" "passphrase: " "init --help"
assert_not_contains "$help" "macos-keychain" "init --help"
assert_not_contains "$help" "windows-dpapi" "init --help"
ok "init --help lists the protectors this build has, and no other"

for backend in frobnicate macos-keychain; do
    status=0
    output=$(KEYHOLD_HOME="$TEST_TMP/other-$backend" keyhold init --backend "$backend" 2>&1) || status=$?
    ((status == 1)) || fail "init --backend $backend exits $status"
    assert_one_line "$output" "init --backend $backend"
    [[ ! -e "$TEST_TMP/other-$backend/store" ]] || fail "init --backend $backend created a store"
    ok "init --backend $backend is refused in one line: $output"
done

status=0
output=$(keyhold frobnicate 2>&1) || status=$?
assert_eq "$output" 'keyhold: unknown command '"'frobnicate'"' (see `keyhold --help`)' "unknown subcommand"
((status == 2)) || fail "an unknown subcommand exits $status"
assert_one_line "$output" "unknown subcommand"
ok "an unknown subcommand is a one-line usage error: $output"

# The source types come from one table (src/sync/source_types.cpp): the refusal names them, and
# the help it points at lists each with what it is.
status=0
output=$(printf 'x' | keyhold source add acme --type jenkins --url https://api.example.com 2>&1) || status=$?
((status == 2)) || fail "source add --type jenkins exits $status"
assert_eq "$output" "keyhold: --type: 'jenkins' is not a source type; use ignite or gitpod (see \`keyhold source add --help\`)" \
    "source add --type jenkins"
assert_not_contains "$(keyhold source list)" "acme" "sources after refusing --type jenkins"
help=$(keyhold source add --help)
for line in "ignite: the build-secrets API" "gitpod: Gitpod's SecretService"; do
    assert_contains "$help" "$line" "keyhold source add --help"
done
ok "a wrong --type is refused in one line naming the types, which source add --help lists: $output"

status=0
output=$(KEYHOLD_PASSPHRASE=wrong keyhold status 2>&1) || status=$?
((status == 1)) || fail "status with a wrong passphrase exits $status"
assert_contains "$output" "wrong passphrase" "status with a wrong passphrase"
ok "status with a wrong passphrase names the problem"

status=0
# setsid: no controlling terminal, so keyhold cannot prompt even when the tests run in one.
output=$(env -u KEYHOLD_PASSPHRASE setsid -w keyhold status </dev/null 2>&1 | tail -1) || status=$?
assert_contains "$output" "set KEYHOLD_PASSPHRASE" "status without a passphrase or terminal"
assert_contains "$output" "keyhold unlock" "status without a passphrase or terminal"
ok "without KEYHOLD_PASSPHRASE or a terminal, the error says to unlock or what to set"

# keyhold unlock: the passphrase asked once (here from KEYHOLD_PASSPHRASE), the key then cached,
# so that a helper without the passphrase in its environment answers.
printf '{"ServerURL":"unlock.example","Username":"u","Secret":"unlock-secret"}' |
    KEYHOLD_KEY_CACHE_SECONDS=0 docker-credential-keyhold store
keyhold lock >/dev/null
status=0
env -u KEYHOLD_PASSPHRASE KEYHOLD_KEY_CACHE_SECONDS=300 setsid -w docker-credential-keyhold get \
    <<<"unlock.example" >/dev/null 2>&1 </dev/null || status=$?
((status == 1)) || fail "get before unlock, without a passphrase: exit $status"
output=$(KEYHOLD_KEY_CACHE_SECONDS=300 keyhold unlock)
assert_contains "$output" "is unlocked; its key is cached for the helpers" "keyhold unlock"
output=$(echo unlock.example | env -u KEYHOLD_PASSPHRASE KEYHOLD_KEY_CACHE_SECONDS=300 setsid -w \
    docker-credential-keyhold get)
assert_contains "$output" "unlock-secret" "get after unlock, without a passphrase"
KEYHOLD_KEY_CACHE_SECONDS=300 keyhold lock >/dev/null
ok "keyhold unlock caches the key: a helper without the passphrase answers, until keyhold lock"

# keyhold init --backend passphrase asked (here: was given) the passphrase: the key is cached as
# after an unlock, so the first helper call right after needs no KEYHOLD_PASSPHRASE.
export KEYHOLD_HOME="$TEST_TMP/cached-at-init"
output=$(KEYHOLD_KEY_CACHE_SECONDS=300 keyhold init --backend passphrase)
assert_contains "$output" "cached for the helpers for 300 s" "init with the key cache on"
assert_contains "$output" "give the helpers KEYHOLD_PASSPHRASE" "init with the key cache on"
printf '{"ServerURL":"init.example","Username":"u","Secret":"init-secret"}' |
    env -u KEYHOLD_PASSPHRASE KEYHOLD_KEY_CACHE_SECONDS=300 setsid -w docker-credential-keyhold store
output=$(echo init.example | env -u KEYHOLD_PASSPHRASE KEYHOLD_KEY_CACHE_SECONDS=300 setsid -w \
    docker-credential-keyhold get)
assert_contains "$output" "init-secret" "store and get right after init, without a passphrase"
KEYHOLD_KEY_CACHE_SECONDS=300 keyhold lock >/dev/null
ok "after keyhold init --backend passphrase the helpers work without KEYHOLD_PASSPHRASE"

# --- what a new user types first --------------------------------------------------------------
output=$(keyhold exec --help)
assert_contains "$output" "-- COMMAND [ARG ...]" "keyhold exec --help"
ok "keyhold exec --help shows where the command goes"

for helper in docker-credential-keyhold git-credential-keyhold; do
    output=$($helper --help) || fail "$helper --help exits non-zero"
    assert_contains "$output" "usage: $helper " "$helper --help"
    assert_contains "$output" "keyhold configure" "$helper --help"
done
ok "both helpers answer --help with their usage and how to point a client at them, exit 0"

status=0
output=$(printf '' | KEYHOLD_DEBUG=1 docker-credential-keyhold get 2>&1) || status=$?
((status == 1)) || fail "get of an empty server URL exits $status"
assert_eq "$output" "no credentials server URL" "get of an empty server URL, KEYHOLD_DEBUG=1, both streams"
ok "KEYHOLD_DEBUG does not repeat on stderr what stdout says"

export KEYHOLD_HOME="$TEST_TMP/no-sources"
stdout=$(keyhold source list 2>"$TEST_TMP/stderr") || fail "source list without sources failed"
assert_eq "$stdout" "" "source list without sources, stdout"
assert_contains "$(cat "$TEST_TMP/stderr")" "no org sources yet; add one with \`keyhold source add" \
    "source list without sources, stderr"
ok "source list without sources says so on stderr, and how to add one; stdout stays empty for scripts"
