#!/usr/bin/env bash
# The tpm2 protector against real TPMs (swtpm on loopback): a store whose key the TPM seals,
# served with the key cache off so that every get unseals; re-keys to and from tpm2; a PCR
# policy that a changed PCR breaks; a copy of the store on another machine's TPM; a cleared TPM.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/swtpm.sh"
require_commands tpm2_clear tpm2_pcrextend tpm2_pcrreset
swtpm_tcti_installed || fail "libtss2-tcti-swtpm.so.0 is not installed (scripts/install-deps.sh test installs libtss2-tcti-swtpm0)"

start_swtpm "$TEST_TMP/tpm-a"
tpm_a=$SWTPM_TCTI
tpm_a_pid=$SWTPM_PID
start_swtpm "$TEST_TMP/tpm-b"
tpm_b=$SWTPM_TCTI

# No key cache: every get below is answered by the TPM itself.
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_TPM2_TCTI=$tpm_a
unset KEYHOLD_PASSPHRASE KEYHOLD_NEW_PASSPHRASE
registry_answer='{"ServerURL":"ghcr.io","Username":"alice","Secret":"registry-s3cret"}'

sealed_files() { find "${1:-$KEYHOLD_HOME}" -maxdepth 1 -name 'tpm2-*.sealed' -printf '%f\n' | sort; }
store_hash() { sha256sum <"${1:-$KEYHOLD_HOME}/store"; }
serves_both() {  # WHAT: docker and git get their credentials, with nothing on stderr
    local answer
    answer=$(echo ghcr.io | docker-credential-keyhold get 2>"$TEST_TMP/stderr") || fail "docker get $1 failed: $answer"
    assert_eq "$answer" "$registry_answer" "docker get $1"
    assert_eq "$(cat "$TEST_TMP/stderr")" "" "docker get's stderr $1"
    answer=$(printf 'protocol=https\nhost=git.example.com\n\n' | git-credential-keyhold get 2>"$TEST_TMP/stderr")
    assert_eq "$answer" $'username=bob\npassword=git-s3cret' "git get $1"
    assert_eq "$(cat "$TEST_TMP/stderr")" "" "git get's stderr $1"
}
get_fails_with() {  # WHAT MESSAGE: docker get exits 1 with exactly MESSAGE as its one line
    local output status=0
    output=$(echo ghcr.io | docker-credential-keyhold get 2>&1) || status=$?
    ((status == 1)) || fail "docker get $1 exits $status: $output"
    assert_one_line "$output" "docker get $1"
    assert_eq "$output" "$2" "docker get $1"
}
keyhold_fails_with() {  # WHAT MESSAGE ARGS...: keyhold exits 1 with "keyhold: MESSAGE" as its one line
    local what=$1 message=$2 output status=0
    shift 2
    output=$(keyhold "$@" 2>&1) || status=$?
    ((status == 1)) || fail "keyhold $* ($what) exits $status: $output"
    assert_eq "$output" "keyhold: $message" "keyhold $* ($what)"
}

# --- a tpm2 store, served with every get unsealing -----------------------------------------
assert_eq "$(keyhold init --backend tpm2)" "created keyhold store $KEYHOLD_HOME/store, its key protected by tpm2" "init"
[[ "$(sealed_files | wc -l)" == 1 ]] || fail "init left sealed files [$(sealed_files)]"
assert_eq "$(stat -c %a "$KEYHOLD_HOME/$(sealed_files)")" 600 "the sealed file's mode"
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"registry-s3cret"}' | docker-credential-keyhold store
printf 'protocol=https\nhost=git.example.com\nusername=bob\npassword=git-s3cret\n\n' | git-credential-keyhold store
serves_both "from a tpm2 store"
assert_contains "$(keyhold status)" "protector:   tpm2" "status"
if grep -rqF -e registry-s3cret -e git-s3cret "$KEYHOLD_HOME"; then fail "a secret is in plain text in $KEYHOLD_HOME"; fi
ok "init --backend tpm2 seals the key in $(sealed_files); docker and git are served, each get unsealing, stderr silent"

# What an unseal costs: docs/benchmarks.md's figure comes from this loop's kind.
gets=20
started=$(date +%s%N)
for ((i = 0; i < gets; i++)); do echo ghcr.io | docker-credential-keyhold get >/dev/null; done
ok "$(( ($(date +%s%N) - started) / gets / 1000 )) µs per docker get with an unseal (swtpm, $gets gets)"

doctor=$(keyhold doctor 2>/dev/null || true)
assert_contains "$doctor" "ok    tpm2: a TPM answers at $tpm_a; the key is sealed in $(sealed_files), with no PCR policy" "doctor"
assert_contains "$doctor" "ok    key: the tpm2 protector opens the store (2 entries)" "doctor"
ok "doctor: the TPM answers, the sealed file is there, the key opens the store"

# tpm2-tss frees the buffers that held the key in clear (the marshalled sensitive of a seal, the
# decrypted answer of an unseal) unwiped; the module has glibc zero them. Not under ASan, whose
# allocator keeps freed blocks aside as they were.
heap_probe=$1
if [[ "${KEYHOLD_SANITIZED:-0}" == 1 ]]; then
    echo "SKIPPED: the key left in the heap (ASan's allocator ignores M_PERTURB)"
else
    copies=$("$heap_probe" "$KEYHOLD_BIN_DIR/keyhold-tpm2.so" "$tpm_a") || fail "the heap probe failed: $copies"
    assert_eq "$copies" "copies 0" "copies of the key in the heap after a seal and an unseal"
    ok "after a seal and an unseal, no copy of the key is left in the heap"
fi

# --- what keyhold refuses before any TPM is asked ------------------------------------------
export KEYHOLD_HOME="$TEST_TMP/refused"
list_help="give PCR numbers 0-23 separated by commas, such as 0,7 or sha256:0,7"
keyhold_fails_with "PCR past 23" "--tpm2-pcrs '24': PCR 24 does not exist; $list_help" init --backend tpm2 --tpm2-pcrs 24
keyhold_fails_with "twice" "--tpm2-pcrs '0,7,0': PCR 0 is listed twice; $list_help" init --backend tpm2 --tpm2-pcrs 0,7,0
keyhold_fails_with "sha1 bank" "--tpm2-pcrs 'sha1:0': keyhold binds to the sha256 bank only; $list_help" \
    init --backend tpm2 --tpm2-pcrs sha1:0
keyhold_fails_with "not a number" "--tpm2-pcrs '0,,7': '' is not a PCR number; $list_help" init --backend tpm2 --tpm2-pcrs 0,,7
keyhold_fails_with "another backend" \
    "--tpm2-pcrs binds a key held by the TPM; it needs --backend tpm2, not passphrase" \
    init --backend passphrase --tpm2-pcrs 7
KEYHOLD_TPM2_TCTI="cmd:/bin/sh" keyhold_fails_with "a TCTI off the list" \
    "KEYHOLD_TPM2_TCTI 'cmd:/bin/sh' is not a TCTI keyhold uses: give device, swtpm, mssim or tabrmd and its configuration, such as device:/dev/tpmrm0 or swtpm:host=127.0.0.1,port=2321" \
    init --backend tpm2
KEYHOLD_TPM2_TCTI="device:/dev/tpmrm99" keyhold_fails_with "no TPM" \
    "no TPM here (device:/dev/tpmrm99: /dev/tpmrm99 does not exist); set KEYHOLD_TPM2_TCTI or choose another backend" \
    init --backend tpm2
# The device TCTI writes a TPM command into what it opens: never a file that is no TPM.
printf 'root:x:0:0\n' >"$TEST_TMP/victim"
for path in "$TEST_TMP/victim" /dev/null /dev/tpm0/../../$TEST_TMP/victim; do
    KEYHOLD_TPM2_TCTI="device:$path" keyhold_fails_with "device:$path" \
        "KEYHOLD_TPM2_TCTI 'device:$path' names no TPM device: give device:/dev/tpmrm0 or device:/dev/tpm0 (or another number)" \
        init --backend tpm2
done
assert_eq "$(cat "$TEST_TMP/victim")" "root:x:0:0" "a file named as a TPM device"
# A keyhold without its module beside it or in ../lib/keyhold/modules: the package to install.
mkdir -p "$TEST_TMP/bare/bin"
cp "$KEYHOLD_BIN_DIR/keyhold" "$TEST_TMP/bare/bin/"
output=$("$TEST_TMP/bare/bin/keyhold" init --backend tpm2 2>&1) && fail "init without the TPM module succeeded"
assert_one_line "$output" "init without the TPM module"
assert_contains "$output" "keyhold: the TPM module (keyhold-tpm2.so) is not installed beside $TEST_TMP/bare/bin/keyhold nor in $TEST_TMP/bare/" \
    "init without the TPM module"
assert_contains "$output" "/keyhold/modules (the keyhold-tpm2 package)" "init without the TPM module"
[[ ! -e "$KEYHOLD_HOME/store" ]] || fail "a refused init created a store"
ok "bad --tpm2-pcrs lists, --tpm2-pcrs with another backend, a TCTI off the list, a missing TPM device, a device that is no TPM, no TPM module: one line each, no store"
export KEYHOLD_HOME="$TEST_TMP/keyhold"

# --- the sealed file missing or damaged ----------------------------------------------------
sealed=$(sealed_files)
mv "$KEYHOLD_HOME/$sealed" "$TEST_TMP/sealed-aside"
get_fails_with "without the sealed file" \
    "the sealed key file $KEYHOLD_HOME/$sealed of the keyhold store is missing: it belongs with the store file; restore both from a backup of the directory"
cp "$TEST_TMP/sealed-aside" "$KEYHOLD_HOME/$sealed"
# The last byte is in the TPM2B_PRIVATE: the TPM's integrity check refuses it.
size=$(stat -c %s "$KEYHOLD_HOME/$sealed")
printf '\xff' | dd of="$KEYHOLD_HOME/$sealed" bs=1 seek=$((size - 1)) conv=notrunc status=none
get_fails_with "with a damaged sealed file" \
    "the sealed key file $KEYHOLD_HOME/$sealed of the keyhold store is damaged (the TPM refused to load it): restore the store directory from a backup, store and sealed files together"
cp "$TEST_TMP/sealed-aside" "$KEYHOLD_HOME/$sealed"
serves_both "with the sealed file back"
ok "a missing or damaged sealed file: one line naming the file"

# --- re-keys: tpm2 -> tpm2 -> passphrase -> tpm2 -------------------------------------------
old=$(sealed_files)
assert_eq "$(keyhold rekey)" "re-keyed $KEYHOLD_HOME/store: a new data key, protected by tpm2" "rekey in place"
new=$(sealed_files)
[[ -n "$new" && "$new" != *$'\n'* && "$new" != "$old" ]] || fail "sealed files after a re-key in place: [$new] (was $old)"
serves_both "after a re-key in place"
ok "a re-key in the TPM seals a new key ($new) and removes the old sealed file"

assert_eq "$(KEYHOLD_NEW_PASSPHRASE="a passphrase" keyhold rekey --backend passphrase)" \
    "re-keyed $KEYHOLD_HOME/store: a new data key, protected by passphrase (was tpm2)" "rekey to passphrase"
assert_eq "$(sealed_files)" "" "sealed files after the move to a passphrase"
KEYHOLD_PASSPHRASE="a passphrase" serves_both "from the passphrase store"
assert_eq "$(KEYHOLD_PASSPHRASE="a passphrase" keyhold rekey --backend tpm2)" \
    "re-keyed $KEYHOLD_HOME/store: a new data key, protected by tpm2 (was passphrase)" "rekey back to tpm2"
[[ "$(sealed_files | wc -l)" == 1 ]] || fail "sealed files after the move back: [$(sealed_files)]"
serves_both "after the move back to tpm2"
ok "tpm2 -> passphrase -> tpm2: no sealed file while the passphrase holds the key, one after, served throughout"

# --- a PCR policy --------------------------------------------------------------------------
# PCR 16 is the debug PCR: resettable, so this test can change the "boot state" and undo it.
export KEYHOLD_HOME="$TEST_TMP/bound"
tpm2_pcrreset -T "$tpm_a" 16
# With the cache on, init says what happens once it expires (no one is needed), then drops it.
assert_eq "$(KEYHOLD_KEY_CACHE_SECONDS=60 keyhold init --backend tpm2 --tpm2-pcrs sha256:16)" \
    "created keyhold store $KEYHOLD_HOME/store, its key protected by tpm2
its key is cached for the helpers for 60 s; after that they have the TPM unseal it again" "init with the cache on"
KEYHOLD_KEY_CACHE_SECONDS=60 keyhold lock >/dev/null
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"registry-s3cret"}' | docker-credential-keyhold store
printf 'protocol=https\nhost=git.example.com\nusername=bob\npassword=git-s3cret\n\n' | git-credential-keyhold store
serves_both "from a store bound to PCR 16"
keyhold rekey >/dev/null
assert_contains "$(keyhold doctor 2>/dev/null || true)" "the key is sealed in $(sealed_files), bound to PCRs sha256:16" \
    "doctor after a re-key without --tpm2-pcrs"
before=$(store_hash)
tpm2_pcrextend -T "$tpm_a" "16:sha256=$(printf '%064d' 1)"
policy_message="the boot state (PCRs sha256:16) changed since the key of the keyhold store in $KEYHOLD_HOME was sealed: boot what ran then and run \`keyhold rekey --backend passphrase\` before updating firmware or kernel (docs/platforms.md, \"tpm2\")"
get_fails_with "after PCR 16 changed" "$policy_message"
assert_contains "$(keyhold doctor 2>/dev/null || true)" "FAIL  key: $policy_message" "doctor after PCR 16 changed"
assert_eq "$(store_hash)" "$before" "the store file after the refused get"
tpm2_pcrreset -T "$tpm_a" 16
serves_both "with PCR 16 back as it was"
ok "--tpm2-pcrs 16: served; a re-key keeps the policy; PCR 16 extended: one line naming the PCRs; reset: served again"

# --- parallel gets: swtpm has no resource manager and three object slots --------------------
# Helpers of one store take turns (tpm2.lock); those of two stores meet in the TPM, which turns
# some away (TPM_RC_OBJECT_MEMORY) until the module's retries get them through.
parallel_gets() {  # DIRECTORY...: 8 gets from each at once, each must answer exactly
    local directory i n=0 pids=() failed=0
    for directory in "$@"; do
        for ((i = 0; i < 8; i++, n++)); do
            echo ghcr.io | KEYHOLD_HOME=$directory docker-credential-keyhold get >"$TEST_TMP/parallel.$n" 2>&1 &
            pids+=($!)
        done
    done
    for i in "${pids[@]}"; do wait "$i" || failed=$((failed + 1)); done
    for ((i = 0; i < n; i++)); do
        assert_eq "$(cat "$TEST_TMP/parallel.$i")" "$registry_answer" "parallel get $i"
    done
    ((failed == 0)) || fail "$failed parallel gets failed"
}
started=$(date +%s%N)
parallel_gets "$TEST_TMP/keyhold"
one_store_ms=$(( ($(date +%s%N) - started) / 1000000 ))
started=$(date +%s%N)
parallel_gets "$TEST_TMP/keyhold" "$TEST_TMP/bound"
ok "8 parallel gets of one store in ${one_store_ms} ms, 8 of each of two stores in $(( ($(date +%s%N) - started) / 1000000 )) ms: all answered"

# --- a TPM that stops answering ------------------------------------------------------------
# tcti-swtpm waits on its sockets without a timeout: a stopped swtpm held every get for ever.
kill -STOP "$tpm_a_pid"
started=$(date +%s)
get_fails_with "while the TPM is stopped" \
    "the TPM at $tpm_a does not answer (silent for 30 s); check KEYHOLD_TPM2_TCTI, or choose another backend"
waited=$(($(date +%s) - started))
kill -CONT "$tpm_a_pid"
((waited < 40)) || fail "a get waited ${waited} s for a stopped TPM"
serves_both "once the TPM answers again"
ok "a stopped TPM: a get gives up after ${waited} s with one line; served again once it answers"

# --- a copy of the store on another machine's TPM ------------------------------------------
export KEYHOLD_HOME="$TEST_TMP/keyhold"
cp -a "$KEYHOLD_HOME" "$TEST_TMP/copy"
other_tpm_message="the TPM that sealed the key of the keyhold store in $TEST_TMP/copy is not this machine's TPM ($tpm_b), or it was cleared: open the store where it was made and run \`keyhold rekey --backend passphrase\`"
KEYHOLD_HOME="$TEST_TMP/copy" KEYHOLD_TPM2_TCTI=$tpm_b get_fails_with "of a copy on another TPM" "$other_tpm_message"
KEYHOLD_HOME="$TEST_TMP/copy" KEYHOLD_TPM2_TCTI=$tpm_b keyhold_fails_with "a copy on another TPM" \
    "$other_tpm_message" rekey --backend passphrase
# The way out: a passphrase where the store opens, then the copy opens anywhere with it.
KEYHOLD_NEW_PASSPHRASE="moving" keyhold rekey --backend passphrase >/dev/null
rm -rf "$TEST_TMP/copy"
cp -a "$KEYHOLD_HOME" "$TEST_TMP/copy"
(
    export KEYHOLD_HOME="$TEST_TMP/copy" KEYHOLD_TPM2_TCTI=$tpm_b KEYHOLD_PASSPHRASE="moving"
    serves_both "from the copy, with the passphrase"
    keyhold rekey --backend tpm2 >/dev/null
    KEYHOLD_PASSPHRASE= serves_both "from the copy sealed by the second TPM"
)
KEYHOLD_PASSPHRASE="moving" keyhold rekey --backend tpm2 >/dev/null
ok "a copy on another TPM: one line, and rekey refused; after rekey --backend passphrase the copy opens there and moves to its TPM"

# --- a cleared TPM -------------------------------------------------------------------------
before=$(store_hash)
tpm2_clear -T "$tpm_a"
cleared_message="the TPM that sealed the key of the keyhold store in $KEYHOLD_HOME is not this machine's TPM ($tpm_a), or it was cleared: open the store where it was made and run \`keyhold rekey --backend passphrase\`"
get_fails_with "after the TPM was cleared" "$cleared_message"
keyhold_fails_with "a cleared TPM" "$cleared_message" rekey --backend passphrase
assert_contains "$(keyhold doctor 2>/dev/null || true)" "FAIL  key: $cleared_message" "doctor after the TPM was cleared"
assert_eq "$(store_hash)" "$before" "the store file after the TPM was cleared"
[[ "$(sealed_files | wc -l)" == 1 ]] || fail "sealed files after the clear: [$(sealed_files)]"
ok "a cleared TPM: one line from get, rekey and doctor; the store and its sealed file are left as they were"
