#!/usr/bin/env bash
# bench/fleet.sh [N ...]: a fleet of N machines (default: 100, then 1000) syncing from one org API,
# started as packaging/systemd/keyhold-sync.timer starts them. Each machine is a KEYHOLD_HOME of
# its own (passphrase protector, its own device token, a source pointing at the stand-in); the
# org API is the loopback stand-in (tests/fixtures/org_api.py) over HTTPS on 127.0.0.1, which logs
# every request (time, status, If-None-Match). Rounds, for each N:
#   1. first sync of every machine; 2. nothing changed (304s, store rewrites must be 0);
#   3. the org changed once (200s); 4. a burst of 429 with Retry-After, once with the baseline
#   binaries if FLEET_BASELINE_BIN names their directory (e.g. a copy of build-bench/bin made at
#   an older commit; FLEET_BASELINE_LABEL names it in the report) and once with this build.
# Each round is one timer activation: every machine fires at a uniform random offset in
# [0, RandomizedDelaySec), read from the shipped timer, with the window compressed FLEET_TIME_FACTOR
# times (default 10: systemd's 10 minutes in 60 s). Writes the tables to stdout and to its own
# section of docs/benchmarks.md. Not part of the tests: nothing here asserts a time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
counts=("$@")
((${#counts[@]} > 0)) || counts=(100 1000)
factor=${FLEET_TIME_FACTOR:-10}
seed=${FLEET_SEED:-12}
retry_after=30       # what the org's rate limiter asks for
burst_seconds=10     # how long it answers 429 to everyone (wall seconds)

source "$root/bench/lib.sh"
bench_build "$root"
export KEYHOLD_BIN_DIR="$root/build-bench/bin"
source "$root/tests/fixtures/common.sh"
source "$root/tests/fixtures/tls.sh"
source "$root/tests/fixtures/org_api.sh"
work="$TEST_TMP"
results=${FLEET_RESULTS_DIR:-$work/results}  # FLEET_RESULTS_DIR keeps the raw figures
mkdir -p "$results"
say() { echo "fleet: $*" >&2; }
fleet() { /usr/bin/python3 "$root/bench/fleet.py" "$@"; }
started=$SECONDS

timer=$(fleet timer "$root/packaging/systemd/keyhold-sync.timer")
window=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["randomized_delay"])' "$timer")
# Passphrase for every machine's store, in the environment only; the key stays cached in the
# kernel keyring for the whole run (1000 stores are 1000 keys: root's quota is 10^6, a user's
# 200 by default, /proc/sys/kernel/keys/maxkeys), and the unlock is measured on its own.
export KEYHOLD_PASSPHRASE="fleet $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export KEYHOLD_KEY_CACHE_SECONDS=7200

start_org_api_with_test_ca "$work"
save_org() {  # VERSION: the org's set, 20 registry credentials, a git PAT and 3 build secrets
    /usr/bin/python3 - "$1" <<'PY' | org_put_secrets "$ca" >/dev/null
import base64, json, sys
version = sys.argv[1]
print(json.dumps({
    "registryCredentials": {f"registry-{i}.example.com": base64.b64encode(f"user-{i}:secret-{i}-v{version}".encode()).decode()
                            for i in range(1, 21)},
    "gitCredentials": {"username": "build-bot", "password": f"ghp_0123456789abcdef0123456789abcd{version}"},
    "buildSecrets": {f"SECRET_{i}": f"value-{i}-v{version}" for i in range(1, 4)}}))
PY
}

declare -A setup_seconds
for count in "${counts[@]}"; do
    fleet_dir="$work/fleet-$count"
    mkdir -p "$fleet_dir"
    # Each fleet has its own token list: machine i's token is line i + 1 (the admin's is line 1).
    head -n 1 "$work/org/tokens" >"$work/org/tokens.new" && mv "$work/org/tokens.new" "$work/org/tokens"
    save_org 1
    say "N=$count: init and source add on every machine"
    setup_seconds[$count]=$(fleet setup "$fleet_dir" "$count" "$ORG_API_URL" "$ca" "$work/org/tokens")
    round() {  # NAME SEED [--throttle AT,SECONDS,RETRY_AFTER] [--bin DIR]
        local name=$1 round_seed=$2
        shift 2
        fleet round "$fleet_dir" "$count" "$results/$count-$name.json" "$window" "$factor" "$round_seed" \
            "$ORG_API_URL" "$ca" "$@"
    }
    say "N=$count: round 1, first sync"
    round fresh $((seed + 1))
    say "N=$count: round 2, nothing changed"
    round unchanged $((seed + 2))
    say "N=$count: round 3, the org changed once"
    save_org 2
    round changed $((seed + 3))
    # The burst starts a third into the (compressed) window, when the fleet is in full flow.
    # Both builds meet the same draw of offsets: only how they retry differs.
    burst_at=$(python3 -c "print(round($window / $factor / 3, 1))")
    if [[ -n "${FLEET_BASELINE_BIN:-}" ]]; then
        say "N=$count: round 4, a burst of 429, baseline binaries ($FLEET_BASELINE_BIN)"
        round burst-before $((seed + 4)) --throttle "$burst_at,$burst_seconds,$retry_after" --bin "$FLEET_BASELINE_BIN"
    fi
    say "N=$count: round 4, a burst of 429, this build"
    round burst-after $((seed + 4)) --throttle "$burst_at,$burst_seconds,$retry_after"
    if [[ "$count" == "${counts[0]}" ]]; then
        fleet unlock "$fleet_dir" "$results/unlock.json"
    fi
    rm -rf "$fleet_dir"
    seed=$((seed + 4))
done

commit=$(git -C "$root" rev-parse --short HEAD)
baseline_label="before: ${FLEET_BASELINE_LABEL:-baseline}"
setup_json=$(for count in "${counts[@]}"; do printf '"%s": %s,' "$count" "${setup_seconds[$count]}"; done)
cat >"$results/meta.json" <<JSON
{"timer": $timer, "factor": $factor, "counts": [$(IFS=,; echo "${counts[*]}")],
 "setup_seconds": {${setup_json%,}},
 "burst_labels": {"before": "$baseline_label", "after": "this build ($commit)"}}
JSON
tables=$(fleet report "$results")
elapsed=$((SECONDS - started))
raw=$(python3 -c 'import json, sys; t = json.loads(sys.argv[1]); print(", ".join(f"{k}={v}" for k, v in t["raw"].items()))' "$timer")
section=$(cat <<EOF
## A fleet on one org API (bench/fleet.sh)

Written by \`bench/fleet.sh ${counts[*]}\` on $(date -u +%Y-%m-%d) at commit $commit, $(nproc) cores,
$(uname -srm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); the whole
script took $((elapsed / 60)) min $((elapsed % 60)) s, the build included. One run; every figure below comes from it.

How it was measured: N machines, each a KEYHOLD_HOME of its own (passphrase protector, its own
device token, one ignite source), real \`keyhold sync\` processes of the Release build against the
org API stand-in (\`tests/fixtures/org_api.py\`, HTTPS on 127.0.0.1, a thread per connection),
whose log gives every request's time, status and If-None-Match. The timer is read from
\`packaging/systemd/keyhold-sync.timer\` ($raw): a round is one activation of every machine's
timer at once (the worst case: a fleet booted or woken together), each machine at a uniform
random offset in [0, RandomizedDelaySec), drawn afresh per round as systemd draws it per
activation. **Time is compressed $factor×**: the $(python3 -c "print(int($window))") s window runs in $(python3 -c "print($window / $factor)") s. "Peak
req/s, real time" bins the stand-in's log on the real timeline (its times × $factor, then 1 s
windows: the busiest real second); "in the run" is the busiest wall second of the compressed run,
and ÷ $factor its average per real second. The service's \`--if-older-than 50m\` is left out (rounds
are minutes apart here, the timer's firings an hour). Store rewrites: the store file's inode,
mtime and size, before and after the round, on every machine.
The key stays cached in the kernel keyring (KEYHOLD_KEY_CACHE_SECONDS=7200) so the rounds measure
the API's side; the unlock's own cost is the last line.

$tables
EOF
)
echo "$section" | tee "$work/section.md"
# Its own section of docs/benchmarks.md, between its markers (after run.sh's, which keeps it).
/usr/bin/python3 - "$root/docs/benchmarks.md" "$work/section.md" <<'PY'
import sys
path = sys.argv[1]
begin, end = "<!-- bench/fleet.sh writes from here -->", "<!-- bench/fleet.sh writes up to here -->"
section = begin + "\n\n" + open(sys.argv[2]).read().strip() + "\n\n" + end
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
if begin in text and end in text:
    text = text[: text.index(begin)] + section + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path + ".new", "w").write(text)
PY
mv "$root/docs/benchmarks.md.new" "$root/docs/benchmarks.md"
