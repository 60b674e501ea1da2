#!/usr/bin/env bash
# keyhold agent and the helpers' client mode (docs/agent.md), with the real executables: what is
# served and refused (near-miss hosts included), git through `git credential`, the log (peer pid
# and uid, never a secret), the TTL, a peer of another uid, an agent killed while a client waits,
# and a real container (podman, rootful, vfs, --network none) that holds only the socket and the
# helpers, never the store.
source "$(dirname "$0")/../fixtures/common.sh"
require_commands git setpriv stat

export KEYHOLD_HOME="$TEST_TMP/keyhold" KEYHOLD_PASSPHRASE="agent test passphrase" KEYHOLD_KEY_CACHE_SECONDS=0
keyhold init --backend passphrase >/dev/null

docker_store() {
    printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$1" "$2" "$3" | docker-credential-keyhold store ||
        fail "storing $1"
}
docker_store registry.example.com ci-user 'reg-S3cret-allowed'
docker_store registry.example.com:5000 port-user 'port-S3cret'
docker_store evil-registry.example.com evil-user 'evil-prefix-S3cret'
docker_store registry.example.com.evil.net evil-user 'evil-suffix-S3cret'
docker_store other.example.com other-user 'other-S3cret'
printf 'protocol=https\nhost=git.example.com\nusername=git-user\npassword=git-S3cret-allowed\n\n' |
    git-credential-keyhold store
printf 'protocol=https\nhost=git.other.com\nusername=git-other\npassword=git-other-S3cret\n\n' |
    git-credential-keyhold store
secrets=(reg-S3cret-allowed port-S3cret evil-prefix-S3cret evil-suffix-S3cret other-S3cret git-S3cret-allowed
         git-other-S3cret "$KEYHOLD_PASSPHRASE")

# start_agent LOG ARGS...: sets AGENT_PID; waits for the socket.
start_agent() {
    local log=$1
    shift
    : >"$log"  # here, not in the background child: the wait below must not read the last agent's log
    keyhold agent "$@" 2>"$log" &
    AGENT_PID=$!
    kill_on_exit "$AGENT_PID"
    # Its own line, not the socket file: a killed agent's stale socket may still be there.
    wait_until 20 grep -q "listening on $socket" "$log" || fail "the agent did not start on $socket: $(cat "$log")"
}

# A client's environment: the socket, and no store, no passphrase, a HOME with nothing in it.
mkdir -m 700 "$TEST_TMP/client-home"
as_client() {
    env -u KEYHOLD_HOME -u KEYHOLD_PASSPHRASE HOME="$TEST_TMP/client-home" XDG_DATA_HOME= KEYHOLD_AGENT_SOCK="$socket" \
        "$@"
}
# client_docker VERB INPUT: sets OUT, ERR and STATUS.
client_docker() {
    STATUS=0
    OUT=$(printf '%s' "$2" | as_client docker-credential-keyhold "$1" 2>"$TEST_TMP/err") || STATUS=$?
    ERR=$(cat "$TEST_TMP/err")
}
# git_fill PROTOCOL HOST: git credential fill through credential.helper=keyhold, no prompt.
git_fill() {
    STATUS=0
    OUT=$(printf 'protocol=%s\nhost=%s\n\n' "$1" "$2" |
        as_client env GIT_TERMINAL_PROMPT=0 git -c credential.helper= -c credential.helper=keyhold credential fill \
            2>"$TEST_TMP/err") || STATUS=$?
    ERR=$(cat "$TEST_TMP/err")
}

mkdir -m 700 "$TEST_TMP/run"
socket="$TEST_TMP/run/agent.sock"
log="$TEST_TMP/agent.log"
start_agent "$log" --socket "$socket" --allow registry.example.com --allow git.example.com --ttl 10m

# --- the socket
assert_eq "$(stat -c '%a %U' "$socket")" "600 $(id -un)" "the socket's mode and owner"
output=$(keyhold agent --socket "$socket" --allow registry.example.com --ttl 1m 2>&1) && fail "a second agent started"
assert_contains "$output" "already listens on $socket" "a second agent on a live socket"
touch "$TEST_TMP/run/not-a-socket"
output=$(keyhold agent --socket "$TEST_TMP/run/not-a-socket" --allow registry.example.com 2>&1) &&
    fail "an agent replaced a file"
assert_contains "$output" "is not a socket" "an agent on a regular file"
ok "the socket is owner-only (0600); a live agent's socket and a regular file are never replaced"

# --- docker: served, not found, near misses, store/erase/list
client_docker get registry.example.com
assert_eq "$STATUS/$OUT/$ERR" '0/{"ServerURL":"registry.example.com","Username":"ci-user","Secret":"reg-S3cret-allowed"}/' \
    "an allowed get"
client_docker get https://registry.example.com/v2/
assert_eq "$STATUS/$OUT" '0/{"ServerURL":"https://registry.example.com/v2/","Username":"ci-user","Secret":"reg-S3cret-allowed"}' \
    "an allowed get in another spelling"
ok "an allowed registry is served, with the exact JSON and the ServerURL as asked"
for host in other.example.com evil-registry.example.com registry.example.com.evil.net registry.example.com:5000 \
    example.com; do
    client_docker get "$host"
    assert_eq "$STATUS/$OUT/$ERR" "1/credentials not found in native keychain/" "get of $host (outside the allowlist)"
done
ok "outside the allowlist (evil- prefix, .evil.net suffix, another port): docker's own 'not found'"

client_docker store '{"ServerURL":"registry.example.com","Username":"x","Secret":"new-S3cret"}'
assert_eq "$STATUS" 1 "store through the agent"
assert_one_line "$OUT" "store through the agent"
assert_contains "$OUT" "store is refused" "store through the agent"
client_docker erase registry.example.com
assert_eq "$STATUS" 1 "erase through the agent"
assert_contains "$OUT" "erase is refused" "erase through the agent"
client_docker get registry.example.com
assert_contains "$OUT" "reg-S3cret-allowed" "the credential after a refused store and erase"
client_docker list ""
assert_eq "$STATUS/$OUT" '0/{"registry.example.com":"ci-user"}' "list through the agent"
client_docker version ""
assert_contains "$STATUS/$OUT" "0/docker-credential-keyhold (keyhold)" "version in client mode"
ok "store and erase are refused in one line and change nothing; list shows only the allowlist"

# --- git through git credential fill
git_fill https git.example.com
assert_eq "$STATUS" 0 "git credential fill of an allowed host ($ERR)"
assert_contains "$OUT" $'username=git-user\npassword=git-S3cret-allowed' "git credential fill of an allowed host"
for target in "https git.other.com" "http git.example.com" "https evil-git.example.com" "https git.example.com:8443"; do
    git_fill $target
    ((STATUS != 0)) || fail "git credential fill of $target got an answer: $OUT"
    assert_not_contains "$OUT" "password=" "git credential fill of $target"
done
printf 'protocol=https\nhost=git.example.com\nusername=git-user\npassword=git-S3cret-allowed\n\n' |
    as_client git -c credential.helper= -c credential.helper=keyhold credential reject >"$TEST_TMP/out" 2>&1 ||
    fail "git credential reject through the agent: $(cat "$TEST_TMP/out")"
[[ ! -s "$TEST_TMP/out" ]] || fail "git credential reject printed: $(cat "$TEST_TMP/out")"
printf 'protocol=https\nhost=git.example.com\nusername=git-user\npassword=other\n\n' |
    as_client git -c credential.helper= -c credential.helper=keyhold credential approve >"$TEST_TMP/out" 2>&1 ||
    fail "git credential approve through the agent"
[[ ! -s "$TEST_TMP/out" ]] || fail "git credential approve printed: $(cat "$TEST_TMP/out")"
git_fill https git.example.com
assert_contains "$OUT" "password=git-S3cret-allowed" "the git credential after approve and reject"
ok "git: an allowed host is filled; another host, plain http, evil- and another port are not; store and erase pass in silence and change nothing"

[[ ! -e "$TEST_TMP/client-home/.local" ]] || fail "the client created something in its HOME"

# --- the log
grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z keyhold agent: pid=[0-9]+ uid=$(id -u) docker get registry.example.com: served$" "$log" ||
    fail "no log line for the served docker get: $(cat "$log")"
grep -qE "pid=[0-9]+ uid=$(id -u) docker get evil-registry.example.com: refused: not in the allowlist$" "$log" ||
    fail "no log line for the refused docker get"
grep -qE "git get https://git.example.com: served$" "$log" || fail "no log line for the served git get"
grep -qE "git get http://git.example.com: refused: not in the allowlist$" "$log" || fail "no log line for http"
grep -qE "docker store -: refused: store is never served$" "$log" || fail "no log line for store"
for secret in "${secrets[@]}"; do
    assert_file_lacks "$log" "$secret" "the agent's log"
done
ok "one log line per answer (RFC 3339 time, peer pid and uid, what was asked, the outcome), no secret in it"

# --- stopped by a signal: socket removed, exit 0
kill -TERM "$AGENT_PID"
status=0
wait "$AGENT_PID" || status=$?
assert_eq "$status" 0 "the agent's exit after SIGTERM"
[[ ! -e "$socket" ]] || fail "the socket is left after SIGTERM"
grep -q "stopped by a signal; socket removed" "$log" || fail "no log line for the stop"
ok "SIGTERM: the agent removes its socket and exits 0"

# --- TTL
start_agent "$log" --socket "$socket" --allow registry.example.com --ttl 2s
client_docker get registry.example.com
assert_eq "$STATUS" 0 "a get within the TTL"
wait_until 10 bash -c "! kill -0 $AGENT_PID" || fail "the agent still runs after its --ttl of 2s"
status=0
wait "$AGENT_PID" || status=$?
assert_eq "$status" 0 "the agent's exit at its TTL"
[[ ! -e "$socket" ]] || fail "the socket is left after the TTL"
grep -q "stopped: the --ttl is over; socket removed" "$log" || fail "no log line for the TTL"
client_docker get registry.example.com
assert_eq "$STATUS" 1 "a get after the TTL"
assert_one_line "$OUT" "a get after the TTL"
assert_contains "$OUT" "keyhold agent at $socket: cannot connect" "a get after the TTL"
git_fill https git.example.com
assert_contains "$ERR" "git-credential-keyhold: keyhold agent at $socket: cannot connect" "git after the TTL"
output=$(keyhold agent --socket "$socket" --allow registry.example.com --ttl 25h 2>&1) && fail "a TTL of 25h was taken"
assert_contains "$output" "outside 1s to 24h" "a TTL of 25h"
for uid in 65534 4294967295; do
    output=$(keyhold agent --socket "$socket" --allow registry.example.com --allow-uid "$uid" --ttl 1m 2>&1) &&
        fail "--allow-uid $uid was taken"
    assert_one_line "$output" "--allow-uid $uid"
    [[ ! -e "$socket" ]] || fail "--allow-uid $uid left a socket"
done
assert_contains "$output" "is no user's uid" "--allow-uid 4294967295"
ok "at its --ttl the agent exits 0 by itself and removes its socket; then a client says so in one line"

# --- ^C at the passphrase prompt: the agent's SIGINT handler must not turn it into an answer
# (it was an empty passphrase tried, then "wrong passphrase"). On a pty, as a person types.
output=$(env -u KEYHOLD_PASSPHRASE python3 - "$(command -v keyhold)" "$socket" <<'PY'
import os, pty, select, sys, time
keyhold, socket = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(keyhold, [keyhold, "agent", "--socket", socket, "--allow", "registry.example.com", "--ttl", "1m"])
seen, deadline = b"", time.time() + 20
def read_some():
    global seen
    if select.select([fd], [], [], 0.1)[0]:
        try:
            seen += os.read(fd, 4096)
        except OSError:  # EIO: the agent is gone
            return False
    return True
while b"passphrase for" not in seen and time.time() < deadline and read_some():
    pass
os.write(fd, b"agent test")  # no Enter
time.sleep(0.3)
os.write(fd, b"\x03")
while time.time() < deadline and read_some():
    pass
done, status = os.waitpid(pid, os.WNOHANG)
while not done and time.time() < deadline + 5:  # the pty closes a moment before the exit
    time.sleep(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
if not done:  # it went on to serve: stop it here, not at its TTL
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
print(seen.decode(errors="replace"))
print(f"exit={os.waitstatus_to_exitcode(status)};")
PY
)
assert_contains "$output" "exit=1;" "^C at the agent's passphrase prompt"
assert_contains "$output" "the prompt was interrupted" "^C at the agent's passphrase prompt"
[[ "$output" != *"wrong passphrase"* ]] || fail "^C at the prompt was taken for a passphrase: $output"
[[ ! -e "$socket" ]] || fail "^C at the prompt left a socket"
ok "^C at the agent's passphrase prompt stops it in one line, with nothing typed taken for a passphrase"

# --- a peer of another uid (root, which file modes do not stop) is refused by SO_PEERCRED
other_uid=65534
chmod 711 "$TEST_TMP"
other_dir="$TEST_TMP/other-user"
mkdir -m 700 "$other_dir"
cp -a "$KEYHOLD_HOME" "$other_dir/keyhold"
chown -R "$other_uid:$other_uid" "$other_dir"
socket="$other_dir/agent.sock"
as_other() {
    exec setpriv --reuid="$other_uid" --regid="$other_uid" --clear-groups \
        env HOME="$other_dir" KEYHOLD_HOME="$other_dir/keyhold" "$@"
}
as_other keyhold agent --socket "$socket" --allow registry.example.com --ttl 1m 2>"$log" &
AGENT_PID=$!
kill_on_exit "$AGENT_PID"
wait_until 20 test -S "$socket" || fail "the agent of uid $other_uid did not start: $(cat "$log")"
assert_eq "$(stat -c '%u %a' "$socket")" "$other_uid 600" "the other user's socket"
client_docker get registry.example.com
assert_eq "$STATUS" 1 "a get from uid $(id -u) to the agent of uid $other_uid"
assert_contains "$OUT" "refused: uid $(id -u) may not use this agent" "a get from another uid"
grep -qE "uid=$(id -u) docker get registry.example.com: refused: uid $(id -u) is not allowed$" "$log" ||
    fail "no log line for the refused uid: $(cat "$log")"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "the other user's agent did not exit 0"
as_other keyhold agent --socket "$socket" --allow registry.example.com --allow-uid "$(id -u)" --ttl 1m 2>"$log" &
AGENT_PID=$!
kill_on_exit "$AGENT_PID"
wait_until 20 test -S "$socket" || fail "the agent of uid $other_uid did not start again: $(cat "$log")"
client_docker get registry.example.com
assert_eq "$STATUS/$OUT" '0/{"ServerURL":"registry.example.com","Username":"ci-user","Secret":"reg-S3cret-allowed"}' \
    "a get from an --allow-uid"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || true
ok "a connection from another uid is refused (SO_PEERCRED) and logged; --allow-uid lets it in"

# --- the agent killed while a client waits for its answer
socket="$TEST_TMP/run/agent.sock"
start_agent "$log" --socket "$socket" --allow registry.example.com --ttl 1m
kill -STOP "$AGENT_PID"
(status=0
 printf 'registry.example.com' | as_client docker-credential-keyhold get >"$TEST_TMP/killed.out" 2>&1 || status=$?
 echo "$status" >"$TEST_TMP/killed.status") &
client_pid=$!
sleep 0.5
kill -0 "$client_pid" 2>/dev/null || fail "the client did not wait for the stopped agent"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
wait_until 10 test -s "$TEST_TMP/killed.status" || fail "the client still waits after the agent was killed"
assert_eq "$(cat "$TEST_TMP/killed.status")" 1 "the client's exit when the agent was killed"
OUT=$(cat "$TEST_TMP/killed.out")
assert_one_line "$OUT" "the client's output when the agent was killed"
assert_contains "$OUT" "closed the connection without answering" "the client's output when the agent was killed"
ok "the agent killed mid-request: the client says so in one line and exits 1"
# The killed agent left its socket: the next one replaces it (nobody listens there).
start_agent "$log" --socket "$socket" --allow registry.example.com --allow git.example.com --ttl 5m
client_docker get registry.example.com
assert_eq "$STATUS" 0 "a get from the agent started over a stale socket ($OUT)"
ok "a stale socket of a killed agent is replaced"
# Its socket file removed (by hand, by tmpfiles), an agent runs on; a new one takes the path.
# The old one's stop must leave the new one's socket alone.
old_agent=$AGENT_PID
rm "$socket"
start_agent "$log" --socket "$socket" --allow registry.example.com --allow git.example.com --ttl 5m
kill -TERM "$old_agent"
wait "$old_agent" 2>/dev/null || true
[[ -S "$socket" ]] || fail "an agent's stop removed the socket of the agent that took its path"
client_docker get registry.example.com
assert_eq "$STATUS" 0 "a get from the agent that took the path ($OUT)"
ok "an agent whose socket file went does not remove the next agent's at its stop"

# --- a real container with only the socket and the helpers: podman, rootful, vfs, no network
if problem=$(container_storage_problem); then
    skip "$problem (every check before the container passed)"
fi
require_commands podman
rootfs="$TEST_TMP/rootfs"
make_host_usr_rootfs "$rootfs"
sanitizer_env=()
# An ASan build's helpers need the host's libasan (under /usr, mounted) and no LeakSanitizer,
# which needs ptrace the container does not give.
[[ "${KEYHOLD_SANITIZED:-0}" == 1 ]] && sanitizer_env=(--env ASAN_OPTIONS=detect_leaks=0)
in_container() {
    # Limits below this machine's: podman's defaults for open files and processes are above its
    # hard limits, which runc cannot raise without CAP_SYS_RESOURCE.
    podman_cli run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
        -v /usr:/usr:ro \
        -v "$KEYHOLD_BIN_DIR/docker-credential-keyhold:/opt/keyhold/docker-credential-keyhold:ro" \
        -v "$KEYHOLD_BIN_DIR/git-credential-keyhold:/opt/keyhold/git-credential-keyhold:ro" \
        -v "$socket:/run/keyhold-agent.sock" \
        --env KEYHOLD_AGENT_SOCK=/run/keyhold-agent.sock --env HOME=/root \
        --env PATH=/opt/keyhold:/usr/bin:/bin "${sanitizer_env[@]}" \
        --rootfs "$rootfs" /bin/sh -c "$1" 2>&1
}
script='
set -u
printf registry.example.com | docker-credential-keyhold get; echo "exit=$?"
printf other.example.com | docker-credential-keyhold get; echo "exit=$?"
printf "protocol=https\nhost=git.example.com\n\n" | GIT_TERMINAL_PROMPT=0 git -c credential.helper=keyhold credential fill; echo "exit=$?"
printf "protocol=https\nhost=git.other.com\n\n" | GIT_TERMINAL_PROMPT=0 git -c credential.helper=keyhold credential fill; echo "exit=$?"
ls -A /root; echo "home=$HOME keyhold_home=${KEYHOLD_HOME:-unset}"; ls /root/.local 2>&1 | head -1
'
output=$(in_container "$script") || fail "the container did not run: $output"
assert_contains "$output" $'{"ServerURL":"registry.example.com","Username":"ci-user","Secret":"reg-S3cret-allowed"}\nexit=0' \
    "docker-credential-keyhold get in the container"
assert_contains "$output" $'credentials not found in native keychain\nexit=1' "a refused get in the container"
assert_contains "$output" $'username=git-user\npassword=git-S3cret-allowed\nexit=0' "git credential fill in the container"
assert_contains "$output" "could not read Username for 'https://git.other.com'" "a refused git host in the container"
assert_contains "$output" "keyhold_home=unset" "the container's environment"
assert_not_contains "$output" "git-other-S3cret" "the container's output"
assert_not_contains "$output" "other-S3cret" "the container's output"
assert_contains "$output" "cannot access '/root/.local'" "the container's data directory"
leftovers=$(find "$rootfs" \( -name store -o -name store.id -o -name store.lock -o -name .local \) -print)
[[ -z "$leftovers" ]] || fail "the container left a store behind: $leftovers"
grep -qE "docker get registry.example.com: served$" "$log" || fail "no log line for the container's get"
ok "in a podman container (--network none) with only the socket and the helpers: the docker helper and git get an allowed credential and are refused another host; no store, no key, no KEYHOLD_HOME inside"
