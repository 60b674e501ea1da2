#!/usr/bin/env bash
# first_five_minutes.sh BUILD_DIR: a person's first five minutes with keyhold, as the README
# tells them. Their machine already has what years of `docker login`, `podman login` and git's
# `store` helper left: passwords in plain text in docker's config.json, the containers' auth.json
# and ~/.git-credentials. They install the .deb made from this build, then type exactly
#
#   keyhold init; keyhold configure docker; keyhold configure containers; keyhold import
#
# and from then on `docker build --pull` of a Dockerfile whose base image is private (a real
# dockerd and its BuildKit), `podman pull` and `git clone` work with nothing else typed, and no
# password is left in plain text. Runs inside with-secret-service: a desktop session with an
# unlocked keyring and nothing configured (HOME, XDG_RUNTIME_DIR of its own; no DOCKER_CONFIG,
# REGISTRY_AUTH_FILE or KEYHOLD_HOME). Every server is on loopback.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/packages.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/docker_registry.sh"
source "$(dirname "$0")/../fixtures/git_server.sh"
source "$(dirname "$0")/../fixtures/dockerd.sh"

build=${1:?usage: first_five_minutes.sh BUILD_DIR}
((EUID == 0)) || skip "dpkg --root and dockerd need root (CI runs as root)"
require_commands cpack dpkg podman git tar sha256sum base64
require_static_busybox
problem=$(container_storage_problem) && skip "$problem"
unset DOCKER_CONFIG REGISTRY_AUTH_FILE KEYHOLD_HOME KEYHOLD_PASSPHRASE GIT_CONFIG_GLOBAL GIT_SSL_CAINFO
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
[[ -n "${XDG_RUNTIME_DIR:-}" && "$HOME" == "${TMPDIR:-/tmp}"/keyhold-keyring.* ]] ||
    fail "run inside tests/fixtures/with-secret-service (a session with a HOME and XDG_RUNTIME_DIR of its own)"

random_text() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
docker_cli() { "$DOCKER_CLI" "$@"; }

# --- The org's servers on loopback: a registry (plain HTTP for the daemon, which speaks plain
# HTTP to loopback registries, and TLS for podman, which verifies; one image store), a git server.
tls="$TEST_TMP/tls"
make_test_ca "$tls"
registry_password="reg-$(random_text)"
start_registry_doors "$TEST_TMP/registry" "$tls" alice "$registry_password"
host=$PLAIN_REGISTRY_HOST tls_host=$TLS_REGISTRY_HOST
pat="ghp_$(random_text)"
start_git_server "$TEST_TMP/git" "$tls" build-bot "$pat"
start_dockerd "$TEST_TMP/dockerd"

# --- Before keyhold: the machine as years of logins left it.
git config --global http.sslCAInfo "$tls/ca.crt"  # the org's private CA, as its README told them
git config --global credential.helper store
git_host=${GIT_SERVER_URL#https://}
git_host=${git_host%%/*}
printf 'protocol=https\nhost=%s\nusername=build-bot\npassword=%s\n\n' "$git_host" "$pat" | git credential approve
marker="the org's private base image $(random_text)"
base="$host/org/base:1"
import_base_image "$base" "$marker"
# What `docker login` writes where no credential helper is installed (with one installed, such
# as docker-credential-secretservice, it would pick that instead: docker's DetectDefaultStore).
mkdir -p "$HOME/.docker"
printf '{\n\t"auths": {\n\t\t"%s": {\n\t\t\t"auth": "%s"\n\t\t}\n\t}\n}' \
    "$host" "$(printf 'alice:%s' "$registry_password" | base64 -w0)" >"$HOME/.docker/config.json"
docker_cli push -q "$base" >/dev/null 2>"$TEST_TMP/push.err" || fail "docker push: $(cat "$TEST_TMP/push.err")"
docker_cli image rm -f "$base" >/dev/null
printf '%s' "$registry_password" | podman_cli login --cert-dir "$tls/certs.d" -u alice --password-stdin "$tls_host" \
    >/dev/null 2>"$TEST_TMP/podman-login.err" || fail "podman login before keyhold: $(cat "$TEST_TMP/podman-login.err")"
docker_config="$HOME/.docker/config.json"
containers_auth="$XDG_RUNTIME_DIR/containers/auth.json"
for file in "$docker_config" "$containers_auth"; do
    assert_contains "$(cat "$file")" '"auth": "' "$file before keyhold"
done
assert_contains "$(cat "$HOME/.git-credentials")" "$pat" "~/.git-credentials before keyhold"
ok "before keyhold: docker, podman and git keep their passwords in plain text, as they do by default"

# --- The package.
make_packages "$build"
install_packages "$TEST_TMP/root" "$KEYHOLD_DEB" "$MODULE_DEB"
export PATH="$TEST_TMP/root/usr/bin:$PATH"
assert_eq "$(command -v keyhold)" "$TEST_TMP/root/usr/bin/keyhold" "the keyhold on PATH"
assert_eq "$(command -v docker-credential-keyhold)" "$TEST_TMP/root/usr/bin/docker-credential-keyhold" \
    "the docker helper on PATH"
ok "installed $(basename "$KEYHOLD_DEB") and $(basename "$MODULE_DEB")"

# --- The five minutes: four commands, nothing else.
for command in "init" "configure docker" "configure containers" "import"; do
    # shellcheck disable=SC2086 # the words of the command
    output=$(keyhold $command </dev/null 2>&1) || fail "keyhold $command: $output"
    printf '  $ keyhold %s\n%s\n' "$command" "$(sed 's/^/    /' <<<"$output")"
done
assert_contains "$(keyhold status)" "protector:   secret-service" "the store keyhold init made"
for file in "$docker_config" "$containers_auth" "$HOME/.git-credentials"; do
    for secret in "$registry_password" "$pat" "$(printf 'alice:%s' "$registry_password" | base64 -w0)"; do
        [[ ! -e "$file" ]] || assert_file_lacks "$file" "$secret" "$file after keyhold import"
    done
done
for secret in "$registry_password" "$pat"; do
    assert_file_lacks "$XDG_DATA_HOME/keyhold/store" "$secret" "the store file"
done
ok "keyhold init, configure docker, configure containers, import: no password left in plain text"

# --- What works now, with nothing else typed.
mkdir -p "$TEST_TMP/app"
printf 'FROM %s\nRUN cat /org-base >/seen-by-the-build\n' "$base" >"$TEST_TMP/app/Dockerfile"
DOCKER_BUILDKIT=1 docker_cli build --pull --network none --progress plain -t keyhold-test/app:1 "$TEST_TMP/app" \
    >"$TEST_TMP/build.log" 2>&1 || fail "docker build --pull of a private base: $(tail -n 5 "$TEST_TMP/build.log")"
assert_eq "$(docker_cli run --rm --network none keyhold-test/app:1 cat /seen-by-the-build)" "$marker" \
    "what the build read from the private base"
ok "DOCKER_BUILDKIT=1 docker build --pull: the private base image came through keyhold"

output=$(podman_cli pull -q --cert-dir "$tls/certs.d" "docker://$tls_host/org/base:1" 2>&1) ||
    fail "podman pull of the private image: $output"
ok "podman pull: the private image came through keyhold"

git clone -q "$GIT_SERVER_URL/private.git" "$TEST_TMP/clone" 2>"$TEST_TMP/clone.err" ||
    fail "git clone of the private repository: $(cat "$TEST_TMP/clone.err")"
assert_eq "$(cat "$TEST_TMP/clone/README")" "private content" "the cloned file"
# git hands a credential that worked to every helper's `store`: had git's own `store` helper
# stayed configured, the PAT would be back in ~/.git-credentials now.
assert_file_lacks "$HOME/.git-credentials" "$pat" "~/.git-credentials after the clone"
ok "git clone: the private repository with the PAT from keyhold; nothing written back in plain text"

doctor_output=$(keyhold doctor 2>&1) || fail "keyhold doctor after the five minutes: $doctor_output"
assert_not_contains "$doctor_output" "FAIL" "keyhold doctor"
assert_not_contains "$doctor_output" "plain" "keyhold doctor"
ok "keyhold doctor finds nothing in the way and no plaintext left"
