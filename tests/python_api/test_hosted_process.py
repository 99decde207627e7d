"""A plain python3 that imported promethean (the hosted mode), as a process: how it ends (each
case of data/exit_case.py in a process of its own, its exit status and output checked), its
signals (data/signal_case.py), fork and multiprocessing (data/fork_case.py). Run by
tests/python_api/CMakeLists.txt with PYTHONPATH at the package (the build tree's, or none when
PYTHON is a venv's python that has it installed).

    test_hosted_exit.py PYTHON
"""

import os
import signal
import subprocess
import sys
import time
import unittest

PYTHON = sys.argv.pop(1) if len(sys.argv) > 1 else sys.executable
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CASE = os.path.join(DATA, "exit_case.py")


def end(case):
    started = time.monotonic()
    done = subprocess.run([PYTHON, CASE, case], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PROMETHEAN_LEAK_CHECK="1"))
    return done, time.monotonic() - started


class HostedExit(unittest.TestCase):
    def test_normal_end_with_timers_pending_and_buffers_held(self):
        done, seconds = end("normal")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "normal end\n")
        self.assertNotIn("leak", done.stderr)
        self.assertLess(seconds, 20)  # the pending 60 s timer is dropped, not waited for

    def test_sys_exit_keeps_its_status(self):
        done, _ = end("sys_exit")
        self.assertEqual(done.returncode, 7, done.stderr)
        self.assertNotIn("leak", done.stderr)

    def test_uncaught_exception_is_pythons(self):
        done, _ = end("uncaught")
        self.assertEqual(done.returncode, 1)
        self.assertIn("RuntimeError: uncaught on purpose", done.stderr)
        self.assertNotIn("leak", done.stderr)

    def test_a_call_after_the_host_ended_is_a_clear_error(self):
        done, _ = end("atexit_before_import")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("late call: promethean has shut down", done.stdout)

    def test_the_ledger_is_checked_after_python_finalised(self):
        done, _ = end("leak")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("leak check failed: 1 memory block(s), 1000 bytes still live", done.stderr)


class HostedSignals(unittest.TestCase):
    def test_node_takes_no_signal_handler_from_python(self):
        done = subprocess.run([PYTHON, os.path.join(DATA, "signal_case.py"), "handlers"], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "c same\npy same\n")

    def test_ctrl_c_is_keyboard_interrupt_as_in_python(self):
        child = subprocess.Popen([PYTHON, os.path.join(DATA, "signal_case.py"), "sleep"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        self.assertEqual(child.stdout.readline(), "ready\n")
        started = time.monotonic()
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(child.returncode, -signal.SIGINT, err)  # python3 dies of SIGINT, as without promethean
        self.assertIn("KeyboardInterrupt", err)

    def interrupted(self, case):
        child = subprocess.Popen([PYTHON, os.path.join(DATA, "signal_case.py"), case], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        self.assertEqual(child.stdout.readline(), "ready\n")
        time.sleep(0.3)  # into the JS call
        started = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(child.returncode, 0, err)
        return out

    def test_ctrl_c_stops_a_js_loop_the_main_thread_waits_for(self):
        out = self.interrupted("js_loop")
        self.assertRegex(out, r"^KeyboardInterrupt after \d+\.\d s\nnext call: 42\n$")

    def test_ctrl_c_stops_waiting_for_a_promise(self):
        out = self.interrupted("js_promise")
        self.assertRegex(out, r"^KeyboardInterrupt after \d+\.\d s\nnext call: 42\n$")

    def test_ctrl_c_runs_the_programs_own_handler(self):
        out = self.interrupted("js_loop_own_handler")
        self.assertRegex(out, r"^Stop after \d+\.\d s\nnext call: 42\n$")


class HostedChildren(unittest.TestCase):
    def run_case(self, case):
        done = subprocess.run([PYTHON, os.path.join(DATA, "fork_case.py"), case], capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def test_a_forked_child_has_py_and_a_clear_error_for_js(self):
        out = self.run_case("fork")
        self.assertIn("child: ", out)
        self.assertNotIn("child: JS answered", out)
        self.assertRegex(out, r"child: \w+ \| .*fork")
        self.assertIn("child py: 42\n", out)
        self.assertIn("parent: 0 42\n", out)

    def test_spawned_multiprocessing_children_have_hosts_of_their_own(self):
        self.assertEqual(self.run_case("spawn"), "squares: [4, 9, 16] in True\n")


if __name__ == "__main__":
    unittest.main()
