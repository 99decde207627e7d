// Private: in the Node-hosted mode (`require('promethean')` in a plain node), how other threads get
// the isolate lock from Node's main thread, which holds it for good.
//
// Why: a plain `node` runs its whole life inside one top-level v8::Locker on its main thread
// (NodeMainInstance::Run), sleeping in the event loop with the lock held. A Python or Rust thread
// that calls into JS would wait for that lock forever. So a thread that wants it says so (a count,
// and an async wake-up on Node's loop) before it blocks on its Locker; the wake-up's callback runs
// on the main thread between two callbacks of the loop, gives the lock up (a v8::Unlocker) until
// every thread that asked has had it, and takes it back. While the main thread is itself out of JS
// (a call into Python, say) it holds no lock and the others lock as usual; the callback, run later,
// then finds no one waiting. Node's thread never asks: it holds the lock already, or takes it back
// at the end of its own v8::Unlocker.
//
// In the embedded mode (the engine made the environment) nothing here is in play: the parked main
// thread gives its lock up between calls (parked_lock.hpp), and lock_request does nothing.
#pragma once

#include <uv.h>
#include <v8.h>

#include <pthread.h>

#include <atomic>
#include <optional>

namespace promethean::js {

namespace detail {
/// Whether the engine adopted a running Node whose main thread lends its lock, and that thread:
/// read inline on every entry into JS (js_lock_lending.cpp writes them at adoption and stop).
extern std::atomic<bool> g_lending_active;
extern pthread_t g_lending_thread;
}  // namespace detail

/// On Node's main thread, holding the lock, when the engine adopts the running Node: the async
/// wake-up on `loop` (unreferenced: it never keeps the process alive).
void start_lock_lending(v8::Isolate* isolate, uv_loop_t* loop);

/// On Node's main thread, holding the lock, when the engine stops: closes the wake-up.
void stop_lock_lending();

/// Whether this thread is the adopted Node's main thread (false in the embedded mode).
inline bool on_lending_thread() noexcept {
  return detail::g_lending_active.load(std::memory_order_acquire) &&
         pthread_equal(pthread_self(), detail::g_lending_thread) != 0;
}

/// Around taking the isolate lock on a thread that is not Node's main thread and does not hold it,
/// in the hosted mode: asks the main thread for the lock from construction until destruction (make
/// it before the v8::Locker and end it once the lock is held). Else nothing.
class lock_request {
 public:
  explicit lock_request(v8::Isolate* isolate) noexcept {
    if (detail::g_lending_active.load(std::memory_order_acquire)) ask(isolate);  // inline: every entry
  }
  ~lock_request() {
    if (m_asked) served();
  }
  lock_request(const lock_request&) = delete;
  lock_request& operator=(const lock_request&) = delete;

 private:
  void ask(v8::Isolate* isolate) noexcept;
  void served() noexcept;
  bool m_asked = false;
};

/// The isolate lock given up for a scope, as v8::Unlocker, and taken back at its end with a
/// lock_request (the main thread of a hosted Node must be asked for it). Declare it where a
/// v8::Unlocker would go.
class lock_given_up {
 public:
  explicit lock_given_up(v8::Isolate* isolate) : m_isolate(isolate), m_unlocker(isolate) {}
  ~lock_given_up() { m_request.emplace(m_isolate); }  // before m_unlocker takes the lock back
  lock_given_up(const lock_given_up&) = delete;
  lock_given_up& operator=(const lock_given_up&) = delete;

 private:
  v8::Isolate* m_isolate;
  std::optional<lock_request> m_request;  // destroyed last: after the lock is back
  v8::Unlocker m_unlocker;
};

}  // namespace promethean::js
