#!/usr/bin/env bash
# A whole store file put back to an older copy is refused: the Secret Service keeps the newest
# generation written (copied there by a detached process after each write), so this holds with
# no key cache at all. Runs inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"
require_commands secret-tool

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_KEY_CACHE_SECONDS=0
keyhold init --backend secret-service >/dev/null
store_id=$(keyhold status | sed -n 's/^store id: *//p')
recorded_generation() { secret-tool lookup store "$store_id" 2>/dev/null | awk '{print $2}'; }
# Polled by wait_until: "$(recorded_generation)" in its arguments would be read once, up front.
generation_recorded() { [[ "$(recorded_generation)" == "$1" ]]; }

printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"old"}' | docker-credential-keyhold store
cp "$KEYHOLD_HOME/store" "$TEST_TMP/older-store"
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"rotated"}' | docker-credential-keyhold store
wait_until 10 generation_recorded 3 || fail "the Secret Service never recorded generation 3 (it has $(recorded_generation))"
ok "after a write, the newest generation reaches the Secret Service (3)"

cp "$TEST_TMP/older-store" "$KEYHOLD_HOME/store"
status=0
output=$(echo ghcr.io | docker-credential-keyhold get) || status=$?
((status == 1)) || fail "get of a rolled-back store exits $status: $output"
assert_contains "$output" "was rolled back: it is generation 2 but generation 3 was written before" "get"
ok "a store file put back to generation 2 is refused: $output"

# A burst of writes: every one succeeds at once, and the newest generation is what is recorded.
cp "$TEST_TMP/older-store" "$TEST_TMP/ignored"
rm "$KEYHOLD_HOME/store" "$KEYHOLD_HOME/store.id"
keyhold init --backend secret-service >/dev/null
store_id=$(keyhold status | sed -n 's/^store id: *//p')
for i in $(seq 8); do
    printf '{"ServerURL":"host-%d.example","Username":"u","Secret":"s"}' "$i" | docker-credential-keyhold store &
done
wait
wait_until 10 generation_recorded 9 || fail "after 8 writes the Secret Service has generation $(recorded_generation), not 9"
ok "after 8 parallel writes the recorded generation is the newest (9)"

# A store directory copied whole keeps working beside the original (docs/store-format.md): each
# copy has its own history from then on, in the key cache and in the Secret Service item alike.
for protector in secret-service passphrase; do
    export KEYHOLD_HOME="$TEST_TMP/copy-$protector/original" KEYHOLD_PASSPHRASE=pw KEYHOLD_KEY_CACHE_SECONDS=120
    copy="$TEST_TMP/copy-$protector/copy"
    keyhold init --backend "$protector" >/dev/null
    store_id=$(keyhold status | sed -n 's/^store id: *//p')
    printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"before"}' | docker-credential-keyhold store
    cp -a "$KEYHOLD_HOME" "$copy"
    for i in 1 2 3; do
        printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"after-%s"}' "$i" | docker-credential-keyhold store
    done
    if [[ "$protector" == secret-service ]]; then
        wait_until 10 generation_recorded 5 || fail "the Secret Service never recorded generation 5"
    fi
    for cache in 120 0; do
        answer=$(echo ghcr.io | KEYHOLD_HOME="$copy" KEYHOLD_KEY_CACHE_SECONDS=$cache docker-credential-keyhold get) ||
            fail "$protector: get from the copied directory (cache $cache s): $answer"
        assert_eq "$answer" '{"ServerURL":"ghcr.io","Username":"alice","Secret":"before"}' "$protector copy, cache $cache s"
    done
    printf '{"ServerURL":"quay.io","Username":"bob","Secret":"copy-only"}' |
        KEYHOLD_HOME="$copy" docker-credential-keyhold store || fail "$protector: store into the copy"
    assert_contains "$(echo ghcr.io | KEYHOLD_KEY_CACHE_SECONDS=0 docker-credential-keyhold get)" '"Secret":"after-3"' \
        "$protector original after the copy's write"
    ok "$protector: a copied store directory serves its own entries, cached or not, and so does the original"
done
unset KEYHOLD_PASSPHRASE

# The copy's writes never lower the original's floor: a rollback of the original is still caught.
export KEYHOLD_HOME="$TEST_TMP/copy-secret-service/original" KEYHOLD_KEY_CACHE_SECONDS=0
store_id=$(keyhold status | sed -n 's/^store id: *//p')
cp "$KEYHOLD_HOME/store" "$TEST_TMP/original-gen5"
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"after-4"}' | docker-credential-keyhold store
wait_until 10 generation_recorded 6 || fail "the Secret Service never recorded generation 6"
printf '{"ServerURL":"quay.io","Username":"bob","Secret":"copy-again"}' |
    KEYHOLD_HOME="$TEST_TMP/copy-secret-service/copy" docker-credential-keyhold store
sleep 0.5
cp "$TEST_TMP/original-gen5" "$KEYHOLD_HOME/store"
status=0
output=$(echo ghcr.io | docker-credential-keyhold get) || status=$?
((status == 1)) || fail "a rolled-back original beside a copy exits $status: $output"
assert_contains "$output" "was rolled back" "a rolled-back original beside a copy"
ok "beside a copy, the original's rollback is still refused"

# The same directory spelled otherwise (a trailing slash, a symbolic link) is the same store,
# with the same history: the rollback is refused through every spelling.
ln -s "$KEYHOLD_HOME" "$TEST_TMP/link-to-original"
for spelling in "$KEYHOLD_HOME/" "$TEST_TMP/link-to-original" "$KEYHOLD_HOME/../original"; do
    status=0
    output=$(echo ghcr.io | KEYHOLD_HOME="$spelling" docker-credential-keyhold get) || status=$?
    ((status == 1)) || fail "a rolled-back store through $spelling exits $status: $output"
    assert_contains "$output" "was rolled back" "a rolled-back store through $spelling"
done
ok "a rolled-back store is refused however its directory is spelled (trailing slash, symbolic link, ..)"
