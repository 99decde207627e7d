// The js runtime: eval/call/define/load, marshalling, zero-copy buffers both ways, Promises and
// the event loop, errors both ways, the promethean JS module.
#include "js_fixture.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include "../support/raised.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <functional>

using namespace promethean;
using nlohmann::json;

namespace {
using promethean::testing_support::raised;

}  // namespace

TEST(JsEval, CompletionValuesAndStatePersists) {
  EXPECT_EQ(js_eval("1 + 2"), 3);
  EXPECT_EQ(js_eval("var counter = 40; counter += 2"), 42);
  EXPECT_EQ(js_eval("counter"), 42);
  EXPECT_EQ(js_eval("let unused = 1;"), nullptr);  // a declaration completes with undefined
  EXPECT_EQ(js_eval("typeof require('fs').readFileSync"), "function");
  EXPECT_EQ(js_eval("process.version"), "v18.20.4");
}

TEST(JsMarshal, EveryJsonTypeCrossesBothWays) {
  const json v = json::parse(R"({"n": null, "t": true, "i": -7, "f": 2.5, "s": "é\"x", "a": [1, [2, {}]], "o": {"k": []}})");
  the_host().define("js", {"same", {"x"}, "x"});
  EXPECT_EQ(the_host().call("js", "same", json::array({v})).value(), v);
  EXPECT_EQ(js_eval("[undefined, null, -0, 1e300, 2**53 - 1]"), json::parse("[null, null, 0, 1e300, 9007199254740991]"));
  // BigInt: int64/uint64 cross as integers; integers beyond 2^53 reach JS as BigInt.
  EXPECT_EQ(js_eval("[-(2n**63n), 2n**64n - 1n]"), json::parse("[-9223372036854775808, 18446744073709551615]"));
  the_host().define("js", {"kind", {"x"}, "typeof x"});
  EXPECT_EQ(the_host().call("js", "kind", json::array({json(std::int64_t{1} << 60)})).value(), "bigint");
  EXPECT_EQ(the_host().call("js", "kind", json::array({json(42)})).value(), "number");
  // Objects with toJSON (Date) cross as what it returns.
  EXPECT_EQ(js_eval("new Date(0)"), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(the_host().marshal("js", json::parse(R"({"a": [1, null, "x"], "big": 18446744073709551615})")),
            R"({"a": [1, null, "x"], "big": 18446744073709551615n})");
  // A __proto__ key is an own property of the literal, not its prototype (found by fuzzing).
  const json proto = json::parse(R"({"__proto__": {"polluted": 1}, "n": {"__proto__": 7}})");
  EXPECT_EQ(js_eval("(" + the_host().marshal("js", proto) + ")"), proto);
  EXPECT_EQ(js_eval("Object.hasOwn(" + the_host().marshal("js", proto) + ", '__proto__')"), true);
}

namespace {
/// The error of a call whose function returns what `expression` evaluates to: a call's result
/// must cross, so the conversion's refusal is the call's error (eval gives null instead).
error refused_result(const std::string& expression) {
  the_host().define("js", {"gives_refused", {}, expression});
  return raised<js_error>([] { the_host().call("js", "gives_refused", json::array()); });
}
}  // namespace

TEST(JsMarshal, ValuesWithoutAJsonSpellingAreClearErrors) {
  auto nan = refused_result("NaN");
  EXPECT_NE(nan.message().find("no JSON spelling"), std::string::npos) << nan.message();
  auto big = refused_result("2n ** 70n");
  EXPECT_NE(big.message().find("does not fit in 64 bits"), std::string::npos) << big.message();
  auto map = refused_result("new Map()");
  EXPECT_EQ(map.type(), "TypeError");
  EXPECT_NE(map.message().find("cannot send a Map across runtimes"), std::string::npos) << map.message();
  auto cls = refused_result("new (class Point { constructor() { this.x = 1; } })()");
  EXPECT_NE(cls.message().find("cannot send a Point"), std::string::npos) << cls.message();
  auto sym = refused_result("Symbol('s')");
  EXPECT_NE(sym.message().find("cannot send a symbol"), std::string::npos) << sym.message();
  // The article goes with the name (issue 27 item 4): "an Error", "an Object", the class name.
  auto err = refused_result("new Error('x')");
  EXPECT_NE(err.message().find("cannot send an Error across runtimes"), std::string::npos) << err.message();
  auto bare = refused_result("new (class { constructor() { this.x = 1; } })()");
  EXPECT_NE(bare.message().find("cannot send an Object across runtimes"), std::string::npos) << bare.message();
  auto a = refused_result("new (class A {})()");
  EXPECT_NE(a.message().find("cannot send an A across runtimes"), std::string::npos) << a.message();
  auto nested = refused_result("({a: [1, new Set()]})");
  EXPECT_NE(nested.message().find("cannot send a Set"), std::string::npos) << nested.message();
  auto not_fn = raised<usage_error>([] { the_host().call("js", "process.env", json::array()); });
  EXPECT_NE(not_fn.message().find("'process.env' is an object, not a function"), std::string::npos) << not_fn.message();
}

TEST(JsEval, ACompletionValueThatCannotCrossIsNullAfterItsEffect) {
  // Code is evaluated for its effect: the effect happens and eval gives null, never an error
  // after it (issue 27 item 4).
  EXPECT_EQ(js_eval("globalThis.evalMap = new Map([[1, 2]])"), nullptr);
  EXPECT_EQ(js_eval("evalMap instanceof Map && evalMap.get(1)"), 2);
  EXPECT_EQ(js_eval("globalThis.evalExits = 0; process.on('exit', () => evalExits++)"), nullptr);
  EXPECT_EQ(js_eval("process.listenerCount('exit') > 0"), true);
  EXPECT_EQ(js_eval("globalThis.evalErr = new Error('x')"), nullptr);
  EXPECT_EQ(js_eval("evalErr.message"), "x");
  EXPECT_EQ(js_eval("globalThis.evalSym = Symbol('s')"), nullptr);
  EXPECT_EQ(js_eval("evalSym.description"), "s");
  EXPECT_EQ(js_eval("globalThis.evalNested = ({a: new Map()})"), nullptr);
  EXPECT_EQ(js_eval("evalNested.a.size"), 0);
  EXPECT_EQ(js_eval("NaN"), nullptr);
  EXPECT_EQ(js_eval("2n ** 70n"), nullptr);
  EXPECT_EQ(js_eval("(() => { let d = 1; for (let i = 0; i < 1000; i++) d = [d]; return d; })()"), nullptr);
  // A Promise is awaited first: its value follows the same rule, a rejection is still an error.
  EXPECT_EQ(js_eval("Promise.resolve(new Map())"), nullptr);
  auto rejected = raised<js_error>([] { js_eval("Promise.reject(new RangeError('no'))"); });
  EXPECT_EQ(rejected.type(), "RangeError");
  // What crosses is returned exactly as before.
  EXPECT_EQ(js_eval("({a: [1, 'x', null], d: new Date(0)})"), json::parse(R"({"a": [1, "x", null], "d": "1970-01-01T00:00:00.000Z"})"));
}

TEST(JsCall, DottedPathsExportsAndLoadedModules) {
  EXPECT_EQ(the_host().call("js", "Math.max", json::array({3, 9, 4})).value(), 9);
  EXPECT_EQ(the_host().call("js", "JSON.stringify", json::array({json{{"a", 1}}})).value(), R"({"a":1})");
  js_eval("promethean.export('shout', (s) => s.toUpperCase() + '!')");
  EXPECT_EQ(the_host().call("js", "shout", json::array({"hi"})).value(), "HI!");
  the_host().load("js", PROMETHEAN_TEST_DATA "/js/cjs_lib.js");
  EXPECT_EQ(the_host().call("js", "cjs_lib.add", json::array({2, 3})).value(), 5);
  the_host().load("js", PROMETHEAN_TEST_DATA "/js/module.mjs");
  EXPECT_EQ(the_host().call("js", "module.triple", json::array({5})).value(), 15);
  auto missing = raised<usage_error>([] { the_host().call("js", "Math.nosuch", json::array()); });
  EXPECT_NE(missing.message().find("'nosuch' not found"), std::string::npos) << missing.message();
  EXPECT_THROW(the_host().call("js", "Math.PI", json::array()), usage_error);
  EXPECT_THROW(the_host().load("js", "/nonexistent/lib.js"), usage_error);
}

TEST(JsDefine, ExpressionAndStatementBodies) {
  the_host().define("js", {"hyp", {"a", "b"}, "Math.sqrt(a * a + b * b)"});
  EXPECT_EQ(the_host().call("js", "hyp", json::array({3, 4})).value(), 5);
  the_host().define("js", {"sumTo", {"n"}, "let s = 0;\nfor (let i = 1; i <= n; i++) s += i;\nreturn s;"});
  EXPECT_EQ(the_host().call("js", "sumTo", json::array({10})).value(), 55);
  EXPECT_THROW(the_host().define("js", {"broken", {}, "return (;"}), js_error);
}

TEST(JsErrors, ExceptionsCarryNameMessageAndStack) {
  the_host().define("js", {"fails", {}, "null.x"});
  auto e = raised<js_error>([] { the_host().call("js", "fails", json::array()); });
  EXPECT_EQ(e.runtime(), "js");
  EXPECT_EQ(e.type(), "TypeError");
  EXPECT_NE(e.message().find("Cannot read properties of null"), std::string::npos) << e.message();
  EXPECT_NE(e.trace().find("at fails"), std::string::npos) << e.trace();
  auto thrown = raised<js_error>([] { js_eval("throw 'plain string'"); });
  EXPECT_NE(thrown.message().find("plain string"), std::string::npos);
  auto syntax = raised<js_error>([] { js_eval("let = ;"); });
  EXPECT_EQ(syntax.type(), "SyntaxError");
}

TEST(JsErrors, ForeignErrorsHaveTheirFieldsInJs) {
  auto fields = js_eval(R"(
    (() => {
      try { promethean.eval('py', '1/0'); return 'no error'; }
      catch (e) { return [e instanceof promethean.ForeignError, e.name, e.runtime, e.type, e.message, e.trace.includes('ZeroDivisionError')]; }
    })())");
  EXPECT_EQ(fields, json::parse(R"([true, "ForeignError", "py", "ZeroDivisionError", "division by zero", true])"));
  // Let through JS, the error stays Python's, and its trace shows where it passed through JS.
  auto passed = raised([] { js_eval("promethean.eval('py', '1/0')"); });
  EXPECT_EQ(passed.runtime(), "py");
  EXPECT_EQ(passed.type(), "ZeroDivisionError");
  EXPECT_NE(passed.trace().find("[js]"), std::string::npos) << passed.trace();
}

TEST(JsPromises, AsyncFunctionsTimersAndRejectionsAreAwaited) {
  js_eval("promethean.export('later', async (v) => { await new Promise(r => setTimeout(r, 20)); return v * 2; })");
  EXPECT_EQ(the_host().call("js", "later", json::array({21})).value(), 42);
  EXPECT_EQ(js_eval("new Promise(r => setImmediate(() => r('immediate')))"), "immediate");
  EXPECT_EQ(js_eval("Promise.resolve().then(() => 'microtask')"), "microtask");
  js_eval("promethean.export('refuses', async () => { throw new RangeError('async nope'); })");
  auto e = raised<js_error>([] { the_host().call("js", "refuses", json::array()); });
  EXPECT_EQ(e.type(), "RangeError");
  EXPECT_NE(e.trace().find("async nope"), std::string::npos);
  auto never = raised<js_error>([] { js_eval("new Promise(() => {})"); });
  EXPECT_EQ(never.type(), "PendingPromise");
  // The host is still fine after all of that, and callAsync gives a Promise of another runtime's result.
  EXPECT_EQ(js_eval("promethean.callAsync('py', 'math.factorial', 5)"), 120);
}

TEST(JsZeroCopy, TypedArrayBecomesABufferOverTheSameMemory) {
  js_eval("globalThis.f64 = new Float64Array([1, 2, 3, 4]);");
  auto b = the_host().eval("js", "f64").data.as_buffer();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->language(), "js");
  EXPECT_EQ(b->format(), dtype::float64);
  EXPECT_EQ(b->shape(), (shape_t{4}));
  // The same TypedArray crossing again is the same Buffer.
  EXPECT_EQ(the_host().eval("js", "f64").data.as_buffer()->id(), b->id());
  b->span<double>()[1] = 20.5;                 // the host writes...
  EXPECT_EQ(js_eval("f64[1]"), 20.5);          // ...JS sees it
  js_eval("f64[3] = -4");                      // and the other way round
  EXPECT_EQ(b->span<const double>()[3], -4.0);
  // Every kind of view: dtype from the TypedArray, bytes for the rest, offsets kept.
  auto kinds = the_host().eval("js", R"([new Int8Array(2), new Uint16Array(2), new Int32Array(2), new Uint32Array(2),
      new Float32Array(2), new BigInt64Array(2), new BigUint64Array(2), new DataView(new ArrayBuffer(3)),
      Buffer.from('hey'), new ArrayBuffer(5), new Uint8Array(new ArrayBuffer(8), 4, 2)])").data;
  std::vector<std::string> formats;
  for (const auto& h : kinds.value()) formats.push_back(h["format"]);
  EXPECT_EQ(formats, (std::vector<std::string>{"int8", "uint16", "int32", "uint32", "float32", "int64", "uint64",
                                                "uint8", "uint8", "uint8", "uint8"}));
  EXPECT_EQ(kinds.buffers().back().shape(), (shape_t{2}));
}

TEST(JsZeroCopy, ATypedArrayPassedToCallAgainAndAgainArrivesWithItsWholeHandle) {
  // promethean.call lends a TypedArray's Buffer handle to each call's arguments and takes it back
  // after the call (js_conversion.cpp): every call must still see the same Buffer with its whole
  // handle, after a call that threw too, and with the array passed twice in one call.
  the_host().define("py", {"lend_info", {"a"}, "[__import__('promethean').buffer_info(a), int(a[-1])]"});
  the_host().define("py", {"lend_pair", {"a", "b"},
                           "[__import__('promethean').buffer_info(a), __import__('promethean').buffer_info(b)]"});
  the_host().define("py", {"lend_fail", {"a"}, "int(a[0]) // 0"});
  auto r = js_eval(R"((() => {
    const a = new Int16Array([1, 2, 3]);
    const first = promethean.call('py', 'lend_info', a);
    const again = promethean.call('py', 'lend_info', a);
    let threw = false;
    try { promethean.call('py', 'lend_fail', a); } catch (e) { threw = e.type === 'ZeroDivisionError'; }
    const after = promethean.call('py', 'lend_info', a);
    const twice = promethean.call('py', 'lend_pair', a, a);
    a[2] = 9;
    const seen = promethean.call('py', 'lend_info', a);
    return [first, again, threw, after, twice, seen];
  })())");
  const json& handle = r[0][0];
  EXPECT_EQ(handle["_type"], "Buffer");
  EXPECT_EQ(handle["format"], "int16");
  EXPECT_EQ(handle["shape"], json::array({3}));
  EXPECT_EQ(handle["language"], "js");
  EXPECT_EQ(r[0][1], 3);
  EXPECT_EQ(r[1][0], handle);
  EXPECT_EQ(r[2], true);
  EXPECT_EQ(r[3][0], handle);
  EXPECT_EQ(r[4][0], handle);
  EXPECT_EQ(r[4][1], handle);
  EXPECT_EQ(r[5][0], handle);
  EXPECT_EQ(r[5][1], 9);  // the same memory, written by JS between the calls
}

TEST(JsZeroCopy, HostBufferReachesJsAsATypedArrayOverTheSameMemory) {
  auto b = buffer::allocate(dtype::int32, {2, 3});
  the_host().define("js", {"poke", {"a"}, "a[4] = 7; return [a.constructor.name, a.length, promethean.bufferInfo(a)]"});
  auto r = the_host().call("js", "poke", message(json::array({buffer_to_json(b)}))).value();
  EXPECT_EQ(r[0], "Int32Array");
  EXPECT_EQ(r[1], 6);
  EXPECT_EQ(r[2]["buffer_id"], b.id());  // the very buffer: shape and id reachable from JS
  EXPECT_EQ(r[2]["shape"], json::array({2, 3}));
  EXPECT_EQ(r[2]["address"], reinterpret_cast<std::uintptr_t>(b.cdata()));  // JS sees the host's memory
  EXPECT_EQ(r[2]["nbytes"], 24);
  EXPECT_EQ(b.span<const std::int32_t>()[4], 7);
  // Straight back: the same buffer, not a new one.
  the_host().define("js", {"identity", {"a"}, "a"});
  auto back = the_host().call("js", "identity", message(json::array({buffer_to_json(b)}))).as_buffer();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id(), b.id());
  // One backing store per Buffer, reused while JS holds it: JS keeps one view, however many crossings.
  js_eval("globalThis.kept = []");
  the_host().define("js", {"keep", {"a"}, "kept.push(a); return kept.length"});
  const auto views_before = ledger::instance().counts().views_by_runtime["js"];
  for (int i = 0; i < 3; ++i) the_host().call("js", "keep", message(json::array({buffer_to_json(b)})));
  EXPECT_EQ(ledger::instance().counts().views_by_runtime["js"], views_before);
  js_eval("kept[0][0] = 11");
  EXPECT_EQ(js_eval("kept[2][0]"), 11);  // all of them over one memory
  EXPECT_EQ(js_eval("kept[0] === kept[2]"), true);  // indeed the same TypedArray each time
  // Read-only and strided buffers are refused, with the reason.
  auto ro = raised<buffer_error>([&] { the_host().call("js", "identity", message(json::array({buffer_to_json(b.as_readonly())}))); });
  EXPECT_NE(ro.message().find("read-only"), std::string::npos);
  auto strided = b.slice(1, 0, 3, 2);
  auto st = raised<buffer_error>([&] { the_host().call("js", "identity", message(json::array({buffer_to_json(strided)}))); });
  EXPECT_NE(st.message().find("strided"), std::string::npos);
}

TEST(JsZeroCopy, ATypedArrayCrossingAgainIsTheSameBufferUntilItIsCollected) {
  // A global of its own (the test above keeps its arrays in `kept`, which must not be collected
  // here and counted as this test's releases), and the ledger read once earlier garbage is gone.
  js_full_gc();
  js_eval("null");  // runs the releases that collection queued
  const auto before = ledger::instance().counts();
  js_eval("globalThis.crossedTwice = new Int32Array(16).fill(7); null");
  auto first = the_host().eval("js", "crossedTwice").data.as_buffer();
  ASSERT_TRUE(first);
  const std::string id = first->id();
  first.reset();  // the TypedArray itself keeps its Buffer while V8 keeps it
  auto second = the_host().eval("js", "crossedTwice").data.as_buffer();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id(), id);
  EXPECT_EQ(second->span<const std::int32_t>()[15], 7);
  // A second view of the same memory is a Buffer of its own.
  auto other = the_host().eval("js", "new Int32Array(crossedTwice.buffer)").data.as_buffer();
  ASSERT_TRUE(other);
  EXPECT_NE(other->id(), id);
  EXPECT_EQ(other->cdata(), second->cdata());
  second.reset();
  other.reset();
  js_eval("globalThis.crossedTwice = undefined; null");
  // Collects both TypedArrays: their Buffers go, and the memory with them.
  js_collect_until_live_blocks(before.live_blocks, std::chrono::seconds(5));
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 2);
}

TEST(JsZeroCopy, AdoptedTypedArrayOutlivesJsAndIsReleasedOnce) {
  const auto before = ledger::instance().counts();
  message held = the_host().eval("js", "new Float64Array(1000).fill(3)").data;
  js_full_gc();  // JS holds nothing now: only the host does
  auto b = held.as_buffer();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->span<const double>()[999], 3.0);
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
  b.reset();
  held = message();
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(JsZeroCopy, HostBufferDroppedByJsIsReleasedAfterGc) {
  const auto before = ledger::instance().counts();
  {
    auto b = buffer::allocate(dtype::uint8, {64});
    the_host().define("js", {"touch", {"a"}, "a[0] = 1; return a.length"});
    the_host().call("js", "touch", message(json::array({buffer_to_json(b)})));
  }
  // JS's TypedArray still holds the memory until V8 collects it; then its deleter queues the release.
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
  // The deleter runs on V8's GC worker thread; the next entry into JS drains what it queued.
  js_collect_until_live_blocks(before.live_blocks, std::chrono::seconds(10));
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(JsZeroCopy, NumpyArrayWrittenInJsIsSeenByPython) {
  the_host().eval("py", "import numpy as np\nshared = np.zeros(4, dtype=np.float32)");
  the_host().define("js", {"fill", {"a"}, "a.fill(1.5); return a.length"});
  the_host().eval("py", "import promethean\npromethean.call('js', 'fill', shared)");
  EXPECT_EQ(the_host().eval("py", "shared.tolist()").data.value(), json::parse("[1.5, 1.5, 1.5, 1.5]"));
  // And a JS array reaches Python as numpy over the same memory.
  js_eval("globalThis.u16 = new Uint16Array([1, 2, 3])");
  the_host().eval("py", "u16 = promethean.eval('js', 'u16'); u16[0] = 100");
  EXPECT_EQ(js_eval("u16[0]"), 100);
}

TEST(JsFunctions, FunctionsCrossAsHandlesBothWays) {
  auto f = the_host().eval("js", "(a, b) => a * b").data;
  ASSERT_EQ(f.functions().size(), 1u);
  EXPECT_EQ(f.value()["runtime"], "js");
  EXPECT_EQ(the_host().call("js", f.functions()[0]->id(), json::array({6, 7})).value(), 42);
  // A Python function handed to JS is callable there.
  EXPECT_EQ(js_eval("promethean.eval('py', 'lambda s: s * 3')('ab')"), "ababab");
  // Python calls a JS function it received.
  EXPECT_EQ(the_host().eval("py", "__import__('promethean').eval('js', '(x) => x + 1')(41)").data.value(), 42);
}

TEST(JsFunctions, AJsFunctionInPythonHasAReprNamingIt) {
  // Not `<built-in method hello of PyCapsule object at 0x...>` (issue 27 item 9).
  the_host().eval("py", "import promethean\nhello = promethean.eval('js', '(function hello(a, b) { return a + b; })')");
  EXPECT_EQ(the_host().eval("py", "repr(hello)").data.value(), "<promethean js function hello>");
  EXPECT_EQ(the_host().eval("py", "[hello.__name__, hello.runtime, isinstance(hello, promethean.ForeignFunction), hello(2, 7)]")
                .data.value(),
            json::array({"hello", "js", true, 9}));
  EXPECT_EQ(the_host().eval("py", "repr(promethean.eval('js', '(x) => x'))").data.value(), "<promethean js function anonymous>");
  auto keywords = raised<python_error>([] { the_host().eval("py", "hello(a=1)"); });
  EXPECT_NE(std::string(keywords.what()).find("hello() takes no keyword arguments"), std::string::npos) << keywords.what();
  auto made = raised<python_error>([] { the_host().eval("py", "promethean.ForeignFunction()"); });
  EXPECT_EQ(made.type(), "TypeError");  // only the bridge makes them
}

TEST(JsModule, MessagesBufferTypesViewsAndRuntimes) {
  js_eval("promethean.onMessage((msg) => ({ echo: msg, lang: 'js' }))");
  EXPECT_EQ(the_host().send_json("js", json{{"msg", "hello"}}).value(), (json{{"echo", {{"msg", "hello"}}}, {"lang", "js"}}));
  EXPECT_EQ(js_eval("require('promethean') === globalThis.promethean"), true);
  auto info = js_eval(R"(
    promethean.registerBufferType('JsRGB', { layout: ['height', 'width', 'channels'], format: 'uint8', fixed: { channels: 3 } });
    globalThis.img = promethean.alloc([2, 2, 3], null, 'JsRGB');
    img.fill(9);
    promethean.registerView('JsRGB', 'firstPixel', (a) => Array.from(a.subarray(0, 3)));
    [promethean.bufferInfo(img), img.constructor.name, promethean.view(img, 'firstPixel')])");
  EXPECT_EQ(info[0]["type"], "JsRGB");
  EXPECT_EQ(info[0]["shape"], json::parse("[2, 2, 3]"));
  EXPECT_EQ(info[1], "Uint8Array");
  EXPECT_EQ(info[2], json::parse("[9, 9, 9]"));
  // The view registered in JS, asked for from Python, runs in JS.
  the_host().eval("py", "import promethean");
  EXPECT_EQ(the_host().eval("py", "promethean.view(promethean.eval('js', 'img'), 'firstPixel')").data.value(),
            json::parse("[9, 9, 9]"));
  auto names = js_eval("Object.keys(promethean.runtimes()).sort()");
  EXPECT_EQ(names, json::parse(R"(["js", "meta", "py", "rust", "sh"])"));
  auto bad = js_eval("(() => { try { promethean.alloc('x'); } catch (e) { return [e.runtime, e.message]; } })()");
  EXPECT_EQ(bad[0], "js");
  EXPECT_NE(bad[1].get<std::string>().find("shape"), std::string::npos);
}
