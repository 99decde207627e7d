#include "signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

namespace promethean::cli {

namespace {

int g_pipe[2] = {-1, -1};         // the handler writes the signal number; the watcher reads it
std::atomic<int> g_signal{0};     // the first interrupting signal
std::mutex g_host_mutex;          // guards g_host against the host going away
host* g_host = nullptr;

void on_signal(int signo) {
  // Only async-signal-safe work here: a second signal ends the process now.
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, signo)) ::_exit(128 + signo);
  const char byte = static_cast<char>(signo);
  [[maybe_unused]] const auto written = ::write(g_pipe[1], &byte, 1);
}

/// Interrupts the runtimes from an ordinary thread, where taking locks is allowed.
void watch() {
  char byte = 0;
  while (::read(g_pipe[0], &byte, 1) == 1) {
    std::lock_guard lock(g_host_mutex);
    if (g_host != nullptr) g_host->interrupt();
  }
}

}  // namespace

void install_signal_policy(host& h) {
  {
    std::lock_guard lock(g_host_mutex);
    g_host = &h;
  }
  static const bool installed = [] {
    if (::pipe(g_pipe) != 0) return false;
    std::thread(watch).detach();
    struct sigaction action {};
    action.sa_handler = on_signal;
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
    // As python3 does: a write past RLIMIT_FSIZE is an error (EFBIG), not a death.
    ::sigaction(SIGXFSZ, &ignore, nullptr);
    return true;
  }();
  (void)installed;
}

void request_interrupt() {
  if (g_pipe[1] < 0) return;
  const char byte = 0;  // the watcher interrupts the host, as for a signal
  [[maybe_unused]] const auto written = ::write(g_pipe[1], &byte, 1);
}

void clear_signal_host() {
  std::lock_guard lock(g_host_mutex);
  g_host = nullptr;
}

int interrupting_signal() { return g_signal.load(); }

}  // namespace promethean::cli
