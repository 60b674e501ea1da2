#!/usr/bin/env bash
# docker, skopeo and buildah get their credentials through docker-credential-keyhold from a
# TLS docker-registry with htpasswd auth on loopback. Runs inside with-secret-service, so
# the store is created (by docker's first `store`) with the Secret Service protector.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/docker_registry.sh"
require_commands docker skopeo buildah
problem=$(container_storage_problem) && skip "$problem"

password='correct horse $battery "staple"'
make_test_ca "$TEST_TMP/tls"
start_registry "$TEST_TMP/registry" "$TEST_TMP/tls" alice "$password"
host=$REGISTRY_HOST
certs="$TEST_TMP/tls/certs.d"
export KEYHOLD_HOME="$TEST_TMP/keyhold"

# --- docker: credsStore in a private DOCKER_CONFIG; the CLI logs in without a daemon.
export DOCKER_CONFIG="$TEST_TMP/docker"
mkdir -p "$DOCKER_CONFIG"
keyhold configure docker >/dev/null
assert_eq "$(cat "$DOCKER_CONFIG/config.json")" $'{\n\t"credsStore": "keyhold"\n}' "config.json from keyhold configure docker"
# Go's TLS reads SSL_CERT_FILE: the throwaway CA, without touching /etc/docker/certs.d.
docker_cli() { SSL_CERT_FILE="$TEST_TMP/tls/ca.crt" docker "$@"; }

output=$(printf '%s' "$password" | docker_cli login "$host" -u alice --password-stdin 2>&1)
assert_contains "$output" "Login Succeeded" "docker login"
ok "docker login through keyhold"

assert_file_lacks "$DOCKER_CONFIG/config.json" '"auth"' "docker config.json"
assert_file_lacks "$DOCKER_CONFIG/config.json" alice "docker config.json"
ok "config.json holds no auth"

[[ "$(keyhold status)" == *"protector:   secret-service"* ]] || fail "the first store should pick the Secret Service"
assert_file_lacks "$KEYHOLD_HOME/store" "$password" "the store file"
assert_file_lacks "$KEYHOLD_HOME/store" alice "the store file"
assert_file_lacks "$KEYHOLD_HOME/store" "$host" "the store file"
ok "the store was created with the Secret Service protector and holds nothing in the clear"

expected=$(printf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}' "$host" 'correct horse $battery \"staple\"')
assert_eq "$(echo "$host" | docker-credential-keyhold get)" "$expected" "get after docker login"
assert_eq "$(docker-credential-keyhold list)" "{\"$host\":\"alice\"}" "list after docker login"
ok "the helper answers what docker stored"

output=$(printf 'wrong' | docker_cli login "$host" -u alice --password-stdin 2>&1) && fail "a wrong password logged in"
assert_eq "$(echo "$host" | docker-credential-keyhold get)" "$expected" "get after a failed login"
ok "a failed docker login stores nothing"

# --- buildah and skopeo: credHelpers in an auth.json (they ignore credsStore).
export REGISTRY_AUTH_FILE="$TEST_TMP/auth.json"
# Every registry the store serves: the one docker logged in to.
assert_contains "$(keyhold configure containers)" "credHelpers: $host -> keyhold" "configure containers"
buildah_cli() {
    "$WITH_MOUNTED_ROOT" buildah --root "$TEST_TMP/buildah/root" --runroot "$TEST_TMP/buildah/run" --storage-driver vfs "$@"
}
container=$(buildah_cli from scratch)
echo "built by keyhold's tests" >"$TEST_TMP/hello.txt"
buildah_cli copy "$container" "$TEST_TMP/hello.txt" /hello.txt >/dev/null
buildah_cli commit -q "$container" keyhold/tiny:1 >/dev/null
buildah_cli push -q --cert-dir "$certs" keyhold/tiny:1 "docker://$host/keyhold/tiny:1" ||
    fail "buildah push with the credentials docker stored"
ok "buildah push of an image built from scratch, with docker's login"

manifest=$(skopeo inspect --cert-dir "$certs" "docker://$host/keyhold/tiny:1") || fail "skopeo inspect"
assert_contains "$manifest" "\"Name\": \"$host/keyhold/tiny\"" "skopeo inspect"
ok "skopeo inspect of the pushed private image"

output=$(skopeo logout "$host" 2>&1)
assert_contains "$output" "Removed login credentials" "skopeo logout"
assert_eq "$(docker-credential-keyhold list)" "{}" "list after skopeo logout"
skopeo inspect --cert-dir "$certs" "docker://$host/keyhold/tiny:1" >/dev/null 2>&1 &&
    fail "skopeo inspect worked after logout"
ok "skopeo logout erases through keyhold, and the registry then refuses"

output=$(printf '%s' "$password" | skopeo login --cert-dir "$certs" -u alice --password-stdin "$host" 2>&1)
assert_contains "$output" "Login Succeeded" "skopeo login"
assert_file_lacks "$REGISTRY_AUTH_FILE" alice "auth.json"
assert_eq "$(docker-credential-keyhold list)" "{\"$host\":\"alice\"}" "list after skopeo login"
buildah_cli pull -q --cert-dir "$certs" "docker://$host/keyhold/tiny:1" >/dev/null || fail "buildah pull"
ok "skopeo login stores through keyhold; buildah pull uses it"

# --- docker logout erases HOST, http://HOST and https://HOST; none may warn.
output=$(docker_cli logout "$host" 2>&1)
assert_not_contains "$output" "WARNING" "docker logout"
assert_not_contains "$output" "rror" "docker logout"
assert_file_lacks "$DOCKER_CONFIG/config.json" "$host" "docker config.json after logout"
[[ "$(echo "$host" | docker-credential-keyhold get)" == "credentials not found in native keychain" ]] ||
    fail "get after docker logout"
ok "docker logout erases through keyhold without a warning"

# --- keyhold import of what docker wrote itself (no credential helper configured).
export DOCKER_CONFIG="$TEST_TMP/docker-plain"
mkdir -p "$DOCKER_CONFIG"
# A config.json with no auths at all makes docker pick a default store (docker-credential-
# secretservice is installed here); one that already has an entry keeps docker writing in
# plain text, as on a machine without a helper.
printf '{\n\t"auths": {\n\t\t"earlier.example": {}\n\t}\n}' >"$DOCKER_CONFIG/config.json"
output=$(printf '%s' "$password" | docker_cli login "$host" -u alice --password-stdin 2>&1)
assert_contains "$output" "Login Succeeded" "docker login without a helper"
assert_contains "$(cat "$DOCKER_CONFIG/config.json")" '"auth"' "docker's own config.json"
output=$(keyhold import)
assert_contains "$output" "imported docker $host (user alice) and removed it from $DOCKER_CONFIG/config.json" "import"
# docker must still get what was moved: import points it at keyhold for that registry alone.
assert_contains "$output" "$DOCKER_CONFIG/config.json: credHelpers: $host -> keyhold" "import's docker set-up"
assert_file_lacks "$DOCKER_CONFIG/config.json" '"auth"' "config.json after import"
assert_eq "$(echo "$host" | docker-credential-keyhold get)" "$expected" "get after import"
output=$(docker_cli logout "$host" 2>&1)
assert_not_contains "$output" "WARNING" "docker logout after import"
[[ "$(echo "$host" | docker-credential-keyhold get)" == "credentials not found in native keychain" ]] ||
    fail "get after docker logout of the imported credential"
ok "keyhold import moves what docker login wrote in plain text and points docker at keyhold; docker then logs out through keyhold"

# --- and of what skopeo wrote itself, then used through keyhold.
export REGISTRY_AUTH_FILE="$TEST_TMP/auth-plain.json"
output=$(printf '%s' "$password" | skopeo login --cert-dir "$certs" -u alice --password-stdin "$host" 2>&1)
assert_contains "$output" "Login Succeeded" "skopeo login without a helper"
assert_contains "$(cat "$REGISTRY_AUTH_FILE")" '"auth"' "skopeo's own auth.json"
output=$(keyhold import)
assert_contains "$output" "imported podman/buildah/skopeo $host (user alice) and removed it from $REGISTRY_AUTH_FILE" \
    "import of skopeo's file"
assert_file_lacks "$REGISTRY_AUTH_FILE" '"auth"' "auth.json after import"
assert_contains "$output" "$REGISTRY_AUTH_FILE: credHelpers: $host -> keyhold" "import's containers set-up"
skopeo inspect --cert-dir "$certs" "docker://$host/keyhold/tiny:1" >/dev/null || fail "skopeo inspect after import"
ok "keyhold import moves what skopeo login wrote and points the containers tools at keyhold: skopeo gets in"
