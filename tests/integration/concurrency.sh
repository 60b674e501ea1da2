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

# Both helpers and an org sync at once: 8 docker and 8 git writers (each reads its own write
# back), 4 docker and 4 git readers of entries that exist, and keyhold sync three times over.
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
start_org_api_with_test_ca "$TEST_TMP"
org_secrets=$(for n in $(seq 50); do printf '"ORG_%s": "org-value-%s", ' "$n" "$n"; done)
printf '{"registryCredentials": {"org-registry.example": "%s"}, "buildSecrets": {%s"NPM_TOKEN": "npm-org"}}' \
    "$(printf 'org-bot:org-pat' | base64 -w0)" "$org_secrets" | org_put_secrets "$ca" >/dev/null
org_issue_token "$TEST_TMP/org" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
printf 'protocol=https\nhost=git-reader.example\nusername=reader\npassword=git-reader-secret\n\n' |
    git-credential-keyhold store

writes_per_writer=10 reads_per_reader=20
git_get() { printf 'protocol=https\nhost=%s\n\n' "$1" | git-credential-keyhold get; }
docker_writer() {
    local i host answer
    for i in $(seq "$writes_per_writer"); do
        host="mixed-docker-$1-$i.example"
        store_request "$host" "user-$1" "docker-secret-$1-$i" | docker-credential-keyhold store ||
            { echo "docker store $host failed"; continue; }
        answer=$(echo "$host" | docker-credential-keyhold get) || answer="(failed) $answer"
        [[ "$answer" == "{\"ServerURL\":\"$host\",\"Username\":\"user-$1\",\"Secret\":\"docker-secret-$1-$i\"}" ]] ||
            echo "docker get $host after its store: $answer"
    done
}
git_writer() {
    local i host answer
    for i in $(seq "$writes_per_writer"); do
        host="mixed-git-$1-$i.example"
        printf 'protocol=https\nhost=%s\nusername=user-%s\npassword=git-secret-%s-%s\n\n' "$host" "$1" "$1" "$i" |
            git-credential-keyhold store || { echo "git store $host failed"; continue; }
        answer=$(git_get "$host") || answer="(failed) $answer"
        [[ "$answer" == *"password=git-secret-$1-$i"* ]] || echo "git get $host after its store: $answer"
    done
}
docker_reader() {
    local i answer
    for i in $(seq "$reads_per_reader"); do
        answer=$(echo "host-1.example" | docker-credential-keyhold get) || answer="(failed) $answer"
        [[ "$answer" == "$expected" ]] || echo "docker reader $1, get $i: $answer"
    done
}
git_reader() {
    local i answer
    for i in $(seq "$reads_per_reader"); do
        answer=$(git_get git-reader.example) || answer="(failed) $answer"
        [[ "$answer" == *"password=git-reader-secret"* ]] || echo "git reader $1, get $i: $answer"
    done
}
syncs() {
    local i
    for i in 1 2 3; do
        keyhold sync >/dev/null || echo "sync $i failed"
    done
}
workers=()  # not a bare wait: the org API stand-in is a child too
for w in $(seq 8); do
    docker_writer "$w" >"$TEST_TMP/results/mixed-docker-writer-$w" 2>&1 &
    workers+=($!)
    git_writer "$w" >"$TEST_TMP/results/mixed-git-writer-$w" 2>&1 &
    workers+=($!)
done
for r in $(seq 4); do
    docker_reader "$r" >"$TEST_TMP/results/mixed-docker-reader-$r" 2>&1 &
    workers+=($!)
    git_reader "$r" >"$TEST_TMP/results/mixed-git-reader-$r" 2>&1 &
    workers+=($!)
done
syncs >"$TEST_TMP/results/mixed-sync" 2>&1 &
workers+=($!)
started=$SECONDS
wait "${workers[@]}"
elapsed=$((SECONDS - started))
problems=$(cat "$TEST_TMP/results/mixed-"*)
assert_eq "$problems" "" "writers, readers and syncs at once"

lost=""
for w in $(seq 8); do
    for i in $(seq "$writes_per_writer"); do
        host="mixed-docker-$w-$i.example"
        [[ "$(echo "$host" | docker-credential-keyhold get)" == *"\"Secret\":\"docker-secret-$w-$i\""* ]] ||
            lost+=" $host"
        [[ "$(git_get "mixed-git-$w-$i.example")" == *"password=git-secret-$w-$i"* ]] || lost+=" mixed-git-$w-$i.example"
    done
done
assert_eq "$lost" "" "entries lost by writers running beside a sync"
assert_eq "$(keyhold secret list | grep -c '^ORG_')" "50" "the sync's build secrets"
assert_eq "$(keyhold secret get NPM_TOKEN)" "npm-org" "the sync's NPM_TOKEN"
assert_eq "$(echo org-registry.example | docker-credential-keyhold get)" \
    '{"ServerURL":"org-registry.example","Username":"org-bot","Secret":"org-pat"}' "the sync's registry credential"
assert_eq "$(find "$KEYHOLD_HOME" -name 'store.tmp.*')" "" "temporary files left after the mixed run"
writes=$((16 * writes_per_writer)) reads=$((16 * writes_per_writer + 8 * reads_per_reader))
ok "16 writers and 8 readers of both helpers beside 3 syncs, ${elapsed}s: $writes stores and $reads gets all right; all $writes stores and the sync's 52 entries kept"
