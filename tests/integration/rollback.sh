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

printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"old"}' | docker-credential-keyhold store
cp "$KEYHOLD_HOME/store" "$TEST_TMP/older-store"
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"rotated"}' | docker-credential-keyhold store
wait_until 10 test "$(recorded_generation)" = 3 || fail "the Secret Service never recorded generation 3 (it has $(recorded_generation))"
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
wait_until 10 test "$(recorded_generation)" = 9 || fail "after 8 writes the Secret Service has generation $(recorded_generation), not 9"
ok "after 8 parallel writes the recorded generation is the newest (9)"
