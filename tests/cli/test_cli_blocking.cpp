// Black-box tests: Ctrl-C and timeouts end blocking Python calls (time.sleep, socket.recv,
// queue.get, subprocess.wait, lock waits) as in python3, from the main thread and from a Python
// call nested inside a JS call (embed-python/src/python_main_wake.hpp).
#include "cli_run.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace promethean::cli_test;

namespace {
/// The kinds of blocking call tests/data/signals/blocking.py knows.
const std::vector<std::string> k_blocking_calls{"sleep", "recv", "queue", "subprocess", "lock", "event"};

struct interrupted {
  run_result r;
  double seconds = -1;  ///< from the signal to the end of the process
};

/// Starts `promethean run signals/blocking.py KIND [nested]`, waits until it printed "ready" (and
/// a little more, for it to block), sends SIGINT and measures how long the process takes to end.
/// A process that does not end within 20 s is killed (status 137).
interrupted interrupt_blocking(const std::string& kind, bool nested) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto tag = std::to_string(::getpid());
  const auto out = dir / ("promethean_block_out_" + tag), err = dir / ("promethean_block_err_" + tag);
  const auto times = dir / ("promethean_block_times_" + tag);
  const std::string cmd =
      quote(PROMETHEAN_CLI) + " run " + quote(data_file("signals/blocking.py")) + " " + kind + (nested ? " nested" : "") +
      " >" + quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null & pid=$!; " +
      "for i in $(seq 400); do grep -q ready " + quote(out.string()) + " && break; sleep 0.05; done; sleep 0.3; " +
      "( sleep 20 && kill -KILL $pid ) </dev/null >/dev/null 2>&1 & guard=$!; " +
      "start=$(date +%s%N); kill -INT $pid; wait $pid; status=$?; end=$(date +%s%N); " +
      "kill $guard 2>/dev/null; echo $start $end >" + quote(times.string()) + "; exit $status";
  interrupted i;
  i.r = finished_run(std::system(cmd.c_str()), out, err);
  long long start = 0, end = 0;
  if (std::sscanf(slurp(times).c_str(), "%lld %lld", &start, &end) == 2) i.seconds = static_cast<double>(end - start) / 1e9;
  std::filesystem::remove(times);
  return i;
}

/// python3's behaviour: KeyboardInterrupt where the script blocked, exit 130, soon. The bound is
/// generous (a loaded machine, sanitizers) against a call that would block for 30 s or forever.
void expect_interrupted_like_python3(const std::string& kind, bool nested) {
  const auto [r, seconds] = interrupt_blocking(kind, nested);
  const std::string what = kind + (nested ? " nested in JS" : "");
  EXPECT_EQ(r.status, 130) << what << ": " << r.err;
  EXPECT_TRUE(contains(r.err, "KeyboardInterrupt")) << what << ": " << r.err;
  EXPECT_TRUE(contains(r.err, "blocking.py\", line")) << what << ": " << r.err;  // where it blocked
  EXPECT_TRUE(contains(r.out, "ready\n")) << what;
  EXPECT_FALSE(contains(r.out, "not reached")) << what;
  EXPECT_GE(seconds, 0.0) << what;
  EXPECT_LT(seconds, 2.0) << what;
  std::printf("[ figure   ] Ctrl-C during %s: the process ended %.0f ms after the signal\n", what.c_str(), seconds * 1000);
}
}  // namespace

TEST(CliBlocking, CtrlCEndsABlockingCallOfTheMainThreadAsPython3Does) {
  for (const auto& kind : k_blocking_calls) expect_interrupted_like_python3(kind, false);
}

TEST(CliBlocking, CtrlCEndsAsyncioRunAsPython3Does) {
  // asyncio.run installs a SIGINT handler of its own (so the host's is not called): its
  // KeyboardInterrupt, uncaught, still gives 130.
  expect_interrupted_like_python3("asyncio", false);
}

TEST(CliBlocking, CtrlCEndsABlockingPythonCallNestedInAJsCall) {
  for (const auto& kind : k_blocking_calls) expect_interrupted_like_python3(kind, true);
}

TEST(CliBlocking, AnEvalTimeoutEndsABlockingCall) {
  const std::vector<std::pair<std::string, std::string>> codes{
      {"sleep", "import time; time.sleep(5)"},
      {"lock", "import threading; l = threading.Lock(); l.acquire(); l.acquire(timeout=5)"},
      {"queue", "import queue; queue.Queue().get(timeout=5)"},
  };
  for (const auto& [kind, code] : codes) {
    auto [r, seconds] = bounded_run({"eval", "--timeout", "1", "py", code});
    EXPECT_EQ(r.status, 1) << kind << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "py Timeout: py eval of code did not finish within its timeout of 1 s")) << kind << ": " << r.err;
    EXPECT_GE(seconds, 1.0) << kind;
    EXPECT_LT(seconds, 3.0) << kind;  // not the call's 5 s
  }
}

TEST(CliBlocking, AnEvalTimeoutEndsABlockingPythonCallNestedInAJsCall) {
  auto [r, seconds] = bounded_run(
      {"eval", "--timeout", "1", "py", "import promethean; promethean.eval('js', \"promethean.eval('py', 'import time; time.sleep(5)')\")"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "py Timeout: py eval of code did not finish within its timeout of 1 s")) << r.err;
  EXPECT_GE(seconds, 1.0);
  EXPECT_LT(seconds, 3.5);
}

TEST(CliBlocking, RunTimeoutEndsASleepingScriptWithoutTheGracePeriod) {
  const auto script = data_file("timeouts/sleeping.py");
  auto [r, seconds] = bounded_run({"run", "--timeout", "0.5", script});
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_EQ(r.out, "started\n");
  EXPECT_TRUE(contains(r.err, "promethean: " + script + " timed out after 0.5 s\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "sleeping.py\", line")) << r.err;  // KeyboardInterrupt's traceback
  EXPECT_LT(seconds, 2.0);  // the backstop would have taken 2.5 s
}
