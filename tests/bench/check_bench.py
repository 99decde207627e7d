"""Black-box checks of `promethean bench`.

  check_bench.py run CLI WORKDIR        `promethean bench --smoke --json --plot` must succeed, and
                                        its JSON and SVG must hold every measurement, well-formed
  check_bench.py bad-input CLI WORKDIR  unknown flags and unwritable --plot paths must be clear
                                        errors with exit status 2, never a crash
"""
import json
import math
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

PATHS = [("host", "py"), ("host", "js"), ("host", "rust"), ("py", "js"), ("py", "rust"), ("js", "py"), ("js", "rust")]
CALLS = [("host", "py"), ("host", "js"), ("host", "rust"), ("py", "js"), ("js", "py"), ("py", "rust"), ("js", "rust")]
METHODS = ["zero_copy", "copy", "json"]
SMOKE_SIZES = [1024, 65536]
STARTUP = ["host", "sh", "py", "js", "rust", "all", "python3", "node"]
SVG = "{http://www.w3.org/2000/svg}"

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def check_run(cli, workdir):
    fresh_dir(workdir)
    svg_path = os.path.join(workdir, "handoff.svg")
    # ~25 s in a dev build; ~125 s under ASan alone, and more beside other tests (ctest -j2): the
    # bound catches a hang, not a slow sanitizer (tests/bench/CMakeLists.txt sets it per build).
    bound = int(os.environ.get("PROMETHEAN_SMOKE_BOUND", "420"))
    p = subprocess.run([cli, "bench", "--smoke", "--json", "--plot", svg_path], capture_output=True, text=True,
                       timeout=bound)
    if p.returncode != 0:
        print(p.stdout[-4000:])
        print(p.stderr[-4000:])
        raise SystemExit(f"promethean bench --smoke exited {p.returncode}")
    report = json.loads(p.stdout)
    check(report["depth"] == "smoke", "depth is smoke")
    for key in ("date", "cpu", "kernel", "compiler", "build", "python", "node"):
        check(isinstance(report["machine"].get(key), str) and report["machine"][key], f"machine.{key} present")

    by_name = {b["name"]: b for b in report["benchmarks"]}
    for b in report["benchmarks"]:
        check("error" not in b, f"{b['name']} ran without error")
        check(positive(b["ns"]), f"{b['name']} has a positive time ({b['ns']})")
        check(len(b["samples_ns"]) >= 1, f"{b['name']} has samples")

    expected = []
    for frm, to in CALLS:
        expected += [f"call/{frm}_to_{to}/json", f"call/{frm}_to_{to}/buffer"]
    expected += [f"call/host_to_{rt}/{v}" for rt in ("py", "js", "rust") for v in ("resolved", "buffer_resolved")]
    expected += ["limit/py/vectorcall_with_gil", "limit/py/vectorcall_gil_held", "limit/js/v8_call_with_lock",
                 "limit/js/v8_call_lock_held", "limit/rust/c_function_pointer"]
    expected += [f"peer/{p}_pipes/{v}" for p in ("python3", "node") for v in ("json", "buffer")]
    # promethean serve beside a plain Node ws echo server (issue 25): 64 KiB at this depth.
    expected += [f"websocket/{s}/{v}" for s in ("serve", "node_ws_echo") for v in ("json", "buffer/65536")]
    # Runtimes in worker processes (issue 25).
    expected += ["process/host_to_py_worker/json", "process/host_to_js_worker/json", "process/pool/1", "process/pool/4"]
    expected += [f"process/host_to_py_worker/buffer/{size}" for size in SMOKE_SIZES]
    # The Rust SDK's serde feature beside its own Json value (issue 22).
    expected += ["call/host_to_rust/serde_struct", "call/host_to_rust/json_value"]
    for size in SMOKE_SIZES:
        for frm, to in PATHS:
            for m in METHODS:
                expected.append(f"handoff/{frm}_to_{to}/{m}/{size}")
        expected += [f"handoff/py_to_{to}/torch/{size}" for to in ("js", "rust")]  # issue 22: DLPack
    for name in expected:
        check(name in by_name, f"{name} is in the report")

    for frm, to in PATHS:
        for size in SMOKE_SIZES:
            z = by_name.get(f"handoff/{frm}_to_{to}/zero_copy/{size}")
            if z is None:
                continue
            check(z["bytes"] == size and z["from"] == frm and z["to"] == to, f"{z['name']} describes itself")
            check(abs(z["gb_per_s"] - size / z["ns"]) <= 1e-9 * max(1.0, z["gb_per_s"]), f"{z['name']} GB/s = bytes/ns")
    # Resident memory is measured for every benchmark (-1 would mean unknown). Its size is not
    # checked here: at 64 KiB a copy is within the interpreters' (and ASan's) own growth; the
    # report's target judges it in the full run, where a copy adds its 64 MiB or 1 GiB.
    for b in report["benchmarks"]:
        check(isinstance(b["peak_rss_added_bytes"], (int, float)) and b["peak_rss_added_bytes"] >= 0,
              f"{b['name']} has its resident memory measured ({b['peak_rss_added_bytes']})")

    starts = {s["what"]: s for s in report["startup"]}
    for what in STARTUP:
        check(what in starts and positive(starts[what]["ms"]), f"startup of {what} measured")

    for key in ("hosted", "node_hosted"):
        rows = {h["what"]: h for h in report[key]}
        check(len(rows) >= 6 and all(positive(h["hosted"]) for h in rows.values()), f"the {key} rows are measured")
    node_rows = {h["what"]: h for h in report["node_hosted"]}
    py_rows = {h["what"]: h for h in report["hosted"]}
    for rows, what in ((py_rows, "py_to_js"), (node_rows, "js_to_py")):
        for row in (what, what + "_top"):  # calls from a user's script, in a function and at its top level
            check(row in rows and positive(rows[row]["embedded"]) and positive(rows[row]["hosted"]),
                  f"{row} from a script is measured in both modes")
    check(positive(node_rows["thread_to_js"]["embedded"]), "a foreign thread's call of JS is measured in both modes")

    statuses = {t["status"] for t in report["targets"]}
    check(statuses <= {"met", "missed", "not measured"}, f"target statuses are known: {statuses}")
    targets = {t["target"]: t for t in report["targets"]}
    check(any("host → py" in t and "vectorcall" in t for t in targets), "the host → py target is judged")
    check(any(t.startswith("all runtimes started") and v["status"] in ("met", "missed") for t, v in targets.items()),
          "the startup target is judged")
    check(any(t.startswith("no resident memory added") and v["status"] in ("met", "missed") for t, v in targets.items()),
          "the resident memory target is judged")
    check(any(t.startswith("pool:") and v["status"] in ("met", "missed") for t, v in targets.items()),
          "the pool's speed-up is judged")
    check(any("serde struct" in t and v["status"] in ("met", "missed") for t, v in targets.items()),
          "the serde struct's ratio is judged")
    for mode in ("promethean run app.py", "python3 app.py", "promethean run app.js", "node app.js"):
        judged = [t for t, v in targets.items() if mode in t and "top level" in t and v["status"] in ("met", "missed")]
        check(len(judged) == 1, f"the top-level call from a script under {mode} is judged ({judged})")

    # The chart: well-formed SVG, one line per path and method, axes and legend labelled.
    root = ET.parse(svg_path).getroot()
    check(root.tag == SVG + "svg", "the chart is an <svg> document")
    lines = [e for e in root.iter(SVG + "polyline") if e.get("class") == "handoff"]
    check(len(lines) == len(PATHS) * len(METHODS), f"one line per path and method ({len(lines)})")
    for line in lines:
        points = line.get("points").split()
        check(len(points) == len(SMOKE_SIZES), f"{line.get('data-path')} {line.get('data-method')} has a point per size")
    text = " ".join("".join(t.itertext()) for t in root.iter(SVG + "text"))
    for label in ("buffer size", "time per handoff", "1 KiB", "64 KiB", "zero-copy", "JSON"):
        check(label in text, f"the chart shows '{label}'")
    for frm, to in PATHS:
        check(f"{frm} → {to}" in text, f"the legend names {frm} → {to}")


def check_bad_input(cli, workdir):
    fresh_dir(workdir)
    cases = [
        (["bench", "--no-such-flag"], "unknown option '--no-such-flag'"),
        (["bench", "--plot"], "--plot needs a file name"),
        (["bench", "--quick", "--plot", os.path.join(workdir, "no", "such", "dir", "x.svg")], "cannot write the chart"),
    ]
    for args, message in cases:
        p = subprocess.run([cli] + args, capture_output=True, text=True, timeout=60)
        check(p.returncode == 2, f"{' '.join(args)}: exit status 2, got {p.returncode}")
        check(message in p.stderr, f"{' '.join(args)}: stderr says {message!r}, got {p.stderr!r}")
        check(p.stdout == "", f"{' '.join(args)}: nothing on stdout")
    # A chart path that is a directory cannot be written either.
    p = subprocess.run([cli, "bench", "--plot", workdir], capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and "cannot write the chart" in p.stderr, f"--plot DIRECTORY is refused: {p.stderr!r}")
    p = subprocess.run([cli, "bench", "--help"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "--plot FILE.svg" in p.stdout, "bench --help describes the options")
    p = subprocess.run([cli, "--help"], capture_output=True, text=True, timeout=60)
    check("bench [--quick] [--json] [--plot FILE.svg]" in p.stdout, "promethean --help lists bench")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("run", "bad-input"):
        raise SystemExit(__doc__)
    mode, cli, workdir = sys.argv[1:]
    (check_run if mode == "run" else check_bad_input)(cli, workdir)
    for f in failures:
        print("FAILED:", f)
    if failures:
        raise SystemExit(1)
    print("ok")


main()
