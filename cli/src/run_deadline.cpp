#include "run_deadline.hpp"

#include "signals.hpp"

#include <promethean/host/deadline.hpp>

#include <unistd.h>

#include <atomic>

namespace promethean::cli {
namespace {
std::atomic<bool> g_timed_out{false};
std::atomic<bool> g_printed{false};
}  // namespace

run_deadline::run_deadline(std::chrono::milliseconds limit, std::string seconds_text, std::string file)
    : m_message("promethean: " + file + " timed out after " + seconds_text + " s\n") {
  const auto when = watchdog::clock::now() + limit;
  m_ticket = watchdog::instance().arm(when, &run_deadline::on_deadline, this);
  m_backstop = watchdog::instance().arm(when + k_grace, &run_deadline::on_backstop, this);
}

run_deadline::~run_deadline() {
  watchdog::instance().disarm(m_ticket);
  watchdog::instance().disarm(m_backstop);
}

void run_deadline::on_deadline(void*) {
  g_timed_out = true;
  request_interrupt();  // on the signal watcher's thread: this one must stay free for the backstop
}

void run_deadline::on_backstop(void* self) {
  static_cast<run_deadline*>(self)->print_once();
  ::_exit(k_status);  // the runtimes did not stop: end without waiting for them
}

void run_deadline::print_once() {
  if (g_printed.exchange(true)) return;
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, m_message.data(), m_message.size());
}

bool run_deadline::report_if_timed_out() {
  if (!g_timed_out.load()) return false;
  print_once();
  return true;
}

}  // namespace promethean::cli
