#!/usr/bin/env bash
# secret_service_unlock.sh KEYHOLD_UNIT_TESTS, inside with-secret-service.
# A locked keyring: a helper answers at once, in one line that says to run `keyhold unlock`,
# and nothing on the bus or on the screen is a prompt. Then `keyhold unlock` itself, and the
# unlock it makes (platform::unlock_secret_service_collection, also run through the unit tests'
# [unlock] cases for the failure paths) against gnome-keyring's real prompt: gcr-prompter's dialog on an Xvfb display, typed into
# with xdotool, dismissed with Escape, left unanswered, and with no display to show it on.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/keyring.sh"
require_commands Xvfb xdotool dbus-monitor dbus-update-activation-environment
unit_tests=${1:?usage: secret_service_unlock.sh KEYHOLD_UNIT_TESTS}
login_password=keyhold-test-login  # the keyring's password in with-secret-service

export KEYHOLD_HOME="$TEST_TMP/keyhold"
request='{"ServerURL":"ghcr.io","Username":"alice","Secret":"s3cret"}'
printf '%s' "$request" | docker-credential-keyhold store || fail "store with an unlocked keyring"
keyhold lock >/dev/null  # out of the key cache: the next get needs the keyring

# Every message on the session bus, to tell whether anything asked for a prompt.
dbus-monitor --session >"$TEST_TMP/bus.log" 2>/dev/null &
kill_on_exit $!
wait_until 10 grep -q NameAcquired "$TEST_TMP/bus.log" || fail "dbus-monitor did not start"
prompts_on_bus() { grep -cE 'member=(Prompt|Unlock)$|SystemPrompter' "$TEST_TMP/bus.log" || true; }

# Runs the unit test case [TAG] in the background; its exit status is the case's verdict.
start_unlock() {
    "$unit_tests" --warn NoTests "[$1]" >"$TEST_TMP/unlock.out" 2>&1 &
    unlock_pid=$!
}
finish_unlock() {
    local what=$1 status=0
    wait "$unlock_pid" || status=$?
    ((status == 0)) || fail "$what: $(cat "$TEST_TMP/unlock.out")"
}

# --- no display: the prompt cannot be shown, and unlock says so at once -------------------
lock_keyring || fail "could not lock the keyring"
dbus-update-activation-environment DISPLAY= NO_AT_BRIDGE=1  # gcr-prompter is started by D-Bus
start=$SECONDS
start_unlock unlock-dismissed
finish_unlock "unlock with no display for its prompt"
((SECONDS - start < 10)) || fail "unlock with no display took $((SECONDS - start)) s"
assert_eq "$(keyring_locked)" true "the keyring after an unlock with no display"
ok "unlock with no display for the prompt: fails at once, keyring still locked"

# --- a display where a prompt would show: one shown by mistake would be seen ---------------
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$TEST_TMP/display" 2>"$TEST_TMP/xvfb.log" &
kill_on_exit $!
wait_until 10 test -s "$TEST_TMP/display" || fail "Xvfb did not start: $(cat "$TEST_TMP/xvfb.log")"
export DISPLAY=":$(cat "$TEST_TMP/display")"
dbus-update-activation-environment DISPLAY="$DISPLAY"
prompt_windows() { xdotool search --onlyvisible --class gcr-prompter 2>/dev/null || true; }
# Waits for gcr-prompter's dialog (gnome-keyring's "Unlock Login Keyring") and sends it KEYS.
answer_prompt() {
    local window
    window=$(timeout 20 xdotool search --sync --onlyvisible --class gcr-prompter 2>/dev/null | head -n 1) ||
        fail "no unlock prompt appeared"
    [[ "$(xdotool getwindowname "$window")" == *Unlock* ]] || fail "the prompt is not an unlock prompt"
    "$@"
}
type_password() { xdotool type --delay 10 "$login_password" && xdotool key Return; }

# --- the helper on a locked keyring: one line, at once, no prompt --------------------------
before=$(sha256sum <"$KEYHOLD_HOME/store")
prompts_before=$(prompts_on_bus)
for cache in 0 900; do
    for verb in get store; do
        input=ghcr.io
        [[ "$verb" == store ]] && input=$request
        what="$verb with a locked keyring (key cache ${cache} s, nothing cached)"
        start=${EPOCHREALTIME/./}
        status=0
        output=$(printf '%s' "$input" | KEYHOLD_KEY_CACHE_SECONDS=$cache timeout 10 \
            docker-credential-keyhold "$verb" 2>"$TEST_TMP/stderr") || status=$?
        took=$(((${EPOCHREALTIME/./} - start) / 1000))
        ((status == 1)) || fail "$what: exit $status, expected 1: $output"
        assert_one_line "$output" "$what"
        assert_contains "$output" "is locked" "$what"
        assert_contains "$output" 'run `keyhold unlock`' "$what"
        ((took < 1000)) || fail "$what took $took ms"
        ! grep -v 'Failed to set fd limit' "$TEST_TMP/stderr" | grep -q . ||
            fail "$what wrote to stderr: $(cat "$TEST_TMP/stderr")"
        [[ -z "$(prompt_windows)" ]] || fail "$what: a prompt window is on the screen"
    done
done
assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$before" "the store file after stores into a locked keyring"
assert_eq "$(prompts_on_bus)" "$prompts_before" "Prompt/Unlock calls on the bus during the helper calls"
assert_eq "$(keyring_locked)" true "the keyring after the helper calls"
ok "locked keyring: get and store answer one line naming \`keyhold unlock\` within 1 s, no prompt on the bus or screen"
echo "    $output"

# --- keyhold unlock, the prompt answered -------------------------------------------------------
KEYHOLD_KEY_CACHE_SECONDS=900 keyhold unlock >"$TEST_TMP/unlock.out" 2>&1 &
unlock_pid=$!
answer_prompt type_password
finish_unlock "keyhold unlock through the answered prompt"
assert_contains "$(cat "$TEST_TMP/unlock.out")" "is unlocked; its key is cached for the helpers" "keyhold unlock"
assert_eq "$(keyring_locked)" false "the keyring after the answered prompt"
(($(prompts_on_bus) > prompts_before)) || fail "the unlock went through no Prompt on the bus"
output=$(echo ghcr.io | KEYHOLD_KEY_CACHE_SECONDS=0 docker-credential-keyhold get) || fail "get after unlock: $output"
assert_eq "$output" "$request" "get after unlock"
# The key is in the cache now: with the keyring locked again, a helper still answers from it.
lock_keyring || fail "could not lock the keyring after the unlock"
output=$(echo ghcr.io | KEYHOLD_KEY_CACHE_SECONDS=900 docker-credential-keyhold get) ||
    fail "get from the cache keyhold unlock filled: $output"
assert_eq "$output" "$request" "get from the cache keyhold unlock filled"
KEYHOLD_KEY_CACHE_SECONDS=900 keyhold lock >/dev/null
start_unlock unlock-answered
answer_prompt type_password
finish_unlock "unlock through the answered prompt"
ok "keyhold unlock: gnome-keyring's own prompt, answered, unlocks the keyring and caches the key; the helper gets it again"

start_unlock unlock-not-needed
finish_unlock "unlock of an unlocked keyring"
[[ -z "$(prompt_windows)" ]] || fail "unlock of an unlocked keyring showed a prompt"
ok "unlock of an unlocked keyring: no prompt, at once"

# --- unlock, the prompt left alone, then dismissed ---------------------------------------------
# At its deadline unlock stops waiting and leaves the dialog to the keyring: gnome-keyring 42
# aborts on a Prompt.Dismiss while its dialog is up, so keyhold never sends one.
lock_keyring || fail "could not lock the keyring again"
start_unlock unlock-unanswered
answer_prompt true  # shown, and nobody answers
finish_unlock "unlock through a prompt nobody answers"
secret_service_running || fail "gnome-keyring is gone after an unanswered unlock"
assert_eq "$(keyring_locked)" true "the keyring after an unanswered prompt"
[[ -n "$(prompt_windows)" ]] || fail "the unanswered prompt was withdrawn"
type_password
keyring_unlocked() { [[ "$(keyring_locked)" == false ]]; }
wait_until 10 keyring_unlocked || fail "the prompt left open did not unlock the keyring when answered later"
ok "unlock: a prompt nobody answers ends the call at its deadline (1.5 s); the dialog stays, and answered later it unlocks"

lock_keyring || fail "could not lock the keyring again"
start_unlock unlock-dismissed
answer_prompt xdotool key Escape
finish_unlock "unlock through a dismissed prompt"
assert_eq "$(keyring_locked)" true "the keyring after a dismissed prompt"
secret_service_running || fail "gnome-keyring is gone after a dismissed prompt"
ok "unlock: a dismissed prompt fails in one sentence, keyring still locked"
