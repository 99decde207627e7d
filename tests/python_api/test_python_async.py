"""Async across runtimes from Python (issue 21), in every way in (run_python_api_tests.py runs it
with test_python_api.py): asyncio awaits JS Promises, JS awaits Python coroutines, cancellation,
timeouts, errors both ways, from the main thread and from another thread's loop."""

import asyncio
import threading
import time
import unittest

import numpy as np

import promethean

JS_HELPERS = r"""
globalThis.asyncTest = {
  later: (x, ms) => new Promise((resolve) => setTimeout(() => resolve(x * 2), ms)),
  plain: (x) => x + 1,
  settled: (x) => Promise.resolve(x * 3),
  failing: async (x) => { await null; throw new RangeError('bad ' + x); },
  aborted: 0,
  abortable: (x, signal) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(x), 30000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      asyncTest.aborted += 1;
      reject(new Error('aborted'));
    });
  }),
  sumLater: (a, ms) => new Promise((resolve) => setTimeout(() => resolve(a.reduce((s, v) => s + v, 0)), ms)),
  viaPy: async (name, x) => (await promethean.callAsync('py', name, x)) + 1,
  callOfAsyncDefIsPromise: async (name) => {
    const result = promethean.call('py', name, 1);
    const isPromise = result instanceof Promise;
    return [isPromise, await result];
  },
  pyErrorInJs: async (name) => {
    try { await promethean.callAsync('py', name, 7); return 'no error'; }
    catch (e) { return [e.constructor.name, e.type, e.message, e.trace]; }
  },
};
"""


async def py_slow(x):
    await asyncio.sleep(0.05)
    return x * 10


async def py_where(x):
    await asyncio.sleep(0)
    return [threading.current_thread().name, id(asyncio.get_running_loop())]


async def py_raises(x):
    await asyncio.sleep(0.01)
    raise ValueError("coroutine failed with %d" % x)


async def py_first_step(suspend):
    # Its first step, as any task's: the loop's task (asyncio.timeout needs one) on the loop.
    task = asyncio.current_task()
    async with asyncio.timeout(5):
        first = [threading.current_thread().name, task.get_name(), asyncio.get_running_loop() is task.get_loop()]
    if suspend:
        await asyncio.sleep(0.01)
        return first + [threading.current_thread().name]
    return first


async def py_raises_at_once(x):
    raise KeyError("at once %d" % x)


py_cancelled = []


async def py_waits_long(x):
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        py_cancelled.append(x)
        raise


for f in (py_slow, py_where, py_raises, py_waits_long, py_first_step, py_raises_at_once):
    promethean.export(f)


class Ticker:
    """Counts the turns of the running loop (a task sleeping 10 ms at a time) while it is entered:
    a loop blocked by a call would not turn at all."""

    async def __aenter__(self):
        self.ticks = 0

        async def tick():
            while True:
                await asyncio.sleep(0.01)
                self.ticks += 1

        self.task = asyncio.create_task(tick())
        return self

    async def __aexit__(self, *exc):
        self.task.cancel()


def setUpModule():
    promethean.eval("js", JS_HELPERS)


class PythonAwaitsJs(unittest.IsolatedAsyncioTestCase):
    async def test_a_pending_promise_does_not_block_the_loop(self):
        async with Ticker() as ticker:
            self.assertEqual(await promethean.call_async("js", "asyncTest.later", 21, 200), 42)
        self.assertGreaterEqual(ticker.ticks, 5)

    async def test_plain_and_settled_results(self):
        self.assertEqual(await promethean.call_async("js", "asyncTest.plain", 1), 2)
        self.assertEqual(await promethean.call_async("js", "asyncTest.settled", 2), 6)
        self.assertEqual(await promethean.eval_async("js", "asyncTest.later(4, 10)"), 8)
        self.assertEqual(await promethean.eval_async("js", "6 * 7"), 42)

    async def test_eval_async_gives_none_for_a_value_that_cannot_cross(self):
        # As eval (issue 27 item 4): the code ran, its value stays where it is.
        self.assertIsNone(await promethean.eval_async("js", "globalThis.asyncMap = new Map([[1, 2]])"))
        self.assertEqual(promethean.eval("js", "asyncMap.get(1)"), 2)
        self.assertIsNone(await promethean.eval_async("js", "new Promise((ok) => setTimeout(() => ok(new Map()), 10))"))
        self.assertIsNone(await promethean.eval_async("py", "object()"))
        with self.assertRaises(promethean.ForeignError) as caught:
            await promethean.eval_async("js", "Promise.reject(new RangeError('no'))")
        self.assertEqual(caught.exception.type, "RangeError")

    async def test_an_awaitable_is_a_coroutine_to_asyncio_and_to_the_abcs(self):
        import collections.abc
        import inspect

        pending = promethean.call_async("js", "asyncTest.plain", 3)
        self.assertIsInstance(pending, collections.abc.Coroutine)
        self.assertIsInstance(pending, collections.abc.Awaitable)
        self.assertTrue(asyncio.iscoroutine(pending))
        self.assertTrue(inspect.isawaitable(pending))
        self.assertEqual(await asyncio.ensure_future(pending), 4)

    async def test_a_coroutine_that_create_task_and_gather_take(self):
        task = asyncio.create_task(promethean.call_async("js", "asyncTest.later", 1, 10))
        self.assertEqual(await task, 2)
        self.assertEqual(await asyncio.wait_for(promethean.call_async("js", "asyncTest.plain", 1), 5), 2)

    async def test_the_call_starts_before_it_is_awaited(self):
        promethean.eval("js", "globalThis.asyncStarted = 0; globalThis.markStarted = () => { asyncStarted += 1; return 1; }")
        awaitable = promethean.call_async("js", "markStarted")
        self.assertEqual(promethean.eval("js", "asyncStarted"), 1)
        self.assertEqual(await awaitable, 1)

    async def test_thousand_concurrent_calls_are_not_serialised(self):
        start = time.perf_counter()
        results = await asyncio.gather(*(promethean.call_async("js", "asyncTest.later", i, 100) for i in range(1000)))
        elapsed = time.perf_counter() - start
        self.assertEqual(results, [2 * i for i in range(1000)])
        # Serialised, 1,000 waits of 100 ms take 100 s; the bench measures the real figure.
        self.assertLess(elapsed, 10.0)

    async def test_a_rejection_is_a_foreign_error_with_the_js_stack(self):
        with self.assertRaises(promethean.ForeignError) as caught:
            await promethean.call_async("js", "asyncTest.failing", 3)
        self.assertEqual(caught.exception.runtime, "js")
        self.assertEqual(caught.exception.type, "RangeError")
        self.assertEqual(caught.exception.message, "bad 3")
        self.assertIn("failing", caught.exception.trace)

    async def test_errors_of_the_start_settle_the_awaitable(self):
        with self.assertRaises(promethean.ForeignError) as caught:
            await promethean.call_async("js", "noSuchFunction")
        self.assertIn("noSuchFunction", str(caught.exception))
        with self.assertRaises(promethean.ForeignError):
            await promethean.call_async("nope", "f")

    async def test_a_timeout_is_the_timeout_error_and_aborts_the_signal(self):
        before = promethean.eval("js", "asyncTest.aborted")
        with self.assertRaises(promethean.ForeignError) as caught:
            await promethean.call_async("js", "asyncTest.abortable", 1, timeout=0.1, cancel_signal=True)
        self.assertEqual(caught.exception.type, "Timeout")
        await asyncio.sleep(0.05)
        self.assertEqual(promethean.eval("js", "asyncTest.aborted"), before + 1)

    async def test_cancelling_the_task_fires_the_abort_signal(self):
        before = promethean.eval("js", "asyncTest.aborted")
        task = asyncio.create_task(promethean.call_async("js", "asyncTest.abortable", 5, cancel_signal=True))
        await asyncio.sleep(0.05)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        for _ in range(100):
            if promethean.eval("js", "asyncTest.aborted") == before + 1:
                break
            await asyncio.sleep(0.01)
        self.assertEqual(promethean.eval("js", "asyncTest.aborted"), before + 1)

    async def test_a_buffer_argument_crosses_without_a_copy(self):
        a = np.arange(1000, dtype=np.float64)
        self.assertEqual(await promethean.call_async("js", "asyncTest.sumLater", a, 20), float(a.sum()))

    async def test_blocking_calls_run_on_the_hosts_workers_in_parallel(self):
        start = time.perf_counter()
        results = await asyncio.gather(*(promethean.eval_async("sh", "sleep 0.3; echo %d" % i) for i in range(4)))
        elapsed = time.perf_counter() - start
        self.assertEqual([r["stdout"] for r in results], ["%d\n" % i for i in range(4)])
        self.assertLess(elapsed, 1.1)  # one after another: 1.2 s at least

    async def test_without_a_running_loop_it_is_a_clear_error(self):
        def outside():
            with self.assertRaises(RuntimeError):
                promethean.call_async("js", "asyncTest.plain", 1)

        await asyncio.get_running_loop().run_in_executor(None, outside)


class JsAwaitsPython(unittest.IsolatedAsyncioTestCase):
    async def test_js_awaits_a_coroutine_on_this_loop(self):
        self.assertEqual(await promethean.call_async("js", "asyncTest.viaPy", "py_slow", 2), 21)
        where = await promethean.eval_async("js", "promethean.callAsync('py', 'py_where', 0)")
        self.assertEqual(where, [threading.current_thread().name, id(asyncio.get_running_loop())])

    async def test_a_blocking_call_from_this_loop_does_not_wait_on_it(self):
        await promethean.call_async("js", "asyncTest.plain", 1)  # this loop is the main thread's
        # This loop's thread now waits in a blocking call, in which JS awaits a coroutine: were it
        # put on this (waiting) loop, neither would ever go on. It runs on Promethean's loop.
        name, _ = promethean.eval("js", "promethean.callAsync('py', 'py_where', 0)")
        self.assertEqual(name, "promethean-asyncio")
        where = await promethean.eval_async("js", "promethean.callAsync('py', 'py_where', 0)")
        self.assertEqual(where[0], threading.current_thread().name)

    async def test_a_python_exception_rejects_with_its_traceback(self):
        kind, etype, message, trace = await promethean.call_async("js", "asyncTest.pyErrorInJs", "py_raises")
        self.assertEqual((kind, etype, message), ("ForeignError", "ValueError", "coroutine failed with 7"))
        self.assertIn("raise ValueError", trace)

    async def test_call_of_an_async_def_gives_a_promise(self):
        self.assertEqual(await promethean.call_async("js", "asyncTest.callOfAsyncDefIsPromise", "py_slow"), [True, 10])

    async def test_cancelling_an_awaited_coroutine_cancels_its_task(self):
        task = asyncio.create_task(promethean.call_async("py", "py_waits_long", 9))
        await asyncio.sleep(0.05)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        for _ in range(100):
            if 9 in py_cancelled:
                break
            await asyncio.sleep(0.01)
        self.assertIn(9, py_cancelled)

    async def test_thousand_concurrent_coroutines_from_js(self):
        promethean.eval("js", """globalThis.fanOut = async (n) => {
          const start = Date.now();
          const r = await Promise.all(Array.from({length: n}, (_, i) => promethean.callAsync('py', 'py_slow', i)));
          return [r.length, r[n - 1], Date.now() - start];
        }""")
        n, last, elapsed_ms = await promethean.call_async("js", "fanOut", 1000)
        self.assertEqual((n, last), (1000, 9990))
        self.assertLess(elapsed_ms, 10000)  # serialised: 50 s


class WithoutARunningLoop(unittest.TestCase):
    def test_the_first_step_of_a_coroutine_runs_eagerly_on_the_caller_s_thread(self):
        # Eager only while Promethean's loop is idle: a try or two may find it busy (then the whole
        # coroutine runs on the loop's thread, as asserted too).
        eager = None
        for _ in range(50):
            thread, task_name, on_loop = promethean.eval("js", "promethean.callAsync('py', 'py_first_step', 0)")
            self.assertEqual((task_name, on_loop), ("py coroutine py_first_step", True))
            if thread != "promethean-asyncio":
                eager = thread
                break
            time.sleep(0.01)
        self.assertIsNotNone(eager, "no first step ran on the caller's thread")
        # One that suspends goes on on the loop's thread, which the first step woke for it.
        result = promethean.eval("js", "promethean.callAsync('py', 'py_first_step', 1)")
        self.assertEqual(result[1:], ["py coroutine py_first_step", True, "promethean-asyncio"])

    def test_a_coroutine_that_raises_in_its_first_step_rejects_with_its_traceback(self):
        kind, etype, message, trace = promethean.call("js", "asyncTest.pyErrorInJs", "py_raises_at_once")
        self.assertEqual((kind, etype, message), ("ForeignError", "KeyError", "'at once 7'"))
        self.assertIn('raise KeyError("at once %d" % x)', trace)

    def test_coroutines_run_on_promethean_s_own_loop(self):
        name, _ = promethean.eval("js", "promethean.callAsync('py', 'py_where', 0)")
        self.assertEqual(name, "promethean-asyncio")

    def test_another_thread_s_loop_awaits_js(self):
        out = {}

        def run():
            async def main():
                async with Ticker() as ticker:
                    out["results"] = await asyncio.gather(
                        *(promethean.call_async("js", "asyncTest.later", i, 100) for i in range(100)))
                out["ticks"] = ticker.ticks
                with self.assertRaises(promethean.ForeignError):
                    await promethean.call_async("js", "asyncTest.failing", 1)
                out["coroutine"] = await promethean.call_async("js", "asyncTest.viaPy", "py_slow", 3)

            asyncio.run(main())

        t = threading.Thread(target=run)
        t.start()
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertEqual(out["results"], [2 * i for i in range(100)])
        self.assertGreaterEqual(out["ticks"], 3)
        self.assertEqual(out["coroutine"], 31)


if __name__ == "__main__":
    unittest.main()
