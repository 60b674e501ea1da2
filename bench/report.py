#!/usr/bin/env python3
"""Turns bench/run.sh's hyperfine JSON files and RSS figures into the markdown of docs/benchmarks.md."""
import json
import os
import statistics
import sys

results_dir, entries = sys.argv[1], int(sys.argv[2])


def load(name):
    with open(os.path.join(results_dir, name + ".json")) as handle:
        runs = json.load(handle)["results"]
    return {run["command"]: run for run in runs}


def ms(run):
    return run["median"] * 1000


def cell(run):
    return "%.2f (%.2f–%.2f)" % (ms(run), run["min"] * 1000, run["max"] * 1000)


lines = []
add = lines.append
ops = load("operations")
floor = ops["exec floor (static C++)"]
add("## Operations, %d entries in each store (median ms, min–max, one hyperfine run)" % entries)
add("")
add("| operation | keyhold | peer | peer's time | keyhold ÷ peer | keyhold ÷ exec floor |")
add("|---|---|---|---|---|---|")
pairs = [
    ("docker get, existing (key cached)", "keyhold get existing", "secretservice get existing"),
    ("docker get, missing (key cached)", "keyhold get missing", "secretservice get missing"),
    ("docker get, existing, key from the Secret Service", "keyhold get existing, no key cache", "secretservice get existing"),
    ("docker list", "keyhold list", "secretservice list"),
    ("docker store", "keyhold store", "secretservice store"),
    ("docker erase", "keyhold erase", "secretservice erase"),
    ("docker get vs pass", "keyhold get existing", "pass get existing"),
    ("git get, existing (key cached)", "keyhold git get existing", "libsecret git get existing"),
    ("git get, missing (key cached)", "keyhold git get missing", "libsecret git get missing"),
]
for label, mine, theirs in pairs:
    a, b = ops[mine], ops[theirs]
    add("| %s | %s | %s | %s | %.2f | %.2f |" % (label, cell(a), theirs.split()[0], cell(b), ms(a) / ms(b), ms(a) / ms(floor)))
add("| exec floor: static C++ that reads stdin and prints JSON | %s | | | | 1.00 |" % cell(floor))
git_vs_docker = ms(ops["keyhold git get existing"]) / ms(ops["keyhold get existing"])
add("")
add("git get ÷ docker get (keyhold, same store): %.3f" % git_vs_docker)

with open(os.path.join(results_dir, "rss.txt")) as handle:
    rss = {}
    for line in handle:
        name, kib = line.rsplit(" ", 1)
        rss.setdefault(name, []).append(int(kib))
add("")
add("## Peak resident memory of one process (/usr/bin/time -f %M, median of 10)")
add("")
add("| process | peak RSS (MiB) |")
add("|---|---|")
for name, values in rss.items():
    add("| %s | %.2f |" % (name, statistics.median(values) / 1024))

add("")
add("## How costs grow with the store (keyhold, median ms)")
add("")
add("| entries | get (cached key) | list | store | sync of that many (first) | sync (unchanged, 304) |")
add("|---|---|---|---|---|---|")
for size in (10, 1000, 10000, 100000):
    scale = load("scale-%d" % size)
    sync = load("sync-%d" % size)
    row = [str(size)]
    for command in ("get", "list", "store"):
        row.append("%.2f" % ms(scale["keyhold %s, %d entries" % (command, size)]))
    row.append("%.1f" % ms(sync["keyhold sync, %d entries, first" % size]))
    row.append("%.1f" % ms(sync["keyhold sync, %d entries, unchanged" % size]))
    add("| " + " | ".join(row) + " |")
print("\n".join(lines))
