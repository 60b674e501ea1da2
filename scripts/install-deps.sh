#!/usr/bin/env bash
# install-deps.sh build|test|demo|package: installs, from Debian 12's packages, what keyhold
# needs to build, to run its tests, to run the demo, or to make its packages
# (scripts/package.sh). Idempotent; needs root (or sudo).
set -euo pipefail

purpose=${1:?usage: install-deps.sh build|test|demo|package}

# scdoc turns docs/man/*.scd into the man pages.
# libtss2-dev: tpm2-tss's ESAPI and TCTI loader for the tpm2 protector's module (keyhold-tpm2.so).
build_packages=(build-essential cmake pkg-config libsodium-dev libsecret-1-dev nlohmann-json3-dev libcli11-dev
                libcurl4-openssl-dev libtss2-dev scdoc)
# The .deb and .rpm (cmake/Packages.cmake): CPack's dependencies come from dpkg-shlibdeps
# (dpkg-dev, with file), rpmbuild (rpm) and lintian checks the .deb.
package_packages=(dpkg-dev file rpm lintian)
# tests/integration/package.sh loads the installed completions in each shell.
completion_packages=(bash-completion zsh fish)
# The real components the tests and the demo drive: a Secret Service in a private D-Bus
# session, Debian's docker-registry with htpasswd and TLS, and the clients.
runtime_packages=(dbus dbus-daemon libglib2.0-bin gnome-keyring libsecret-tools docker-registry apache2-utils skopeo buildah
                  openssl curl ca-certificates git lighttpd lighttpd-mod-openssl python3 tinyproxy)
# gnome-keyring's real unlock prompt (gcr-prompter) on a virtual display, typed into by xdotool:
# tests/integration/secret_service_unlock.sh.
prompt_packages=(gcr xvfb xdotool)
# A private docker daemon and podman (tests/integration/docker_daemon.sh): Debian's dockerd and
# its 20.10 client with BuildKit built in (a docker CLI from elsewhere may be first on PATH: the
# test calls /usr/bin/docker), and a static busybox, the shell of the test's base image.
daemon_packages=(docker.io containerd runc podman busybox-static)
# A TPM for the tpm2 protector's tests (tests/fixtures/swtpm.sh): the swtpm simulator on
# loopback, the TCTI the loader dlopens by name for it (libtss2-tcti-swtpm.so.0), and
# tpm2-tools to clear the TPM and extend a PCR (tests/integration/tpm2.sh).
tpm_packages=(swtpm swtpm-tools libtss2-tcti-swtpm0 tpm2-tools)
# git's own credential-helper suite is built from the source of the installed git.
git_suite_packages=(dpkg-dev zlib1g-dev make)
# libFuzzer and the sanitizers' runtimes (scripts/fuzz.sh). clang 16, not bookworm's default
# 14: keyhold's Result is std::expected, whose libstdc++ 12 header needs conditionally trivial
# destructors (P0848), which clang implements from 16 on.
fuzz_packages=(clang-16 libclang-rt-16-dev)
case "$purpose" in
    build) packages=("${build_packages[@]}") ;;
    test) packages=("${build_packages[@]}" catch2 "${runtime_packages[@]}" "${prompt_packages[@]}"
                   "${daemon_packages[@]}" "${git_suite_packages[@]}" "${fuzz_packages[@]}" "${package_packages[@]}"
                   "${completion_packages[@]}" "${tpm_packages[@]}") ;;
    demo) packages=("${build_packages[@]}" "${runtime_packages[@]}" "${daemon_packages[@]}") ;;
    package) packages=("${build_packages[@]}" "${package_packages[@]}") ;;
    *) echo "install-deps.sh: unknown purpose '$purpose' (build, test, demo or package)" >&2; exit 2 ;;
esac

as_root=()
((EUID == 0)) || as_root=(sudo)

# `apt-get source git` needs deb-src lines: has_deb_src and add_deb_src, shared with
# windows-deps.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib/deb-src.sh"

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
need_deb_src=false
[[ "$purpose" == test ]] && ! has_deb_src && need_deb_src=true
if ((${#missing[@]} == 0)) && ! $need_deb_src; then
    exit 0
fi
if $need_deb_src; then
    echo "adding deb-src lines for apt-get source git"
    add_deb_src
fi
if ((${#missing[@]} == 0)); then
    "${as_root[@]}" apt-get update -qq
    exit 0
fi
echo "installing: ${missing[*]}"
# Packages with services (docker.io, docker-registry) must not start them here: there may be
# no init system, and the tests start their own instances on loopback.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
# Progress, not apt's hundreds of lines: its status lines (APT::Status-Fd) carry a percentage
# for the download and for the install; one line per 10 %. Errors still reach stderr.
"${as_root[@]}" apt-get install -y -q --no-install-recommends -o APT::Status-Fd=1 "${missing[@]}" |
    awk -F: '/^(dl|pm)status:/ {
        phase = ($1 == "dlstatus") ? "downloading" : "installing"
        if (phase != shown_phase) { shown_phase = phase; last = -10 }
        percent = int($3)
        if (percent >= last + 10) { printf "  %s %d%%\n", phase, percent; fflush(); last = percent }
    }'

