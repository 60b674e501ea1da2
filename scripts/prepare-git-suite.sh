#!/usr/bin/env bash
# prepare-git-suite.sh: git's own test suite for the installed git, so that
# t/t0303-credential-external.sh can run against git-credential-keyhold. Fetches the Debian
# source of exactly the installed version (apt-get source; scripts/install-deps.sh test adds
# the deb-src lines) and builds only what git's test library needs: t/helper/test-tool,
# GIT-BUILD-OPTIONS and templates. Result in .cache/git-suite; idempotent.
# Elsewhere (macOS, no dpkg): the suite of /usr/bin/git, which git_t0303.sh runs, from the git
# source tree of that version that KEYHOLD_GIT_SOURCE names (.github/workflows/macos.yml checks
# it out).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
if command -v dpkg-query >/dev/null; then
    version=$(dpkg-query -W -f='${Version}' git)
    upstream=${version#*:}
    upstream=${upstream%%-*}
else
    version=$(/usr/bin/git --version | awk '{print $3}')  # "git version 2.39.5 (Apple Git-154)"
    upstream=$version
    : "${KEYHOLD_GIT_SOURCE:?set KEYHOLD_GIT_SOURCE to a git source tree of version $version}"
fi
tree="$cache/git-$upstream"

if [[ ! -f "$tree/.keyhold-ready" ]]; then
    rm -rf "$tree" "$cache/download"
    if [[ -n "${KEYHOLD_GIT_SOURCE:-}" ]]; then
        cp -R "$KEYHOLD_GIT_SOURCE" "$tree"
    else
        mkdir -p "$cache/download"
        (
            cd "$cache/download"
            apt-get source -qq "git=$version" >/dev/null 2>&1 || apt-get source -qq git >/dev/null
        )
        mv "$cache/download/git-$upstream" "$tree"
        rm -rf "$cache/download"
    fi
    # No curl, expat, gettext, Tcl/Tk, Perl, Python or OpenSSL: t0303 needs none of them.
    options=(NO_CURL=1 NO_EXPAT=1 NO_GETTEXT=1 NO_TCLTK=1 NO_PERL=1 NO_PYTHON=1 NO_OPENSSL=1)
    log="$cache/git-suite-build.log"
    if ! { make -C "$tree" -j"$(getconf _NPROCESSORS_ONLN)" "${options[@]}" t/helper/test-tool GIT-BUILD-OPTIONS &&
        make -C "$tree/templates" "${options[@]}"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "prepare-git-suite.sh: building git's test helpers failed (log: $log)" >&2
        exit 1
    fi
    touch "$tree/.keyhold-ready"
fi
ln -sfn "git-$upstream" "$cache/git-suite"
echo "git $version test suite ready in $cache/git-suite"
