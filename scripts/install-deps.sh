#!/usr/bin/env bash
# install-deps.sh build|test|demo: installs, from Debian 12's packages, what keyhold needs to
# build, to run its tests, or to run the demo. Idempotent; needs root (or sudo).
set -euo pipefail

purpose=${1:?usage: install-deps.sh build|test|demo}

build_packages=(build-essential cmake pkg-config libsodium-dev libsecret-1-dev nlohmann-json3-dev libcli11-dev)
# The real components the tests and the demo drive: a Secret Service in a private D-Bus
# session, Debian's docker-registry with htpasswd and TLS, and the clients.
runtime_packages=(dbus dbus-daemon libglib2.0-bin gnome-keyring docker-registry apache2-utils skopeo buildah
                  openssl curl ca-certificates)
case "$purpose" in
    build) packages=("${build_packages[@]}") ;;
    test) packages=("${build_packages[@]}" catch2 "${runtime_packages[@]}") ;;
    demo) packages=("${build_packages[@]}" "${runtime_packages[@]}") ;;
    *) echo "install-deps.sh: unknown purpose '$purpose' (build, test or demo)" >&2; exit 2 ;;
esac
# The docker CLI logs in without a daemon; Debian ships it in docker.io. Keep one that is there.
command -v docker >/dev/null || [[ "$purpose" == build ]] || packages+=(docker.io)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

as_root=()
((EUID == 0)) || as_root=(sudo)
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
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
