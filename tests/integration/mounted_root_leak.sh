#!/usr/bin/env bash
# with-mounted-root in a chroot, as root: its bind of / never shows outside its namespace, even
# when it is killed, so that nothing outside (an `rm -rf` of the chroot) can delete through it.
# Everything happens in a mount namespace of this test's own (private), on a tmpfs made shared
# there to stand for a host whose mounts are shared.
source "$(dirname "$0")/../fixtures/common.sh"
((EUID == 0)) || skip "needs root (mount, chroot)"
unshare --mount --propagation private true 2>/dev/null || skip "cannot make a mount namespace"
[[ -L /bin && -L /lib ]] || skip "the chroot borrows /usr: needs a merged /usr"
require_commands mountpoint chroot

outside() {
    local sim=$1 fixture=$2 command=$3 root
    mount -t tmpfs tmpfs "$sim"
    mount --make-shared "$sim"
    root=$sim/chroot
    mkdir -p "$root"/{usr,etc,tmp,proc,dev,fixtures}
    for link in bin sbin lib lib64; do [[ -L /$link ]] && ln -s "$(readlink "/$link")" "$root/$link"; done
    for dir in usr etc dev; do mount --rbind "/$dir" "$root/$dir"; done
    mount -t proc proc "$root/proc"
    mount --bind "$(dirname "$fixture")" "$root/fixtures"
    chmod 1777 "$root/tmp"
    chroot "$root" /usr/bin/env TMPDIR=/tmp bash -c "/fixtures/with-mounted-root bash -c '$command'" >&2 || true
    awk -v prefix="$root/tmp/" 'index($5, prefix) == 1 {print $5}' /proc/self/mountinfo
}
fixture="$(cd "$(dirname "$0")/../fixtures" && pwd)/with-mounted-root"
for command in 'mountpoint -q / && echo ran' 'kill -KILL $PPID'; do
    mkdir -p "$TEST_TMP/sim"
    leaked=$(unshare --mount --propagation private bash -c "$(declare -f outside); outside '$TEST_TMP/sim' '$fixture' '$command'")
    while read -r mount_point; do
        [[ -z "$mount_point" ]] && continue
        [[ "$mount_point" == "$TEST_TMP/sim/chroot/tmp/keyhold-root."* && "$mount_point" != */*/keyhold-root.*/* ]] ||
            fail "with-mounted-root ($command) left $mount_point mounted outside its namespace"
    done <<<"$leaked"
    ok "with-mounted-root ($command): outside, at most the empty bind of its directory is left ($(wc -l <<<"$leaked") mount)"
done
