# pdb and breakpoint() in `promethean run`, as in python3 (issue 23 item 2): commands piped on
# stdin, and a session at a terminal (a pseudo-terminal): line editing and history (readline),
# Ctrl-C at the prompt and under `continue`, and a breakpoint in Python code that JS calls. Every
# terminal session is also run in python3, with the same assertions, so that they are python3's.
# Usage: test_pdb.py PROMETHEAN PYTHON3
import os
import subprocess
import sys
import time
import unittest

from pty_session import PtySession

PROMETHEAN, PYTHON3 = sys.argv[1], sys.argv[2]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
APP = os.path.join(DATA, "pdb_app.py")


def piped(command, keys):
    return subprocess.run(command, input=keys, capture_output=True, text=True, timeout=120)


class PipedCommands(unittest.TestCase):
    def test_commands_on_stdin_give_python3s_session(self):
        keys = "p x\nstep\np a, b\nwhere\nc\n"
        mine = piped([PROMETHEAN, "run", APP], keys)
        theirs = piped([PYTHON3, APP], keys)
        self.assertEqual(mine.returncode, 0, mine.stderr)
        self.assertIn("(Pdb) 41\n", mine.stdout)
        self.assertIn("add()\n-> def add(a, b):\n(Pdb) (41, 1)\n", mine.stdout)
        self.assertIn("result 42\n", mine.stdout)
        # The whole transcript as python3's, but for the frames of how each starts a script.
        strip = lambda out: [l for l in out.splitlines() if "runpy" not in l and "<string>" not in l]
        self.assertEqual(strip(mine.stdout), strip(theirs.stdout))

    def test_a_breakpoint_in_python_that_js_calls(self):
        out = piped([PROMETHEAN, "run", os.path.join(DATA, "pdb_app.js")], "p a\nn\nn\np result\nc\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("pdb_helper.py(4)double()\n-> result = a * 2\n(Pdb) 21\n", out.stdout)
        self.assertIn("(Pdb) 42\n", out.stdout)
        self.assertTrue(out.stdout.endswith("from python: 42\n"), out.stdout)


class AtATerminal(unittest.TestCase):
    def session(self, argv, steps, status=0):
        for command in ([PROMETHEAN, "run"] + argv, [PYTHON3] + argv):
            with self.subTest(command[0]):
                s = PtySession(command, cwd=DATA)
                steps(s)
                self.assertEqual(s.wait(), status, s.transcript())

    def test_history_and_ctrl_c_at_the_prompt(self):
        def steps(s):
            s.expect("(Pdb) ")
            s.type("p x * 2\r")
            s.expect("82")
            # Ctrl-C at the prompt, twice: each is a KeyboardInterrupt that pdb reports, no more.
            for _ in range(2):
                s.expect("(Pdb) ")
                # As a user would, a moment after the prompt shows: python3's own readline loop
                # misses a SIGINT that comes between the prompt and its wait for input (the
                # handler runs, the wait goes on), with promethean and without it alike.
                time.sleep(0.3)
                s.type("\x03")
                s.expect("--KeyboardInterrupt--")
            s.expect("(Pdb) ")
            s.type("\x1b[A\r")  # the up arrow brings `p x * 2` back (readline's history)
            s.expect("82")
            s.expect("(Pdb) ")
            s.type("c\r")
            s.expect("result 42")
        self.session([APP], steps)

    def test_ctrl_c_under_continue_stops_in_pdb(self):
        def steps(s):
            s.expect("(Pdb) ")
            s.type("c\r")
            s.expect("looping")
            time.sleep(0.3)  # into the loop's sleeps (see below)
            s.type("\x03")
            s.expect("Program interrupted. (Use 'cont' to resume).")
            s.expect("(Pdb) ")
            s.type("p i >= 0\r")
            s.expect("True")
            s.expect("(Pdb) ")
            s.type("i = 10000\r")
            s.expect("(Pdb) ")
            s.type("c\r")
            s.expect("loop ended early: False")
        self.session([APP, "loop"], steps)

    def test_quit_after_a_ctrl_c_under_continue(self):
        def steps(s):
            s.expect("(Pdb) ")
            s.type("c\r")
            s.expect("looping")
            # Into the loop's sleeps first: a SIGINT while print() still holds stdout makes pdb's
            # handler print into it, a reentrant call that python3 itself raises as an error.
            time.sleep(0.3)
            s.type("\x03")
            s.expect("(Pdb) ")
            s.type("q\r")  # quit: bdb.BdbQuit, as python3 reports it
            s.expect("BdbQuit")
        self.session([APP, "loop"], steps, status=1)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
