// Issue 7, scenario 7: shutdown with work in flight. The host ends while JS timers are pending, a
// Promise is unsettled (and awaited by a Python thread), buffers are live in every runtime and
// Python threads still run (a daemon thread calling JS in a loop, a non-daemon one finishing its
// work): it must exit in bounded time with the script's status, print nothing but the script's
// output, and leave the buffer ledger at zero.
//
// Python and Node start once per process, so every run is a process of its own: the CLI on
// tests/data/threading/shutdown_in_flight.sib, and the same work set up through the C++ API in a
// forked child that destroys its Host and then checks the ledger itself. The runs go two at a
// time (the machine's two cores), each well under a second of CPU.
//
// Repetitions: 100 CLI runs and 20 in-process runs. PROMETHEAN_SHUTDOWN_RUNS overrides the CLI
// count (the in-process one is a fifth of it): the asan test preset sets 30, because under ASan
// each run costs several times as much and 100 of them would take minutes. Never zero.
#include "../support/environment_noise.hpp"

#include <promethean/buffer/ledger.hpp>
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace promethean;
using nlohmann::json;

namespace {

const std::string k_data = PROMETHEAN_TEST_DATA "/threading";

int cli_runs() {
  const char* env = std::getenv("PROMETHEAN_SHUTDOWN_RUNS");
  const int n = env != nullptr ? std::atoi(env) : 100;
  return std::max(n, 1);
}

struct child_run {
  int status = -1;       ///< exit status, or 128 + the signal that ended it
  bool timed_out = false;
  double seconds = 0;
  std::string out, err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A child process running `body` with stdout and stderr in files; `body` never returns into
/// the test (it execs, or ends with std::exit).
class child {
 public:
  child(const std::function<void()>& body, int lane) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto tag = std::to_string(::getpid()) + "_" + std::to_string(lane);
    m_out = dir / ("promethean_shutdown_out_" + tag);
    m_err = dir / ("promethean_shutdown_err_" + tag);
    std::fflush(nullptr);  // nothing buffered in the test is written twice
    m_started = std::chrono::steady_clock::now();
    m_pid = ::fork();
    if (m_pid == 0) {
      const int out = ::open(m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::close(out);
      ::close(err);
      body();
      ::_exit(127);
    }
  }

  /// Waits until the child ends or `limit` passes (then kills it: a hang).
  child_run finish(std::chrono::seconds limit) {
    child_run r;
    if (m_pid < 0) {
      r.err = "fork failed";
      return r;
    }
    int raw = 0;
    const auto deadline = m_started + limit;
    while (::waitpid(m_pid, &raw, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        r.timed_out = true;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, &raw, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    r.out = slurp(m_out);
    r.err = slurp(m_err);
    std::filesystem::remove(m_out);
    std::filesystem::remove(m_err);
    return r;
  }

 private:
  pid_t m_pid = -1;
  std::chrono::steady_clock::time_point m_started;
  std::filesystem::path m_out, m_err;
};

/// `promethean run SCRIPT` with extra environment variables, in a child.
std::function<void()> cli(const std::string& script, const std::vector<std::pair<std::string, std::string>>& env) {
  return [script, env] {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    const std::string cli_path = PROMETHEAN_CLI;
    std::vector<std::string> args = {cli_path, "run", script};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(cli_path.c_str(), argv.data());
  };
}

/// Runs `body` `n` times, two children at a time; calls `check` on each run.
void repeat(int n, const std::function<void()>& body, std::chrono::seconds limit,
            const std::function<void(int, const child_run&)>& check) {
  for (int i = 0; i < n; i += 2) {
    std::vector<child> lanes;
    for (int lane = 0; lane < 2 && i + lane < n; ++lane) lanes.emplace_back(body, lane);
    for (std::size_t lane = 0; lane < lanes.size(); ++lane) check(i + static_cast<int>(lane), lanes[lane].finish(limit));
  }
}

std::string summary(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  char text[128];
  std::snprintf(text, sizeof text, "%zu runs: median %.2f s, slowest %.2f s", seconds.size(),
                seconds[seconds.size() / 2], seconds.back());
  return text;
}

/// The in-process variant: the same work set up through the C++ API, the Host destroyed with it in
/// flight, then the ledger checked here. Exits 0 when it is zero, 3 with the live buffers if not.
[[noreturn]] void in_process_shutdown() {
  double shutdown_seconds = 0;
  {
    auto h = std::make_unique<host>();
    h->load("rust", PM_IMAGEOPS_PLUGIN);
    h->load("js", k_data + "/shutdown_work.js");
    h->load("py", k_data + "/shutdown_work.py");
    h->call("py", "shutdown_work.start", json::array());
    const message image = h->call("py", "shutdown_work.image", json::array());
    const message gray = h->call("rust", "imageops.grayscale", json::array({image.value()}));
    h->call("py", "shutdown_work.keep", json::array({gray.value()}));
    h->call("js", "shutdown_work.keep", json::array({gray.value()}));
    const message js_made = h->call("js", "shutdown_work.made", json::array());
    h->call("py", "shutdown_work.keep", json::array({js_made.value()}));
    const message sum = h->call("js", "shutdown_work.sum", json::array({gray.value()}));
    std::printf("sum %s\n", sum.dump().c_str());
    std::fflush(stdout);
    h->call("py", "shutdown_work.main_done", json::array());
    const auto t0 = std::chrono::steady_clock::now();
    h.reset();  // the messages above still hold their buffers: released just after
    shutdown_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  // The daemon threads that were in flight end as they come back to Python; give any crash the
  // chance to happen here rather than after the check.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto counts = ledger::instance().counts();
  std::printf("shutdown %.3f s\n", shutdown_seconds);
  if (counts.live_blocks != 0 || counts.live_buffers != 0) {
    std::printf("ledger: %lld block(s), %lld buffer(s) live after the Host was destroyed\n%s",
                static_cast<long long>(counts.live_blocks), static_cast<long long>(counts.live_buffers),
                ledger::instance().describe_live().c_str());
    std::exit(3);
  }
  std::printf("ledger zero\n");
  std::exit(0);  // a normal exit: static destructors run with the daemon threads' remains around
}

/// A Host created on the main thread, which calls into JS there (its isolate lock parked and its
/// isolate kept entered between calls: parked_lock.hpp) and from a second thread, then dropped on
/// a third thread: Node stops and V8 disposes the isolate without complaint. Exits 0 after "done".
[[noreturn]] void dropped_on_another_thread() {
  auto h = std::make_unique<host>();
  h->eval("js", "promethean.export('add', (a, b) => a + b), null");
  const callable add = h->resolve("js", "add");
  long sum = 0;
  for (int i = 0; i < 3; ++i) sum += add({i, 1}).value().get<long>();
  std::thread([&] { sum += h->call("js", "add", json::array({10, 20})).value().get<long>(); }).join();
  sum += add({100, 200}).value().get<long>();  // back on the main thread after the other one
  std::printf("sum %ld\n", sum);
  std::thread([&] { h.reset(); }).join();
  std::printf("done\n");
  std::exit(0);
}

/// Python started on a second thread, which imports threading there (so threading's MainThread is
/// that thread), then the Host dropped on the main thread: finalisation must not wait for the
/// second thread's Python state, which only finalisation itself deletes. Exits 0 after "done".
[[noreturn]] void python_started_on_another_thread() {
  auto h = std::make_unique<host>();
  std::thread([&] {
    h->eval("py", "import threading\nassert threading.main_thread() is threading.current_thread()");
  }).join();
  std::printf("%s\n", h->eval("py", "threading.main_thread() is threading.current_thread()").data.value().dump().c_str());
  h.reset();
  std::printf("done\n");
  std::exit(0);
}

/// Python started on the main thread, threading first imported by a call on a second thread: the
/// main thread is still threading's MainThread, as in python3, and the Host drops cleanly. Prints
/// what the main thread sees, then "done".
[[noreturn]] void threading_first_imported_on_another_thread() {
  auto h = std::make_unique<host>();
  h->eval("py", "import sys\nimported_at_start = 'threading' in sys.modules");
  std::thread([&] {
    h->eval("py", "import threading\nother_is_main = threading.current_thread() is threading.main_thread()");
  }).join();
  const char* seen =
      "[imported_at_start, other_is_main, threading.current_thread() is threading.main_thread(),"
      " threading.main_thread().ident == threading.get_ident(),"
      " threading.main_thread().native_id == __import__('os').getpid(), threading.main_thread().is_alive()]";
  std::printf("%s\n", h->eval("py", seen).data.value().dump().c_str());
  h.reset();
  std::printf("done\n");
  std::exit(0);
}

/// Runs `body` in a child and expects it to end by itself (no hang at the Host's destruction) with
/// status 0, exactly `expected_out` on stdout and nothing but environment noise on stderr.
void expect_clean_end(const std::function<void()>& body, const std::string& expected_out) {
  child c(body, 0);
  const child_run r = c.finish(std::chrono::seconds(60));
  ASSERT_FALSE(r.timed_out) << "hung at the Host's destruction\n" << r.out << r.err;
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_out) << r.err;
  EXPECT_EQ(test::without_environment_noise(r.err), "");
}

}  // namespace

TEST(ThreadingShutdown, ThreadingFirstImportedOnAnotherThreadKeepsTheMainThreadAsItsMainThread) {
  expect_clean_end(threading_first_imported_on_another_thread, "[false,false,true,true,true,true]\ndone\n");
}

TEST(ThreadingShutdown, AHostWhosePythonStartedOnAnotherThreadIsDroppedWithoutWaitingForThatThread) {
  expect_clean_end(python_started_on_another_thread, "false\ndone\n");
}

TEST(ThreadingShutdown, AHostDroppedOnAnotherThreadThanTheOneThatStartedNodeStopsCleanly) {
  expect_clean_end(dropped_on_another_thread, "sum 336\ndone\n");
}

TEST(ThreadingShutdown, TheCliExitsCleanlyWithWorkInFlightEveryTime) {
  const std::string expected = "script done: 614400 = 614400\nnon-daemon thread done: 160\n";
  std::vector<double> seconds;
  int failures = 0;
  repeat(cli_runs(), cli(k_data + "/shutdown_in_flight.sib", {{"PROMETHEAN_LEAK_CHECK", "1"}}),
         std::chrono::seconds(60), [&](int i, const child_run& r) {
           seconds.push_back(r.seconds);
           const bool ok = !r.timed_out && r.status == 0 && r.out == expected && test::without_environment_noise(r.err).empty();
           if (!ok && ++failures <= 3) {  // the first few in full; the count says the rest
             ADD_FAILURE() << "run " << i << ": " << (r.timed_out ? "hung (killed after 60 s)" : "")
                           << " exit status " << r.status << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
           }
         });
  EXPECT_EQ(failures, 0) << "of " << seconds.size() << " runs";
  std::printf("%s\n", summary(seconds).c_str());
}

TEST(ThreadingShutdown, AHostDestroyedWithWorkInFlightLeavesTheLedgerAtZero) {
  std::vector<double> seconds;
  int failures = 0;
  repeat(std::max(cli_runs() / 5, 1), in_process_shutdown, std::chrono::seconds(60), [&](int i, const child_run& r) {
    double shutdown = -1;
    if (auto at = r.out.find("shutdown "); at != std::string::npos) shutdown = std::atof(r.out.c_str() + at + 9);
    seconds.push_back(shutdown);
    const bool ok = !r.timed_out && r.status == 0 && test::without_environment_noise(r.err).empty() &&
                    r.out.find("non-daemon thread done: 160\n") != std::string::npos &&
                    r.out.find("ledger zero\n") != std::string::npos && shutdown >= 0 && shutdown < 5;
    if (!ok && ++failures <= 3) {
      ADD_FAILURE() << "run " << i << ": " << (r.timed_out ? "hung (killed after 60 s)" : "") << " exit status "
                    << r.status << ", shutdown took " << shutdown << " s\nstdout:\n" << r.out << "stderr:\n" << r.err;
    }
  });
  EXPECT_EQ(failures, 0) << "of " << seconds.size() << " runs";
  std::printf("Host destruction, %s\n", summary(seconds).c_str());
}

TEST(ThreadingShutdown, NonDaemonThreadsThatNeverEndAreStoppedAfterTheGracePeriod) {
  // Python waits for non-daemon threads at exit, without limit; the host waits
  // PROMETHEAN_THREAD_GRACE seconds, then raises SystemExit in them, and leaves one blocked in C
  // code (where SystemExit cannot reach it) to run on as a daemon thread would.
  child c(cli(k_data + "/never_ending_threads.py", {{"PROMETHEAN_THREAD_GRACE", "0.3"}, {"PROMETHEAN_LEAK_CHECK", "1"}}), 0);
  const child_run r = c.finish(std::chrono::seconds(60));
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "main done\n") << r.err;
  EXPECT_NE(r.err.find("non-daemon thread(s) spinner still running 0.3 s after the program ended: stopped with SystemExit"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("non-daemon thread(s) blocked still running 0.3 s after the program ended and blocked outside "
                       "Python: not waited for"),
            std::string::npos)
      << r.err;
  EXPECT_LT(r.seconds, 20.0);  // the grace period, a second for SystemExit, startup: not a hang
}
