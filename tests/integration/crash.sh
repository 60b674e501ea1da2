#!/usr/bin/env bash
# SIGKILL at random points of every kind of write: docker store and erase, git store,
# keyhold sync (from the org API stand-in) and keyhold rekey (passphrase -> new passphrase).
# After every kill the store opens, the entry the operation touched is exactly its old value or
# exactly its new one, every other entry is intact, keyhold status works, and nothing ever says
# the store is damaged (docs/store-format.md "Writing"; docs/architecture.md "The store").
#
# KEYHOLD_CRASH_ITERATIONS (default 300, 100 in the sanitizer build): kills in all; the long
# run is documented in docs/testing.md. KEYHOLD_CRASH_SEED repeats a run's random choices.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
require_commands cc base64 od

if [[ "${KEYHOLD_SANITIZED:-}" == 1 ]]; then
    iterations=${KEYHOLD_CRASH_ITERATIONS:-100}
else
    iterations=${KEYHOLD_CRASH_ITERATIONS:-300}
fi
seed=${KEYHOLD_CRASH_SEED:-$(od -An -tu2 -N2 /dev/urandom | tr -d ' ')}
RANDOM=$seed
echo "# $iterations kills, seed $seed (KEYHOLD_CRASH_SEED=$seed repeats the choices)"
cc -O2 -o "$TEST_TMP/kill_after" "$(dirname "$0")/../fixtures/kill_after.c"
kill_after="$TEST_TMP/kill_after"

# --- the store: user entries beside an org's set, big enough that writing it takes a while ---
start_org_api_with_test_ca "$TEST_TMP"
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="crash passphrase 0"
on_exit "keyhold lock"  # the kernel key cache entry of this store goes with it
keyhold init --backend passphrase >/dev/null

filler_count=800  # org build secrets of 512 random bytes: a store of about 0.6 MB
filler=$(for n in $(seq -w "$filler_count"); do
    printf '"FILLER_%s": "%s", ' "$n" "$(head -c 384 /dev/urandom | base64 -w0)"
done)
org_generation=0 # the org set keyhold last synced: NPM_TOKEN=npm-G, org.example's secret org-G
save_org() {  # GENERATION: the admin saves the org's set
    printf '{"registryCredentials": {"org.example": "%s"}, "buildSecrets": {%s"NPM_TOKEN": "npm-%s"}}' \
        "$(printf 'org-bot:org-%s' "$1" | base64 -w0)" "$filler" "$1" | org_put_secrets "$ca" >/dev/null
}
save_org 0
org_issue_token "$TEST_TMP/org" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
keyhold sync >/dev/null

declare -A docker_secret git_secret  # what each user entry holds now ("" when it is absent)
docker_hosts=(d-1.example d-2.example d-3.example d-4.example)
git_hosts=(g-1.example g-2.example g-3.example)
docker_request() { printf '{"ServerURL":"%s","Username":"user-%s","Secret":"%s"}' "$1" "$1" "$2"; }
git_request() { printf 'protocol=https\nhost=%s\nusername=user-%s\npassword=%s\n\n' "$1" "$1" "$2"; }
for host in "${docker_hosts[@]}"; do
    docker_secret[$host]="docker-$host-0"
    docker_request "$host" "${docker_secret[$host]}" | docker-credential-keyhold store
done
for host in "${git_hosts[@]}"; do
    git_secret[$host]="git-$host-0"
    git_request "$host" "${git_secret[$host]}" | git-credential-keyhold store
done
passphrase=$KEYHOLD_PASSPHRASE

# --- what a user sees ----------------------------------------------------------------------
# docker_answer HOST SECRET: what docker's get answers when the entry holds SECRET ("": absent).
docker_answer() {
    if [[ -n "$2" ]]; then
        printf '{"ServerURL":"%s","Username":"user-%s","Secret":"%s"}' "$1" "$1" "$2"
    else
        echo "credentials not found in native keychain"
    fi
}
docker_get() { echo "$1" | docker-credential-keyhold get 2>&1 || true; }
git_password() {  # HOST: the password git gets, nothing when it gets none, else what the helper said
    local output
    output=$(printf 'protocol=https\nhost=%s\n\n' "$1" | git-credential-keyhold get 2>&1) || true
    if [[ "$output" == *password=* ]]; then
        sed -n 's/^password=//p' <<<"$output"
    else
        printf '%s' "$output"
    fi
}
org_answers() {  # the org set the store serves, as its generation, "NPM_TOKEN org.example"
    local npm registry
    npm=$(keyhold secret get NPM_TOKEN 2>&1) || fail "keyhold secret get NPM_TOKEN: $npm"
    registry=$(docker_get org.example)
    echo "${npm#npm-} $(sed -n 's/.*"Secret":"org-\([^"]*\)".*/\1/p' <<<"$registry")"
}
entry_total() {  # the number of entries keyhold status counts
    keyhold status 2>&1 | sed -n 's/^entries: *//p'
}
present_count() {
    local count=0 host
    for host in "${docker_hosts[@]}"; do [[ -n "${docker_secret[$host]}" ]] && count=$((count + 1)); done
    echo $((count + ${#git_hosts[@]}))
}
base_entries=$(($(entry_total) - $(present_count)))  # the org's entries and the source's

# --- the operations: each sets what the touched entry was (old) and would become (new) ----
# and runs the helper under kill_after DELAY, leaving its exit status in op_status (so never in a
# pipeline's subshell).
run_killed() {  # DELAY COMMAND... (stdin passed on)
    op_status=0
    "$kill_after" "$@" >"$TEST_TMP/op-output" 2>&1 || op_status=$?
}
op_docker_store() {
    host=${docker_hosts[RANDOM % ${#docker_hosts[@]}]}
    old=$(docker_answer "$host" "${docker_secret[$host]}")
    new_secret="docker-$host-$1" new=$(docker_answer "$host" "$new_secret")
    run_killed "$2" docker-credential-keyhold store < <(docker_request "$host" "$new_secret")
    now=$(docker_get "$host")
}
op_docker_erase() {
    host=${docker_hosts[RANDOM % ${#docker_hosts[@]}]}
    old=$(docker_answer "$host" "${docker_secret[$host]}")
    new_secret="" new=$(docker_answer "$host" "")
    run_killed "$2" docker-credential-keyhold erase <<<"$host"
    now=$(docker_get "$host")
}
op_git_store() {
    host=${git_hosts[RANDOM % ${#git_hosts[@]}]}
    old=${git_secret[$host]}
    new_secret="git-$host-$1" new=$new_secret
    run_killed "$2" git-credential-keyhold store < <(git_request "$host" "$new_secret")
    now=$(git_password "$host")
}
op_sync() {
    old="$org_generation $org_generation" new="$1 $1"
    save_org "$1"
    run_killed "$2" keyhold sync </dev/null
    now=$(org_answers)
}
op_rekey() {  # the touched "entry" is the passphrase that opens the store
    old=$passphrase new="crash passphrase $1"
    KEYHOLD_NEW_PASSPHRASE=$new run_killed "$2" keyhold rekey </dev/null
    now=""
    local candidate output
    for candidate in "$old" "$new"; do
        # No key cache: the passphrase itself must open the file on disk.
        if output=$(KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_PASSPHRASE=$candidate keyhold status 2>&1); then
            [[ -z "$now" ]] || fail "after rekey $1 both the old and the new passphrase open the store"
            now=$candidate
        else
            assert_contains "$output" "wrong passphrase" "status after rekey $1 under the other passphrase"
        fi
    done
}
record() {  # what the operation left is now the truth
    case $op in
    docker_store | docker_erase) docker_secret[$host]=$([[ "$now" == "$new" ]] && echo "$new_secret" || echo "${docker_secret[$host]}") ;;
    git_store) git_secret[$host]=$now ;;
    sync) org_generation=${now%% *} ;;
    rekey) passphrase=$now KEYHOLD_PASSPHRASE=$now ;;
    esac
}
check_others() {  # I: one other entry of each kind is exactly what it was, and nothing was lost
    local docker_host=${docker_hosts[RANDOM % ${#docker_hosts[@]}]} git_host=${git_hosts[RANDOM % ${#git_hosts[@]}]}
    assert_eq "$(docker_get "$docker_host")" "$(docker_answer "$docker_host" "${docker_secret[$docker_host]}")" \
        "kill $1 ($op): docker entry $docker_host"
    assert_eq "$(git_password "$git_host")" "${git_secret[$git_host]}" "kill $1 ($op): git entry $git_host"
    [[ "$op" == sync ]] || assert_eq "$(org_answers)" "$org_generation $org_generation" "kill $1 ($op): the org's entries"
    assert_eq "$(entry_total)" "$((base_entries + $(present_count)))" "kill $1 ($op): keyhold status's entry count"
}

# --- calibration: how long each operation takes here, unkilled --------------------------------
operations=(docker_store docker_erase git_store sync rekey)
declare -A window count killed installed leftover
step=0
for op in "${operations[@]}"; do
    durations=()
    for attempt in 1 2 3; do
        step=$((step + 1))
        started=$(date +%s%N)
        "op_$op" "c$step" 600000000
        elapsed=$((($(date +%s%N) - started) / 1000))
        ((op_status == 0)) || fail "$op (unkilled) exits $op_status: $(cat "$TEST_TMP/op-output")"
        assert_eq "$now" "$new" "$op (unkilled)"
        record
        durations+=("$elapsed")
    done
    window[$op]=$(printf '%s\n' "${durations[@]}" | sort -n | sed -n 2p)  # the median
    count[$op]=0 killed[$op]=0 installed[$op]=0 leftover[$op]=0
done
echo "# median durations (us): $(for op in "${operations[@]}"; do printf '%s %s, ' "$op" "${window[$op]}"; done)"
# Kills fall uniformly in [0, window). The window follows the machine's speed: it grows by 5 %
# after a kill and shrinks by 10 % after a run that finished first, which settles where about
# two runs in three are killed and the rest finish: kills reach every part of a run, its end too.
adapt_window() {
    if ((op_status == 137)); then
        window[$op]=$((window[$op] * 105 / 100))
    else
        window[$op]=$((window[$op] * 90 / 100))
    fi
    ((window[$op] >= 100)) || window[$op]=100
}

# --- the kills ---------------------------------------------------------------------------------
started=$SECONDS
for i in $(seq "$iterations"); do
    op=${operations[RANDOM % ${#operations[@]}]}
    delay=$(((RANDOM << 15 | RANDOM) % window[$op]))
    "op_$op" "$i" "$delay"
    count[$op]=$((count[$op] + 1))
    if ((op_status == 137)); then
        killed[$op]=$((killed[$op] + 1))
        [[ "$now" == "$new" && "$old" != "$new" ]] && installed[$op]=$((installed[$op] + 1))
        compgen -G "$KEYHOLD_HOME/store.tmp.*" >/dev/null && leftover[$op]=$((leftover[$op] + 1))
        [[ "$now" == "$old" || "$now" == "$new" ]] ||
            fail "kill $i ($op after ${delay} us): expected [$old] or [$new], got [$now]"
    else
        ((op_status == 0)) || fail "kill $i: $op ended by itself with status $op_status: $(cat "$TEST_TMP/op-output")"
        assert_eq "$now" "$new" "kill $i: $op, which finished before its kill at ${delay} us"
    fi
    if grep -qiE "damaged|truncated|authenticate|rolled back" "$TEST_TMP/op-output"; then
        fail "kill $i ($op): $(cat "$TEST_TMP/op-output")"
    fi
    record
    check_others "$i"
    adapt_window
done
elapsed=$((SECONDS - started))

# A kill may have left a temporary file: the next write removes it, and the store is whole.
docker_request d-1.example final | docker-credential-keyhold store
assert_eq "$(docker_get d-1.example)" "$(docker_answer d-1.example final)" "a store after the last kill"
docker_secret[d-1.example]=final
assert_eq "$(find "$KEYHOLD_HOME" -name 'store.tmp.*')" "" "temporary files after the next write"
for host in "${docker_hosts[@]}"; do
    assert_eq "$(docker_get "$host")" "$(docker_answer "$host" "${docker_secret[$host]}")" "docker entry $host at the end"
done
for host in "${git_hosts[@]}"; do
    assert_eq "$(git_password "$host")" "${git_secret[$host]}" "git entry $host at the end"
done
assert_eq "$(org_answers)" "$org_generation $org_generation" "the org's entries at the end"
assert_eq "$(keyhold secret list | grep -c FILLER_)" "$filler_count" "the org's filler secrets at the end"
assert_eq "$(keyhold secret get FILLER_$(seq -w "$filler_count" | tail -1) | wc -c)" "512" "the last filler secret"

total_killed=0 total_installed=0 total_leftover=0
summary=""
for op in "${operations[@]}"; do
    total_killed=$((total_killed + killed[$op]))
    total_installed=$((total_installed + installed[$op]))
    total_leftover=$((total_leftover + leftover[$op]))
    summary+="${summary:+, }${op//_/ } ${count[$op]} (${killed[$op]} killed)"
done
ok "kills survived: $iterations of $iterations in ${elapsed}s ($summary)"
echo "# final windows (us): $(for op in "${operations[@]}"; do printf '%s %s, ' "$op" "${window[$op]}"; done)"
ok "landed mid-operation: $total_killed of $iterations killed before they ended ($total_installed after the rename: new value in place; $total_leftover during the write: temporary file left); $((iterations - total_killed)) finished first"
