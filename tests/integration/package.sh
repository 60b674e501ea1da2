#!/usr/bin/env bash
# package.sh BUILD_DIR: the .deb and .rpm that scripts/package.sh makes, made here from the
# plain build into a temporary directory, then checked as a user and a distribution would:
# file names and dependencies, lintian, an install with dpkg into a private root, the INSTALLED
# programs through a docker store/get/list, keyhold doctor and the Secret Service module found
# from /usr/bin, the man pages rendered, the completions loaded and run in bash, zsh and fish,
# the systemd units verified, a removal that leaves nothing, and the .rpm's metadata.
source "$(dirname "$0")/../fixtures/common.sh"
source "$(dirname "$0")/../fixtures/packages.sh"

build=${1:?usage: package.sh BUILD_DIR}
[[ -f "$build/CPackConfig.cmake" ]] || skip "$build has no CPack configuration (not a Linux build)"
((EUID == 0)) || skip "dpkg --root installs files owned by root: run as root (CI does)"
require_commands cpack dpkg dpkg-deb lintian rpm rpmbuild man bash zsh fish setsid timeout
[[ -f /usr/share/bash-completion/bash_completion ]] || fail "bash-completion is not installed"
for page in keyhold docker-credential-keyhold git-credential-keyhold; do
    [[ -f "$build/man/$page.1.gz" ]] || fail "$build/man/$page.1.gz is missing: is scdoc installed?"
done

make_packages "$build"
version=$PACKAGE_VERSION release=$PACKAGE_RELEASE
deb=$KEYHOLD_DEB module_deb=$MODULE_DEB rpm_file=$KEYHOLD_RPM module_rpm=$MODULE_RPM
ok "cpack: $(basename "$deb"), $(basename "$module_deb"), $(basename "$rpm_file"), $(basename "$module_rpm")"

# --- .deb metadata: dpkg-shlibdeps' exact libraries, and GLib only in the module's package.
depends=$(dpkg-deb -f "$deb" Depends)
assert_contains "$depends" "libc6 (>= " "keyhold Depends"
assert_contains "$depends" "libcurl4 (>= " "keyhold Depends"
for absent in libsecret libglib libsodium libstdc++ libgcc keyhold-secret-service; do
    assert_not_contains "$depends" "$absent" "keyhold Depends"
done
assert_eq "$(dpkg-deb -f "$deb" Recommends)" "keyhold-secret-service" "keyhold Recommends"
module_depends=$(dpkg-deb -f "$module_deb" Depends)
for needed in "keyhold (= ${version}-${release})" "libc6 (>= " "libsecret-1-0 (>= " "libglib2.0-0 (>= "; do
    assert_contains "$module_depends" "$needed" "keyhold-secret-service Depends"
done
ok "Depends: keyhold [$depends], Recommends keyhold-secret-service; keyhold-secret-service [$module_depends]"
# The TPM module: tpm2-tss only there, and the TCTI for /dev/tpmrm0, which the loader dlopens by name.
assert_eq "$(dpkg-deb -f "$deb" Suggests)" "keyhold-tpm2" "keyhold Suggests"
assert_not_contains "$depends" "libtss2" "keyhold Depends"
tpm2_depends=$(dpkg-deb -f "$TPM2_DEB" Depends)
for needed in "keyhold (= ${version}-${release})" "libtss2-tcti-device0" "libtss2-esys-" "libtss2-tctildr0 (>= "; do
    assert_contains "$tpm2_depends" "$needed" "keyhold-tpm2 Depends"
done
grep -qx ./usr/lib/keyhold/modules/keyhold-tpm2.so <<<"$(dpkg-deb -c "$TPM2_DEB" | awk '{print $6}')" ||
    fail "keyhold-tpm2.deb lacks the module"
grep -qx /usr/lib/keyhold/modules/keyhold-tpm2.so <<<"$(rpm -qpl "$TPM2_RPM" 2>/dev/null)" ||
    fail "keyhold-tpm2.rpm lacks the module"
ok "keyhold Suggests keyhold-tpm2 [$tpm2_depends], which holds the module (.deb and .rpm)"

# --- lintian: nothing at warning level or above; what info-level tags remain is in docs/packaging.md.
lintian_status=0
lintian_output=$(lintian --fail-on error,warning "$deb" "$module_deb" "$TPM2_DEB" 2>&1) || lintian_status=$?
lintian_output=$(grep -v '^running with root privileges' <<<"$lintian_output" || true)
((lintian_status == 0)) && [[ -z "$lintian_output" ]] || fail "lintian (exit $lintian_status): $lintian_output"
ok "lintian: no error or warning in any .deb"

# --- dpkg -i into a private root (tests/fixtures/packages.sh).
root="$TEST_TMP/root"
install_packages "$root" "$deb" "$module_deb"
dpkg_root() { dpkg --root="$root" --log=/dev/null --force-depends "$@" >"$TEST_TMP/dpkg.log" 2>&1 ||
    fail "dpkg $*: $(cat "$TEST_TMP/dpkg.log")"; }
status=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package}=${Status} ' keyhold keyhold-secret-service)
assert_eq "$status" "keyhold=install ok installed keyhold-secret-service=install ok installed " "dpkg status"
ok "dpkg --root -i: both packages installed"

bin="$root/usr/bin"
for program in keyhold docker-credential-keyhold git-credential-keyhold; do
    [[ -x "$bin/$program" ]] || fail "$program is not installed in /usr/bin"
done
export PATH="$bin:$PATH" HOME="$TEST_TMP/home" KEYHOLD_HOME="$TEST_TMP/store"
export KEYHOLD_PASSPHRASE="package test passphrase" KEYHOLD_KEY_CACHE_SECONDS=0
unset DOCKER_CONFIG REGISTRY_AUTH_FILE XDG_RUNTIME_DIR XDG_DATA_HOME GIT_CONFIG_GLOBAL
export GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
assert_eq "$(command -v keyhold)" "$bin/keyhold" "the keyhold on PATH"

# --- the installed programs.
keyhold init --backend passphrase >/dev/null
printf '{"ServerURL":"https://registry.example.com/","Username":"ci-bot","Secret":"pkg-s3cret"}' |
    docker-credential-keyhold store
assert_eq "$(printf 'registry.example.com' | docker-credential-keyhold get)" \
    '{"ServerURL":"registry.example.com","Username":"ci-bot","Secret":"pkg-s3cret"}' "installed docker get"
assert_eq "$(docker-credential-keyhold list)" '{"https://registry.example.com/":"ci-bot"}' "installed docker list"
assert_contains "$(docker-credential-keyhold version)" "docker-credential-keyhold (keyhold) $version" "version"
ok "installed docker-credential-keyhold: store, get, list, version on a passphrase store"

doctor_status=0
doctor_output=$(keyhold doctor 2>&1) || doctor_status=$?
((doctor_status == 0)) || fail "installed keyhold doctor exits $doctor_status: $doctor_output"
assert_contains "$doctor_output" "ok    store: $KEYHOLD_HOME/store" "doctor: store"
assert_contains "$doctor_output" "ok    key: the passphrase protector opens the store" "doctor: key"
assert_contains "$doctor_output" "ok    docker-credential-keyhold: $bin/docker-credential-keyhold" "doctor: helper"
assert_contains "$doctor_output" "ok    git-credential-keyhold: $bin/git-credential-keyhold" "doctor: helper"
ok "installed keyhold doctor: store, key and both helpers ok, exit 0"

# The module from /usr/lib/keyhold/modules, found relative to /usr/bin: with no session bus, the
# refusal comes from inside it (libsecret's "cannot reach"), not from a missing module.
no_bus() { DBUS_SESSION_BUS_ADDRESS="unix:path=$TEST_TMP/no-bus" KEYHOLD_HOME="$TEST_TMP/secret-service" \
    keyhold init --backend secret-service 2>&1; }
refusal=$(no_bus) && fail "init --backend secret-service without a bus succeeded: $refusal"
assert_contains "$refusal" "the Secret Service is not available: cannot reach the D-Bus session bus" "module loaded"
ok "the installed Secret Service module loads from /usr/lib/keyhold/modules: $refusal"

# --- man pages: rendered without a groff warning, and keyhold(1) names every subcommand and
# option that the installed keyhold's --help lists.
for page in keyhold docker-credential-keyhold git-credential-keyhold; do
    file="$root/usr/share/man/man1/$page.1.gz"
    [[ -f "$file" ]] || fail "no $page.1.gz installed"
    rendered=$(MANWIDTH=80 man --warnings -l "$file" 2>"$TEST_TMP/man.err")
    [[ ! -s "$TEST_TMP/man.err" ]] || fail "man -l $page.1.gz warns: $(cat "$TEST_TMP/man.err")"
    assert_contains "$rendered" "$page - " "$page(1) NAME"
    # gzip -9n: no file name and no time stamp in the header (bytes 4-9: flags and mtime 0).
    [[ "$(od -An -tx1 -j3 -N5 "$file" | tr -d ' ')" == "0000000000" ]] || fail "$page.1.gz carries a name or time"
done
manual=$(MANWIDTH=200 man -l "$root/usr/share/man/man1/keyhold.1.gz" 2>/dev/null)
options_of_help() { sed -n 's/^  \(-[a-z],\)\?\(--[a-z-]\+\).*/\2/p'; }  # CLI11's option column
subcommands=$(keyhold --help | sed -n '/^Subcommands:/,$s/^  \([a-z]\+\) .*/\1/p')
[[ -n "$subcommands" ]] || fail "keyhold --help lists no subcommands"
for subcommand in $subcommands; do
    grep -q "^       $subcommand\b" <<<"$manual" || fail "keyhold(1) has no entry for '$subcommand'"
    for nested in $(keyhold "$subcommand" --help | sed -n '/^Subcommands:/,$s/^  \([a-z]\+\) .*/\1/p'); do
        grep -q "^       $subcommand $nested\b" <<<"$manual" || fail "keyhold(1) has no entry for '$subcommand $nested'"
        for option in $(keyhold "$subcommand" "$nested" --help | options_of_help); do
            assert_contains "$manual" "$option" "keyhold(1) on '$subcommand $nested'"
        done
    done
    for option in $(keyhold "$subcommand" --help | options_of_help); do
        assert_contains "$manual" "$option" "keyhold(1) on '$subcommand'"
    done
done
ok "man -l renders the three pages without warnings; keyhold(1) covers $(wc -w <<<"$subcommands") subcommands of --help"

# --- completions. The values they offer are the ones the installed keyhold's help lists.
backends=$(keyhold init --help | sed -n 's/^ \{32\}\([a-z0-9-]\+\): .*/\1/p' | sort | tr '\n' ' ')
types=$(keyhold source add --help | sed -n 's/^ \{32\}\([a-z-]\+\): .*/\1/p' | sort | tr '\n' ' ')
assert_eq "$backends" "passphrase secret-service tpm2 " "keyhold init --help's backends"
assert_eq "$types" "gitpod ignite " "keyhold source add --help's types"
printf 'token-for-completion' | keyhold source add acme --type ignite --url https://api.example.invalid >/dev/null
keyhold_subcommands=$(sort <<<"$subcommands" | tr '\n' ' ')

completions="$root/usr/share/bash-completion/completions"
bash_complete() {  # bash_complete WORD...: what the installed bash completion offers for the last word
    bash --norc --noprofile -c '
        source "$0/keyhold"; source "$0/docker-credential-keyhold"; source "$0/git-credential-keyhold"
        COMP_WORDS=("${@}"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        function=$(complete -p "${COMP_WORDS[0]##*/}" | sed "s/.*-F \([^ ]*\) .*/\1/")
        "$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' "$completions" "$@" | sort | tr '\n' ' '
}
offered=$(bash_complete keyhold "")
for subcommand in $subcommands; do assert_contains " $offered" " $subcommand " "bash: keyhold <TAB>"; done
assert_eq "$(bash_complete keyhold init --backend "")" "$backends" "bash: keyhold init --backend <TAB>"
# bash splits --backend=VALUE at "=" (COMP_WORDBREAKS): the words it hands the function.
assert_eq "$(bash_complete keyhold rekey --backend = "")" "$backends" "bash: keyhold rekey --backend=<TAB>"
assert_eq "$(bash_complete keyhold source add x --type "")" "$types" "bash: keyhold source add --type <TAB>"
assert_eq "$(bash_complete keyhold source "")" "add list remove " "bash: keyhold source <TAB>"
assert_eq "$(bash_complete keyhold source remove "")" "acme " "bash: keyhold source remove <TAB>"
assert_eq "$(bash_complete keyhold sync a)" "acme " "bash: keyhold sync a<TAB>"
assert_eq "$(bash_complete keyhold sync --)" "--help --if-older-than --timeout " "bash: keyhold sync --<TAB>"
assert_eq "$(bash_complete keyhold exec --all-secrets -- ech)" "echo " "bash: keyhold exec -- ech<TAB>"
assert_eq "$(bash_complete docker-credential-keyhold "")" "erase get list store version " "bash: docker helper"
assert_eq "$(bash_complete git-credential-keyhold "")" "erase get store " "bash: git helper"
# bash-completion itself finds the file by the command's name, under XDG_DATA_DIRS.
loaded=$(XDG_DATA_DIRS="$root/usr/share" bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    __load_completion keyhold && complete -p keyhold')
assert_contains "$loaded" "_keyhold keyhold" "bash-completion's loader"
ok "bash: subcommands, --backend, --type, source names from the store, exec's command, both helpers; loaded by bash-completion"

# zsh: the installed file parses, and compinit registers it for all three programs.
zsh -n "$root/usr/share/zsh/vendor-completions/_keyhold" || fail "zsh -n _keyhold"
registered=$(zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2"
    print -r -- $_comps[keyhold] $_comps[docker-credential-keyhold] $_comps[git-credential-keyhold]' \
    zsh "$root/usr/share/zsh/vendor-completions" "$TEST_TMP/zcompdump")
assert_eq "$registered" "_keyhold _keyhold _keyhold" "zsh: compinit registers _keyhold"
zsh_complete() {  # an interactive zsh is typed the line and a TAB (tests/fixtures/zsh_complete.zsh)
    zsh -f "$(dirname "$0")/../fixtures/zsh_complete.zsh" "$root/usr/share/zsh/vendor-completions" \
        "$TEST_TMP/zcompdump" "$1" | tr '\n' ' '
}
offered=$(zsh_complete "keyhold ")
for subcommand in $subcommands; do assert_contains " $offered" " $subcommand " "zsh: keyhold <TAB>"; done
assert_eq "$(zsh_complete "keyhold init --backend ")" "$backends" "zsh: keyhold init --backend <TAB>"
assert_eq "$(zsh_complete "keyhold source add x --type ")" "$types" "zsh: keyhold source add --type <TAB>"
assert_eq "$(zsh_complete "keyhold source remove ")" "acme " "zsh: keyhold source remove <TAB>"
assert_eq "$(zsh_complete "keyhold sync --")" "--help --if-older-than --timeout " "zsh: keyhold sync --<TAB>"
assert_eq "$(zsh_complete "docker-credential-keyhold ")" "erase get list store version " "zsh: docker helper"
assert_eq "$(zsh_complete "git-credential-keyhold ")" "erase get store " "zsh: git helper"
ok "zsh: compinit registers _keyhold for the three programs; an interactive zsh completes subcommands, --backend, --type, source names, both helpers"

# fish: `complete -C` asks the installed completions what a command line completes to.
fish_complete() {
    fish --no-config -c 'set fish_complete_path $argv[1] $fish_complete_path; complete -C $argv[2]' \
        "$root/usr/share/fish/vendor_completions.d" "$1" 2>"$TEST_TMP/fish.err" | cut -f1 | sort | tr '\n' ' '
    [[ ! -s "$TEST_TMP/fish.err" ]] || fail "fish: complete -C '$1' printed errors: $(cat "$TEST_TMP/fish.err")"
}
offered=$(fish_complete "keyhold ")
for subcommand in $subcommands; do assert_contains " $offered" " $subcommand " "fish: keyhold <TAB>"; done
assert_eq "$(fish_complete "keyhold init --backend ")" "$backends" "fish: keyhold init --backend <TAB>"
assert_eq "$(fish_complete "keyhold source add x --type ")" "$types" "fish: keyhold source add --type <TAB>"
assert_eq "$(fish_complete "keyhold source remove ")" "acme " "fish: keyhold source remove <TAB>"
assert_eq "$(fish_complete "keyhold sync --")" "--help --if-older-than --timeout " "fish: keyhold sync --<TAB>"
assert_eq "$(fish_complete "docker-credential-keyhold ")" "erase get list store version " "fish: docker helper"
assert_eq "$(fish_complete "git-credential-keyhold ")" "erase get store " "fish: git helper"
ok "fish: subcommands, --backend, --type, source names, both helpers"

# --- systemd user units, where systemd looks for a package's.
for unit in keyhold-sync.service keyhold-sync.timer; do
    [[ -f "$root/usr/lib/systemd/user/$unit" ]] || fail "no /usr/lib/systemd/user/$unit"
done
# ExecStart names `keyhold` bare, which systemd looks up in its own fixed path (/usr/bin among
# it), never $PATH: the check runs on copies whose ExecStart names the installed file instead.
assert_eq "$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$root/usr/lib/systemd/user/keyhold-sync.service")" "keyhold" \
    "the service's ExecStart"
if command -v systemd-analyze >/dev/null; then
    units="$TEST_TMP/units"
    mkdir -p "$units" "$TEST_TMP/runtime"
    chmod 700 "$TEST_TMP/runtime"
    sed "s|^ExecStart=keyhold |ExecStart=$bin/keyhold |" "$root/usr/lib/systemd/user/keyhold-sync.service" \
        >"$units/keyhold-sync.service"
    cp "$root/usr/lib/systemd/user/keyhold-sync.timer" "$units/"
    verify=$(cd "$units" && XDG_RUNTIME_DIR="$TEST_TMP/runtime" \
        systemd-analyze verify --user --man=no keyhold-sync.service keyhold-sync.timer 2>&1) ||
        fail "systemd-analyze verify --user: $verify"
    [[ -z "$verify" ]] || fail "systemd-analyze verify --user says: $verify"
    ok "systemd-analyze verify --user: the installed keyhold-sync.service and .timer pass"
else
    echo "SKIPPED (part): systemd-analyze is not installed; the units were not verified"
fi

# --- without the module: keyhold works on a passphrase store, and says which package brings it.
dpkg_root -r keyhold-secret-service
assert_eq "$(printf 'registry.example.com' | docker-credential-keyhold get | head -c 30)" \
    '{"ServerURL":"registry.example' "get without the module"
refusal=$(no_bus) && fail "init --backend secret-service without the module succeeded"
assert_contains "$refusal" "(the keyhold-secret-service package)" "refusal without the module"
dpkg_root -r keyhold
left=$(find "$root" -path "$root/var" -prune -o ! -type d -print)
[[ -z "$left" ]] || fail "dpkg -r left files behind: $left"
ok "keyhold without keyhold-secret-service serves a passphrase store and names the package; dpkg -r leaves no file"

# --- .rpm metadata: requirements by soname, the same split, named as rpm names packages.
requires=$(rpm -qpR "$rpm_file" 2>/dev/null)
assert_contains "$requires" "libc.so.6()(64bit)" "keyhold.rpm Requires"
assert_contains "$requires" "libcurl.so.4()(64bit)" "keyhold.rpm Requires"
assert_not_contains "$requires" "libsecret" "keyhold.rpm Requires"
assert_not_contains "$requires" "libglib" "keyhold.rpm Requires"
assert_eq "$(rpm -qp --recommends "$rpm_file" 2>/dev/null)" "keyhold-secret-service" "keyhold.rpm Recommends"
module_requires=$(rpm -qpR "$module_rpm" 2>/dev/null)
for needed in "keyhold = ${version}-${release}" "libsecret-1.so.0()(64bit)" "libglib-2.0.so.0()(64bit)"; do
    assert_contains "$module_requires" "$needed" "keyhold-secret-service.rpm Requires"
done
files=$(rpm -qpl "$rpm_file" 2>/dev/null)
for path in /usr/bin/keyhold /usr/bin/docker-credential-keyhold /usr/bin/git-credential-keyhold \
    /usr/share/man/man1/keyhold.1.gz /usr/lib/systemd/user/keyhold-sync.timer \
    /usr/share/bash-completion/completions/keyhold /usr/share/zsh/vendor-completions/_keyhold \
    /usr/share/fish/vendor_completions.d/keyhold.fish /usr/share/doc/keyhold/copyright; do
    grep -qx -- "$path" <<<"$files" || fail "keyhold.rpm lacks $path"
done
for path in /usr/share/doc/keyhold/changelog.Debian.gz /usr/share/lintian /usr/lib/systemd/user /usr/share/man/man1; do
    ! grep -qx -- "$path" <<<"$files" || fail "keyhold.rpm holds $path"
done
grep -qx /usr/lib/keyhold/modules/keyhold-secret-service.so <<<"$(rpm -qpl "$module_rpm" 2>/dev/null)" ||
    fail "keyhold-secret-service.rpm lacks the module"
ok "rpm -qpR/-qpl: Requires by soname, Recommends keyhold-secret-service, files in place, no Debian files"
