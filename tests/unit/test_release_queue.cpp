// The lock-free release queue: many producers, one drainer, nothing lost, order kept.
#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/release_queue.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace promethean;

TEST(ReleaseQueue, DrainsInPushOrder) {
  release_queue q;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) q.push([&order, i] { order.push_back(i); });
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.drain(), 5u);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.drain(), 0u);
}

TEST(ReleaseQueue, ManyProducersWhileDraining) {
  release_queue q;
  std::atomic<int> wakeups{0};
  q.set_wakeup([&] { ++wakeups; });
  std::atomic<long> sum{0};
  constexpr int k_threads = 4, k_per_thread = 10000;
  std::atomic<bool> done{false};
  std::size_t drained = 0;
  std::thread drainer([&] {
    while (!done.load()) drained += q.drain();
  });
  std::vector<std::thread> producers;
  for (int t = 0; t < k_threads; ++t) {
    producers.emplace_back([&] {
      for (int i = 1; i <= k_per_thread; ++i) q.push([&sum, i] { sum += i; });
    });
  }
  for (auto& p : producers) p.join();
  done = true;
  drainer.join();
  drained += q.drain();
  EXPECT_EQ(drained, std::size_t(k_threads) * k_per_thread);
  EXPECT_EQ(sum.load(), long(k_threads) * k_per_thread * (k_per_thread + 1) / 2);
  EXPECT_EQ(wakeups.load(), k_threads * k_per_thread);
}

TEST(ReleaseQueue, AThrowingTaskLosesNoOtherAndTasksMayQueueMore) {
  release_queue q;
  int ran = 0;
  q.push([] { throw std::runtime_error("boom"); });
  q.push([&] {
    ++ran;
    q.push([&] { ++ran; });  // a release that causes another release
  });
  testing::internal::CaptureStderr();
  EXPECT_EQ(q.drain(), 3u);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("boom"), std::string::npos);
  EXPECT_EQ(ran, 2);
}

TEST(ReleaseQueue, DefersAnAdoptedBlocksReleaseToTheDrainingThread) {
  // The pattern every runtime uses: the block's callback only queues; the owner's thread frees.
  release_queue q;
  std::thread::id freed_on;
  auto* storage = new int[4];
  {
    auto b = buffer::adopt(storage, sizeof(int) * 4, [&q, &freed_on, storage] {
      q.push([&freed_on, storage] {
        freed_on = std::this_thread::get_id();
        delete[] storage;
      });
    }, dtype::int32, {4});
    std::thread([dropped = std::move(b)]() mutable { dropped = buffer(); }).join();
  }
  EXPECT_EQ(q.drain(), 1u);
  EXPECT_EQ(freed_on, std::this_thread::get_id());
}
