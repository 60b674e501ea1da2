#!/usr/bin/env bash
# keyhold exec and build-secret names: the org chooses the names, and a name such as BASH_ENV,
# LD_PRELOAD or PATH is an instruction to the programs a build runs. None of them ever reaches
# a command's environment; exec exports only the secrets it is asked for.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
require_commands bash sh

start_org_api_with_test_ca "$TEST_TMP"
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="exec passphrase"
keyhold init --backend passphrase >/dev/null
marker="$TEST_TMP/the-org-ran-code"
# Each of these would run the org's command in the build, were it exported.
cat <<JSON | org_put_secrets "$ca" >/dev/null
{"buildSecrets": {
  "NPM_TOKEN": "npm_org_token",
  "BASH_ENV": "$TEST_TMP/payload.sh",
  "ENV": "$TEST_TMP/payload.sh",
  "LD_PRELOAD": "$TEST_TMP/payload.so",
  "PATH": "$TEST_TMP/evil-bin",
  "GIT_SSH_COMMAND": "touch $marker",
  "PYTHONSTARTUP": "$TEST_TMP/payload.py",
  "https_proxy": "http://collector.example:3128",
  "KEYHOLD_HOME": "$TEST_TMP/elsewhere"
}}
JSON
printf 'touch %q\n' "$marker" >"$TEST_TMP/payload.sh"
mkdir -p "$TEST_TMP/evil-bin"
printf '#!/bin/sh\ntouch %q\n' "$marker" >"$TEST_TMP/evil-bin/true"
chmod +x "$TEST_TMP/evil-bin/true"
org_issue_token "$TEST_TMP/org" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
keyhold sync >/dev/null

# --all-secrets: every secret but the refused names, each refusal said on stderr with why.
status=0
output=$(keyhold exec --all-secrets -- bash -c 'printf "%s|%s|%s" "$NPM_TOKEN" "${LD_PRELOAD-unset}" "$PATH"; true' \
    2>"$TEST_TMP/stderr") || status=$?
((status == 0)) || fail "exec --all-secrets exited $status: $output $(cat "$TEST_TMP/stderr")"
assert_eq "$output" "npm_org_token|unset|$PATH" "what the command saw"
[[ ! -e "$marker" ]] || fail "a build secret's name made the command run the org's code"
refusals=$(cat "$TEST_TMP/stderr")
for name in BASH_ENV ENV LD_PRELOAD PATH GIT_SSH_COMMAND PYTHONSTARTUP https_proxy KEYHOLD_HOME; do
    assert_contains "$refusals" "not exporting build secret '$name': " "why $name was not exported"
done
assert_contains "$refusals" "bash runs the file it names" "the reason given for BASH_ENV"
ok "exec --all-secrets exports NPM_TOKEN and none of the 8 names that change how programs run, saying why"

# Asking for one by name is refused before anything runs, in one line.
for name in BASH_ENV LD_PRELOAD PATH path GIT_SSH_COMMAND; do
    status=0
    output=$(keyhold exec --secret "$name" -- sh -c "touch '$marker'" 2>&1) || status=$?
    ((status == 1)) || fail "exec --secret $name exited $status"
    assert_one_line "$output" "exec --secret $name"
    assert_contains "$output" "build secret '$name' is never put into a command's environment" "exec --secret $name"
    [[ ! -e "$marker" ]] || fail "exec --secret $name ran the command"
done
ok "exec --secret BASH_ENV (LD_PRELOAD, PATH, ...) is refused in one line and runs nothing"

# Without --secret or --all-secrets nothing is exported by default: the command does not run.
status=0
output=$(keyhold exec -- sh -c "touch '$marker'" 2>&1) || status=$?
((status == 1)) || fail "exec with no secret named exited $status"
assert_contains "$output" "name the build secrets the command gets" "exec with no secret named"
[[ ! -e "$marker" ]] || fail "exec with no secret named ran the command"
assert_eq "$(keyhold exec --secret NPM_TOKEN -- sh -c 'printf %s "$NPM_TOKEN"')" "npm_org_token" "exec --secret NPM_TOKEN"
ok "exec exports only what it is asked for: --secret NAME, or --all-secrets"

# The programs keyhold runs itself (git, for configure git and doctor) never get its passphrase.
mkdir -p "$TEST_TMP/spy-bin" "$TEST_TMP/home"
printf '#!/bin/sh\nenv >>%q\nexec /usr/bin/git "$@"\n' "$TEST_TMP/git-env" >"$TEST_TMP/spy-bin/git"
chmod +x "$TEST_TMP/spy-bin/git"
HOME="$TEST_TMP/home" PATH="$TEST_TMP/spy-bin:$PATH" KEYHOLD_NEW_PASSPHRASE="new exec passphrase" \
    keyhold configure git >/dev/null
HOME="$TEST_TMP/home" PATH="$TEST_TMP/spy-bin:$PATH" keyhold doctor >/dev/null 2>&1 || true
[[ -s "$TEST_TMP/git-env" ]] || fail "configure git and doctor did not run git"
assert_file_lacks "$TEST_TMP/git-env" "exec passphrase" "git's environment under configure git and doctor"
assert_file_lacks "$TEST_TMP/git-env" "KEYHOLD_NEW_PASSPHRASE" "git's environment under configure git"
ok "configure git and doctor run git without KEYHOLD_PASSPHRASE or KEYHOLD_NEW_PASSPHRASE"

# KEYHOLD_PASSPHRASE_FILE (systemd's LoadCredential=, a CI file variable) opens the store with
# no passphrase in any environment, and exec's command gets neither the file's name nor the key.
keyhold lock >/dev/null
passphrase_file="$TEST_TMP/passphrase"
(umask 077 && printf 'exec passphrase\n' >"$passphrase_file")
output=$(env -u KEYHOLD_PASSPHRASE KEYHOLD_PASSPHRASE_FILE="$passphrase_file" KEYHOLD_KEY_CACHE_SECONDS=0 \
    keyhold exec --secret NPM_TOKEN -- sh -c 'printf "%s|%s|%s" "$NPM_TOKEN" "${KEYHOLD_PASSPHRASE_FILE-unset}" "${KEYHOLD_PASSPHRASE-unset}"')
assert_eq "$output" "npm_org_token|unset|unset" "exec with KEYHOLD_PASSPHRASE_FILE"
chmod 666 "$passphrase_file"
status=0
output=$(env -u KEYHOLD_PASSPHRASE KEYHOLD_PASSPHRASE_FILE="$passphrase_file" KEYHOLD_KEY_CACHE_SECONDS=0 \
    keyhold exec --secret NPM_TOKEN -- true 2>&1) || status=$?
((status == 1)) || fail "a passphrase file others can write: exit $status"
assert_one_line "$output" "a passphrase file others can write"
assert_contains "$output" "KEYHOLD_PASSPHRASE_FILE: " "a passphrase file others can write"
ok "KEYHOLD_PASSPHRASE_FILE opens the store, is kept from exec's command, and must be private"
