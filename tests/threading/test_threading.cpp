// The threading contract of DESIGN.md ("Threading"), one scenario per test: calls nested through
// every runtime on one thread, calls from threads the host never saw, Promises awaited from those
// threads, and buffer lifetimes across the runtimes' collectors.
#include "../support/plugin_calls.hpp"
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

extern promethean::host* g_host;

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::load_plugin_once;
using promethean::testing_support::raised;

namespace {
json py(const std::string& code) { return g_host->eval("py", code).data.value(); }
json js(const std::string& code) { return g_host->eval("js", code).data.value(); }

void load_plugins() {
  load_plugin_once(*g_host, PM_PYCALL_PLUGIN);
  load_plugin_once(*g_host, PM_TESTKIT_PLUGIN);
}

/// JS's gc(), reachable without starting Node with --expose-gc.
void js_full_gc() {
  js("require('v8').setFlagsFromString('--expose-gc'); if (!globalThis.__gc) globalThis.__gc = require('vm').runInNewContext('gc'); __gc(); 0");
}
}  // namespace

TEST(ThreadingDepth, JsPyJsRustPyOnOneThreadWithEveryFrameInTheError) {
  load_plugins();
  py(R"(import promethean, threading
def bottom(x):
    raise ValueError(f"raised at the bottom with {x}")
def py_middle():
    return promethean.call("js", "jsInner", threading.get_ident())
def py_depth_ok(x):
    return x + 0.5)");
  js(R"(
    globalThis.jsOuter = function jsOuter() { return promethean.call('py', 'py_middle'); };
    globalThis.jsInner = function jsInner(ident) { return promethean.call('rust', 'pycall.apply', 'bottom', 7); };
    globalThis.jsInnerOk = function jsInnerOk() { return promethean.call('rust', 'pycall.apply', 'py_depth_ok', 2); };
    0)");
  // The happy path first: js → py → js → rust → py returns through every frame.
  py("def py_middle_ok():\n    return promethean.call('js', 'jsInnerOk')");
  js("globalThis.jsOuterOk = () => promethean.call('py', 'py_middle_ok'); 0");
  EXPECT_EQ(g_host->call("js", "jsOuterOk", json::array()).value(), 2.5);
  // The error raised at the bottom (Python, depth 5) arrives at the top.
  auto e = raised([] { g_host->call("js", "jsOuter", json::array()); });
  EXPECT_EQ(e.type(), "ValueError") << e.describe();
  EXPECT_EQ(e.runtime(), "py") << e.describe();
  EXPECT_NE(e.message().find("raised at the bottom with 7"), std::string::npos) << e.describe();
  const std::string& trace = e.trace();
  for (const char* frame : {"bottom", "jsInner", "pycall.apply", "py_middle", "jsOuter"}) {
    EXPECT_NE(trace.find(frame), std::string::npos) << "no frame " << frame << " in:\n" << trace;
  }
}

TEST(ThreadingDeadlock, JsCallsPythonWhichJoinsAThreadThatCallsJs) {
  py(R"(import promethean, threading
def spawn_and_join(x):
    out = []
    worker = threading.Thread(target=lambda: out.append(promethean.call("js", "jsTriple", x)))
    worker.start()
    worker.join()
    return out[0])");
  js("globalThis.jsTriple = (x) => 3 * x; globalThis.viaPython = (x) => promethean.call('py', 'spawn_and_join', x); 0");
  EXPECT_EQ(g_host->call("js", "viaPython", json::array({14})).value(), 42);
  // And the other way round: Python → JS → a Python thread → JS.
  py("def py_thread_to_js(x):\n    return spawn_and_join(x)");
  js("globalThis.jsThenPy = (x) => promethean.call('py', 'py_thread_to_js', x); 0");
  EXPECT_EQ(g_host->call("py", "promethean.call", json::array({"js", "jsThenPy", 5})).value(), 15);
}

TEST(ThreadingForeign, TheMainThreadCallsJsWhileAnotherThreadWaitsInsideJs) {
  // The main thread keeps the isolate entered between its calls (parked_lock.hpp) while another
  // thread is inside JS with the lock given up (it waits in Python): V8's per-isolate stack of
  // entries then has the other thread's entry on top, and the main thread's calls must neither
  // pop it nor be popped by it, whichever thread leaves first. The isolate is disposed at the end
  // of this process (support/host_main.cpp), which V8 refuses if an entry was left behind.
  py("import time\ndef waits_a_little(x):\n    time.sleep(0.05)\n    return x + 1");
  js("globalThis.waitsInPython = (x) => promethean.call('py', 'waits_a_little', x) * 2; "
     "globalThis.addOnMain = (a, b) => a + b; 0");
  const callable add = g_host->resolve("js", "addOnMain");
  for (int round = 0; round < 5; ++round) {
    std::atomic<bool> done{false};
    json got;
    std::thread other([&] {
      got = g_host->call("js", "waitsInPython", json::array({round})).value();
      done = true;
    });
    int calls = 0;
    while (!done) {
      ASSERT_EQ(add({calls, 1}).value(), calls + 1);
      ++calls;
    }
    other.join();
    EXPECT_EQ(got, 2 * (round + 1));
    EXPECT_GT(calls, 0);
    EXPECT_EQ(add({2, 3}).value(), 5);  // and after the other thread has left
  }
}

TEST(ThreadingDeadlock, MetaCallsPythonWhichJoinsAThreadThatCallsMeta) {
  // The same deadlock with meta on top: meta's evaluation lock is given up while its form waits.
  py(R"(import promethean, threading
def meta_in_a_thread(code):
    out = []
    worker = threading.Thread(target=lambda: out.append(promethean.eval("meta", code)))
    worker.start()
    worker.join()
    return out[0])");
  EXPECT_EQ(g_host->eval("meta", R"m((call "py" "meta_in_a_thread" "(* 6 7)"))m").data.value(), 42);
  // Nested: that thread's meta calls back into Python, which runs meta again on its own thread.
  EXPECT_EQ(g_host->eval("meta", R"m((call "py" "meta_in_a_thread" "(+ 1 (call \"py\" \"meta_in_a_thread\" \"(* 2 3)\"))"))m")
                .data.value(),
            7);
  // Meta from many threads at once, each waiting inside Python for a thread that runs meta:
  // every result right.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 50; ++i) {
        const auto r = g_host->eval("meta", "(call \"py\" \"meta_in_a_thread\" \"(+ " + std::to_string(t) + " " +
                                                std::to_string(i) + ")\")");
        if (r.data.value() != t + i) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ThreadingAsync, APythonThreadAwaitsAnAsyncJsFunction) {
  js("globalThis.later = (x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 20)); 0");
  py(R"(import promethean, threading
def await_in_threads(n):
    results = [None] * n
    def work(i):
        results[i] = promethean.call("js", "later", i)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    return results)");
  EXPECT_EQ(g_host->call("py", "await_in_threads", json::array({4})).value(), json::parse("[0, 2, 4, 6]"));
}

TEST(ThreadingRust, APluginsThreadsCallBackIntoPythonAndJs) {
  load_plugins();
  auto r = g_host->call("rust", "testkit.fan_out", json::array({4})).value();
  ASSERT_EQ(r.size(), 4u) << r.dump();
  for (int i = 0; i < 4; ++i) {
    // sum over k < 50 of (i + k), and of max(i, k)
    int py_sum = 0, js_sum = 0;
    for (int k = 0; k < 50; ++k) {
      py_sum += i + k;
      js_sum += std::max(i, k);
    }
    EXPECT_EQ(r[i], json::array({py_sum, js_sum})) << i;
  }
  // Also when JS is the caller (it gives the isolate lock up while the plugin runs).
  js("globalThis.fanOut = (n) => promethean.call('rust', 'testkit.fan_out', n); 0");
  EXPECT_EQ(g_host->call("js", "fanOut", json::array({2})).value().size(), 2u);
}

TEST(ThreadingLifetimes, AJsBufferKeptByPythonOutlivesJsAndIsFreedOnce) {
  const auto before = ledger::instance().counts();
  py("kept = []\ndef keep(a):\n    kept.append(a)\n    return len(kept)");
  js(R"(
    (() => {
      const made = new Float64Array(1 << 16);
      for (let i = 0; i < made.length; i++) made[i] = i * 0.5;
      return promethean.call('py', 'keep', made);
    })())");
  js_full_gc();  // JS holds no reference any more
  EXPECT_EQ(py("float(kept[0][1000])"), 500.0);
  EXPECT_EQ(py("float(kept[0].sum())"), 0.5 * (65536.0 * 65535.0 / 2));
  const auto held = ledger::instance().counts();
  EXPECT_EQ(held.live_blocks, before.live_blocks + 1);
  py("kept.clear()");
  js_full_gc();
  g_host->eval("py", "import gc; gc.collect()");
  js("0");  // entering JS drains releases that waited for the isolate lock
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, after.blocks_created - before.blocks_created);
}

TEST(ThreadingLifetimes, APythonBufferKeptByJsIsFreedWhenV8CollectsIt) {
  py("import promethean");
  const auto before = ledger::instance().counts();
  js("globalThis.jsKept = []; globalThis.jsKeep = (a) => { jsKept.push(a); return a.length; }; 0");
  EXPECT_EQ(py("import numpy\npromethean.call('js', 'jsKeep', numpy.arange(1 << 16, dtype=numpy.int32))"), nullptr);
  EXPECT_EQ(js("jsKept[0][4242]"), 4242);
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
  py("import gc; gc.collect()");  // Python holds no reference any more
  EXPECT_EQ(js("jsKept[0][65535]"), 65535);
  js("jsKept.length = 0; 0");
  // The last reference dies in V8's collector (its deleter may run on a GC thread): the release
  // waits in the queue for the GIL, and happens exactly once.
  for (int i = 0; i < 50 && ledger::instance().counts().live_blocks != before.live_blocks; ++i) {
    js_full_gc();
    g_host->eval("py", "0");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, after.blocks_created - before.blocks_created);
}

TEST(ThreadingForeign, PythonErrorsOnConcurrentThreadsPythonNeverSaw) {
  // Threads Python has no state for, raising at the same time: each gets its own error.
  py("0");
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([] {
      for (int k = 0; k < 50; ++k) {
        auto e = raised([] { g_host->call("py", "int", json::array({"x"})); });
        EXPECT_EQ(e.type(), "ValueError");
        EXPECT_EQ(g_host->call("py", "operator.add", json::array({k, 1})).value(), k + 1);
      }
    });
  }
  for (auto& t : threads) t.join();
}
