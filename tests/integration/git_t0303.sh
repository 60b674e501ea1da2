#!/usr/bin/env bash
# git's own external-helper suite (t/t0303-credential-external.sh, from the source of the
# installed git) against git-credential-keyhold. git_t0303.sh passphrase|secret-service|macos-keychain
# (secret-service inside with-secret-service; macos-keychain in a throwaway default keychain, as
# macos_keychain.sh says).
source "$(dirname "$0")/../fixtures/common.sh"

protector=${1:?usage: git_t0303.sh passphrase|secret-service|macos-keychain}
if [[ "$protector" == macos-keychain ]]; then
    [[ -n "${KEYHOLD_TEST_KEYCHAIN:-}" ]] || skip "needs a throwaway default keychain: set KEYHOLD_TEST_KEYCHAIN"
    on_exit 'for account in $(security dump-keychain "$KEYHOLD_TEST_KEYCHAIN" | sed -n "s/^ *\"acct\"<blob>=\"\($store_id:[0-9a-f]*\)\"\$/\1/p"); do
                 security delete-generic-password -s "keyhold store key" -a "$account" "$KEYHOLD_TEST_KEYCHAIN"; done'
fi
suite=${KEYHOLD_GIT_SUITE:?set KEYHOLD_GIT_SUITE to the tree scripts/prepare-git-suite.sh made}
[[ -f "$suite/.keyhold-ready" ]] || skip "git's test suite is not prepared: run scripts/prepare-git-suite.sh"

# git's test library resets HOME and the XDG variables: the store is found through KEYHOLD_HOME.
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="t0303 passphrase"
keyhold init --backend "$protector" >/dev/null
store_id=$(keyhold status | sed -n 's/^store id: *//p')

# git's test library preloads glibc's malloc checker, which AddressSanitizer must precede.
[[ "${KEYHOLD_SANITIZED:-0}" == 1 ]] && export TEST_NO_MALLOC_CHECK=1

status=0
output=$(cd "$suite/t" && GIT_TEST_INSTALLED=/usr/bin GIT_TEST_CREDENTIAL_HELPER=keyhold \
    sh t0303-credential-external.sh --root="$TEST_TMP/trash" 2>&1) || status=$?
grep -E '^(ok|not ok) ' <<<"$output" || true
result=$(grep -E '^# (passed all|failed)' <<<"$output" || true)
((status == 0)) && [[ "$result" == "# passed all "* ]] ||
    fail "t0303 with the $protector protector: ${result:-no result line}"$'\n'"$output"
ok "t0303-credential-external.sh, $protector protector: ${result#\# }"
