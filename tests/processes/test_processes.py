# Runtimes in processes of their own (issue 25; docs/PROCESSES.md), run by `promethean run`:
# instances (py@1, js@web, rust@iso) used as in-process runtimes are, buffers shared across the
# processes (a write on one side seen on the other), released exactly once, calls both ways, and
# crashes (a C plugin's null write, Python's SIGSEGV, os._exit, a kill from outside) that fail the
# call in flight with RuntimeCrashed while the host goes on.
# Usage: promethean run test_processes.py PROMETHEAN PLUGIN.so SIB_FILE
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import numpy as np
import promethean

PROMETHEAN, PLUGIN, SIB = sys.argv[1], sys.argv[2], sys.argv[3]
del sys.argv[1:]


def wait_until(condition, what, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("still not true after %s s: %s" % (seconds, what))
        time.sleep(0.02)


def entry(name):
    return promethean.runtimes()[name]


CHILD_CODE = """
import os, signal, time, gc
import promethean

def pid():
    return os.getpid()

def double(a):
    a *= 2
    return int(a.sum())

def make(n):
    b = promethean.alloc([n], "int32")
    b[:] = range(n)
    return b

def read(a):
    return a.tolist()

def boom():
    return {}["missing"]

def sleep(t):
    time.sleep(t)
    return t

def segv():
    os.kill(os.getpid(), signal.SIGSEGV)

def leave(status):
    os._exit(status)

def via_js(x):
    return promethean.call("js", "triple", x)

def via_host_py(x):
    return promethean.call("py@host", "host_side", x)

def apply(f, x):
    return f(x) + 1

def give():
    return lambda v: ("made in", os.getpid(), v)

def to_js(a):
    return promethean.call("js@web", "poke", a)

def collect():
    gc.collect()
    return True
"""


def host_side(x):
    return ["host", os.getpid(), x]


promethean.export(host_side)
promethean.eval("js", "globalThis.triple = (x) => 3 * x")


class Instances(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        promethean.eval("py@1", CHILD_CODE)

    def test_an_instance_runs_in_a_process_of_its_own(self):
        child = promethean.call("py@1", "pid")
        self.assertNotEqual(child, os.getpid())
        e = entry("py@1")
        self.assertEqual(e["pid"], child)
        self.assertEqual(e["name"], "py@1")
        self.assertEqual(e["instance_of"], "py")
        self.assertEqual(e["process"], "worker")
        self.assertEqual(e["version"], entry("py")["version"])

    def test_errors_say_where_they_come_from(self):
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("py@1", "boom")
        e = caught.exception
        self.assertEqual(e.runtime, "py@1")
        self.assertEqual(e.type, "KeyError")
        self.assertIn("in boom", e.trace)  # the worker's own Python frames

    def test_a_write_in_the_worker_is_seen_here(self):
        a = promethean.alloc([4], "float32")
        a[:] = [1, 2, 3, 4]
        self.assertEqual(promethean.call("py@1", "double", a), 20)
        self.assertEqual(a.tolist(), [2, 4, 6, 8])

    def test_a_write_here_is_seen_in_the_worker(self):
        b = promethean.call("py@1", "make", 5)
        self.assertEqual(b.tolist(), [0, 1, 2, 3, 4])
        b[0] = 99
        self.assertEqual(promethean.call("py@1", "read", b), [99, 1, 2, 3, 4])  # the worker's own buffer, back home

    def test_types_and_views_registered_in_a_worker_reach_the_host(self):
        # A type and a view registered inside py@1: the host routes the view to py@1, on the host's
        # own memory (shared, not copied), and JS finds it too. The worker keeps the view's function.
        promethean.eval("py@1", """
import os, promethean
promethean.register_buffer_type("WorkerPair", ["n", "two"], "int32", {"two": 2})
def _sums(b):
    b[0, 0] = -1  # a write the host sees: the same memory
    return [int(b.sum()), os.getpid()]
promethean.register_view("WorkerPair", "sums", _sums)
""")
        p = promethean.alloc([3, 2], type="WorkerPair")  # the host knows the type from the worker
        p[:] = [[1, 2], [3, 4], [5, 6]]
        total, pid = promethean.view(p, "sums")
        self.assertEqual((total, pid), (19, promethean.call("py@1", "pid")))
        self.assertEqual(p[0, 0], -1)
        promethean.eval("js", "globalThis.sumsOf = (b) => promethean.view(b, 'sums')")
        self.assertEqual(promethean.call("js", "sumsOf", p)[0], 19)
        # A type the host registered applies in the worker: a view of it registered there.
        promethean.register_buffer_type("HostTriple", ["n", "three"], "float64", {"three": 3})
        promethean.eval("py@1", "promethean.register_view('HostTriple', 'first', lambda b: float(b[0, 0]))")
        t = promethean.alloc([1, 3], type="HostTriple")
        t[0, 0] = 2.5
        self.assertEqual(promethean.view(t, "first"), 2.5)
        # A type the host has under another layout is refused in the worker, by the host.
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.eval("py@1", "promethean.register_buffer_type('HostTriple', ['n'], 'uint8')")
        self.assertIn("already registered", str(caught.exception))

    def test_a_buffer_crosses_three_processes(self):
        promethean.eval("js@web", "globalThis.poke = (a) => { a[1] = 7; return a.length; }")
        a = promethean.alloc([3], "uint8")
        self.assertEqual(promethean.call("py@1", "to_js", a), 3)
        self.assertEqual(a.tolist(), [0, 7, 0])

    def test_lent_buffers_are_released_once_the_worker_lets_go(self):
        baseline = entry("py@1")["ledger"]["live_blocks"]
        for n in range(20):
            a = promethean.alloc([1000 + n], "uint8")
            promethean.call("py@1", "double", a)
        del a
        promethean.call("py@1", "collect")
        wait_until(lambda: entry("py@1")["lent"]["buffers"] == 0, "the host holds nothing for py@1")
        wait_until(lambda: entry("py@1")["ledger"]["live_blocks"] <= baseline, "py@1's ledger back where it was")

    def test_memory_no_process_can_map_crosses_as_a_copy(self):
        n = np.arange(4, dtype=np.float64)  # numpy's own memory: not shared
        copies = entry("py@1")["lent"]["copies"]
        self.assertEqual(promethean.call("py@1", "double", n), 12)
        self.assertEqual(n.tolist(), [0, 1, 2, 3])  # documented: the worker wrote to its copy
        self.assertEqual(entry("py@1")["lent"]["copies"], copies + 1)

    def test_calls_go_both_ways_and_nest(self):
        self.assertEqual(promethean.call("py@1", "via_js", 5), 15)
        self.assertEqual(promethean.call("py@1", "via_host_py", 9), ["host", os.getpid(), 9])
        self.assertEqual(promethean.call("py@1", "apply", lambda v: v * 10, 4), 41)
        made = promethean.call("py@1", "give")
        self.assertEqual(made(3), ["made in", promethean.call("py@1", "pid"), 3])

    def test_messages_and_handlers(self):
        promethean.eval("py@1", "import promethean\n@promethean.on_message\ndef got(m):\n    return {'echo': m, 'pid': pid()}\n")
        reply = promethean.send_json("py@1", {"hello": [1, 2]})
        self.assertEqual(reply, {"echo": {"hello": [1, 2]}, "pid": promethean.call("py@1", "pid")})

    def test_exported_functions_are_called_by_name(self):
        promethean.eval("py@1", "import promethean\n@promethean.export('triple_it')\ndef _t(x):\n    return 3 * x\n")
        self.assertEqual(promethean.call("py@1", "triple_it", 5), 15)
        self.assertEqual(promethean.eval("js", "promethean.call('py@1', 'triple_it', 7)"), 21)

    def test_timeouts_hold_and_the_worker_goes_on(self):
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("py@1", "sleep", 30, timeout=0.5)
        self.assertEqual(caught.exception.type, "Timeout")
        self.assertEqual(promethean.call("py@1", "sleep", 0), 0)

    def test_async_calls(self):
        import asyncio

        promethean.eval("js@web", "globalThis.later = async (x) => { await new Promise(r => setTimeout(r, 10)); return 2 * x; }")

        async def main():
            return await asyncio.gather(promethean.call_async("js@web", "later", 1),
                                        promethean.call_async("js@web", "later", 2))

        self.assertEqual(asyncio.run(main()), [2, 4])

    def test_bad_names_are_usage_errors(self):
        for name, words in [("ruby@1", "unknown runtime 'ruby'"), ("py@a/b", "bad runtime instance name"),
                            ("meta@1", "meta runtime cannot run in another process")]:
            with self.assertRaises(promethean.ForeignError) as caught:
                promethean.eval(name, "1")
            self.assertIn(words, str(caught.exception))


class Pools(unittest.TestCase):
    def test_map_spreads_calls_over_processes_sharing_one_array(self):
        workers = promethean.pool("py", 3, name="spread")
        self.assertEqual(workers.names, ["py@spread.0", "py@spread.1", "py@spread.2"])
        workers.eval("import os\ndef part(a, k):\n    a *= k\n    return [os.getpid(), int(a.sum())]\n")
        data = promethean.alloc([12], "int64")
        data[:] = 1
        chunks = [(data[i * 3:(i + 1) * 3], i + 2) for i in range(4)]
        results = workers.map("part", chunks)
        self.assertEqual([r[1] for r in results], [6, 9, 12, 15])
        self.assertEqual(data.tolist(), [2] * 3 + [3] * 3 + [4] * 3 + [5] * 3)  # written in place, in 4 calls
        pids = {entry(n)["pid"] for n in workers.names}
        self.assertEqual(len(pids), 3)
        self.assertTrue({r[0] for r in results} <= pids)
        self.assertNotIn(os.getpid(), pids)

    def test_the_same_pool_again_is_the_same_processes(self):
        a = promethean.pool("py", 2, name="again")
        a.eval("import os")
        first = [entry(n)["pid"] for n in a.names]
        self.assertEqual([entry(n)["pid"] for n in promethean.pool("py", 2, name="again").names], first)

    def test_errors_in_a_pool(self):
        workers = promethean.pool("py", 2, name="errors")
        workers.eval("def inverse(x):\n    return 1 / x\n")
        with self.assertRaises(promethean.ForeignError) as caught:
            workers.map("inverse", [1, 2, 0, 4])
        self.assertEqual(caught.exception.type, "ZeroDivisionError")
        self.assertEqual(workers.call("inverse", 4), 0.25)
        for bad, error in [(("py", 0), ValueError), (("py@1", 2), TypeError), (("py", "2"), ValueError)]:
            with self.assertRaises(error):
                promethean.pool(*bad)

    def test_map_async(self):
        import asyncio

        workers = promethean.pool("py", 2, name="aio")
        workers.eval("def square(x):\n    return x * x\n")
        self.assertEqual(asyncio.run(workers.map_async("square", range(5))), [0, 1, 4, 9, 16])


class Crashes(unittest.TestCase):
    def assert_crashed(self, caught, name, words):
        e = caught.exception
        self.assertEqual(e.type, "RuntimeCrashed")
        self.assertEqual(e.runtime, name)
        self.assertIn(words, e.message)

    def test_python_that_sends_itself_sigsegv(self):
        promethean.eval("py@crash", CHILD_CODE)
        before = promethean.call("py@crash", "pid")
        a = promethean.alloc([8], "uint8")
        promethean.call("py@crash", "double", a)
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("py@crash", "segv")
        self.assert_crashed(caught, "py@crash", "killed by signal 11 (SIGSEGV)")
        # The next call starts a fresh worker (its state is new: the code is loaded again).
        promethean.eval("py@crash", CHILD_CODE)
        self.assertNotEqual(promethean.call("py@crash", "pid"), before)
        self.assertEqual(entry("py@crash")["restarts"], 1)
        self.assertEqual(entry("py@crash")["lent"]["buffers"], 0)

    def test_os_exit(self):
        promethean.eval("py@exit", CHILD_CODE)
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("py@exit", "leave", 7)
        self.assert_crashed(caught, "py@exit", "exited with status 7")

    def test_killed_from_outside_mid_call(self):
        promethean.eval("py@victim", CHILD_CODE)
        victim = promethean.call("py@victim", "pid")
        threading.Timer(0.3, lambda: os.kill(victim, signal.SIGKILL)).start()
        started = time.monotonic()
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("py@victim", "sleep", 60)
        self.assert_crashed(caught, "py@victim", "killed by signal 9 (SIGKILL)")
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(promethean.eval("py@victim", "6 * 7"), 42)

    def test_a_c_plugin_that_writes_through_null(self):
        promethean.load("rust@iso", PLUGIN)
        a = promethean.alloc([16], "uint8")
        self.assertEqual(promethean.call("rust@iso", "crashy.fill", a, 3), 16)
        self.assertEqual(a.tolist(), [3] * 16)  # the plugin wrote the caller's memory
        a[0] = 100
        self.assertEqual(promethean.call("rust@iso", "crashy.total", a), 100 + 15 * 3)
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("rust@iso", "crashy.null_write")
        self.assert_crashed(caught, "rust@iso", "SIGSEGV")
        self.assertEqual(a.tolist()[:2], [100, 3])  # the host's memory is whole
        promethean.load("rust@iso", PLUGIN)
        self.assertEqual(promethean.call("rust@iso", "crashy.total", a), 145)


class CommandLine(unittest.TestCase):
    def test_isolate_moves_a_plain_name_out(self):
        out = subprocess.run([PROMETHEAN, "eval", "--isolate", "py", "py", "__import__('os').getppid()"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        ppid = int(out.stdout)
        # The host is the worker's parent: py ran in another process than the host's.
        self.assertNotEqual(ppid, os.getpid())

    def test_isolate_refuses_meta_and_unknown_names(self):
        for name, words in [("meta", "cannot isolate the meta runtime"), ("ruby", "cannot isolate runtime 'ruby'")]:
            out = subprocess.run([PROMETHEAN, "eval", "--isolate", name, "sh", "true"], capture_output=True, text=True,
                                 timeout=60)
            self.assertEqual(out.returncode, 2)
            self.assertIn(words, out.stderr)

    def test_meta_names_instances_too(self):
        out = subprocess.run([PROMETHEAN, "run", SIB], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[0], "42")
        self.assertEqual(lines[1], "true")
        self.assertEqual(lines[2], "[2,4,6]")


if __name__ == "__main__":
    unittest.main(verbosity=2)
