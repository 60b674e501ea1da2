#!/usr/bin/env bash
# keyhold with a real docker daemon (a private dockerd, tests/fixtures/dockerd.sh) and podman:
# docker login/push/pull/logout with credsStore, a BuildKit build whose private FROM is pulled
# with a credential that came only through `keyhold sync`, a build secret handed to
# `RUN --mount=type=secret` through `keyhold exec`, and podman pulling through credHelpers.
# Runs inside with-secret-service, as root. Every server is on loopback; the base image is
# made here from busybox-static, so nothing is fetched from anywhere.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/docker_registry.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
source "$(dirname "$0")/../fixtures/dockerd.sh"
require_commands podman tar sha256sum base64
require_static_busybox
problem=$(container_storage_problem) && skip "$problem"

random_text() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
b64() { printf '%s' "$1" | base64 -w0; }
docker_cli() { "$DOCKER_CLI" "$@"; }

tls="$TEST_TMP/tls"
make_test_ca "$tls"
ca="$tls/ca.crt"
certs="$tls/certs.d"
password="reg-$(random_text)"
start_registry_doors "$TEST_TMP/registry" "$tls" alice "$password"
host=$PLAIN_REGISTRY_HOST tls_host=$TLS_REGISTRY_HOST
start_org_api "$TEST_TMP/org" "$tls/server.crt" "$tls/server.key"
start_dockerd "$TEST_TMP/dockerd"

export HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/keyhold" DOCKER_CONFIG="$TEST_TMP/docker"
export REGISTRY_AUTH_FILE="$TEST_TMP/auth.json"
mkdir -p "$HOME" "$DOCKER_CONFIG"

# What `keyhold configure docker` and `keyhold configure containers` are to write: the docker
# CLI (and the BuildKit session it runs) asks keyhold for every registry; podman, buildah and
# skopeo ignore credsStore and ask per registry host in credHelpers.
configure_clients() {
    echo '{"credsStore":"keyhold"}' >"$DOCKER_CONFIG/config.json"
    printf '{"credHelpers":{"%s":"keyhold"}}\n' "$tls_host" >"$REGISTRY_AUTH_FILE"
}
configure_clients

# A private base image: a static busybox (a shell for RUN steps) and a file naming the image.
base="$host/org/base:1"
marker="org base image $(random_text)"
import_base_image "$base" "$marker"

# --- docker login, push, pull and logout through credsStore.
output=$(printf '%s' "$password" | docker_cli login "$host" -u alice --password-stdin 2>&1)
assert_contains "$output" "Login Succeeded" "docker login"
assert_file_lacks "$DOCKER_CONFIG/config.json" '"auth"' "config.json after docker login"
assert_file_lacks "$DOCKER_CONFIG/config.json" alice "config.json after docker login"
assert_eq "$(docker-credential-keyhold list)" "{\"$host\":\"alice\"}" "list after docker login"
assert_contains "$(keyhold status)" "secret-service" "the store docker login created"
assert_file_lacks "$KEYHOLD_HOME/store" "$password" "the store file"
ok "docker login (the daemon checked the password) stored through keyhold, none in config.json"

docker_cli push -q "$base" >/dev/null 2>"$TEST_TMP/push.err" || fail "docker push: $(cat "$TEST_TMP/push.err")"
digest=$(docker_cli image inspect --format '{{index .RepoDigests 0}}' "$base")
docker_cli image rm -f "$base" >/dev/null
docker_cli pull -q "$base" >/dev/null 2>"$TEST_TMP/pull.err" || fail "docker pull: $(cat "$TEST_TMP/pull.err")"
assert_eq "$(docker_cli run --rm --network none "$base" cat /org-base)" "$marker" "the pulled image's file"
ok "docker push and pull of a private image with the credential from keyhold"

output=$(docker_cli logout "$host" 2>&1)
assert_not_contains "$output" "WARNING" "docker logout"
assert_eq "$(docker-credential-keyhold list)" "{}" "list after docker logout"
assert_file_lacks "$DOCKER_CONFIG/config.json" "$host" "config.json after docker logout"
docker_cli image rm -f "$base" >/dev/null
output=$(docker_cli pull "$base" 2>&1) && fail "docker pull worked after logout"
assert_contains "$output" "no basic auth credentials" "docker pull after logout"
ok "docker logout erased the credential from keyhold, and the registry then refuses a pull"

# --- BuildKit: a private FROM with --pull, served what `keyhold sync` brought, and no login.
mkdir -p "$TEST_TMP/from-private"
cat >"$TEST_TMP/from-private/Dockerfile" <<DOCKERFILE
FROM $base
RUN cat /org-base >/seen-by-the-build
DOCKERFILE
build() { DOCKER_BUILDKIT=1 docker_cli build --pull --network none --progress plain "$@"; }
output=$(build -t keyhold-test/from-private:1 "$TEST_TMP/from-private" 2>&1) &&
    fail "BuildKit pulled the private base with no credential"
assert_contains "$output" "401 Unauthorized" "BuildKit's pull before the sync"
ok "without a credential the registry refuses BuildKit's pull of the private base"

npm_token="npm_$(random_text)"
printf '{"registryCredentials": {"%s": "%s", "https://%s": "%s"}, "buildSecrets": {"NPM_TOKEN": "%s"}}' \
    "$host" "$(b64 "alice:$password")" "$tls_host" "$(b64 "alice:$password")" "$npm_token" |
    org_put_secrets "$ca" >/dev/null
org_issue_token "$TEST_TMP/org" |
    keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" >/dev/null
assert_eq "$(keyhold sync)" "acme: 2 registry credentials, 0 git credentials, 1 build secret" "keyhold sync"
assert_file_lacks "$DOCKER_CONFIG/config.json" "$host" "config.json after the sync"

build -t keyhold-test/from-private:1 "$TEST_TMP/from-private" >"$TEST_TMP/build.log" 2>&1 ||
    fail "BuildKit build with the synced credential: $(tail -n 5 "$TEST_TMP/build.log")"
assert_eq "$(docker_cli run --rm --network none keyhold-test/from-private:1 cat /seen-by-the-build)" "$marker" \
    "what the build's RUN step read from the private base"
ok "DOCKER_BUILDKIT=1 docker build --pull got the private base with the credential keyhold sync brought"

# --- A build secret, from the org through keyhold exec to RUN --mount=type=secret: the
# docker CLI reads it from its environment (env=, docker 20.10 has it), never from argv or disk.
mkdir -p "$TEST_TMP/with-secret"
cat >"$TEST_TMP/with-secret/Dockerfile" <<DOCKERFILE
FROM $base
RUN --mount=type=secret,id=NPM_TOKEN,required=true sha256sum </run/secrets/NPM_TOKEN >/npm-token.sha256
DOCKERFILE
[[ -z "${NPM_TOKEN:-}" ]] || fail "the test's own environment holds NPM_TOKEN"
DOCKER_BUILDKIT=1 keyhold exec --secret NPM_TOKEN -- "$DOCKER_CLI" build --pull --network none --progress plain \
    --secret id=NPM_TOKEN,env=NPM_TOKEN -t keyhold-test/with-secret:1 "$TEST_TMP/with-secret" \
    >"$TEST_TMP/secret-build.log" 2>&1 ||
    fail "keyhold exec -- docker build --secret: $(tail -n 5 "$TEST_TMP/secret-build.log")"
expected=$(printf '%s' "$npm_token" | sha256sum)
seen=$(docker_cli run --rm --network none keyhold-test/with-secret:1 cat /npm-token.sha256)
assert_eq "$seen" "$expected" "the hash of the secret the RUN step read"
assert_file_lacks "$TEST_TMP/secret-build.log" "$npm_token" "the build's output"
docker_cli history --no-trunc keyhold-test/with-secret:1 >"$TEST_TMP/history"
assert_file_lacks "$TEST_TMP/history" "$npm_token" "the image's history"
docker_cli image inspect keyhold-test/with-secret:1 >"$TEST_TMP/inspect.json"
assert_file_lacks "$TEST_TMP/inspect.json" "$npm_token" "the image's config"
# Every layer, uncompressed, as docker save writes them.
docker_cli save keyhold-test/with-secret:1 >"$TEST_TMP/image.tar"
mkdir -p "$TEST_TMP/image"
tar -C "$TEST_TMP/image" -xf "$TEST_TMP/image.tar"
layers=0
for layer in "$TEST_TMP"/image/*/layer.tar; do
    layers=$((layers + 1))
    assert_file_lacks "$layer" "$npm_token" "layer ${layer#"$TEST_TMP/image/"}"
    ! tar -tf "$layer" | grep -q 'run/secrets/.' || fail "layer ${layer#"$TEST_TMP/image/"} holds a secret file"
done
((layers == 2)) || fail "the image has $layers layers, expected 2"
ok "keyhold exec handed the org's NPM_TOKEN to RUN --mount=type=secret (hash matches); not in the log, history, config or $layers layers"

# --- podman: credHelpers in REGISTRY_AUTH_FILE, the TLS door, certificates verified.
tls_base="$tls_host/org/base:1"
pull_with_podman() { podman_cli pull -q --cert-dir "$certs" "docker://$tls_base" 2>&1; }
output=$(REGISTRY_AUTH_FILE="$TEST_TMP/no-helper.json" && echo '{}' >"$REGISTRY_AUTH_FILE" && pull_with_podman) &&
    fail "podman pulled the private image with no credential"
assert_contains "$output" "unauthorized" "podman pull with an auth file without credHelpers"
output=$(pull_with_podman) || fail "podman pull through credHelpers: $output"
assert_eq "$(podman_cli image inspect --format '{{.Digest}}' "$tls_base")" "${digest#*@}" "the digest podman pulled"
assert_file_lacks "$REGISTRY_AUTH_FILE" alice "auth.json"
ok "podman pulled the private image through credHelpers from keyhold (refused without)"

# --- The passphrase protector (headless CI): keyhold exec keeps KEYHOLD_PASSPHRASE out of the
# build's environment; the docker CLI's helper calls for the private FROM open the store through
# the key cache that exec's own opening of the store filled. With the cache off they cannot.
export KEYHOLD_HOME="$TEST_TMP/keyhold-passphrase"
passphrase="ci passphrase $(random_text)"
with_passphrase() { KEYHOLD_PASSPHRASE="$passphrase" "$@"; }
with_passphrase keyhold init --backend passphrase >/dev/null
org_issue_token "$TEST_TMP/org" | with_passphrase keyhold source add acme --type ignite --url "$ORG_API_URL" \
    --ca-file "$ca" >/dev/null
with_passphrase keyhold sync >/dev/null
keyhold lock >/dev/null
on_exit "KEYHOLD_HOME='$KEYHOLD_HOME' keyhold lock"
exec_build() {
    with_passphrase env DOCKER_BUILDKIT=1 "$@" keyhold exec --secret NPM_TOKEN -- "$DOCKER_CLI" build --pull \
        --network none -t keyhold-test/from-private:2 "$TEST_TMP/from-private"
}
exec_build KEYHOLD_KEY_CACHE_SECONDS=0 >"$TEST_TMP/uncached-build.log" 2>&1 &&
    fail "a build under keyhold exec opened a passphrase store with the key cache off"
assert_contains "$(cat "$TEST_TMP/uncached-build.log")" "error getting credentials - err: exit status 1, out: \`the keyhold store in $KEYHOLD_HOME is protected by a passphrase" \
    "the uncached build's error"
exec_build >"$TEST_TMP/cached-build.log" 2>&1 ||
    fail "keyhold exec -- docker build with a passphrase store: $(tail -n 5 "$TEST_TMP/cached-build.log")"
keyhold lock >/dev/null
ok "passphrase store: keyhold exec -- docker build pulls the private FROM through the key cache (fails with it off)"
