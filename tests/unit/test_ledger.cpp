// The ledger: exactly-once release, lookup by id, views per runtime, the leak switch.
#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/ledger.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace promethean;

TEST(Ledger, CountsReturnToBaselineAndEachBlockIsReleasedOnce) {
  const auto before = ledger::instance().counts();
  {
    auto a = buffer::allocate(dtype::uint8, {1000});
    auto view1 = a.slice(0, 0, 10);
    auto view2 = a.reshape({10, 100});
    auto during = ledger::instance().counts();
    EXPECT_EQ(during.live_blocks, before.live_blocks + 1);
    EXPECT_EQ(during.live_bytes, before.live_bytes + 1000);
    EXPECT_EQ(during.live_buffers, before.live_buffers + 3);
    EXPECT_EQ(during.live_blocks_by_language["host"], before.live_blocks_by_language.count("host")
                                                          ? before.live_blocks_by_language.at("host") + 1
                                                          : 1);
  }
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
  EXPECT_EQ(after.live_buffers, before.live_buffers);
  EXPECT_EQ(after.blocks_created - before.blocks_created, 1);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(Ledger, FindsLiveBuffersByIdOnly) {
  std::string id;
  {
    auto b = buffer::allocate(dtype::int64, {3});
    id = b.id();
    auto found = ledger::instance().find(id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->cdata(), b.cdata());
    // Only its own spelling: a leading zero or sign names no buffer (found by the message fuzzer).
    const std::string digits = id.substr(1);
    EXPECT_FALSE(ledger::instance().find("b0" + digits));
    EXPECT_FALSE(ledger::instance().find("b00" + digits));
    EXPECT_FALSE(ledger::instance().find("b+" + digits));
  }
  EXPECT_FALSE(ledger::instance().find(id));
  EXPECT_FALSE(ledger::instance().find("b0"));
  EXPECT_FALSE(ledger::instance().find("nonsense"));
  EXPECT_FALSE(ledger::instance().find("b"));
  EXPECT_FALSE(ledger::instance().find("b12x"));
}

TEST(Ledger, ExportRefsCountViewsPerRuntime) {
  auto b = buffer::allocate(dtype::float32, {2});
  auto views = [] {
    auto c = ledger::instance().counts().views_by_runtime;
    return std::make_pair(c.count("py") ? c["py"] : 0, c.count("js") ? c["js"] : 0);
  };
  const auto base = views();
  {
    export_ref py_view(b, "py");
    export_ref js_view(b, "js");
    export_ref moved = std::move(js_view);
    EXPECT_EQ(views(), std::make_pair(base.first + 1, base.second + 1));
    EXPECT_EQ(moved.get().id(), b.id());
    EXPECT_FALSE(js_view.get());
    moved.reset();
    moved.reset();  // idempotent
    EXPECT_EQ(views(), std::make_pair(base.first + 1, base.second));
  }
  EXPECT_EQ(views(), base);
}

TEST(Ledger, LastReferenceDyingOnAnotherThreadReleasesOnce) {
  std::atomic<int> released{0};
  std::vector<std::thread> threads;
  {
    auto* storage = new float[64];
    auto b = buffer::adopt(storage, 64 * sizeof(float), [&released, storage] { ++released; delete[] storage; },
                           dtype::float32, {64});
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([copy = b.slice(0, i, 64)]() mutable { copy = buffer(); });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(released.load(), 1);
}

TEST(LedgerDeathTest, LeakSwitchAbortsAtShutdownNamingTheBuffer) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ledger::instance().set_abort_on_leak(true);
        static auto leaked = buffer::allocate(dtype::uint8, {7}, {.type = "Leaky"});
        ledger::instance().check_at_shutdown();
      },
      "leak check failed.*type Leaky");
}

TEST(Ledger, WithoutTheSwitchALeakIsOnlyReported) {
  auto b = buffer::allocate(dtype::uint8, {1});
  ASSERT_FALSE(ledger::instance().abort_on_leak());
  EXPECT_FALSE(ledger::instance().check_at_shutdown());
  EXPECT_NE(ledger::instance().describe_live().find(b.id()), std::string::npos);
}
