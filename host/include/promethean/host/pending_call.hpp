/// A call's result that comes later: what host::call_async returns, what a runtime's async call
/// settles (a JS Promise, a Python coroutine, a Rust plugin's pending result), and what each
/// runtime turns into its own awaitable (an asyncio future, a JS Promise, meta's `await`).
///
/// Two sides share one object (held by shared_ptr):
///  - the producer settles it once, from any thread: complete(result) or fail(error). It may
///    register cancel hooks (on_cancel): how to stop its work when the consumer gives up (abort an
///    AbortSignal, cancel an asyncio task). Hooks run at most once, and never after it settled.
///  - the consumer takes the outcome once: then(continuation) runs the continuation now if it is
///    settled (on this thread), or later on the thread that settles it; wait() blocks for it;
///    try_take() takes it only if it is there. cancel() gives up: the hooks run, the continuation
///    is dropped, and everything the outcome would have held is let go. The consumer sees an
///    outcome only once the hooks of its settling ran (on_end; on_cancel for abandon): a consumer
///    that got a Timeout knows the producer was told to stop.
///
/// Threads and locks: complete() and fail() run the continuation on the settling thread, so a
/// producer calls them holding no lock of its runtime (not the GIL, not the isolate lock): the
/// continuation may take another runtime's lock (Python's takes the GIL to wake its loop). A
/// continuation must not block for long; it hands the outcome to its own loop.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/message.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

namespace promethean {

class PROMETHEAN_API pending_call {
 public:
  /// What a call ended with: its result, or the error it failed with (then `value` is null).
  struct outcome {
    message value;
    std::exception_ptr error;
    /// The result, or the error rethrown.
    message take() &&;
  };
  using continuation = std::function<void(outcome)>;
  using clock = std::chrono::steady_clock;

  /// A pending call to settle later.
  static std::shared_ptr<pending_call> make();
  /// A call that ended already (a plain value, a settled Promise): no thread hop at all.
  static std::shared_ptr<pending_call> ready(message result);
  static std::shared_ptr<pending_call> failed(std::exception_ptr error);

  pending_call(const pending_call&) = delete;
  pending_call& operator=(const pending_call&) = delete;
  ~pending_call();

  // The producer's side.
  /// Settles with the result; false (and nothing happens) if it was settled or cancelled before.
  bool complete(message result);
  /// Settles with an error; false if it was settled or cancelled before.
  bool fail(std::exception_ptr error);
  /// fail(), then the cancel hooks, so that the producer stops working for nothing: a timeout,
  /// the host shutting down.
  bool abandon(std::exception_ptr why);
  /// Runs `hook` when the consumer cancels (now, if it did already); dropped once settled.
  void on_cancel(std::function<void()> hook);
  /// Runs `hook` once settled or cancelled (now, if it is), on that thread, before the
  /// continuation: the host disarms a timeout here.
  void on_end(std::function<void()> hook);

  // The consumer's side (one consumer, one of then / wait / try_take).
  /// Runs `next` with the outcome once settled: at once when it is, else on the settling thread.
  void then(continuation next);
  /// Blocks until settled (or `until` passes: nullopt then). After cancel(): a "Cancelled" error.
  std::optional<outcome> wait(std::optional<clock::time_point> until = std::nullopt);
  /// The outcome if settled (and not taken), else nullopt. Never blocks.
  std::optional<outcome> try_take();
  /// Gives up: cancel hooks run (on this thread), the continuation never runs. No effect once
  /// settled.
  void cancel();

  /// Settled (or cancelled): the outcome is there or will never be.
  bool done() const noexcept;

  struct state;

 private:
  pending_call();
  std::unique_ptr<state> m_state;
};

}  // namespace promethean
