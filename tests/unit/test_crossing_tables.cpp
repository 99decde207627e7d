// How buffers cross between two processes' links (host/src/remote/crossing_tables.hpp): a shared
// segment's descriptor goes once per connection, then frames name it by identity; the receiving
// side keeps it mapped until the owner says it ended. Both sides live in this process here (the
// receiver maps the sender's memfd a second time); tests/processes runs them across processes.
#include "remote/crossing_tables.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/shared_memory.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <vector>

namespace promethean::detail {
namespace {

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
  EXPECT_TRUE(first.at("b").at(0).contains("fd"));
  EXPECT_EQ(got.cdata()[0], std::byte{7});
  got = buffer();  // the receiver lets go: one release, the segment stays mapped there
  s.deliver();
  EXPECT_EQ(s.sender->exported_buffer_count(), 0u);

  auto [second, again] = s.cross(big);
  EXPECT_FALSE(second.at("b").at(0).contains("fd")) << second.dump();
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
    stale["b"][0].erase("fd");  // a later frame would name the segment by identity only
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
  EXPECT_TRUE(first.at("b").at(0).value("keep", false));
  a = buffer();
  s.deliver();
  buffer other = buffer::allocate(dtype::int32, {16});  // likely the same arena segment
  auto [second, b] = s.cross(other);
  if (shared_region_of(other)->inode == shared_region_of(small)->inode) {
    EXPECT_FALSE(second.at("b").at(0).contains("fd"));
  }
  other.data()[0] = std::byte{5};
  EXPECT_EQ(b.cdata()[0], std::byte{5});
  b = buffer();
  small = buffer();
  other = buffer();
  s.deliver();
  EXPECT_TRUE(s.to_receiver.empty());  // no "unseg": the arena lasts as long as the process
}

}  // namespace
}  // namespace promethean::detail
