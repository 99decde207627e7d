#!/usr/bin/env python3
"""`promethean run --inspect` / `--inspect-brk` driven as Chrome DevTools and VS Code drive node.

A Chrome DevTools Protocol client over the inspector's WebSocket (Debian's python3-websocket):
the URL is read from the "Debugger listening on ws://…" line on stderr, a breakpoint is set by URL
and line before the script runs, the debugger runs to it, reads a local variable on the paused
frame (steps over a line) and resumes; the program then ends with its output and exit status 0.
Once with a JS main script (which also pauses on its first statement, as node's --inspect-brk
does), once with a Python main script whose call into JS stops in the JS function, and an ES
module's first line. Also: --inspect waits for no one, the default address, and bad addresses are
usage errors. The Python-hosted mode (`python3 app.py` importing promethean, the package on
PYTHONPATH) takes the same flag from NODE_OPTIONS, as node does. Every wait is bounded.

Usage: test_js_inspector.py cli PATH/TO/promethean
       test_js_inspector.py hosted          (this python3, promethean on PYTHONPATH)
"""
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import websocket  # Debian's python3-websocket (websocket-client), from scripts/install-deps

MODE = sys.argv[1] if len(sys.argv) > 1 else ""
CLI = sys.argv[2] if MODE == "cli" and len(sys.argv) > 2 else None
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data", "js_inspector")
STEP = 60  # seconds one step may take on a loaded machine; a hang fails here instead of at ctest's limit


def fail(message):
    raise AssertionError(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_of(name, marker):
    """The 0-based line of DATA/name that holds `marker`, as the protocol counts lines."""
    with open(os.path.join(DATA, name)) as f:
        for number, line in enumerate(f):
            if marker in line:
                return number
    fail(f"no line with {marker!r} in {name}")


class Program:
    """A `promethean` process whose stderr is read line by line as it comes."""

    def __init__(self, *args, command=None, env=None):
        self.args = command or [CLI, *args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True, env=env)
        self.stderr_lines = queue.Queue()
        self.stderr_seen = []
        self.stdout_text = []
        threading.Thread(target=self._read_stderr, daemon=True).start()
        threading.Thread(target=lambda: self.stdout_text.append(self.proc.stdout.read()), daemon=True).start()

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.put(line.rstrip("\n"))
        self.stderr_lines.put(None)

    def expect_stderr(self, pattern, timeout=STEP):
        """The match of the first stderr line (from here on) that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"{self.args}: no stderr line matching {pattern!r} in {timeout} s; stderr: {self.stderr_seen}")
            try:
                line = self.stderr_lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                fail(f"{self.args}: stderr ended without a line matching {pattern!r}; stderr: {self.stderr_seen}")
            self.stderr_seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def finish(self, timeout=STEP):
        """Exit status, stdout and the whole stderr once the process ends (killed if it does not)."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail(f"{self.args} did not end within {timeout} s; stderr: {self.stderr_seen}")
        deadline = time.monotonic() + STEP
        while time.monotonic() < deadline:
            try:
                line = self.stderr_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.stderr_seen.append(line)
        while not self.stdout_text and time.monotonic() < deadline:
            time.sleep(0.01)
        return status, "".join(self.stdout_text), self.stderr_seen

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STEP)


class DevTools:
    """A Chrome DevTools Protocol session: commands with their replies, events kept until asked for."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=STEP)
        self.next_id = 0
        self.events = []
        self.scripts = {}  # scriptId -> url, from Debugger.scriptParsed

    def _receive(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.ws.settimeout(left)
        try:
            message = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            raise TimeoutError from None
        if message.get("method") == "Debugger.scriptParsed":
            self.scripts[message["params"]["scriptId"]] = message["params"]["url"]
        return message

    def command(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + STEP
        while True:
            try:
                message = self._receive(deadline)
            except TimeoutError:
                fail(f"no reply to {method} in {STEP} s")
            if message.get("id") == ident:
                if "error" in message:
                    fail(f"{method} failed: {message['error']}")
                return message["result"]
            if "method" in message:
                self.events.append(message)

    def event(self, method, accept=lambda params: True):
        """The params of the first event `method` (kept or still to come) that `accept`s them."""
        for i, message in enumerate(self.events):
            if message["method"] == method and accept(message["params"]):
                del self.events[i]
                return message["params"]
        deadline = time.monotonic() + STEP
        while True:
            try:
                message = self._receive(deadline)
            except TimeoutError:
                fail(f"no {method} event in {STEP} s (other events: {[m['method'] for m in self.events]})")
            if message.get("method") == method and accept(message["params"]):
                return message["params"]
            if "method" in message:
                self.events.append(message)

    def url_of(self, frame):
        return self.scripts.get(frame["location"]["scriptId"], "")

    def close(self):
        self.ws.close()


def attach(program, port):
    """The session on the inspector `program` announced on stderr, as node announces it."""
    url = program.expect_stderr(rf"^Debugger listening on (ws://127\.0\.0\.1:{port}/[0-9a-f-]+)$").group(1)
    program.expect_stderr(r"^For help, see: https://nodejs\.org/en/docs/inspector$")
    # How Chrome DevTools (chrome://inspect) and VS Code find it: the HTTP listing on the same port.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=STEP) as reply:
        listing = json.load(reply)
    if [target.get("webSocketDebuggerUrl") for target in listing] != [url]:
        fail(f"/json/list does not list {url}: {listing}")
    return DevTools(url)


def detach(program, devtools, expected_stdout):
    """After the last resume: node waits for the debugger to go, then the program ends normally."""
    program.expect_stderr(r"^Waiting for the debugger to disconnect\.\.\.$")
    devtools.close()
    status, stdout, stderr = program.finish()
    if status != 0 or stdout != expected_stdout:
        fail(f"{program.args}: status {status}, stdout {stdout!r} (expected 0, {expected_stdout!r}); stderr: {stderr}")


def paused_at(devtools, params, url_suffix, line):
    frame = params["callFrames"][0]
    where = (devtools.url_of(frame), frame["location"]["lineNumber"])
    if not where[0].endswith(url_suffix) or where[1] != line:
        fail(f"paused at {where}, expected {url_suffix} line {line}")
    return frame


def evaluate(devtools, frame, expression):
    result = devtools.command("Debugger.evaluateOnCallFrame", callFrameId=frame["callFrameId"],
                              expression=expression)
    if "exceptionDetails" in result:
        fail(f"evaluating {expression!r} on the paused frame threw: {result['exceptionDetails']}")
    return result["result"].get("value")


def test_breakpoint_in_js_script():
    port = free_port()
    program = Program("run", f"--inspect-brk=127.0.0.1:{port}", os.path.join(DATA, "app.js"))
    try:
        devtools = attach(program, port)
        devtools.command("Runtime.enable")
        devtools.command("Debugger.enable")
        line = line_of("app.js", "breakpoint: sumOfSquares")
        breakpoint = devtools.command("Debugger.setBreakpointByUrl", lineNumber=line, urlRegex=r"[\\/]app\.js$")
        devtools.command("Runtime.runIfWaitingForDebugger")
        # --inspect-brk: the first stop is the script's first statement, not Promethean's bootstrap.
        paused_at(devtools, devtools.event("Debugger.paused"), "/app.js", line_of("app.js", "first statement"))
        devtools.command("Debugger.resume")
        params = devtools.event("Debugger.paused")
        if breakpoint["breakpointId"] not in params.get("hitBreakpoints", []):
            fail(f"paused without hitting the breakpoint: {params.get('reason')}, {params.get('hitBreakpoints')}")
        frame = paused_at(devtools, params, "/app.js", line)
        if frame["functionName"] != "sumOfSquares":
            fail(f"paused in {frame['functionName']!r}, expected sumOfSquares")
        total = evaluate(devtools, frame, "total")
        if total != 30:
            fail(f"the local `total` read {total!r} on the paused frame, expected 30")
        devtools.command("Debugger.stepOver")
        frame = paused_at(devtools, devtools.event("Debugger.paused"), "/app.js", line + 1)
        if evaluate(devtools, frame, "doubled") != 60:
            fail("after a step over, the local `doubled` is not 60")
        devtools.command("Debugger.resume")
        detach(program, devtools, "sum of squares: 30\n")
    finally:
        program.kill()


def test_breakpoint_in_js_called_from_python(hosted=False):
    port = free_port()
    flag = f"--inspect-brk=127.0.0.1:{port}"
    script = os.path.join(DATA, "app.py")
    if hosted:
        program = Program(command=[sys.executable, script], env=dict(os.environ, NODE_OPTIONS=flag))
    else:
        program = Program("run", flag, script)
    try:
        devtools = attach(program, port)  # JS starts (and waits) at Python's first call into it
        devtools.command("Runtime.enable")
        devtools.command("Debugger.enable")
        line = line_of("lib.js", "breakpoint: scale")
        devtools.command("Debugger.setBreakpointByUrl", lineNumber=line, urlRegex=r"[\\/]lib\.js$")
        devtools.command("Runtime.runIfWaitingForDebugger")
        parsed = devtools.event("Debugger.scriptParsed", lambda p: p["url"].endswith("/lib.js"))
        params = devtools.event("Debugger.paused")
        frame = paused_at(devtools, params, "/lib.js", line)
        if frame["location"]["scriptId"] != parsed["scriptId"] or frame["functionName"] != "scale":
            fail(f"paused in {frame['functionName']!r} of script {frame['location']['scriptId']}, "
                 f"expected scale of {parsed['scriptId']} ({parsed['url']})")
        if evaluate(devtools, frame, "x * factor") != 40 or evaluate(devtools, frame, "factor") != 10:
            fail("the paused frame's locals are not Python's argument 4 and factor 10")
        devtools.command("Debugger.resume")
        detach(program, devtools, "python before js\nscaled: 40\n")
    finally:
        program.kill()


def test_es_module_pauses_on_its_first_line():
    port = free_port()
    program = Program("run", f"--inspect-brk=127.0.0.1:{port}", os.path.join(DATA, "module.mjs"))
    try:
        devtools = attach(program, port)
        devtools.command("Runtime.enable")
        devtools.command("Debugger.enable")
        devtools.command("Runtime.runIfWaitingForDebugger")
        paused_at(devtools, devtools.event("Debugger.paused"), "/module.mjs", 0)
        devtools.command("Debugger.resume")
        detach(program, devtools, "an ES module, debugged\n")
    finally:
        program.kill()


def test_inspect_waits_for_no_debugger():
    # Port 0: any free port, which the printed URL names.
    program = Program("run", "--inspect=127.0.0.1:0", os.path.join(DATA, "quick.js"))
    try:
        program.expect_stderr(r"^Debugger listening on ws://127\.0\.0\.1:[1-9][0-9]*/[0-9a-f-]+$")
        status, stdout, stderr = program.finish()
        if status != 0 or stdout != "ran without a debugger\n":
            fail(f"--inspect with no debugger: status {status}, stdout {stdout!r}; stderr: {stderr}")
    finally:
        program.kill()


def test_default_address():
    # `--inspect` alone is node's 127.0.0.1:9229; another program may hold that port, and then the
    # embedded Node says so (as node does) and the script runs all the same.
    program = Program("run", "--inspect", os.path.join(DATA, "quick.js"))
    try:
        program.expect_stderr(r"^(Debugger listening on ws://127\.0\.0\.1:9229/|"
                              r"Starting inspector on 127\.0\.0\.1:9229 failed)")
        status, stdout, stderr = program.finish()
        if status != 0 or stdout != "ran without a debugger\n":
            fail(f"--inspect: status {status}, stdout {stdout!r}; stderr: {stderr}")
    finally:
        program.kill()


def test_bad_addresses():
    for flag, complaint in [("--inspect=80", "--inspect=80: the port must be 0"),
                            ("--inspect-brk=127.0.0.1:70000", "--inspect-brk=127.0.0.1:70000: the port must be 0"),
                            ("--inspect=localhost:http", "--inspect=localhost:http: the port must be 0")]:
        result = subprocess.run([CLI, "run", flag, os.path.join(DATA, "quick.js")], capture_output=True, text=True,
                                timeout=STEP)
        if result.returncode != 2 or complaint not in result.stderr or result.stdout:
            fail(f"{flag}: status {result.returncode}, stderr {result.stderr!r}, stdout {result.stdout!r}")


def main():
    if MODE == "cli" and CLI:
        tests = [test_bad_addresses, test_inspect_waits_for_no_debugger, test_default_address,
                 test_breakpoint_in_js_script, test_breakpoint_in_js_called_from_python,
                 test_es_module_pauses_on_its_first_line]
    elif MODE == "hosted":
        tests = [lambda: test_breakpoint_in_js_called_from_python(hosted=True)]
        tests[0].__name__ = "test_breakpoint_in_js_called_from_hosted_python"
    else:
        sys.exit(__doc__)
    for test in tests:
        started = time.monotonic()
        test()
        print(f"ok {test.__name__} ({time.monotonic() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
