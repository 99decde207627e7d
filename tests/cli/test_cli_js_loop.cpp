// Black-box tests of Node's event loop running in the background of `promethean run app.py`:
// timers, servers and calls from Python threads while Python sleeps or computes, and the exit.
#include "cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

using namespace promethean::cli_test;

namespace {
/// The number after `label` in `out` (-1 when absent).
int number_after(const std::string& out, const std::string& label) {
  const auto at = out.find(label);
  if (at == std::string::npos) return -1;
  std::istringstream in(out.substr(at + label.size()));
  int n = -1;
  in >> n;
  return n;
}
}  // namespace

TEST(CliJsLoop, AnIntervalTicksWhilePythonSleepsAndWhileItComputes) {
  auto [r, seconds] = bounded_run({"run", data_file("js_loop/interval_while_python_works.py")});
  ASSERT_EQ(r.status, 0) << r.err;
  // 50 ms ticks over 0.5 s: 10, fewer on a loaded machine, never many more.
  const int slept = number_after(r.out, "while sleeping: ");
  const int computed = number_after(r.out, "while computing: ");
  EXPECT_GE(slept, 6) << r.out;
  EXPECT_LE(slept, 11) << r.out;
  EXPECT_GE(computed, 6) << r.out;
  EXPECT_LE(computed, 11) << r.out;
  EXPECT_LT(seconds, 30.0);
}

TEST(CliJsLoop, AnHttpServerStartedFromPythonAnswersAPythonThreadWhileTheMainThreadSleepsOrComputes) {
  auto [r, seconds] = bounded_run({"run", data_file("js_loop/http_server_answers_a_python_thread.py")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "[{\"path\": \"/while-sleeping\", \"served\": 1}]\n"
            "[{\"path\": \"/while-computing\", \"served\": 2}]\n")
      << r.err;
  EXPECT_LT(seconds, 30.0);
}

TEST(CliJsLoop, PythonThreadsCallingJsWhileTimersFireGetTheirOwnResults) {
  auto [r, seconds] = bounded_run({"run", data_file("js_loop/threads_call_while_timers_fire.py")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "True\nTrue\nTrue\n") << r.err;
  EXPECT_LT(seconds, 60.0);
}

TEST(CliJsLoop, TheHostExitsAtOnceWithTimersAndAServerStillInTheLoop) {
  auto [r, seconds] = bounded_run({"run", data_file("js_loop/exits_with_the_loop_busy.py")}, 30);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "python done\njs exit 0\n") << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_LT(seconds, 10.0);
}
