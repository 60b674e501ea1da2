#!/usr/bin/env bash
# The Windows programs killed at random points of a docker `store` (under wine64, through the
# wrappers in KEYHOLD_BIN_DIR): after every kill the store opens, the entry the killed store
# wrote is exactly its old value or exactly its new one, every other entry is intact, and
# nothing says the store is damaged. The kill is wine's TerminateProcess of a SIGKILL: the
# write path's order (a new file, FlushFileBuffers, MoveFileExW over the old one) is what is
# under test, not the disk's behaviour at a power cut.
#
# KEYHOLD_CRASH_ITERATIONS (default 40) kills; KEYHOLD_CRASH_SEED repeats a run's choices.
source "$(dirname "$0")/../fixtures/common.sh"

iterations=${KEYHOLD_CRASH_ITERATIONS:-40}
seed=${KEYHOLD_CRASH_SEED:-$(od -An -tu2 -N2 /dev/urandom | tr -d ' ')}
RANDOM=$seed
echo "# $iterations kills, seed $seed (KEYHOLD_CRASH_SEED=$seed repeats the choices)"

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="windows crash passphrase" KEYHOLD_KEY_CACHE_SECONDS=0
keyhold init --backend passphrase >/dev/null
# Enough entries that a write takes a while: 40 registries with 20 KB secrets (about 0.8 MB).
for n in $(seq -w 40); do
    printf '{"ServerURL":"filler-%s.example","Username":"u%s","Secret":"%s"}\n' "$n" "$n" "$(head -c 15000 /dev/urandom | base64 -w0)"
done >"$TEST_TMP/fillers"
while read -r line; do printf '%s' "$line" | docker-credential-keyhold store; done <"$TEST_TMP/fillers"
filler_list=$(docker-credential-keyhold list)

value=0  # the secret of victim.example the store holds now
printf '{"ServerURL":"victim.example","Username":"v","Secret":"value-0"}' | docker-credential-keyhold store
killed=0 finished=0 killed_but_written=0
for ((i = 1; i <= iterations; i++)); do
    next=$((value + 1))
    printf '{"ServerURL":"victim.example","Username":"v","Secret":"value-%s"}' "$next" >"$TEST_TMP/request"
    docker-credential-keyhold store <"$TEST_TMP/request" >/dev/null 2>&1 &
    writer=$!
    # A store takes 0.2-0.35 s here, most of it wine starting the program: kill in that span.
    sleep "0.$(printf '%03d' $((100 + RANDOM % 300)))"
    # The wrapper execs wine, which execs the program: $writer is the Windows process.
    was_killed=false
    if kill -KILL "$writer" 2>/dev/null; then
        killed=$((killed + 1))
        was_killed=true
    else
        finished=$((finished + 1))
    fi
    wait "$writer" 2>/dev/null || true
    output=$(echo victim.example | docker-credential-keyhold get) || fail "kill $i: get failed: $output"
    case "$output" in
        *'"Secret":"value-'"$value"'"}') ;;
        *'"Secret":"value-'"$next"'"}')
            value=$next
            ! $was_killed || killed_but_written=$((killed_but_written + 1))
            ;;
        *) fail "kill $i: victim.example holds neither value-$value nor value-$next: $output" ;;
    esac
done
assert_eq "$(docker-credential-keyhold list | sed 's/,"victim.example":"v"//; s/"victim.example":"v",//')" \
    "$filler_list" "every other entry after $iterations kills"
keyhold status >/dev/null || fail "keyhold status after the kills"
ok "$iterations kills ($killed while running, $killed_but_written of them after the new store was in place; $finished finished first): the store opens, each entry old or new, nothing damaged"
