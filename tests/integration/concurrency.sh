#!/usr/bin/env bash
# Parallel writers lose nothing and readers never see a partial store.
# concurrency.sh passphrase|secret-service (the latter inside with-secret-service).
source "$(dirname "$0")/../fixtures/common.sh"

protector=${1:?usage: concurrency.sh passphrase|secret-service}
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="concurrency passphrase"
keyhold init --backend "$protector" >/dev/null

store_request() { printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$1" "$2" "$3"; }
mkdir -p "$TEST_TMP/results"

# 16 writers, 16 different registries, all at once.
for i in $(seq 16); do
    (store_request "host-$i.example" "user-$i" "secret-$i" | docker-credential-keyhold store \
        >"$TEST_TMP/results/store-$i" 2>&1; echo $? >>"$TEST_TMP/results/store-$i") &
done
wait
for i in $(seq 16); do
    assert_eq "$(cat "$TEST_TMP/results/store-$i")" "0" "parallel store $i"
    assert_eq "$(echo "host-$i.example" | docker-credential-keyhold get)" \
        "{\"ServerURL\":\"host-$i.example\",\"Username\":\"user-$i\",\"Secret\":\"secret-$i\"}" "get host-$i"
done
ok "16 parallel stores of different hosts: all 16 kept"

# 8 writers storing the same credential at once.
for i in $(seq 8); do
    (store_request "same.example" "same-user" "same-secret" | docker-credential-keyhold store \
        >"$TEST_TMP/results/same-$i" 2>&1; echo $? >>"$TEST_TMP/results/same-$i") &
done
wait
for i in $(seq 8); do
    assert_eq "$(cat "$TEST_TMP/results/same-$i")" "0" "identical store $i"
done
listing=$(docker-credential-keyhold list)
assert_eq "$(grep -o '"same.example"' <<<"$listing" | wc -l)" "1" "entries for same.example"
ok "8 parallel identical stores: all succeed, one entry"

# Readers running while writers rewrite the store: every get succeeds with the right answer.
expected='{"ServerURL":"host-1.example","Username":"user-1","Secret":"secret-1"}'
writer() {
    local i
    for i in $(seq 30); do
        store_request "churn-$1-$i.example" "u" "s-$i" | docker-credential-keyhold store || echo "store $1-$i failed"
    done
}
reader() {
    local i answer
    for i in $(seq 40); do
        answer=$(echo "host-1.example" | docker-credential-keyhold get) || { echo "get $1-$i failed: $answer"; continue; }
        [[ "$answer" == "$expected" ]] || echo "get $1-$i answered: $answer"
    done
}
writer a >"$TEST_TMP/results/writer-a" 2>&1 &
writer b >"$TEST_TMP/results/writer-b" 2>&1 &
reader a >"$TEST_TMP/results/reader-a" 2>&1 &
reader b >"$TEST_TMP/results/reader-b" 2>&1 &
wait
problems=$(cat "$TEST_TMP/results/writer-"* "$TEST_TMP/results/reader-"*)
assert_eq "$problems" "" "gets and stores while writing"
assert_eq "$(docker-credential-keyhold list | grep -o '"churn-' | wc -l)" "60" "churn entries"
ok "80 gets during 60 writes: none failed or saw a partial store; all 60 writes kept"

leftovers=$(find "$KEYHOLD_HOME" -name 'store.tmp.*')
assert_eq "$leftovers" "" "temporary files left"
ok "no temporary files left behind"
