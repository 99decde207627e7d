// The event loop runs in the background of an embedding host (the C++ API, as libpromethean and
// its C API use it): timers fire and their callbacks reach other runtimes while the host's own
// thread does something else, and calls from any thread still serialise with them.
#include "js_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using nlohmann::json;
using namespace std::chrono_literals;

TEST(JsBackgroundLoop, AnIntervalTicksWhileTheHostThreadSleeps) {
  js_eval("globalThis.bgTicks = 0; globalThis.bgTimer = setInterval(() => { bgTicks++; }, 20); 0");
  std::this_thread::sleep_for(300ms);
  const int ticks = js_eval("bgTicks").get<int>();
  js_eval("clearInterval(bgTimer); 0");
  EXPECT_GE(ticks, 8);  // 15 on an idle machine
  EXPECT_LE(ticks, 16);
  // Cleared: nothing ticks any more.
  const int after = js_eval("bgTicks").get<int>();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(js_eval("bgTicks").get<int>(), after);
}

TEST(JsBackgroundLoop, ATimerCallbackCallsAnotherRuntimeWhileNoThreadIsInJs) {
  js_eval("globalThis.bgMeta = null; setTimeout(() => { bgMeta = promethean.eval('meta', '(+ 40 2)'); }, 10); 0");
  json seen;
  for (int i = 0; i < 200 && (seen = js_eval("bgMeta")).is_null(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(seen, 42);
}

TEST(JsBackgroundLoop, ThreadsCallingJsWhileATimerFiresGetTheirOwnResults) {
  js_eval("globalThis.bgTicks2 = 0; globalThis.bgTimer2 = setInterval(() => { bgTicks2++; }, 1); "
          "globalThis.bgPair = (a, b) => [a, b]; 0");
  const int before = js_eval("bgTicks2").get<int>();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int k = 0; k < 1000; ++k) {
        if (the_host().call("js", "bgPair", json::array({t, k})).value() != json::array({t, k})) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::this_thread::sleep_for(50ms);
  const int ticked = js_eval("bgTicks2").get<int>() - before;
  js_eval("clearInterval(bgTimer2); 0");
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(ticked, 10);
}

TEST(JsBackgroundLoop, CallersAreNotStarvedByALoopThatAlwaysHasWorkReady) {
  // setImmediate in a cycle: the loop thread never sleeps, yet it lets callers take the lock.
  js_eval("globalThis.bgSpins = 0; globalThis.bgSpinning = true; "
          "(function spin() { bgSpins++; if (bgSpinning) setImmediate(spin); })(); 0");
  std::this_thread::sleep_for(50ms);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([] {
      for (int k = 0; k < 300; ++k) the_host().call("js", "Math.max", json::array({k, 1}));
    });
  }
  for (int k = 0; k < 300; ++k) EXPECT_EQ(js_eval(std::to_string(k) + " + 1"), k + 1);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int spins = js_eval("bgSpins").get<int>();
  std::this_thread::sleep_for(50ms);
  EXPECT_GT(js_eval("bgSpinning = false; bgSpins").get<int>(), spins);  // and the loop went on
  EXPECT_LT(seconds, 10.0);  // 900 calls: milliseconds when callers go first
}
