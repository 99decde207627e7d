// The connection between two processes' links (host/src/remote/frame_channel.hpp): frames through
// shared rings, descriptors and doorbells over the socket. Both ends live in this process here;
// the process tests (tests/processes) run them across processes.
#include "remote/frame_channel.hpp"

#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>
#include <thread>

namespace promethean::detail {
namespace {

struct connected_pair {
  std::unique_ptr<frame_channel> host;
  std::unique_ptr<frame_channel> worker;

  connected_pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    // The joiner waits for the rings the opener sends.
    auto joined = std::async(std::launch::async, [fd = fds[1]] {
      return std::make_unique<frame_channel>(fd, frame_channel::side::joiner);
    });
    host = std::make_unique<frame_channel>(fds[0], frame_channel::side::opener);
    worker = joined.get();
  }
};

/// Reads the next frame with the turn, as a waiting thread does.
std::optional<frame> read_one(frame_channel& c) {
  EXPECT_TRUE(c.try_take_turn());
  auto f = c.next();
  while (c.give_up_turn()) {
  }
  return f;
}

TEST(FrameChannel, FramesGoBothWaysInOrder) {
  connected_pair p;
  for (int i = 0; i < 1000; ++i) p.host->send({{"k", "req"}, {"id", i}});
  p.worker->send({{"k", "rep"}, {"text", "é\n\"quoted\""}});
  ASSERT_TRUE(p.worker->try_take_turn());
  for (int i = 0; i < 1000; ++i) {
    auto f = p.worker->next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->body.at("id"), i);
    EXPECT_TRUE(f->fds.empty());
  }
  EXPECT_FALSE(p.worker->next());
  EXPECT_FALSE(p.worker->give_up_turn());
  auto back = read_one(*p.host);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->body.at("text"), "é\n\"quoted\"");
}

TEST(FrameChannel, OneReaderHoldsTheTurnAtATime) {
  connected_pair p;
  ASSERT_TRUE(p.worker->try_take_turn());
  EXPECT_FALSE(p.worker->try_take_turn());
  EXPECT_FALSE(p.worker->give_up_turn());
  EXPECT_TRUE(p.worker->try_take_turn());
  EXPECT_FALSE(p.worker->give_up_turn());
}

TEST(FrameChannel, ANobodyWatchingReaderIsRungAndAWatchingOneIsNot) {
  connected_pair p;
  // Nobody watches: the frame rings the doorbell, which wakes the reading thread.
  p.host->send({{"n", 1}});
  EXPECT_TRUE(p.worker->wait_for_doorbell());
  auto f = read_one(*p.worker);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->body.at("n"), 1);
  // A watcher holds the turn: no doorbell, the watcher sees the frame itself.
  ASSERT_TRUE(p.worker->try_take_turn());
  p.host->send({{"n", 2}});
  auto g = p.worker->next();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->body.at("n"), 2);
  EXPECT_FALSE(p.worker->give_up_turn());
  // Only the end wakes the reading thread now (no doorbell was rung for n 2).
  p.host->shut_down();
  EXPECT_FALSE(p.worker->wait_for_doorbell());
  EXPECT_TRUE(p.worker->ended());
}

TEST(FrameChannel, AFrameThatCameAsTheTurnWasGivenUpIsReadByTheOneGivingItUp) {
  connected_pair p;
  ASSERT_TRUE(p.worker->try_take_turn());
  p.host->send({{"n", 3}});  // while watched: no doorbell
  // give_up_turn sees it and takes the turn back: the caller reads on.
  ASSERT_TRUE(p.worker->give_up_turn());
  auto f = p.worker->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->body.at("n"), 3);
  EXPECT_FALSE(p.worker->give_up_turn());
}

TEST(FrameChannel, DescriptorsArriveWithTheirFrame) {
  connected_pair p;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  p.host->send({{"n", 1}});
  p.host->send({{"n", 2}}, std::span<const int>(pipe_fds, 2));
  p.host->send({{"n", 3}}, std::span<const int>(pipe_fds + 1, 1));
  // Nobody watched: the frames rang (descriptors go on a socket of their own, read with their frame).
  EXPECT_TRUE(p.worker->wait_for_doorbell());
  ASSERT_TRUE(p.worker->try_take_turn());
  auto a = p.worker->next();
  auto b = p.worker->next();
  auto c = p.worker->next();
  EXPECT_FALSE(p.worker->give_up_turn());
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->fds.empty());
  ASSERT_EQ(b->fds.size(), 2u);
  ASSERT_EQ(c->fds.size(), 1u);
  // The received write end reaches the pipe's read end.
  ASSERT_EQ(::write(c->fds[0].get(), "x", 1), 1);
  char byte = 0;
  ASSERT_EQ(::read(b->fds[0].get(), &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(FrameChannel, ALargeBodyGoesInAMemfdOfItsOwn) {
  connected_pair p;
  const std::string big(frame_channel::k_ring_capacity * 3, 'z');  // larger than the ring itself
  std::thread sender([&] {
    p.host->send({{"big", big}});
    p.host->send({{"after", true}});
  });
  sender.join();  // a spilled body takes one small frame in the ring: the send never waits
  ASSERT_TRUE(p.worker->try_take_turn());
  auto f = p.worker->next();
  auto g = p.worker->next();
  EXPECT_FALSE(p.worker->give_up_turn());
  ASSERT_TRUE(f && g);
  EXPECT_EQ(f->body.at("big").get<std::string>().size(), big.size());
  EXPECT_TRUE(f->fds.empty());  // the body's memfd is not the message's
  EXPECT_EQ(g->body.at("after"), true);
}

TEST(FrameChannel, AFullRingMakesTheSenderWaitForTheReader) {
  connected_pair p;
  const std::string chunk(frame_channel::k_ring_capacity / 8, 'y');  // in the ring, not spilled
  constexpr int k_frames = 40;                                       // five rings' worth
  std::thread sender([&] {
    for (int i = 0; i < k_frames; ++i) p.host->send({{"i", i}, {"chunk", chunk}});
  });
  int seen = 0;
  while (seen < k_frames) {
    ASSERT_TRUE(p.worker->try_take_turn());
    while (auto f = p.worker->next()) {
      EXPECT_EQ(f->body.at("i"), seen);
      ++seen;
    }
    while (p.worker->give_up_turn()) {
      while (auto f = p.worker->next()) {
        EXPECT_EQ(f->body.at("i"), seen);
        ++seen;
      }
    }
    std::this_thread::yield();
  }
  sender.join();
}

TEST(FrameChannel, SendingToAPeerThatIsGoneIsRuntimeCrashed) {
  connected_pair p;
  p.worker.reset();
  try {
    for (int i = 0; i < 10; ++i) p.host->send({{"n", i}});  // the first may still be buffered
    p.host->send({{"n", 1}}, {});
    // The doorbell goes nowhere, but the frame is in the ring: only descriptors need the socket.
    int fd = 0;
    p.host->send({{"fd", 0}}, std::span<const int>(&fd, 1));
    FAIL() << "a send with descriptors to a closed socket succeeded";
  } catch (const error& e) {
    EXPECT_EQ(e.type(), "RuntimeCrashed");
  }
  EXPECT_FALSE(p.host->wait_for_doorbell());
}

TEST(FrameChannel, AJoinerRefusesAnOpenerThatHandsOverNoRings) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  auto joined = std::async(std::launch::async, [fd = fds[1]] {
    return std::make_unique<frame_channel>(fd, frame_channel::side::joiner);
  });
  // An opener that sends no rings: the joiner refuses to start.
  ASSERT_EQ(::write(fds[0], "?", 1), 1);
  ::close(fds[0]);
  EXPECT_THROW(joined.get(), error);
}

}  // namespace
}  // namespace promethean::detail
