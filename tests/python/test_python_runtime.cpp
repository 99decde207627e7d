// The py runtime: eval/call/define/load, marshalling, zero-copy numpy both ways, errors, the module.
#include "python_fixture.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include "../support/raised.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>

using namespace promethean;
using nlohmann::json;

namespace {
json py_eval(const std::string& code) { return the_host().eval("py", code).data.value(); }

using promethean::testing_support::raised;
}  // namespace

TEST(PyEval, ExpressionsReturnValuesStatementsReturnNullStatePersists) {
  EXPECT_EQ(py_eval("1 + 2"), 3);
  EXPECT_TRUE(py_eval("x_persist = 20").is_null());
  EXPECT_EQ(py_eval("x_persist * 2 + 2"), 42);
  auto meta = the_host().eval("py", "'hello'");
  EXPECT_EQ(meta.source, "py");
  EXPECT_EQ(meta.to_json(), (json{{"_type", "MetaObject"}, {"source", "py"}, {"data", "hello"}}));
}

TEST(PyMarshal, EveryJsonTypeCrossesBothWays) {
  EXPECT_EQ(py_eval("[None, True, False, -7, 2**63 - 1, 2**64 - 1, 1.5, 'é\\n', (1, 2), {'k': [1]}]"),
            json::parse(R"([null, true, false, -7, 9223372036854775807, 18446744073709551615, 1.5, "é\n", [1, 2], {"k": [1]}])"));
  the_host().define("py", {"echo_back", {"v"}, "v"});
  const json value = json::parse(R"({"a": [1, 2.5, "s", null, true, {"deep": [[]]}], "u": 18446744073709551615})");
  EXPECT_EQ(the_host().call("py", "echo_back", json::array({value})).value(), value);
  EXPECT_EQ(py_eval("__import__('numpy').float32(0.5)"), 0.5);  // numpy scalars as Python values
  EXPECT_EQ(py_eval("__import__('numpy').int64(-3)"), -3);
}

namespace {
/// The error of a call whose function returns what `expression` evaluates to: a call's result
/// must cross, so the conversion's refusal is the call's error (eval gives null instead).
error refused_result(const std::string& expression) {
  the_host().define("py", {"gives_refused", {}, expression});
  return raised<python_error>([] { the_host().call("py", "gives_refused", json::array()); });
}
}  // namespace

TEST(PyMarshal, ValuesWithoutAJsonSpellingAreClearErrors) {
  auto key = refused_result("{1: 2}");
  EXPECT_EQ(key.type(), "TypeError");
  EXPECT_NE(std::string(key.what()).find("keys must be str"), std::string::npos);
  EXPECT_NE(std::string(refused_result("2**70").what()).find("does not fit in 64 bits"), std::string::npos);
  EXPECT_NE(std::string(refused_result("float('nan')").what()).find("no JSON spelling"), std::string::npos);
  auto obj = refused_result("object()");
  EXPECT_NE(std::string(obj.what()).find("cannot send an object across runtimes"), std::string::npos) << obj.what();
  auto named = refused_result("__import__('fractions').Fraction(1, 3)");
  EXPECT_NE(std::string(named.what()).find("cannot send a Fraction across runtimes"), std::string::npos) << named.what();
  auto boolean = refused_result("__import__('numpy').zeros(3, dtype=bool)");
  EXPECT_NE(std::string(boolean.what()).find("astype"), std::string::npos);
  // Complex and big-endian arrays: the hint the README promises (issue 27 item 9).
  auto complex = refused_result("__import__('numpy').zeros(3, dtype='complex128')");
  EXPECT_EQ(complex.type(), "TypeError");
  EXPECT_NE(std::string(complex.what()).find("complex format 'Zd'"), std::string::npos) << complex.what();
  EXPECT_NE(std::string(complex.what()).find(".view('float64') for complex128"), std::string::npos) << complex.what();
  auto complex64 = refused_result("__import__('numpy').zeros(3, dtype='complex64')");
  EXPECT_NE(std::string(complex64.what()).find(".view('float32')"), std::string::npos) << complex64.what();
  auto big = refused_result("__import__('numpy').zeros(3, dtype='>f8')");
  EXPECT_NE(std::string(big.what()).find("big-endian format '>d'"), std::string::npos) << big.what();
  EXPECT_NE(std::string(big.what()).find(".astype(a.dtype.newbyteorder('<'))"), std::string::npos) << big.what();
  auto not_callable = raised<usage_error>([] { the_host().call("py", "math.pi", json::array()); });
  EXPECT_NE(not_callable.message().find("'math.pi' is a float, not callable"), std::string::npos) << not_callable.message();
  py_eval("import sys");
  auto an_int = raised<usage_error>([] { the_host().call("py", "sys.maxsize", json::array()); });
  EXPECT_NE(an_int.message().find("'sys.maxsize' is an int, not callable"), std::string::npos) << an_int.message();
  // And the hints work: what they make crosses, as a buffer.
  auto parts = the_host().eval("py", "__import__('numpy').array([1+2j]).view('float64')").data;
  ASSERT_TRUE(parts.as_buffer());
  EXPECT_EQ(parts.as_buffer()->span<double>()[1], 2.0);
  auto little = the_host().eval("py", "(lambda a: a.astype(a.dtype.newbyteorder('<')))(__import__('numpy').ones(2, dtype='>f8'))").data;
  ASSERT_TRUE(little.as_buffer());
  EXPECT_EQ(little.as_buffer()->span<double>()[0], 1.0);
}

TEST(PyEval, AValueThatCannotCrossIsNullAfterItsEffect) {
  // Code is evaluated for its effect: the effect happens and eval gives null, never an error
  // after it (issue 27 item 4).
  EXPECT_TRUE(py_eval("globals().setdefault('eval_obj', object())").is_null());
  EXPECT_EQ(py_eval("type(eval_obj).__name__"), "object");
  EXPECT_TRUE(py_eval("globals().setdefault('eval_nested', {'a': [1, object()]})").is_null());
  EXPECT_EQ(py_eval("eval_nested['a'][0]"), 1);
  EXPECT_TRUE(py_eval("{1: 2}").is_null());
  EXPECT_TRUE(py_eval("float('nan')").is_null());
  EXPECT_TRUE(py_eval("2**70").is_null());
  // An error of the code itself is still the error; what crosses is returned exactly as before.
  EXPECT_EQ(raised<python_error>([] { py_eval("1/0"); }).type(), "ZeroDivisionError");
  EXPECT_EQ(py_eval("{'a': (1, 'x', None)}"), json::parse(R"({"a": [1, "x", null]})"));
  // eval_async too, an awaitable's value included.
  auto eval_async = [](const std::string& code) {
    auto outcome = the_host().eval_async("py", code)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(30));
    if (!outcome) throw std::runtime_error("eval_async of " + code + " did not settle within 30 s");
    return std::move(*outcome).take().value();
  };
  EXPECT_TRUE(eval_async("object()").is_null());
  py_eval("async def gives_object():\n    return object()");
  EXPECT_TRUE(eval_async("gives_object()").is_null());
  EXPECT_EQ(eval_async("(lambda: 5)()"), 5);
}

TEST(PyCall, DottedNamesBuiltinsAndModules) {
  EXPECT_EQ(the_host().call("py", "math.sqrt", json::array({16})).value(), 4.0);
  EXPECT_EQ(the_host().call("py", "len", json::array({"four"})).value(), 4);
  EXPECT_EQ(the_host().call("py", "numpy.sum", json::array({json::array({1, 2, 3})})).value(), 6);
  EXPECT_EQ(the_host().call("py", "os.path.basename", json::array({"/a/b.txt"})).value(), "b.txt");
  EXPECT_THROW(the_host().call("py", "no_such_module_xyz.fn", json::array()), usage_error);
  EXPECT_THROW(the_host().call("py", "math.no_such_fn", json::array()), usage_error);
  EXPECT_THROW(the_host().call("py", "math.pi", json::array()), usage_error);  // not callable
}

TEST(PyDefine, ExpressionAndStatementBodies) {
  the_host().define("py", {"py_add", {"a", "b"}, "a + b"});
  EXPECT_EQ(the_host().call("py", "py_add", json::array({2, 3})).value(), 5);
  the_host().define("py", {"py_clamp", {"v"}, "if v > 10:\n    return 10\nreturn v"});
  EXPECT_EQ(the_host().call("py", "py_clamp", json::array({99})).value(), 10);
  EXPECT_EQ(the_host().call("py", "py_clamp", json::array({3})).value(), 3);
  EXPECT_THROW(the_host().define("py", {"py_bad", {}, "return ("}), python_error);
}

TEST(PyZeroCopy, NumpyArrayBecomesABufferOverTheSameMemory) {
  py_eval("import numpy as np\nzc = np.arange(12, dtype=np.float32).reshape(3, 4)");
  auto m = the_host().eval("py", "zc").data;
  auto b = m.as_buffer();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->language(), "py");
  EXPECT_EQ(b->format(), dtype::float32);
  EXPECT_EQ(b->shape(), (shape_t{3, 4}));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b->cdata()), py_eval("zc.ctypes.data").get<std::uintptr_t>());
  b->span<float>()[5] = 99.5f;                 // write through the host...
  EXPECT_EQ(py_eval("float(zc[1, 1])"), 99.5);  // ...numpy sees it
  py_eval("zc[2, 3] = -1");                     // and the other way round
  EXPECT_EQ(b->span<const float>()[11], -1.0f);
}

TEST(PyZeroCopy, HostBufferReachesPythonAsAnArrayOverTheSameMemory) {
  auto b = buffer::allocate(dtype::int32, {4});
  the_host().define("py", {"poke", {"a"}, "a[1] = 7\nreturn [int(a.ctypes.data), a.dtype.name, list(a.shape), a.flags.writeable]"});
  auto r = the_host().call("py", "poke", message(json::array({buffer_to_json(b)}))).value();
  EXPECT_EQ(r[0].get<std::uintptr_t>(), reinterpret_cast<std::uintptr_t>(b.cdata()));
  EXPECT_EQ(r[1], "int32");
  EXPECT_EQ(r[2], json::array({4}));
  EXPECT_EQ(r[3], true);
  EXPECT_EQ(b.span<const std::int32_t>()[1], 7);
  // Handing the array straight back gives the same buffer, not a new one.
  the_host().define("py", {"identity", {"a"}, "a"});
  auto back = the_host().call("py", "identity", message(json::array({buffer_to_json(b)}))).as_buffer();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id(), b.id());
}

TEST(PyZeroCopy, StridedAndReversedArraysKeepTheirLayout) {
  py_eval("import numpy as np\nbase_arr = np.arange(24, dtype=np.int16).reshape(4, 6)");
  auto cols = the_host().eval("py", "base_arr[:, ::2]").data.as_buffer();
  ASSERT_TRUE(cols);
  EXPECT_EQ(cols->strides(), (strides_t{12, 4}));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(cols->cdata()), py_eval("base_arr.ctypes.data").get<std::uintptr_t>());
  auto rev = the_host().eval("py", "base_arr[::-1]").data.as_buffer();
  ASSERT_TRUE(rev);
  EXPECT_EQ(rev->strides(), (strides_t{-12, 2}));
  EXPECT_EQ(*reinterpret_cast<const std::int16_t*>(rev->cdata()), 18);  // row 3 comes first
}

TEST(PyZeroCopy, AnArrayCrossingAgainWhileItsBufferLivesIsTheSameBuffer) {
  py_eval("import numpy as np\nagain = np.arange(8, dtype=np.float64)");
  auto first = the_host().eval("py", "again").data.as_buffer();
  ASSERT_TRUE(first);
  auto second = the_host().eval("py", "again").data.as_buffer();  // the host still holds `first`
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id(), first->id());
  // Reassigned in place, the array no longer is what that Buffer describes: a new Buffer.
  py_eval("again.shape = (2, 4)");
  auto reshaped = the_host().eval("py", "again").data.as_buffer();
  ASSERT_TRUE(reshaped);
  EXPECT_NE(reshaped->id(), first->id());
  EXPECT_EQ(reshaped->shape(), (shape_t{2, 4}));
  py_eval("again.dtype = np.int64");
  auto retyped = the_host().eval("py", "again").data.as_buffer();
  ASSERT_TRUE(retyped);
  EXPECT_NE(retyped->id(), reshaped->id());
  EXPECT_EQ(retyped->format(), dtype::int64);
  py_eval("again.flags.writeable = False");
  auto frozen = the_host().eval("py", "again").data.as_buffer();
  ASSERT_TRUE(frozen);
  EXPECT_NE(frozen->id(), retyped->id());
  EXPECT_TRUE(frozen->readonly());
  // Once every Buffer of it is gone, the next crossing adopts anew (the cache is weak).
  const std::string old_id = frozen->id();
  first.reset(); second.reset(); reshaped.reset(); retyped.reset(); frozen.reset();
  py_eval("None");  // drains the releases queued by this thread
  auto fresh = the_host().eval("py", "again").data.as_buffer();
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->id(), old_id);
}

TEST(PyZeroCopy, AdoptedArrayOutlivesPythonsReferenceAndIsReleasedOnce) {
  const auto before = ledger::instance().counts();
  message held = the_host().eval("py", "__import__('numpy').full(1000, 3.0)").data;
  py_eval("import gc; gc.collect()");  // Python holds nothing now: only the host does
  auto b = held.as_buffer();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->span<const double>()[999], 3.0);
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
  b.reset();
  held = message();  // released here, on this thread, which holds no GIL: it waits in the queue
  py_eval("None");   // the next call into Python drains it
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(PyZeroCopy, ReadOnlyIsRespectedBothWays) {
  auto ro = buffer::allocate(dtype::uint8, {3}).as_readonly();
  the_host().define("py", {"try_write", {"a"}, "a[0] = 1"});
  auto e = raised<python_error>([&] { the_host().call("py", "try_write", message(json::array({buffer_to_json(ro)}))); });
  EXPECT_EQ(e.type(), "ValueError");
  EXPECT_NE(e.message().find("read-only"), std::string::npos);
  auto bytes = the_host().eval("py", "b'abc'").data.as_buffer();
  ASSERT_TRUE(bytes);
  EXPECT_TRUE(bytes->readonly());
  EXPECT_EQ(bytes->format(), dtype::uint8);
  EXPECT_EQ(static_cast<char>(bytes->cdata()[2]), 'c');
}

TEST(PyErrors, ExceptionsCarryTypeMessageAndTraceback) {
  auto e = raised<python_error>([] { py_eval("1/0"); });
  EXPECT_EQ(e.runtime(), "py");
  EXPECT_EQ(e.type(), "ZeroDivisionError");
  EXPECT_EQ(e.message(), "division by zero");
  EXPECT_NE(e.trace().find("Traceback (most recent call last)"), std::string::npos);
  EXPECT_NE(e.trace().find("ZeroDivisionError"), std::string::npos);
}

TEST(PyErrors, ForeignErrorsHaveTheirFieldsInPython) {
  py_eval(R"(import promethean
try:
    promethean.call("sh", "no_such_command_xyz")
    fe = None
except promethean.ForeignError as err:
    fe = [err.runtime, err.type, err.message, type(err).__module__])");
  auto fe = py_eval("fe");
  EXPECT_EQ(fe[0], "sh");
  EXPECT_EQ(fe[1], "UnknownFunction");
  EXPECT_NE(fe[2].get<std::string>().find("no_such_command_xyz"), std::string::npos);
  EXPECT_EQ(fe[3], "promethean");
}

TEST(PyModule, CallChecksItsOwnArgumentsWithPythonErrors) {
  py_eval(R"(import promethean
def call_error(*args, **kwargs):
    try:
        promethean.call(*args, **kwargs)
        return None
    except promethean.ForeignError as e:
        return ["ForeignError", e.runtime, e.type]
    except Exception as e:
        return [type(e).__name__, str(e)])");
  EXPECT_EQ(py_eval("call_error('py')")[0], "TypeError");
  EXPECT_EQ(py_eval("call_error(1, 'abs', -1)"),
            json::array({"TypeError", "promethean.call: the runtime must be a str, got int"}));
  EXPECT_EQ(py_eval("call_error('py', None)")[0], "TypeError");
  // Keywords other than timeout= go to the function (issue 27, item 7): a misspelt one is the
  // function's own TypeError, which comes back as itself.
  EXPECT_EQ(py_eval("call_error('py', 'abs', -1, timeot=2)"), json::array({"TypeError", "abs() takes no keyword arguments"}));
  auto unconvertible = py_eval("call_error('py', 'abs', {1, 2})");
  EXPECT_EQ(unconvertible[0], "TypeError");
  EXPECT_NE(unconvertible[1].get<std::string>().find("set"), std::string::npos) << unconvertible;
  EXPECT_EQ(py_eval("call_error('no_such_runtime', 'f')")[0], "ForeignError");
  EXPECT_EQ(py_eval("call_error('py', 'abs', -1, timeout=-2)")[0], "ValueError");
  // Keyword and positional arguments that are right still work, and the doc names the signature.
  EXPECT_EQ(py_eval("promethean.call('py', 'abs', -4, timeout=5)"), 4);
  EXPECT_EQ(py_eval("promethean.call(*['py', 'max'], *range(5))"), 4);
  EXPECT_NE(py_eval("promethean.call.__doc__").get<std::string>().find("timeout"), std::string::npos);
}

TEST(PyModule, EvalCallRuntimesAndBufferHelpers) {
  EXPECT_EQ(py_eval("__import__('promethean').eval('sh', 'echo hi')['stdout']"), "hi\n");
  EXPECT_EQ(py_eval("__import__('promethean').call('py', 'math.floor', 2.7)"), 2);
  auto names = py_eval("sorted(__import__('promethean').runtimes().keys())");
  EXPECT_NE(std::find(names.begin(), names.end(), "py"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "sh"), names.end());
  py_eval(R"(import promethean
promethean.register_buffer_type("Gray", ["height", "width"], "uint8")
img = promethean.alloc([2, 3], type="Gray")
info = promethean.buffer_info(img))");
  auto info = py_eval("info");
  EXPECT_EQ(info["_type"], "Buffer");
  EXPECT_EQ(info["type"], "Gray");
  EXPECT_EQ(info["format"], "uint8");
  EXPECT_EQ(info["shape"], json::array({2, 3}));
  EXPECT_EQ(info["language"], "host");
  auto live = ledger::instance().find(info["buffer_id"].get<std::string>());
  ASSERT_TRUE(live);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(live->cdata()), py_eval("img.ctypes.data").get<std::uintptr_t>());
  EXPECT_EQ(info["address"], py_eval("img.ctypes.data"));
  EXPECT_EQ(info["nbytes"], 6);
  EXPECT_THROW(py_eval("__import__('promethean').alloc([2, 3, 4], type='Gray')"), error);
}

TEST(PyModule, ExportOnMessageAndSendJson) {
  py_eval(R"(import promethean
@promethean.export
def shout(s):
    return s.upper() + "!"

@promethean.export(name="twice")
def double_it(v):
    return v * 2

@promethean.on_message
def handle(msg):
    return {"echo": msg, "lang": "py"})");
  EXPECT_EQ(the_host().call("py", "shout", json::array({"hi"})).value(), "HI!");
  EXPECT_EQ(the_host().call("py", "twice", json::array({21})).value(), 42);
  auto reply = the_host().send_json("py", json{{"msg", "hello"}, {"lang", "js"}}).value();
  EXPECT_EQ(reply, (json{{"echo", {{"msg", "hello"}, {"lang", "js"}}}, {"lang", "py"}}));
  the_host().set_message_handler("sh", "cat");
  EXPECT_EQ(py_eval("__import__('promethean').send_json('sh', {'n': 1})"), (json{{"n", 1}}));
}

TEST(PyFunctions, CallablesCrossAsHandlesAndCanBeCalledBack) {
  auto f = the_host().eval("py", "lambda a, b: a * b").data;
  ASSERT_EQ(f.functions().size(), 1u);
  const auto id = f.functions()[0]->id();
  EXPECT_EQ(f.value()["runtime"], "py");
  EXPECT_EQ(the_host().call("py", id, json::array({6, 7})).value(), 42);
}

TEST(PyLoad, RunsAFileAsAModule) {
  auto path = std::filesystem::temp_directory_path() / "pm_loaded_mod.py";
  std::ofstream(path) << "def triple(x):\n    return 3 * x\n";
  the_host().load("py", path);
  EXPECT_EQ(the_host().call("py", "pm_loaded_mod.triple", json::array({5})).value(), 15);
  std::filesystem::remove(path);
  EXPECT_THROW(the_host().load("py", "/nonexistent/mod.py"), usage_error);
}

TEST(PyLoad, AFailedLoadLeavesSysModulesAsItWas) {
  const auto dir = std::filesystem::temp_directory_path() / ("pm_failed_loads_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // A new name: the module is not left behind, half made, after its error.
  std::ofstream(dir / "pm_failing_mod.py") << "x = 1\nraise ValueError('boom')\n";
  auto e = raised<python_error>([&] { the_host().load("py", dir / "pm_failing_mod.py"); });
  EXPECT_EQ(e.type(), "ValueError");
  EXPECT_EQ(e.message(), "boom");
  EXPECT_EQ(py_eval("__import__('sys').modules.get('pm_failing_mod') is None"), true);
  // A name already taken: what was there is there again.
  py_eval("import sys, types\nsys.modules['pm_taken_mod'] = types.ModuleType('pm_taken_mod')\n"
          "sys.modules['pm_taken_mod'].marker = 7\n");
  std::ofstream(dir / "pm_taken_mod.py") << "def f():\n    return 1\nraise KeyError('k')\n";
  EXPECT_EQ(raised<python_error>([&] { the_host().load("py", dir / "pm_taken_mod.py"); }).type(), "KeyError");
  EXPECT_EQ(py_eval("__import__('sys').modules['pm_taken_mod'].marker"), 7);
  // A load that succeeds replaces it, and a call sees the new module's function.
  std::ofstream(dir / "pm_taken_mod.py") << "def f():\n    return 2\n";
  the_host().load("py", dir / "pm_taken_mod.py");
  EXPECT_EQ(the_host().call("py", "pm_taken_mod.f", json::array()).value(), 2);
  // No file, or a folder: the usage error that names the path.
  auto missing = raised<usage_error>([&] { the_host().load("py", dir / "pm_not_there.py"); });
  EXPECT_EQ(missing.message(), "py: cannot load " + (dir / "pm_not_there.py").string() + ": no such file");
  std::filesystem::create_directories(dir / "pm_folder.py");
  EXPECT_THROW(the_host().load("py", dir / "pm_folder.py"), usage_error);
  EXPECT_EQ(py_eval("__import__('sys').modules.get('pm_not_there') is None"), true);
  std::filesystem::remove_all(dir);
}

TEST(PyMarshalEntry, RendersPythonLiterals) {
  const json v = json::parse(R"({"a": [1, null, true, "x'y"], "b": 2.5})");
  EXPECT_EQ(the_host().marshal("py", v), R"({"a": [1, None, True, "x'y"], "b": 2.5})");
  EXPECT_EQ(py_eval(the_host().marshal("py", v)), v);
}

TEST(PyViews, RegisteredViewsRouteToPythonAndKeepTheSameMemory) {
  py_eval(R"(import promethean, numpy
promethean.register_buffer_type("ViewRGB", ["height", "width", "channels"], "uint8", {"channels": 3})
def gray(img):
    return img.mean(axis=2).astype(numpy.uint8)
promethean.register_view("ViewRGB", "grayscale", gray)
promethean.register_view("ViewRGB", "red", lambda img: img[:, :, 0])
rgb = promethean.alloc([2, 2, 3], "uint8", "ViewRGB")
rgb[:] = [[[30, 60, 90], [0, 0, 3]], [[255, 255, 255], [9, 0, 0]]])");
  EXPECT_EQ(py_eval("promethean.view(rgb, 'grayscale').tolist()"), json::parse("[[60, 1], [255, 3]]"));
  // The red channel is a strided view of the same memory, not a copy.
  py_eval("red = promethean.view(rgb, 'red'); red[0, 0] = 7");
  EXPECT_EQ(py_eval("int(rgb[0, 0, 0])"), 7);
  // From the host: the buffer is typed, so the lookup is direct.
  auto rgb = the_host().eval("py", "rgb").data.as_buffer();
  ASSERT_TRUE(rgb);
  EXPECT_EQ(rgb->type_name(), "ViewRGB");
  auto gray = the_host().view(*rgb, "grayscale").as_buffer();
  ASSERT_TRUE(gray);
  EXPECT_EQ(gray->shape(), (shape_t{2, 2}));
  // An untyped array whose layout fits exactly one registered type with that view.
  EXPECT_EQ(py_eval("promethean.view(numpy.full((1, 1, 3), 3, numpy.uint8), 'grayscale').tolist()"),
            json::parse("[[3]]"));
  // Unregistered names go to the owner (py owns a numpy array): a function of that name there.
  py_eval("@promethean.export\ndef flipped(a):\n    return a[::-1]");
  EXPECT_EQ(py_eval("promethean.view(numpy.arange(3), 'flipped').tolist()"), json::parse("[2, 1, 0]"));
  auto unknown = raised([] { py_eval("promethean.view(numpy.arange(3), 'nosuchview')"); });
  EXPECT_NE(unknown.message().find("buffer.view 'nosuchview' routed to py"), std::string::npos) << unknown.message();
  auto no_type = raised([] { py_eval("promethean.register_view('NoSuchType', 'v', len)"); });
  EXPECT_NE(no_type.message().find("no buffer type 'NoSuchType'"), std::string::npos) << no_type.message();
}

TEST(PythonMultiprocessing, SpawnIsTheDefaultAndWithoutAPrometheanCommandAPoolIsRefusedClearly) {
  // This test binary is no promethean CLI and has none beside it: with $PROMETHEAN unset, a Pool
  // cannot start children that are promethean hosts, and says so instead of hanging.
  the_host().eval("py", "import os, multiprocessing\nos.environ.pop('PROMETHEAN', None)");
  EXPECT_EQ(the_host().eval("py", "multiprocessing.get_start_method()").data.value(), "spawn");
  try {
    the_host().eval("py", "__import__('multiprocessing').Pool(1)");
    ADD_FAILURE() << "a Pool started without a promethean command";
  } catch (const promethean::error& e) {
    EXPECT_EQ(e.type(), "RuntimeError") << e.describe();
    EXPECT_NE(e.message().find("no promethean command was found"), std::string::npos) << e.describe();
    EXPECT_NE(e.message().find("Set PROMETHEAN"), std::string::npos) << e.describe();
  }
}
