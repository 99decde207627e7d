// The rust runtime: the loader's checks, calls with zero-copy views, plugin-made buffers handed
// over without a copy and released once, errors both ways, calls back into Python. The plugins
// here: the plain-C example (cdemo) and deliberately broken libraries.
#include "rust_fixture.hpp"

#include "../support/plugin_calls.hpp"
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::args_of;
using promethean::testing_support::load_plugin_once;
using promethean::testing_support::raised;

namespace {
void load_cdemo() { load_plugin_once(the_host(), PM_CDEMO_PLUGIN); }
}  // namespace

TEST(RustLoader, LoadsAPluginAndListsItsFunctions) {
  load_cdemo();
  auto rust = the_host().dispatch_map()["rust"];
  EXPECT_EQ(rust["version"], "plugin ABI 1.3");
  EXPECT_EQ(rust["plugins"]["cdemo"]["version"], "1.0.0");
  EXPECT_EQ(rust["plugins"]["cdemo"]["functions"]["cdemo.ramp"], "(n: int) -> float64[n]");
  auto again = raised<plugin_error>([] { the_host().load("rust", PM_CDEMO_PLUGIN); });
  EXPECT_EQ(again.type(), "AlreadyLoaded");
}

TEST(RustLoader, BrokenLibrariesAreClearErrorsNamingTheFile) {
  auto abi = raised<plugin_error>([] { the_host().load("rust", PM_BROKEN_ABI_PLUGIN); });
  EXPECT_EQ(abi.type(), "AbiMismatch");
  EXPECT_NE(abi.message().find(PM_BROKEN_ABI_PLUGIN), std::string::npos) << abi.message();
  EXPECT_NE(abi.message().find("built for plugin ABI 2.0, and this host speaks ABI 1.3"), std::string::npos) << abi.message();
  auto entry = raised<plugin_error>([] { the_host().load("rust", PM_NO_ENTRY_PLUGIN); });
  EXPECT_EQ(entry.type(), "NotAPlugin");
  EXPECT_NE(entry.message().find("exports no promethean_plugin_entry()"), std::string::npos) << entry.message();
  auto truncated = raised<plugin_error>([] { the_host().load("rust", PM_TRUNCATED_PLUGIN); });
  EXPECT_EQ(truncated.type(), "BadDescriptor");
  EXPECT_NE(truncated.message().find("truncated"), std::string::npos) << truncated.message();
  auto null_entry = raised<plugin_error>([] { the_host().load("rust", PM_NULL_ENTRY_PLUGIN); });
  EXPECT_NE(null_entry.message().find("returned NULL"), std::string::npos) << null_entry.message();
  auto text = raised<plugin_error>([] { the_host().load("rust", PROMETHEAN_TEST_DATA "/js/app.js"); });
  EXPECT_EQ(text.type(), "NotAPlugin");
  EXPECT_NE(text.message().find("not a loadable shared library"), std::string::npos) << text.message();
  auto missing = raised<plugin_error>([] { the_host().load("rust", "/nonexistent/libx.so"); });
  EXPECT_EQ(missing.type(), "PluginNotFound");
}

TEST(RustLoader, APluginNamedWithoutAPathIsFoundOnThePluginPath) {
  const std::string dir = std::filesystem::path(PM_BROKEN_ABI_PLUGIN).parent_path().string();
  ::setenv("PROMETHEAN_PLUGIN_PATH", ("/nonexistent/dir:" + dir).c_str(), 1);
  // Found by name (lib<name>.so), then checked like any file: this one is built for ABI 2.0.
  auto found = raised<plugin_error>([] { the_host().load("rust", "promethean_broken_plugin_1"); });
  EXPECT_EQ(found.type(), "AbiMismatch");
  EXPECT_NE(found.message().find(dir + "/libpromethean_broken_plugin_1.so"), std::string::npos) << found.message();
  auto missing = raised<usage_error>([] { the_host().load("rust", "no_such_plugin"); });
  EXPECT_NE(missing.message().find("libno_such_plugin.so is in none of [/nonexistent/dir, " + dir), std::string::npos)
      << missing.message();
  EXPECT_NE(missing.message().find("PROMETHEAN_PLUGIN_PATH"), std::string::npos);
  ::unsetenv("PROMETHEAN_PLUGIN_PATH");
}

TEST(RustCall, ThePluginSeesTheCallersMemory) {
  load_cdemo();
  auto values = buffer::allocate(dtype::float64, {2, 3});
  for (std::size_t i = 0; i < 6; ++i) values.span<double>()[i] = static_cast<double>(i);
  EXPECT_EQ(the_host().call("rust", "cdemo.scale", args_of({values, 2.5})).value(), 6);
  EXPECT_EQ(values.span<const double>()[5], 12.5);  // written in place by C, no copy either way
  auto typed = buffer::allocate(dtype::uint8, {4}).with_type("");
  typed.span<std::uint8_t>()[0] = 77;
  auto d = the_host().call("rust", "cdemo.describe", args_of({typed})).value();
  EXPECT_EQ(d["first_byte"], 77);
  EXPECT_EQ(d["id"], typed.id());
  EXPECT_EQ(d["dtype"], 1);
}

TEST(RustCall, AResultThatIsOnlyABufferNeedsNoJson) {
  load_cdemo();
  auto values = buffer::allocate(dtype::int32, {3, 2});
  values.span<std::int32_t>()[4] = 41;
  // cdemo.same hands its argument back with result_set_buffer: no JSON text on either side.
  message reply = the_host().call("rust", "cdemo.same", args_of({values}));
  auto same = reply.as_buffer();
  ASSERT_TRUE(same);
  EXPECT_EQ(same->id(), values.id());
  EXPECT_EQ(same->cdata(), values.cdata());  // the same memory
  EXPECT_EQ(same->shape(), values.shape());
  EXPECT_EQ(reply.value(), buffer_to_json(values));
  ASSERT_EQ(reply.buffers().size(), 1u);
  auto wrong = raised<error>([&] { the_host().call("rust", "cdemo.same", json::array({1})); });
  EXPECT_EQ(wrong.type(), "TypeError");
}

TEST(RustCall, APluginMadeBufferArrivesWithoutACopyAndIsReleasedOnce) {
  load_cdemo();
  const auto before = ledger::instance().counts();
  {
    auto ramp = the_host().call("rust", "cdemo.ramp", json::array({5})).as_buffer();
    ASSERT_TRUE(ramp);
    EXPECT_EQ(ramp->language(), "rust");
    EXPECT_EQ(ramp->shape(), (shape_t{5}));
    EXPECT_EQ(ramp->span<const double>()[4], 4.0);
    EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
    // Handed to Python, the same memory: numpy reads what C wrote.
    the_host().define("py", {"total", {"a"}, "float(a.sum())"});
    EXPECT_EQ(the_host().call("py", "total", message(json::array({buffer_to_json(*ramp)}), {*ramp}, {})).value(), 10.0);
  }
  the_host().eval("py", "None");  // Python's view is released under the GIL
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(RustCall, ErrorsAreClearAndTheHostGoesOn) {
  load_cdemo();
  auto wrong = raised<plugin_error>([] { the_host().call("rust", "cdemo.scale", args_of({buffer::allocate(dtype::int32, {3}), 2})); });
  EXPECT_EQ(wrong.runtime(), "rust");
  EXPECT_EQ(wrong.type(), "TypeError");
  EXPECT_NE(wrong.message().find("float64"), std::string::npos);
  EXPECT_NE(wrong.trace().find("[rust] in cdemo.scale"), std::string::npos) << wrong.trace();
  auto ro = raised<plugin_error>([] { the_host().call("rust", "cdemo.scale", args_of({buffer::allocate(dtype::float64, {3}).as_readonly(), 2})); });
  EXPECT_EQ(ro.type(), "BufferError");
  EXPECT_THROW(the_host().call("rust", "cdemo.nosuch", json::array()), usage_error);
  EXPECT_THROW(the_host().call("rust", "nosuchplugin.f", json::array()), usage_error);
  EXPECT_THROW(the_host().call("rust", "noplugin", json::array()), usage_error);
  EXPECT_THROW(the_host().eval("rust", "1 + 1"), usage_error);
  EXPECT_EQ(the_host().call("rust", "cdemo.ramp", json::array({1})).as_buffer()->size(), 1u);  // still fine
}

TEST(RustCall, APluginCallsBackIntoPython) {
  load_cdemo();
  EXPECT_EQ(the_host().call("rust", "cdemo.py_sqrt", json::array({49})).value(), 7.0);
  auto values = buffer::allocate(dtype::float64, {4});
  for (std::size_t i = 0; i < 4; ++i) values.span<double>()[i] = static_cast<double>(i + 1);
  EXPECT_EQ(the_host().call("rust", "cdemo.py_mean", args_of({values})).value(), 2.5);
  auto failed = raised([] { the_host().call("rust", "cdemo.py_sqrt", json::array({-1})); });
  EXPECT_EQ(failed.runtime(), "py");  // Python's error, passed through the plugin unchanged
  EXPECT_EQ(failed.type(), "ValueError");
  EXPECT_NE(failed.trace().find("[rust] in cdemo.py_sqrt"), std::string::npos) << failed.trace();
}

TEST(RustCall, ATimeoutIsRefusedClearlyNotIgnored) {
  load_cdemo();
  call_options timed;
  timed.timeout = std::chrono::seconds(2);
  auto e = raised<usage_error>([&] { the_host().call("rust", "cdemo.ramp", json::array({1}), timed); });
  EXPECT_EQ(e.runtime(), "rust");
  EXPECT_NE(e.message().find("rust calls cannot be timed out: cdemo.ramp is native plugin code"), std::string::npos)
      << e.message();
  auto through_callable = raised<usage_error>([&] { the_host().resolve("rust", "cdemo.ramp").call(json::array({1}), timed); });
  EXPECT_NE(through_callable.message().find("cannot be timed out"), std::string::npos);
  auto from_python = raised([] { the_host().eval("py", "import promethean; promethean.call('rust', 'cdemo.ramp', 1, timeout=2)"); });
  EXPECT_NE(from_python.message().find("rust calls cannot be timed out"), std::string::npos) << from_python.message();
  // The deadline of an enclosing timed call, which meta passes on to its calls, is not refused.
  EXPECT_EQ(the_host().eval("meta", R"((buffer.shape (call "rust" "cdemo.ramp" 3)))", timed).data.value(), json::array({3}));
  // Without a timeout, as before.
  EXPECT_EQ(the_host().call("rust", "cdemo.ramp", json::array({1})).as_buffer()->size(), 1u);
}
