// host.call_async into JS (issue 21): a Promise settles the pending call from the event loop's
// thread; a plain result settles it at once; a rejection is the JS error; cancelling fires the
// AbortSignal and lets go of everything the call held (ledger); calls from many threads at once.
#include "js_fixture.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/pending_call.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace promethean;
using nlohmann::json;

namespace {

void define_async_helpers() {
  static const bool done = [] {
    js_eval(R"(
      globalThis.asyncCpp = {
        later: (x, ms) => new Promise((resolve) => setTimeout(() => resolve(x * 2), ms)),
        plain: (x) => x + 1,
        failing: async (x) => { await null; throw new TypeError('bad ' + x); },
        aborted: 0,
        held: null,
        holdUntilAbort: (buf, signal) => new Promise((resolve, reject) => {
          asyncCpp.held = buf;
          signal.addEventListener('abort', () => {
            asyncCpp.held = null;
            asyncCpp.aborted += 1;
            reject(new Error('aborted'));
          });
        }),
      };
      null)");
    return true;
  }();
  (void)done;
}

/// Collects JS garbage until the buffer `id` is gone (at most 10 s): a test leaves nothing behind
/// for the next one's ledger baseline.
void collect_until_gone(const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ledger::instance().find(id).has_value() && std::chrono::steady_clock::now() < deadline) {
    js_full_gc();
    js_eval("null");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

json value_of(const std::shared_ptr<pending_call>& p) {
  auto outcome = p->wait(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  if (!outcome) throw std::runtime_error("the pending call did not settle within 30 s");
  return std::move(*outcome).take().value();
}

}  // namespace

TEST(JsAsync, AnEvalsValueThatCannotCrossIsNullNowOrLater) {
  // As a blocking eval's (issue 27 item 4): the code ran; its value stays in JS.
  auto now = the_host().eval_async("js", "globalThis.asyncEvalMap = new Map()");
  EXPECT_TRUE(now->done());
  EXPECT_TRUE(value_of(now).is_null());
  EXPECT_EQ(js_eval("asyncEvalMap instanceof Map"), true);
  auto later = the_host().eval_async("js", "new Promise((ok) => setTimeout(() => ok(new WeakMap()), 20))");
  EXPECT_FALSE(later->done());
  EXPECT_TRUE(value_of(later).is_null());
  EXPECT_EQ(value_of(the_host().eval_async("js", "Promise.resolve({n: [1, 2]})")), json::parse(R"({"n": [1, 2]})"));
  // A call's result still must cross: the Promise's Map is the call's error.
  js_eval("globalThis.asyncGivesMap = () => new Promise((ok) => setTimeout(() => ok(new Map()), 20)); null");
  auto call = the_host().call_async("js", "asyncGivesMap", json::array());
  auto outcome = call->wait(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->error);
  try {
    std::rethrow_exception(outcome->error);
  } catch (const js_error& e) {
    EXPECT_NE(e.message().find("cannot send a Map"), std::string::npos) << e.message();
  }
}

TEST(JsAsync, APlainResultSettlesAtOnceAPromiseLater) {
  define_async_helpers();
  auto now = the_host().call_async("js", "asyncCpp.plain", json::array({1}));
  EXPECT_TRUE(now->done());  // no thread hop: the result was there when the call returned
  EXPECT_EQ(value_of(now), 2);
  auto later = the_host().call_async("js", "asyncCpp.later", json::array({21, 50}));
  EXPECT_FALSE(later->done());
  EXPECT_EQ(value_of(later), 42);
  EXPECT_EQ(value_of(the_host().eval_async("js", "asyncCpp.later(4, 10)")), 8);
}

TEST(JsAsync, AContinuationRunsOnTheLoopThreadWithNoLockHeld) {
  define_async_helpers();
  std::atomic<bool> called{false};
  std::thread::id where;
  auto p = the_host().call_async("js", "asyncCpp.later", json::array({1, 20}));
  p->then([&](pending_call::outcome o) {
    where = std::this_thread::get_id();
    // No isolate lock held here: a call into JS from the continuation works.
    EXPECT_EQ(the_host().call("js", "asyncCpp.plain", json::array({std::move(o).take().value()})).value(), 3);
    called = true;
  });
  for (int i = 0; i < 3000 && !called; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(called);
  EXPECT_NE(where, std::this_thread::get_id());
}

TEST(JsAsync, ARejectionIsTheJsErrorAndAMissingFunctionFailsThePendingCall) {
  define_async_helpers();
  try {
    value_of(the_host().call_async("js", "asyncCpp.failing", json::array({3})));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.runtime(), "js");
    EXPECT_EQ(e.type(), "TypeError");
    EXPECT_EQ(e.message(), "bad 3");
    EXPECT_NE(e.trace().find("failing"), std::string::npos) << e.trace();
  }
  auto missing = the_host().call_async("js", "noSuchAsyncFunction", json::array());
  EXPECT_TRUE(missing->done());
  EXPECT_THROW(value_of(missing), usage_error);
}

TEST(JsAsync, ATimeoutFailsTheWaitAndFiresTheAbortSignal) {
  define_async_helpers();
  const json before = js_eval("asyncCpp.aborted");
  call_options options;
  options.timeout = std::chrono::milliseconds(50);
  options.cancel_signal = true;
  auto b = buffer::allocate(dtype::uint8, {16});
  auto held = the_host().call_async("js", "asyncCpp.holdUntilAbort", message(json::array({buffer_to_json(b)}), {b}, {}),
                                    options);
  try {
    value_of(held);
    FAIL() << "no timeout";
  } catch (const timeout_error& e) {
    EXPECT_EQ(e.type(), "Timeout");
  }
  for (int i = 0; i < 2000 && js_eval("asyncCpp.aborted") == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(js_eval("asyncCpp.aborted"), before.get<int>() + 1);
  const std::string id = b.id();
  b = buffer();
  held.reset();
  collect_until_gone(id);
}

TEST(JsAsync, CancellingLetsGoOfEverythingTheCallHeld) {
  define_async_helpers();
  js_full_gc();
  const auto baseline = ledger::instance().counts().live_blocks;
  std::string id;
  {
    auto b = buffer::allocate(dtype::float64, {1 << 16});
    id = b.id();
    call_options options;
    options.cancel_signal = true;
    auto p = the_host().call_async("js", "asyncCpp.holdUntilAbort",
                                   message(json::array({buffer_to_json(b)}), {b}, {}), options);
    EXPECT_FALSE(p->done());
    EXPECT_EQ(js_eval("asyncCpp.held.length"), 1 << 16);  // JS holds a view of the same memory
    p->cancel();
    EXPECT_TRUE(p->done());
  }
  for (int i = 0; i < 2000 && js_eval("asyncCpp.held") != nullptr; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(js_eval("asyncCpp.held"), nullptr);  // the AbortSignal fired: JS let go
  collect_until_gone(id);
  js_collect_until_live_blocks(baseline, std::chrono::seconds(10));
  EXPECT_EQ(ledger::instance().counts().live_blocks, baseline);
  EXPECT_FALSE(ledger::instance().find(id).has_value()) << "the buffer " << id << " is still alive";
}

TEST(JsAsync, ManyThreadsAwaitJsAtOnce) {
  define_async_helpers();
  constexpr int k_threads = 4;
  constexpr int k_calls = 100;
  std::vector<std::thread> threads;
  std::vector<int> right(k_threads, 0);
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([t, &right] {
      std::vector<std::shared_ptr<pending_call>> calls;
      for (int i = 0; i < k_calls; ++i) {
        calls.push_back(the_host().call_async("js", "asyncCpp.later", json::array({t * 1000 + i, 100})));
      }
      for (int i = 0; i < k_calls; ++i) {
        if (value_of(calls[i]) == 2 * (t * 1000 + i)) ++right[t];
      }
    });
  }
  for (auto& t : threads) t.join();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int t = 0; t < k_threads; ++t) EXPECT_EQ(right[t], k_calls) << "thread " << t;
  EXPECT_LT(took, 10.0);  // 400 waits of 100 ms one after another: 40 s
}
