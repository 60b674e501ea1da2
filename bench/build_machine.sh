#!/usr/bin/env bash
# bench/build_machine.sh [ENTRIES]: what one `docker-credential-keyhold get` costs on a build
# machine, by where the store key comes from, in one hyperfine run next to the exec floor and
# docker-credential-secretservice: the kernel-keyring cache, the TPM (swtpm, a software TPM on
# loopback), the Secret Service, a passphrase (Argon2id), and `keyhold agent` (the helper as
# its client, as in a job container). ENTRIES (default 1000) entries in every store.
# Installs what it needs on Debian 12, builds keyhold (Release, build-bench/), and writes its
# table to stdout and into its own section of docs/benchmarks.md. Nothing here asserts a time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
entries=${1:-1000}

if [[ -z "${KEYHOLD_BENCH_INSIDE:-}" ]]; then
    "$root/scripts/install-deps.sh" test
    as_root=()
    ((EUID == 0)) || as_root=(sudo)
    missing=()
    for package in hyperfine golang-docker-credential-helpers; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]} > 0)); then
        DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DKEYHOLD_BUILD_TESTS=OFF >/dev/null
    cmake --build "$root/build-bench" --parallel "$(nproc)" >/dev/null
    exec env KEYHOLD_BENCH_INSIDE=1 KEYHOLD_BIN_DIR="$root/build-bench/bin" \
        "$root/tests/fixtures/with-secret-service" "$0" "$@"
fi

source "$root/tests/fixtures/common.sh"
source "$root/tests/fixtures/swtpm.sh"
set +e +o pipefail  # hyperfine is told to ignore a failed run; the checks below say what failed
set -u
work="$TEST_TMP"
results="$work/results"
mkdir -p "$results"
say() { echo "bench: $*" >&2; }
bin=$KEYHOLD_BIN_DIR

g++ -O2 -static -o "$work/exec-floor" "$root/bench/exec_floor.cpp"
start_swtpm "$work/tpm"
export KEYHOLD_TPM2_TCTI=$SWTPM_TCTI

# One store filled once through the helper, then copied and its key moved to each protector
# (`keyhold rekey --backend`): the same entries, the same file size, in every row.
say "filling a store with $entries entries"
export KEYHOLD_PASSPHRASE="bench passphrase"
filled="$work/filled"
KEYHOLD_HOME="$filled" keyhold init --backend passphrase >/dev/null
for i in $(seq "$entries"); do
    printf '{"ServerURL":"registry-%d.example.com","Username":"user-%d","Secret":"secret-%d-0123456789"}' "$i" "$i" "$i" |
        KEYHOLD_HOME="$filled" docker-credential-keyhold store
done
store_with() {  # NAME BACKEND: a copy of the filled store, its key moved to BACKEND
    cp -a "$filled" "$work/$1"
    KEYHOLD_HOME="$work/$1" keyhold rekey --backend "$2" >/dev/null ||
        { echo "bench: rekey of $1 to $2 failed" >&2; exit 1; }
}
store_with tpm2 tpm2
store_with secret-service secret-service
cp -a "$filled" "$work/passphrase"
keyhold lock >/dev/null 2>&1 || true

say "filling docker-credential-secretservice with $entries entries"
for i in $(seq "$entries"); do
    printf '{"ServerURL":"registry-%d.example.com","Username":"user-%d","Secret":"secret-%d-0123456789"}' "$i" "$i" "$i" |
        docker-credential-secretservice store
done

existing="$work/existing"
echo "registry-$((entries / 2)).example.com" >"$existing"
expected="secret-$((entries / 2))-0123456789"

# The agent serves the Secret Service store; its clients open nothing.
socket="$work/agent/agent.sock"
mkdir -m 700 -p "$work/agent"
KEYHOLD_HOME="$work/secret-service" keyhold agent --socket "$socket" --allow "registry-$((entries / 2)).example.com" \
    --ttl 30m 2>"$work/agent.log" &
kill_on_exit $!
wait_until 10 test -S "$socket" || { echo "bench: the agent did not start: $(cat "$work/agent.log")" >&2; exit 1; }

get="$bin/docker-credential-keyhold get <$existing"
commands=(
    "exec floor (static C++)" "$work/exec-floor <$existing"
    "key cached (kernel keyring)" "KEYHOLD_HOME=$work/secret-service $get"
    "key unsealed by the TPM (swtpm)" "KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_HOME=$work/tpm2 $get"
    "key from the Secret Service" "KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_HOME=$work/secret-service $get"
    "key from a passphrase (Argon2id)" "KEYHOLD_KEY_CACHE_SECONDS=0 KEYHOLD_HOME=$work/passphrase $get"
    "through keyhold agent" "KEYHOLD_AGENT_SOCK=$socket $get"
    "docker-credential-secretservice" "docker-credential-secretservice get <$existing"
)
# Every row must answer the credential, or its time means nothing.
for ((i = 2; i < ${#commands[@]}; i += 2)); do
    answer=$(sh -c "${commands[i + 1]}")
    [[ "$answer" == *"\"$expected\""* ]] || { echo "bench: '${commands[i]}' did not answer the credential: $answer" >&2; exit 1; }
done
KEYHOLD_HOME="$work/secret-service" docker-credential-keyhold get <"$existing" >/dev/null  # the cache is warm

say "timing every way to the key in one hyperfine run"
named=()
for ((i = 0; i < ${#commands[@]}; i += 2)); do
    named+=(-n "${commands[i]}" "${commands[i + 1]}")
done
hyperfine --shell sh --warmup 3 --runs 30 --export-json "$results/build-machine.json" "${named[@]}" >&2

report=$(/usr/bin/python3 - "$results/build-machine.json" "$entries" <<'PY'
import json, sys
runs = {run["command"]: run for run in json.load(open(sys.argv[1]))["results"]}
entries = int(sys.argv[2])
ms = lambda run: run["median"] * 1000
floor, cached, peer = runs["exec floor (static C++)"], runs["key cached (kernel keyring)"], runs["docker-credential-secretservice"]
print("| docker get, existing, %d entries | median ms (min–max) | ÷ key cached | ÷ secretservice | ÷ exec floor |" % entries)
print("|---|---|---|---|---|")
for name, run in runs.items():
    print("| %s | %.2f (%.2f–%.2f) | %.2f | %.2f | %.2f |" % (name, ms(run), run["min"] * 1000, run["max"] * 1000,
                                                         ms(run) / ms(cached), ms(run) / ms(peer), ms(run) / ms(floor)))
PY
)
section=$(
    echo "## A build machine's get, by where the key comes from (bench/build_machine.sh)"
    echo
    echo "Written by \`bench/build_machine.sh $entries\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -srm); one"
    echo "hyperfine run (\`--warmup 3 --runs 30\`), so every row was measured beside the others. The TPM is"
    echo "swtpm on loopback: a hardware TPM is slower (a chip on a bus; its unseal takes tens of"
    echo "milliseconds), so that row is a floor. The agent row is a helper in client mode"
    echo "(\`KEYHOLD_AGENT_SOCK\`), the agent holding the key; the passphrase row pays Argon2id on"
    echo "every call, which is why the key cache and \`keyhold unlock\` exist."
    echo
    echo "$report"
)
echo "$section"
# This section replaces its previous copy; everything else in the file stays.
/usr/bin/python3 - "$root/docs/benchmarks.md" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- bench/build_machine.sh: begin -->", "<!-- bench/build_machine.sh: end -->"
block = begin + "\n" + section + "\n" + end
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
