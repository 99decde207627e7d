// pending_call: settling from another thread, continuations before and after, wait with a
// deadline, cancel and abandon with their hooks, one settle and one consumer.
#include <promethean/error.hpp>
#include <promethean/host/pending_call.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

using namespace promethean;
using namespace std::chrono_literals;

namespace {
std::exception_ptr boom() { return std::make_exception_ptr(error("test", "Boom", "it failed")); }

std::string type_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const error& x) {
    return x.type();
  } catch (...) {
    return "not a promethean::error";
  }
}
}  // namespace

TEST(PendingCall, SettledFromAnotherThreadRunsTheContinuationThere) {
  auto p = pending_call::make();
  std::promise<std::pair<int, std::thread::id>> got;
  p->then([&](pending_call::outcome o) { got.set_value({std::move(o).take().value().get<int>(), std::this_thread::get_id()}); });
  EXPECT_FALSE(p->done());
  std::thread::id settler;
  std::thread t([&] {
    settler = std::this_thread::get_id();
    EXPECT_TRUE(p->complete(nlohmann::json(42)));
  });
  t.join();
  auto [value, where] = got.get_future().get();
  EXPECT_EQ(value, 42);
  EXPECT_EQ(where, settler);
  EXPECT_TRUE(p->done());
}

TEST(PendingCall, ThenAfterSettleRunsAtOnceOnTheCallingThread) {
  auto p = pending_call::make();
  EXPECT_TRUE(p->complete(nlohmann::json("ready")));
  std::thread::id where;
  std::string value;
  p->then([&](pending_call::outcome o) {
    where = std::this_thread::get_id();
    value = std::move(o).take().value().get<std::string>();
  });
  EXPECT_EQ(value, "ready");
  EXPECT_EQ(where, std::this_thread::get_id());
  // ready() and failed() are settled from the start.
  auto r = pending_call::ready(nlohmann::json(7));
  EXPECT_TRUE(r->done());
  EXPECT_EQ(r->try_take()->value.value(), 7);
  auto f = pending_call::failed(boom());
  EXPECT_EQ(type_of(f->wait()->error), "Boom");
}

TEST(PendingCall, WaitWithADeadlineTimesOutThenGetsTheValue) {
  auto p = pending_call::make();
  const auto start = pending_call::clock::now();
  EXPECT_FALSE(p->wait(start + 30ms).has_value());
  EXPECT_GE(pending_call::clock::now() - start, 30ms);
  EXPECT_FALSE(p->try_take().has_value());
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    p->complete(nlohmann::json(5));
  });
  auto o = p->wait(pending_call::clock::now() + 10s);
  t.join();
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(std::move(*o).take().value(), 5);
}

TEST(PendingCall, FailedOutcomeRethrowsItsError) {
  auto p = pending_call::make();
  EXPECT_TRUE(p->fail(boom()));
  auto o = p->wait();
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->value.value().is_null());
  try {
    std::move(*o).take();
    FAIL() << "take() of a failed outcome must throw";
  } catch (const error& e) {
    EXPECT_EQ(e.type(), "Boom");
    EXPECT_EQ(e.runtime(), "test");
  }
}

TEST(PendingCall, CancelRunsTheHooksAndDropsTheContinuation) {
  auto p = pending_call::make();
  int cancelled = 0, ended = 0;
  bool continued = false;
  auto held = std::make_shared<int>(1);
  p->on_cancel([&] { ++cancelled; });
  p->on_end([&] { ++ended; });
  p->then([&, held](pending_call::outcome) { continued = true; });
  EXPECT_EQ(held.use_count(), 2);
  p->cancel();
  EXPECT_EQ(cancelled, 1);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(held.use_count(), 1) << "the dropped continuation must let go of what it held";
  EXPECT_TRUE(p->done());
  // The producer finds it given up: settling does nothing, the continuation never runs.
  EXPECT_FALSE(p->complete(nlohmann::json(1)));
  EXPECT_FALSE(p->fail(boom()));
  EXPECT_FALSE(continued);
  // A hook registered after the cancel runs at once; cancelling again does nothing.
  p->on_cancel([&] { ++cancelled; });
  EXPECT_EQ(cancelled, 2);
  p->cancel();
  EXPECT_EQ(cancelled, 2);
  EXPECT_EQ(type_of(p->wait()->error), "Cancelled");
}

TEST(PendingCall, CancelHooksDoNotRunOnceSettled) {
  auto p = pending_call::make();
  int cancelled = 0;
  auto held = std::make_shared<int>(1);
  p->on_cancel([&, held] { ++cancelled; });
  EXPECT_TRUE(p->complete(nlohmann::json(1)));
  EXPECT_EQ(held.use_count(), 1) << "hooks that cannot run any more are freed at the settle";
  p->cancel();
  p->on_cancel([&] { ++cancelled; });
  EXPECT_EQ(cancelled, 0);
  EXPECT_EQ(p->wait()->value.value(), 1);
}

TEST(PendingCall, AbandonFailsTheCallAndRunsTheCancelHooks) {
  auto p = pending_call::make();
  int cancelled = 0;
  std::string seen;
  p->on_cancel([&] { ++cancelled; });
  p->then([&](pending_call::outcome o) { seen = type_of(o.error); });
  EXPECT_TRUE(p->abandon(std::make_exception_ptr(error("host", "Timeout", "too slow"))));
  EXPECT_EQ(cancelled, 1);
  EXPECT_EQ(seen, "Timeout");
  EXPECT_FALSE(p->abandon(boom()));
  EXPECT_EQ(cancelled, 1);
}

TEST(PendingCall, OnlyTheFirstSettleCounts) {
  auto p = pending_call::make();
  EXPECT_TRUE(p->complete(nlohmann::json("first")));
  EXPECT_FALSE(p->complete(nlohmann::json("second")));
  EXPECT_FALSE(p->fail(boom()));
  EXPECT_EQ(p->wait()->value.value(), "first");
  // Racing settlers: exactly one wins.
  for (int round = 0; round < 50; ++round) {
    auto q = pending_call::make();
    std::atomic<int> wins{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] { wins += q->complete(nlohmann::json(i)) ? 1 : 0; });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1);
  }
}

TEST(PendingCall, OneConsumerOnly) {
  auto p = pending_call::make();
  p->then([](pending_call::outcome) {});
  EXPECT_THROW(p->then([](pending_call::outcome) {}), usage_error);
  p->complete(nlohmann::json(1));
  EXPECT_THROW(p->wait(), usage_error);
  EXPECT_FALSE(p->try_take().has_value());

  auto q = pending_call::make();
  q->complete(nlohmann::json(2));
  EXPECT_EQ(q->try_take()->value.value(), 2);
  EXPECT_FALSE(q->try_take().has_value());
  EXPECT_THROW(q->then([](pending_call::outcome) {}), usage_error);
  EXPECT_THROW(q->wait(), usage_error);
}

TEST(PendingCall, EndHooksRunBeforeTheContinuation) {
  auto p = pending_call::make();
  std::vector<std::string> order;
  p->on_end([&] { order.push_back("end"); });
  p->then([&](pending_call::outcome) { order.push_back("continuation"); });
  p->complete(nlohmann::json(nullptr));
  EXPECT_EQ(order, (std::vector<std::string>{"end", "continuation"}));
  p->on_end([&] { order.push_back("late end"); });
  EXPECT_EQ(order.back(), "late end");
}

TEST(PendingCall, AConsumerSeesAnAbandonedOutcomeOnlyAfterTheCancelHooksRan) {
  // A consumer that has the Timeout knows the producer was told to stop (and freed what it held).
  for (int round = 0; round < 2; ++round) {
    auto p = pending_call::make();
    std::atomic<bool> stopped{false};
    p->on_cancel([&] {
      std::this_thread::sleep_for(30ms);
      stopped = true;
    });
    std::thread t([&] { p->abandon(std::make_exception_ptr(error("host", "Timeout", "too slow"))); });
    if (round == 0) {
      auto o = p->wait();
      EXPECT_TRUE(stopped.load());
      EXPECT_EQ(type_of(o->error), "Timeout");
    } else {
      while (!p->done()) std::this_thread::yield();
      std::promise<bool> seen;
      p->then([&](pending_call::outcome) { seen.set_value(stopped.load()); });  // maybe during the hooks
      EXPECT_TRUE(seen.get_future().get());
    }
    t.join();
  }
}
