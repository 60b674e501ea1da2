#!/usr/bin/env bash
# 10 000 registry credentials from the org sync correctly (bench/ measures how fast).
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"

start_org_api_with_test_ca "$TEST_TMP"
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="scale passphrase"
keyhold init --backend passphrase >/dev/null

entries=10000
{
    printf '{"registryCredentials": {'
    for i in $(seq "$entries"); do
        ((i > 1)) && printf ','
        printf '"registry-%d.example.com": "%s"' "$i" "$(printf 'user-%d:secret-%d' "$i" "$i" | base64 -w0)"
    done
    printf '}}'
} | org_put_secrets "$ca" >/dev/null
token=$(org_issue_token "$TEST_TMP/org")
printf '%s' "$token" | keyhold source add big --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
assert_eq "$(keyhold sync)" "big: 10000 registry credentials, 0 git credentials, 0 build secrets" "sync"
assert_eq "$(docker-credential-keyhold list | grep -o '"registry-[0-9]*.example.com"' | sort -u | wc -l)" "$entries" "list"
for i in 1 4321 10000; do
    assert_eq "$(echo "registry-$i.example.com" | docker-credential-keyhold get)" \
        "{\"ServerURL\":\"registry-$i.example.com\",\"Username\":\"user-$i\",\"Secret\":\"secret-$i\"}" "get $i"
done
assert_eq "$(keyhold sync)" "big: unchanged since the last sync" "second sync"
ok "10 000 registry credentials synced, listed and answered"
