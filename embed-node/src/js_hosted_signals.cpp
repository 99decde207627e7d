// Ctrl-C and SIGTERM in the Node-hosted mode: a clean stop, then node's own end (js_hosted_signals.hpp).
#include "js_hosted_signals.hpp"

#include "js_engine.hpp"
#include "js_module.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <system_error>
#include <thread>

namespace promethean::js {
namespace {
constexpr int k_signals[2] = {SIGINT, SIGTERM};
constexpr auto k_ask_again_ms = 20;  ///< how often the watcher asks the main thread again

/// Node's handling of each signal before ours (its SignalExit, which resets the terminal and
/// raises the signal again, or SIG_DFL), and whether ours replaced it. Written before the handler
/// is installed; read by the handler.
struct sigaction g_node_handling[2];
bool g_taken[2] = {false, false};

std::atomic<int> g_asked{0};       ///< the signal that asked for the stop; 0 before any
std::atomic<bool> g_ended{false};  ///< the Host ended (by the stop or at 'exit'): nothing left to do
int g_wake_read = -1;
int g_wake_write = -1;
std::thread g_watcher;
v8::Isolate* g_isolate = nullptr;
uv_async_t* g_async = nullptr;
std::thread::id g_main_thread;
std::function<void()> g_stop;

int slot_of(int signo) noexcept { return signo == SIGINT ? 0 : 1; }

void on_signal(int signo, siginfo_t*, void*);

bool handler_is_ours(int signo) noexcept {
  struct sigaction now {};
  return ::sigaction(signo, nullptr, &now) == 0 && (now.sa_flags & SA_SIGINFO) != 0 && now.sa_sigaction == &on_signal;
}

/// Node's handling back for each signal this module took and still handles (a program that
/// listened meanwhile has libuv's handler there: left alone).
void give_signals_back() noexcept {
  for (int i = 0; i < 2; ++i) {
    if (g_taken[i] && handler_is_ours(k_signals[i])) ::sigaction(k_signals[i], &g_node_handling[i], nullptr);
    g_taken[i] = false;
  }
}

/// Async-signal-safe: atomics, sigaction, raise and write.
void on_signal(int signo, siginfo_t*, void*) {
  const int saved_errno = errno;
  int none = 0;
  if (!g_asked.compare_exchange_strong(none, signo) || g_ended.load()) {
    // A second signal while the stop waits: node's way at once. The signal is blocked while this
    // handler runs; raised now, it reaches node's handling as the handler returns.
    ::sigaction(signo, &g_node_handling[slot_of(signo)], nullptr);
    ::raise(signo);
  } else {
    const char byte = 0;
    (void)!::write(g_wake_write, &byte, 1);
  }
  errno = saved_errno;
}

/// On the main thread (an interrupt of running JS, or the loop's async callback): the stop, if one
/// was asked for and no promethean call is under way here.
void stop_if_asked() {
  const int signo = g_asked.load();
  if (signo == 0 || g_ended.load()) return;
  if (std::this_thread::get_id() != g_main_thread) return;  // a Python thread lent the isolate: not here
  if (entered_depth_here() > 0 || module_functions_here() > 0) return;  // inside a call: after it ends
  g_ended.store(true);
  try {
    g_stop();  // the Host ends, as at 'exit'; first of all, end_clean_stop_on_signals gives the signals back
  } catch (const std::exception& e) {
    std::cerr << "promethean: stopping on signal " << signo << ": " << e.what() << "\n";
  }
  ::raise(signo);  // node's own handling: the terminal reset, then killed by the signal
}

void on_interrupt(v8::Isolate*, void*) { stop_if_asked(); }

void on_async(uv_async_t*) { stop_if_asked(); }

/// The watcher: waits for the signal, then asks the main thread until the stop has happened or the
/// Host ended otherwise (the write end closed by end_clean_stop_on_signals).
void watch() {
  char byte = 0;
  while (true) {
    const ssize_t n = ::read(g_wake_read, &byte, 1);
    if (n > 0) break;
    if (n < 0 && errno == EINTR) continue;
    return;  // closed: the Host ended without a signal
  }
  while (!g_ended.load()) {
    g_isolate->RequestInterrupt(on_interrupt, nullptr);
    uv_async_send(g_async);
    pollfd p{g_wake_read, POLLIN, 0};
    if (::poll(&p, 1, k_ask_again_ms) > 0 && ::read(g_wake_read, &byte, 1) == 0) return;
  }
}
}  // namespace

void start_clean_stop_on_signals(v8::Isolate* isolate, uv_loop_t* loop, bool sigint, bool sigterm,
                                 std::function<void()> stop) {
  if (g_async != nullptr) return;  // once per process
  const bool wanted[2] = {sigint, sigterm};
  bool any = false;
  for (int i = 0; i < 2; ++i) {
    if (!wanted[i] || ::sigaction(k_signals[i], nullptr, &g_node_handling[i]) != 0) continue;
    const bool ignored = (g_node_handling[i].sa_flags & SA_SIGINFO) == 0 && g_node_handling[i].sa_handler == SIG_IGN;
    g_taken[i] = !ignored;
    any = any || g_taken[i];
  }
  if (!any) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);  // a handler never blocks
  g_wake_read = fds[0];
  g_wake_write = fds[1];
  g_isolate = isolate;
  g_main_thread = std::this_thread::get_id();
  g_stop = std::move(stop);
  g_async = new uv_async_t;
  uv_async_init(loop, g_async, on_async);
  uv_unref(reinterpret_cast<uv_handle_t*>(g_async));  // never keeps node alive
  // The watcher blocks every signal (they are the program's threads' to take).
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  g_watcher = std::thread(watch);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  struct sigaction ours {};
  ours.sa_sigaction = &on_signal;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  for (int i = 0; i < 2; ++i) {
    if (g_taken[i]) ::sigaction(k_signals[i], &ours, nullptr);
  }
}

void end_clean_stop_on_signals() noexcept {
  if (g_async == nullptr) return;
  g_ended.store(true);
  give_signals_back();
  ::close(g_wake_write);  // the watcher's read gives 0: it ends
  if (g_watcher.joinable()) g_watcher.join();
  ::close(g_wake_read);
  g_wake_read = g_wake_write = -1;
  uv_close(reinterpret_cast<uv_handle_t*>(g_async), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  g_async = nullptr;
}

}  // namespace promethean::js
