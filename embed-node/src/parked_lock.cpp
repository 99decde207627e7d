// The isolate lock parked on the thread that started Node (see parked_lock.hpp).
#include "parked_lock.hpp"

#include <unistd.h>

#include <memory>
#include <thread>

namespace promethean::js {
namespace {
struct parked {
  std::thread::id thread;
  std::unique_ptr<v8::Locker> locker;      // top-level: owns the thread's V8 execution state
  std::unique_ptr<v8::Unlocker> unlocker;  // gives the lock up again at once
};
parked* g_parked = nullptr;  // set and cleared by the engine's start and stop only
}  // namespace

void park_isolate_lock(v8::Isolate* isolate) {
  if (gettid() != getpid()) return;  // not the main thread: see the header
  auto p = std::make_unique<parked>();
  p->thread = std::this_thread::get_id();
  p->locker = std::make_unique<v8::Locker>(isolate);
  p->unlocker = std::make_unique<v8::Unlocker>(isolate);
  g_parked = p.release();
}

void unpark_isolate_lock() {
  parked* p = g_parked;
  g_parked = nullptr;
  if (p == nullptr || p->thread != std::this_thread::get_id()) return;  // see the header
  p->unlocker.reset();  // takes the lock back...
  p->locker.reset();    // ...and gives it up for good, freeing the thread's V8 state
  delete p;
}

}  // namespace promethean::js
