// Messages keep what they name alive in flight; MetaObjects carry their source.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/json_text.hpp>
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
  std::optional<buffer> b = message::cursor(in_flight).next_buffer(in_flight.value()["frame"]);
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

TEST(Message, ACursorTakesTheHeldBuffersInWalkOrder) {
  auto a = buffer::allocate(dtype::uint8, {1});
  auto b = buffer::allocate(dtype::uint8, {2});
  auto f = function_handle::create("js", "cb");
  // Walk order: depth first, arrays by index, object members by key ("a" < "b" < "c").
  const message m(nlohmann::json{{"c", buffer_to_json(a)}, {"a", nlohmann::json::array({buffer_to_json(b), f->to_json()})},
                                 {"b", buffer_to_json(b)}});
  ASSERT_EQ(m.buffers().size(), 3u);
  EXPECT_EQ(m.buffers()[0].id(), b.id());
  EXPECT_EQ(m.buffers()[1].id(), b.id());
  EXPECT_EQ(m.buffers()[2].id(), a.id());
  message::cursor at(m);
  EXPECT_EQ(at.next_buffer(m.value()["a"][0]).cdata(), b.cdata());
  EXPECT_EQ(at.next_function(m.value()["a"][1]), f);
  EXPECT_EQ(at.next_buffer(m.value()["b"]).cdata(), b.cdata());
  EXPECT_EQ(at.next_buffer(m.value()["c"]).cdata(), a.cdata());
  EXPECT_THROW(at.next_buffer(m.value()["c"]), message_error);  // nothing left
  // Out of step: the handle does not name the buffer at the cursor.
  message::cursor wrong(m);
  EXPECT_THROW(wrong.next_buffer(m.value()["c"]), message_error);
}

TEST(Message, APartOfAMessageHoldsWhatItNamesAndNothingElse) {
  auto a = buffer::allocate(dtype::uint8, {1});
  auto b = buffer::allocate(dtype::uint8, {2});
  const message whole(nlohmann::json::array({buffer_to_json(a), buffer_to_json(b)}));
  const message part(whole.value()[1], whole.buffers(), whole.functions());
  ASSERT_EQ(part.buffers().size(), 1u);
  EXPECT_EQ(part.buffers()[0].id(), b.id());
  ASSERT_TRUE(part.as_buffer());
  EXPECT_EQ(part.as_buffer()->cdata(), b.cdata());
  // A handle naming none of the given buffers, although live, is refused.
  auto e = buffer::allocate(dtype::uint8, {3});
  EXPECT_THROW(message(nlohmann::json::array({buffer_to_json(e)}), {a, b}, {}), message_error);
  EXPECT_THROW(message(nlohmann::json::array({buffer_to_json(e)}), {}, {}), message_error);
  // as_buffer of a handle the message does not hold is the same clear error, not a lookup.
  EXPECT_THROW(message(message::in_walk_order, buffer_to_json(e), {}, {}).as_buffer(), message_error);
}

TEST(MetaObject, JsonShapeAndRoundTrip) {
  meta_object m{"py", message(nlohmann::json(45))};
  EXPECT_EQ(m.to_json(), (nlohmann::json{{"_type", "MetaObject"}, {"source", "py"}, {"data", 45}}));
  auto back = meta_object::from_json(m.to_json());
  EXPECT_EQ(back.source, "py");
  EXPECT_EQ(back.data.value(), 45);
  EXPECT_THROW(meta_object::from_json(nlohmann::json{{"_type", "MetaObject"}}), message_error);
}

TEST(JsonText, NestingIsBoundedWhereTextComesInAndWhereMessagesAreMade) {
  // The parser every JSON entry uses (C API, plugin results and calls, sh replies, meta).
  auto nested_text = [](std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  EXPECT_EQ(parse_json_text(nested_text(k_max_json_depth)).dump(), nested_text(k_max_json_depth));
  for (std::size_t levels : {k_max_json_depth + 1, std::size_t{1'000'000}}) {
    try {
      parse_json_text(nested_text(levels));
      ADD_FAILURE() << levels << " levels parsed";
    } catch (const message_error& e) {
      EXPECT_NE(std::string(e.what()).find("nested deeper than 512 levels"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_json_text("{\"a\": [1, 2}"), nlohmann::json::parse_error);
  EXPECT_THROW(parse_json_text("[1] trailing"), nlohmann::json::parse_error);
  EXPECT_EQ(parse_json_text(R"({"a": [1, {"b": null}]})"), nlohmann::json::parse(R"({"a": [1, {"b": null}]})"));
  // A value built in C++ (or in meta) a million deep: refused when the message is made.
  nlohmann::json v = 1;
  for (int i = 0; i < 1'000'000; ++i) {
    nlohmann::json outer = nlohmann::json::array();
    outer.push_back(std::move(v));
    v = std::move(outer);
  }
  EXPECT_THROW(message m(std::move(v)), message_error);
}
