#!/usr/bin/env bash
# keyhold doctor, on the situations a user brings it: nothing set up yet, docker and git
# pointed at keyhold, base64 passwords left in docker's file, a helper missing from PATH, a
# keyring gone, a source that stopped syncing, a damaged store. It changes nothing and never
# prints a secret. Runs inside with-secret-service.
source "$(dirname "$0")/../fixtures/common.sh"

export HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_KEY_CACHE_SECONDS=0
unset DOCKER_CONFIG REGISTRY_AUTH_FILE GIT_CONFIG_GLOBAL
export GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
doctor() {  # sets $output and $status
    status=0
    output=$(keyhold doctor 2>&1) || status=$?
}
line_for() { grep -- "$1" <<<"$output" || fail "doctor printed no line with [$1]: $output"; }

doctor
((status == 0)) || fail "doctor with nothing set up exits $status: $output"
assert_contains "$(line_for 'store:')" "warn  store: there is none in $KEYHOLD_HOME yet" "no store"
assert_contains "$(line_for 'docker:')" "does not exist" "no docker config"
assert_contains "$(line_for 'git:')" "keyhold configure git" "git not configured"
[[ ! -e "$KEYHOLD_HOME" ]] || fail "doctor created $KEYHOLD_HOME"
ok "on a machine with nothing set up: warnings that say what to run, exit 0, nothing created"

keyhold init --backend secret-service >/dev/null
printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"registry-s3cret"}' | docker-credential-keyhold store
mkdir -p "$HOME/.docker"
leaked=$(printf 'bob:hunter2-in-the-clear' | base64)
printf '{"credsStore":"keyhold","auths":{"quay.io":{"auth":"%s"},"ghcr.io":{}}}' "$leaked" >"$HOME/.docker/config.json"
keyhold configure git >/dev/null
before=$(sha256sum "$KEYHOLD_HOME/store" "$HOME/.docker/config.json" "$HOME/.gitconfig")
doctor
((status == 0)) || fail "doctor on a configured machine exits $status: $output"
assert_contains "$(line_for 'store:')" "ok    store: $KEYHOLD_HOME/store, generation 2, its key protected by secret-service" "store"
assert_contains "$(line_for 'key:')" "ok    key: the secret-service protector opens the store (1 entry); the key cache is off here" "key"
assert_contains "$output" "ok    docker: $HOME/.docker/config.json sends every registry to keyhold (credsStore)" "docker"
assert_contains "$output" "warn  docker: $HOME/.docker/config.json holds passwords in base64 for quay.io:" "auths"
assert_contains "$(line_for 'git:')" "ok    git: asks keyhold for credentials" "git"
assert_not_contains "$output" "rollback:" "a secret-service store's rollback protection"
assert_contains "$(keyhold status)" "rollback:    refused: the secret-service protector keeps the newest generation" "status"
assert_contains "$output" "ok    docker-credential-keyhold: $KEYHOLD_BIN_DIR/docker-credential-keyhold" "helper on PATH"
assert_contains "$output" "0 problems, 1 warning" "summary"
assert_not_contains "$output" "$leaked" "doctor output"
assert_not_contains "$output" "hunter2" "doctor output"
assert_not_contains "$output" "registry-s3cret" "doctor output"
assert_eq "$(sha256sum "$KEYHOLD_HOME/store" "$HOME/.docker/config.json" "$HOME/.gitconfig")" "$before" "files after doctor"
ok "docker and git pointed at keyhold: ok lines, one warning for quay.io's base64 password, never its value; nothing changed"

printf '{"auths":{"quay.io":{"auth":"%s"' "$leaked" >"$TEST_TMP/broken.json"
REGISTRY_AUTH_FILE="$TEST_TMP/broken.json" doctor
assert_contains "$(line_for 'podman')" "warn  podman/buildah/skopeo: $TEST_TMP/broken.json is not a JSON object" "broken auth.json"
assert_not_contains "$output" "$leaked" "doctor output on a broken auth.json"
printf '{"credHelpers":{"registry.example.com":"keyhold"}}' >"$TEST_TMP/auth.json"
REGISTRY_AUTH_FILE="$TEST_TMP/auth.json" doctor
assert_contains "$output" "ok    podman/buildah/skopeo: $TEST_TMP/auth.json sends registry.example.com to keyhold (credHelpers)" "auth.json"
printf '{"credsStore":"keyhold"}' >"$TEST_TMP/auth.json"
REGISTRY_AUTH_FILE="$TEST_TMP/auth.json" doctor
assert_contains "$(line_for 'podman')" "warn  podman/buildah/skopeo: $TEST_TMP/auth.json names keyhold in credsStore, which podman/buildah/skopeo ignore" "credsStore in auth.json"
ok "containers' auth.json: credHelpers through keyhold reported, credsStore (which they ignore) a warning; a broken file named without quoting it"

cp "$HOME/.docker/config.json" "$TEST_TMP/docker-config"
printf '{"credsStore":"keyhold","credHelpers":{"gcr.io":"gcloud"}}' >"$HOME/.docker/config.json"
doctor
assert_contains "$(line_for 'docker:')" "sends every registry to keyhold (credsStore), except gcr.io (gcloud) in credHelpers" "credHelpers override"
cp "$TEST_TMP/docker-config" "$HOME/.docker/config.json"
ok "docker's credHelpers that take registries away from keyhold are named"

cp "$HOME/.gitconfig" "$TEST_TMP/gitconfig"
git config --global --replace-all credential.helper '!f() { echo password=ghp_doctor_must_not_print; }; f'
git config --global --add credential.helper $'!f() {\n  echo username=bot\n\n  echo password=ghp_multiline_secret\n}; f'
git config --global --add credential.helper keyhold
doctor
assert_contains "$(line_for 'git:')" "ok    git: asks keyhold for credentials, after a shell command" "a shell helper first"
assert_not_contains "$output" "ghp_doctor_must_not_print" "doctor output with a shell helper"
assert_not_contains "$output" "ghp_multiline_secret" "doctor output with a multi-line shell helper"
git config --global --replace-all credential.helper 'cache --timeout=300'
git config --global --add credential.helper keyhold
git config --global --add credential.helper ''
git config --global --add credential.helper store
doctor
assert_contains "$output" "warn  git: credential.helper does not include keyhold" "helpers after a reset"
assert_contains "$output" "warn  git: credential.helper includes \`store\`" "store helper"
git config --global --replace-all credential.helper "$TEST_TMP/gone/git-credential-keyhold"
git config --global 'credential.https://bob@github.example.helper' '!gh auth git-credential'
git config --global 'credential.bob:tok2@gitlab.example.helper' 'cache'
doctor
((status == 1)) || fail "doctor with git pointed at a missing helper path exits $status"
assert_contains "$(line_for 'git: credential.helper')" "FAIL  git: credential.helper names $TEST_TMP/gone/git-credential-keyhold, which is not an executable file" "helper path"
assert_contains "$(line_for 'other helpers')" \
    "warn  git: other helpers are set for https://github.example, gitlab.example (credential.<url>.helper)" "scoped helpers"
assert_not_contains "$output" "bob" "doctor output with scoped helpers"
assert_not_contains "$output" "tok2" "doctor output with scoped helpers"
cp "$TEST_TMP/gitconfig" "$HOME/.gitconfig"
ok "git: helpers named by program only (never a shell helper's text), an empty value resets the list, a missing helper path FAILs, URL helpers are named without user info"

mkdir -p "$TEST_TMP/bin-without-helpers"
ln -s "$KEYHOLD_BIN_DIR/keyhold" "$TEST_TMP/bin-without-helpers/keyhold"
ln -s "$(command -v git)" "$TEST_TMP/bin-without-helpers/git"
status=0
output=$(PATH="$TEST_TMP/bin-without-helpers" keyhold doctor 2>&1) || status=$?
((status == 1)) || fail "doctor with docker pointed at a helper not on PATH exits $status"
assert_contains "$(line_for 'docker-credential-keyhold')" "FAIL  docker-credential-keyhold is not on PATH" "helper missing"
assert_contains "$output" "keyhold: doctor found 2 problems (FAIL above)" "summary on stderr"
ok "docker and git told to use keyhold while its helpers are not on PATH: FAIL, exit 1"

DBUS_SESSION_BUS_ADDRESS= XDG_RUNTIME_DIR= doctor
((status == 1)) || fail "doctor without the Secret Service exits $status"
assert_contains "$(line_for 'key:')" "FAIL  key: the Secret Service is not available" "no Secret Service, no cache"
KEYHOLD_KEY_CACHE_SECONDS=60 keyhold status >/dev/null  # caches the key, where the kernel allows it
store_id=$(keyhold status | sed -n 's/^store id: *//p')
if grep -q "keyhold:store-key:$store_id" /proc/keys 2>/dev/null; then
    KEYHOLD_KEY_CACHE_SECONDS=60 DBUS_SESSION_BUS_ADDRESS= XDG_RUNTIME_DIR= doctor
    ((status == 0)) || fail "doctor without the Secret Service but with the key cached exits $status: $output"
    assert_contains "$(line_for 'key:')" "warn  key: helpers work from the kernel cache now, but not once it expires" \
        "no Secret Service, key cached"
    KEYHOLD_KEY_CACHE_SECONDS=60 keyhold lock >/dev/null
    ok "the keyring gone: FAIL without a cached key; a warning that names the expiry while the key is cached"
else
    ok "the keyring gone: FAIL (# SKIP the cached-key case: no kernel keyring here)"
fi

keyhold source add stale --type ignite --url https://127.0.0.1:9 --max-age 1h <<<"token-never-shown" >/dev/null
keyhold source add quiet --type ignite --url https://127.0.0.1:9 <<<"token-never-shown" >/dev/null
keyhold sync --timeout 2s >/dev/null 2>&1 || true
doctor
((status == 1)) || fail "doctor with a source past its max age exits $status"
assert_contains "$(line_for 'source stale:')" \
    "FAIL  source stale: never synced, so none of its credentials are served: run \`keyhold sync stale\`" "stale source"
assert_contains "$(line_for 'source quiet:')" "warn  source quiet: never synced: run \`keyhold sync quiet\`" \
    "never-synced source"
assert_not_contains "$output" "token-never-shown" "doctor output with sources"
ok "a source past its --max-age is a FAIL (its credentials are not served); one that never synced, a warning"
keyhold source remove stale >/dev/null
keyhold source remove quiet >/dev/null

KEYHOLD_KEY_CACHE_SECONDS=60 keyhold status >/dev/null  # the key cached, where the kernel allows it
printf 'garbage' | dd of="$KEYHOLD_HOME/store" bs=1 seek=100 conv=notrunc 2>/dev/null
before=$(sha256sum <"$KEYHOLD_HOME/store")
for cache_seconds in 0 60; do
    KEYHOLD_KEY_CACHE_SECONDS=$cache_seconds doctor
    ((status == 1)) || fail "doctor on a damaged store (cache $cache_seconds s) exits $status: $output"
    assert_contains "$(line_for 'key:')" "FAIL  key: keyhold store $KEYHOLD_HOME/store is damaged" "damaged store"
done
assert_eq "$(sha256sum <"$KEYHOLD_HOME/store")" "$before" "damaged store after doctor"
KEYHOLD_KEY_CACHE_SECONDS=60 keyhold lock >/dev/null 2>&1 || true
ok "a damaged store is a FAIL, with or without its key cached, and doctor leaves the file as it found it"

# A passphrase store cannot detect a rollback once its key is no longer cached: status and
# doctor say so, and what protects against it.
export KEYHOLD_HOME="$TEST_TMP/passphrase-store" KEYHOLD_PASSPHRASE="doctor passphrase"
keyhold init --backend passphrase >/dev/null
doctor
assert_contains "$(line_for 'rollback:')" "warn  rollback: not detected once the key cache expires" "doctor on a passphrase store"
assert_contains "$(line_for 'rollback:')" "keyhold rekey --backend secret-service" "the protection offered"
assert_contains "$(keyhold status)" "rollback:    not detected once the key cache expires" "status of a passphrase store"
ok "a passphrase store's status and doctor say that a rollback goes undetected, and what prevents it"
