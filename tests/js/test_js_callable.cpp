// Resolved callables into the js runtime (host.resolve("js", name)): the function and its `this`
// are found once, typed arguments become JS values with no JSON in between and give exactly what
// the by-name JSON call gives; buffers cross without a copy and are released once; Promises are
// awaited; errors, timeouts and a callable dropped on another thread behave as for host.call.
#include "js_fixture.hpp"

#include "../support/outcome.hpp"
#include "../support/raised.hpp"
#include "../support/timed_out.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/callable.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <thread>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::outcome;
using promethean::testing_support::expect_stopped_by_timeout;
using promethean::testing_support::raised;

TEST(JsCallable, TypedArgumentsGiveWhatTheJsonPathGives) {
  js_eval("globalThis.jcEcho = (...values) => [values, values.map((v) => v === null ? 'null' : typeof v)]; null");
  callable echo = the_host().resolve("js", "jcEcho");
  EXPECT_EQ(echo.runtime_name(), "js");
  EXPECT_EQ(echo.function_name(), "jcEcho");
  auto same = [&](std::initializer_list<argument> typed, const json& as_json) {
    const std::string by_type = outcome([&] { return echo(typed); });
    EXPECT_EQ(by_type, outcome([&] { return the_host().call("js", "jcEcho", as_json); }));
    EXPECT_EQ(by_type, outcome([&] { return echo.call(message(as_json)); }));
    // By name with typed arguments (host.call_typed): the same again.
    const std::span<const argument> args(typed.begin(), typed.size());
    EXPECT_EQ(by_type, outcome([&] { return the_host().call_typed("js", "jcEcho", args); }));
    return by_type;
  };
  EXPECT_EQ(same({nullptr, true, false}, json::array({nullptr, true, false})),
            R"([[null,true,false],["null","boolean","boolean"]])");
  // Integers beyond 2^53 arrive as BigInt, so that no digit is lost, and come back as integers.
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(same({-7, lo, hi, 2.5}, json::array({-7, lo, hi, 2.5})),
            R"([[-7,-9223372036854775808,9223372036854775807,2.5],["number","bigint","bigint","number"]])");
  EXPECT_EQ(same({"é\n", std::string("a\0b", 3), ""}, json::array({"é\n", std::string("a\0b", 3), ""})),
            json::array({json::array({"é\n", std::string("a\0b", 3), ""}), json::array({"string", "string", "string"})})
                .dump());
  EXPECT_EQ(same({}, json::array()), R"([[],[]])");
  EXPECT_EQ(same({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, json::array({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})).substr(0, 24),
            "[[1,2,3,4,5,6,7,8,9,10],");
}

TEST(JsCallable, TypedCallsByNameFollowTheNameAsHostCallDoes) {
  // host.call_typed looks the name up on every call, as host.call does: through the hot route
  // (compiled at a name's 1000th call) too, so a reassignment is seen at the next call.
  js_eval("globalThis.jcByName = (a, b) => a + b; null");
  const argument two[] = {40, 2};
  for (int i = 0; i < 1100; ++i) ASSERT_EQ(the_host().call_typed("js", "jcByName", two).value(), 42);
  js_eval("globalThis.jcByName = (a, b) => a * b; null");
  EXPECT_EQ(the_host().call_typed("js", "jcByName", two).value(), 80);
  const argument three[] = {1, 5, 3};
  EXPECT_EQ(the_host().call_typed("js", "Math.max", three).value(), 5);
  // A missing name and a non-function: the errors of host.call, word for word.
  for (const char* name : {"jcNoSuchName", "Math.PI", "jcNoSuchModule.fn"}) {
    EXPECT_EQ(outcome([&] { return the_host().call_typed("js", name, two); }),
              outcome([&] { return the_host().call("js", name, json::array({40, 2})); }))
        << name;
  }
}

TEST(JsCallable, TheFunctionAndItsThisAreFoundOnceAndBadNamesFailAtResolve) {
  js_eval("globalThis.jcVersion = () => 1; null");
  callable first = the_host().resolve("js", "jcVersion");
  js_eval("globalThis.jcVersion = () => 2; null");
  EXPECT_EQ(first({}).value(), 1);  // the function resolved, as a variable would keep it
  EXPECT_EQ(the_host().resolve("js", "jcVersion")({}).value(), 2);
  EXPECT_EQ(the_host().resolve("js", "Math.max")({1, 5, 3}).value(), 5);
  js_eval("globalThis.jcCounter = { n: 40, bump(by) { this.n += by; return this.n; } }; null");
  EXPECT_EQ(the_host().resolve("js", "jcCounter.bump")({2}).value(), 42);  // `this` is the object
  auto missing = raised<usage_error>([] { the_host().resolve("js", "jcNoSuchFunction"); });
  EXPECT_EQ(missing.runtime(), "js");
  auto not_function = raised<usage_error>([] { the_host().resolve("js", "jcCounter.n"); });
  EXPECT_NE(not_function.message().find("is a number, not a function"), std::string::npos) << not_function.message();
}

TEST(JsCallable, BuffersCrossWithoutACopyAndAreReleasedOnce) {
  const auto before = ledger::instance().counts();
  {
    auto frame = buffer::allocate(dtype::float32, {4, 3});
    js_eval("globalThis.jcFill = (a, v) => { a.fill(v); return a.length; }; null");
    EXPECT_EQ(the_host().resolve("js", "jcFill")({frame, 2.5}).value(), 12);
    for (float v : frame.span<const float>()) EXPECT_EQ(v, 2.5f);  // JS wrote the host's memory
    js_eval("globalThis.jcSame = (a) => a; null");
    auto back = the_host().resolve("js", "jcSame")({frame}).as_buffer();
    ASSERT_TRUE(back);
    EXPECT_EQ(back->cdata(), frame.cdata());
    auto refused = raised<buffer_error>([&] { the_host().resolve("js", "jcSame")({frame.as_readonly()}); });
    EXPECT_NE(refused.message().find("read-only"), std::string::npos) << refused.message();
  }
  js_collect_until_live_blocks(before.live_blocks, std::chrono::seconds(3));
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(JsCallable, PromisesAreAwaitedAndErrorsAndTimeoutsAreThoseOfHostCall) {
  js_eval("globalThis.jcLater = (v) => new Promise((ok) => setTimeout(() => ok(v * 2), 5)); null");
  EXPECT_EQ(the_host().resolve("js", "jcLater")({21}).value(), 42);

  js_eval("globalThis.jcFail = (x) => { throw new RangeError('bad ' + x); }; null");
  callable fail = the_host().resolve("js", "jcFail");
  auto e = raised<js_error>([&] { fail({"k"}); });
  EXPECT_EQ(e.type(), "RangeError");
  EXPECT_EQ(e.message(), "bad k");
  EXPECT_NE(e.trace().find("jcFail"), std::string::npos) << e.trace();
  EXPECT_EQ(outcome([&] { return fail({"k"}); }),
            outcome([] { return the_host().call("js", "jcFail", json::array({"k"})); }));

  js_eval("globalThis.jcSpin = () => { for (;;) {} }; null");
  callable spin = the_host().resolve("js", "jcSpin");
  expect_stopped_by_timeout(spin, "js", "jcSpin");
  EXPECT_EQ(js_eval("1 + 1"), 2);  // the runtime goes on
}

TEST(JsCallable, CallableOnOtherThreadsAndDroppedThere) {
  js_eval("globalThis.jcAdd = (a, b) => a + b; null");
  std::optional<callable> add = the_host().resolve("js", "jcAdd");
  std::thread([&] {
    for (int i = 0; i < 100; ++i) EXPECT_EQ((*add)({i, 1}).value(), i + 1);
    add.reset();  // its table entry goes later, under the isolate lock
  }).join();
  EXPECT_EQ(js_eval("jcAdd(2, 3)"), 5);
}
