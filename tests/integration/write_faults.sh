#!/usr/bin/env bash
# A disk that fails under a write (no space, a file size limit, an I/O error at fsync): each
# helper exits non-zero in one line that names the store and holds no secret, the store is
# what it was (old entries answer, the new one is absent, no temporary file), and the next
# write works. The faults come from an LD_PRELOAD shim, tests/fixtures/fail_io.c.
source "$(dirname "$0")/../fixtures/common.sh"
require_commands cc sha256sum

cc -shared -fPIC -o "$TEST_TMP/fail_io.so" "$(dirname "$0")/../fixtures/fail_io.c" -ldl
if [[ "${KEYHOLD_SANITIZED:-}" == 1 ]]; then  # ASan wants to be first; the shim only wraps libc
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fi
export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="faults passphrase"
keyhold init --backend passphrase >/dev/null
printf '{"ServerURL":"old.example","Username":"alice","Secret":"old-secret"}' | docker-credential-keyhold store
printf 'protocol=https\nhost=old-git.example.com\nusername=bob\npassword=old-git-secret\n\n' | git-credential-keyhold store

docker_get() { echo "$1" | docker-credential-keyhold get; }
git_get() { printf 'protocol=https\nhost=%s\n\n' "$1" | git-credential-keyhold get; }
docker_store() {  # HOST SECRET: the helper's stdout (where docker reads errors)
    printf '{"ServerURL":"%s","Username":"carol","Secret":"%s"}' "$1" "$2" | docker-credential-keyhold store 2>/dev/null
}
git_store() {  # HOST SECRET: the helper's stderr (where git shows errors)
    printf 'protocol=https\nhost=%s\nusername=carol\npassword=%s\n\n' "$1" "$2" | git-credential-keyhold store 2>&1 >/dev/null
}
served() {  # what a user sees, and the file itself
    docker_get old.example
    git_get old-git.example.com
    docker-credential-keyhold list
    sha256sum <"$KEYHOLD_HOME/store"
}

# fault_refused HELPER FAULT NEEDLE: the store of a new entry fails cleanly under FAULT.
fault_refused() {
    local helper=$1 fault=$2 needle=$3 host secret before status=0 output
    host="new-$helper-$fault.example"
    secret="s3cret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    before=$(served)
    output=$(KEYHOLD_FAULT=$fault LD_PRELOAD="$TEST_TMP/fail_io.so" \
        "${helper}_store" "$host" "$secret") || status=$?
    local what="$helper store under $fault"
    ((status == 1)) || fail "$what exits $status: $output"
    assert_one_line "$output" "$what"
    assert_contains "$output" "cannot write $KEYHOLD_HOME/store" "$what"
    assert_contains "$output" "$needle" "$what"
    assert_contains "$output" "unchanged" "$what"
    assert_not_contains "$output" "$secret" "$what"
    assert_not_contains "$output" "store.tmp" "$what"
    assert_eq "$(served)" "$before" "$what: the store"
    assert_eq "$(find "$KEYHOLD_HOME" -name 'store.tmp.*')" "" "$what: temporary files"
    case $helper in
    docker) assert_eq "$(docker_get "$host")" "credentials not found in native keychain" "$what: the new entry" ;;
    git) assert_eq "$(git_get "$host")" "" "$what: the new entry" ;;
    esac
    keyhold status >/dev/null || fail "$what: keyhold status afterwards"

    "${helper}_store" "$host" "$secret" >/dev/null || fail "$what: the next store failed"
    case $helper in
    docker) assert_eq "$(docker_get "$host")" "{\"ServerURL\":\"$host\",\"Username\":\"carol\",\"Secret\":\"$secret\"}" \
        "$what: the next store" ;;
    git) assert_contains "$(git_get "$host")" "password=$secret" "$what: the next store" ;;
    esac
    ok "$what: exit 1, store unchanged, next store kept: $output"
}

# A write fault stores half the new copy, then fails the rest: the short write a filling disk gives.
for helper in docker git; do
    fault_refused "$helper" enospc-write "No space left on device"
    fault_refused "$helper" efbig-write "file size limit"
    fault_refused "$helper" eio-fsync "flushing its new copy to disk: Input/output error"
done

# An erase writes the same way.
before=$(served)
status=0
output=$(echo old.example | KEYHOLD_FAULT=eio-fsync LD_PRELOAD="$TEST_TMP/fail_io.so" \
    docker-credential-keyhold erase 2>/dev/null) || status=$?
((status == 1)) || fail "docker erase under eio-fsync exits $status: $output"
assert_one_line "$output" "docker erase under eio-fsync"
assert_contains "$output" "cannot write $KEYHOLD_HOME/store" "docker erase under eio-fsync"
assert_eq "$(served)" "$before" "docker erase under eio-fsync: the store"
ok "docker erase under eio-fsync: exit 1, the entry is still there: $output"

