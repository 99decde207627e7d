// Timeouts of JS calls: the watchdog marks, an interrupt on the right thread terminates.
#include "js_deadline.hpp"

#include "js_engine.hpp"
#include "js_heap_limit.hpp"

namespace promethean::js {

std::atomic<std::uint64_t> detail::g_cancels{0};

namespace {
/// Runs on whichever thread holds the isolate, at V8's next interrupt check.
void on_interrupt(v8::Isolate* isolate, void*) {
  if (js_deadline::expired_here()) isolate->TerminateExecution();
}
}  // namespace

js_deadline::js_deadline(watchdog::clock::time_point when, std::chrono::milliseconds limit)
    : m_outer(t_js_thread.innermost_deadline), m_limit(limit), m_scope(when) {
  t_js_thread.innermost_deadline = this;
  m_ticket = watchdog::instance().arm(when, &js_deadline::fire, this);
}

js_deadline::~js_deadline() { finish(); }

void js_deadline::fire(void* self) {
  static_cast<js_deadline*>(self)->m_expired.store(true);
  auto& g = engine::get();
  if (!g.alive.load()) return;
  g.isolate->RequestInterrupt(on_interrupt, nullptr);
  uv_async_send(&g.wakeup);  // a thread waiting for the loop (a Promise) looks again
}

bool js_deadline::finish() {
  if (m_finished) return m_expired.load();
  m_finished = true;
  const bool fired = watchdog::instance().disarm(m_ticket);  // after this, fire() never runs
  t_js_thread.innermost_deadline = m_outer;
  if (!fired) return false;
  auto& g = engine::get();
  if (!expired_here() && g.alive.load() && !g.interrupted.load()) {  // Ctrl-C's stays
    // A termination this call caused may still be pending (the call ended just as the deadline
    // passed): it must not kill the next call. Requires the lock; `entered` nests.
    try {
      entered e;
      g.isolate->CancelTerminateExecution();
    } catch (const error&) {
      // the runtime shut down meanwhile: nothing left to cancel
    }
  }
  return true;
}

bool js_deadline::expired_here() noexcept { return cancel_scope::cancelled_here() || deadline_passed_here(); }

bool js_deadline::deadline_passed_here() noexcept {
  for (const js_deadline* d = t_js_thread.innermost_deadline; d != nullptr; d = d->m_outer) {
    if (d->m_expired.load(std::memory_order_relaxed)) return true;
  }
  return false;
}

void terminate_if_expired_in_timed_call(v8::Isolate* isolate) noexcept {
  if (js_deadline::expired_here()) isolate->TerminateExecution();
}

void cancel_scope::take_back_termination() {
  // As js_deadline::finish does for a deadline.
  auto& g = engine::get();
  if (js_deadline::deadline_passed_here() || !g.alive.load() || g.interrupted.load()) return;  // theirs stays
  try {
    entered e;
    g.isolate->CancelTerminateExecution();
  } catch (const error&) {
    // the runtime shut down meanwhile: nothing left to cancel
  }
}

bool cancel_scope::cancelled_here() noexcept {
  // Never inside a turn of the event loop: JS terminated in a Node callback (a timer another call
  // set, run by this thread while it awaits a Promise) leaves Node's timer lists broken, and no
  // timer fires again (the chaos soak found it). The awaiting loop looks again between turns.
  const js_thread_state& t = t_js_thread;
  return t.cancel_depth > 0 && detail::g_cancels.load(std::memory_order_relaxed) != t.cancels_at_start &&
         !inside_loop_turn();
}

void cancel_calls() {
  auto& g = engine::get();
  detail::g_cancels.fetch_add(1, std::memory_order_acq_rel);
  if (!g.alive.load()) return;
  g.isolate->RequestInterrupt(on_interrupt, nullptr);  // the thread in JS terminates its own
  uv_async_send(&g.wakeup);                           // a thread waiting for the loop looks again
}

}  // namespace promethean::js
