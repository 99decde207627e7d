// Resolved callables (host.resolve) into the rust runtime: typed arguments go straight into a
// plugin's typed form and give exactly what the JSON text path gives (values, the caller's
// memory through read-only and writable views, errors, panics); plugins without a typed form
// (the C example, function descriptors older than the `typed` field) are called the JSON way; a
// runtime with no resolution of its own (sh) is called by name.
#include "rust_fixture.hpp"

#include "../support/outcome.hpp"
#include "../support/plugin_calls.hpp"
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::args_of;
using promethean::testing_support::load_plugin_once;
using promethean::testing_support::outcome;
using promethean::testing_support::raised;

namespace {
/// A second Host whose rust runtime ignores the plugins' typed forms (PROMETHEAN_RUST_TYPED=0):
/// every call to it goes through the JSON text, the reference the typed path must match.
struct json_only_host {
  json_only_host() {
    ::setenv("PROMETHEAN_RUST_TYPED", "0", 1);
    h = std::make_unique<host>(host_options{{"rust"}});
    h->load("rust", PM_TESTKIT_PLUGIN);
    h->load("rust", PM_IMAGEOPS_PLUGIN);
    ::unsetenv("PROMETHEAN_RUST_TYPED");
  }
  std::unique_ptr<host> h;
};
}  // namespace

TEST(RustCallable, TypedArgumentsGiveWhatTheJsonPathGives) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  json_only_host reference;
  callable add = the_host().resolve("rust", "testkit.add");
  EXPECT_EQ(add.runtime_name(), "rust");
  EXPECT_EQ(add.function_name(), "testkit.add");
  auto same = [&](std::initializer_list<argument> typed, const json& as_json) {
    const std::string fast = outcome([&] { return add(typed); });
    const std::string slow = outcome([&] { return reference.h->call("rust", "testkit.add", as_json); });
    EXPECT_EQ(fast, slow) << as_json.dump();
    EXPECT_EQ(outcome([&] { return the_host().call("rust", "testkit.add", as_json); }), slow) << as_json.dump();
    // By name, typed (host.call_typed: what promethean.call takes from py and js), the same.
    const std::vector<argument> by_name(typed);
    EXPECT_EQ(outcome([&] { return the_host().call_typed("rust", "testkit.add", by_name); }), slow) << as_json.dump();
    return fast;
  };
  EXPECT_EQ(same({1, 2}, json::array({1, 2})), "3.0");
  EXPECT_EQ(same({1.5, std::int8_t{2}}, json::array({1.5, 2})), "3.5");
  EXPECT_EQ(same({-7, 2.0}, json::array({-7, 2.0})), "-5.0");  // an integral float is an integer
  EXPECT_EQ(same({1, 2.5}, json::array({1, 2.5})), "error rust TypeError: argument 2: expected an integer, got 2.5");
  EXPECT_EQ(same({true, 1}, json::array({true, 1})), "error rust TypeError: argument 1: expected a number, got a boolean");
  EXPECT_EQ(same({"x", 1}, json::array({"x", 1})), "error rust TypeError: argument 1: expected a number, got a string");
  EXPECT_EQ(same({nullptr, 1}, json::array({nullptr, 1})), "error rust TypeError: argument 1: expected a number, got null");
  EXPECT_EQ(same({1}, json::array({1})), "error rust TypeError: expected 2 arguments, got 1");
  // More arguments than the typed form takes from the stack: the JSON way, the same error.
  EXPECT_EQ(same({1, 2, 3, 4, 5, 6, 7, 8, 9}, json::array({1, 2, 3, 4, 5, 6, 7, 8, 9})),
            "error rust TypeError: expected 2 arguments, got 9");
  // The JSON form of the same callable.
  EXPECT_EQ(add.call(json::array({1, 2})).value(), 3.0);
  EXPECT_EQ(raised<usage_error>([&] { add.call(json::object()); }).message(), "call arguments must be a JSON array, got {}");
}

TEST(RustCallable, BuffersAreTheCallersMemoryAndTheirErrorsMatch) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  load_plugin_once(the_host(), PM_IMAGEOPS_PLUGIN);
  json_only_host reference;
  // Zero-copy: the plugin sees the caller's data pointer on both paths.
  auto floats = buffer::allocate(dtype::float32, {8});
  const auto address = reinterpret_cast<std::uintptr_t>(floats.cdata());
  EXPECT_EQ(the_host().resolve("rust", "testkit.address")({floats}).value().get<std::uintptr_t>(), address);
  EXPECT_EQ(reference.h->call("rust", "testkit.address", args_of({floats})).value().get<std::uintptr_t>(), address);
  // A writable view writes the caller's memory; a read-only one is refused the same way.
  callable fill = the_host().resolve("rust", "testkit.fill");
  auto ints = buffer::allocate(dtype::int32, {2, 2});
  EXPECT_EQ(fill({ints, -3}).value(), nullptr);
  EXPECT_EQ(ints.span<const std::int32_t>()[3], -3);
  const buffer frozen = buffer::allocate(dtype::int32, {3}).as_readonly();
  const std::string ro = outcome([&] { return fill({frozen, 1}); });
  EXPECT_NE(ro.find("read-only"), std::string::npos) << ro;
  EXPECT_EQ(ro, outcome([&] { return reference.h->call("rust", "testkit.fill", args_of({frozen, json(1)})); }));
  // Wrong dtype, wrong shape, a strided view: the same errors as the JSON path.
  callable gray = the_host().resolve("rust", "imageops.grayscale");
  for (const buffer& bad : {buffer::allocate(dtype::float32, {2, 2, 3}), buffer::allocate(dtype::uint8, {2, 2, 4})}) {
    const std::string fast = outcome([&] { return gray({bad}); });
    EXPECT_EQ(fast.rfind("error rust ", 0), 0u) << fast;
    EXPECT_EQ(fast, outcome([&] { return reference.h->call("rust", "imageops.grayscale", args_of({bad})); }));
  }
  const buffer strided = buffer::allocate(dtype::uint8, {4, 4}).slice(1, 0, 4, 2);
  const std::string s = outcome([&] { return the_host().resolve("rust", "imageops.histogram")({strided}); });
  EXPECT_NE(s.find("strided"), std::string::npos) << s;
  EXPECT_EQ(s, outcome([&] { return reference.h->call("rust", "imageops.histogram", args_of({strided})); }));
  // A buffer result (the plugin's Vec, adopted without a copy), and a JSON result.
  auto img = buffer::allocate(dtype::uint8, {2, 3, 3});
  img.span<std::uint8_t>()[3] = 200;
  auto g = gray({img}).as_buffer();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->shape(), (shape_t{2, 3}));
  EXPECT_EQ(g->language(), "rust");
  auto g_json = reference.h->call("rust", "imageops.grayscale", args_of({img})).as_buffer();
  ASSERT_TRUE(g_json);
  EXPECT_EQ(g->span<const std::uint8_t>()[1], g_json->span<const std::uint8_t>()[1]);
  EXPECT_EQ(the_host().resolve("rust", "imageops.histogram")({img}).value(),
            reference.h->call("rust", "imageops.histogram", args_of({img})).value());
}

TEST(RustCallable, StringsPanicsAndKeptReferences) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  json_only_host reference;
  auto e = raised<plugin_error>([] { the_host().resolve("rust", "testkit.panics")({"on purpose"}); });
  EXPECT_EQ(e.type(), "Panic");
  EXPECT_EQ(e.message(), "the plugin panicked: on purpose");
  EXPECT_NE(e.trace().find("[rust] in testkit.panics"), std::string::npos) << e.trace();
  EXPECT_EQ(outcome([] { return the_host().resolve("rust", "testkit.panics")({std::string("again")}); }),
            outcome([&] { return reference.h->call("rust", "testkit.panics", json::array({"again"})); }));
  // A string argument and a buffer made by the host for the plugin, typed by name.
  the_host().buffer_types().add(buffer_type::make("CallableRGB", {"n", "channels"}, "uint8", {{"channels", 3}}));
  auto typed = the_host().resolve("rust", "testkit.zeros_typed")({4, "CallableRGB"}).as_buffer();
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->type_name(), "CallableRGB");
  EXPECT_EQ(typed->shape(), (shape_t{4, 3}));
  EXPECT_EQ(typed->span<const std::uint8_t>()[0], 7);
  // A reference the plugin keeps past the call holds the memory, then is released once.
  const auto before = ledger::instance().counts();
  {
    auto b = buffer::allocate(dtype::uint8, {16});
    EXPECT_EQ(the_host().resolve("rust", "testkit.keep")({b}).value(), 1);
  }
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
  EXPECT_EQ(the_host().resolve("rust", "testkit.release_kept")({}).value(), 1);
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks);
}

TEST(RustCallable, PluginsWithoutATypedFormAreCalledTheJsonWay) {
  load_plugin_once(the_host(), PM_CDEMO_PLUGIN);
  load_plugin_once(the_host(), PM_OLD_FUNCTION_PLUGIN);
  // The C example has no typed entry: typed arguments reach it as JSON text plus views.
  auto values = buffer::allocate(dtype::float64, {3});
  for (std::size_t i = 0; i < 3; ++i) values.span<double>()[i] = static_cast<double>(i + 1);
  EXPECT_EQ(the_host().resolve("rust", "cdemo.scale")({values, 2.5}).value(), 3);
  EXPECT_EQ(values.span<const double>()[2], 7.5);
  auto ramp = the_host().resolve("rust", "cdemo.ramp")({4}).as_buffer();
  ASSERT_TRUE(ramp);
  EXPECT_EQ(ramp->span<const double>()[3], 3.0);
  // Descriptors written before `typed` existed: the host never reads past their struct_size (the
  // function found there would answer AbiViolation).
  EXPECT_EQ(the_host().resolve("rust", "oldfn.twice")({21}).value(), 42);
  EXPECT_EQ(the_host().call("rust", "oldfn.twice", json::array({-4})).value(), -8);
}

TEST(RustCallable, ResolvingChecksTheNameAndCallsAfterShutdownAreClearErrors) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  auto by_call = raised<usage_error>([] { the_host().call("rust", "testkit.nope", json::array()); });
  auto by_resolve = raised<usage_error>([] { the_host().resolve("rust", "testkit.nope"); });
  EXPECT_EQ(by_resolve.message(), by_call.message());
  EXPECT_NE(by_resolve.message().find("has no function 'nope'"), std::string::npos) << by_resolve.message();
  const std::vector<argument> one{1};
  EXPECT_EQ(raised<usage_error>([&] { the_host().call_typed("rust", "testkit.nope", one); }).message(), by_call.message());
  call_options timed;
  timed.timeout = std::chrono::milliseconds(50);
  EXPECT_EQ(raised<usage_error>([&] { the_host().call_typed("rust", "testkit.add", std::vector<argument>{1, 2}, timed); }).message(),
            raised<usage_error>([&] { the_host().call("rust", "testkit.add", json::array({1, 2}), timed); }).message());
  auto no_plugin = raised<usage_error>([] { the_host().resolve("rust", "missing.fn"); });
  EXPECT_NE(no_plugin.message().find("no plugin 'missing' is loaded"), std::string::npos) << no_plugin.message();
  auto empty = raised<usage_error>([] { callable()({1}); });
  EXPECT_NE(empty.message().find("empty callable"), std::string::npos);
  auto too_large = raised<usage_error>([] { argument{std::uint64_t{1} << 63}; });
  EXPECT_NE(too_large.message().find("9223372036854775808"), std::string::npos) << too_large.message();
  std::optional<callable> orphan;
  {
    host other(host_options{{"rust"}});
    other.load("rust", PM_TESTKIT_PLUGIN);
    orphan = other.resolve("rust", "testkit.add");
    EXPECT_EQ((*orphan)({2, 3}).value(), 5.0);
    EXPECT_EQ(other.call("rust", "testkit.add", json::array({2, 3})).value(), 5.0);  // this thread's last lookup
  }
  auto gone = raised<usage_error>([&] { (*orphan)({2, 3}); });
  EXPECT_EQ(gone.message(), "cannot call testkit.add: the rust runtime that loaded it has shut down");
  // The same name by name in the other Host again: its own plugin, not the one remembered from
  // the Host that is gone (whose plugin would answer HostGone on a call back).
  EXPECT_EQ(the_host().call("rust", "testkit.add", json::array({2, 3})).value(), 5.0);
  host third(host_options{{"rust"}});
  third.load("rust", PM_TESTKIT_PLUGIN);
  EXPECT_EQ(third.call("rust", "testkit.add", json::array({4, 3})).value(), 7.0);
}

TEST(RustCallable, ARuntimeWithoutItsOwnResolutionIsCalledByName) {
  callable format = the_host().resolve("sh", "printf");  // sh resolves nothing: each call is by name
  EXPECT_EQ(format({"%s-%s", "a", 1}).value(), "a-1");
  EXPECT_EQ(format.call(json::array({"%s", "b"})).value(), "b");
  callable missing = the_host().resolve("sh", "promethean_no_such_command");  // checked at the call
  auto e = raised([&] { missing({1}); });
  EXPECT_EQ(e.runtime(), "sh");
}
