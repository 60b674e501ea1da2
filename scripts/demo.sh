#!/usr/bin/env bash
# keyhold's main job, end to end, on a fresh Debian 12 machine (as root, or with sudo):
# installs what it needs and builds keyhold; starts a Secret Service, a private registry, a
# private git server, the org API and a docker daemon on loopback. A developer's machine with
# passwords in plain text gets keyhold in four commands (init, configure docker, configure
# containers, import); the org's credentials, saved once by the admin, arrive with `keyhold
# sync`; docker build, podman, skopeo, buildah and git get their credentials from keyhold's
# encrypted store with no login; a CI job container gets the registry credential it is allowed
# from `keyhold agent` (no store, no key in it) and is refused the rest; and no password is left
# in plain text.
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
source "$root/tests/fixtures/dockerd.sh"

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

# The session's own HOME and XDG directories (with-secret-service); nothing of the caller's.
unset DOCKER_CONFIG REGISTRY_AUTH_FILE KEYHOLD_HOME KEYHOLD_PASSPHRASE GIT_CONFIG_GLOBAL GIT_SSL_CAINFO
export GIT_CONFIG_NOSYSTEM=1

say "On loopback: a registry (user alice), a git server (user build-bot), the org's API, a docker daemon"
make_test_ca "$TEST_TMP/tls"
ca="$TEST_TMP/tls/ca.crt"
certs="$TEST_TMP/tls/certs.d"
registry_password="reg-$(random_text)"
# One store of images behind two doors: TLS for podman, skopeo and buildah, which verify; plain
# HTTP for the docker daemon, whose BuildKit speaks only plain HTTP to a loopback registry.
start_registry_doors "$TEST_TMP/registry" "$TEST_TMP/tls" alice "$registry_password"
plain_host=$PLAIN_REGISTRY_HOST host=$TLS_REGISTRY_HOST
pat="ghp_$(random_text)"
start_git_server "$TEST_TMP/git" "$TEST_TMP/tls" build-bot "$pat"
git_host=${GIT_SERVER_URL#https://}
git_host=${git_host%%/*}
start_org_api "$TEST_TMP/org" "$TEST_TMP/tls/server.crt" "$TEST_TMP/tls/server.key"
start_dockerd "$TEST_TMP/dockerd"
echo "registry https://$host (and http://$plain_host for the daemon), git $GIT_SERVER_URL, org API $ORG_API_URL"

buildah_cli() { "$WITH_MOUNTED_ROOT" buildah --root "$TEST_TMP/buildah/root" --runroot "$TEST_TMP/buildah/run" --storage-driver vfs "$@"; }
# The org's CI pushes a private base image, a static busybox and a greeting (with its own
# throwaway auth file).
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$host" "$(b64 "alice:$registry_password")" >"$TEST_TMP/ci-auth.json"
container=$(buildah_cli from scratch)
echo "hello from the org's private base image" >"$TEST_TMP/hello.txt"
buildah_cli copy "$container" "$TEST_TMP/hello.txt" /hello.txt >/dev/null
buildah_cli copy "$container" /bin/busybox /bin/sh >/dev/null
buildah_cli commit -q "$container" org/base:1 >/dev/null
buildah_cli push -q --authfile "$TEST_TMP/ci-auth.json" --cert-dir "$certs" org/base:1 "docker://$host/org/base:1"

say "The admin saves the org's credentials once (PUT /v1/ignite/builds/secrets)"
printf '{"registryCredentials": {"https://%s": "%s", "%s": "%s"}, "gitCredentials": {"username": "build-bot", "password": "%s"}, "buildSecrets": {"NPM_TOKEN": "npm_%s"}}' \
    "$host" "$(b64 "alice:$registry_password")" "$plain_host" "$(b64 "alice:$registry_password")" "$pat" \
    "$(random_text)" | org_put_secrets "$ca"
echo

say "A developer's machine before keyhold: docker login and git's store helper left passwords in plain text"
export GIT_TERMINAL_PROMPT=0
git config --global http.sslCAInfo "$ca"
git config --global credential.helper store
printf 'protocol=https\nhost=%s\nusername=build-bot\npassword=%s\n\n' "$git_host" "$pat" | git credential approve
mkdir -p "$HOME/.docker"
printf '{\n\t"auths": {\n\t\t"%s": {\n\t\t\t"auth": "%s"\n\t\t}\n\t}\n}\n' "$plain_host" \
    "$(b64 "alice:$registry_password")" >"$HOME/.docker/config.json"
show cat "$HOME/.docker/config.json"
echo "$ cat ~/.git-credentials"
sed 's/:[^:@]*@/:***@/' "$HOME/.git-credentials"
echo "(the base64 in config.json is alice's password; ~/.git-credentials holds the PAT, shown here as ***)"

say "The first five minutes: four commands"
show keyhold init
show keyhold configure docker
show keyhold configure containers
show keyhold import
show cat "$HOME/.docker/config.json"
echo "$ cat ~/.git-credentials"
cat "$HOME/.git-credentials"
echo "(empty: the PAT is in keyhold's store now)"

say "The org as a source, once per machine (the token on stdin); then a sync"
token=$(org_issue_token "$TEST_TMP/org")
printf '$ printf TOKEN | keyhold source add acme --type ignite --url %s --ca-file ca.crt --git-host %s\n' \
    "$ORG_API_URL" "$git_host"
printf '%s' "$token" | keyhold source add acme --type ignite --url "$ORG_API_URL" --ca-file "$ca" --git-host "$git_host"
show keyhold sync
show keyhold doctor

say "docker build --pull of a Dockerfile whose base image is private: BuildKit asks keyhold"
mkdir -p "$TEST_TMP/app"
# The base has a shell and nothing else: read and echo are the shell's own.
printf 'FROM %s/org/base:1\nRUN read -r line </hello.txt && echo "the build read: $line"\n' "$plain_host" \
    >"$TEST_TMP/app/Dockerfile"
show cat "$TEST_TMP/app/Dockerfile"
echo "$ DOCKER_BUILDKIT=1 docker build --pull --network none --progress plain -t demo/app:1 ."
DOCKER_BUILDKIT=1 "$DOCKER_CLI" build --pull --network none --progress plain -t demo/app:1 "$TEST_TMP/app" \
    >"$TEST_TMP/build.log" 2>&1 || { tail -n 20 "$TEST_TMP/build.log"; fail "docker build --pull failed"; }
grep -E 'FROM |the build read|naming to' "$TEST_TMP/build.log" | grep -v 'RUN read'

say "podman, skopeo and buildah pull the private image with no login"
echo "$ podman pull docker://$host/org/base:1"
podman_cli pull -q --cert-dir "$certs" "docker://$host/org/base:1"
show skopeo inspect --cert-dir "$certs" --format '{{.Name}} {{.Digest}}' "docker://$host/org/base:1"
echo "$ buildah pull docker://$host/org/base:1"
buildah_cli pull -q --cert-dir "$certs" "docker://$host/org/base:1"

say "git clones a private repository with the PAT from keyhold, and writes no ~/.git-credentials back"
show git clone -q "$GIT_SERVER_URL/private.git" "$TEST_TMP/clone"
show cat "$TEST_TMP/clone/README"
if grep -qF "$pat" "$HOME/.git-credentials"; then
    fail "the PAT is back in ~/.git-credentials"
fi

say "A build gets the org's build secret in its environment only"
show keyhold secret list
show keyhold exec --secret NPM_TOKEN -- sh -c 'echo "NPM_TOKEN has ${#NPM_TOKEN} characters"'

say "A CI job container gets only what keyhold agent allows: a socket and the helpers, no store, no key"
install -d -m 700 "$TEST_TMP/agent"
socket="$TEST_TMP/agent/agent.sock"
echo "$ keyhold agent --socket $socket --allow $host --allow-uid 0 --ttl 10m &"
keyhold agent --socket "$socket" --allow "$host" --allow-uid 0 --ttl 10m 2>"$TEST_TMP/agent.log" &
agent=$!
kill_on_exit "$agent"
wait_until 10 test -S "$socket" || fail "the agent did not start: $(cat "$TEST_TMP/agent.log")"
# The job's image: the host's programs under /usr (podman --rootfs, nothing pulled), its own
# auth.json naming keyhold for the registry, the CA; the helpers and the agent's directory mounted.
rootfs="$TEST_TMP/job-rootfs"
make_host_usr_rootfs "$rootfs"
mkdir -p "$rootfs/job"
printf '{"credHelpers": {"%s": "keyhold"}}\n' "$host" >"$rootfs/job/auth.json"
cp -r "$certs" "$rootfs/job/certs.d"
cp "$ca" "$rootfs/job/ca.crt"
job='skopeo inspect --cert-dir /job/certs.d --format "skopeo inspect: {{.Name}} {{.Digest}}" docker://'"$host"'/org/base:1
git -c http.sslCAInfo=/job/ca.crt -c credential.helper=keyhold ls-remote '"$GIT_SERVER_URL"'/private.git 2>&1 | tail -n 1
ls -A /root; echo "in the job: KEYHOLD_HOME=${KEYHOLD_HOME:-unset}, no store, no key"'
echo "$ podman run --network host --rootfs JOB -v /usr:/usr:ro -v HELPERS:/opt/keyhold:ro -v AGENT_DIR:/run/keyhold-agent -e KEYHOLD_AGENT_SOCK=/run/keyhold-agent/agent.sock ..."
printf '%s\n' "$job" | sed 's/^/    /'
podman_cli run --rm --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -v /usr:/usr:ro \
    -v "$KEYHOLD_BIN_DIR/docker-credential-keyhold:/opt/keyhold/docker-credential-keyhold:ro" \
    -v "$KEYHOLD_BIN_DIR/git-credential-keyhold:/opt/keyhold/git-credential-keyhold:ro" \
    -v "$TEST_TMP/agent:/run/keyhold-agent" --env KEYHOLD_AGENT_SOCK=/run/keyhold-agent/agent.sock \
    --env REGISTRY_AUTH_FILE=/job/auth.json --env HOME=/root --env GIT_TERMINAL_PROMPT=0 \
    --env PATH=/opt/keyhold:/usr/bin:/bin --rootfs "$rootfs" /bin/sh -c "$job" 2>&1 ||
    fail "the job container did not run"
echo "(the registry was allowed; the git host was not, so git got no credential)"
echo "$ cat agent.log"
cat "$TEST_TMP/agent.log"
kill "$agent"

say "What keyhold holds, and what the store file looks like"
show keyhold status
store="$XDG_DATA_HOME/keyhold/store"
show od -A d -t x1z -N 48 "$store"
for secret in "$registry_password" "$pat" "$token" alice build-bot; do
    for file in "$store" "$HOME/.docker/config.json" "$HOME/.git-credentials" "$XDG_RUNTIME_DIR/containers/auth.json"; do
        if grep -qF "$secret" "$file"; then
            fail "$file holds a credential in the clear"
        fi
    done
done
echo "(no password, PAT, token or user name appears in the store, config.json, auth.json or ~/.git-credentials)"

say "The org removes its registry credential for $host; the next sync takes it away from this machine"
printf '{"registryCredentials": {"%s": "%s"}, "gitCredentials": {"username": "build-bot", "password": "%s"}}' \
    "$plain_host" "$(b64 "alice:$registry_password")" "$pat" | org_put_secrets "$ca"
echo
show keyhold sync
if skopeo inspect --cert-dir "$certs" "docker://$host/org/base:1" >/dev/null 2>&1; then
    fail "skopeo still got in after the org removed the credential"
fi
echo "skopeo inspect: refused (unauthorized), as it should be"
say "demo complete"
