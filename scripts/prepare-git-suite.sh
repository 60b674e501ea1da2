#!/usr/bin/env bash
# prepare-git-suite.sh: git's own test suite for the installed git, so that
# t/t0303-credential-external.sh can run against git-credential-keyhold. Fetches the Debian
# source of exactly the installed version (apt-get source; scripts/install-deps.sh test adds
# the deb-src lines) and builds only what git's test library needs: t/helper/test-tool,
# GIT-BUILD-OPTIONS and templates. Result in .cache/git-suite; idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
version=$(dpkg-query -W -f='${Version}' git)
upstream=${version#*:}
upstream=${upstream%%-*}
tree="$cache/git-$upstream"

if [[ ! -f "$tree/.keyhold-ready" ]]; then
    rm -rf "$tree" "$cache/download"
    mkdir -p "$cache/download"
    (
        cd "$cache/download"
        apt-get source -qq "git=$version" >/dev/null 2>&1 || apt-get source -qq git >/dev/null
    )
    mv "$cache/download/git-$upstream" "$tree"
    rm -rf "$cache/download"
    # No curl, expat, gettext, Tcl/Tk, Perl, Python or OpenSSL: t0303 needs none of them.
    options=(NO_CURL=1 NO_EXPAT=1 NO_GETTEXT=1 NO_TCLTK=1 NO_PERL=1 NO_PYTHON=1 NO_OPENSSL=1)
    log="$cache/git-suite-build.log"
    if ! { make -C "$tree" -j"$(nproc)" "${options[@]}" t/helper/test-tool GIT-BUILD-OPTIONS &&
        make -C "$tree/templates" "${options[@]}"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "prepare-git-suite.sh: building git's test helpers failed (log: $log)" >&2
        exit 1
    fi
    touch "$tree/.keyhold-ready"
fi
ln -sfn "git-$upstream" "$cache/git-suite"
echo "git $version test suite ready in $cache/git-suite"
