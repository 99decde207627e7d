/// Deadlines of calls with a timeout (call_options::timeout): the watchdog, one thread that runs a
/// callback when a deadline passes, and the deadline the calling thread's current call must meet.
///
/// A runtime honours a timeout by arming the watchdog around the call with a callback that stops
/// its own code (V8's TerminateExecution, a Python asynchronous exception), and by putting a
/// deadline_scope around it, so that the calls it makes into other runtimes on the same thread
/// inherit what is left of the time: a timeout covers the whole call, however deep it goes.
///
/// Cost: a call without a timeout reads one thread-local (thread_deadline()) and nothing else;
/// the watchdog thread starts on the first timed call. Arming takes a mutex, only for timed calls.
/// Thread-safety: everything here may be used from any thread. After fork() the child starts a
/// watchdog of its own on first use.
#pragma once

#include <promethean/config.hpp>
#include <promethean/error.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/runtime.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace promethean {

class PROMETHEAN_API watchdog {
 public:
  using clock = std::chrono::steady_clock;
  using callback = void (*)(void* context);

  /// The process's watchdog (never destroyed: its thread may outlive static destructors).
  static watchdog& instance();

  /// At `when`, runs `fire(context)` on the watchdog thread, unless disarmed first. `fire` must
  /// be quick and must not wait for the thread that armed it. Returns the ticket to disarm.
  std::uint64_t arm(clock::time_point when, callback fire, void* context);

  /// Cancels `ticket`. When its callback is running, waits for it to return; after this returns
  /// the callback never runs. True when the callback ran.
  bool disarm(std::uint64_t ticket);

  struct impl;

 private:
  watchdog();
  impl* m_impl;
};

/// The deadline of the call this thread is inside (the tightest of its enclosing timed calls).
PROMETHEAN_API std::optional<watchdog::clock::time_point> thread_deadline() noexcept;

/// The deadline a call with `options` must meet: its own timeout from now, or the deadline it
/// inherits from the call it is nested in, whichever comes first; nullopt for neither.
PROMETHEAN_API std::optional<watchdog::clock::time_point> deadline_for(const call_options& options) noexcept;

/// Options for a nested call that carry what is left of this thread's deadline (for runtimes
/// whose calls go on to other runtimes: meta, sh). Returns `options` unchanged without one.
PROMETHEAN_API call_options inherit_deadline(call_options options);

namespace detail {
/// How many deadline_scopes live, in all threads. While none does, no thread has a deadline, and a
/// call without a timeout of its own needs no look at this thread's (a thread-local read across
/// libraries costs more than the rest of the check).
PROMETHEAN_API extern std::atomic<std::uint64_t> g_deadline_scopes;
}  // namespace detail

/// While it lives, this thread's deadline is at most `when` (it only ever tightens).
class PROMETHEAN_API deadline_scope {
 public:
  explicit deadline_scope(watchdog::clock::time_point when) noexcept;
  ~deadline_scope();
  deadline_scope(const deadline_scope&) = delete;
  deadline_scope& operator=(const deadline_scope&) = delete;

 private:
  std::optional<watchdog::clock::time_point> m_saved;
};

/// Runs `body` under the deadline `options` give, if any: `Deadline` is the runtime's guard that
/// stops its own code at the deadline (constructed from the deadline and the limit to report;
/// `finish()` disarms it and says whether the deadline passed; `limit()`). A call that passes the
/// deadline fails with timeout_error(runtime, what(), limit), whatever error its stopped code
/// raised (kept as the trace). Without a deadline, just `body()`: no clock read, no allocation.
template <class Deadline, class W, class F>
message run_timed(const char* runtime, const call_options& options, W&& what, F&& body) {
  if (!options.timeout && detail::g_deadline_scopes.load(std::memory_order_relaxed) == 0) return body();
  const auto when = deadline_for(options);
  if (!when) return body();
  const auto limit = options.timeout ? *options.timeout
                                     : std::chrono::ceil<std::chrono::milliseconds>(*when - watchdog::clock::now());
  Deadline deadline(*when, limit);
  try {
    message result = body();
    deadline.finish();
    return result;
  } catch (const error& e) {
    if (deadline.finish()) throw timeout_error(runtime, what(), deadline.limit(), e.describe());
    throw;
  }
}

}  // namespace promethean
