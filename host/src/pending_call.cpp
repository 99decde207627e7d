// A call's result that comes later (pending_call.hpp): one mutex, a condition for wait(), and the
// hooks and continuation run outside the mutex, on the thread that settles or cancels.
#include <promethean/error.hpp>
#include <promethean/host/pending_call.hpp>

#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

namespace promethean {

struct pending_call::state {
  enum class phase { waiting, settled, taken, cancelled };
  mutable std::mutex mutex;
  std::condition_variable changed;
  phase now = phase::waiting;
  /// Settled or cancelled, and its hooks still running: wait() and try_take() do not see the
  /// outcome yet, so that a consumer that has it knows the producer was told to stop (abandon).
  bool finishing = false;
  outcome result;
  continuation next;
  std::vector<std::function<void()>> cancel_hooks;
  std::vector<std::function<void()>> end_hooks;
};

namespace {
void run_all(std::vector<std::function<void()>>& hooks) {
  for (auto& hook : hooks) hook();
}
std::exception_ptr cancelled_error() {
  return std::make_exception_ptr(error("host", "Cancelled", "the call was cancelled"));
}
}  // namespace

message pending_call::outcome::take() && {
  if (error) std::rethrow_exception(error);
  return std::move(value);
}

pending_call::pending_call() : m_state(std::make_unique<state>()) {}
pending_call::~pending_call() = default;

std::shared_ptr<pending_call> pending_call::make() { return std::shared_ptr<pending_call>(new pending_call()); }

std::shared_ptr<pending_call> pending_call::ready(message result) {
  auto p = make();
  p->m_state->now = state::phase::settled;
  p->m_state->result.value = std::move(result);
  return p;
}

std::shared_ptr<pending_call> pending_call::failed(std::exception_ptr error) {
  auto p = make();
  p->m_state->now = state::phase::settled;
  p->m_state->result.error = std::move(error);
  return p;
}

namespace {
/// The hooks have run: a waiter may take the outcome now.
/// A continuation given while they ran (then() during the hooks) runs now, here.
void finished(pending_call::state& s) {
  pending_call::continuation next;
  pending_call::outcome result;
  {
    std::lock_guard lock(s.mutex);
    s.finishing = false;
    if (s.next && s.now == pending_call::state::phase::settled) {
      next = std::move(s.next);
      result = std::move(s.result);
      s.now = pending_call::state::phase::taken;
    }
  }
  s.changed.notify_all();
  if (next) next(std::move(result));
}

/// Settles `s` with `result`; runs the end hooks and the continuation (if any) after unlocking.
/// Returns false if it was not waiting. `cancel_too`: run the cancel hooks as well (abandon).
bool settle(pending_call::state& s, pending_call::outcome result, bool cancel_too) {
  std::vector<std::function<void()>> cancel_hooks;
  std::vector<std::function<void()>> end_hooks;
  pending_call::continuation next;
  {
    std::lock_guard lock(s.mutex);
    if (s.now != pending_call::state::phase::waiting) return false;
    end_hooks = std::move(s.end_hooks);
    // Taken out either way: hooks not run are freed below, outside the lock, since what they
    // hold (a runtime's objects) may take that runtime's lock to be freed.
    cancel_hooks = std::move(s.cancel_hooks);
    s.cancel_hooks.clear();
    if (s.next) {
      // The one consumer is waiting in a continuation: it gets the outcome, this object keeps
      // nothing (the buffers the result holds live as long as the consumer wants them).
      next = std::move(s.next);
      s.now = pending_call::state::phase::taken;
    } else {
      s.result = std::move(result);
      s.now = pending_call::state::phase::settled;
    }
    s.finishing = true;
  }
  run_all(end_hooks);
  if (cancel_too) run_all(cancel_hooks);
  cancel_hooks.clear();
  finished(s);
  if (next) next(std::move(result));
  return true;
}
}  // namespace

bool pending_call::complete(message result) { return settle(*m_state, outcome{std::move(result), nullptr}, false); }

bool pending_call::fail(std::exception_ptr error) { return settle(*m_state, outcome{{}, std::move(error)}, false); }

bool pending_call::abandon(std::exception_ptr why) { return settle(*m_state, outcome{{}, std::move(why)}, true); }

void pending_call::on_cancel(std::function<void()> hook) {
  {
    std::lock_guard lock(m_state->mutex);
    if (m_state->now == state::phase::waiting) {
      m_state->cancel_hooks.push_back(std::move(hook));
      return;
    }
    if (m_state->now != state::phase::cancelled) return;  // settled: nothing to stop
  }
  hook();
}

void pending_call::on_end(std::function<void()> hook) {
  {
    std::lock_guard lock(m_state->mutex);
    if (m_state->now == state::phase::waiting) {
      m_state->end_hooks.push_back(std::move(hook));
      return;
    }
  }
  hook();
}

void pending_call::then(continuation next) {
  outcome now;
  {
    std::lock_guard lock(m_state->mutex);
    switch (m_state->now) {
      case state::phase::waiting:
        // A second continuation would silently replace the first, whose consumer then waits
        // forever: refused, as taking a taken outcome is.
        if (m_state->next) throw usage_error("a pending call has a continuation already (one consumer only)");
        m_state->next = std::move(next);
        return;
      case state::phase::settled:
        if (m_state->finishing) {  // its hooks still run: finished() hands it over
          if (m_state->next) throw usage_error("a pending call has a continuation already (one consumer only)");
          m_state->next = std::move(next);
          return;
        }
        now = std::move(m_state->result);
        m_state->now = state::phase::taken;
        break;
      case state::phase::taken:
        throw usage_error("a pending call's outcome was taken already (one consumer only)");
      case state::phase::cancelled:
        return;
    }
  }
  next(std::move(now));
}

std::optional<pending_call::outcome> pending_call::wait(std::optional<clock::time_point> until) {
  std::unique_lock lock(m_state->mutex);
  const auto ready = [&] { return m_state->now != state::phase::waiting && !m_state->finishing; };
  if (until) {
    if (!m_state->changed.wait_until(lock, *until, ready)) return std::nullopt;
  } else {
    m_state->changed.wait(lock, ready);
  }
  switch (m_state->now) {
    case state::phase::settled:
      m_state->now = state::phase::taken;
      return std::move(m_state->result);
    case state::phase::cancelled:
      return outcome{{}, cancelled_error()};
    default:
      throw usage_error("a pending call's outcome was taken already (one consumer only)");
  }
}

std::optional<pending_call::outcome> pending_call::try_take() {
  std::lock_guard lock(m_state->mutex);
  if (m_state->now != state::phase::settled || m_state->finishing) return std::nullopt;
  m_state->now = state::phase::taken;
  return std::move(m_state->result);
}

void pending_call::cancel() {
  std::vector<std::function<void()>> cancel_hooks;
  std::vector<std::function<void()>> end_hooks;
  continuation dropped;
  {
    std::lock_guard lock(m_state->mutex);
    if (m_state->now != state::phase::waiting) return;
    m_state->now = state::phase::cancelled;
    cancel_hooks = std::move(m_state->cancel_hooks);
    end_hooks = std::move(m_state->end_hooks);
    dropped = std::move(m_state->next);  // freed below, outside the lock (it may hold a runtime's objects)
    m_state->finishing = true;
  }
  run_all(end_hooks);
  run_all(cancel_hooks);
  finished(*m_state);
}

bool pending_call::done() const noexcept {
  std::lock_guard lock(m_state->mutex);
  return m_state->now != state::phase::waiting;
}

}  // namespace promethean
