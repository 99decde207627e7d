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

#include "js_thread_state.hpp"

#include <v8.h>

#include <atomic>
#include <chrono>
#include <string>
#include <utility>

namespace promethean::js {

namespace detail {
/// Cancels so far (cancel_calls()); a scope is cancelled when this moved on since it began.
extern std::atomic<std::uint64_t> g_cancels;
}  // namespace detail

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

  /// True when a timed call this thread is inside has passed its deadline, or its calls were
  /// cancelled (cancel_scope): either way its JS must stop. Cheap: a thread-local read or two.
  static bool expired_here() noexcept;

  /// The deadlines alone, without cancellation.
  static bool deadline_passed_here() noexcept;

 private:
  static void fire(void* self);
  js_deadline* m_outer;
  std::atomic<bool> m_expired{false};
  std::chrono::milliseconds m_limit;
  deadline_scope m_scope;
  std::uint64_t m_ticket = 0;
  bool m_finished = false;
};

/// A thread's outermost JS call, as far as cancellation goes (runtime::cancel_calls, the hosted
/// modes' Ctrl-C): a cancel stops every call whose outermost scope began before it, as a passed
/// deadline would (expired_here() says so, so every place that looks for a deadline stops too),
/// and the scope's end takes the termination back, so that the next call runs. Nested scopes of
/// the same thread are part of the outermost one. Cost when nothing is cancelled: a thread-local
/// counter and one atomic read.
class cancel_scope {
 public:
  cancel_scope() noexcept : m_outermost(t_js_thread.cancel_depth++ == 0) {
    if (m_outermost) t_js_thread.cancels_at_start = detail::g_cancels.load(std::memory_order_acquire);
  }
  ~cancel_scope() {
    --t_js_thread.cancel_depth;
    if (m_outermost && detail::g_cancels.load(std::memory_order_acquire) != t_js_thread.cancels_at_start) {
      take_back_termination();
    }
  }
  cancel_scope(const cancel_scope&) = delete;
  cancel_scope& operator=(const cancel_scope&) = delete;

  /// True when a cancel came after this thread's outermost scope began.
  static bool cancelled_here() noexcept;

 private:
  /// A cancelled outermost scope's end: the termination it caused must not stop the next call.
  static void take_back_termination();
  bool m_outermost;
};

/// Stops every JS call in progress (cancel_scope), from any thread; JS stays usable.
void cancel_calls();

/// Runs `body` (which enters JS itself) under the deadline `options` give, if any; a call that
/// passes it fails with timeout_error("js", what(), limit); one cancelled meanwhile fails with
/// js_error("Interrupted"). Without a deadline or a cancel, just `body()`.
template <class W, class F>
message with_deadline(const call_options& options, W&& what, F&& body) {
  cancel_scope scope;
  try {
    return run_timed<js_deadline>("js", options, std::forward<W>(what), std::forward<F>(body));
  } catch (const error& e) {
    if (!cancel_scope::cancelled_here() || dynamic_cast<const timeout_error*>(&e) != nullptr) throw;
    throw js_error("Interrupted", std::string(what()) + " was stopped: the calls in progress were cancelled (Ctrl-C)",
                   e.describe());
  }
}

/// Where a thread comes back into JS after running elsewhere with the isolate unlocked: when its
/// call expired meanwhile, its JS is terminated now. Inline: every entry into JS asks, and only a
/// thread inside a timed call has anything to look at.
void terminate_if_expired_in_timed_call(v8::Isolate* isolate) noexcept;
inline void terminate_if_expired(v8::Isolate* isolate) noexcept {
  if (t_js_thread.innermost_deadline != nullptr) terminate_if_expired_in_timed_call(isolate);
}

}  // namespace promethean::js
