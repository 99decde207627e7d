"""A CI-sized run of `promethean bench --soak`: 10,000 cross-runtime calls, each carrying a fresh
buffer, must leave the buffer ledger where it started and the resident memory within a bound.

  check_soak.py CLI

The bound is loose on purpose: over so few calls the interpreters' heaps are still growing to
their working size (about 15 MiB in a debug build, more under ASan), which a 10,000-call run
cannot tell from a slow leak; the ledger check is exact, and the full million-call soak
(docs/BENCHMARKS.md, "Soak") is where a slope shows. A leak of 64 MiB in 10,000 calls (over 6 KiB
per call, six times the buffer each call carries) fails here.

Under the asan preset, AddressSanitizer keeps freed memory out of use in a quarantine of up to
256 MiB, so resident memory grows with everything freed, leaked or not. The run there gets a small
quarantine, so that what stays resident is what is still in use (LeakSanitizer checks leaks too).
"""
import json
import os
import subprocess
import sys

BOUND = 64 * 1024 * 1024
PATHS = ["py → js", "js → py", "js → rust", "py → rust", "host → py", "host → js"]


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    cli = sys.argv[1]
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=4:thread_local_quarantine_size_kb=64"
    p = subprocess.run([cli, "bench", "--soak", "--soak-calls", "10000", "--json"], capture_output=True, text=True,
                       timeout=600, env=env)
    if p.returncode != 0:
        print(p.stdout[-4000:])
        print(p.stderr[-4000:])
        raise SystemExit(f"promethean bench --soak exited {p.returncode}")
    soak = json.loads(p.stdout)["soak"]
    failures = []

    def check(condition, what):
        if not condition:
            failures.append(what)

    check(soak["calls"] >= 10000, f"at least 10,000 calls made, got {soak['calls']}")
    check(soak["paths"] == PATHS, f"every path in rotation: {soak['paths']}")
    check(len(soak["samples"]) >= 20, f"resident memory sampled at least 20 times, got {len(soak['samples'])}")
    check(soak["live_blocks_after"] == soak["live_blocks_before"],
          f"ledger back where it started: {soak['live_blocks_before']} -> {soak['live_blocks_after']} blocks")
    check(0 < soak["rss_start_bytes"] <= soak["rss_peak_bytes"], "start and peak resident sizes measured")
    growth = soak["rss_end_bytes"] - soak["rss_start_bytes"]
    check(growth < BOUND, f"resident memory grew {growth / 2**20:.1f} MiB over {soak['calls']} calls (bound 64 MiB)")
    check(not soak["verdict"].startswith("LEAK"), f"verdict: {soak['verdict']}")
    for f in failures:
        print("FAILED:", f)
    if failures:
        raise SystemExit(1)
    print(f"ok: {soak['calls']} calls in {soak['seconds']:.1f} s, resident {soak['rss_start_bytes'] / 2**20:.1f} -> "
          f"{soak['rss_end_bytes'] / 2**20:.1f} MiB (peak {soak['rss_peak_bytes'] / 2**20:.1f}), ledger "
          f"{soak['live_blocks_before']} -> {soak['live_blocks_after']}")


main()
