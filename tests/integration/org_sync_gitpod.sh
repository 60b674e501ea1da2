#!/usr/bin/env bash
# A gitpod source (seed 001): the org's SecretService secrets that carry a
# containerRegistryBasicAuthHost become registry entries, over several pages of ListSecrets.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"

start_org_api_with_test_ca "$TEST_TMP"
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="gitpod passphrase"
keyhold init --backend passphrase >/dev/null

# 105 registry secrets (two pages of 100) and 20 environment-variable secrets keyhold ignores.
for i in $(seq 105); do
    printf '{"name": "DOCKER_AUTH_%d", "value": "user-%d:pass-%d", "containerRegistryBasicAuthHost": "https://registry-%d.example.com"}' \
        "$i" "$i" "$i" "$i" | org_gitpod_call "$ca" CreateSecret >/dev/null
done
for i in $(seq 20); do
    printf '{"name": "DATABASE_URL_%d", "value": "postgresql://u:p@db/%d", "environmentVariable": true}' "$i" "$i" |
        org_gitpod_call "$ca" CreateSecret >/dev/null
done

token=$(org_issue_token "$TEST_TMP/org")
printf '%s' "$token" | keyhold source add workspace --type gitpod --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
org_reset_log "$ca"
output=$(keyhold sync)
assert_eq "$output" "workspace: 105 registry credentials, 0 git credentials, 0 build secrets" "gitpod sync"
assert_eq "$(org_log "$ca" | grep -o 'ListSecrets' | wc -l)" "2" "ListSecrets pages"
assert_eq "$(echo registry-77.example.com | docker-credential-keyhold get)" \
    '{"ServerURL":"registry-77.example.com","Username":"user-77","Secret":"pass-77"}' "get"
assert_eq "$(docker-credential-keyhold list | grep -o 'registry-[0-9]*.example.com' | wc -l)" "105" "list"
ok "105 registry secrets over two pages became registry entries; the 20 others were left alone"

# The org deletes one: gone here at the next sync.
id=$(printf '{"pagination": {"pageSize": 100}}' | org_gitpod_call "$ca" ListSecrets |
    grep -o '"id": "[^"]*", "name": "DOCKER_AUTH_77"' | sed 's/"id": "\([^"]*\)".*/\1/')
[[ -n "$id" ]] || fail "could not find DOCKER_AUTH_77's id"
printf '{"secretId": "%s"}' "$id" | org_gitpod_call "$ca" DeleteSecret >/dev/null
keyhold sync >/dev/null
assert_eq "$(echo registry-77.example.com | docker-credential-keyhold get)" \
    "credentials not found in native keychain" "get after the org deleted it"
ok "a secret the org deleted is gone after the next sync"

org_revoke_token "$TEST_TMP/org" "$token"
status=0
output=$(keyhold sync 2>&1) || status=$?
assert_contains "$output" "HTTP 401: invalid or revoked token" "Connect-form error"
assert_eq "$(docker-credential-keyhold list)" "{}" "list after revocation"
ok "a Connect-form 401 shows the org's message and removes the source's entries"
