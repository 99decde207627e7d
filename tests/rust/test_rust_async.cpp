// Pending results of Rust plugins (ABI 1.2, the SDK's Pending and Completer): host.call_async
// gets the pending call the plugin settles from a thread of its own; a blocking call waits for
// it; errors, a completer dropped unsettled, panics, buffers, cancellation, many at once.
#include "rust_fixture.hpp"
#include "testkit_source.hpp"

#include "../support/plugin_calls.hpp"
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

using namespace promethean;
using namespace std::chrono_literals;
using nlohmann::json;
using promethean::testing_support::load_plugin_once;
using promethean::testing_support::raised;

namespace {
host& loaded() {
  load_plugin_once(the_host(), PM_TESTKIT_PLUGIN);
  return the_host();
}

pending_call::outcome settled(const std::shared_ptr<pending_call>& p, std::chrono::seconds within = 10s) {
  auto o = p->wait(pending_call::clock::now() + within);
  if (!o) throw std::runtime_error("the pending call did not settle in time");
  return std::move(*o);
}

error failure_of(const std::shared_ptr<pending_call>& p) {
  auto o = settled(p);
  try {
    std::move(o).take();
  } catch (const error& e) {
    return e;
  }
  throw std::runtime_error("the pending call did not fail");
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

TEST(RustPending, CallAsyncGetsTheValueCompletedFromThePluginsThread) {
  host& h = loaded();
  const auto start = std::chrono::steady_clock::now();
  auto p = h.call_async("rust", "testkit.later", json::array({21, 50}));
  EXPECT_FALSE(p->done()) << "the call returned before its value was there";
  EXPECT_LT(ms_since(start), 40) << "call_async waited for the plugin's thread";
  EXPECT_EQ(std::move(settled(p)).take().value(), 42.0);
  EXPECT_GE(ms_since(start), 50);
  // then(): the continuation runs on the thread that completed it (the plugin's), not this one.
  std::promise<std::pair<double, std::thread::id>> got;
  h.call_async("rust", "testkit.later", json::array({1.5, 10}))->then([&](pending_call::outcome o) {
    got.set_value({std::move(o).take().value().get<double>(), std::this_thread::get_id()});
  });
  auto [value, where] = got.get_future().get();
  EXPECT_EQ(value, 3.0);
  EXPECT_NE(where, std::this_thread::get_id());
  // Completed before the function returned: settled at once.
  auto now = h.call_async("rust", "testkit.at_once", json::array({"here"}));
  EXPECT_TRUE(now->done());
  EXPECT_EQ(std::move(settled(now)).take().value(), "here");
  // A function that is not pending settles at once too.
  auto plain = h.call_async("rust", "testkit.add", json::array({1, 2}));
  EXPECT_TRUE(plain->done());
  EXPECT_EQ(std::move(settled(plain)).take().value(), 3.0);
}

TEST(RustPending, TheBlockingCallWaitsForThePendingValue) {
  host& h = loaded();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(h.call("rust", "testkit.later", json::array({4, 30})).value(), 8.0);
  EXPECT_GE(ms_since(start), 30);
  // Through a resolved callable, typed and JSON forms, and a host that only takes the JSON form.
  callable later = h.resolve("rust", "testkit.later");
  EXPECT_EQ(later({5, 1}).value(), 10.0);
  EXPECT_EQ(later.call(json::array({6, 1})).value(), 12.0);
  ::setenv("PROMETHEAN_RUST_TYPED", "0", 1);
  host json_only(host_options{{"rust"}});
  json_only.load("rust", PM_TESTKIT_PLUGIN);
  ::unsetenv("PROMETHEAN_RUST_TYPED");
  EXPECT_EQ(json_only.call("rust", "testkit.later", json::array({7, 1})).value(), 14.0);
  EXPECT_EQ(std::move(settled(json_only.call_async("rust", "testkit.later", json::array({8, 20})))).take().value(), 16.0);
  // Errors of a blocking call of a pending function are raised as any call's.
  auto e = raised([&] { h.call("rust", "testkit.later_fail", json::array({5})); });
  EXPECT_EQ(e.type(), "LateError");
}

TEST(RustPending, ErrorsDroppedCompletersAndPanicsFailTheCall) {
  host& h = loaded();
  auto e = failure_of(h.call_async("rust", "testkit.later_fail", json::array({20})));
  EXPECT_EQ(e.runtime(), "rust");
  EXPECT_EQ(e.type(), "LateError");
  EXPECT_EQ(e.message(), "failed after 20 ms");
  EXPECT_NE(e.trace().find("testkit"), std::string::npos) << e.trace();
  // Dropped without completing: an error, not a caller waiting forever.
  e = failure_of(h.call_async("rust", "testkit.later_drop", json::array({20})));
  EXPECT_EQ(e.type(), "PendingDropped");
  EXPECT_NE(e.message().find("without completing it"), std::string::npos) << e.message();
  EXPECT_EQ(raised([&] { h.call("rust", "testkit.later_drop", json::array({5})); }).type(), "PendingDropped");
  // A panic on the completing thread.
  e = failure_of(h.call_async("rust", "testkit.later_panic", json::array({5})));
  EXPECT_EQ(e.type(), "Panic");
  EXPECT_NE(e.message().find("boom after 5 ms"), std::string::npos) << e.message();
  const std::string at = panic_site(R"(panic!("boom after {} ms", delay_ms))");
  EXPECT_EQ(e.trace().rfind(at, 0), 0u) << "expected " << at << ":\n" << e.trace();  // that thread's panic
  // Bad arguments fail before anything is pending, and settle the call rather than throw.
  std::shared_ptr<pending_call> p;
  ASSERT_NO_THROW(p = h.call_async("rust", "testkit.later", json::array({"x", 1})));
  EXPECT_EQ(failure_of(p).type(), "TypeError");
  ASSERT_NO_THROW(p = h.call_async("rust", "testkit.no_such_fn", json::array()));
  EXPECT_NE(std::string(failure_of(p).what()).find("has no function 'no_such_fn'"), std::string::npos);
}

TEST(RustPending, APendingBufferArrivesWithoutACopy) {
  host& h = loaded();
  auto value = std::move(settled(h.call_async("rust", "testkit.later_buffer", json::array({16, 9, 10})))).take();
  auto b = value.as_buffer();
  ASSERT_TRUE(b.has_value()) << value.dump();
  EXPECT_EQ(b->shape(), (shape_t{16}));
  EXPECT_EQ(b->language(), "rust");
  for (auto byte : b->span<std::uint8_t>()) EXPECT_EQ(byte, 9);
  auto blocking = h.call("rust", "testkit.later_buffer", json::array({4, 3, 1})).as_buffer();
  ASSERT_TRUE(blocking.has_value());
  EXPECT_EQ(blocking->span<std::uint8_t>()[3], 3);
}

TEST(RustPending, TimeoutAndCancelTellThePluginToStop) {
  host& h = loaded();
  call_options options;
  options.timeout = 50ms;
  auto e = failure_of(h.call_async("rust", "testkit.until_cancelled", json::array({5000}), options));
  EXPECT_EQ(e.type(), "Timeout");
  json seen;
  for (int i = 0; i < 200 && (seen = h.call("rust", "testkit.cancel_seen", json::array()).value()).is_null(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(seen, true) << "the plugin's is_cancelled() did not see the timeout";
  // The consumer's cancel.
  auto p = h.call_async("rust", "testkit.until_cancelled", json::array({5000}));
  std::this_thread::sleep_for(10ms);
  p->cancel();
  for (int i = 0; i < 200 && (seen = h.call("rust", "testkit.cancel_seen", json::array()).value()).is_null(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(seen, true);
}

TEST(RustPending, ManyConcurrentPendingCallsOverlap) {
  host& h = loaded();
  constexpr int k_calls = 64;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<pending_call>> calls;
  for (int i = 0; i < k_calls; ++i) calls.push_back(h.call_async("rust", "testkit.later", json::array({i, 100})));
  // And from other threads at the same time, blocking.
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      if (h.call("rust", "testkit.later", json::array({t, 100})).value() == 2.0 * t) ++right;
    });
  }
  for (int i = 0; i < k_calls; ++i) EXPECT_EQ(std::move(settled(calls[i])).take().value(), 2.0 * i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), 4);
  const double took = ms_since(start);
  // 68 × 100 ms one after another would be 6.8 s; each runs on its own thread.
  EXPECT_LT(took, 2000) << took << " ms";
  std::printf("[ figure ] %d rust pending calls of 100 ms, at once: %.0f ms\n", k_calls + 4, took);
}

TEST(RustPending, TheCAbiEdges) {
  // tests/rust/plugins/pending_edges.c: settled before the function returns, every way.
  load_plugin_once(the_host(), PM_CPENDING_PLUGIN);
  host& h = the_host();
  auto edge = [&](int kind) { return h.call_async("rust", "cpending.edge", json::array({kind})); };
  EXPECT_EQ(std::move(settled(edge(0))).take().value(), json::array({1, 2}));
  EXPECT_EQ(h.call("rust", "cpending.edge", json::array({0})).value(), json::array({1, 2}));
  auto e = failure_of(edge(1));
  EXPECT_EQ(e.type(), "BadResult");
  EXPECT_NE(e.message().find("view 3 does not exist"), std::string::npos) << e.message();
  EXPECT_EQ(failure_of(edge(2)).type(), "PendingDropped");
  EXPECT_EQ(failure_of(edge(3)).type(), "BadResult");
  EXPECT_EQ(std::move(settled(edge(4))).take().value(), "first");
  e = failure_of(edge(5));
  EXPECT_EQ(e.runtime(), "rust");
  EXPECT_EQ(e.type(), "EdgeError");
  EXPECT_NE(e.trace().find("cpending"), std::string::npos) << e.trace();
  EXPECT_EQ(failure_of(edge(9)).type(), "TypeError");
}
