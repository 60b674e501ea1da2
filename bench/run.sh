#!/usr/bin/env bash
# bench/run.sh [ENTRIES]: keyhold next to the helpers people use today, measured in one run on
# this machine, with ENTRIES (default 1000) entries in every store:
#   docker-credential-secretservice and docker-credential-pass (Debian's
#   golang-docker-credential-helpers), git-credential-libsecret (git's contrib), and an exec
#   floor (a static C++ program that reads stdin and prints JSON).
# It installs what it needs on Debian 12, builds keyhold (Release, build-bench/), starts a
# headless Secret Service and the loopback org API, and writes the tables to stdout and to
# docs/benchmarks.md. Not part of the tests: nothing here asserts a time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
entries=${1:-1000}

if [[ -z "${KEYHOLD_BENCH_INSIDE:-}" ]]; then
    source "$root/bench/lib.sh"
    bench_build "$root"
    as_root=()
    ((EUID == 0)) || as_root=(sudo)
    missing=()
    for package in hyperfine golang-docker-credential-helpers pass gnupg libsecret-1-dev time; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]} > 0)); then
        DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    exec env KEYHOLD_BENCH_INSIDE=1 KEYHOLD_BIN_DIR="$root/build-bench/bin" \
        "$root/tests/fixtures/with-secret-service" "$0" "$@"
fi

source "$root/tests/fixtures/common.sh"
source "$root/tests/fixtures/tls.sh"
source "$root/tests/fixtures/org_api.sh"
set +e +o pipefail  # a peer's not-found exits 1; hyperfine is told to ignore it
set -u
work="$TEST_TMP"
results="$work/results"
mkdir -p "$results"
say() { echo "bench: $*" >&2; }

g++ -O2 -static -o "$work/exec-floor" "$root/bench/exec_floor.cpp"
cp -r /usr/share/doc/git/contrib/credential/libsecret "$work/libsecret-src"
make -s -C "$work/libsecret-src" >/dev/null 2>&1
libsecret="$work/libsecret-src/git-credential-libsecret"

# --- the org API fills keyhold's stores; `keyhold sync` is a real path, and fast -----------
start_org_api_with_test_ca "$work"
token=$(org_issue_token "$work/org")
save_org_with() {  # COUNT: that many registry credentials, and a git PAT for git.example.com
    /usr/bin/python3 - "$1" <<'PY' | org_put_secrets "$ca" >/dev/null
import base64, json, sys
count = int(sys.argv[1])
print(json.dumps({
    "registryCredentials": {f"registry-{i}.example.com": base64.b64encode(f"user-{i}:secret-{i}".encode()).decode()
                            for i in range(1, count + 1)},
    "gitCredentials": {"username": "build-bot", "password": "ghp_0123456789abcdef0123456789abcdef"}}))
PY
}
new_keyhold_store() {  # DIR: an empty store with the org as its source
    rm -rf "$1"
    KEYHOLD_HOME="$1" keyhold init --backend secret-service >/dev/null
    KEYHOLD_HOME="$1" keyhold source add org --type ignite --url "$ORG_API_URL" --ca-file "$ca" \
        --git-host git.example.com <<<"$token" >/dev/null
}

say "filling keyhold with $entries entries"
save_org_with "$entries"
export KEYHOLD_HOME="$work/keyhold"
new_keyhold_store "$KEYHOLD_HOME"
keyhold sync >/dev/null

# --- the peers, filled the only way they can be: one store at a time -----------------------
export GNUPGHOME="$work/gnupg" PASSWORD_STORE_DIR="$work/pass"
mkdir -m 700 -p "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "keyhold bench <bench@example.com>" default default never 2>/dev/null
pass init "$(gpg --list-keys --with-colons | awk -F: '/^fpr/ {print $10; exit}')" >/dev/null
say "filling docker-credential-secretservice, docker-credential-pass and git-credential-libsecret with $entries entries each"
for i in $(seq "$entries"); do
    request=$(printf '{"ServerURL":"registry-%d.example.com","Username":"user-%d","Secret":"secret-%d-0123456789"}' "$i" "$i" "$i")
    docker-credential-secretservice store <<<"$request"
    docker-credential-pass store <<<"$request"
    printf 'protocol=https\nhost=git-%d.example.com\nusername=user-%d\npassword=secret-%d\n' "$i" "$i" "$i" |
        "$libsecret" store >/dev/null
done
printf 'protocol=https\nhost=git.example.com\nusername=build-bot\npassword=ghp_0123456789abcdef0123456789abcdef\n' |
    "$libsecret" store >/dev/null

echo "registry-$((entries / 2)).example.com" >"$work/existing"
echo "absent.example.com" >"$work/missing"
printf 'protocol=https\nhost=git.example.com\n\n' >"$work/git-existing"
printf 'protocol=https\nhost=absent.example.com\n\n' >"$work/git-missing"
keyhold_bin=$KEYHOLD_BIN_DIR
docker-credential-keyhold get <"$work/existing" >/dev/null  # the key is cached from here on
store_line='printf '"'"'{"ServerURL":"bench-store.example.com","Username":"u","Secret":"%s"}'"'"' $$'
erase_setup='printf '"'"'{"ServerURL":"bench-erase.example.com","Username":"u","Secret":"s"}'"'"

say "timing every operation in one hyperfine run"
hyperfine --shell sh --warmup 3 --runs 20 --ignore-failure --export-json "$results/operations.json" \
    --prepare : --prepare : --prepare : --prepare : --prepare : --prepare : --prepare : \
    --prepare "$erase_setup | $keyhold_bin/docker-credential-keyhold store" \
    --prepare : --prepare : \
    --prepare : --prepare : --prepare : --prepare : \
    --prepare "$erase_setup | docker-credential-secretservice store" \
    --prepare : --prepare : --prepare : \
    -n "exec floor (static C++)" "$work/exec-floor <$work/existing" \
    -n "keyhold get existing" "$keyhold_bin/docker-credential-keyhold get <$work/existing" \
    -n "keyhold get missing" "$keyhold_bin/docker-credential-keyhold get <$work/missing" \
    -n "keyhold get existing, no key cache" "KEYHOLD_KEY_CACHE_SECONDS=0 $keyhold_bin/docker-credential-keyhold get <$work/existing" \
    -n "keyhold list" "$keyhold_bin/docker-credential-keyhold list" \
    -n "keyhold store" "$store_line | $keyhold_bin/docker-credential-keyhold store" \
    -n "keyhold git get existing" "$keyhold_bin/git-credential-keyhold get <$work/git-existing" \
    -n "keyhold erase" "echo bench-erase.example.com | $keyhold_bin/docker-credential-keyhold erase" \
    -n "keyhold git get missing" "$keyhold_bin/git-credential-keyhold get <$work/git-missing" \
    -n "secretservice get existing" "docker-credential-secretservice get <$work/existing" \
    -n "secretservice get missing" "docker-credential-secretservice get <$work/missing" \
    -n "secretservice list" "docker-credential-secretservice list" \
    -n "secretservice store" "$store_line | docker-credential-secretservice store" \
    -n "pass get existing" "docker-credential-pass get <$work/existing" \
    -n "secretservice erase" "echo bench-erase.example.com | docker-credential-secretservice erase" \
    -n "libsecret git get existing" "$libsecret get <$work/git-existing" \
    -n "libsecret git get missing" "$libsecret get <$work/git-missing" \
    -n "pass list" "docker-credential-pass list" >&2

say "peak memory"
for i in $(seq 10); do
    for pair in "keyhold get:$keyhold_bin/docker-credential-keyhold get:existing" \
                "keyhold get, no key cache:env KEYHOLD_KEY_CACHE_SECONDS=0 $keyhold_bin/docker-credential-keyhold get:existing" \
                "keyhold git get:$keyhold_bin/git-credential-keyhold get:git-existing" \
                "secretservice get:docker-credential-secretservice get:existing" \
                "libsecret git get:$libsecret get:git-existing" \
                "exec floor:$work/exec-floor:existing"; do
        IFS=: read -r name command input <<<"$pair"
        /usr/bin/time -f "%M" -o "$work/rss-one" $command <"$work/$input" >/dev/null 2>&1
        echo "$name $(tail -n 1 "$work/rss-one")" >>"$results/rss.txt"
    done
done

say "how costs grow with the store"
for size in 10 1000 10000 100000; do
    save_org_with "$size"
    home="$work/scale-$size"
    new_keyhold_store "$home"
    KEYHOLD_HOME="$home" keyhold sync >/dev/null
    echo "registry-$(((size + 1) / 2)).example.com" >"$work/scale-existing"
    KEYHOLD_HOME="$home" docker-credential-keyhold get <"$work/scale-existing" >/dev/null
    runs=20
    ((size >= 100000)) && runs=5
    KEYHOLD_HOME="$home" hyperfine --shell sh --warmup 2 --runs "$runs" --ignore-failure \
        --export-json "$results/scale-$size.json" \
        -n "keyhold get, $size entries" "$keyhold_bin/docker-credential-keyhold get <$work/scale-existing" \
        -n "keyhold list, $size entries" "$keyhold_bin/docker-credential-keyhold list" \
        -n "keyhold store, $size entries" "$store_line | $keyhold_bin/docker-credential-keyhold store" >&2
    sync_home="$work/sync-$size"
    new_keyhold_store "$sync_home"
    KEYHOLD_HOME="$sync_home" hyperfine --shell bash --warmup 1 --runs 5 --export-json "$results/sync-$size.json" \
        --prepare "$(declare -f new_keyhold_store); ORG_API_URL=$ORG_API_URL ca=$ca token=$token new_keyhold_store $sync_home" \
        --prepare : \
        -n "keyhold sync, $size entries, first" "$keyhold_bin/keyhold sync" \
        -n "keyhold sync, $size entries, unchanged" "$keyhold_bin/keyhold sync" >&2
done

report=$(/usr/bin/python3 "$root/bench/report.py" "$results" "$entries")
# Dated measurements made by hand (below this line in the old file) stay.
kept=$(sed -n '/^<!-- bench\/run.sh keeps what follows -->$/,$p' "$root/docs/benchmarks.md" 2>/dev/null || true)
{
    echo "# keyhold benchmarks"
    echo
    echo "Written by \`bench/run.sh $entries\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -srm),"
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). Every figure in a table"
    echo "comes from the same run; medians, with min–max. Ratios below 1 mean keyhold is faster."
    echo "The machine is shared and noisy: read the ratios, not the absolute times."
    echo
    echo "$report"
    if [[ -n "$kept" ]]; then
        echo
        echo "$kept"
    fi
} | tee "$root/docs/benchmarks.md.new"
mv "$root/docs/benchmarks.md.new" "$root/docs/benchmarks.md"
