// Timeouts of JS calls: the watchdog marks, an interrupt on the right thread terminates.
#include "js_deadline.hpp"

#include "js_engine.hpp"

namespace promethean::js {
namespace {
thread_local js_deadline* t_innermost = nullptr;

/// Runs on whichever thread holds the isolate, at V8's next interrupt check.
void on_interrupt(v8::Isolate* isolate, void*) {
  if (js_deadline::expired_here()) isolate->TerminateExecution();
}
}  // namespace

js_deadline::js_deadline(watchdog::clock::time_point when, std::chrono::milliseconds limit)
    : m_outer(t_innermost), m_limit(limit), m_scope(when) {
  t_innermost = this;
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
  t_innermost = m_outer;
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

bool js_deadline::expired_here() noexcept {
  for (const js_deadline* d = t_innermost; d != nullptr; d = d->m_outer) {
    if (d->m_expired.load(std::memory_order_relaxed)) return true;
  }
  return false;
}

void terminate_if_expired(v8::Isolate* isolate) noexcept {
  if (t_innermost != nullptr && js_deadline::expired_here()) isolate->TerminateExecution();
}

}  // namespace promethean::js
