# shellcheck shell=bash
# deb-src.sh: sourced by the scripts that run `apt-get source` (install-deps.sh for git's test
# suite, windows-deps.sh for libsodium and curl). One copy of the logic, so both agree on
# which file the deb-src lines go to and neither adds them twice.
# Needs bash; runs the writes through sudo when not root.

# True when some apt source already has deb-src entries (one-line or deb822 format).
has_deb_src() {
    grep -qsE '^(deb-src |Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources
}

# Adds deb-src entries mirroring the Debian archive's deb entries (third-party repositories
# are left out: they may have no sources). The caller runs `apt-get update` afterwards.
add_deb_src() {
    local file lines=() stanzas=() root=()
    ((EUID == 0)) || root=(sudo)
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        if [[ -f "$file" ]]; then
            lines+=("$(sed -n 's|^deb \(.*/debian[-a-z]*/\? .*\)|deb-src \1|p' "$file")")
        fi
    done
    for file in /etc/apt/sources.list.d/*.sources; do
        if [[ -f "$file" && "$file" != */keyhold-deb-src.sources ]]; then
            # deb822 stanzas of a Debian archive, turned into deb-src ones.
            stanzas+=("$(awk 'BEGIN { RS = ""; ORS = "\n\n" } /URIs:[^\n]*\/debian/ && /Types: deb/ {
                                  sub(/Types: deb[^\n]*/, "Types: deb-src"); print }' "$file")")
        fi
    done
    if [[ -n "${lines[*]}" ]]; then
        printf '%s\n' "${lines[@]}" | "${root[@]}" tee /etc/apt/sources.list.d/keyhold-deb-src.list >/dev/null
    fi
    if [[ -n "${stanzas[*]}" ]]; then
        printf '%s\n\n' "${stanzas[@]}" | "${root[@]}" tee /etc/apt/sources.list.d/keyhold-deb-src.sources >/dev/null
    fi
}
