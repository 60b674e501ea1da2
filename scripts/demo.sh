#!/usr/bin/env bash
# keyhold's main job, end to end, on a fresh Debian 12 machine (as root, or with sudo):
# installs what it needs, builds keyhold, starts a Secret Service and a private TLS registry
# on loopback, then shows docker, buildah and skopeo getting their credentials from keyhold's
# encrypted store, and what the store looks like on disk.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ -z "${KEYHOLD_DEMO_INSIDE:-}" ]]; then
    "$root/scripts/install-deps.sh" demo
    cmake -S "$root" -B "$root/build-demo" -DCMAKE_BUILD_TYPE=Release -DKEYHOLD_BUILD_TESTS=OFF >/dev/null
    cmake --build "$root/build-demo" --parallel "$(nproc)" >/dev/null
    # A private D-Bus session with an unlocked gnome-keyring, as a desktop login provides.
    exec env KEYHOLD_DEMO_INSIDE=1 KEYHOLD_BIN_DIR="$root/build-demo/src" \
        "$root/tests/fixtures/with-secret-service" "$0"
fi

source "$root/tests/fixtures/common.sh"
source "$root/tests/fixtures/tls.sh"
source "$root/tests/fixtures/docker_registry.sh"

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

password="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
say "A private registry on loopback: TLS from a throwaway CA, htpasswd (bcrypt) user 'alice'"
make_test_ca "$TEST_TMP/tls"
start_registry "$TEST_TMP/registry" "$TEST_TMP/tls" alice "$password"
host=$REGISTRY_HOST
certs="$TEST_TMP/tls/certs.d"
echo "registry at https://$host"

export KEYHOLD_HOME="$TEST_TMP/keyhold" DOCKER_CONFIG="$TEST_TMP/docker" REGISTRY_AUTH_FILE="$TEST_TMP/auth.json"
mkdir -p "$DOCKER_CONFIG"
echo '{"credsStore":"keyhold"}' >"$DOCKER_CONFIG/config.json"
printf '{"credHelpers":{"%s":"keyhold"}}\n' "$host" >"$REGISTRY_AUTH_FILE"
say "docker uses keyhold through credsStore; buildah and skopeo through credHelpers"
show cat "$DOCKER_CONFIG/config.json"
show cat "$REGISTRY_AUTH_FILE"

say "docker login stores through docker-credential-keyhold (the first store creates the encrypted store)"
printf '$ printf PASSWORD | docker login %s -u alice --password-stdin\n' "$host"
printf '%s' "$password" | SSL_CERT_FILE="$TEST_TMP/tls/ca.crt" docker login "$host" -u alice --password-stdin
show cat "$DOCKER_CONFIG/config.json"
echo
echo "(no \"auth\" field: the password is not in docker's config)"

say "buildah builds a tiny image from scratch and pushes it, with the credential docker stored"
buildah_cli() { buildah --root "$TEST_TMP/buildah/root" --runroot "$TEST_TMP/buildah/run" --storage-driver vfs "$@"; }
container=$(buildah_cli from scratch)
echo "hello from keyhold" >"$TEST_TMP/hello.txt"
buildah_cli copy "$container" "$TEST_TMP/hello.txt" /hello.txt >/dev/null
buildah_cli commit -q "$container" keyhold/demo:1 >/dev/null
echo "$ buildah push --cert-dir CERTS keyhold/demo:1 docker://$host/keyhold/demo:1"
buildah_cli push -q --cert-dir "$certs" keyhold/demo:1 "docker://$host/keyhold/demo:1"

say "skopeo inspects the private image: its credential comes from keyhold"
show skopeo inspect --cert-dir "$certs" --format '{{.Name}} {{.Digest}}' "docker://$host/keyhold/demo:1"

say "What keyhold holds, and what the store file looks like"
show keyhold status
show docker-credential-keyhold list
show ls -l "$KEYHOLD_HOME"
show od -A d -t x1z -N 64 "$KEYHOLD_HOME/store"
if grep -qF "$password" "$KEYHOLD_HOME/store" || grep -qF alice "$KEYHOLD_HOME/store"; then
    fail "the store file holds the password or the username in the clear"
fi
echo "(neither the password nor 'alice' nor the registry appears in the file: XChaCha20-Poly1305 under a key the Secret Service holds)"

say "docker logout erases through keyhold; the registry then refuses skopeo"
show env SSL_CERT_FILE="$TEST_TMP/tls/ca.crt" docker logout "$host"
show docker-credential-keyhold list
if skopeo inspect --cert-dir "$certs" "docker://$host/keyhold/demo:1" >/dev/null 2>&1; then
    fail "skopeo still got in after logout"
fi
echo "skopeo inspect: refused (unauthorized), as it should be"
say "demo complete"
