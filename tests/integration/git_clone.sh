#!/usr/bin/env bash
# git clones a private repository over HTTPS with basic auth (git http-backend behind
# lighttpd, throwaway CA) with credentials from keyhold; git stores through keyhold after a
# success and erases through it after a 401. Runs inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/git_server.sh"
require_commands git

password='git-pa$$ "word"'
make_test_ca "$TEST_TMP/tls"
start_git_server "$TEST_TMP/server" "$TEST_TMP/tls" alice "$password"
repository="$GIT_SERVER_URL/private.git"
host=${GIT_SERVER_URL#https://}
host=${host%%/*}

export HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/keyhold"
export GIT_SSL_CAINFO="$TEST_TMP/tls/ca.crt" GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1
unset GIT_ASKPASS SSH_ASKPASS
mkdir -p "$HOME"

output=$(keyhold configure git)
assert_contains "$output" "credential.helper = keyhold" "keyhold configure git"
keyhold configure git >/dev/null
assert_eq "$(git config --global --get-all credential.helper)" "keyhold" "credential.helper after configuring twice"
ok "keyhold configure git sets credential.helper once, idempotently"

clone() { git clone -q "$repository" "$TEST_TMP/clone-$1" 2>"$TEST_TMP/clone-$1.err"; }
keyhold_answer() { printf 'protocol=https\nhost=%s\n\n' "$host" | git-credential-keyhold get; }

clone none && fail "a clone without any credential succeeded"
ok "without a credential the clone is refused"

# git asks the user (here an askpass program), succeeds, and stores through keyhold.
cat >"$TEST_TMP/askpass" <<ASKPASS
#!/bin/sh
case "\$1" in
Username*) echo alice ;;
*) printf '%s\n' '$password' ;;
esac
ASKPASS
chmod +x "$TEST_TMP/askpass"
GIT_ASKPASS="$TEST_TMP/askpass" clone typed || fail "clone with the typed password: $(cat "$TEST_TMP/clone-typed.err")"
assert_eq "$(keyhold_answer)" "username=alice"$'\n'"password=$password" "keyhold after git's store"
[[ ! -e "$HOME/.git-credentials" ]] || fail "a plaintext ~/.git-credentials appeared"
assert_file_lacks "$KEYHOLD_HOME/store" "$password" "the store file"
ok "after a successful clone git stored the credential through keyhold, encrypted"

clone from-keyhold || fail "clone with keyhold's credential: $(cat "$TEST_TMP/clone-from-keyhold.err")"
assert_eq "$(cat "$TEST_TMP/clone-from-keyhold/README")" "private content" "cloned content"
ok "a clone with no prompt gets its credential from keyhold"

printf 'protocol=https\nhost=%s\nusername=alice\npassword=revoked\n\n' "$host" | git-credential-keyhold store
clone revoked && fail "a clone with a wrong password succeeded"
assert_eq "$(keyhold_answer)" "" "keyhold after git's erase"
ok "after a 401 git erased the rejected credential through keyhold"

keyhold configure git --unconfigure >/dev/null
assert_eq "$(git config --global --get-all credential.helper || true)" "" "credential.helper after unconfigure"
ok "keyhold configure git --unconfigure removes it"
