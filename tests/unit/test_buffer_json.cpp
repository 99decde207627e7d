// The JSON handle of a buffer: exactly DESIGN.md's shape, and a round trip back to the live buffer.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

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
