// The Rust SDK's ndarray and serde features, through the ndimage example plugin, called from C++,
// Python and JS: ndarray views are the caller's memory (strided and inverted numpy slices
// included), an owned Array comes back without a copy, serde structs go in and out beside the
// buffers, and a value of the wrong shape is an error naming the argument and what was expected.
#include "rust_fixture.hpp"

#include "../support/plugin_calls.hpp"
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::args_of;
using promethean::testing_support::load_plugin_once;
using promethean::testing_support::raised;

namespace {
buffer ramp_image(std::size_t h, std::size_t w) {
  auto img = buffer::allocate(dtype::uint8, {h, w, 3});
  auto px = img.span<std::uint8_t>();
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i % 251);
  return img;
}

std::string message_of(const std::function<void()>& call) { return raised<plugin_error>(call).message(); }
}  // namespace

TEST(RustEcosystem, NdarrayViewsAndArraysCrossWithoutACopy) {
  load_plugin_once(the_host(), PM_NDIMAGE_PLUGIN);
  auto img = ramp_image(4, 6);
  const auto address = the_host().call("rust", "ndimage.address", args_of({img})).value();
  EXPECT_EQ(address.get<std::uintptr_t>(), reinterpret_cast<std::uintptr_t>(img.cdata()));
  const auto released = ledger::instance().counts().blocks_released;
  {
    auto blurred = the_host().call("rust", "ndimage.blur", args_of({img, json{{"radius", 1}}})).as_buffer();
    ASSERT_TRUE(blurred);
    EXPECT_EQ(blurred->shape(), (shape_t{4, 6, 3}));
    EXPECT_EQ(blurred->language(), "rust");  // the Array's own memory, adopted
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(blurred->cdata()),
              the_host().call("rust", "ndimage.last_result_address", json::array()).value().get<std::uintptr_t>());
    // Pixel (1, 1) of channel 0: the rounded mean of its 3 × 3 neighbourhood.
    const auto px = img.span<const std::uint8_t>();
    unsigned sum = 0;
    for (std::size_t y = 0; y < 3; ++y)
      for (std::size_t x = 0; x < 3; ++x) sum += px[(y * 6 + x) * 3];
    EXPECT_EQ(blurred->span<const std::uint8_t>()[(1 * 6 + 1) * 3], (sum + 4) / 9);
  }
  EXPECT_EQ(ledger::instance().counts().blocks_released - released, 1);  // the Array's Vec, freed once
  auto before = ramp_image(4, 6);
  the_host().call("rust", "ndimage.brighten", args_of({img, json(3)}));
  EXPECT_EQ(img.span<const std::uint8_t>()[0], 3);  // in place
  EXPECT_EQ(the_host().call("rust", "ndimage.difference", args_of({before, img})).value(), 3 * 4 * 6 * 3);
  EXPECT_EQ(message_of([&] { the_host().call("rust", "ndimage.difference", args_of({before, ramp_image(2, 6)})); }),
            "shapes [4, 6, 3] and [2, 6, 3] differ");
}

TEST(RustEcosystem, SerdeStructsGoInAndOutBesideBuffers) {
  load_plugin_once(the_host(), PM_NDIMAGE_PLUGIN);
  auto img = ramp_image(2, 2);
  const auto stats = the_host().call("rust", "ndimage.stats", args_of({img})).value();
  EXPECT_EQ(stats["shape"], json::array({2, 2, 3}));
  EXPECT_EQ(stats["min"], 0);
  EXPECT_EQ(stats["max"], 11);
  EXPECT_EQ(stats["channel_means"], json::array({4.5, 5.5, 6.5}));
  EXPECT_EQ(stats["contiguous"], true);
  // Options with a default and an enum spelled as its name; a float with no fraction is an integer.
  auto zero_edges = the_host().call("rust", "ndimage.blur", args_of({img, json{{"radius", 1.0}, {"edges", "zero"}}})).as_buffer();
  ASSERT_TRUE(zero_edges);
  EXPECT_EQ(zero_edges->span<const std::uint8_t>()[0], (0u + 3 + 6 + 9 + 4) / 9);  // corner: 4 of 9 inside
}

TEST(RustEcosystem, BuffersInsideSerdeValuesAreTheCallersAndTheResults) {
  load_plugin_once(the_host(), PM_NDIMAGE_PLUGIN);
  auto a = buffer::allocate(dtype::uint8, {2, 3, 3});
  auto b = buffer::allocate(dtype::uint8, {2, 3, 3});
  for (auto& v : a.span<std::uint8_t>()) v = 100;
  for (auto& v : b.span<std::uint8_t>()) v = 50;
  const json layers = json::array({json{{"image", buffer_to_json(a)}, {"weight", 0.5}}, json{{"image", buffer_to_json(b)}, {"weight", 1}}});
  const message result = the_host().call("rust", "ndimage.blend", message(json::array({layers}), {a, b}, {}));
  EXPECT_EQ(result.value()["layers"], 2);
  EXPECT_EQ(result.value()["total_weight"], 1.5);
  ASSERT_EQ(result.buffers().size(), 1u);  // the image inside the struct, handed over with it
  const buffer& image = result.buffers()[0];
  EXPECT_EQ(image.shape(), (shape_t{2, 3, 3}));
  EXPECT_EQ(image.language(), "rust");
  EXPECT_EQ(image.span<const std::uint8_t>()[0], 100);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(image.cdata()),
            the_host().call("rust", "ndimage.last_result_address", json::array()).value().get<std::uintptr_t>());
  EXPECT_EQ(message_of([] { the_host().call("rust", "ndimage.blend", json::array({json::array({json{{"image", 5}, {"weight", 1}}})})); }),
            "argument 1, at [0].image: expected a buffer, got the number 5");
  auto floats = buffer::allocate(dtype::float32, {2, 3, 3});
  EXPECT_EQ(message_of([&] {
              the_host().call("rust", "ndimage.blend",
                              message(json::array({json::array({json{{"image", buffer_to_json(floats)}, {"weight", 1}}})}), {floats}, {}));
            }),
            "argument 1, at [0].image: the buffer: expected a uint8 buffer, got float32");
}

TEST(RustEcosystem, AValueOfTheWrongShapeNamesTheArgumentAndWhatWasExpected) {
  load_plugin_once(the_host(), PM_NDIMAGE_PLUGIN);
  auto img = ramp_image(2, 2);
  auto blur = [&](json options) { return message_of([&] { the_host().call("rust", "ndimage.blur", args_of({img, options})); }); };
  EXPECT_EQ(blur(json{{"radius", "x"}}), "argument 2, at .radius: expected usize, got a string \"x\"");
  EXPECT_EQ(blur(json{{"radius", 1}, {"edges", "mirror"}}), "argument 2, at .edges: expected one of \"clamp\", \"zero\", got a string \"mirror\"");
  EXPECT_EQ(blur(json::object()), "argument 2: missing field `radius`");
  EXPECT_EQ(blur(json(5)), "argument 2: expected struct BlurOptions, got the number 5");  // the typed path
  EXPECT_EQ(blur(json{{"radius", 2.5}}), "argument 2, at .radius: expected usize, got the number 2.5");
  EXPECT_EQ(message_of([] {
              the_host().call("rust", "ndimage.blur", args_of({buffer::allocate(dtype::uint8, {4, 6}), json{{"radius", 1}}}));
            }),
            "argument 1: expected a 3-dimensional uint8 array, got shape [4, 6]");
  EXPECT_EQ(message_of([] {
              the_host().call("rust", "ndimage.stats", args_of({buffer::allocate(dtype::float32, {1, 1, 3})}));
            }),
            "argument 1: expected a uint8 array, got a float32 buffer of shape [1, 1, 3]");
  EXPECT_NE(message_of([&] { the_host().call("rust", "ndimage.brighten", args_of({img.as_readonly(), json(1)})); }).find("read-only"),
            std::string::npos);
}

TEST(RustEcosystem, FromPythonStridedAndInvertedSlicesAreTheSameMemory) {
  load_plugin_once(the_host(), PM_NDIMAGE_PLUGIN);
  the_host().define("py", {"ndimage_from_py", {}, R"(import numpy as np
import promethean
addr = lambda a: a.__array_interface__['data'][0]
img = (np.arange(4 * 6 * 3) % 251).astype(np.uint8).reshape(4, 6, 3)
r = {}
r['same'] = promethean.call('rust', 'ndimage.address', img) == addr(img)
part = img[::-1, ::2]
r['strided_same'] = promethean.call('rust', 'ndimage.address', part) == addr(part)
r['stats'] = promethean.call('rust', 'ndimage.stats', part)
before = img.copy()
promethean.call('rust', 'ndimage.brighten', part, 10)
r['written_through_the_slice'] = bool((img[:, ::2] == np.minimum(before[:, ::2].astype(int) + 10, 255)).all())
r['others_untouched'] = bool((img[:, 1::2] == before[:, 1::2]).all())
out = promethean.call('rust', 'ndimage.blur', img, {'radius': 1})
r['blur_shape'] = list(out.shape)
r['blur_is_the_rust_array'] = addr(out) == promethean.call('rust', 'ndimage.last_result_address')
r['blur_owner'] = promethean.buffer_info(out)['language']
r['blur_center'] = int(out[1, 1, 0]) == (int(img[0:3, 0:3, 0].astype(int).sum()) + 4) // 9
layers = [{'image': np.full((2, 3, 3), 100, np.uint8), 'weight': 0.5}, {'image': part[:2, :3].copy(), 'weight': 0.0}]
blended = promethean.call('rust', 'ndimage.blend', layers)
r['blend'] = [int(blended['image'][0, 0, 0]), blended['layers'], blended['total_weight']]
r['blend_is_the_rust_array'] = addr(blended['image']) == promethean.call('rust', 'ndimage.last_result_address')
try:
    promethean.call('rust', 'ndimage.blur', img, {'radius': 1, 'edges': 'mirror'})
except promethean.ForeignError as e:
    r['error'] = e.message
return r)"});
  const auto r = the_host().call("py", "ndimage_from_py", json::array()).value();
  EXPECT_EQ(r["same"], true);
  EXPECT_EQ(r["strided_same"], true) << "a strided, inverted numpy slice reaches ndarray as it is";
  EXPECT_EQ(r["stats"]["shape"], json::array({4, 3, 3}));
  EXPECT_EQ(r["stats"]["contiguous"], false);
  EXPECT_EQ(r["written_through_the_slice"], true);
  EXPECT_EQ(r["others_untouched"], true);
  EXPECT_EQ(r["blur_shape"], json::array({4, 6, 3}));
  EXPECT_EQ(r["blur_is_the_rust_array"], true);
  EXPECT_EQ(r["blur_owner"], "rust");
  EXPECT_EQ(r["blur_center"], true);
  EXPECT_EQ(r["blend"], json::array({50, 2, 0.5}));
  EXPECT_EQ(r["blend_is_the_rust_array"], true);
  EXPECT_EQ(r["error"], "argument 2, at .edges: expected one of \"clamp\", \"zero\", got a string \"mirror\"");
}

TEST(RustEcosystem, FromJsTypedArraysAreTheSameMemory) {
  load_plugin_once(the_host(), PM_NDIMAGE_PLUGIN);
  the_host().define("js", {"ndimageFromJs", {}, R"(
const img = promethean.alloc([4, 6, 3], 'uint8');
img.forEach((_, i) => { img[i] = i % 251; });
const r = {};
r.same = promethean.call('rust', 'ndimage.address', img) === promethean.bufferInfo(img).address;
promethean.call('rust', 'ndimage.brighten', img, 5);
r.writtenInPlace = img[0] === 5 && img[7] === 12;
const out = promethean.call('rust', 'ndimage.blur', img, {radius: 2, edges: 'zero'});
const info = promethean.bufferInfo(out);
r.blurShape = info.shape;
r.blurOwner = info.language;
r.blurIsTheRustArray = info.address === promethean.call('rust', 'ndimage.last_result_address');
r.stats = promethean.call('rust', 'ndimage.stats', img);
const blended = promethean.call('rust', 'ndimage.blend', [{image: img, weight: 2}]);
r.blend = [blended.image[1], blended.layers, promethean.bufferInfo(blended.image).language];
r.blendIsTheRustArray = promethean.bufferInfo(blended.image).address === promethean.call('rust', 'ndimage.last_result_address');
try {
  promethean.call('rust', 'ndimage.blur', img, {radius: -1});
} catch (e) {
  r.error = e.message;
}
return r;)"});
  const auto r = the_host().call("js", "ndimageFromJs", json::array()).value();
  EXPECT_EQ(r["same"], true);
  EXPECT_EQ(r["writtenInPlace"], true);
  EXPECT_EQ(r["blurShape"], json::array({4, 6, 3}));
  EXPECT_EQ(r["blurOwner"], "rust");
  EXPECT_EQ(r["blurIsTheRustArray"], true);
  EXPECT_EQ(r["stats"]["min"], 5);
  EXPECT_EQ(r["stats"]["contiguous"], true);
  EXPECT_EQ(r["blend"], json::array({12, 1, "rust"}));  // 2 × (1 + 5)
  EXPECT_EQ(r["blendIsTheRustArray"], true);
  EXPECT_EQ(r["error"], "argument 2, at .radius: expected usize, got the number -1");
}
