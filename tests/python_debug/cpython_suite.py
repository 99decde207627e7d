# Runs a slice of CPython's own test suite (Debian's libpython3.11-testsuite) twice at once, in
# python3 (standalone) and in `promethean -m test` (embedded), and compares them test by test: the
# same tests must pass. The differences that are known are listed, each with its reason, in
# cpython_suite_differences.txt (docs/PYTHON.md, "Differences from python3"); an entry that no
# longer differs is an error too, so that the list stays true.
# Usage: cpython_suite.py PROMETHEAN PYTHON3 WORKDIR
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

# The slice: signals, tracing and debuggers, threads, exit handlers, the interpreter's own state,
# asyncio's runner (its Ctrl-C handling) and common library modules; about 30 s in python3 on an
# idle machine. Each batch is one regrtest run (its -i / -m filters apply to the whole run). The
# slowest parts of test_signal (stress loops, CPU-time itimers, siginterrupt's subprocess waits)
# are left out, and test_threading's subprocess-heavy classes.
BATCHES = [
    ("main", ["test_signal", "test_json", "test_sys", "test_atexit", "test_pdb", "test_bdb", "test_sys_settrace",
              "test_thread", "test_threading_local", "test_os", "test_traceback", "test_re", "test_string",
              "test_unicode_identifiers", "test_readline", "test_asyncio.test_runners"],
     ["-i", "*StressTest*", "-i", "*SiginterruptTest*", "-i", "*test_itimer_virtual", "-i", "*test_itimer_prof"]),
    ("threading", ["test_threading"],
     ["-m", "ThreadTests", "-m", "ThreadingExceptionTests", "-m", "LockTests", "-m", "EventTests"]),
]

HERE = os.path.dirname(os.path.abspath(__file__))


def run_batches(command, workdir, name):
    """A shell loop would do; a Python one keeps the logs apart. Returns the Popen of a python3
    that runs the batches one after the other."""
    script = "import subprocess, sys\n"
    for batch, tests, filters in BATCHES:
        xml = os.path.join(workdir, "%s-%s.xml" % (name, batch))
        if os.path.exists(xml):
            os.remove(xml)
        args = command + ["-m", "test", "--junit-xml", xml] + filters + tests
        script += "subprocess.call(%r)\n" % (args,)
    log = open(os.path.join(workdir, name + ".log"), "w")
    # Each run in a folder of its own: regrtest makes its temporary directories in the current one.
    cwd = os.path.join(workdir, name)
    os.makedirs(cwd, exist_ok=True)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    xmls = [os.path.join(workdir, "%s-%s.xml" % (name, batch)) for batch, _, _ in BATCHES]
    return subprocess.Popen([sys.executable, "-c", script], stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env), xmls, log.name


def outcomes(xml):
    """test id -> 'ok' | 'skipped' | 'failure' | 'error'."""
    result = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        test_id = case.get("name")  # regrtest writes the full id: module.Class.method
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        result[test_id] = kinds[0] if kinds else "ok"
    return result


def differences_listed():
    listed = {}
    with open(os.path.join(HERE, "cpython_suite_differences.txt")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test_id, _, reason = line.partition(" ")
            if not reason.strip():
                sys.exit("cpython_suite_differences.txt: " + test_id + " has no reason")
            listed[test_id] = reason.strip()
    return listed


def main():
    promethean, python3, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    runs = {"standalone": run_batches([python3], workdir, "standalone"),
            "embedded": run_batches([promethean], workdir, "embedded")}
    results = {}
    for name, (process, xmls, log) in runs.items():
        try:
            process.wait(timeout=400)
        except subprocess.TimeoutExpired:
            process.kill()
            sys.exit(name + " run did not end within 400 s; its log: " + log)
        results[name] = {}
        for xml in xmls:
            if not os.path.exists(xml):
                sys.exit(name + " run wrote no " + os.path.basename(xml) + "; its log: " + log)
            results[name].update(outcomes(xml))
    standalone, embedded = results["standalone"], results["embedded"]
    listed = differences_listed()
    problems = []
    differing = set()
    for test_id in sorted(set(standalone) | set(embedded)):
        a, b = standalone.get(test_id, "not run"), embedded.get(test_id, "not run")
        if a != b:
            differing.add(test_id)
            if test_id not in listed:
                problems.append("%s: %s in python3, %s embedded" % (test_id, a, b))
    for test_id in sorted(set(listed) - differing):
        problems.append("%s is listed in cpython_suite_differences.txt but no longer differs" % test_id)
    passed = sum(1 for v in standalone.values() if v == "ok")
    print("CPython's tests: %d run, %d pass in python3; %d pass embedded; %d known differences" %
          (len(standalone), passed, sum(1 for v in embedded.values() if v == "ok"), len(differing & set(listed))))
    if passed < 500:
        problems.append("only %d tests passed in python3: is libpython3.11-testsuite installed?" % passed)
    if problems:
        print("\n".join(problems))
        print("logs: " + ", ".join(log for _, _, log in runs.values()))
        sys.exit(1)


if __name__ == "__main__":
    main()
