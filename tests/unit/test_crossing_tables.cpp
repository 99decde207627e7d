// How buffers cross between two processes' links (host/src/remote/crossing_tables.hpp): a shared
// segment's descriptor goes once per connection, then frames name it by identity; the receiving
// side keeps it mapped until the owner says it ended. Both sides live in this process here (the
// receiver maps the sender's memfd a second time); tests/processes runs them across processes.
#include "remote/buffer_description.hpp"
#include "remote/crossing_tables.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/shared_memory.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

namespace promethean::detail {
namespace {

/// The description of the frame's first buffer (a binary: buffer_description.hpp).
buffer_description first_buffer(const nlohmann::json& head) {
  return unpack_buffer_description(head.at("b").at(0).get_binary());
}

struct two_sides {
  std::vector<nlohmann::json> to_sender;    // what the receiver sends back (releases)
  std::vector<nlohmann::json> to_receiver;  // what the sender sends on its own (segment ends)
  std::shared_ptr<crossing_tables> sender =
      std::make_shared<crossing_tables>([this](const nlohmann::json& f) { to_receiver.push_back(f); }, "peer");
  std::shared_ptr<crossing_tables> receiver =
      std::make_shared<crossing_tables>([this](const nlohmann::json& f) { to_sender.push_back(f); }, "peer");

  /// One frame from the sender to the receiver carrying `b`: encoded, "sent" (descriptors
  /// duplicated, as SCM_RIGHTS does), decoded. Returns the frame and the buffer received.
  std::pair<nlohmann::json, buffer> cross(const buffer& b) {
    nlohmann::json head;
    std::vector<int> fds;
    std::vector<crossing_tables::segment_key> announced;
    sender->encode(message(nlohmann::json::array({buffer_to_json(b)}), {b}, {}), head, fds, announced);
    std::vector<owned_fd> received;
    for (int fd : fds) received.emplace_back(::dup(fd));
    sender->sent(announced);
    message m = receiver->decode(head, received);
    return {head, m.buffers().at(0)};
  }
  /// Delivers what the receiver sent back, and what the sender sent on its own.
  void deliver() {
    for (auto& f : to_sender) sender->released(f);
    to_sender.clear();
    for (auto& f : to_receiver) receiver->released(f);
    to_receiver.clear();
  }
};

TEST(CrossingTables, ASegmentsDescriptorCrossesOnceThenItsIdentity) {
  two_sides s;
  buffer big = buffer::allocate(dtype::uint8, {std::size_t{1} << 20});  // a segment of its own
  big.data()[0] = std::byte{7};
  auto [first, got] = s.cross(big);
  EXPECT_TRUE(first_buffer(first).fd_index.has_value());
  EXPECT_EQ(got.cdata()[0], std::byte{7});
  got = buffer();  // the receiver lets go: one release, the segment stays mapped there
  s.deliver();
  EXPECT_EQ(s.sender->exported_buffer_count(), 0u);

  auto [second, again] = s.cross(big);
  EXPECT_FALSE(first_buffer(second).fd_index.has_value());
  big.data()[1] = std::byte{9};  // the same bytes, mapped once there
  EXPECT_EQ(again.cdata()[1], std::byte{9});
}

TEST(CrossingTables, WhenTheSegmentEndsTheReceiverIsToldAndLetsItGo) {
  two_sides s;
  const auto before = shared_memory_stats().segments_live;
  buffer big = buffer::allocate(dtype::float64, {std::size_t{1} << 17});
  nlohmann::json stale;
  {
    auto [head, got] = s.cross(big);
    stale = head;
    buffer_description d = first_buffer(head);
    d.fd_index.reset();  // a later frame would name the segment by identity only
    stale["b"][0] = nlohmann::json::binary(pack_buffer_description(d));
  }
  s.deliver();  // the release
  EXPECT_TRUE(s.to_receiver.empty());
  big = buffer();  // the segment ends at the sender: the receiver is told
  ASSERT_EQ(s.to_receiver.size(), 1u);
  EXPECT_EQ(s.to_receiver[0].at("k"), "unseg");
  s.deliver();
  EXPECT_EQ(shared_memory_stats().segments_live, before);  // unmapped on both sides
  std::vector<owned_fd> none;
  EXPECT_THROW(s.receiver->decode(stale, none), message_error);
}

TEST(CrossingTables, AnArenaSegmentIsNamedByIdentityAndNeverEnds) {
  two_sides s;
  buffer small = buffer::allocate(dtype::int32, {16});
  auto [first, a] = s.cross(small);
  EXPECT_TRUE(first_buffer(first).lasting);
  a = buffer();
  s.deliver();
  buffer other = buffer::allocate(dtype::int32, {16});  // likely the same arena segment
  auto [second, b] = s.cross(other);
  if (shared_region_of(other)->inode == shared_region_of(small)->inode) {
    EXPECT_FALSE(first_buffer(second).fd_index.has_value());
  }
  other.data()[0] = std::byte{5};
  EXPECT_EQ(b.cdata()[0], std::byte{5});
  b = buffer();
  small = buffer();
  other = buffer();
  s.deliver();
  EXPECT_TRUE(s.to_receiver.empty());  // no "unseg": the arena lasts as long as the process
}

TEST(CrossingTables, AHandleCrossesAsItsBareTagAndAPendingResultDoesNotCross) {
  two_sides s;
  buffer b = buffer::allocate(dtype::float32, {2, 3});
  auto [head, got] = s.cross(b);
  EXPECT_EQ(head.at("v"), nlohmann::json::array({{{"_type", "Buffer"}}}));  // the layout is in "b" only
  // An unfinished async result lives in this process: refused, with or without buffers beside it.
  const nlohmann::json pending = {{"_type", "Pending"}, {"pending_id", "p1"}, {"runtime", "py"}, {"name", "slow"}};
  for (const bool with_buffer : {false, true}) {
    nlohmann::json out;
    std::vector<int> fds;
    std::vector<crossing_tables::segment_key> announced;
    const message m = with_buffer ? message(nlohmann::json::array({buffer_to_json(b), {{"later", pending}}}), {b}, {})
                                  : message(message::in_walk_order, nlohmann::json::array({{{"later", pending}}}));
    EXPECT_THROW(s.sender->encode(m, out, fds, announced), usage_error) << with_buffer;
  }
}

TEST(CrossingTables, ADescriptionPacksAndUnpacksWholeAndRefusesWhatIsNotOne) {
  buffer_description d;
  d.token = 42;
  d.device = 2049;
  d.inode = 1234567;
  d.segment_size = 1 << 20;
  d.block_offset = 4096;
  d.block_size = 96;
  d.byte_offset = 8;
  d.fd_index = 3;
  d.readonly = true;
  d.dtype = "float32";
  d.shape = {4, 6};
  d.strides = {-24, 4};
  d.language = "py";
  d.type_name = "ImageRGB";
  const auto bytes = pack_buffer_description(d);
  const buffer_description back = unpack_buffer_description(bytes);
  EXPECT_EQ(back.token, 42u);
  EXPECT_EQ(back.inode, 1234567u);
  EXPECT_EQ(back.block_offset, 4096u);
  EXPECT_EQ(back.fd_index, std::optional<std::uint32_t>(3));
  EXPECT_TRUE(back.readonly);
  EXPECT_FALSE(back.lasting);
  EXPECT_EQ(back.shape, (shape_t{4, 6}));
  EXPECT_EQ(back.strides, (strides_t{-24, 4}));
  EXPECT_EQ(back.dtype, "float32");
  EXPECT_EQ(back.language, "py");
  EXPECT_EQ(back.type_name, "ImageRGB");
  // Cut short anywhere, or with bytes left over: an error, never a read past the end.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(unpack_buffer_description(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + n)), message_error);
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(unpack_buffer_description(longer), message_error);
  // A frame whose buffer is described as JSON (another build's) is refused with the reason.
  two_sides s;
  nlohmann::json head = {{"v", nlohmann::json::array({{{"_type", "Buffer"}, {"buffer_id", "b1"}}})},
                         {"b", nlohmann::json::array({{{"t", "1"}}})}};
  std::vector<owned_fd> none;
  EXPECT_THROW(s.receiver->decode(head, none), message_error);
}

}  // namespace
}  // namespace promethean::detail
