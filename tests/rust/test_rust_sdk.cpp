// The Rust SDK through real cdylibs: the imageops and pycall examples and the testkit plugin.
// Argument decoding and its errors, panics caught, Vec-backed buffers handed over without a copy,
// references kept past a call, calls back into Python, the library kept mapped by its buffers.
#include "rust_fixture.hpp"
#include "testkit_source.hpp"

#include "../support/failing_allocator.hpp"
#include "../support/plugin_calls.hpp"
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::args_of;
using promethean::testing_support::load_plugin_once;
using promethean::testing_support::raised;

namespace {
buffer rgb_image(std::size_t h, std::size_t w) {
  auto img = buffer::allocate(dtype::uint8, {h, w, 3});
  auto px = img.span<std::uint8_t>();
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 7);
  return img;
}

bool mapped(const std::string& library) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream all;
  all << maps.rdbuf();
  return all.str().find(library) != std::string::npos;
}
}  // namespace

TEST(RustSdk, ImageopsGrayscaleInvertHistogram) {
  load_plugin_once(the_host(), PM_IMAGEOPS_PLUGIN);
  const auto before = ledger::instance().counts();
  auto img = rgb_image(4, 5);
  {
    auto gray = the_host().call("rust", "imageops.grayscale", args_of({img})).as_buffer();
    ASSERT_TRUE(gray);
    EXPECT_EQ(gray->shape(), (shape_t{4, 5}));
    EXPECT_EQ(gray->format(), dtype::uint8);
    EXPECT_EQ(gray->language(), "rust");  // the plugin's Vec, adopted without a copy
    const auto px = img.span<const std::uint8_t>();
    const unsigned expected = (px[3] * 299u + px[4] * 587u + px[5] * 114u + 500u) / 1000u;  // pixel (0, 1)
    EXPECT_EQ(gray->span<const std::uint8_t>()[1], expected);
  }
  EXPECT_EQ(ledger::instance().counts().blocks_released - before.blocks_released, 1);  // the Vec, freed once
  const std::uint8_t first = img.span<const std::uint8_t>()[0];
  EXPECT_EQ(the_host().call("rust", "imageops.invert", args_of({img})).value(), nullptr);
  EXPECT_EQ(img.span<const std::uint8_t>()[0], 255 - first);  // in place, in the caller's memory
  auto ones = buffer::allocate(dtype::uint8, {10});
  ones.span<std::uint8_t>()[3] = 9;
  auto hist = the_host().call("rust", "imageops.histogram", args_of({ones})).value();
  ASSERT_EQ(hist.size(), 256u);
  EXPECT_EQ(hist[0], 9);
  EXPECT_EQ(hist[9], 1);
}

TEST(RustSdk, WrongDtypeShapeAndArgumentsAreClearErrors) {
  load_plugin_once(the_host(), PM_IMAGEOPS_PLUGIN);
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  auto dtype_error = raised<plugin_error>([] {
    the_host().call("rust", "imageops.grayscale", args_of({buffer::allocate(dtype::float32, {2, 2, 3})}));
  });
  EXPECT_EQ(dtype_error.type(), "TypeError");
  EXPECT_EQ(dtype_error.message(), "argument 1: expected a uint8 buffer, got float32");
  auto an_int32 = raised<plugin_error>([] {
    the_host().call("rust", "testkit.fill", args_of({buffer::allocate(dtype::float32, {3}), json(1)}));
  });
  EXPECT_EQ(an_int32.message(), "argument 1: expected an int32 buffer, got float32");  // the article's
  auto shape_error = raised<plugin_error>([] {
    the_host().call("rust", "imageops.grayscale", args_of({buffer::allocate(dtype::uint8, {2, 2, 4})}));
  });
  EXPECT_EQ(shape_error.type(), "ShapeError");
  EXPECT_NE(shape_error.message().find("[2, 2, 4]"), std::string::npos) << shape_error.message();
  auto count = raised<plugin_error>([] { the_host().call("rust", "testkit.add", json::array({1})); });
  EXPECT_EQ(count.message(), "expected 2 arguments, got 1");
  auto type = raised<plugin_error>([] { the_host().call("rust", "testkit.add", json::array({"x", 1})); });
  EXPECT_EQ(type.message(), "argument 1: expected a number, got a string");
  auto not_int = raised<plugin_error>([] { the_host().call("rust", "testkit.add", json::array({1, 2.5})); });
  EXPECT_EQ(not_int.message(), "argument 2: expected an integer, got 2.5");
  auto not_buffer = raised<plugin_error>([] { the_host().call("rust", "imageops.histogram", json::array({3})); });
  EXPECT_EQ(not_buffer.message(), "argument 1: expected a buffer, got a number");
  auto ro = raised<plugin_error>([] {
    the_host().call("rust", "testkit.fill", args_of({buffer::allocate(dtype::int32, {3}).as_readonly(), json(1)}));
  });
  EXPECT_NE(ro.message().find("read-only"), std::string::npos);
  auto strided = raised<plugin_error>([] {
    the_host().call("rust", "imageops.histogram", args_of({buffer::allocate(dtype::uint8, {4, 4}).slice(1, 0, 4, 2)}));
  });
  EXPECT_NE(strided.message().find("strided"), std::string::npos);
  auto bad = raised<plugin_error>([] { the_host().call("rust", "testkit.bad_shape", json::array()); });
  EXPECT_EQ(bad.type(), "ShapeError");
  EXPECT_EQ(the_host().call("rust", "testkit.add", json::array({1.5, 2})).value(), 3.5);
}

TEST(RustSdk, BothArgumentPathsDecodeTheSameWay) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  // Nested JSON goes the JSON way; scalars and buffers the typed way. Same results, same errors.
  EXPECT_EQ(the_host().call("rust", "testkit.count_keys", json::array({json{{"a", 1}, {"b", {1, 2}}}, 1})).value(), 3);
  auto e = raised<plugin_error>([] { the_host().call("rust", "testkit.count_keys", json::array({json{{"a", 1}}, -1})); });
  EXPECT_EQ(e.message(), "argument 2: -1 does not fit in u32");
  auto typed = raised<plugin_error>([] { the_host().call("rust", "testkit.count_keys", json::array({"text", 1})); });
  EXPECT_EQ(typed.message(), "expected an object, got a string");
  auto boolean = raised<plugin_error>([] { the_host().call("rust", "testkit.add", json::array({true, 1})); });
  EXPECT_EQ(boolean.message(), "argument 1: expected a number, got a boolean");
}

TEST(RustSdk, APanicIsAnErrorAndTheHostGoesOn) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  auto e = raised<plugin_error>([] { the_host().call("rust", "testkit.panics", json::array({"on purpose"})); });
  EXPECT_EQ(e.runtime(), "rust");
  EXPECT_EQ(e.type(), "Panic");
  EXPECT_EQ(e.message(), "the plugin panicked: on purpose");
  EXPECT_NE(e.trace().find("[rust] in testkit.panics"), std::string::npos) << e.trace();
  EXPECT_EQ(the_host().call("rust", "testkit.add", json::array({1, 2})).value(), 3.0);
}

TEST(RustSdk, APanicsTraceNamesThePluginsFileAndLine) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  // Where testkit's panic!s are: its source names them in the trace (issue 27 item 9), above the
  // host's lines, on the typed path and the JSON one.
  const std::string typed_at = panic_site(R"(panic!("{}", message);)");
  auto typed = raised<plugin_error>([] { the_host().call("rust", "testkit.panics", json::array({"on purpose"})); });
  EXPECT_EQ(typed.trace().rfind(typed_at, 0), 0u) << "expected the trace to start with " << typed_at << ":\n" << typed.trace();
  EXPECT_NE(typed.trace().find("in plugin testkit"), std::string::npos) << typed.trace();
  EXPECT_NE(typed.trace().find("[rust] in testkit.panics"), std::string::npos) << typed.trace();
  const std::string json_at = panic_site(R"(panic!("with {}", details.dump());)");
  auto json_path = raised<plugin_error>([] {
    the_host().call("rust", "testkit.panics_with", json::array({json{{"k", 1}}}));
  });
  EXPECT_EQ(json_path.message(), R"(the plugin panicked: with {"k":1})");
  EXPECT_EQ(json_path.trace().rfind(json_at, 0), 0u) << "expected " << json_at << ":\n" << json_path.trace();
  // Each panic says its own place: nothing of the last one is left for the next.
  auto again = raised<plugin_error>([] { the_host().call("rust", "testkit.panics", json::array({"again"})); });
  EXPECT_EQ(again.trace().rfind(typed_at, 0), 0u) << again.trace();
  EXPECT_EQ(the_host().call("rust", "testkit.add", json::array({1, 2})).value(), 3.0);
}

TEST(RustSdk, ThePluginSeesTheSameMemoryAndWritesIt) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  auto f = buffer::allocate(dtype::float32, {8});
  EXPECT_EQ(the_host().call("rust", "testkit.address", args_of({f})).value().get<std::uintptr_t>(),
            reinterpret_cast<std::uintptr_t>(f.cdata()));
  auto ints = buffer::allocate(dtype::int32, {2, 2});
  the_host().call("rust", "testkit.fill", args_of({ints, json(-3)}));
  EXPECT_EQ(ints.span<const std::int32_t>()[3], -3);
  the_host().buffer_types().add(buffer_type::make("RustRGB", {"n", "channels"}, "uint8", {{"channels", 3}}));
  auto typed = the_host().call("rust", "testkit.zeros_typed", json::array({4, "RustRGB"})).as_buffer();
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->type_name(), "RustRGB");
  EXPECT_EQ(typed->span<const std::uint8_t>()[0], 7);
  EXPECT_THROW(the_host().call("rust", "testkit.zeros_typed", json::array({4, "NoSuchType"})), error);
}

TEST(RustSdk, AReferenceKeptPastTheCallHoldsTheMemory) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  const auto before = ledger::instance().counts();
  {
    auto b = buffer::allocate(dtype::uint8, {16});
    EXPECT_EQ(the_host().call("rust", "testkit.keep", args_of({b})).value(), 1);
  }
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);  // the plugin holds it
  EXPECT_EQ(the_host().call("rust", "testkit.release_kept", json::array()).value(), 1);
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks);
}

TEST(RustSdk, APluginCallsPythonOverTheSameMemory) {
  load_plugin_once(the_host(), PM_PYCALL_PLUGIN);
  auto values = buffer::allocate(dtype::float64, {4});
  for (std::size_t i = 0; i < 4; ++i) values.span<double>()[i] = static_cast<double>(i) * 2;
  EXPECT_EQ(the_host().call("rust", "pycall.mean", args_of({values})).value(), 3.0);
  EXPECT_EQ(the_host().call("rust", "pycall.apply", json::array({"math.sqrt", 16})).value(), 4.0);
  auto e = raised([] { the_host().call("rust", "pycall.apply", json::array({"math.sqrt", -1})); });
  EXPECT_EQ(e.runtime(), "py");
  EXPECT_EQ(e.type(), "ValueError");
}

TEST(RustSdk, ALibraryStaysMappedWhileABufferItMadeIsAlive) {
  const auto before = ledger::instance().counts();
  std::optional<buffer> gray;
  {
    host other(host_options{{"rust"}});  // its own rust runtime, which loads imageops itself
    other.load("rust", PM_IMAGEOPS_PLUGIN);
    gray = other.call("rust", "imageops.grayscale", args_of({rgb_image(2, 2)})).as_buffer();
  }  // that host and its runtime are gone; the buffer the plugin made is not
  ASSERT_TRUE(gray);
  EXPECT_TRUE(mapped("libimageops.so"));
  EXPECT_EQ(gray->shape(), (shape_t{2, 2}));
  gray.reset();  // the plugin's release callback runs now, its code still mapped
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks);
}

TEST(RustSdk, RunningOutOfMemoryInTheHostTableIsAnOwnedError) {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  const std::string big(std::size_t{4} << 20, 'x');
  const message args(json::array({big}));
  // testkit.echo answers with 4 MiB of JSON text, which the host reads in result_set_json: with
  // large allocations failing, that host-table function meets a std::bad_alloc, which must come
  // back to the plugin as an owned error (passed on to the caller), not unwind through Rust.
  std::optional<error> failed;
  {
    testing_support::failing_allocations fail_from(std::size_t{1} << 20);
    try {
      the_host().call("rust", "testkit.echo", args);
    } catch (const error& e) {
      failed = e;
    }
  }
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->runtime(), "host");
  EXPECT_EQ(failed->type(), "MemoryError");
  EXPECT_NE(failed->trace().find("testkit.echo"), std::string::npos) << failed->trace();
  // Nothing was left broken: the same call succeeds with memory to spare.
  EXPECT_EQ(the_host().call("rust", "testkit.echo", args).value(), big);
}
