"""The Python API, one suite for every way in: run inside `promethean run` (the embedded mode,
where `promethean` is the host's built-in module) and inside a venv's plain python (the hosted
mode, where it is the pip-installed package), with the same assertions. run_python_api_tests.py
runs it; tests/CMakeLists.txt registers it once per mode and interpreter.
"""

import gc
import os
import sys
import tempfile
import threading
import time
import unittest

import numpy as np

import promethean

HOSTED = hasattr(promethean, "_native")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def address(a):
    return a.__array_interface__["data"][0]


class Mode(unittest.TestCase):
    def test_the_mode_is_the_one_asked_for(self):
        expected = os.environ.get("PROMETHEAN_TEST_MODE")
        self.assertIn(expected, ("embedded", "hosted"))
        self.assertEqual(HOSTED, expected == "hosted")

    def test_one_libpython_at_most(self):
        with open("/proc/self/maps") as maps:
            mapped = {line.split()[-1] for line in maps if "libpython" in line.split()[-1]}
        self.assertLessEqual(len(mapped), 1, mapped)
        if HOSTED:
            # The user's python3: Debian's has libpython built in (nothing mapped), another CPython
            # maps its own shared one, never Debian's beside it.
            libdir = os.path.realpath(os.path.join(sys.base_prefix, "lib"))
            for path in mapped:
                self.assertTrue(os.path.realpath(path).startswith(libdir), (path, libdir))

    def test_version_and_runtimes(self):
        self.assertRegex(promethean.__version__, r"^\d+\.\d+\.\d+$")
        found = promethean.runtimes()
        for name in ("py", "js", "rust", "sh", "meta"):
            self.assertIn(name, found)
        self.assertEqual(found["py"]["version"], "%d.%d.%d" % sys.version_info[:3])

    def test_pool_is_there_for_dir_and_a_star_import(self):
        # Pool and pool are made with the module (from code compiled at build time), so dir(),
        # __all__ and `from promethean import *` have them as any other name.
        for name in ("pool", "Pool"):
            self.assertIn(name, dir(promethean))
            self.assertIn(name, promethean.__all__)
        scope = {}
        exec("from promethean import *", scope)
        self.assertTrue(callable(scope["pool"]))
        self.assertIs(scope["Pool"], promethean.Pool)
        self.assertEqual(sorted(n for n in scope if not n.startswith("_")), sorted(promethean.__all__))
        with self.assertRaisesRegex(AttributeError, "has no attribute 'no_such_name'"):
            promethean.no_such_name

    def test_the_module_has_no_getattr_so_python_specialises_its_attribute_loads(self):
        # CPython 3.11 does not specialise `module.name` loads on a module with a __getattr__
        # (PEP 562): every promethean.call(...) then took the generic lookup. Neither the built-in
        # module nor the package may have one; what they offer is in their dict.
        for module in (promethean, getattr(promethean, "_native", promethean)):
            self.assertNotIn("__getattr__", vars(module))
            for name in ("call", "pool", "Pool"):
                self.assertIn(name, vars(module))


class EvalAndCall(unittest.TestCase):
    def test_eval_in_every_runtime(self):
        self.assertEqual(promethean.eval("js", "6 * 7"), 42)
        self.assertEqual(promethean.eval("sh", "echo hi")["stdout"], "hi\n")
        self.assertEqual(promethean.eval("meta", "(+ 1 2)"), 3)
        self.assertEqual(promethean.eval("py", "1 + 1"), 2)

    def test_eval_gives_none_for_a_value_that_cannot_cross(self):
        # Code is evaluated for its effect (issue 27 item 4): the effect happens, the value that
        # cannot cross stays where it is, and eval gives None, never an error after the effect.
        self.assertIsNone(promethean.eval("js", "globalThis.apiMap = new Map([[1, 2]])"))
        self.assertEqual(promethean.eval("js", "apiMap.get(1)"), 2)
        self.assertIsNone(promethean.eval("js", "globalThis.apiExitSeen = false; process.on('exit', () => {})"))
        self.assertIsNone(promethean.eval("js", "globalThis.apiErr = new Error('x')"))
        self.assertEqual(promethean.eval("js", "apiErr.message"), "x")
        self.assertIsNone(promethean.eval("js", "Symbol('s')"))
        self.assertIsNone(promethean.eval("js", "({a: new Map()})"))
        self.assertIsNone(promethean.eval("py", "globals().setdefault('api_obj', object())"))
        self.assertEqual(promethean.eval("py", "type(api_obj).__name__"), "object")
        self.assertEqual(promethean.eval("meta", '(eval-in "js" "new Map()")'),
                         {"_type": "MetaObject", "source": "js", "data": None})
        # What crosses is returned as before; a call's result must cross and says why not.
        self.assertEqual(promethean.eval("js", "({a: [1, 'x']})"), {"a": [1, "x"]})
        promethean.eval("js", "globalThis.apiGivesMap = () => new Map()")
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("js", "apiGivesMap")
        self.assertEqual(caught.exception.type, "TypeError")
        self.assertIn("cannot send a Map across runtimes", caught.exception.message)
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("py", "object")
        self.assertIn("cannot send an object across runtimes", caught.exception.message)
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("js", "Error", "x")
        self.assertIn("cannot send an Error across runtimes", caught.exception.message)

    def test_call_js_with_values(self):
        promethean.eval("js", "globalThis.describe = (o) => ({keys: Object.keys(o).sort(), n: o.list.length})")
        self.assertEqual(promethean.call("js", "describe", {"b": 1, "a": None, "list": [1, 2, 3]}),
                         {"keys": ["a", "b", "list"], "n": 3})

    def test_scalar_arguments_cross_as_inside_a_list(self):
        # Plain scalars go as typed arguments (no JSON array between); anything else, and the same
        # values inside a list, go as JSON. Both must give JS the same values and the same errors.
        import enum

        class Small(enum.IntEnum):
            ONE = 1

        class Text(str):
            pass

        promethean.eval("js", """globalThis.scalarKinds = (...a) => a.map((v) => [typeof v, String(v)]);
globalThis.scalarKindsOfList = (list) => scalarKinds(...list); null""")

        def outcome(fn, *args):
            try:
                return ("value", promethean.call("js", fn, *args))
            except (promethean.ForeignError, TypeError, ValueError, UnicodeError) as e:
                return ("error", type(e).__name__, str(e))

        cases = [(), (None, True, False), (0, -1, 2**53, 2**53 + 1, 2**63 - 1, -2**63), (2**63,), (2**64,),
                 (1.5, 3.0, -0.0, 1e300), (float("nan"),), (float("inf"),), ("", "é\n", "a\0b", "😀"),
                 ("\ud800",), (Small.ONE, Text("sub")), tuple(range(9))]
        for args in cases:
            with self.subTest(args=args):
                self.assertEqual(outcome("scalarKinds", *args)[0:2], outcome("scalarKindsOfList", list(args))[0:2])
                alone = outcome("scalarKinds", *args)
                if alone[0] == "value":
                    self.assertEqual(alone, outcome("scalarKindsOfList", list(args)))
        for bad in ("\ud800", ["\udcff"], {"\ud800": 1}):  # no UTF-8: Python's own error, saying why
            with self.assertRaisesRegex(UnicodeEncodeError, "surrogates not allowed"):
                promethean.call("js", "scalarKinds", bad)
        self.assertEqual(promethean.call("js", "scalarKinds", 2**53 + 1, 2.5, "x", None),
                         [["bigint", "9007199254740993"], ["number", "2.5"], ["string", "x"], ["object", "null"]])

    def test_export_is_callable_from_js_and_meta(self):
        @promethean.export
        def api_twice(x):
            return 2 * x

        @promethean.export("api_named")
        def whatever(x):
            return x + 1

        self.assertEqual(promethean.eval("js", "promethean.call('py', 'api_twice', 21)"), 42)
        self.assertEqual(promethean.eval("meta", '(call "py" "api_named" 41)'), 42)

    def test_python_functions_cross_as_values(self):
        promethean.eval("js", "globalThis.apply = (f, x) => f(x) + 1")
        self.assertEqual(promethean.call("js", "apply", lambda x: x * 10, 4), 41)

    def test_js_functions_come_back_callable(self):
        add = promethean.eval("js", "(a, b) => a + b")
        self.assertEqual(add(2, 3), 5)

    def test_load_js_and_python_files(self):
        promethean.load("js", os.path.join(DATA, "api_helpers.js"))
        self.assertEqual(promethean.call("js", "apiHelpers.shout", "hey"), "HEY!")
        promethean.load("py", os.path.join(DATA, "api_module.py"))
        self.assertEqual(promethean.call("py", "api_module.square", 9), 81)

    def test_rust_plugin(self):
        promethean.load("rust", "imageops")
        image = np.zeros((4, 5, 3), dtype=np.uint8)
        image[..., 0] = 255
        self.assertEqual(promethean.call("rust", "imageops.address", image), address(image))
        gray = promethean.call("rust", "imageops.grayscale", image)
        self.assertEqual(gray.shape, (4, 5))
        self.assertTrue((gray == gray[0, 0]).all())


    def test_every_naming_route_sees_a_redefinition_and_a_late_definition(self):
        import __main__
        import types
        __main__.route_fn = lambda x: x + 1
        self.assertEqual(promethean.call("py", "route_fn", 1), 2)
        __main__.route_fn = lambda x: x * 10  # reassigned: the next call sees it
        self.assertEqual(promethean.call("py", "route_fn", 2), 20)
        self.assertEqual(promethean.call("py", "os.path.join", "a", "b"), "a/b")  # a dotted import path
        late = types.ModuleType("route_late_module")
        sys.modules["route_late_module"] = late
        with self.assertRaisesRegex(promethean.ForeignError, "no function 'route_late_module.f': 'f' not found"):
            promethean.call("py", "route_late_module.f")
        late.f = lambda: "defined since"  # a failed lookup is not remembered
        self.assertEqual(promethean.call("py", "route_late_module.f"), "defined since")
        self.assertEqual(promethean.call("py", "route_late_module.f"), "defined since")  # kept now
        late.f = lambda: "reassigned"  # the module's attribute reassigned: seen
        self.assertEqual(promethean.call("py", "route_late_module.f"), "reassigned")
        other = types.ModuleType("route_late_module")
        other.f = lambda: "another module"
        sys.modules["route_late_module"] = other  # the module replaced in sys.modules: seen
        self.assertEqual(promethean.call("py", "route_late_module.f"), "another module")
        self.assertEqual(promethean.call("py", "len", [1, 2]), 2)  # a builtin, twice: kept
        self.assertEqual(promethean.call("py", "len", [1, 2]), 2)
        __main__.len = lambda x: "shadowed"  # a name in __main__ now hides the builtin
        self.assertEqual(promethean.call("py", "len", [1, 2]), "shadowed")
        del __main__.len
        self.assertEqual(promethean.call("py", "len", [1, 2]), 2)
        promethean.export(lambda x: "exported", "route_fn")  # an export takes precedence at once
        self.assertEqual(promethean.call("py", "route_fn", 3), "exported")
        del sys.modules["route_late_module"], __main__.route_fn
        # JS names likewise: a global reassigned, a global defined after a failed call.
        promethean.eval("js", "globalThis.routeJs = (x) => x + 1; null")
        self.assertEqual(promethean.call("js", "routeJs", 1), 2)
        promethean.eval("js", "globalThis.routeJs = (x) => x * 10; null")
        self.assertEqual(promethean.call("js", "routeJs", 2), 20)
        with self.assertRaisesRegex(promethean.ForeignError, "no function 'routeLate.f'"):
            promethean.call("js", "routeLate.f")
        promethean.eval("js", "globalThis.routeLate = { f: () => 'defined since' }; null")
        self.assertEqual(promethean.call("js", "routeLate.f"), "defined since")

    def test_js_names_are_walked_as_resolve_walks_them(self):
        # JS finds a name itself, through a small function made per name and arity once the name
        # is hot (warm() makes it so): the same precedence, `this`, errors and traces as the
        # lookup through the API it stands for.
        def warm(name, *args):
            for _ in range(1001):  # js_route.hpp's k_calls_before_route, and one
                try:
                    promethean.call("js", name, *args)
                except promethean.ForeignError:
                    pass
        promethean.eval("js", """globalThis.routeObj = { n: 5, get(k) { return this.n + k; } };
globalThis.routeMany = (...a) => a.length;
globalThis.routeThrows = () => { throw new RangeError('inside'); };
Object.defineProperty(globalThis, 'routeTrap', { get() { throw new Error('getter'); }, configurable: true });
globalThis.routeNumber = 7;
globalThis.routeWho = () => new Error().stack.includes('promethean_route'); null""")
        self.assertFalse(promethean.call("js", "routeWho"))  # a first call: the lookup through the API
        warm("routeWho")
        self.assertTrue(promethean.call("js", "routeWho"))  # hot: called through its route
        for name, args in (("routeObj.get", (1,)), ("routeMany", ()), ("routeNumber", ()), ("routeTrap.f", ()),
                           ("routeThrows", ())):
            warm(name, *args)
        self.assertEqual(promethean.call("js", "routeObj.get", 1), 6)  # `this` is the object found on
        self.assertEqual(promethean.call("js", "routeMany", *range(12)), 12)  # past the routes' arity
        self.assertEqual(promethean.call("js", "routeMany"), 0)
        promethean.eval("js", "globalThis.routeMany = () => 'reassigned'; null")
        self.assertEqual(promethean.call("js", "routeMany"), "reassigned")  # seen through the route
        with self.assertRaisesRegex(promethean.ForeignError, "'routeNumber' is a number, not a function"):
            promethean.call("js", "routeNumber")
        with self.assertRaisesRegex(promethean.ForeignError, "no function 'routeTrap.f': 'routeTrap' not found"):
            promethean.call("js", "routeTrap.f")
        with self.assertRaises(promethean.ForeignError) as thrown:
            promethean.call("js", "routeThrows")
        self.assertEqual(thrown.exception.type, "RangeError")
        self.assertIn("routeThrows", thrown.exception.trace)
        self.assertNotIn("promethean-route", thrown.exception.trace)  # the route's own frame is not shown
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "routemod.js")
            with open(path, "w") as f:
                f.write("exports.which = () => 'first';")
            promethean.load("js", path)
            warm("routemod.which")
            self.assertEqual(promethean.call("js", "routemod.which"), "first")
            promethean.eval("js", "globalThis.routemod = { which: () => 'a global of the same name' }; null")
            self.assertEqual(promethean.call("js", "routemod.which"), "first")  # a loaded module comes first
            os.mkdir(os.path.join(folder, "other"))
            other = os.path.join(folder, "other", "routemod.js")  # another file of the same stem
            with open(other, "w") as f:
                f.write("exports.which = () => 'loaded since';")
            promethean.load("js", other)
            self.assertEqual(promethean.call("js", "routemod.which"), "loaded since")
        promethean.export  # noqa: B018 (the export below is the JS one)
        promethean.eval("js", "promethean.export('routeObj.get', () => 'exported'); null")
        self.assertEqual(promethean.call("js", "routeObj.get", 1), "exported")  # an export comes first


class Messages(unittest.TestCase):
    def test_send_json_to_js(self):
        promethean.eval("js", "promethean.onMessage((m) => ({got: m.n + 1}))")
        self.assertEqual(promethean.send_json("js", {"n": 41}), {"got": 42})

    def test_on_message_in_py(self):
        @promethean.on_message
        def handler(message):
            return {"echo": message}

        self.assertEqual(promethean.eval("js", "promethean.sendJson('py', {a: [1, 2]})"), {"echo": {"a": [1, 2]}})


class Errors(unittest.TestCase):
    def test_js_error_is_a_foreign_error(self):
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.eval("js", "throw new TypeError('nope')")
        self.assertEqual(caught.exception.runtime, "js")
        self.assertEqual(caught.exception.type, "TypeError")
        self.assertIn("nope", caught.exception.message)

    def test_unknown_runtime(self):
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.eval("cobol", "1")
        self.assertIn("unknown runtime", str(caught.exception))

    def test_bad_arguments_are_type_errors(self):
        with self.assertRaises(TypeError):
            promethean.call("js")
        with self.assertRaises(TypeError):
            promethean.call("js", "x", timeout="soon")

    def test_timeout_stops_runaway_js_and_js_goes_on(self):
        started = time.monotonic()
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.eval("js", "while (true) {}", timeout=0.3)
        self.assertEqual(caught.exception.type, "Timeout")
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(promethean.eval("js", "1 + 1"), 2)

    def test_timeout_stops_python_called_from_js(self):
        @promethean.export
        def api_spin():
            while True:
                pass

        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.eval("js", "promethean.call('py', 'api_spin')", timeout=0.3)
        self.assertEqual(caught.exception.type, "Timeout")


class ZeroCopy(unittest.TestCase):
    def test_a_read_only_or_strided_array_reaches_js_as_a_copy_when_asked(self):
        image = np.arange(1, 25, dtype=np.uint8).reshape(2, 4, 3)
        image.setflags(write=False)  # as np.asarray(a Pillow image) is
        promethean.eval("js", "globalThis.sumOf = (x) => x.reduce((s, v) => s + v, 0)")
        with self.assertRaises(promethean.ForeignError) as refused:
            promethean.call("js", "sumOf", image)
        self.assertEqual(refused.exception.type, "BufferError")
        self.assertIn("promethean.copy(x)", str(refused.exception))
        copied = promethean.copy(image)
        self.assertTrue(copied.flags.writeable)
        self.assertTrue(np.array_equal(copied, image))
        self.assertNotEqual(address(copied), address(image))
        self.assertEqual(promethean.call("js", "sumOf", copied), int(image.sum()))
        # The copy is a host buffer: it crosses without a further copy (JS writes, Python sees it).
        promethean.eval("js", "globalThis.zeroFirst = (x) => { x[0] = 0; return x.length }")
        self.assertEqual(promethean.call("js", "zeroFirst", copied), 24)
        self.assertEqual(copied.flat[0], 0)
        strided = np.arange(10, dtype=np.float64)[::2]
        with self.assertRaises(promethean.ForeignError) as refused_strided:
            promethean.call("js", "sumOf", strided)
        self.assertIn("promethean.copy(x)", str(refused_strided.exception))
        self.assertEqual(promethean.call("js", "sumOf", promethean.copy(strided)), 20.0)

    def test_numpy_to_js_in_place_both_ways(self):
        a = np.arange(8, dtype=np.float64)
        promethean.eval("js", "globalThis.bump = (x) => { x[0] = 100; return x }")
        back = promethean.call("js", "bump", a)
        self.assertEqual(a[0], 100)  # JS wrote into Python's memory
        self.assertEqual(address(back), address(a))
        back[1] = -5  # and the array that came back is the same memory
        self.assertEqual(a[1], -5)

    def test_js_typed_array_to_numpy_in_place(self):
        t = promethean.eval("js", "globalThis.shared = new Float32Array([1, 2, 3]); shared")
        self.assertEqual(t.dtype, np.float32)
        t[2] = 30
        self.assertEqual(promethean.eval("js", "shared[2]"), 30)
        info = promethean.buffer_info(t)
        self.assertEqual(info["language"], "js")
        self.assertEqual(info["shape"], [3])

    def test_alloc_and_buffer_types(self):
        promethean.register_buffer_type("ApiRGB", ["height", "width", "channels"], "uint8", {"channels": 3})
        img = promethean.alloc([2, 3, 3], type="ApiRGB")
        self.assertEqual((img.shape, img.dtype), ((2, 3, 3), np.uint8))
        info = promethean.buffer_info(img)
        self.assertEqual(info["type"], "ApiRGB")
        self.assertEqual(info["address"], address(img))
        promethean.eval("js", "globalThis.fill7 = (b) => { b.fill(7); return b.length }")
        self.assertEqual(promethean.call("js", "fill7", img), 18)
        self.assertTrue((img == 7).all())

    def test_registered_views_route_to_their_runtime(self):
        promethean.register_buffer_type("ApiGray", ["height", "width"], "uint8")
        promethean.eval("js", "promethean.registerView('ApiGray', 'mean', (b) => b.reduce((s, x) => s + x, 0) / b.length)")
        g = promethean.alloc([2, 2], type="ApiGray")
        g[:] = [[0, 2], [4, 6]]
        self.assertEqual(promethean.view(g, "mean"), 3)  # computed in JS, on Python's array
        promethean.register_view("ApiGray", "total", lambda b: int(b.sum()))
        promethean.eval("js", "globalThis.totalOf = (b) => promethean.view(b, 'total')")
        self.assertEqual(promethean.call("js", "totalOf", g), 12)  # JS asks, Python computes

    def test_a_big_buffer_handed_to_js_again_is_the_same_typed_array(self):
        # A new ArrayBuffer would count 16 MiB of new external memory and drive V8's GC: the
        # engine keeps the latest two big views, so the same buffer is the same TypedArray again,
        # even once JS dropped it and collected garbage; two newer big views let it go.
        promethean.eval("js", """require('v8').setFlagsFromString('--expose-gc');
globalThis.bigGc = require('vm').runInNewContext('gc');
globalThis.bigTag = (a) => { a.tag = 'first'; return a.length; };
globalThis.bigTagOf = (a) => a.tag;""")
        big = promethean.alloc([16 << 20], "uint8")
        self.assertEqual(promethean.call("js", "bigTag", big), 16 << 20)
        promethean.eval("js", "bigGc()")
        self.assertEqual(promethean.call("js", "bigTagOf", big), "first")  # the same TypedArray
        for _ in range(2):
            promethean.call("js", "bigTagOf", promethean.alloc([16 << 20], "uint8"))
        promethean.eval("js", "bigGc()")
        self.assertIsNone(promethean.call("js", "bigTagOf", big))  # collected: a new one

    def test_a_bytearray_crosses_again_as_the_same_memory_until_it_changes(self):
        # A bytearray is remembered as a numpy array is: while JS keeps its TypedArray, the next
        # call hands the same one (no new ArrayBuffer per call); resized once JS let go, it is
        # seen at its new address and size.
        promethean.eval("js", """globalThis.baKept = null;
globalThis.baKeep = (u) => { baKept = u; u[0] += 1; return u.length; };
globalThis.baSame = (u) => u === baKept;""")
        b = bytearray(b"\x00" * 64)
        self.assertEqual(promethean.call("js", "baKeep", b), 64)
        self.assertTrue(promethean.call("js", "baSame", b))  # the same TypedArray
        self.assertEqual(promethean.call("js", "baKeep", b), 64)
        self.assertEqual(b[0], 2)  # JS wrote into the bytearray, twice
        with self.assertRaises(BufferError):
            b.extend(b"more")  # JS holds it: CPython keeps its size and address
        promethean.eval("js", "baKept = null; require('v8').setFlagsFromString('--expose-gc'); "
                              "globalThis.baGc = require('vm').runInNewContext('gc')")
        for _ in range(200):  # V8 frees a dropped ArrayBuffer's memory at a collection, not at once
            promethean.eval("js", "baGc()")
            gc.collect()
            try:
                b.extend(b"\x00" * 4096)  # let go: it may move and grow
                break
            except BufferError:
                time.sleep(0.01)
        self.assertEqual(len(b), 64 + 4096, "JS never let the bytearray go")
        self.assertEqual(promethean.call("js", "baKeep", b), 64 + 4096)
        self.assertEqual(b[0], 3)
        promethean.eval("js", "baKept = null")

    def test_js_holds_numpy_memory_after_python_drops_it(self):
        a = np.full(1 << 16, 3, dtype=np.uint8)
        promethean.eval("js", "globalThis.keep = null; globalThis.hold = (x) => { keep = x; return x.length }")
        self.assertEqual(promethean.call("js", "hold", a), 1 << 16)
        del a
        gc.collect()
        self.assertEqual(promethean.eval("js", "keep.reduce((s, x) => s + x, 0)"), 3 << 16)
        promethean.eval("js", "keep = null")


class EventLoop(unittest.TestCase):
    """Node's loop runs while Python works, with no call into JS (the js runtime's loop thread)."""

    def test_a_js_interval_ticks_while_python_sleeps_and_computes(self):
        promethean.eval("js", "globalThis.apiTicks = 0; globalThis.apiTimer = setInterval(() => { apiTicks++; }, 50); 0")
        try:
            time.sleep(0.5)
            slept = promethean.eval("js", "apiTicks")
            deadline, n = time.monotonic() + 0.5, 0
            while time.monotonic() < deadline:
                n += 1
            computed = promethean.eval("js", "apiTicks") - slept
        finally:
            promethean.eval("js", "clearInterval(apiTimer); 0")
        self.assertGreaterEqual(slept, 6)
        self.assertGreaterEqual(computed, 6)

    def test_a_js_http_server_answers_while_python_sleeps(self):
        import json
        import urllib.request

        port = promethean.eval("js", """
            globalThis.apiServer = require('node:http').createServer((req, res) => res.end(JSON.stringify({path: req.url})));
            apiServer.listen(0);
            apiServer.address().port""")
        replies = []

        def fetch():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/asked", timeout=10) as r:
                replies.append(json.loads(r.read()))

        asker = threading.Thread(target=fetch)
        try:
            asker.start()
            time.sleep(1.0)  # served meanwhile: the main thread does not come back to JS before
            self.assertEqual(replies, [{"path": "/asked"}])
        finally:
            asker.join()
            promethean.eval("js", "apiServer.close(); 0")


class Threads(unittest.TestCase):
    def test_calls_from_many_python_threads(self):
        promethean.eval("js", "globalThis.sq = (x) => x * x")
        results, errors = {}, []

        def work(i):
            try:
                results[i] = [promethean.call("js", "sq", i * 100 + k) for k in range(50)]
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for i in range(4):
            self.assertEqual(results[i], [(i * 100 + k) ** 2 for k in range(50)])

    def test_js_calls_back_into_python_from_a_thread(self):
        @promethean.export
        def api_thread_name():
            return threading.current_thread().name

        out = []
        t = threading.Thread(target=lambda: out.append(promethean.eval("js", "promethean.call('py', 'api_thread_name')")),
                             name="worker-7")
        t.start()
        t.join()
        self.assertEqual(out, ["worker-7"])


if __name__ == "__main__":
    unittest.main()
