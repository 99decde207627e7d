// The JSON handle of a buffer: exactly DESIGN.md's shape, and a round trip back to the live buffer.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <vector>

using namespace promethean;

TEST(BufferJson, HandleHasExactlyTheDesignedShape) {
  auto b = buffer::allocate(dtype::uint8, {256, 256, 3}, {.language = "py", .type = "ImageRGB"});
  const auto j = buffer_to_json(b);
  EXPECT_EQ(j, (nlohmann::json{{"_type", "Buffer"},
                               {"buffer_id", b.id()},
                               {"format", "uint8"},
                               {"shape", {256, 256, 3}},
                               {"strides", {768, 3, 1}},
                               {"language", "py"},
                               {"type", "ImageRGB"},
                               {"readonly", false}}));
  EXPECT_TRUE(buffer_to_json(b.as_readonly().select(2, 0))["type"].is_null());
}

TEST(BufferJson, TheHandleIsTheSameBuiltAtFirstAndKeptAfter) {
  // The first request builds the handle without keeping it; later ones build and read the cache.
  auto b = buffer::allocate(dtype::int32, {2, 5}, {.language = "js"});
  const auto first = buffer_to_json(b);
  const auto second = buffer_to_json(b);
  const auto third = buffer_to_json(b);
  EXPECT_EQ(first, second);
  EXPECT_EQ(second, third);
  EXPECT_EQ(first["buffer_id"], b.id());
  EXPECT_EQ(first["shape"], nlohmann::json({2, 5}));
  EXPECT_EQ(first["strides"], nlohmann::json({20, 4}));
}

TEST(BufferJson, RoundTripFindsTheSameLiveBuffer) {
  auto b = buffer::allocate(dtype::float64, {3, 4});
  auto view = b.select(1, 2);
  auto text = buffer_to_json(view).dump();
  auto back = buffer_from_json(nlohmann::json::parse(text));
  EXPECT_EQ(back.id(), view.id());
  EXPECT_EQ(back.cdata(), view.cdata());
  EXPECT_EQ(back.strides(), view.strides());
  EXPECT_TRUE(is_buffer_handle(nlohmann::json::parse(text)));
  EXPECT_FALSE(is_buffer_handle(nlohmann::json{{"_type", "Function"}}));
}

TEST(BufferJson, StaleForgedAndMalformedHandlesAreClearErrors) {
  nlohmann::json stale;
  {
    auto gone = buffer::allocate(dtype::uint8, {2});
    stale = buffer_to_json(gone);
  }
  try {
    buffer_from_json(stale);
    FAIL();
  } catch (const message_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a live buffer"), std::string::npos);
  }
  auto b = buffer::allocate(dtype::uint8, {2});
  auto forged = buffer_to_json(b);
  forged["shape"] = {4};
  try {
    buffer_from_json(forged);
    FAIL();
  } catch (const message_error& e) {
    EXPECT_NE(std::string(e.what()).find("shape"), std::string::npos);
  }
  EXPECT_THROW(buffer_from_json(nlohmann::json{{"_type", "Buffer"}}), message_error);
  EXPECT_THROW(buffer_from_json(nlohmann::json{{"_type", "Buffer"}, {"buffer_id", 17}}), message_error);
  EXPECT_THROW(buffer_from_json(nlohmann::json::array()), message_error);
}

TEST(BufferJson, ARefreshedHandleIsTheBuffersOwnWhateverItHeldBefore) {
  auto b = buffer::allocate(dtype::uint8, {4, 3}, {.language = "py"});
  // Null, not a handle, another buffer's handle of the same layout (renamed), the handle of
  // another layout in every member: each becomes exactly b's handle.
  const auto same_layout = buffer::allocate(dtype::uint8, {4, 3}, {.language = "py"});
  const std::vector<nlohmann::json> before = {
      nullptr,
      nlohmann::json{{"a", 1}},
      nlohmann::json::array({1, 2}),
      buffer_to_json(same_layout),
      buffer_to_json(b),
      buffer_to_json(buffer::allocate(dtype::int8, {4, 3}, {.language = "py"})),
      buffer_to_json(buffer::allocate(dtype::uint8, {3, 4}, {.language = "py"})),
      buffer_to_json(buffer::allocate(dtype::uint8, {4, 3, 1}, {.language = "py"})),
      buffer_to_json(buffer::allocate(dtype::uint8, {4, 3}, {.language = "js"})),
      buffer_to_json(buffer::allocate(dtype::uint8, {4, 3}, {.language = "py", .type = "Grid"})),
      buffer_to_json(b.as_readonly()),
      buffer_to_json(b.select(1, 0)),  // other strides, fewer dimensions
  };
  for (const auto& held : before) {
    nlohmann::json handle = held;
    refresh_buffer_handle(handle, b);
    EXPECT_EQ(handle, buffer_to_json(b)) << "was " << held.dump();
  }
  // Renamed in place: the members other than buffer_id stay the very same objects.
  nlohmann::json handle = buffer_to_json(same_layout);
  const auto* shape = &handle["shape"];
  refresh_buffer_handle(handle, b);
  EXPECT_EQ(&handle["shape"], shape);
  EXPECT_EQ(handle["buffer_id"], b.id());
  // A member changed by hand (a stale strides entry) is not kept.
  handle["strides"][0] = 99;
  refresh_buffer_handle(handle, b);
  EXPECT_EQ(handle, buffer_to_json(b));
}
