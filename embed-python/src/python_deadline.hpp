// Private: timeouts of Python calls. At the deadline the calling thread gets an asynchronous
// exception, promethean.TimeoutError, raised at its next bytecode; the call fails with a
// timeout_error. After the call no asynchronous exception stays pending for the thread, so a
// deadline that passes just as the call returns cannot hit the next one.
//
// The rule users must know: an asynchronous exception is noticed between bytecodes only. A long
// call into C (a big numpy operation) runs to its end first; so does a blocking call (time.sleep,
// a blocking read, a lock wait), except on Python's main thread in embedded mode, which is woken
// (python_main_wake.hpp).
#pragma once

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/message.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <utility>

namespace promethean::python {

/// One timed Python call on this thread. Construct and finish it without holding the GIL: the
/// watchdog takes the GIL to raise the exception, and finish() waits for the watchdog.
class py_deadline {
 public:
  py_deadline(watchdog::clock::time_point when, std::chrono::milliseconds limit);
  ~py_deadline();
  py_deadline(const py_deadline&) = delete;
  py_deadline& operator=(const py_deadline&) = delete;

  /// Disarms; when the deadline passed, clears the exception if the thread has not raised it yet.
  /// True when it passed.
  bool finish();

  std::chrono::milliseconds limit() const noexcept { return m_limit; }

 private:
  static void fire(void* self);
  unsigned long m_thread;  // Python's ident of the calling thread
  std::chrono::milliseconds m_limit;
  deadline_scope m_scope;
  std::uint64_t m_ticket = 0;
  bool m_finished = false;
  bool m_fired = false;
};

/// Runs `body` (which takes the GIL itself) under the deadline `options` give, if any; a call that
/// passes it fails with timeout_error("py", what(), limit). Without a deadline, just `body()`.
template <class W, class F>
message with_deadline(const call_options& options, W&& what, F&& body) {
  return run_timed<py_deadline>("py", options, std::forward<W>(what), std::forward<F>(body));
}

}  // namespace promethean::python
