#!/usr/bin/env python3
"""bench/fleet.sh's driver: N machines (one KEYHOLD_HOME each) syncing from the org API stand-in
as keyhold-sync.timer would start them, and the report of what the stand-in saw.

  fleet.py timer TIMER-FILE                     prints the timer's settings as JSON
  fleet.py setup DIR N URL CA TOKENS            makes DIR/machine-1..N: init (passphrase) + source add
  fleet.py round DIR N OUT.json [options]       one timer activation of every machine
  fleet.py unlock DIR OUT.json                  what the passphrase unlock costs a sync
  fleet.py report RESULTS-DIR                   the markdown tables

Every secret (the passphrase, the device tokens) travels in the environment, on stdin or in the
stand-in's tokens file, never in argv. The stand-in's log names a machine by its token's line in
that file.
"""
import concurrent.futures
import heapq
import json
import os
import random
import re
import secrets
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request

SPAN_UNITS = {"us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3, "s": 1, "sec": 1, "second": 1, "seconds": 1,
              "m": 60, "min": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600,
              "hours": 3600, "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800,
              "weeks": 604800}


def parse_span(text):
    """A systemd time span ("10min", "1h 30m", "90"; systemd.time(7)) in seconds."""
    total = 0.0
    for number, unit in re.findall(r"([0-9.]+)\s*([a-z]*)", text.strip()):
        total += float(number) * SPAN_UNITS[unit or "s"]
    return total


def read_timer(path):
    settings = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith(("#", ";", "[")) and "=" in line:
                key, value = line.split("=", 1)
                settings[key.strip()] = value.strip()
    return {
        "randomized_delay": parse_span(settings.get("RandomizedDelaySec", "0")),
        "interval": parse_span(settings.get("OnUnitActiveSec", "0")),
        "accuracy": parse_span(settings.get("AccuracySec", "1min")),  # systemd's default
        "fixed_random_delay": settings.get("FixedRandomDelay", "false").lower() in ("yes", "true", "1", "on"),
        "raw": {k: v for k, v in settings.items() if k.endswith("Sec") or k in ("FixedRandomDelay", "Persistent")},
    }


def machine_env(directory, number, bin_dir=None):
    home = os.path.join(directory, "machine-%d" % number)
    env = dict(os.environ)
    env["KEYHOLD_HOME"] = os.path.join(home, "keyhold")
    env["HOME"] = os.path.join(home, "home")
    if bin_dir:
        env["PATH"] = bin_dir + os.pathsep + env["PATH"]
    return env


def setup(directory, count, url, ca, tokens_file):
    """init + source add for every machine, two at a time (the machine has two cores)."""
    tokens = ["device-" + secrets.token_hex(16) for _ in range(count)]
    with open(tokens_file, "a") as handle:  # machine i's token is on line i + 1 (the admin's is 1)
        handle.writelines(token + "\n" for token in tokens)

    def one(number):
        env = machine_env(directory, number)
        os.makedirs(env["HOME"], exist_ok=True)
        subprocess.run(["keyhold", "init", "--backend", "passphrase"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["keyhold", "source", "add", "org", "--type", "ignite", "--url", url, "--ca-file", ca,
                        "--git-host", "git.example.com"], input=tokens[number - 1].encode(), env=env,
                       check=True, stdout=subprocess.DEVNULL)

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, range(1, count + 1)))
    return time.time() - started


def store_identity(directory, number):
    """What a rewrite of the store file changes: a new file (inode, atomic replace) or mtime."""
    stat = os.stat(os.path.join(directory, "machine-%d" % number, "keyhold", "store"))
    return [stat.st_ino, stat.st_mtime_ns, stat.st_size]


def post(url, ca, path, payload):
    context = ssl.create_default_context(cafile=ca)
    request = urllib.request.Request(url + path, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        return json.load(answer)


def get(url, ca, path):
    context = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(url + path, context=context, timeout=60) as answer:
        return json.load(answer)


def run_round(directory, count, out, window, factor, seed, bin_dir=None, throttle=None, url=None, ca=None):
    """Starts `keyhold sync` on every machine at a uniform random offset in [0, window) (the
    timer's RandomizedDelaySec, drawn afresh at each activation as systemd does), divided by
    `factor`, and waits for all of them. `throttle` = (at, seconds, retry_after): the stand-in
    answers 429 to everything from `at` (compressed seconds after the start) for `seconds`."""
    draw = random.Random(seed)
    offsets = [draw.uniform(0, window) for _ in range(count)]
    before = [store_identity(directory, n) for n in range(1, count + 1)]
    post(url, ca, "/__test/reset-log", {})
    pending = [(offsets[n - 1] / factor, n) for n in range(1, count + 1)]
    heapq.heapify(pending)
    running = {}
    finished = {}
    throttle_window = None
    start = time.time()
    while pending or running:
        now = time.time() - start
        if throttle and throttle_window is None and now >= throttle[0]:
            from_ = time.time()
            post(url, ca, "/__test/throttle", {"seconds": throttle[1], "retry_after": throttle[2]})
            throttle_window = [from_, from_ + throttle[1]]
        while pending and pending[0][0] <= now:
            _, number = heapq.heappop(pending)
            env = machine_env(directory, number, bin_dir)
            # The service's command without --if-older-than 50m: the rounds here are minutes
            # apart, where the timer's firings are at least an hour apart and never skipped.
            process = subprocess.Popen(["keyhold", "sync"], env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT)
            running[number] = (process, time.time())
        for number, (process, started) in list(running.items()):
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace").strip()
                finished[number] = {"start": started, "end": time.time(), "exit": process.returncode,
                                    "output": output.splitlines()[:1]}
                del running[number]
        waits = [pending[0][0] - (time.time() - start)] if pending else []
        time.sleep(max(0.0, min(waits + [0.01])))
    after = [store_identity(directory, n) for n in range(1, count + 1)]
    log = get(url, ca, "/__test/log")
    result = {
        "count": count, "window": window, "factor": factor, "seed": seed, "start": start, "end": time.time(),
        "bin_dir": bin_dir, "throttle": throttle, "throttle_window": throttle_window,
        "machines": finished, "store_rewrites": sum(1 for a, b in zip(before, after) if a != b),
        "log": [entry for entry in log if entry["method"] == "GET" and entry["path"].startswith("/v1/ignite/")],
    }
    with open(out, "w") as handle:
        json.dump(result, handle)
    failed = sum(1 for m in finished.values() if m["exit"] != 0)
    print("round %s: %d machines in %.1f s, %d failed, %d store rewrites" %
          (os.path.basename(out), count, result["end"] - start, failed, result["store_rewrites"]), file=sys.stderr)


def unlock(directory, out, runs=15):
    """One machine's unchanged sync with the key cached, and with KEYHOLD_KEY_CACHE_SECONDS=0
    (the passphrase's Argon2id on every run), alternated."""
    env = machine_env(directory, 1)
    times = {"cached": [], "uncached": []}
    for _ in range(runs):
        for label, seconds in (("cached", None), ("uncached", "0")):
            run_env = dict(env)
            if seconds is not None:
                run_env["KEYHOLD_KEY_CACHE_SECONDS"] = seconds
            started = time.perf_counter()
            subprocess.run(["keyhold", "sync"], env=run_env, check=True, stdout=subprocess.DEVNULL)
            times[label].append(time.perf_counter() - started)
    with open(out, "w") as handle:
        json.dump(times, handle)


# --- the report ---------------------------------------------------------------------------------

def per_second(times, origin, scale=1.0):
    """Counts of `times` in 1-second bins of (t - origin) * scale."""
    bins = {}
    for t in times:
        index = int((t - origin) * scale // 1)
        bins[index] = bins.get(index, 0) + 1
    return bins


def round_figures(result):
    log = result["log"]
    factor = result["factor"]
    times = [entry["time"] for entry in log]
    wall = per_second(times, result["start"])
    real = per_second(times, result["start"], factor)  # the timeline stretched back to real time
    statuses = {}
    for entry in log:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    machines = result["machines"].values()
    return {
        "requests": len(log),
        "statuses": statuses,
        "peak_wall": max(wall.values()) if wall else 0,
        "peak_real": max(real.values()) if real else 0,
        "mean_real": result["count"] / result["window"],
        "share_304": statuses.get(304, 0) / len(log) if log else 0,
        "failed": sum(1 for m in machines if m["exit"] != 0),
        "rewrites": result["store_rewrites"],
        "sync_ms": statistics.median((m["end"] - m["start"]) * 1000 for m in machines),
    }


def retry_figures(result):
    """For every machine that was answered 429: how long it waited before asking again, and
    when its retries came, relative to the end of the 429 burst."""
    by_machine = {}
    for entry in sorted(result["log"], key=lambda e: e["time"]):
        by_machine.setdefault(entry["token_line"], []).append(entry)
    burst_end = result["throttle_window"][1]
    waits, retries, pairs = [], [], []
    for entries in by_machine.values():
        for previous, current in zip(entries, entries[1:]):
            if previous["status"] == 429:
                waits.append(current["time"] - previous["time"])
                retries.append(current["time"])
                pairs.append((int(previous["time"]), int(current["time"])))
    # Of two machines turned away in the same wall second, how often both came back in the same
    # second: 1 when every machine waits exactly Retry-After.
    together = same = 0
    for i, (turned_away, back) in enumerate(pairs):
        for other_turned_away, other_back in pairs[i + 1:]:
            if turned_away == other_turned_away:
                together += 1
                same += back == other_back
    histogram = per_second(retries, burst_end)
    all_requests = per_second([e["time"] for e in result["log"]], result["start"])
    before_burst = [n for second, n in all_requests.items()
                    if second < int(result["throttle_window"][0] - result["start"])]
    return {
        "throttled": sum(1 for e in result["log"] if e["status"] == 429),
        "machines_throttled": sum(1 for entries in by_machine.values() if any(e["status"] == 429 for e in entries)),
        "retries": len(retries),
        "wait_min": min(waits) if waits else 0, "wait_median": statistics.median(waits) if waits else 0,
        "wait_max": max(waits) if waits else 0,
        "histogram": histogram,
        "peak_retries": max(histogram.values()) if histogram else 0,
        "busiest_share": max(histogram.values()) / len(retries) if retries else 0,
        "seconds_with_retries": len(histogram),
        "peak_all": max(all_requests.values()) if all_requests else 0,
        "rate_before_burst": statistics.mean(before_burst) if before_burst else 0,
        "failed": sum(1 for m in result["machines"].values() if m["exit"] != 0),
        "same_second_pairs": same / together if together else 0,
    }


def report(results_dir):
    with open(os.path.join(results_dir, "meta.json")) as handle:
        meta = json.load(handle)
    timer, factor = meta["timer"], meta["factor"]
    lines = []
    add = lines.append
    rounds = [("fresh", "1. first sync of every machine"), ("unchanged", "2. nothing changed"),
              ("changed", "3. the org changed once")]
    for count in meta["counts"]:
        add("### N = %d machines" % count)
        add("")
        add("Setup (init with the passphrase protector + `source add`, two at a time): %.0f s." %
            meta["setup_seconds"][str(count)])
        add("")
        add("| round | requests | answers | peak req/s, real time | peak req/s in the run (÷ %g) | mean req/s, real time | 304 share | store rewrites | failed syncs | median sync (ms) |" % factor)
        add("|---|---|---|---|---|---|---|---|---|---|")
        for name, label in rounds:
            with open(os.path.join(results_dir, "%d-%s.json" % (count, name))) as handle:
                f = round_figures(json.load(handle))
            answers = ", ".join("%s × %d" % (status, n) for status, n in sorted(f["statuses"].items()))
            add("| %s | %d | %s | %d | %d (%.1f) | %.2f | %.1f %% | %d of %d | %d | %.0f |" % (
                label, f["requests"], answers, f["peak_real"], f["peak_wall"], f["peak_wall"] / factor,
                f["mean_real"], 100 * f["share_304"], f["rewrites"], count, f["failed"], f["sync_ms"]))
        add("")
        variants = [v for v in ("before", "after") if os.path.exists(os.path.join(results_dir, "%d-burst-%s.json" % (count, v)))]
        figures = {}
        for variant in variants:
            with open(os.path.join(results_dir, "%d-burst-%s.json" % (count, variant))) as handle:
                result = json.load(handle)
            figures[variant] = retry_figures(result)
            figures[variant]["label"] = meta["burst_labels"][variant]
        throttle = result["throttle"]
        add("4. A burst of 429: from %g s into the round (real time %g s into the timer's window) the stand-in answers every request `429`, `Retry-After: %d`, for %g s of wall time (not compressed: keyhold waits real seconds)." % (
            throttle[0], throttle[0] * factor, throttle[2], throttle[1]))
        add("")
        add("| | " + " | ".join(figures[v]["label"] for v in variants) + " |")
        add("|---|" + "---|" * len(variants))
        rows = [("429 answers (machines)", lambda g: "%d (%d)" % (g["throttled"], g["machines_throttled"])),
                ("retries after a 429", lambda g: "%d" % g["retries"]),
                ("wait after a 429, min / median / max (s)", lambda g: "%.2f / %.2f / %.2f" % (g["wait_min"], g["wait_median"], g["wait_max"])),
                ("two machines turned away in the same second came back in the same second", lambda g: "%.0f %%" % (100 * g["same_second_pairs"])),
                ("seconds the retries fall in", lambda g: "%d" % g["seconds_with_retries"]),
                ("peak retries in one second", lambda g: "%d" % g["peak_retries"]),
                ("busiest second's share of the retries", lambda g: "%.0f %%" % (100 * g["busiest_share"])),
                ("all requests/s before the burst, mean (this run's compressed rate)", lambda g: "%.1f" % g["rate_before_burst"]),
                ("all requests/s, peak of the round", lambda g: "%d" % g["peak_all"]),
                ("failed syncs", lambda g: "%d" % g["failed"])]
        for label, cell in rows:
            add("| %s | %s |" % (label, " | ".join(cell(figures[v]) for v in variants)))
        add("")
        seconds = sorted(set().union(*(figures[v]["histogram"].keys() for v in variants)))
        if seconds:
            add("Retries per second, by second after the burst ended:")
            add("")
            add("| second after the burst | " + " | ".join(figures[v]["label"] for v in variants) + " |")
            add("|---|" + "---|" * len(variants))
            for second in range(seconds[0], seconds[-1] + 1):
                add("| %d | %s |" % (second, " | ".join(str(figures[v]["histogram"].get(second, 0)) for v in variants)))
            add("")
    with open(os.path.join(results_dir, "unlock.json")) as handle:
        unlock_times = json.load(handle)
    add("### What the passphrase unlock costs a sync")
    add("")
    add("One machine's unchanged sync (a 304), %d runs each, alternated: key cached in the kernel keyring %.0f ms, "
        "`KEYHOLD_KEY_CACHE_SECONDS=0` (Argon2id, libsodium's INTERACTIVE limits, on every run) %.0f ms (medians)." % (
            len(unlock_times["cached"]), 1000 * statistics.median(unlock_times["cached"]),
            1000 * statistics.median(unlock_times["uncached"])))
    print("\n".join(lines))


def main():
    command, *args = sys.argv[1:]
    if command == "timer":
        print(json.dumps(read_timer(args[0])))
    elif command == "setup":
        directory, count, url, ca, tokens = args
        print("%.1f" % setup(directory, int(count), url, ca, tokens))
    elif command == "round":
        directory, count, out, window, factor, seed, url, ca = args[:8]
        options = dict(zip(args[8::2], args[9::2]))
        throttle = None
        if "--throttle" in options:
            at, seconds, retry_after = options["--throttle"].split(",")
            throttle = (float(at), float(seconds), int(retry_after))
        run_round(directory, int(count), out, float(window), float(factor), int(seed), options.get("--bin"),
                  throttle, url, ca)
    elif command == "unlock":
        unlock(*args)
    elif command == "report":
        report(args[0])
    else:
        sys.exit("fleet.py: unknown command " + command)


if __name__ == "__main__":
    main()
