// Buffer types: registration, validation errors that name the dimension, typed creation.
#include <promethean/buffer/buffer_type.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

using namespace promethean;

namespace {
buffer_type image_rgb() { return buffer_type::make("ImageRGB", {"height", "width", "channels"}, "uint8", {{"channels", 3}}); }

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const buffer_error& e) {
    EXPECT_EQ(e.type(), "BufferTypeError");
    return e.what();
  }
  ADD_FAILURE() << "no buffer_error thrown";
  return {};
}
}  // namespace

TEST(BufferType, ValidBufferPassesAndIsTaggedWithoutACopy) {
  buffer_type_registry reg;
  reg.add(image_rgb());
  auto b = buffer::allocate(dtype::uint8, {256, 256, 3});
  auto typed = reg.apply(b, "ImageRGB");
  EXPECT_EQ(typed.type_name(), "ImageRGB");
  EXPECT_EQ(typed.cdata(), b.cdata());
  EXPECT_EQ(reg.get("ImageRGB").to_json(),
            (nlohmann::json{{"name", "ImageRGB"},
                            {"layout", {"height", "width", "channels"}},
                            {"format", "uint8"},
                            {"fixed", {{"channels", 3}}}}));
}

TEST(BufferType, WrongFixedDimensionNamesTheDimensionAndSizes) {
  auto msg = message_of([] { buffer_type_registry::validate(buffer::allocate(dtype::uint8, {4, 4, 4}), image_rgb()); });
  EXPECT_NE(msg.find("ImageRGB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'channels' must be 3, got 4"), std::string::npos) << msg;
}

TEST(BufferType, WrongRankAndWrongFormatAreNamed) {
  auto rank = message_of([] { buffer_type_registry::validate(buffer::allocate(dtype::uint8, {4, 4}), image_rgb()); });
  EXPECT_NE(rank.find("has 3 dimensions [height width channels=3]"), std::string::npos) << rank;
  auto format = message_of([] { buffer_type_registry::validate(buffer::allocate(dtype::float32, {4, 4, 3}), image_rgb()); });
  EXPECT_NE(format.find("format must be uint8, got float32"), std::string::npos) << format;
}

TEST(BufferType, ReRegisteringIsIdempotentButConflictsAreRefused) {
  buffer_type_registry reg;
  reg.add(image_rgb());
  EXPECT_NO_THROW(reg.add(image_rgb()));
  auto msg = message_of([&] { reg.add(buffer_type::make("ImageRGB", {"h", "w"})); });
  EXPECT_NE(msg.find("already registered"), std::string::npos);
}

TEST(BufferType, MalformedDefinitionsAreRefused) {
  EXPECT_THROW(buffer_type::make("T", {"a", "a"}), buffer_error);
  EXPECT_THROW(buffer_type::make("T", {"a"}, std::nullopt, {{"b", 2}}), buffer_error);
  EXPECT_THROW(buffer_type::make("T", {"a"}, "complex128"), buffer_error);
  EXPECT_THROW(buffer_type::make("", {"a"}), buffer_error);
}

TEST(BufferType, UnknownTypeListsTheRegisteredOnes) {
  buffer_type_registry reg;
  reg.add(image_rgb());
  auto msg = message_of([&] { reg.get("Imagergb"); });
  EXPECT_NE(msg.find("registered: ImageRGB"), std::string::npos) << msg;
}

TEST(BufferType, CreateFillsFixedDimensionsAndChecksTheRest) {
  buffer_type_registry reg;
  reg.add(image_rgb());
  auto b = reg.create("ImageRGB", {{"height", 4}, {"width", 5}});
  EXPECT_EQ(b.shape(), (shape_t{4, 5, 3}));
  EXPECT_EQ(b.format(), dtype::uint8);
  EXPECT_EQ(b.type_name(), "ImageRGB");
  EXPECT_THROW(reg.create("ImageRGB", {{"height", 4}}), buffer_error);
  EXPECT_THROW(reg.create("ImageRGB", {{"height", 4}, {"width", 5}, {"channels", 4}}), buffer_error);
  EXPECT_THROW(reg.create("ImageRGB", {{"height", 4}, {"width", 5}, {"depth", 2}}), buffer_error);
  EXPECT_THROW(reg.create("ImageRGB", {{"height", 4}, {"width", 5}}, dtype::float32), buffer_error);
}

TEST(BufferType, TheObserverHearsOfNewTypesFirstAndCanRefuseThem) {
  buffer_type_registry reg;
  std::vector<std::string> heard;
  reg.set_observer([&](const buffer_type& t) {
    heard.push_back(t.name);
    if (t.name == "Refused") throw buffer_error("the host says no", "BufferTypeError");
  });
  reg.add(image_rgb());
  reg.add(image_rgb());  // the same again: nothing new to tell
  EXPECT_EQ(heard, std::vector<std::string>{"ImageRGB"});
  EXPECT_NE(message_of([&] { reg.add(buffer_type::make("Refused", {"n"})); }).find("the host says no"), std::string::npos);
  EXPECT_FALSE(reg.find("Refused"));  // refused: not registered
}

TEST(BufferType, ANameUnknownHereIsLookedUpElsewhereOnceAndKept) {
  buffer_type_registry reg;
  int asked = 0;
  reg.set_lookup_elsewhere([&](std::string_view name) -> std::optional<buffer_type> {
    ++asked;
    if (name == "ImageRGB") return image_rgb();
    return std::nullopt;
  });
  EXPECT_EQ(reg.get("ImageRGB"), image_rgb());
  EXPECT_EQ(reg.find("ImageRGB"), image_rgb());
  EXPECT_EQ(asked, 1);  // kept after the first answer
  EXPECT_FALSE(reg.find("Nowhere"));
  EXPECT_FALSE(reg.find("Nowhere"));
  EXPECT_EQ(asked, 3);  // a miss is asked again: the other side may learn it later
}

TEST(BufferType, TheJsonFormGoesBothWays) {
  EXPECT_EQ(buffer_type::from_json(image_rgb().to_json()), image_rgb());
  const auto any = buffer_type::make("Any", {"n"});
  EXPECT_EQ(buffer_type::from_json(any.to_json()), any);
  EXPECT_NE(message_of([] { buffer_type::from_json(nlohmann::json{{"name", 3}}); }).find("a string \"name\""),
            std::string::npos);
  const auto negative = nlohmann::json{{"name", "N"}, {"layout", {"n"}}, {"fixed", {{"n", -1}}}};
  EXPECT_NE(message_of([&] { buffer_type::from_json(negative); }).find("non-negative"), std::string::npos);
  EXPECT_NE(message_of([] { buffer_type::from_json(nlohmann::json{{"name", "N"}, {"layout", {"n"}}, {"shape", 1}}); })
                .find("no key 'shape'"),
            std::string::npos);
}
