"""Errors keep their type and place across runtimes (issue 27, item 5), in every way in
(run_python_api_tests.py runs it with test_python_api.py): a Python exception that goes out and
back is the very object again, a JS one likewise, and a ForeignError shows the other runtime's
traceback as Python shows a cause."""

import gc
import traceback
import unittest
import weakref

import numpy as np

import promethean


class Marked(KeyError):
    pass


ORIGINAL = Marked("marked")


def raise_original():
    raise ORIGINAL


def raise_interrupt():
    raise KeyboardInterrupt()


HELD = []


def raise_holding_an_array():
    big = np.zeros(1000)
    HELD.append(weakref.ref(big))
    raise ValueError("with an array in a local")


for f in (raise_original, raise_interrupt, raise_holding_an_array):
    promethean.export(f)


def setUpModule():
    promethean.eval("js", r"""
globalThis.errTest = {
  relay: (name) => promethean.call('py', name),
  // What JS sees of a Python error: [ForeignError?, runtime, type, the Python traceback in the
  // stack?, keys an inspection prints].
  seen: (name) => {
    try { promethean.call('py', name); return 'no error'; }
    catch (e) {
      return [e instanceof promethean.ForeignError, e.runtime, e.type, e.stack.includes('[the py traceback]') &&
              e.stack.includes('in ' + name), Object.keys(e).sort()];
    }
  },
  original: new RangeError('the JS original'),
  throwOriginal: () => { throw errTest.original; },
  // A JS error that goes through Python and back: the same object?
  roundTrip: () => {
    try { promethean.call('py', 'call_js', 'errTest.throwOriginal'); }
    catch (e) { return e === errTest.original; }
    return 'no error';
  },
  inner: () => { throw new TypeError('thrown in inner'); },
  kept: [],
  keep: (name) => { try { promethean.call('py', name); } catch (e) { errTest.kept.push(e); } return errTest.kept.length; },
};
null;
""")
    promethean.eval("py", "import promethean\ndef call_js(name):\n    return promethean.call('js', name)")


class PythonErrors(unittest.TestCase):
    def test_an_exception_that_goes_out_and_back_is_the_same_object(self):
        try:
            promethean.call("js", "errTest.relay", "raise_original")
        except KeyError as e:  # a Marked is a KeyError: except KeyError catches it
            caught = e
        self.assertIs(caught, ORIGINAL)
        # Its traceback goes from this call down to where it was raised.
        frames = [f.name for f in traceback.extract_tb(caught.__traceback__)]
        self.assertEqual((frames[0], frames[-1]), ("test_an_exception_that_goes_out_and_back_is_the_same_object",
                                                   "raise_original"))
        with self.assertRaises(KeyError):
            promethean.call("py", "raise_original")

    def test_every_python_error_reaching_js_is_a_foreign_error_with_its_traceback(self):
        self.assertEqual(promethean.call("js", "errTest.seen", "raise_original"),
                         [True, "py", "Marked", True, ["name", "runtime", "type"]])
        self.assertEqual(promethean.call("js", "errTest.seen", "raise_interrupt"),
                         [True, "py", "KeyboardInterrupt", True, ["name", "runtime", "type"]])


    def test_an_error_kept_in_js_does_not_keep_the_locals_of_its_frames(self):
        promethean.call("js", "errTest.keep", "raise_holding_an_array")
        gc.collect()
        self.assertIsNone(HELD[0]())  # the array in the raising frame is gone, the error still held


class JsErrors(unittest.TestCase):
    def test_a_js_error_that_goes_out_and_back_is_the_same_object(self):
        self.assertIs(promethean.call("js", "errTest.roundTrip"), True)

    def test_a_foreign_error_shows_the_js_stack_as_its_cause(self):
        try:
            promethean.call("js", "errTest.inner")
        except promethean.ForeignError as caught:
            e = caught
        self.assertEqual((e.runtime, e.type, e.message), ("js", "TypeError", "thrown in inner"))
        self.assertIsInstance(e.__cause__, promethean.ForeignTraceback)
        printed = "".join(traceback.format_exception(e))
        self.assertIn("promethean.ForeignTraceback: TypeError: thrown in inner\n    at Object.inner", printed)
        self.assertIn('promethean.call("js", "errTest.inner")', printed)  # this frame, below the cause
        self.assertIn("The above exception was the direct cause of the following exception", printed)
        self.assertTrue(printed.rstrip().endswith("promethean.ForeignError: js TypeError: thrown in inner"), printed)


class NoFramesOfOurs(unittest.IsolatedAsyncioTestCase):
    async def test_a_failed_call_shows_only_the_caller_s_frames(self):
        files = []
        try:
            await promethean.call_async("js", "JSON.parse", "{bad")
        except promethean.ForeignError as e:
            files.append([f.filename for f in traceback.extract_tb(e.__traceback__)])
        try:
            promethean.call("js", "JSON.parse", "{bad")
        except promethean.ForeignError as e:
            files.append([f.filename for f in traceback.extract_tb(e.__traceback__)])
        self.assertEqual(files, [[__file__], [__file__]])
        self.assertEqual(str(promethean.TimeoutError()), "the call's timeout passed")


if __name__ == "__main__":
    unittest.main()
