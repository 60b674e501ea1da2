#!/usr/bin/env bash
# keyhold's main job, end to end, on a fresh Debian 12 machine (as root, or with sudo):
# installs what it needs and builds keyhold; starts a Secret Service, a private TLS registry,
# a private git server and the org API on loopback; the admin saves the org's credentials
# once; `keyhold sync` brings them here; docker, skopeo, buildah and git get their
# credentials from keyhold's encrypted store with no login.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ -z "${KEYHOLD_DEMO_INSIDE:-}" ]]; then
    printf '\033[1m== installing what the demo needs from Debian 12 (apt-get; minutes on a fresh machine)\033[0m\n'
    "$root/scripts/install-deps.sh" demo
    printf '\033[1m== building keyhold (cmake, Release; about 2 minutes on 2 cores)\033[0m\n'
    cmake -S "$root" -B "$root/build-demo" -DCMAKE_BUILD_TYPE=Release -DKEYHOLD_BUILD_TESTS=OFF >/dev/null
    # One line per finished target; the whole log only if the build fails.
    log="$root/build-demo/build.log"
    cmake --build "$root/build-demo" --parallel "$(nproc)" 2>&1 | tee "$log" |
        grep --line-buffered -o '^\[ *[0-9]*%\] Built target .*' || { tail -n 40 "$log"; exit 1; }
    # A private D-Bus session with an unlocked gnome-keyring, as a desktop login provides.
    exec env KEYHOLD_DEMO_INSIDE=1 KEYHOLD_BIN_DIR="$root/build-demo/bin" \
        "$root/tests/fixtures/with-secret-service" "$0"
fi

source "$root/tests/fixtures/common.sh"
source "$root/tests/fixtures/tls.sh"
source "$root/tests/fixtures/docker_registry.sh"
source "$root/tests/fixtures/git_server.sh"
source "$root/tests/fixtures/org_api.sh"

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
# A word as a shell would need it typed: bare when it is plain, else in single quotes.
shell_word() {
    if [[ "$1" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}
# Echoes a command as it could be typed again, then runs it.
show() {
    local word line='$'
    for word in "$@"; do
        line+=" $(shell_word "$word")"
    done
    printf '%s\n' "$line"
    "$@"
}
random_text() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
b64() { printf '%s' "$1" | base64 -w0; }

say "On loopback: a TLS registry (user alice), a git server (user build-bot) and the org's API"
make_test_ca "$TEST_TMP/tls"
ca="$TEST_TMP/tls/ca.crt"
certs="$TEST_TMP/tls/certs.d"
registry_password="reg-$(random_text)"
start_registry "$TEST_TMP/registry" "$TEST_TMP/tls" alice "$registry_password"
host=$REGISTRY_HOST
pat="ghp_$(random_text)"
start_git_server "$TEST_TMP/git" "$TEST_TMP/tls" build-bot "$pat"
git_host=${GIT_SERVER_URL#https://}
git_host=${git_host%%/*}
start_org_api "$TEST_TMP/org" "$TEST_TMP/tls/server.crt" "$TEST_TMP/tls/server.key"
echo "registry https://$host, git $GIT_SERVER_URL, org API $ORG_API_URL"

buildah_cli() { "$WITH_MOUNTED_ROOT" buildah --root "$TEST_TMP/buildah/root" --runroot "$TEST_TMP/buildah/run" --storage-driver vfs "$@"; }
# The org's CI pushes a private base image (with its own throwaway auth file).
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$host" "$(b64 "alice:$registry_password")" >"$TEST_TMP/ci-auth.json"
container=$(buildah_cli from scratch)
echo "hello from the org's private base image" >"$TEST_TMP/hello.txt"
buildah_cli copy "$container" "$TEST_TMP/hello.txt" /hello.txt >/dev/null
buildah_cli commit -q "$container" org/base:1 >/dev/null
buildah_cli push -q --authfile "$TEST_TMP/ci-auth.json" --cert-dir "$certs" org/base:1 "docker://$host/org/base:1"

say "The admin saves the org's credentials once (PUT /v1/ignite/builds/secrets)"
printf '{"registryCredentials": {"https://%s": "%s"}, "gitCredentials": {"username": "build-bot", "password": "%s"}, "buildSecrets": {"NPM_TOKEN": "npm_%s"}}' \
    "$host" "$(b64 "alice:$registry_password")" "$pat" "$(random_text)" | org_put_secrets "$ca"
echo

say "This machine: an encrypted store whose key the Secret Service holds, and the org as a source"
export HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/keyhold" DOCKER_CONFIG="$TEST_TMP/docker"
export REGISTRY_AUTH_FILE="$TEST_TMP/auth.json" GIT_SSL_CAINFO="$ca" GIT_TERMINAL_PROMPT=0
mkdir -p "$HOME" "$DOCKER_CONFIG"
show keyhold init
token=$(org_issue_token "$TEST_TMP/org")
printf '$ printf TOKEN | keyhold source add acme --type ignite --url %s --ca-file ca.crt --git-host %s\n' \
    "$ORG_API_URL" "$git_host"
printf '%s' "$token" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" --git-host "$git_host"
show keyhold sync

say "Clients point at keyhold: docker (credsStore), buildah/skopeo (credHelpers), git (credential.helper)"
echo '{"credsStore":"keyhold"}' >"$DOCKER_CONFIG/config.json"
printf '{"credHelpers":{"%s":"keyhold"}}\n' "$host" >"$REGISTRY_AUTH_FILE"
show keyhold configure git
show keyhold doctor

say "skopeo and buildah pull the private image with no login"
show skopeo inspect --cert-dir "$certs" --format '{{.Name}} {{.Digest}}' "docker://$host/org/base:1"
echo "$ buildah pull docker://$host/org/base:1"
buildah_cli pull -q --cert-dir "$certs" "docker://$host/org/base:1"

say "docker asks docker-credential-keyhold, as it does before every pull"
echo "$ echo $host | docker-credential-keyhold get"
echo "$host" | docker-credential-keyhold get | sed 's/"Secret":"[^"]*"/"Secret":"***"/'
show docker-credential-keyhold list

say "git clones a private repository with the org's PAT, with no prompt and no ~/.git-credentials"
show git clone -q "$GIT_SERVER_URL/private.git" "$TEST_TMP/clone"
show cat "$TEST_TMP/clone/README"

say "A build gets the org's build secret in its environment only"
show keyhold secret list
show keyhold exec --secret NPM_TOKEN -- sh -c 'echo "NPM_TOKEN has ${#NPM_TOKEN} characters"'

say "What keyhold holds, and what the store file looks like"
show keyhold status
show od -A d -t x1z -N 48 "$KEYHOLD_HOME/store"
for secret in "$registry_password" "$pat" "$token" alice build-bot; do
    if grep -qF "$secret" "$KEYHOLD_HOME/store"; then
        fail "the store file holds a credential in the clear"
    fi
done
echo "(no password, PAT, token or user name appears in the file: XChaCha20-Poly1305 under a key the Secret Service holds)"

say "The org removes the registry credential; the next sync takes it away from this machine"
printf '{"gitCredentials": {"username": "build-bot", "password": "%s"}}' "$pat" | org_put_secrets "$ca"
echo
show keyhold sync
if skopeo inspect --cert-dir "$certs" "docker://$host/org/base:1" >/dev/null 2>&1; then
    fail "skopeo still got in after the org removed the credential"
fi
echo "skopeo inspect: refused (unauthorized), as it should be"

say "A person's own login still works, through keyhold, with nothing in docker's config"
printf '$ printf PASSWORD | docker login %s -u alice --password-stdin\n' "$host"
printf '%s' "$registry_password" | SSL_CERT_FILE="$ca" docker login "$host" -u alice --password-stdin
show cat "$DOCKER_CONFIG/config.json"
echo
show env SSL_CERT_FILE="$ca" docker logout "$host"
say "demo complete"
