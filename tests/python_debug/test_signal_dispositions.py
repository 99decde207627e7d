# signal.getsignal in `promethean run` reports what python3 reports (SIGTERM: SIG_DFL, not None),
# so that code which saves a handler and puts it back works; a SIGINT a program sends itself is
# a KeyboardInterrupt right there (issue 23 item 7). Differences, each with its reason in
# docs/PYTHON.md ("Differences from python3"): SIGURG, the host's wake-up signal.
# Usage: test_signal_dispositions.py PROMETHEAN PYTHON3
import json
import os
import signal
import subprocess
import sys
import time
import unittest

PROMETHEAN, PYTHON3 = sys.argv[1], sys.argv[2]
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "signal_dispositions.py")
HOST_OWN = {"SIGURG": "promethean_wake_up"}  # embedded only: docs/PYTHON.md says why


def run(command):
    r = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout.splitlines(), r.stderr


class Dispositions(unittest.TestCase):
    def test_as_python3_reports_them(self):
        status, mine, err = run([PROMETHEAN, "run", SCRIPT])
        self.assertEqual(status, 0, err)
        their_status, theirs, their_err = run([PYTHON3, SCRIPT])
        self.assertEqual(their_status, 0, their_err)
        table, expected = json.loads(mine[0]), json.loads(theirs[0])
        self.assertEqual(table["SIGTERM"], "SIG_DFL")
        self.assertEqual(table["SIGINT"], "default_int_handler")
        for name, handler in HOST_OWN.items():
            self.assertEqual(table.pop(name), handler)
            expected.pop(name)
        self.assertEqual(table, expected)
        self.assertEqual(mine[1:], theirs[1:])
        self.assertEqual(mine[1:], ["SIGTERM handled: True saved: SIG_DFL", "SIGTERM restored: SIG_DFL",
                                    "KeyboardInterrupt 0", "KeyboardInterrupt 1", "SIGINT restored: default_int_handler"])

    def test_python_dash_c_too(self):
        with open(SCRIPT) as f:
            code = f.read()
        status, mine, err = run([PROMETHEAN, "-c", code])
        self.assertEqual(status, 0, err)
        self.assertEqual(json.loads(mine[0])["SIGTERM"], "SIG_DFL")
        self.assertEqual(mine[-1], "SIGINT restored: default_int_handler")

    def test_sigterm_after_a_restore_still_ends_the_host_cleanly(self):
        p = subprocess.Popen([PROMETHEAN, "run", SCRIPT, "wait-for-sigterm"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        for line in p.stdout:
            if line == "ready\n" or time.monotonic() > deadline:
                break
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        # The host's policy: the script interrupted (KeyboardInterrupt), a clean exit with 143.
        self.assertEqual(p.returncode, 143, err)
        self.assertIn("KeyboardInterrupt", err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
