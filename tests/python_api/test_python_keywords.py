"""Keyword arguments across runtimes from Python (issue 27, item 7), in every way in
(run_python_api_tests.py runs it with test_python_api.py): `call(rt, fn, *args, **kwargs)`,
`promethean.kw(...)` as a last argument, a JS function's last plain object, buffers inside
keyword arguments without a copy, and the refusals."""

import asyncio
import unittest

import numpy as np

import promethean


def address(a):
    return a.__array_interface__["data"][0]


def describe(a, b=0, *, timeout=None, scale=1, out=None):
    if out is not None:
        out[:] = scale  # written in place: the caller's own array
    return [a, b, timeout, scale]


promethean.export(describe)


def setUpModule():
    promethean.eval("js", """
globalThis.kwTest = {
  options: (a, options) => [a, options],
  // Which keyword buffer is which: each is written with a marker, in place.
  mark: (first, options) => { first[0] = 1; options.b[0] = 2; options.z[0] = 3; return Object.keys(options); },
  viaPy: (x) => promethean.call('py', 'describe', x, promethean.kw({scale: 5, b: 2})),
};
""")


class PythonCallee(unittest.TestCase):
    def test_keywords_reach_a_python_function(self):
        self.assertEqual(promethean.call("py", "sorted", [3, 1, 2], reverse=True), [3, 2, 1])
        self.assertEqual(promethean.call("py", "describe", 1, b=2, scale=3), [1, 2, None, 3])

    def test_kw_as_the_last_argument_and_a_keyword_named_timeout(self):
        self.assertEqual(promethean.call("py", "sorted", [3, 1, 2], promethean.kw(reverse=True)), [3, 2, 1])
        # timeout= is promethean.call's own; promethean.kw passes one to the function.
        self.assertEqual(promethean.call("py", "describe", 1, promethean.kw(timeout=7), scale=2, timeout=30),
                         [1, 0, 7, 2])
        self.assertEqual(repr(promethean.kw(a=1)), "promethean.kw(a=1)")

    def test_numpy_takes_its_dtype(self):
        z = promethean.call("py", "numpy.zeros", 3, dtype="uint8")
        self.assertEqual((z.dtype, z.shape), (np.uint8, (3,)))

    def test_a_buffer_in_keywords_is_the_caller_s_memory(self):
        out = np.zeros(4)
        self.assertEqual(promethean.call("js", "promethean.call", "py", "describe", 0), [0, 0, None, 1])
        promethean.call("py", "describe", 0, out=out, scale=9)
        self.assertTrue((out == 9).all())

    def test_from_js_through_promethean_kw(self):
        self.assertEqual(promethean.call("js", "kwTest.viaPy", 4), [4, 2, None, 5])

    def test_mistakes_are_type_errors(self):
        with self.assertRaisesRegex(TypeError, r"promethean.kw\(...\) must be the last argument"):
            promethean.call("py", "describe", promethean.kw(b=1), 2)
        with self.assertRaisesRegex(TypeError, "keyword argument 'b' given twice"):
            promethean.call("py", "describe", 1, promethean.kw(b=1), b=2)
        # The function's own TypeError, back as itself (an error that goes out and back keeps its type).
        with self.assertRaisesRegex(TypeError, r"describe\(\) got an unexpected keyword argument 'nope'"):
            promethean.call("py", "describe", 1, nope=2)


class OtherCallees(unittest.TestCase):
    def test_a_js_function_gets_a_last_plain_object(self):
        self.assertEqual(promethean.call("js", "kwTest.options", 1, reverse=True, n=[1, 2]),
                         [1, {"n": [1, 2], "reverse": True}])

    def test_buffers_in_keywords_cross_without_a_copy_each_to_its_name(self):
        first, b, z = np.zeros(2, np.uint8), np.zeros(3, np.uint8), np.zeros(4, np.uint8)
        # Given z before b: the message walks keys in order, and each buffer must stay with its name.
        self.assertEqual(promethean.call("js", "kwTest.mark", first, z=z, b=b), ["b", "z"])
        self.assertEqual((first[0], b[0], z[0]), (1, 2, 3))

    def test_runtimes_without_keywords_refuse_them(self):
        with self.assertRaisesRegex(promethean.ForeignError, "sh function echo takes no keyword arguments"):
            promethean.call("sh", "echo", 1, x=2)
        with self.assertRaisesRegex(promethean.ForeignError, "meta function list takes no keyword arguments"):
            promethean.call("meta", "list", 1, x=2)
        try:
            promethean.load("rust", "imageops")
        except promethean.ForeignError as e:  # test_python_api's test_rust_plugin may have loaded it
            if e.type != "AlreadyLoaded":
                raise
        with self.assertRaisesRegex(promethean.ForeignError, "rust function imageops.address takes no keyword arguments"):
            promethean.call("rust", "imageops.address", np.zeros(2), x=2)

    def test_meta_passes_keywords_written_in_the_form(self):
        self.assertEqual(promethean.eval("meta", '(call "py" "sorted" [3 1 2] :reverse true :timeout 5)'), [3, 2, 1])


class Async(unittest.IsolatedAsyncioTestCase):
    async def test_call_async_passes_keywords(self):
        self.assertEqual(await promethean.call_async("py", "sorted", [3, 1, 2], reverse=True), [3, 2, 1])
        self.assertEqual(await promethean.call_async("js", "kwTest.options", 1, x=2), [1, {"x": 2}])


if __name__ == "__main__":
    unittest.main()
