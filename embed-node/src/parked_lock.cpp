// The thread that started Node, parked between its calls (see parked_lock.hpp).
#include "parked_lock.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <memory>

namespace promethean::js {
namespace {
struct parked {
  pthread_t thread{};
  v8::Isolate* isolate = nullptr;
  std::unique_ptr<v8::Locker> locker;      // top-level: owns the thread's V8 execution state
  std::unique_ptr<v8::Unlocker> unlocker;  // gives the lock up again at once
};
parked* g_parked = nullptr;  // set and cleared by the engine's start and stop only
}  // namespace

namespace detail {
pthread_t g_parked_thread{};
std::atomic<bool> g_is_parked{false};
}  // namespace detail
using detail::g_is_parked;
using detail::g_parked_thread;

void park_isolate_lock(v8::Isolate* isolate, const v8::Global<v8::Context>& context) {
  if (gettid() != getpid()) return;  // not the main thread: see the header
  auto p = std::make_unique<parked>();
  p->thread = pthread_self();
  p->isolate = isolate;
  p->locker = std::make_unique<v8::Locker>(isolate);
  isolate->Enter();
  {
    v8::HandleScope handles(isolate);
    context.Get(isolate)->Enter();  // V8 keeps the context itself, not this handle
  }
  p->unlocker = std::make_unique<v8::Unlocker>(isolate);
  g_parked_thread = p->thread;
  g_is_parked.store(true, std::memory_order_relaxed);
  g_parked = p.release();
}

void unpark_isolate_lock() {
  parked* p = g_parked;
  g_parked = nullptr;
  if (p == nullptr) return;
  g_is_parked.store(false, std::memory_order_relaxed);
  if (pthread_equal(pthread_self(), p->thread) == 0) {
    // The parked thread's isolate entry is the only one left on V8's per-isolate stack (every
    // other thread has left JS): popping it needs the lock, not that thread.
    v8::Locker locker(p->isolate);
    p->isolate->Exit();
    return;  // `p` stays: its Locker can only be destroyed on its own thread
  }
  p->unlocker.reset();  // takes the lock back (the thread's state, entries included, comes back)
  {
    v8::HandleScope handles(p->isolate);
    p->isolate->GetEnteredOrMicrotaskContext()->Exit();
  }
  p->isolate->Exit();
  p->locker.reset();  // gives the lock up for good, freeing the thread's V8 state
  delete p;
}

}  // namespace promethean::js
