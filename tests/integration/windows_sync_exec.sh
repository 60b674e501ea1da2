#!/usr/bin/env bash
# The Windows programs (under wine64, through the wrappers in KEYHOLD_BIN_DIR) against the org
# API stand-in: `keyhold sync` over HTTPS with libcurl's Schannel and --ca-file, then
# `keyhold exec` started through CreateProcessW: the build secret only in the command's
# environment block, a refused name refused, and the command's exit code passed on.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="windows passphrase"
# curl 7.88's Schannel backend matches DNS names only, never an IP address of the certificate.
export ORG_API_HOST=localhost
start_org_api_with_test_ca "$TEST_TMP"
printf '{"buildSecrets": {"NPM_TOKEN": "npm_org_token", "Path": "C:/evil"}}' | org_put_secrets "$ca" >/dev/null

keyhold init --backend passphrase >/dev/null
org_issue_token "$TEST_TMP/org" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
keyhold sync >"$TEST_TMP/sync.out" 2>&1 || fail "sync over Schannel: $(cat "$TEST_TMP/sync.out")"
assert_eq "$(keyhold secret get NPM_TOKEN)" "npm_org_token" "the synced build secret"
ok "keyhold.exe syncs over HTTPS (Schannel, --ca-file) from a loopback org API"

status=0
output=$(keyhold exec --secret NPM_TOKEN -- cmd /c 'echo token=%NPM_TOKEN% & exit 7' 2>"$TEST_TMP/exec.err") ||
    status=$?
assert_eq "$status" 7 "the command's exit code through keyhold exec"
assert_contains "$output" "token=npm_org_token" "what the command saw"
ok "exec: the secret in the command's environment, its exit code (7) passed on"

status=0
output=$(keyhold exec --secret Path -- cmd /c 'exit 0' 2>&1) || status=$?
((status == 1)) || fail "exec --secret Path exited $status"
assert_one_line "$output" "exec --secret Path"
assert_contains "$output" "it decides which program runs" "exec --secret Path"
ok "exec refuses a secret named Path (Windows names ignore case): $output"

# A batch file: cmd.exe reads its command line again (quotes, & | < > ^ ( ), %VARIABLES%), so an
# argument with any of those is refused rather than run; plain ones pass.
printf '@echo arg=%%~1\r\n' >"$TEST_TMP/t.cmd"
status=0
output=$(keyhold exec --secret NPM_TOKEN -- "$TEST_TMP/t.cmd" 'x"&echo INJECTED & echo tok=%NPM_TOKEN%' 2>&1) ||
    status=$?
((status == 1)) || fail "exec of a batch file with a cmd metacharacter exited $status: $output"
assert_one_line "$output" "exec of a batch file with a cmd metacharacter"
assert_not_contains "$output" "INJECTED" "exec of a batch file with a cmd metacharacter"
assert_not_contains "$output" "npm_org_token" "exec of a batch file with a cmd metacharacter"
output=$(keyhold exec --secret NPM_TOKEN -- "$TEST_TMP/t.cmd" "plain argument" 2>&1) ||
    fail "exec of a batch file with a plain argument: $output"
assert_contains "$output" "arg=plain argument" "exec of a batch file with a plain argument"
ok "exec refuses to hand a batch file an argument cmd.exe would re-read, and runs it with plain ones"
