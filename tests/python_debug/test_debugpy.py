# debugpy (Debian's python3-debugpy) in the embedded Python, driven as VS Code drives it: a Debug
# Adapter Protocol client over TCP attaches, sets a breakpoint, sees the stop at the right file and
# line, reads a local, continues, and the program ends with its output (issue 23 item 2).
# `promethean -m debugpy --listen ... app.py`, and debugpy.listen() in Python that JS calls.
# Usage: test_debugpy.py PROMETHEAN
import os
import socket
import subprocess
import sys
import unittest

from dap_client import DapClient

PROMETHEAN = sys.argv[1]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_of(path, text):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.strip() == text:  # the statement, not a comment naming it
                return number
    raise AssertionError(text + " not in " + path)


class Debugpy(unittest.TestCase):
    def debug(self, command, source, line, local):
        """Runs `command` (listening on its port), stops it at `source`:`line`, checks the frame
        and the local `local` (name, value), continues; returns the program's stdout."""
        env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")  # the frozen-modules note
        program = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        dap = None
        try:
            dap = DapClient(self.port)
            dap.call("initialize", adapterID="debugpy", clientID="promethean-test", linesStartAt1=True,
                     columnsStartAt1=True, pathFormat="path")
            attach = dap.request("attach", justMyCode=True)
            dap.event("initialized")
            set_ = dap.call("setBreakpoints", source={"path": source}, breakpoints=[{"line": line}])
            self.assertTrue(set_["body"]["breakpoints"][0]["verified"], set_)
            dap.call("configurationDone")
            dap.response(attach)
            stopped = dap.event("stopped")
            self.assertEqual(stopped["body"]["reason"], "breakpoint")
            thread = stopped["body"]["threadId"]
            frames = dap.call("stackTrace", threadId=thread)["body"]["stackFrames"]
            self.assertEqual(frames[0]["source"]["path"], source)
            self.assertEqual(frames[0]["line"], line)
            scopes = dap.call("scopes", frameId=frames[0]["id"])["body"]["scopes"]
            variables = dap.call("variables", variablesReference=scopes[0]["variablesReference"])["body"]["variables"]
            self.assertIn(local, [(v["name"], v["value"]) for v in variables])
            dap.call("continue", threadId=thread)
            dap.event("terminated")
            # As VS Code does at the end: the adapter (a python3 that debugpy started, which
            # holds the program's stdout too) ends when its client leaves.
            dap.close()
            dap = None
            out, err = program.communicate(timeout=60)
        except BaseException:
            program.kill()
            if dap is not None:
                print("DAP messages:\n" + "\n".join(str(m)[:300] for m in dap.seen), file=sys.stderr)
                dap.close()  # the adapter ends, and with it its hold on the program's pipes
            out, err = program.communicate(timeout=60)
            print("program stdout:\n" + out + "\nprogram stderr:\n" + err, file=sys.stderr)
            raise
        self.assertEqual(program.returncode, 0, err)
        return out

    def setUp(self):
        self.port = free_port()

    def test_promethean_dash_m_debugpy_stops_at_a_breakpoint(self):
        app = os.path.join(DATA, "debugpy_app.py")
        command = [PROMETHEAN, "-m", "debugpy", "--listen", "127.0.0.1:%d" % self.port, "--wait-for-client", app,
                   "one", "two"]
        out = self.debug(command, app, line_of(app, "total = n * 2"), ("n", "21"))
        # sys.argv as `python3 -m debugpy ... app.py one two` has it.
        self.assertEqual(out, "argv ['one', 'two']\nvalue 42\n")

    def test_a_breakpoint_in_python_that_js_calls(self):
        helper = os.path.join(DATA, "debugpy_helper.py")
        command = [PROMETHEAN, "run", os.path.join(DATA, "debugpy_app.js"), str(self.port)]
        out = self.debug(command, helper, line_of(helper, "result = a * 2"), ("a", "21"))
        self.assertEqual(out, "from python: 42\n")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
