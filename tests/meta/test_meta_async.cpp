// The meta language's async forms: call-async and eval-async give pending values at once, await
// and await-all wait for them, and a fan-out overlaps its calls (tests/data/meta/async_*.sib).
#include "../support/raised.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "meta_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::raised;

namespace {
/// The value of a .sib fixture of tests/data/meta, run in the test process's Host.
json run_fixture(const std::string& name) {
  const std::string path = std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/meta/" + name;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  call_options options;
  options.source_name = path;
  return g_host->eval("meta", text.str(), options).data.value();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

TEST(MetaAsync, AwaitGivesTheValueOfEveryRuntime) {
  EXPECT_EQ(sib("(await (call-async \"js\" \"Math.max\" 3 11 7))"), 11);
  EXPECT_EQ(sib("(await (call-async \"py\" \"math.hypot\" 3 4))"), 5.0);
  EXPECT_EQ(sib("(await (call-async \"sh\" \"echo\" \"hi\" 2))"), "hi 2");
  // eval-async's value is a MetaObject, as eval-in's.
  EXPECT_EQ(sib("(await (eval-async \"py\" \"6 * 7\"))"), (json{{"_type", "MetaObject"}, {"source", "py"}, {"data", 42}}));
  EXPECT_EQ(sib("(get (await (eval-async \"js\" \"[1, 2].map(x => x * 10)\")) :data)"), json::parse("[10, 20]"));
  // A value that is not pending is its own value; awaiting twice gives the same value.
  EXPECT_EQ(sib("(await 5)"), 5);
  EXPECT_EQ(sib("(def twice (call-async \"sh\" \"echo\" \"once\")) (list (await twice) (await twice))"),
            json::parse(R"(["once", "once"])"));
  EXPECT_EQ(sib("(await-all [1 (call-async \"sh\" \"echo\" \"x\") \"y\"])"), json::parse(R"([1, "x", "y"])"));
  EXPECT_EQ(sib("(await-all [])"), json::array());
}

TEST(MetaAsync, APendingValuePrintsAsWhatItWaitsFor) {
  EXPECT_EQ(sib("(str (call-async \"js\" \"Math.max\" 1 2))"), "#<pending js Math.max>");
  EXPECT_EQ(sib("(str (eval-async \"py\" \"1\"))"), "#<pending py eval>");
  auto p = sib("(call-async \"sh\" \"true\")");
  EXPECT_EQ(p["_type"], "Pending");
  EXPECT_EQ(p["runtime"], "sh");
  EXPECT_EQ(p["function"], "true");
}

TEST(MetaAsync, ErrorsAreRaisedWhenAwaitedWithTheRuntimesTypeAndMessage) {
  // As a failed `call` raises them.
  auto e = raised([] { sib("(await (call-async \"py\" \"operator.truediv\" 1 0))"); });
  EXPECT_EQ(e.runtime(), "py");
  EXPECT_EQ(e.type(), "ZeroDivisionError");
  EXPECT_EQ(sib("(try (await (call-async \"js\" \"JSON.parse\" \"{\")) (catch e (get e :type)))"), "SyntaxError");
  // Starting the call never raises (not even for an unknown runtime): awaiting it does.
  EXPECT_EQ(sib("(do (call-async \"cobol\" \"x\") 1)"), 1);
  auto r = run_fixture("async_errors.sib");
  ASSERT_TRUE(r.is_array() && r.size() == 4) << r.dump();
  EXPECT_EQ(r[0], json::parse(R"(["sh", "CommandFailed"])"));
  EXPECT_EQ(r[1][0], "host");
  EXPECT_NE(r[2].get<std::string>().find("exited with status 4"), std::string::npos) << r[2] << ": the first failed call in list order";
  EXPECT_EQ(r[3], "Timeout");
  // Bad forms.
  EXPECT_EQ(raised([] { sib("(call-async \"py\")"); }).type(), "ArityError");
  EXPECT_EQ(raised([] { sib("(eval-async \"py\" 1)"); }).type(), "TypeError");
  EXPECT_EQ(raised([] { sib("(await-all 3)"); }).type(), "TypeError");
  EXPECT_EQ(raised([] { sib("(await (object :_type \"Pending\" :runtime \"sh\" :function \"f\"))"); }).type(), "TypeError");
}

TEST(MetaAsync, AwaitAllRaisesOnlyOnceEveryCallHasEnded) {
  const auto start = std::chrono::steady_clock::now();
  auto e = raised([] {
    sib("(await-all (list (call-async \"sh\" \"sh\" \"-c\" \"sleep 0.3\") (call-async \"sh\" \"sh\" \"-c\" \"exit 5\")))");
  });
  EXPECT_EQ(e.type(), "CommandFailed");
  EXPECT_GE(seconds_since(start), 0.29) << "the error came before the slow call ended";
}

TEST(MetaAsync, AFanOutOverlapsItsCalls) {
  // 4 × 200 ms: 800 ms one after another; the bound is generous for a loaded machine, but fails
  // when the calls are serialised.
  run_fixture("async_fan_out.sib");  // the pool's workers started
  const auto start = std::chrono::steady_clock::now();
  auto r = run_fixture("async_fan_out.sib");
  const double took = seconds_since(start);
  EXPECT_EQ(r, json::parse(R"(["slept 0.2", "slept 0.2", "slept 0.2", "slept 0.2"])"));
  EXPECT_LT(took, 0.7) << took << " s";
  std::printf("[ figure ] meta await-all of 4 sh calls of 200 ms: %.0f ms\n", took * 1000);
  // py functions that block (time.sleep) overlap too, each on a worker of the host.
  const auto py_start = std::chrono::steady_clock::now();
  EXPECT_EQ(sib("(await-all (map (fn (s) (call-async \"py\" \"time.sleep\" s)) [0.2 0.2 0.2 0.2]))"),
            json::parse("[null, null, null, null]"));
  const double py_took = seconds_since(py_start);
  EXPECT_LT(py_took, 0.7) << py_took << " s";
  std::printf("[ figure ] meta await-all of 4 py time.sleep(0.2): %.0f ms\n", py_took * 1000);
}

TEST(MetaAsync, FromAnotherThreadAndCallingBackIntoMeta) {
  // A script on a thread the host never saw fans out too; calls into meta itself run on the
  // host's workers while the awaiting script has given up the evaluation lock.
  json from_thread;
  double took = 0;
  std::thread t([&] {
    const auto start = std::chrono::steady_clock::now();
    from_thread = run_fixture("async_fan_out.sib");
    took = seconds_since(start);
  });
  t.join();
  EXPECT_EQ(from_thread.size(), 4u) << from_thread.dump();
  EXPECT_LT(took, 0.7) << took << " s";
  EXPECT_EQ(sib("(def sq (x) (* x x)) (await-all (list (call-async \"meta\" \"sq\" 4) (call-async \"meta\" \"sq\" 5)))"),
            json::parse("[16, 25]"));
}

TEST(MetaAsync, AwaitAllOfAHundredRustPendingResults) {
  // Each call returns a pending result at once and completes from the plugin's own thread after
  // 100 ms: the hundred overlap (10 s one after another). The bound is generous; the figure is
  // printed.
  try {
    sib(std::string("(load \"rust\" \"") + PM_TESTKIT_PLUGIN + "\")");
  } catch (const plugin_error& e) {
    if (e.type() != "AlreadyLoaded") throw;
  }
  sib("(await (call-async \"rust\" \"testkit.later\" 1 1))");
  const auto start = std::chrono::steady_clock::now();
  auto r = sib("(await-all (map (fn (i) (call-async \"rust\" \"testkit.later\" i 100)) (range 0 100)))");
  const double took = seconds_since(start);
  ASSERT_TRUE(r.is_array() && r.size() == 100u) << r.dump().substr(0, 200);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(r[i], 2.0 * i);
  EXPECT_LT(took, 1.0) << took << " s";
  std::printf("[ figure ] meta await-all of 100 rust pending calls of 100 ms: %.0f ms\n", took * 1000);
  // A failed one among them: raised once all ended.
  EXPECT_EQ(sib("(try (await-all (list (call-async \"rust\" \"testkit.later\" 1 50) "
                "(call-async \"rust\" \"testkit.later_drop\" 10))) (catch e (get e :type)))"),
            "PendingDropped");
}

TEST(MetaAsync, AnUnawaitedCallRunsOnAndItsValueIsLetGo) {
  // Dropping a pending value does not stop its call (as a Promise nobody awaits runs on).
  const std::string marker = testing::TempDir() + "meta_async_marker";
  std::remove(marker.c_str());
  sib("(do (call-async \"sh\" \"sh\" \"-c\" \"sleep 0.1; echo ran > " + marker + "\") null)");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  std::ifstream in(marker);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "ran");
}

TEST(MetaAsync, AwaitAllOfAHundredJsPromisesAndPythonCoroutines) {
  // Each JS call returns a Promise a 100 ms timer resolves, each py call a coroutine sleeping
  // 100 ms: a hundred of each overlap (10 s one after another). Generous bounds; figures printed.
  sib("(eval-in \"js\" \"globalThis.metaLater = (i, ms) => new Promise((r) => setTimeout(() => r(i), ms))\")");
  sib("(eval-in \"py\" \"import asyncio\\nasync def meta_sleepy(i, ms):\\n    await asyncio.sleep(ms / 1000)\\n    return i\")");
  sib("(await (call-async \"js\" \"metaLater\" 1 1))");
  const json expected = json::parse(sib("(range 0 100)").dump());
  for (const char* rt : {"js", "py"}) {
    const std::string fn = std::string(rt) == "js" ? "metaLater" : "meta_sleepy";
    const auto start = std::chrono::steady_clock::now();
    auto r = sib("(await-all (map (fn (i) (call-async \"" + std::string(rt) + "\" \"" + fn + "\" i 100)) (range 0 100)))");
    const double took = seconds_since(start);
    EXPECT_EQ(r, expected) << rt;
    EXPECT_LT(took, 3.0) << rt << ": " << took << " s";
    std::printf("[ figure ] meta await-all of 100 %s calls of 100 ms: %.0f ms\n", rt, took * 1000);
  }
}
