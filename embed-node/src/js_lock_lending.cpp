// The isolate lock lent by a hosted Node's main thread to the threads that ask for it
// (js_lock_lending.hpp).
#include "js_lock_lending.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace promethean::js {

namespace detail {
std::atomic<bool> g_lending_active{false};
pthread_t g_lending_thread{};
}  // namespace detail

namespace {

struct lending_state {
  v8::Isolate* isolate = nullptr;
  uv_async_t* wakeup = nullptr;  ///< on Node's loop; freed by its close callback
  std::atomic<int> requests{0};  ///< threads between asking for the lock and having it
  std::atomic<bool> lending{false};  ///< the main thread is in lend(), the lock given up
  std::mutex mutex;
  std::condition_variable all_served;
};

lending_state& state() {
  static auto* s = new lending_state();  // never destroyed: a late thread may still read it at exit
  return *s;
}

/// How long the main thread keeps the lock lent after the last request was served, for the next
/// call of a thread that calls JS in a loop: it then finds the lock lent and asks without waking
/// the loop (lock_request). Short beside a timer's granularity (1 ms).
constexpr auto k_linger = std::chrono::microseconds(200);

/// On the main thread, between two callbacks of Node's loop, holding the lock.
void lend(uv_async_t*) {
  auto& s = state();
  if (s.requests.load() == 0) return;  // they locked while the main thread was out of JS
  v8::Unlocker unlocked(s.isolate);
  std::unique_lock lock(s.mutex);
  s.lending.store(true);
  do {
    s.all_served.wait(lock, [&] { return s.requests.load() == 0; });
  } while (s.all_served.wait_for(lock, k_linger, [&] { return s.requests.load() > 0; }));
  s.lending.store(false);  // still under the mutex: see lock_request
  // The lock comes back when the last of them gives it up (and JS it scheduled runs here, next).
}
}  // namespace

void start_lock_lending(v8::Isolate* isolate, uv_loop_t* loop) {
  auto& s = state();
  s.isolate = isolate;
  detail::g_lending_thread = pthread_self();
  s.wakeup = new uv_async_t{};
  uv_async_init(loop, s.wakeup, lend);
  uv_unref(reinterpret_cast<uv_handle_t*>(s.wakeup));
  detail::g_lending_active.store(true);
}

void stop_lock_lending() {
  auto& s = state();
  if (!detail::g_lending_active.exchange(false)) return;
  uv_close(reinterpret_cast<uv_handle_t*>(s.wakeup), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  s.wakeup = nullptr;
}

void lock_request::ask(v8::Isolate* isolate) noexcept {
  auto& s = state();
  if (on_lending_thread() || v8::Locker::IsLocked(isolate)) return;
  m_asked = true;
  s.requests.fetch_add(1);
  {
    // The main thread still in lend() (it clears `lending` under the mutex, right after its last
    // look at `requests`) sees this request: waking it is enough, the loop need not be.
    std::lock_guard lock(s.mutex);
    if (s.lending.load()) {
      s.all_served.notify_all();
      return;
    }
  }
  uv_async_send(s.wakeup);
}

void lock_request::served() noexcept {
  auto& s = state();
  if (s.requests.fetch_sub(1) != 1) return;
  { std::lock_guard lock(s.mutex); }  // orders this with lend()'s check: it saw >0 and waits, or sees 0
  s.all_served.notify_all();
}

}  // namespace promethean::js
