// Ctrl-C in the Python-hosted mode: Python's SIGINT handler, wrapped (python_hosted_signals.hpp).
#include "python_hosted_signals.hpp"

#include "python_state.hpp"

#include <promethean/host/host.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <system_error>
#include <thread>

namespace promethean::python {
namespace {
/// The handler the wrapper calls first, in two slots: a new one is written to the slot not in use,
/// then published, so that a signal arriving meanwhile reads a whole one.
struct sigaction g_chained[2];
std::atomic<int> g_slot{0};
int g_wake_read = -1;
std::atomic<int> g_wake_write{-1};
std::atomic<host*> g_target{nullptr};
std::thread g_watcher;

/// The wrapper: async-signal-safe (a call to Python's own handler, which is, an atomic read, a
/// write(2) to a non-blocking pipe).
void on_sigint(int signo, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const struct sigaction& chained = g_chained[g_slot.load(std::memory_order_acquire)];
  if ((chained.sa_flags & SA_SIGINFO) != 0) {
    if (chained.sa_sigaction != nullptr) chained.sa_sigaction(signo, info, context);
  } else if (chained.sa_handler != SIG_DFL && chained.sa_handler != SIG_IGN && chained.sa_handler != nullptr) {
    chained.sa_handler(signo);
  }
  const int wake = g_wake_write.load(std::memory_order_relaxed);
  if (wake >= 0 && state().main_thread_away.load(std::memory_order_relaxed) > 0) {
    const char byte = 0;
    (void)!::write(wake, &byte, 1);
  }
  errno = saved_errno;
}

bool is_ours(const struct sigaction& a) { return (a.sa_flags & SA_SIGINFO) != 0 && a.sa_sigaction == &on_sigint; }

void watch() {
  char byte = 0;
  while (true) {
    const ssize_t n = ::read(g_wake_read, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the write end closed: forwarding stopped
    if (host* h = g_target.load(std::memory_order_acquire)) {
      state().calls_cancelled_by_sigint.store(true, std::memory_order_release);
      h->cancel_calls();
    }
  }
}
}  // namespace

void start_sigint_forwarding(host& h) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  // A signal handler must never block: a full pipe already says "wake up".
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  g_wake_read = fds[0];
  g_target.store(&h, std::memory_order_release);
  // The watcher blocks every signal (they are the program's threads' to handle): it is started
  // with them blocked, and this thread's mask is put back.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  try {
    g_watcher = std::thread(watch);
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    ::close(fds[0]);
    ::close(fds[1]);
    g_wake_read = -1;
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  g_wake_write.store(fds[1], std::memory_order_release);
  rewrap_sigint();
}

void rewrap_sigint() {
  struct sigaction current {};
  if (::sigaction(SIGINT, nullptr, &current) != 0 || is_ours(current)) return;
  if ((current.sa_flags & SA_SIGINFO) == 0 && (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN)) return;
  const int next = 1 - g_slot.load(std::memory_order_relaxed);
  g_chained[next] = current;
  g_slot.store(next, std::memory_order_release);
  struct sigaction ours = current;
  ours.sa_flags |= SA_SIGINFO;
  ours.sa_sigaction = &on_sigint;
  ::sigaction(SIGINT, &ours, nullptr);
}

void stop_sigint_forwarding() {
  g_target.store(nullptr, std::memory_order_release);
  struct sigaction current {};
  if (::sigaction(SIGINT, nullptr, &current) == 0 && is_ours(current)) {
    ::sigaction(SIGINT, &g_chained[g_slot.load(std::memory_order_acquire)], nullptr);
  }
  const int wake = g_wake_write.exchange(-1);
  if (wake >= 0) ::close(wake);  // the watcher reads the end and leaves
  if (g_watcher.joinable()) g_watcher.join();
  if (g_wake_read >= 0) {
    ::close(g_wake_read);
    g_wake_read = -1;
  }
}

}  // namespace promethean::python
