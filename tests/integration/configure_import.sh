#!/usr/bin/env bash
# The first five minutes (docs/setup.md): `keyhold configure docker|containers` edits the
# clients' files as a careful person would and --undo takes back exactly that; `keyhold import`
# moves the plaintext credentials already here into the store and out of their files; `keyhold
# sync` keeps the containers tools' credHelpers current. Checked as a user would: the files,
# their modes, and the clients' answers.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/tls.sh"
source "$(dirname "$0")/../fixtures/org_api.sh"
require_commands git base64 sha256sum cmp

export HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/keyhold" DOCKER_CONFIG="$TEST_TMP/docker"
export REGISTRY_AUTH_FILE="$TEST_TMP/containers/auth.json" XDG_CONFIG_HOME="$TEST_TMP/home/.config"
export KEYHOLD_PASSPHRASE="setup passphrase" KEYHOLD_KEY_CACHE_SECONDS=0 GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
unset XDG_RUNTIME_DIR GIT_ASKPASS SSH_ASKPASS
mkdir -p "$HOME" "$DOCKER_CONFIG" "$TEST_TMP/containers"
keyhold init --backend passphrase >/dev/null
config="$DOCKER_CONFIG/config.json"
auth="$REGISTRY_AUTH_FILE"
b64() { printf '%s' "$1" | base64 -w0; }
sum() { sha256sum <"$1"; }

# --- configure docker --------------------------------------------------------------------------
# As docker writes it: tabs, no final newline, its own key order.
printf '{\n\t"auths": {\n\t\t"registry.example": {}\n\t},\n\t"psFormat": "table {{.ID}}",\n\t"proxies": {\n\t\t"default": {\n\t\t\t"httpProxy": "http://proxy:3128"\n\t\t}\n\t}\n}' >"$config"
chmod 640 "$config"
cp "$config" "$TEST_TMP/config.orig"
output=$(keyhold configure docker)
assert_contains "$output" "$config: credsStore: keyhold" "configure docker"
assert_eq "$(stat -c %a "$config")" "640" "config.json's mode after configure"
assert_contains "$(cat "$config")" $'\t"credsStore": "keyhold"' "config.json after configure"
assert_contains "$(cat "$config")" '"httpProxy": "http://proxy:3128"' "config.json's other keys"
ok "configure docker sets credsStore, keeps the other keys and the mode: ${output##*$'\n'}"

before=$(sum "$config")
output=$(keyhold configure docker)
assert_contains "$output" "nothing changed" "a second configure docker"
assert_eq "$(sum "$config")" "$before" "config.json after a second configure"
ok "a second configure docker changes nothing and says so"

output=$(keyhold configure docker --undo)
assert_contains "$output" "credsStore: removed keyhold" "configure docker --undo"
cmp -s "$config" "$TEST_TMP/config.orig" || fail "config.json after configure and --undo differs from the original"
assert_eq "$(stat -c %a "$config")" "640" "config.json's mode after --undo"
assert_contains "$(keyhold configure docker --undo)" "nothing of keyhold's" "a second --undo"
ok "configure docker --undo leaves config.json byte for byte as it was"

keyhold configure docker --registry registry.example:5000 --registry docker.io >/dev/null
assert_contains "$(cat "$config")" '"registry.example:5000": "keyhold"' "credHelpers for --registry"
assert_contains "$(cat "$config")" '"https://index.docker.io/v1/": "keyhold"' "docker's key for Docker Hub"
assert_not_contains "$(cat "$config")" "credsStore" "configure docker --registry"
keyhold configure docker --undo >/dev/null
cmp -s "$config" "$TEST_TMP/config.orig" || fail "config.json after --registry and --undo differs"
ok "configure docker --registry writes credHelpers (Docker Hub under docker's own key), --undo removes them"

# A credsStore the user had: replaced, and put back by --undo; an entry the user wrote stays.
printf '{\n  "credsStore": "desktop",\n  "credHelpers": {\n    "gcr.io": "gcloud"\n  }\n}\n' >"$config"
cp "$config" "$TEST_TMP/config.user"
output=$(keyhold configure docker --registry gcr.io)
assert_contains "$output" "gcr.io stays with gcloud" "a user's credHelpers entry"
assert_contains "$output" "nothing changed" "configure --registry of a registry with the user's helper"
keyhold configure docker >/dev/null
assert_contains "$(cat "$config")" '"credsStore": "keyhold"' "credsStore replaced"
keyhold configure docker --undo >/dev/null
cmp -s "$config" "$TEST_TMP/config.user" || fail "config.json with the user's helpers after --undo differs"
ok "a user's credsStore comes back with --undo, a user's credHelpers entry is never touched (2-space file kept)"

# The owner is kept too (docker's own Save copies it): only root can give a file to another user.
if (($(id -u) == 0)); then
    printf '{"psFormat": "x"}\n' >"$config"
    chown 65534:65534 "$config"
    chmod 604 "$config"
    keyhold configure docker >/dev/null
    assert_eq "$(stat -c '%u:%g %a' "$config")" "65534:65534 604" "config.json's owner after configure"
    keyhold configure docker --undo >/dev/null
    assert_eq "$(cat "$config")" '{"psFormat": "x"}' "config.json after --undo"
    assert_eq "$(stat -c '%u:%g' "$config")" "65534:65534" "config.json's owner after --undo"
    ok "a config.json another user owns keeps its owner through configure and --undo"
fi

rm "$config"
rmdir "$DOCKER_CONFIG"
keyhold configure docker >/dev/null
assert_eq "$(stat -c %a "$DOCKER_CONFIG")" "700" "a new docker directory"
assert_eq "$(stat -c %a "$config")" "600" "a new config.json"
keyhold configure docker --undo >/dev/null
[[ ! -e "$config" ]] || fail "--undo left the config.json keyhold had created: $(cat "$config")"
ok "a config.json keyhold creates is 0600 in a 0700 directory, and --undo removes it"

# Refusals: one line naming the file, which stays as it was.
refused() {
    local what=$1 needle=$2 file=$3 status=0 output before
    shift 3
    before=$(sum "$file")
    output=$("$@" 2>&1) || status=$?
    ((status == 1)) || fail "$what: exit $status: $output"
    assert_one_line "$output" "$what"
    assert_contains "$output" "$needle" "$what"
    assert_eq "$(sum "$file")" "$before" "$what: the file"
    ok "$what is refused in one line: $output"
}
printf '{\n\t"auths": {\n\t\t"x": {"auth": "c2VjcmV0:"}\n' >"$TEST_TMP/broken.json"
cp "$TEST_TMP/broken.json" "$config"
refused "an unparsable config.json" "$config is not valid JSON (line 4, column 1)" "$config" keyhold configure docker
rm "$config"
printf '{"psFormat": "x"}' >"$TEST_TMP/real-config.json"
ln -s "$TEST_TMP/real-config.json" "$config"
refused "a symlinked config.json" "$config is a symbolic link (to $TEST_TMP/real-config.json)" \
    "$TEST_TMP/real-config.json" keyhold configure docker
[[ -L "$config" ]] || fail "the link was replaced"
rm "$config"

# --- configure containers --------------------------------------------------------------------
printf '{"ServerURL":"https://login.example:5000","Username":"u","Secret":"login-pw"}' | docker-credential-keyhold store
printf '{\n\t"auths": {\n\t\t"quay.io/team": {\n\t\t\t"auth": "%s"\n\t\t}\n\t},\n\t"credHelpers": {\n\t\t"user.example": "other"\n\t}\n}\n' \
    "$(b64 'team:team-pw')" >"$auth"
chmod 644 "$auth"
cp "$auth" "$TEST_TMP/auth.orig"
output=$(keyhold configure containers --registry pinned.example)
assert_contains "$output" "credHelpers: login.example:5000 -> keyhold" "configure containers"
assert_contains "$output" "credHelpers: pinned.example -> keyhold" "configure containers --registry"
assert_contains "$(cat "$auth")" '"user.example": "other"' "the user's credHelpers entry"
assert_eq "$(stat -c %a "$auth")" "644" "auth.json's mode"
assert_contains "$(keyhold configure containers --registry pinned.example)" "nothing changed" "a second run"
ok "configure containers names every registry the store serves and the --registry ones in credHelpers"
keyhold configure containers --undo >/dev/null
cmp -s "$auth" "$TEST_TMP/auth.orig" || fail "auth.json after configure containers and --undo differs"
ok "configure containers --undo leaves auth.json byte for byte as it was"

# --- import ------------------------------------------------------------------------------------
printf '{\n\t"auths": {\n\t\t"registry.example:5000": {\n\t\t\t"auth": "%s"\n\t\t},\n\t\t"https://index.docker.io/v1/": {\n\t\t\t"auth": "%s",\n\t\t\t"identitytoken": "hub-identity-token"\n\t\t},\n\t\t"marker.example": {}\n\t},\n\t"psFormat": "table"\n}' \
    "$(b64 'alice:docker-pw-1')" "$(b64 'bob:')" >"$config"
chmod 640 "$config"
printf '{\n\t"auths": {\n\t\t"podman.example": {\n\t\t\t"auth": "%s"\n\t\t},\n\t\t"quay.io/team": {\n\t\t\t"auth": "%s"\n\t\t}\n\t}\n}\n' \
    "$(b64 'carol:podman-pw-2')" "$(b64 'team:team-pw')" >"$auth"
printf 'https://dave:git%%40pw%%2F3@git.example.com\n# a line git ignores\nhttps://erin:git-pw-4@git.example.com/org/repo.git\n' \
    >"$HOME/.git-credentials"
chmod 600 "$HOME/.git-credentials"
printf 'https://frank:git-pw-5@other.example:8443\n' >"$TEST_TMP/more-credentials"
git config --global credential.helper "store --file $TEST_TMP/more-credentials"
sources=("$config" "$auth" "$HOME/.git-credentials" "$TEST_TMP/more-credentials")
sums() { local file; for file in "${sources[@]}"; do sum "$file"; done; sum "$KEYHOLD_HOME/store"; }
secrets=(docker-pw-1 hub-identity-token podman-pw-2 'git@pw/3' git-pw-4 git-pw-5 team-pw)

output=$(keyhold doctor)
assert_contains "$output" "docker: $config holds passwords in base64 for https://index.docker.io/v1/, registry.example:5000: run \`keyhold import\`" "doctor"
assert_contains "$output" "git: $HOME/.git-credentials holds 2 passwords in plain text: run \`keyhold import\`" "doctor"
for secret in "${secrets[@]}"; do assert_not_contains "$output" "$secret" "doctor"; done
assert_contains "$output" "docker: $config does not use keyhold: run \`keyhold configure docker\`" "doctor"
assert_contains "$output" "$auth does not use keyhold: run \`keyhold configure containers\`" "doctor"
ok "doctor names keyhold import where it finds plaintext, and the configure command a client needs"

before=$(sums)
output=$(keyhold import --dry-run)
assert_eq "$(sums)" "$before" "every file after import --dry-run"
for secret in "${secrets[@]}"; do assert_not_contains "$output" "$secret" "import --dry-run"; done
for line in "docker registry.example:5000 (user alice) from $config" \
    "docker https://index.docker.io/v1/ (user <identity token>)" "podman/buildah/skopeo podman.example (user carol)" \
    "git https://git.example.com (user dave)" "git https://git.example.com/org/repo.git (user erin)" \
    "git https://other.example:8443 (user frank) from $TEST_TMP/more-credentials"; do
    assert_contains "$output" "would import $line" "import --dry-run"
done
assert_contains "$output" "skipped quay.io/team in $auth: a credential for one namespace" "import --dry-run"
ok "import --dry-run lists what would move, no secret, and changes nothing"

# A locked store (the wrong passphrase): nothing is removed anywhere.
status=0
output=$(KEYHOLD_PASSPHRASE=wrong keyhold import 2>&1) || status=$?
((status == 1)) || fail "import with a locked store exits $status"
assert_contains "$output" "nothing was removed" "import with a locked store"
assert_eq "$(sums)" "$before" "every file after an import that could not open the store"
ok "import with the store locked removes nothing: ${output##*$'\n'}"

output=$(keyhold import)
for secret in "${secrets[@]}"; do assert_not_contains "$output" "$secret" "import"; done
assert_contains "$output" "6 credentials moved into the store" "import"
assert_contains "$output" "keyhold configure docker" "import's advice"
for secret in "${secrets[@]:0:6}"; do
    for file in "${sources[@]}"; do assert_file_lacks "$file" "$(b64 "$secret")" "$file after import"; done
done
assert_file_lacks "$config" '"auth"' "config.json after import"
assert_file_lacks "$config" "hub-identity-token" "config.json after import"
assert_contains "$(cat "$config")" '"marker.example": {}' "config.json's other auths"
assert_contains "$(cat "$config")" '"psFormat": "table"' "config.json's other keys"
assert_contains "$(cat "$auth")" "$(b64 'team:team-pw')" "auth.json's namespaced entry"
assert_eq "$(cat "$HOME/.git-credentials")" "# a line git ignores" "~/.git-credentials after import"
assert_eq "$(stat -c %a "$config") $(stat -c %a "$HOME/.git-credentials")" "640 600" "modes after import"
[[ ! -s "$TEST_TMP/more-credentials" ]] || fail "the --file credentials are still there"
ok "import moved 6 credentials and removed them from their files, keeping every other entry, line and mode"

assert_eq "$(echo registry.example:5000 | docker-credential-keyhold get)" \
    '{"ServerURL":"registry.example:5000","Username":"alice","Secret":"docker-pw-1"}' "docker get"
assert_eq "$(echo https://index.docker.io/v1/ | docker-credential-keyhold get)" \
    '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"hub-identity-token"}' "identity token"
assert_eq "$(echo podman.example | docker-credential-keyhold get)" \
    '{"ServerURL":"podman.example","Username":"carol","Secret":"podman-pw-2"}' "podman's credential"
ok "docker-credential-keyhold get serves the imported credentials (an identity token as docker's helpers do)"

# import replaced git's `store --file` helper with keyhold: left in place, git would write every
# password it uses back into that file.
assert_eq "$(git config --global --get-all credential.helper)" "keyhold" "git's credential.helper after import"
assert_contains "$output" "git no longer uses its \`store\` helper" "import's git set-up"
fill() { printf 'protocol=https\nhost=%s\n%s\n' "$1" "${2:-}" | git credential fill; }
assert_eq "$(fill git.example.com)" $'protocol=https\nhost=git.example.com\nusername=dave\npassword=git@pw/3' "git fill"
assert_eq "$(fill other.example:8443)" $'protocol=https\nhost=other.example:8443\nusername=frank\npassword=git-pw-5' \
    "git fill of the --file credential"
assert_eq "$(git -c credential.useHttpPath=true credential fill <<<$'protocol=https\nhost=git.example.com\npath=org/repo.git\nusername=erin\n')" \
    $'protocol=https\nhost=git.example.com\npath=org/repo.git\nusername=erin\npassword=git-pw-4' "git fill with a path"
ok "git credential fill with credential.helper=keyhold answers the imported git credentials"

output=$(keyhold doctor)
assert_not_contains "$output" "keyhold import" "doctor after import"
assert_contains "$output" "$auth holds passwords in base64 for quay.io/team, namespaces that clients never ask" "doctor"
ok "doctor finds nothing left for keyhold import, and says why quay.io/team stays"

before=$(sums)
assert_contains "$(keyhold import)" "nothing to import" "a second import"
assert_eq "$(sums)" "$before" "every file after a second import"
ok "a second import says there is nothing to import"

keyhold configure docker >/dev/null
printf '{"auths": {"late.example": {"auth": "%s"}}, "credsStore": "keyhold"}' "$(b64 'hank:late-pw')" >"$config"
output=$(keyhold import)
assert_contains "$output" "imported docker late.example (user hank)" "an import once docker uses keyhold"
assert_not_contains "$output" "keyhold configure docker" "an import once docker uses keyhold"
assert_eq "$(cat "$config")" '{"auths": {}, "credsStore": "keyhold"}' "a one-line config.json after import"
ok "once config.json names keyhold, import does not suggest configure docker (a one-line file stays one line)"

# An unparsable source is reported in one line and costs the others nothing.
cp "$TEST_TMP/broken.json" "$config"
printf 'https://gina:git-pw-6@git2.example\nhttps://e%%1b%%5b31mvil:git-pw-7@git3.example\n' >"$HOME/.git-credentials"
status=0
output=$(keyhold import 2>&1) || status=$?
((status == 1)) || fail "import with an unparsable config.json exits $status"
assert_contains "$output" "skipped $config is not valid JSON (line 4, column 1)" "import"
assert_contains "$output" "imported git https://git2.example (user gina)" "import"
cmp -s "$config" "$TEST_TMP/broken.json" || fail "import changed the unparsable config.json"
[[ ! -s "$HOME/.git-credentials" ]] || fail "the git credential stayed in ~/.git-credentials"
assert_not_contains "$output" "c2VjcmV0" "import's message about the unparsable file"
assert_contains "$output" 'imported git https://git3.example (user e\x1b[31mvil)' "a user name with an escape sequence"
assert_not_contains "$output" $'\e' "import's output"
ok "an unparsable source is skipped in one line, left as it is, and the others are imported (names shown printable)"
rm "$config"

# --- sync keeps the containers credHelpers current ---------------------------------------------
require_commands openssl curl
make_test_ca "$TEST_TMP/tls"
ca="$TEST_TMP/tls/ca.crt"
start_org_api "$TEST_TMP/org" "$TEST_TMP/tls/server.crt" "$TEST_TMP/tls/server.key"
save_org() {
    local entries=$1
    printf '{"registryCredentials": {%s}}' "$entries" | org_put_secrets "$ca" >/dev/null
}
save_org "\"https://org-a.example\": \"$(b64 'bot:a-pw')\", \"org-b.example:5000\": \"$(b64 'bot:b-pw')\""
printf '%s' "$(org_issue_token "$TEST_TMP/org")" | keyhold source add acme --type ignite --url "$ORG_API_URL" \
    --ca-file "$ca" >/dev/null
printf '{\n\t"credHelpers": {\n\t\t"user.example": "other",\n\t\t"org-b.example:5000": "mine"\n\t}\n}\n' >"$auth"
keyhold configure containers --registry pinned.example >/dev/null
output=$(keyhold sync)
assert_contains "$output" "$auth: credHelpers: org-a.example -> keyhold" "the first sync"
assert_not_contains "$output" "org-b.example:5000 -> keyhold" "the first sync"
assert_contains "$(cat "$auth")" '"org-b.example:5000": "mine"' "the user's entry for a synced registry"
save_org "\"ghcr.example\": \"$(b64 'bot:c-pw')\", \"org-b.example:5000\": \"$(b64 'bot:b-pw')\""
output=$(keyhold sync)
assert_contains "$output" "$auth: credHelpers: ghcr.example -> keyhold" "a sync that adds a registry"
assert_contains "$output" "$auth: credHelpers: removed org-a.example -> keyhold" "a sync that drops a registry"
document=$(cat "$auth")
for entry in '"ghcr.example": "keyhold"' '"pinned.example": "keyhold"' '"login.example:5000": "keyhold"' \
    '"user.example": "other"' '"org-b.example:5000": "mine"'; do
    assert_contains "$document" "$entry" "auth.json after the second sync"
done
assert_not_contains "$document" "org-a.example" "auth.json after the second sync"
before=$(sum "$auth")
assert_not_contains "$(keyhold sync)" "credHelpers" "a sync that changes nothing"
assert_eq "$(sum "$auth")" "$before" "auth.json after a sync that changed nothing"
ok "keyhold sync adds and removes keyhold's credHelpers entries as the org's registries change, never a user's"
keyhold configure containers --undo >/dev/null
assert_eq "$(cat "$auth")" $'{\n\t"credHelpers": {\n\t\t"user.example": "other",\n\t\t"org-b.example:5000": "mine"\n\t}\n}' \
    "auth.json after --undo"
ok "configure containers --undo after syncs leaves only the user's entries"

# --- import: files that must cost nothing ------------------------------------------------------
# An identity token beside a real password in "auth": moving the token alone would have dropped
# the password with the "auth" field, so the entry stays whole (docker writes "user:" there).
printf '{"auths": {"both.example": {"auth": "%s", "identitytoken": "both-token"}}}' "$(b64 'ivy:both-pw')" >"$config"
cp "$config" "$TEST_TMP/both.json"
output=$(keyhold import)
assert_contains "$output" "skipped both.example in $config: it holds both an identity token and a password" "import"
assert_not_contains "$output" "both-pw" "import"
cmp -s "$config" "$TEST_TMP/both.json" || fail "import changed an entry with a token and a password"
ok "an entry with both an identity token and a password is left whole: ${output%%$'\n'*}"
rm "$config"

# Arrays nested 200000 deep: refused in one line (keyhold used to die of a stack overflow), and
# the other sources still move.
python3 -c 'import sys; sys.stdout.write("{\"x\": " + "[" * 200000 + "]" * 200000 + "}")' >"$config"
printf 'https://judy:deep-pw@deep.example\n' >"$HOME/.git-credentials"
status=0
output=$(keyhold import 2>&1) || status=$?
((status == 1)) || fail "import of a config.json nested too deep exits $status"
assert_contains "$output" "skipped $config nests arrays or objects more than 100 deep" "import"
assert_contains "$output" "imported git https://deep.example (user judy)" "import"
status=0
output=$(keyhold configure docker 2>&1) || status=$?
((status == 1)) || fail "configure docker of a config.json nested too deep exits $status"
assert_contains "$output" "more than 100 deep; keyhold changed nothing" "configure docker"
ok "a config.json nested 200000 deep is refused in one line by import and configure, the rest still moves"
rm "$config"

# A credential stored through keyhold since (a login) is newer than the file's: import must not
# replace it with the stale one, which stays where it was.
printf '{"ServerURL":"fresh.example","Username":"kim","Secret":"fresh-pw"}' | docker-credential-keyhold store
printf 'protocol=https\nhost=fresh.example\nusername=kim\npassword=fresh-git-pw\n' | git-credential-keyhold store
printf '{"auths": {"fresh.example": {"auth": "%s"}}}' "$(b64 'kim:stale-pw')" >"$config"
printf 'https://kim:stale-git-pw@fresh.example\n' >"$HOME/.git-credentials"
cp "$config" "$TEST_TMP/stale.json"
output=$(keyhold import)
assert_contains "$output" "kept docker fresh.example (user kim) in $config: the store answers this address with another credential (one it already held" "import"
assert_contains "$output" "kept git https://fresh.example (user kim)" "import"
assert_eq "$(echo fresh.example | docker-credential-keyhold get)" \
    '{"ServerURL":"fresh.example","Username":"kim","Secret":"fresh-pw"}' "docker get after import"
assert_eq "$(printf 'protocol=https\nhost=fresh.example\n' | git-credential-keyhold get)" \
    $'username=kim\npassword=fresh-git-pw' "git get after import"
cmp -s "$config" "$TEST_TMP/stale.json" || fail "import removed a credential it did not store"
assert_eq "$(cat "$HOME/.git-credentials")" "https://kim:stale-git-pw@fresh.example" "~/.git-credentials"
ok "import never replaces a newer credential the store already holds; the file's stays in the file"
rm "$config" "$HOME/.git-credentials"

# A file with another hard link: rewriting one name would leave the credential under the other
# while import said it was removed.
printf 'https://leo:linked-pw@linked.example\n' >"$HOME/.git-credentials"
ln "$HOME/.git-credentials" "$TEST_TMP/linked-copy"
status=0
output=$(keyhold import 2>&1) || status=$?
((status == 1)) || fail "import of a file with another hard link exits $status"
assert_contains "$output" "$HOME/.git-credentials has 1 other hard link(s); keyhold leaves it alone" "import"
assert_not_contains "$output" "imported git https://linked.example" "import"
assert_eq "$(cat "$HOME/.git-credentials")" "https://leo:linked-pw@linked.example" "~/.git-credentials"
ok "a credential file with another hard link is refused in one line and left as it is"
rm "$HOME/.git-credentials" "$TEST_TMP/linked-copy"

# Names someone else chose reach the terminal printable: a link's target, a credsStore.
ln -s $'/nowhere\e]0;title\a\e[2J' "$HOME/.git-credentials"
output=$(keyhold import 2>&1) || true
assert_contains "$output" "is a symbolic link (to /nowhere\\x1b]0;title" "import of a link"
assert_not_contains "$output" $'\e' "import of a link"
rm "$HOME/.git-credentials"
printf '{"credsStore": "desk\\u001b[31mtop", "credHelpers": {"a.example": "x\\u001b[2Jy"}}' >"$config"
output=$(keyhold doctor 2>&1) || true
assert_contains "$output" 'docker-credential-desk\x1b[31mtop' "doctor"
assert_not_contains "$output" $'\e' "doctor"
ok "a link's target and a config.json's helper names are shown printable, never as escape sequences"
rm "$config"

# git-credential-store by its path is a `store` helper too, and only such helpers go (never
# storeXYZ or store-foo); one in a configuration keyhold does not edit fails the import, since it
# would write the moved password back at git's next use.
git config --global --unset-all credential.helper || true
printf 'https://mo:path-pw@path.example\n' >"$TEST_TMP/by-path"
git config --global credential.helper "/usr/lib/git-core/git-credential-store --file $TEST_TMP/by-path"
printf 'https://mo:bang-pw@bang.example\n' >"$TEST_TMP/bang"
git config --global --add credential.helper "!git-credential-store --file $TEST_TMP/bang"
git config --global --add credential.helper storeXYZ
git config --global --add credential.helper store-foo
output=$(keyhold import)
assert_contains "$output" "git no longer uses its \`store\` helper (credential.helper = /usr/lib/git-core/git-credential-store --file $TEST_TMP/by-path)" "import"
assert_eq "$(git config --global --get-all credential.helper)" "!git-credential-store --file $TEST_TMP/bang"$'\nstoreXYZ\nstore-foo\nkeyhold' "credential.helper after import"
# A shell command is no helper import removes, so its file is not emptied either.
assert_eq "$(cat "$TEST_TMP/bang")" "https://mo:bang-pw@bang.example" "a file named by a !shell helper"
printf 'https://mo:repo-pw@repo.example\n' >"$TEST_TMP/repo-credentials"
git init -q "$TEST_TMP/repo"
git -C "$TEST_TMP/repo" config credential.helper "store --file $TEST_TMP/repo-credentials"
status=0
output=$(cd "$TEST_TMP/repo" && keyhold import 2>&1) || status=$?
((status == 1)) || fail "import with a repository's store helper exits $status"
assert_contains "$output" "git still uses credential.helper = store --file $TEST_TMP/repo-credentials, which keyhold cannot remove" "import"
assert_eq "$(cat "$TEST_TMP/repo-credentials")" "https://mo:repo-pw@repo.example" "the repository's store file"
ok "import removes git-credential-store by its path, never storeXYZ; one it cannot remove fails it, and its file stays"
git config --global --unset-all credential.helper
git config --global credential.helper keyhold

# The auth file podman reads first cannot take credHelpers (a link): the credentials found in
# the other one stay there, or podman would find them neither in a file nor through keyhold.
(
    unset REGISTRY_AUTH_FILE
    export XDG_RUNTIME_DIR="$TEST_TMP/run"
    mkdir -p "$XDG_RUNTIME_DIR/containers" "$XDG_CONFIG_HOME/containers"
    echo '{}' >"$TEST_TMP/elsewhere.json"
    ln -s "$TEST_TMP/elsewhere.json" "$XDG_RUNTIME_DIR/containers/auth.json"
    persistent="$XDG_CONFIG_HOME/containers/auth.json"
    printf '{"auths": {"pod.example": {"auth": "%s"}}}' "$(b64 'pat:pod-pw')" >"$persistent"
    cp "$persistent" "$TEST_TMP/persistent.orig"
    status=0
    output=$(keyhold import 2>&1) || status=$?
    ((status == 1)) || fail "import with podman's first auth file a link exits $status"
    assert_contains "$output" "podman/buildah/skopeo cannot be pointed at keyhold, so its credentials stay in $persistent" "import"
    cmp -s "$persistent" "$TEST_TMP/persistent.orig" || fail "import removed a credential podman could no longer reach"
    rm "$XDG_RUNTIME_DIR/containers/auth.json"
    output=$(keyhold import)
    assert_contains "$output" "imported podman/buildah/skopeo pod.example (user pat) and removed it from $persistent" "import"
    assert_contains "$(cat "$persistent")" '"pod.example": "keyhold"' "credHelpers after import"
    rm "$persistent"
)
ok "a credential stays in its file while its client cannot be pointed at keyhold, and moves once it can"

# A login of the user's own in auth.json, even for a namespace (quay.io/team), which import
# leaves there: the containers tools read credHelpers[quay.io] before it, so a registry the
# store serves for that host is left out of credHelpers, and a sync takes back one it had added.
printf '{"ServerURL":"quay.io","Username":"bot","Secret":"org-quay-pw"}' | docker-credential-keyhold store
echo '{}' >"$auth"
keyhold configure containers >/dev/null
assert_contains "$(cat "$auth")" '"quay.io":"keyhold"' "auth.json before the user's login"
printf '{"auths": {"quay.io/team": {"auth": "%s"}}, "credHelpers": {"quay.io": "keyhold"}}' "$(b64 'me:team-login')" >"$auth"
output=$(keyhold sync 2>&1) || true
assert_contains "$output" "$auth: credHelpers: removed quay.io -> keyhold" "a sync after a namespaced login"
assert_not_contains "$(cat "$auth")" '"quay.io": "keyhold"' "auth.json after the sync"
output=$(keyhold configure containers)
assert_contains "$output" "credHelpers: quay.io left out: \"auths\" holds your own login for it" "configure containers"
ok "a namespaced login of the user's own is never hidden behind a credHelpers entry keyhold adds"
keyhold configure containers --undo >/dev/null
rm "$auth"
