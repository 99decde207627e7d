// The js runtime as a program that embeds libpromethean sees it: Node's event loop runs in the
// background while the program does something else (C API), and the JS heap limit
// (host_options). Each test is a process of its own (ctest runs them one by one).
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/promethean.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace {
/// `code` evaluated in js through the C API, as its JSON text.
std::string c_eval(pm_host* host, const char* code) {
  pm_message* result = nullptr;
  pm_error* e = pm_host_eval(host, "js", code, &result);
  if (e != nullptr) {
    std::string what = std::string(pm_error_type(e)) + ": " + pm_error_message(e);
    pm_error_delete(e);
    return "error " + what;
  }
  std::string json = pm_message_json(result);
  pm_message_delete(result);
  return json;
}
}  // namespace

TEST(LibraryJs, AnIntervalTicksWhileTheCProgramSleeps) {
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("js", 0, &host), nullptr);
  ASSERT_EQ(c_eval(host, "globalThis.ticks = 0; setInterval(() => { ticks++; }, 20); 0"), "0");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int ticks = std::stoi(c_eval(host, "ticks"));
  EXPECT_GE(ticks, 8);  // 15 on an idle machine
  EXPECT_LE(ticks, 16);
  pm_host_delete(host);  // with the interval still set: the loop thread stops, nothing hangs
}

TEST(LibraryJs, CApiEvalGivesNullForAValueThatCannotCross) {
  // Code is evaluated for its effect (issue 27 item 4): the effect happens, the result is JSON
  // null, never an error after it; a call's result must cross and says why not.
  pm_host* host = nullptr;
  ASSERT_EQ(pm_host_new("js", 0, &host), nullptr);
  EXPECT_EQ(c_eval(host, "globalThis.m = new Map([[1, 2]])"), "null");
  EXPECT_EQ(c_eval(host, "m.get(1)"), "2");
  EXPECT_EQ(c_eval(host, "({a: new Error('x')})"), "null");
  EXPECT_EQ(c_eval(host, "({a: [1, 'x']})"), R"({"a":[1,"x"]})");
  pm_message* result = nullptr;
  pm_error* e = pm_host_call(host, "js", "Symbol", "[\"s\"]", &result);
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(pm_error_message(e)).find("cannot send a symbol across runtimes"), std::string::npos)
      << pm_error_message(e);
  pm_error_delete(e);
  pm_host_delete(host);
}

TEST(LibraryJs, AHeapLimitStopsARunawayCallAndJsGoesOn) {
  promethean::host_options options;
  options.js_heap_limit_mb = 64;
  promethean::host h(options);
  try {
    h.eval("js", "const hoard = []; for (;;) hoard.push(new Array(1e4).fill(0.5))");
    ADD_FAILURE() << "no error";
  } catch (const promethean::error& e) {
    EXPECT_EQ(e.runtime(), "js");
    EXPECT_EQ(e.type(), "OutOfMemory");
    EXPECT_NE(std::string(e.what()).find("64 MiB"), std::string::npos) << e.what();
  }
  EXPECT_EQ(h.eval("js", "[1, 2, 3].reduce((a, b) => a + b)").data.value(), 6);
  // And again: the limit was restored, not lost.
  try {
    h.eval("js", "const more = []; for (;;) more.push({ n: Math.random() })");
    ADD_FAILURE() << "no error the second time";
  } catch (const promethean::error& e) {
    EXPECT_EQ(e.type(), "OutOfMemory");
  }
  EXPECT_EQ(h.eval("js", "'still here'").data.value(), "still here");
}

TEST(LibraryJs, AProgramThatExitsWithoutDeletingItsHostExitsCleanlyWhileTimersRun) {
  // The loop thread is asked to end at exit(), before the libraries' statics are destroyed under
  // it. Run in a process of its own (gtest re-runs this binary for the statement).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // That process leaks by design (its Host, Node's environment): under ASan, no leak check there.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan != nullptr ? asan : "";
  ::setenv("ASAN_OPTIONS", (saved + (saved.empty() ? "" : ":") + "detect_leaks=0").c_str(), 1);
  EXPECT_EXIT(
      {
        pm_host* host = nullptr;
        if (pm_host_new("js", 0, &host) != nullptr) std::exit(3);
        c_eval(host, "setInterval(() => { new Array(100).fill(1); }, 1); 0");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::exit(0);  // the host is never deleted
      },
      ::testing::ExitedWithCode(0), "");
  if (asan != nullptr) {
    ::setenv("ASAN_OPTIONS", saved.c_str(), 1);
  } else {
    ::unsetenv("ASAN_OPTIONS");
  }
}
