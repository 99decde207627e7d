// Resolved callables into the py runtime (host.resolve("py", name)): the function is found once,
// typed arguments become Python objects with no JSON in between and give exactly what the by-name
// JSON call gives; buffers cross without a copy and are released once; errors, timeouts and a
// callable dropped on another thread behave as for host.call.
#include "python_fixture.hpp"

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

namespace {
json py_eval(const std::string& code) { return the_host().eval("py", code).data.value(); }
}  // namespace

TEST(PyCallable, TypedArgumentsGiveWhatTheJsonPathGives) {
  py_eval("def pc_echo(*values):\n    return [values, [type(v).__name__ for v in values]]");
  callable echo = the_host().resolve("py", "pc_echo");
  EXPECT_EQ(echo.runtime_name(), "py");
  EXPECT_EQ(echo.function_name(), "pc_echo");
  auto same = [&](std::initializer_list<argument> typed, const json& as_json) {
    const std::string by_type = outcome([&] { return echo(typed); });
    EXPECT_EQ(by_type, outcome([&] { return the_host().call("py", "pc_echo", as_json); }));
    EXPECT_EQ(by_type, outcome([&] { return echo.call(message(as_json)); }));
    // By name with typed arguments (host.call_typed): the same again.
    const std::span<const argument> args(typed.begin(), typed.size());
    EXPECT_EQ(by_type, outcome([&] { return the_host().call_typed("py", "pc_echo", args); }));
    return by_type;
  };
  EXPECT_EQ(same({nullptr, true, false}, json::array({nullptr, true, false})),
            R"([[null,true,false],["NoneType","bool","bool"]])");
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(same({-7, lo, hi, 2.5, 1e300}, json::array({-7, lo, hi, 2.5, 1e300})),
            R"([[-7,-9223372036854775808,9223372036854775807,2.5,1e+300],["int","int","int","float","float"]])");
  EXPECT_EQ(same({"é\n", std::string("a\0b", 3), ""}, json::array({"é\n", std::string("a\0b", 3), ""})),
            json::array({json::array({"é\n", std::string("a\0b", 3), ""}), json::array({"str", "str", "str"})}).dump());
  EXPECT_EQ(same({}, json::array()), R"([[],[]])");
  // More than eight arguments (the heap path).
  EXPECT_EQ(same({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, json::array({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})).substr(0, 24),
            "[[1,2,3,4,5,6,7,8,9,10],");
  // Text that is not UTF-8 is Python's error, not a crash, and the runtime goes on.
  auto bad = raised<python_error>([&] { echo({std::string_view("\xff\xfe", 2)}); });
  EXPECT_EQ(bad.type(), "UnicodeDecodeError");
  EXPECT_EQ(the_host().resolve("py", "abs")({-3}).value(), 3);
}

TEST(PyCallable, TypedCallsByNameFollowTheNameAsHostCallDoes) {
  // host.call_typed looks the name up on every call, as host.call does: a redefinition in
  // __main__ is seen at the next call, and a dotted path imports its module.
  py_eval("def pc_by_name(a, b):\n    return a + b");
  const argument two[] = {40, 2};
  for (int i = 0; i < 100; ++i) ASSERT_EQ(the_host().call_typed("py", "pc_by_name", two).value(), 42);
  py_eval("def pc_by_name(a, b):\n    return a * b");
  EXPECT_EQ(the_host().call_typed("py", "pc_by_name", two).value(), 80);
  EXPECT_EQ(the_host().call_typed("py", "operator.add", two).value(), 42);
  // A missing name and a non-function: the errors of host.call, word for word.
  for (const char* name : {"pc_no_such_name", "math.pi", "pc_no_such_module.fn"}) {
    EXPECT_EQ(outcome([&] { return the_host().call_typed("py", name, two); }),
              outcome([&] { return the_host().call("py", name, json::array({40, 2})); }))
        << name;
  }
}

TEST(PyCallable, TheFunctionIsFoundOnceAndBadNamesFailAtResolve) {
  py_eval("def pc_version():\n    return 1");
  callable first = the_host().resolve("py", "pc_version");
  py_eval("def pc_version():\n    return 2");
  EXPECT_EQ(first({}).value(), 1);  // the function object resolved, as a variable would keep it
  EXPECT_EQ(the_host().resolve("py", "pc_version")({}).value(), 2);
  EXPECT_EQ(the_host().resolve("py", "math.hypot")({3, 4}).value(), 5.0);  // dotted module paths
  auto missing = raised<usage_error>([] { the_host().resolve("py", "pc_no_such_function"); });
  EXPECT_EQ(missing.runtime(), "py");
  py_eval("pc_number = 5");
  auto not_callable = raised<usage_error>([] { the_host().resolve("py", "pc_number"); });
  EXPECT_NE(not_callable.message().find("is an int, not callable"), std::string::npos) << not_callable.message();
  auto empty = raised<usage_error>([] { callable()({}); });
  EXPECT_NE(empty.message().find("empty callable"), std::string::npos);
}

TEST(PyCallable, BuffersCrossWithoutACopyAndAreReleasedOnce) {
  const auto before = ledger::instance().counts();
  {
    auto frame = buffer::allocate(dtype::float32, {4, 3});
    py_eval("def pc_fill(a, v):\n    a[:] = v\n    return a.__array_interface__['data'][0]");
    callable fill = the_host().resolve("py", "pc_fill");
    const auto address = fill({frame, 2.5}).value().get<std::uint64_t>();
    EXPECT_EQ(address, reinterpret_cast<std::uintptr_t>(frame.cdata()));  // numpy saw the host's memory
    for (float v : frame.span<const float>()) EXPECT_EQ(v, 2.5f);         // and its writes are the host's
    auto ro = frame.as_readonly();
    auto refused = raised<python_error>([&] { fill({ro, 1}); });
    EXPECT_EQ(refused.type(), "ValueError");
    // A buffer result is the same Buffer (an exported numpy view goes back as itself).
    py_eval("def pc_same(a):\n    return a");
    auto back = the_host().resolve("py", "pc_same")({frame}).as_buffer();
    ASSERT_TRUE(back);
    EXPECT_EQ(back->cdata(), frame.cdata());
  }
  py_eval("import gc; gc.collect()");  // Python's arrays go, and the releases queued here run
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(PyCallable, ErrorsAndTimeoutsAreThoseOfHostCall) {
  py_eval("def pc_fail(x):\n    raise KeyError(x)");
  callable fail = the_host().resolve("py", "pc_fail");
  auto e = raised<python_error>([&] { fail({"k"}); });
  EXPECT_EQ(e.type(), "KeyError");
  EXPECT_EQ(e.message(), "'k'");
  EXPECT_NE(e.trace().find("pc_fail"), std::string::npos) << e.trace();
  EXPECT_EQ(outcome([&] { return fail({"k"}); }),
            outcome([] { return the_host().call("py", "pc_fail", json::array({"k"})); }));

  py_eval("def pc_spin():\n    while True:\n        pass");
  callable spin = the_host().resolve("py", "pc_spin");
  expect_stopped_by_timeout(spin, "py", "pc_spin");
  EXPECT_EQ(py_eval("1 + 1"), 2);  // the runtime goes on
}

TEST(PyCallable, ACallableDroppedOnAnotherThreadGivesItsReferenceBack) {
  py_eval("def pc_counted():\n    return 0\nimport sys");
  const int base = py_eval("sys.getrefcount(pc_counted)").get<int>();
  std::optional<callable> held = the_host().resolve("py", "pc_counted");
  EXPECT_EQ(py_eval("sys.getrefcount(pc_counted)").get<int>(), base + 1);
  std::thread([&] {
    EXPECT_EQ((*held)({}).value(), 0);  // a thread Python never saw calls it...
    held.reset();                       // ...and drops it, without the GIL
  }).join();
  EXPECT_EQ(py_eval("sys.getrefcount(pc_counted)").get<int>(), base);  // given back at the next entry
}
