// Private: timeouts of JS calls. At the deadline the thread's running JS is terminated (V8's
// TerminateExecution), and the call fails with a timeout_error; the termination is cancelled when
// the call unwinds, so that the isolate serves the next call.
//
// TerminateExecution stops whichever thread runs JS at that moment, and with several threads
// calling JS that may not be the one whose call timed out. So the watchdog does not terminate
// directly: it marks the call expired and asks V8 for an interrupt; the interrupt runs on the
// thread that holds the isolate, which terminates its own JS only when one of its own timed calls
// expired. A thread that is outside JS at the deadline (waiting for a Promise, or inside a call to
// another runtime, which inherits the deadline and stops itself) checks when it comes back.
#pragma once

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/message.hpp>

#include <v8.h>

#include <atomic>
#include <chrono>
#include <string>
#include <utility>

namespace promethean::js {

/// One timed JS call on this thread; they nest (a stack per thread).
class js_deadline {
 public:
  js_deadline(watchdog::clock::time_point when, std::chrono::milliseconds limit);
  ~js_deadline();
  js_deadline(const js_deadline&) = delete;
  js_deadline& operator=(const js_deadline&) = delete;

  /// Disarms; when the deadline passed, cancels the termination it caused (unless an enclosing
  /// timed call of this thread expired too: then JS must go on unwinding). True when it passed.
  bool finish();

  std::chrono::milliseconds limit() const noexcept { return m_limit; }

  /// True when a timed call this thread is inside has passed its deadline (cheap: one
  /// thread-local read when there is none).
  static bool expired_here() noexcept;

 private:
  static void fire(void* self);
  js_deadline* m_outer;
  std::atomic<bool> m_expired{false};
  std::chrono::milliseconds m_limit;
  deadline_scope m_scope;
  std::uint64_t m_ticket = 0;
  bool m_finished = false;
};

/// Runs `body` (which enters JS itself) under the deadline `options` give, if any; a call that
/// passes it fails with timeout_error("js", what(), limit). Without a deadline, just `body()`.
template <class W, class F>
message with_deadline(const call_options& options, W&& what, F&& body) {
  return run_timed<js_deadline>("js", options, std::forward<W>(what), std::forward<F>(body));
}

/// Where a thread comes back into JS after running elsewhere with the isolate unlocked: when its
/// call expired meanwhile, its JS is terminated now.
void terminate_if_expired(v8::Isolate* isolate) noexcept;

}  // namespace promethean::js
