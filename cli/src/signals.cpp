#include "signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace promethean::cli {

namespace {

int g_pipe[2] = {-1, -1};         // the handler writes the signal number; the watcher reads it
std::atomic<int> g_signal{0};     // the first interrupting signal
std::mutex g_host_mutex;          // guards g_host against the host going away
host* g_host = nullptr;
std::atomic<bool> g_redirected{false};  // a SIGINT goes to g_on_sigint (redirect_sigint)
std::function<void(int)> g_on_sigint;   // guarded by g_host_mutex
constexpr char k_redirected = 0x7f;     // on the pipe: a SIGINT for g_on_sigint, not a signal number

void on_signal(int signo) {
  // Only async-signal-safe work here: a second signal ends the process now.
  if (signo == SIGINT && g_redirected.load()) {
    [[maybe_unused]] const auto written = ::write(g_pipe[1], &k_redirected, 1);
    return;
  }
  const char byte = static_cast<char>(signo);
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, signo)) ::_exit(128 + signo);
  [[maybe_unused]] const auto written = ::write(g_pipe[1], &byte, 1);
}

/// Interrupts the runtimes from an ordinary thread, where taking locks is allowed.
void watch() {
  char byte = 0;
  while (::read(g_pipe[0], &byte, 1) == 1) {
    std::lock_guard lock(g_host_mutex);
    if (byte == k_redirected) {
      if (g_on_sigint) g_on_sigint(SIGINT);  // none when the redirect ended meanwhile: nothing to stop
      continue;
    }
    if (g_host != nullptr) g_host->interrupt();
    if (byte != 0 && g_on_sigint) g_on_sigint(byte);  // SIGTERM: the REPL stops reading too
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

void redirect_sigint(std::function<void(int)> on_sigint) {
  std::lock_guard lock(g_host_mutex);
  g_redirected = static_cast<bool>(on_sigint);
  g_on_sigint = std::move(on_sigint);
}

}  // namespace promethean::cli
