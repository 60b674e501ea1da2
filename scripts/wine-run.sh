#!/usr/bin/env bash
# wine-run.sh PROGRAM.exe [ARG...]: runs a Windows x86_64 program under Debian's wine64 the
# way a test wants a native binary: stdin, stdout and stderr are the caller's own descriptors
# (wine hands pipes and files to the program as they are, so bytes pass unchanged), the
# program's exit code is this script's, and wine's own chatter is off. The toolchain file
# makes it CMAKE_CROSSCOMPILING_EMULATOR; integration scripts can use it as the "binary".
#
# WINEPREFIX: KEYHOLD_WINEPREFIX, else ${KEYHOLD_CACHE:-/var/cache/keyhold}/wine: a private one,
# made on first use (about half a minute) and reused after (a run then costs ~0.3 s).
set -euo pipefail

if (($# == 0)); then
    echo "usage: wine-run.sh PROGRAM.exe [ARG...]" >&2
    exit 2
fi

export WINEPREFIX=${KEYHOLD_WINEPREFIX:-${KEYHOLD_CACHE:-/var/cache/keyhold}/wine}
export WINEARCH=win64
# No debug channels: fixme/err lines would land in the program's stderr.
export WINEDEBUG=-all
# No Mono or Gecko: wineboot would offer to download them (there is no network) and keyhold
# needs neither .NET nor a browser engine.
export WINEDLLOVERRIDES="mscoree,mshtml=${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
# Headless: with no display wine uses no window; a stale DISPLAY would make it try an X server.
unset DISPLAY WAYLAND_DISPLAY

wine=$(command -v wine64 || true)
[[ -n "$wine" ]] || wine=/usr/lib/wine/wine64
if [[ ! -x "$wine" ]]; then
    echo "wine-run.sh: wine64 is not installed (scripts/windows-deps.sh installs it)" >&2
    exit 127
fi

# Make the prefix once, under a lock so that parallel tests do not both run wineboot.
if [[ ! -f "$WINEPREFIX/.keyhold-ready" ]]; then
    mkdir -p "$(dirname "$WINEPREFIX")"
    (
        flock 9
        if [[ ! -f "$WINEPREFIX/.keyhold-ready" ]]; then
            "$wine" wineboot --init </dev/null >/dev/null 2>&1
            # wineboot returns before the registry is written to disk; wait for the server.
            "$(dirname "$(readlink -f "$wine")")/wineserver" -w 2>/dev/null || wineserver -w 2>/dev/null || true
            touch "$WINEPREFIX/.keyhold-ready"
        fi
    ) 9>"$WINEPREFIX.lock"
fi

exec "$wine" "$@"
