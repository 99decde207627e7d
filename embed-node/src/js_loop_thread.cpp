// The event loop run in the background while no thread waits on JS (see js_loop_thread.hpp).
#include "js_loop_thread.hpp"

#include "js_engine.hpp"
#include "js_event_loop.hpp"
#include "js_heap_limit.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

namespace promethean::js {
namespace {

struct loop_thread_state {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;  ///< the thread standing aside waits here for drivers to reach 0
  bool stopping = false;         ///< under `mutex`
  std::atomic<bool> aside{false};
  std::atomic<int> drivers{0};     ///< live loop_driver scopes, on any thread
  std::atomic<bool> ended{false};  ///< the thread has left its loop for good
};

loop_thread_state& state() {
  static auto* s = new loop_thread_state();  // never destroyed: a thread left inside JS at exit keeps it
  return *s;
}

/// The process's asynchronous signals go to its other threads: a Ctrl-C must reach Python's main
/// thread (its sleep is cut short only there) or the CLI's handler, not this thread's poll.
void block_async_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGWINCH, SIGPIPE}) {
    sigaddset(&set, s);
  }
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

/// Threads entering JS (or inside it) go first: the isolate lock is not fair, and a loop with work
/// always ready would otherwise take it back before a waiting caller wakes. Bounded (1 ms), since
/// a thread inside JS may be out in another runtime for long, not waiting for the lock.
void let_callers_go_first(const engine& g) {
  using namespace std::chrono_literals;
  for (int i = 0; i < 20 && g.users.load(std::memory_order_relaxed) > 0; ++i) std::this_thread::sleep_for(50us);
}

/// Stands aside while another thread drives the loop; false when the thread must end.
bool wait_for_no_driver(loop_thread_state& s) {
  std::unique_lock lock(s.mutex);
  s.aside.store(true);
  s.wake.wait(lock, [&] { return s.stopping || s.drivers.load() == 0; });
  s.aside.store(false);
  return !s.stopping;
}

void run_loop() {
  auto& g = engine::get();
  auto& s = state();
  uv_loop_t* loop = event_loop();
  auto js_over = [&] { return g.interrupted.load() || !g.alive.load(); };
  while (wait_for_no_driver(s) && !js_over()) {
    let_callers_go_first(g);
    int timeout = 0;
    {
      entered e;  // refused (usage_error) once the engine stops
      if (g.exit_code || js_over()) return;
      if (s.drivers.load() > 0) continue;
      // Run as an alive loop even when nothing keeps it alive: libuv skips every phase of a loop
      // that is not, and then an async send (a wakeup, V8's foreground tasks) would stay unread
      // and new I/O watchers unregistered with the backend fd this thread waits on.
      uv_ref(reinterpret_cast<uv_handle_t*>(&g.wakeup));
      {
        loop_turn turn;
        uv_run(loop, UV_RUN_NOWAIT);
      }
      uv_unref(reinterpret_cast<uv_handle_t*>(&g.wakeup));
      report_heap_limit_in_callback(e.isolate());
      if (g.exit_code || js_over()) return;
      if (s.drivers.load() > 0) {
        // A thread began to drive while this turn ran (from a callback that gave the lock up):
        // what the turn did (an event taken, a Promise settled) is news to it.
        uv_async_send(&g.wakeup);
        continue;
      }
      timeout = g.begin_wait();
    }
    wait_for_loop(loop, timeout);
    g.end_wait();
  }
}

void loop_thread_main() {
  block_async_signals();
  try {
    run_loop();
  } catch (const std::exception&) {
    // Only entering JS throws here, when JS is over (stopped, a forked child): nothing to drive.
  }
  state().ended.store(true);
}

/// At exit() with the engine still running (a program that never deleted its Host): the thread
/// must not run JS while the libraries' statics are destroyed. Asked to end and given a moment
/// (it ends at once unless inside a callback); not joined, since it may be inside another runtime.
void stop_at_exit() {
  auto& s = state();
  if (!s.thread.joinable() || s.ended.load() || !engine::get().alive.load()) return;
  request_loop_thread_stop();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!s.ended.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

void start_loop_thread() {
  auto& s = state();
  if (s.thread.joinable()) return;
  s.thread = std::thread(loop_thread_main);
  std::atexit(stop_at_exit);  // registered after the engine's libraries loaded: runs before their statics go
}

void request_loop_thread_stop() {
  auto& s = state();
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_all();
  uv_async_send(&engine::get().wakeup);  // out of its poll
}

void join_loop_thread() {
  auto& s = state();
  if (!s.thread.joinable()) return;
  if (s.thread.get_id() == std::this_thread::get_id()) {
    s.thread.detach();  // the engine stopped from a callback of the loop thread: it ends by itself
    return;
  }
  s.thread.join();
}

loop_driver::loop_driver() { state().drivers.fetch_add(1); }

loop_driver::~loop_driver() {
  auto& s = state();
  if (s.drivers.fetch_sub(1) != 1 || !s.aside.load()) return;
  // The mutex orders this with the waiter's check of `drivers`: it either saw 0 or is waiting now.
  { std::lock_guard lock(s.mutex); }
  s.wake.notify_all();
}

}  // namespace promethean::js
