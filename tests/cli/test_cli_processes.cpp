// Black-box tests of the `promethean` binary as a process: signals, timeouts, fork and
// multiprocessing, and python3's own command line (-c, -m).
#include "../support/environment_noise.hpp"
#include "cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

using namespace promethean::cli_test;

namespace {
/// Starts `promethean run SCRIPT` in the background, waits until it printed "ready", sends it
/// `signal_name` and returns its exit status and stderr.
run_result interrupted_run(const std::string& script, const std::string& signal_name) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto tag = std::to_string(::getpid());
  const auto out = dir / ("promethean_sig_out_" + tag), err = dir / ("promethean_sig_err_" + tag);
  const std::string cmd = quote(PROMETHEAN_CLI) + " run " + quote(std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/signals/" + script) +
                          " >" + quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null & pid=$!; " +
                          "for i in $(seq 200); do grep -q ready " + quote(out.string()) + " && break; sleep 0.05; done; " +
                          "sleep 0.2; kill -" + signal_name + " $pid; wait $pid";
  return finished_run(std::system(cmd.c_str()), out, err);
}
}  // namespace

TEST(CliSignals, CtrlCDuringALongPythonLoopRaisesKeyboardInterruptThereAndExits130) {
  auto r = interrupted_run("long_loop.py", "INT");
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_TRUE(contains(r.err, "KeyboardInterrupt")) << r.err;
  EXPECT_TRUE(contains(r.err, "long_loop.py")) << r.err;
}

TEST(CliSignals, CtrlCStopsALongJsLoopAndAnIdleEventLoop) {
  auto busy = interrupted_run("long_loop.js", "INT");
  EXPECT_EQ(busy.status, 130) << busy.err;
  auto idle = interrupted_run("idle_timer.js", "INT");
  EXPECT_EQ(idle.status, 130) << idle.err;
  EXPECT_FALSE(contains(idle.err, "corrupted")) << idle.err;
}

TEST(CliSignals, CtrlCWhilePythonSleepsWithAJsIntervalRunningExits130) {
  // The loop thread blocks the process's signals: the sleep in Python's main thread is the one cut.
  const auto start = std::chrono::steady_clock::now();
  auto r = interrupted_run("js_interval_while_python_sleeps.py", "INT");
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_TRUE(contains(r.err, "KeyboardInterrupt")) << r.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 20.0);
}

TEST(CliSignals, SigtermEndsTheHostWith143) {
  auto r = interrupted_run("long_loop.py", "TERM");
  EXPECT_EQ(r.status, 143) << r.err;
}

TEST(CliSignals, SigtermWhileATimedOutCallStillSleepsOnAHostWorkerEndsWith143) {
  // Python finalises while that thread sleeps in it; CPython ends the thread as it wakes, and its
  // unwinding used to abort in PyGILState_Release.
  auto r = interrupted_run("left_asleep.sib", "TERM");
  EXPECT_EQ(r.status, 143) << r.err;
  EXPECT_FALSE(contains(r.err, "Fatal")) << r.err;
}

TEST(CliSignals, AClosedStdoutIsAnErrorNotADeathBySigpipe) {
  // Under bash, for PIPESTATUS: the promethean side of the pipe.
  const int raw = std::system(("bash -c " + quote(quote(PROMETHEAN_CLI) + " run " +
                                                  quote(std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/signals/chatty.py") +
                                                  " 2>/dev/null | head -n 1 >/dev/null; exit ${PIPESTATUS[0]}")).c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  const int status = WEXITSTATUS(raw);
  EXPECT_NE(status, 128 + SIGPIPE);  // not killed by the signal
  EXPECT_LT(status, 128) << status;  // an ordinary error status (BrokenPipeError)
}



TEST(CliTimeout, RunStopsARunawayPythonScriptWith124AndAMessage) {
  const auto script = data_file("timeouts/runaway.py");
  auto [r, seconds] = bounded_run({"run", "--timeout", "0.5", script});
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_EQ(r.out, "started\n");
  EXPECT_TRUE(contains(r.err, "promethean: " + script + " timed out after 0.5 s\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "runaway.py\", line")) << r.err;  // where it was stopped
  EXPECT_LT(seconds, 5.0);
}

TEST(CliTimeout, RunStopsARunawayJsLoopAndAnEventLoopThatNeverEnds) {
  for (const char* name : {"runaway.js", "interval.js"}) {
    const auto script = data_file(std::string("timeouts/") + name);
    // Long enough for Node to start (also under ASan) and the script to print its first line.
    auto [r, seconds] = bounded_run({"run", "--timeout", "1.5", script});
    EXPECT_EQ(r.status, 124) << name << ": " << r.err;
    EXPECT_EQ(r.out, "started\n") << name;
    EXPECT_TRUE(contains(r.err, "promethean: " + script + " timed out after 1.5 s\n")) << r.err;
    EXPECT_GE(seconds, 1.5) << name;
    EXPECT_LT(seconds, 6.0) << name;
  }
}

TEST(CliTimeout, RunStopsASibScriptWhoseCallIntoPythonNeverReturns) {
  const auto script = data_file("timeouts/runaway.sib");
  auto [r, seconds] = bounded_run({"run", "--timeout", "0.5", script});
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_EQ(r.out, "started\n");
  EXPECT_TRUE(contains(r.err, "timed out after 0.5 s")) << r.err;
  EXPECT_LT(seconds, 5.0);
}

TEST(CliTimeout, AScriptStuckInACCallIsEndedAfterTheGracePeriod) {
  // A time.sleep that no interrupt reaches: the backstop ends the process 2 s after the deadline.
  auto [r, seconds] = bounded_run({"run", "--timeout", "0.3", data_file("timeouts/deaf.py")});
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_EQ(r.out, "started\n");
  EXPECT_TRUE(contains(r.err, "timed out after 0.3 s")) << r.err;
  EXPECT_GE(seconds, 2.0);
  EXPECT_LT(seconds, 8.0);
}

TEST(CliTimeout, AScriptEndingWhileATimedOutCallStillSleepsExitsCleanly) {
  auto [r, seconds] = bounded_run({"run", data_file("timeouts/left_asleep.sib")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Timeout\nexiting\n");
  EXPECT_FALSE(contains(r.err, "Fatal")) << r.err;
  EXPECT_LT(seconds, 10.0);
}

TEST(CliTimeout, AScriptThatEndsInTimeKeepsItsStatusAndOutput) {
  auto [r, seconds] = bounded_run({"run", "--timeout", "20", data_file("timeouts/quick.py")});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.out, "done\n");
  EXPECT_FALSE(contains(r.err, "timed out")) << r.err;
  EXPECT_LT(seconds, 10.0);
}

TEST(CliTimeout, RunTimeoutUsageErrors) {
  auto missing = run({"run", "--timeout"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "--timeout needs a value")) << missing.err;
  auto bad = run({"run", "--timeout", "soon", data_file("timeouts/quick.py")});
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(contains(bad.err, "--timeout needs a positive number of seconds, got 'soon'")) << bad.err;
  auto unknown = run({"run", "--frob", data_file("timeouts/quick.py")});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.err, "run: unknown option '--frob'")) << unknown.err;
}

TEST(CliTimeout, EvalTimeoutStopsPythonAndJs) {
  auto [py, py_seconds] = bounded_run({"eval", "--timeout", "0.3", "py", "while True: pass"});
  EXPECT_EQ(py.status, 1) << py.err;
  EXPECT_TRUE(contains(py.err, "py Timeout: py eval of code did not finish within its timeout of 0.3 s")) << py.err;
  EXPECT_TRUE(contains(py.err, "promethean.TimeoutError")) << py.err;
  EXPECT_LT(py_seconds, 5.0);
  auto [js, js_seconds] = bounded_run({"eval", "--timeout", "0.3", "js", "for (;;) {}"});
  EXPECT_EQ(js.status, 1) << js.err;
  EXPECT_TRUE(contains(js.err, "js Timeout: js eval of code did not finish within its timeout of 0.3 s")) << js.err;
  EXPECT_LT(js_seconds, 5.0);
  auto [fast, fast_seconds] = bounded_run({"eval", "--timeout", "5", "js", "6 * 7"});
  EXPECT_EQ(fast.status, 0) << fast.err;
  EXPECT_EQ(fast.out, "42\n");
  (void)fast_seconds;
}

TEST(CliFork, PoolMapRunsInSpawnedPrometheanHosts) {
  auto [r, seconds] = bounded_run({"run", data_file("fork/pool.py")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, 225, 256, 289, 324, 361]\n") << r.err;
  (void)seconds;
}

TEST(CliFork, WorkersImportPrometheanAndCallJsAndSh) {
  auto [r, seconds] = bounded_run({"run", data_file("fork/pool_promethean.py")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[[0, '0'], [3, '1'], [6, '2'], [9, '3']]\nparent js: 42\n") << r.err;
  (void)seconds;
}

TEST(CliFork, ProcessAndQueue) {
  auto [r, seconds] = bounded_run({"run", data_file("fork/process_queue.py")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[0, 1, 4, 9, 16] 0 spawn\n") << r.err;
  (void)seconds;
}

TEST(CliFork, JsInAForkedChildIsAClearErrorAndTheParentGoesOn) {
  auto [r, seconds] = bounded_run({"run", data_file("fork/fork_js.py")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "parent js: 2\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "child: js UsageError the js runtime is not available in a forked child process")) << r.out;
  EXPECT_TRUE(contains(r.out, "child py still works: 9\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "child exit status: 3\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "parent js again: 10\n")) << r.out;
  EXPECT_LT(seconds, 20.0);
}

TEST(CliFork, AForkWhileTheJsLoopThreadRunsLeavesAChildThatExitsAndAParentThatTicks) {
  auto [r, seconds] = bounded_run({"run", data_file("fork/fork_while_js_timers_run.py")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "child js: UsageError\nchild py: 42\nchild exit status: 4\nparent ticks go on: True\n") << r.err;
  EXPECT_LT(seconds, 20.0);
}

TEST(CliPython, DashCAndDashMRunAsPython3Does) {
  auto [argv, s1] = bounded_run({"-c", "import sys; print(sys.argv)", "a", "b"}, 30);
  EXPECT_EQ(argv.status, 0) << argv.err;
  EXPECT_EQ(argv.out, "['-c', 'a', 'b']\n");
  auto [host, s2] = bounded_run({"-B", "-c", "import promethean; print(promethean.eval('js', '6 * 7'))"}, 30);
  EXPECT_EQ(host.status, 0) << host.err;
  EXPECT_EQ(host.out, "42\n");
  auto [exit5, s3] = bounded_run({"-c", "import sys; sys.exit(5)"}, 30);
  EXPECT_EQ(exit5.status, 5) << exit5.err;
  auto [raised, s4] = bounded_run({"-c", "raise ValueError('boom')"}, 30);
  EXPECT_EQ(raised.status, 1);
  EXPECT_TRUE(contains(raised.err, "ValueError: boom")) << raised.err;
  auto [module, s5] = bounded_run({"-m", "platform"}, 30);
  EXPECT_EQ(module.status, 0) << module.err;
  EXPECT_TRUE(contains(module.out, "Linux")) << module.out;
  auto missing = run({"-c"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "-c needs an argument")) << missing.err;
  (void)s1, (void)s2, (void)s3, (void)s4, (void)s5;
}
