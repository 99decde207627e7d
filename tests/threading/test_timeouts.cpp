// Scenario 9 of the threading contract: a per-call timeout stops runaway JS (terminated) and
// runaway Python (an asynchronous promethean.TimeoutError) with a clear error, and the runtime
// serves the next call. Covers nesting, other threads, the API forms of every runtime, and a call
// that ends just as its deadline passes.
#include "../support/raised.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

extern promethean::host* g_host;

using namespace promethean;
using namespace std::chrono_literals;
using nlohmann::json;
using promethean::testing_support::raised;

namespace {
json py(const std::string& code) { return g_host->eval("py", code).data.value(); }
json js(const std::string& code) { return g_host->eval("js", code).data.value(); }

call_options within(std::chrono::milliseconds limit) {
  call_options o;
  o.timeout = limit;
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void define_spinners() {
  static const bool defined = [] {
    py(R"(import promethean, time
def spin_py(*ignored):
    while True:
        pass
def busy_py(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"
def py_calls_js(fn):
    return promethean.call("js", fn)
def py_swallows(fn):
    try:
        return promethean.call("js", fn)
    except promethean.ForeignError as e:
        while True:
            pass)");
    js(R"(
      globalThis.spinJs = function spinJs() { for (;;) {} };
      globalThis.busyJs = function busyJs(seconds) {
        const end = Date.now() + seconds * 1000;
        while (Date.now() < end) {}
        return 'done';
      };
      globalThis.jsCallsPy = function jsCallsPy(fn, arg) { return promethean.call('py', fn, arg); };
      globalThis.jsCatchesAndSpins = function jsCatchesAndSpins() {
        try { promethean.call('py', 'py_calls_js', 'spinJs'); } catch (e) { for (;;) {} }
      };
      globalThis.neverSettles = () => new Promise((resolve) => setTimeout(resolve, 20000));
      globalThis.pendingTimer = null;
      0)");
    return true;
  }();
  (void)defined;
}

/// The next calls into both runtimes work: nothing of the timeout is left behind.
void expect_usable() {
  EXPECT_EQ(g_host->call("js", "busyJs", json::array({0.05})).value(), "done");
  EXPECT_EQ(g_host->call("py", "busy_py", json::array({0.05})).value(), "done");
  EXPECT_EQ(js("6 * 7"), 42);
  EXPECT_EQ(py("6 * 7"), 42);
}

void expect_timeout(const error& e, const std::string& runtime, const std::string& what, std::chrono::milliseconds limit) {
  EXPECT_EQ(e.type(), "Timeout") << e.describe();
  EXPECT_EQ(e.runtime(), runtime) << e.describe();
  EXPECT_NE(e.message().find(what), std::string::npos) << e.describe();
  char text[64];
  std::snprintf(text, sizeof text, "within its timeout of %g s", static_cast<double>(limit.count()) / 1000.0);
  EXPECT_NE(e.message().find(text), std::string::npos) << e.describe();
}
}  // namespace

TEST(Timeouts, RunawayJsIsTerminatedAndTheIsolateServesTheNextCall) {
  define_spinners();
  const auto start = std::chrono::steady_clock::now();
  auto e = raised<timeout_error>([] { g_host->call("js", "spinJs", json::array(), within(300ms)); });
  EXPECT_LT(seconds_since(start), 3.0);
  expect_timeout(e, "js", "js call of 'spinJs'", 300ms);
  expect_usable();
  auto ev = raised<timeout_error>([] { g_host->eval("js", "for (;;) {}", within(200ms)); });
  expect_timeout(ev, "js", "eval of code", 200ms);
  expect_usable();
}

TEST(Timeouts, RunawayPythonGetsTimeoutErrorAndTheInterpreterServesTheNextCall) {
  define_spinners();
  const auto start = std::chrono::steady_clock::now();
  auto e = raised<timeout_error>([] { g_host->call("py", "spin_py", json::array(), within(300ms)); });
  EXPECT_LT(seconds_since(start), 3.0);
  expect_timeout(e, "py", "py call of 'spin_py'", 300ms);
  EXPECT_NE(e.trace().find("promethean.TimeoutError"), std::string::npos) << e.trace();
  EXPECT_NE(e.trace().find("spin_py"), std::string::npos) << e.trace();
  expect_usable();
  auto ev = raised<timeout_error>([] { g_host->eval("py", "while True: pass", within(200ms)); });
  expect_timeout(ev, "py", "eval of code", 200ms);
  expect_usable();
}

TEST(Timeouts, ACallThatEndsInTimeIsUntouchedAndItsDeadlineHitsNoLaterCall) {
  define_spinners();
  for (const char* rt : {"js", "py"}) {
    const std::string busy = std::string(rt) == "js" ? "busyJs" : "busy_py";
    EXPECT_EQ(g_host->call(rt, busy, json::array({0.02}), within(400ms)).value(), "done") << rt;
    // This untimed call runs well past the deadline the one before had.
    EXPECT_EQ(g_host->call(rt, busy, json::array({0.6})).value(), "done") << rt;
  }
}

TEST(Timeouts, ACallEndingJustAsItsDeadlinePassesLeavesNothingPending) {
  define_spinners();
  // Calls that take about as long as their timeout: some finish, some are stopped; whichever it
  // is, the untimed call after each must never be hit by a termination or exception left over.
  for (const char* rt : {"js", "py"}) {
    const std::string busy = std::string(rt) == "js" ? "busyJs" : "busy_py";
    int stopped = 0;
    for (int i = 0; i < 30; ++i) {
      // From well under the timeout to well over it, through "just as long".
      const double busy_seconds = 0.002 + 0.003 * (i % 10);
      try {
        g_host->call(rt, busy, json::array({busy_seconds}), within(12ms));
      } catch (const timeout_error&) {
        ++stopped;
      }
      EXPECT_EQ(g_host->call(rt, busy, json::array({0.002})).value(), "done") << rt << " after round " << i;
    }
    EXPECT_GT(stopped, 0) << rt;  // both outcomes happened: the race was really run
    EXPECT_LT(stopped, 30) << rt;
  }
}

TEST(Timeouts, NestedJsPyJsWithTheTimeoutOnTheOuterCall) {
  define_spinners();
  const auto start = std::chrono::steady_clock::now();
  // js → py → js, the innermost JS spins: the deadline of the outer call stops it.
  auto e = raised<timeout_error>(
      [] { g_host->call("js", "jsCallsPy", json::array({"py_calls_js", "spinJs"}), within(300ms)); });
  expect_timeout(e, "js", "js call of 'jsCallsPy'", 300ms);
  // js → py, Python spins.
  auto p = raised<timeout_error>([] { g_host->call("js", "jsCallsPy", json::array({"spin_py"}), within(300ms)); });
  expect_timeout(p, "js", "js call of 'jsCallsPy'", 300ms);
  // py → js, JS spins.
  auto j = raised<timeout_error>([] { g_host->call("py", "py_calls_js", json::array({"spinJs"}), within(300ms)); });
  expect_timeout(j, "py", "py call of 'py_calls_js'", 300ms);
  EXPECT_LT(seconds_since(start), 6.0);
  expect_usable();
}

TEST(Timeouts, CodeThatCatchesTheInnerTimeoutIsStillStopped) {
  define_spinners();
  // JS catches the error of its timed-out nested call and spins: the deadline covers it too.
  auto e = raised<timeout_error>([] { g_host->call("js", "jsCatchesAndSpins", json::array(), within(300ms)); });
  expect_timeout(e, "js", "jsCatchesAndSpins", 300ms);
  // Python catches the ForeignError of the JS it called and spins: asynchronous again.
  auto p = raised<timeout_error>([] { g_host->call("py", "py_swallows", json::array({"spinJs"}), within(300ms)); });
  expect_timeout(p, "py", "py_swallows", 300ms);
  expect_usable();
}

TEST(Timeouts, AnAwaitedPromiseThatNeverSettlesIsGivenUp) {
  define_spinners();
  const auto start = std::chrono::steady_clock::now();
  auto e = raised<timeout_error>([] { g_host->call("js", "neverSettles", json::array(), within(300ms)); });
  expect_timeout(e, "js", "neverSettles", 300ms);
  EXPECT_LT(seconds_since(start), 3.0);
  expect_usable();
}

TEST(Timeouts, FromAThreadTheHostNeverSaw) {
  define_spinners();
  std::string js_type, py_type;
  std::thread worker([&] {
    try {
      g_host->call("js", "spinJs", json::array(), within(300ms));
    } catch (const error& e) {
      js_type = e.runtime() + " " + e.type();
    }
    try {
      g_host->call("py", "spin_py", json::array(), within(300ms));
    } catch (const error& e) {
      py_type = e.runtime() + " " + e.type();
    }
    EXPECT_EQ(g_host->call("js", "busyJs", json::array({0.01})).value(), "done");
    EXPECT_EQ(g_host->call("py", "busy_py", json::array({0.01})).value(), "done");
  });
  // Meanwhile this thread's own calls are not stopped by the other thread's deadline.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(g_host->call("js", "busyJs", json::array({0.02})).value(), "done");
  worker.join();
  EXPECT_EQ(js_type, "js Timeout");
  EXPECT_EQ(py_type, "py Timeout");
  expect_usable();
}

TEST(Timeouts, PythonApiTimeoutKeyword) {
  define_spinners();
  EXPECT_EQ(py(R"(__import__("promethean").call("js", "busyJs", 0.01, timeout=2))"), "done");
  py(R"(import promethean, time
def timed_out(fn):
    start = time.monotonic()
    try:
        fn()
    except promethean.ForeignError as e:
        return [e.runtime, e.type, time.monotonic() - start < 3]
    return "not stopped"
)");
  EXPECT_EQ(py(R"(timed_out(lambda: promethean.call("js", "spinJs", timeout=0.3)))"), json::array({"js", "Timeout", true}));
  EXPECT_EQ(py(R"(timed_out(lambda: promethean.eval("js", "for (;;) {}", timeout=0.3)))"), json::array({"js", "Timeout", true}));
  EXPECT_EQ(py(R"(timed_out(lambda: promethean.eval("py", "while True: pass", timeout=0.3)))"),
            json::array({"py", "Timeout", true}));
  EXPECT_EQ(py(R"(issubclass(promethean.TimeoutError, TimeoutError))"), true);
  auto bad = raised([] { py(R"(promethean.call("js", "busyJs", 0, timeout=-1))"); });
  EXPECT_EQ(bad.type(), "ValueError") << bad.describe();
  auto wrong = raised([] { py(R"(promethean.call("js", "busyJs", 0, timeout="soon"))"); });
  EXPECT_EQ(wrong.type(), "TypeError") << wrong.describe();
  expect_usable();
}

TEST(Timeouts, JsApiCallWithTimeout) {
  define_spinners();
  EXPECT_EQ(js("promethean.callWithTimeout(2, 'py', 'busy_py', 0.01)"), "done");
  EXPECT_EQ(js(R"((() => {
    const start = Date.now();
    try { promethean.callWithTimeout(0.3, 'py', 'spin_py'); return 'not stopped'; }
    catch (e) { return [e instanceof promethean.ForeignError, e.runtime, e.type, Date.now() - start < 3000]; }
  })())"),
            json::array({true, "py", "Timeout", true}));
  EXPECT_EQ(js(R"((() => {
    try { promethean.evalWithTimeout(0.3, 'py', 'while True: pass'); return 'not stopped'; }
    catch (e) { return [e.runtime, e.type]; }
  })())"),
            json::array({"py", "Timeout"}));
  EXPECT_EQ(js("try { promethean.callWithTimeout(-1, 'py', 'busy_py', 0); 'accepted' } catch (e) { e.message }"),
            "promethean.callWithTimeout: argument 1 (the timeout) must be a positive number of seconds");
  expect_usable();
}

TEST(Timeouts, MetaTimeoutKeywordAndATimeoutGivenToMetaArePassedOn) {
  define_spinners();
  auto e = raised([] { g_host->eval("meta", R"((call "js" "spinJs" :timeout 0.3))"); });
  EXPECT_EQ(e.type(), "Timeout") << e.describe();
  EXPECT_EQ(e.runtime(), "js") << e.describe();
  auto ev = raised([] { g_host->eval("meta", R"((eval-in "py" "while True: pass" :timeout 0.3))"); });
  EXPECT_EQ(ev.type(), "Timeout") << ev.describe();
  EXPECT_EQ(g_host->eval("meta", R"((call "py" "busy_py" 0.01 :timeout 2))").data.value(), "done");
  // The timeout of a call into meta covers the calls meta makes.
  auto passed = raised([] { g_host->eval("meta", R"((call "py" "spin_py"))", within(300ms)); });
  EXPECT_EQ(passed.type(), "Timeout") << passed.describe();
  auto bad = raised([] { g_host->eval("meta", R"((call "py" "busy_py" 0.01 :timeout "soon"))"); });
  EXPECT_EQ(bad.type(), "TypeError") << bad.describe();
  expect_usable();
}
