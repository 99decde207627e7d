// Messages keep what they name alive in flight; MetaObjects carry their source.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/meta_object.hpp>

#include <gtest/gtest.h>

using namespace promethean;

TEST(Message, ABufferInFlightStaysAliveAfterItsOwnerLetsGo) {
  int released = 0;
  auto* storage = new std::uint8_t[8]{1, 2, 3, 4, 5, 6, 7, 8};
  message in_flight;
  {
    auto b = buffer::adopt(storage, 8, [&] { ++released; delete[] storage; }, dtype::uint8, {8}, {.language = "js"});
    in_flight = message(nlohmann::json{{"frame", buffer_to_json(b)}, {"n", 1}});
  }  // the owning runtime dropped its reference
  EXPECT_EQ(released, 0);
  ASSERT_EQ(in_flight.buffers().size(), 1u);
  auto b = in_flight.find_buffer(in_flight.value()["frame"]["buffer_id"].get<std::string>());
  ASSERT_TRUE(b);
  EXPECT_EQ(static_cast<int>(b->cdata()[7]), 8);
  b.reset();
  in_flight = message();
  EXPECT_EQ(released, 1);
}

TEST(Message, OfBufferIsItsHandle) {
  auto b = buffer::allocate(dtype::int16, {2});
  auto m = message::of(b);
  EXPECT_EQ(m.value(), buffer_to_json(b));
  ASSERT_TRUE(m.as_buffer());
  EXPECT_EQ(m.as_buffer()->id(), b.id());
  EXPECT_FALSE(message(nlohmann::json(3)).as_buffer());
}

TEST(Message, FunctionHandlesAreReleasedWithTheirLastReference) {
  int released = 0;
  message m;
  {
    auto f = function_handle::create("js", "onFrame", [&] { ++released; });
    EXPECT_EQ(f->to_json()["_type"], "Function");
    m = message(nlohmann::json::array({f->to_json(), 2}));
    EXPECT_EQ(function_handle::find(f->id()), f);
  }
  EXPECT_EQ(released, 0);
  ASSERT_EQ(m.functions().size(), 1u);
  const std::string id = m.functions()[0]->id();
  m = message();
  EXPECT_EQ(released, 1);
  EXPECT_FALSE(function_handle::find(id));
}

TEST(Message, HandlesNamingNothingAreClearErrors) {
  EXPECT_THROW(message(nlohmann::json{{"x", {{"_type", "Buffer"}, {"buffer_id", "b999999999"}}}}), message_error);
  EXPECT_THROW(message(nlohmann::json{{"_type", "Function"}, {"function_id", "f999999999"}}), message_error);
}

TEST(MetaObject, JsonShapeAndRoundTrip) {
  meta_object m{"py", message(nlohmann::json(45))};
  EXPECT_EQ(m.to_json(), (nlohmann::json{{"_type", "MetaObject"}, {"source", "py"}, {"data", 45}}));
  auto back = meta_object::from_json(m.to_json());
  EXPECT_EQ(back.source, "py");
  EXPECT_EQ(back.data.value(), 45);
  EXPECT_THROW(meta_object::from_json(nlohmann::json{{"_type", "MetaObject"}}), message_error);
}
