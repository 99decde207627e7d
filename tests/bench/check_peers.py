"""`promethean bench --peers` end to end: first with an empty peers folder (our side measured, every
peer reported as not installed, exit status 0), then with the peers bench/install-peers installs
from npm and PyPI (node-calls-python, pythonia, PythonMonkey): every row measured on both sides, the
ratios and the four targets judged. Also the usage errors of the option.

Usage: check_peers.py PROMETHEAN_BINARY INSTALL_PEERS_SCRIPT WORK_DIR
"""

import json
import os
import shutil
import subprocess
import sys

ROWS = {("node-calls-python", "js → py"), ("pythonia", "js → py"), ("PythonMonkey", "py → js")}


def fail(why):
    print("check_peers: FAILED: " + why, file=sys.stderr)
    sys.exit(1)


def check(condition, what):
    if not condition:
        fail(what)
    print("check_peers: ok: " + what)


def peers_run(binary, folder):
    env = dict(os.environ, PROMETHEAN_PEERS=folder)
    done = subprocess.run([binary, "bench", "--peers", "--quick", "--json"], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        fail("promethean bench --peers exited with %d:\n%s" % (done.returncode, done.stderr))
    return json.loads(done.stdout)


def check_shape(report, installed):
    rows = report["peers"]
    check({(r["peer"], r["direction"]) for r in rows} == ROWS, "one row pair per peer: %s" % sorted(ROWS))
    check(len(rows) == 6 and {r["call"] for r in rows} == {"add", "array_1m"}, "the add and the 1 MiB array rows")
    for r in rows:
        check(r["ours_ns"] > 0, "%s %s %s: our side measured (%.0f ns)" % (r["direction"], r["peer"], r["call"], r["ours_ns"]))
        check(r["installed"] is installed, "%s reported as %s" % (r["peer"], "installed" if installed else "not installed"))
        if installed:
            check(r["theirs_ns"] > 0 and abs(r["ratio"] - r["theirs_ns"] / r["ours_ns"]) < 1e-9,
                  "%s %s: theirs measured (%.0f ns), the ratio theirs / ours" % (r["peer"], r["call"], r["theirs_ns"]))
        else:
            check(r["theirs_ns"] is None and r["ratio"] is None, "%s %s: no figure of theirs" % (r["peer"], r["call"]))
    targets = report["targets"]
    check(len(targets) == 4, "four targets (add and the array, against node-calls-python and PythonMonkey)")
    wanted = {"met", "missed"} if installed else {"not measured"}
    check({t["status"] for t in targets} <= wanted, "the targets are %s: %s" % (wanted, [t["status"] for t in targets]))


def main():
    binary, install_peers, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    bad = subprocess.run([binary, "bench", "--peers", "--soak"], capture_output=True, text=True, timeout=60)
    check(bad.returncode == 2 and "--peers runs alone" in bad.stderr, "--peers with --soak is a usage error")

    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    check_shape(peers_run(binary, empty), installed=False)

    folder = os.path.join(work, "peers")
    installed = subprocess.run([install_peers, folder], capture_output=True, text=True, timeout=900)
    if installed.returncode != 0:
        fail("bench/install-peers failed:\n" + installed.stdout + installed.stderr)
    check(os.path.isfile(os.path.join(folder, "venv", ".pythonmonkey-installed")), "install-peers made the PythonMonkey venv")
    again = subprocess.run([install_peers, folder], capture_output=True, text=True, timeout=120)
    check(again.returncode == 0 and "npm:" not in again.stdout and "pip:" not in again.stdout,
          "a second install-peers installs nothing again")
    report = peers_run(binary, folder)
    check_shape(report, installed=True)


if __name__ == "__main__":
    main()
