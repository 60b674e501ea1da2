#!/usr/bin/env bash
# windows-deps.sh: prepares everything keyhold's Windows x86_64 cross build needs, from Debian 12's
# packages only, and prints the deps prefix that cmake/toolchains/mingw-w64-x86_64.cmake reads:
#   - installs mingw-w64 (posix threads: std::thread and std::mutex need winpthreads), wine64
#     for the tests, and the tools to build Debian source packages;
#   - builds libsodium and libcurl (Schannel, HTTP(S) only) as static libraries for
#     x86_64-w64-mingw32 from `apt-get source`, into a prefix in a cache outside the clone;
#   - stages the header-only libraries (nlohmann-json, CLI11, Catch2 2) and their CMake
#     package files in that prefix, without /usr/include (its glibc headers break mingw);
#   - writes a pkg-config wrapper that sees only the prefix and always answers --static.
# The prefix is keyed by the source package versions, the toolchain's versions and this
# script's own text: a change to any of them builds a new prefix; an unchanged one is reused
# and a second run takes about a second. Needs root (or sudo); reads no stdin.
#
# Environment: KEYHOLD_CACHE (default /var/cache/keyhold): the cache root; the prefixes go in
# $KEYHOLD_CACHE/windows-deps/<key>, and $KEYHOLD_CACHE/windows-deps/current links the newest.
# Output: the prefix on stdout (progress on stderr), for `-DKEYHOLD_WINDOWS_DEPS=$(...)`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/deb-src.sh"

target=x86_64-w64-mingw32
cache=${KEYHOLD_CACHE:-/var/cache/keyhold}/windows-deps
jobs=${KEYHOLD_JOBS:-2}
log() { printf 'windows-deps: %s\n' "$*" >&2; }

as_root=()
((EUID == 0)) || as_root=(sudo)

# gcc-…-posix and g++-…-posix: the posix thread model (the -win32 variants have no std::thread
# in GCC 12). binutils and the mingw-w64 CRT/headers come with them. wine64 runs the tests.
# dpkg-dev: apt-get source; autoconf/automake/libtool: Debian's rules of both packages run
# autoreconf, and so do we. The header-only libraries are staged from Debian's packages.
packages=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev
          wine64 dpkg-dev autoconf automake libtool make pkg-config cmake xz-utils
          nlohmann-json3-dev libcli11-dev catch2)

# One dpkg-query for all (a warm run should cost about a second): "package status version".
declare -A installed=()
while read -r package ok version; do
    [[ "$ok" == installed ]] && installed[$package]=$version
done < <(dpkg-query -W -f='${Package} ${db:Status-Status} ${Version}\n' "${packages[@]}" 2>/dev/null || true)
installed_version() { echo "${installed[$1]:-}"; }

missing=()
for package in "${packages[@]}"; do
    [[ -n "${installed[$package]:-}" ]] || missing+=("$package")
done
updated=false
if ! has_deb_src; then
    log "adding deb-src lines for apt-get source"
    add_deb_src
    "${as_root[@]}" apt-get update -qq
    updated=true
fi
if ((${#missing[@]} > 0)); then
    log "installing: ${missing[*]}"
    $updated || "${as_root[@]}" apt-get update -qq
    updated=true
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" </dev/null >/dev/null
    while read -r package ok version; do
        [[ "$ok" == installed ]] && installed[$package]=$version
    done < <(dpkg-query -W -f='${Package} ${db:Status-Status} ${Version}\n' "${packages[@]}")
fi

# The versions `apt-get source` would fetch, read from the local lists (no network): the
# newest, which is the security update when there is one. One apt-get: loading its cache is
# most of a warm run's time.
source_versions() {
    apt-get source --print-uris -qq libsodium curl 2>/dev/null \
        | awk '$2 ~ /\.dsc$/ { sub(/\.dsc$/, "", $2); split($2, p, "_"); print p[1], p[2] }'
}
read_source_versions() {
    sodium_version='' curl_version=''
    while read -r name version; do
        case "$name" in libsodium) sodium_version=$version ;; curl) curl_version=$version ;; esac
    done < <(source_versions)
}
read_source_versions
if [[ -z "$sodium_version" || -z "$curl_version" ]] && ! $updated; then
    # deb-src lines present but their lists never fetched (or stale after a mirror change).
    "${as_root[@]}" apt-get update -qq
    read_source_versions
fi
[[ -n "$sodium_version" && -n "$curl_version" ]] || { log "no source package for libsodium or curl"; exit 1; }

gcc_version=$(installed_version gcc-mingw-w64-x86-64-posix)
# Everything else that changes the prefix's content, hashed into the key to keep it short.
inputs=$(printf '%s\n' \
    "libsodium $sodium_version" "curl $curl_version" "gcc-mingw-w64-x86-64-posix $gcc_version" \
    "g++-mingw-w64-x86-64-posix $(installed_version g++-mingw-w64-x86-64-posix)" \
    "mingw-w64-x86-64-dev $(installed_version mingw-w64-x86-64-dev)" \
    "binutils-mingw-w64-x86-64 $(installed_version binutils-mingw-w64-x86-64)" \
    "nlohmann-json3-dev $(installed_version nlohmann-json3-dev)" \
    "libcli11-dev $(installed_version libcli11-dev)" "catch2 $(installed_version catch2)" \
    "autoconf $(installed_version autoconf)" "automake $(installed_version automake)" \
    "libtool $(installed_version libtool)" \
    "recipe $(cat "${BASH_SOURCE[0]}" "$here/lib/deb-src.sh" | sha256sum | cut -c1-16)")
key="sodium-${sodium_version}_curl-${curl_version}_gcc-${gcc_version}_$(sha256sum <<<"$inputs" | cut -c1-8)"
key=${key//:/%}  # an epoch's colon would split PATH-like lists
prefix=$cache/$key

if [[ -f "$prefix/.complete" ]]; then
    ln -sfn "$key" "$cache/current"
    log "cached: $prefix"
    echo "$prefix"
    exit 0
fi

mkdir -p "$cache"
# One build per cache at a time: a second run waits, then finds the prefix complete.
exec 9>"$cache/.lock"
flock 9
if [[ -f "$prefix/.complete" ]]; then
    ln -sfn "$key" "$cache/current"
    echo "$prefix"
    exit 0
fi

# Under the lock, any build directory left is a killed run's.
rm -rf "$cache"/build.*
started=$SECONDS
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Installed into a staging root, then renamed into place: the prefix never exists half-built.
# The .pc files and libtool archives name the final prefix, so configure is given that one.
stage=$work/stage
cd "$work"

log "cold build of $key in $work"
# apt-get source runs dpkg-source -x as this user; the _apt sandbox user cannot write here.
apt-get source -qq libsodium="$sodium_version" curl="$curl_version" >/dev/null 2>"$work/source.log" \
    || { cat "$work/source.log" >&2; exit 1; }
sodium_src=$(find "$work" -maxdepth 1 -type d -name 'libsodium-*' | head -n1)
curl_src=$(find "$work" -maxdepth 1 -type d -name 'curl-*' | head -n1)

host_flags=(--host="$target" --build="$(dpkg-architecture -qDEB_BUILD_GNU_TYPE)" --prefix="$prefix"
            --disable-shared --enable-static)
export CC=$target-gcc-posix AR=$target-ar RANLIB=$target-ranlib STRIP=$target-strip RC=$target-windres
export CFLAGS="-O2 -g0"
export MAKEFLAGS="-j$jobs"

run_logged() {  # runs a build step quietly, says how long it took; its log is shown if it fails
    local name=$1 step_start=$SECONDS; shift
    if ! nice "$@" >"$work/$name.log" 2>&1; then
        log "$name failed:"; tail -n 60 "$work/$name.log" >&2; exit 1
    fi
    log "  $name: $((SECONDS - step_start))s"
}

# libsodium: Debian's rules are `dh --with autoreconf`, so autoreconf too. --disable-ssp: its
# -fstack-protector would make every consumer link libssp.
log "libsodium $sodium_version"
cd "$sodium_src"
run_logged sodium-autoreconf autoreconf -fi
run_logged sodium-configure ./configure "${host_flags[@]}" --disable-ssp --with-pic=no
run_logged sodium-make make
run_logged sodium-install make install DESTDIR="$stage"

# curl: Debian's series ends with 90_gnutls.patch and 99_nss.patch, which rename the library
# for its GnuTLS and NSS flavours; debian/rules pops both before the OpenSSL build, and so do we
# (Schannel build, plain libcurl). Then ./buildconf, as debian/rules does.
log "curl $curl_version"
cd "$curl_src"
series=$(grep -vE '^[[:space:]]*(#|$)' debian/patches/series)
for patch in 99_nss.patch 90_gnutls.patch; do
    grep -qx "$patch" <<<"$series" || { log "curl: $patch not in debian/patches/series"; exit 1; }
    patch -R -p1 -s --no-backup-if-mismatch <"debian/patches/$patch"
done
run_logged curl-buildconf ./buildconf
# Only what keyhold needs: HTTP and HTTPS through Schannel (the Windows certificate store).
# No curl.exe, no compression, no IDN/PSL/HTTP2/SSH/LDAP: each would be one more library to
# cross-build and ship. IPv6 and the threaded resolver stay on.
run_logged curl-configure ./configure "${host_flags[@]}" --with-pic=no \
    --with-schannel --without-openssl --without-gnutls --without-nss --without-wolfssl \
    --without-mbedtls --without-bearssl --without-rustls \
    --without-zlib --without-brotli --without-zstd --without-libidn2 --without-winidn \
    --without-libpsl --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche \
    --without-libssh2 --without-libssh --without-wolfssh --without-librtmp --without-libgsasl \
    --without-gssapi --without-ca-bundle --without-ca-path \
    --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
    --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
    --disable-ftp --disable-file --disable-manual --disable-docs --enable-ipv6 --enable-threaded-resolver \
    --enable-windows-unicode
# Only the library and its headers: no curl.exe, docs or examples.
run_logged curl-make make -C lib
run_logged curl-install-lib make -C lib install DESTDIR="$stage"
run_logged curl-install-headers make -C include install DESTDIR="$stage"
run_logged curl-install-pc make install-pkgconfigDATA DESTDIR="$stage"

root=$stage$prefix
# A static-only libcurl.pc already carries -DCURL_STATICLIB (CPPFLAG_CURL_STATICLIB); libsodium's
# does not carry SODIUM_STATIC, without which its headers declare every function dllimport.
grep -q CURL_STATICLIB "$root/lib/pkgconfig/libcurl.pc" || { log "libcurl.pc lacks CURL_STATICLIB"; exit 1; }
sed -i 's|^Cflags: -I${includedir}$|Cflags: -I${includedir} -DSODIUM_STATIC=1|' "$root/lib/pkgconfig/libsodium.pc"
grep -q SODIUM_STATIC "$root/lib/pkgconfig/libsodium.pc" || { log "libsodium.pc: Cflags not as expected"; exit 1; }
# libtool archives name the build's paths and serve no CMake consumer.
rm -f "$root"/lib/*.la

# Header-only libraries: links to Debian's headers, so the include path gets only them, never
# /usr/include. Their CMake package files are copied, not linked: each computes its include
# directory from its own location (three or four levels up), which must be this prefix.
# Catch2Targets-none.cmake is left out: it imports the host's libCatch2WithMain.a (an ELF
# object), which keyhold does not use and a Windows link could not.
mkdir -p "$root/include" "$root/share/cmake" "$root/lib/cmake"
ln -s /usr/include/nlohmann "$root/include/nlohmann"
ln -s /usr/include/CLI "$root/include/CLI"
ln -s /usr/include/catch2 "$root/include/catch2"
cp -r /usr/share/cmake/nlohmann_json "$root/share/cmake/"
cp -r /usr/share/cmake/CLI11 "$root/share/cmake/"
cp -r /usr/lib/cmake/Catch2 "$root/lib/cmake/"
rm -f "$root/lib/cmake/Catch2/Catch2Targets-none.cmake"

# pkg-config for the toolchain file (PKG_CONFIG_EXECUTABLE): only this prefix's .pc files, and
# always --static, since only static libraries are here (so pkg_check_modules' imported targets
# get Libs.private: ws2_32, crypt32, bcrypt…). Finds the prefix from its own location.
mkdir -p "$root/bin"
cat >"$root/bin/$target-pkg-config" <<'WRAPPER'
#!/bin/sh
# pkg-config for keyhold's Windows deps prefix (written by scripts/windows-deps.sh).
prefix=$(cd "$(dirname "$0")/.." && pwd)
PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
export PKG_CONFIG_LIBDIR
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
exec pkg-config --static "$@"
WRAPPER
chmod 755 "$root/bin/$target-pkg-config"

printf '%s\n' "$inputs" >"$root/versions.txt"
printf 'built in %ss\n' "$((SECONDS - started))" >>"$root/versions.txt"
touch "$root/.complete"
rm -rf "$prefix"
mv "$root" "$prefix"
ln -sfn "$key" "$cache/current"
log "built $prefix in $((SECONDS - started))s"
echo "$prefix"
