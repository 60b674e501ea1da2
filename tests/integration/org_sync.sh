#!/usr/bin/env bash
# The org flow end to end with the real clients: an admin saves the org's credentials
# (seed 000's PUT), `keyhold sync` brings them here, and skopeo, buildah and git use them with
# no login; what the org removes stops working here, what it rotates is served new. Runs
# inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/docker_registry.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
source "$(dirname "$0")/../fixtures/git_server.sh"
require_commands skopeo buildah git base64 sha256sum
problem=$(container_storage_problem) && skip "$problem"

tls="$TEST_TMP/tls"
make_test_ca "$tls"
ca="$tls/ca.crt"
certs="$tls/certs.d"
registry_password="org-registry-pw-1"
start_registry "$TEST_TMP/registry" "$tls" alice "$registry_password"
host=$REGISTRY_HOST
registry_port=${host##*:}
pat="ghp_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
start_git_server "$TEST_TMP/git" "$tls" build-bot "$pat"
git_host=${GIT_SERVER_URL#https://}
git_host=${git_host%%/*}
start_org_api "$TEST_TMP/org" "$tls/server.crt" "$tls/server.key"

b64() { printf '%s' "$1" | base64 -w0; }
buildah_cli() { "$WITH_MOUNTED_ROOT" buildah --root "$TEST_TMP/buildah/root" --runroot "$TEST_TMP/buildah/run" --storage-driver vfs "$@"; }

# A private image, pushed with a throwaway authfile (the org's own CI would do this).
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$host" "$(b64 "alice:$registry_password")" >"$TEST_TMP/push-auth.json"
container=$(buildah_cli from scratch)
echo "org image" >"$TEST_TMP/hello.txt"
buildah_cli copy "$container" "$TEST_TMP/hello.txt" /hello.txt >/dev/null
buildah_cli commit -q "$container" org/base:1 >/dev/null
buildah_cli push -q --authfile "$TEST_TMP/push-auth.json" --cert-dir "$certs" org/base:1 "docker://$host/org/base:1"

# This machine: keyhold for the registry (credHelpers) and for git.
export HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/keyhold" REGISTRY_AUTH_FILE="$TEST_TMP/auth.json"
export GIT_SSL_CAINFO="$ca" GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1
unset GIT_ASKPASS SSH_ASKPASS
mkdir -p "$HOME"
# credHelpers as `keyhold configure containers` writes them, kept current by each sync.
output=$(keyhold configure containers)
assert_contains "$output" "will ask keyhold for each registry it serves, once \`keyhold sync\`" "configure containers before any sync"
keyhold configure git >/dev/null
can_inspect() { skopeo inspect --cert-dir "$certs" "docker://$host/org/base:1" >/dev/null 2>&1; }
can_inspect && fail "the registry let skopeo in before any sync"

# The admin saves the org's credentials once.
save_org() {
    printf '{"registryCredentials": {%s}, "gitCredentials": {"username": "build-bot", "password": "%s"}, "buildSecrets": {"NPM_TOKEN": "npm_org_token"}}' \
        "$1" "$pat" | org_put_secrets "$ca" >/dev/null
}
save_org "\"https://$host\": \"$(b64 "alice:$registry_password")\""

token=$(org_issue_token "$TEST_TMP/org")
printf '%s' "$token" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" \
    --git-host "$git_host" >/dev/null
output=$(keyhold sync)
assert_eq "$output" "acme: 1 registry credential, 1 git credential ($git_host), 1 build secret
$REGISTRY_AUTH_FILE: credHelpers: $host -> keyhold" "first sync"
assert_file_lacks "$KEYHOLD_HOME/store" "$registry_password" "the store file"
assert_file_lacks "$KEYHOLD_HOME/store" "$pat" "the store file"
assert_file_lacks "$KEYHOLD_HOME/store" "$token" "the store file"
assert_contains "$(cat "$REGISTRY_AUTH_FILE")" "\"$host\": \"keyhold\"" "auth.json after the first sync"
ok "keyhold sync pulled the org's registry, git and build credentials, encrypted, and named the registry in auth.json"

can_inspect || fail "skopeo inspect with the org's credential"
buildah_cli pull -q --cert-dir "$certs" "docker://$host/org/base:1" >/dev/null || fail "buildah pull"
ok "skopeo inspect and buildah pull of the private image work with no login"

git clone -q "$GIT_SERVER_URL/private.git" "$TEST_TMP/clone" 2>"$TEST_TMP/clone.err" ||
    fail "git clone with the org's PAT: $(cat "$TEST_TMP/clone.err")"
assert_eq "$(cat "$TEST_TMP/clone/README")" "private content" "cloned content"
[[ ! -e "$HOME/.git-credentials" ]] || fail "git left a plaintext credential file"
assert_contains "$(keyhold status)" "1 git credential from source acme" "status after git stored back the org's PAT"
assert_not_contains "$(keyhold status)" "git credential saved on this machine" "status after the clone"
ok "git clone of a private repository with the org's PAT, and git's store back made no user copy"

assert_eq "$(keyhold exec --secret NPM_TOKEN -- sh -c 'printf %s "$NPM_TOKEN"')" "npm_org_token" "exec"
assert_eq "$(KEYHOLD_PASSPHRASE=p1 KEYHOLD_NEW_PASSPHRASE=p2 keyhold exec --all-secrets -- sh -c 'echo "${KEYHOLD_PASSPHRASE-unset} ${KEYHOLD_NEW_PASSPHRASE-unset}"')" \
    "unset unset" "keyhold's passphrases in an exec'd command"
assert_eq "$(keyhold secret list)" $'NPM_TOKEN=***\t(from acme)' "secret list"
ok "build secrets reach a command's environment through keyhold exec, and show as *** elsewhere"

before=$(sha256sum <"$KEYHOLD_HOME/store")
org_reset_log "$ca"
assert_eq "$(keyhold sync acme)" "acme: unchanged since the last sync" "second sync"
assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$before" "store file after an unchanged sync"
assert_contains "$(org_log "$ca")" '"if_none_match": "\"' "the second request"
ok "an unchanged org costs a conditional GET (304) and no store rewrite"

# The org removes the registry credential: access stops here at the next sync.
save_org ""
keyhold sync >/dev/null
can_inspect && fail "skopeo still got in after the org removed the credential"
assert_eq "$(echo "$host" | docker-credential-keyhold get)" "credentials not found in native keychain" "get"
assert_not_contains "$(cat "$REGISTRY_AUTH_FILE")" "$host" "auth.json once the org removed the registry"
ok "the org removed it, sync removed it here (and keyhold's credHelpers entry): access is refused"

# The org rotates the password (the registry restarts with the new one where it was).
kill "$REGISTRY_SERVER_PID"
wait "$REGISTRY_SERVER_PID" 2>/dev/null || true
registry_password="org-registry-pw-2"
start_registry "$TEST_TMP/registry" "$tls" alice "$registry_password" "$registry_port"
save_org "\"https://$host\": \"$(b64 "alice:$registry_password")\""
keyhold sync >/dev/null
can_inspect || fail "skopeo inspect after the rotation"
assert_contains "$(echo "$host" | docker-credential-keyhold get)" "\"Secret\":\"$registry_password\"" "get after rotation"
ok "the org rotated the password: sync serves the new one, names the registry again, and skopeo gets in"

# A user's docker logout of an org entry hides it here until the org changes it.
printf 'https://%s' "$host" | docker-credential-keyhold erase
assert_eq "$(echo "$host" | docker-credential-keyhold get)" "credentials not found in native keychain" "get after erase"
assert_contains "$(keyhold status)" "hidden here: $host (registry)" "status after erase"
keyhold sync >/dev/null
assert_eq "$(echo "$host" | docker-credential-keyhold get)" "credentials not found in native keychain" "get after a sync"
registry_password="org-registry-pw-3"
save_org "\"https://$host\": \"$(b64 "alice:$registry_password")\""
keyhold sync >/dev/null
assert_contains "$(echo "$host" | docker-credential-keyhold get)" "\"Secret\":\"$registry_password\"" "get after the org changed it"
ok "erasing an org entry hides it on this machine until the org changes it"

# A user's own login wins over the org's for the same registry.
printf '{"ServerURL":"%s","Username":"me","Secret":"mine"}' "$host" | docker-credential-keyhold store
assert_contains "$(echo "$host" | docker-credential-keyhold get)" '"Username":"me"' "get with a user entry"
assert_contains "$(keyhold status)" "shadowed:    $host (registry) by your own entry" "status"
ok "a user's entry wins over the org's, and status says so"

# The org revokes this machine's token: its entries go at the next sync.
org_revoke_token "$TEST_TMP/org" "$token"
status=0
output=$(keyhold sync 2>&1) || status=$?
((status == 1)) || fail "sync with a revoked token exits $status"
assert_contains "$output" "revoked" "sync with a revoked token"
assert_eq "$(printf 'protocol=https\nhost=%s\n\n' "$git_host" | git-credential-keyhold get)" "" "git get after revocation"
assert_contains "$(echo "$host" | docker-credential-keyhold get)" '"Username":"me"' "the user's own entry"
ok "a revoked token removes the source's entries from this machine, and only those"

# The systemd user service runs exactly this; its flags must keep working.
command=$(sed -n 's/^ExecStart=//p' "$(dirname "$0")/../../packaging/systemd/keyhold-sync.service")
assert_eq "${command%% *}" "keyhold" "the service's program"
new_token=$(org_issue_token "$TEST_TMP/org")
keyhold source remove acme >/dev/null
printf '%s' "$new_token" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
output=$($command) || fail "the service's command: $output"
assert_contains "$output" "acme: 1 registry credential" "the service's first run"
assert_contains "$($command)" "acme: skipped: synced" "the service's second run within 50 minutes"
ok "the systemd unit's command (${command}) syncs, then skips a source synced recently"
