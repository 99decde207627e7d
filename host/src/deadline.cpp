// The watchdog thread and the per-thread call deadline (deadline.hpp).
#include <promethean/host/deadline.hpp>

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace promethean {

struct watchdog::impl {
  struct entry {
    clock::time_point when;
    std::uint64_t ticket;
    callback fire;
    void* context;
  };
  std::mutex mutex;
  std::condition_variable changed;  // a new entry, for the thread
  std::condition_variable fired;    // a callback returned, for disarm()
  std::vector<entry> pending;       // few at a time: one per timed call in flight
  std::uint64_t next_ticket = 1;
  std::uint64_t firing = 0;         // the ticket whose callback runs now
  bool started = false;

  void run() {
    std::unique_lock lock(mutex);
    while (true) {
      if (pending.empty()) {
        changed.wait(lock);
        continue;
      }
      auto next = std::min_element(pending.begin(), pending.end(),
                                   [](const entry& a, const entry& b) { return a.when < b.when; });
      if (clock::now() < next->when) {
        // A copy: wait_until takes the time by reference and reads it again after waking, when
        // an arm() made meanwhile may have moved `pending` (a use after free TSan found).
        const clock::time_point when = next->when;
        changed.wait_until(lock, when);  // woken early by an earlier entry, or on time
        continue;
      }
      const entry due = *next;
      pending.erase(next);
      firing = due.ticket;
      lock.unlock();
      due.fire(due.context);
      lock.lock();
      firing = 0;
      fired.notify_all();
    }
  }
};

namespace {
watchdog*& the_watchdog() {
  static watchdog* w = nullptr;
  return w;
}

std::once_flag g_once;

thread_local std::optional<watchdog::clock::time_point> t_deadline;
}  // namespace

watchdog::watchdog() : m_impl(new impl()) {}

watchdog& watchdog::instance() {
  std::call_once(g_once, [] {
    the_watchdog() = new watchdog();
    // The child of fork() has no watchdog thread, and the parent's mutex may have been held
    // at the fork: it gets a fresh watchdog (the old one is left, not touched).
    ::pthread_atfork(nullptr, nullptr, [] { the_watchdog() = new watchdog(); });
  });
  return *the_watchdog();
}

std::uint64_t watchdog::arm(clock::time_point when, callback fire, void* context) {
  std::lock_guard lock(m_impl->mutex);
  if (!m_impl->started) {
    std::thread([i = m_impl] { i->run(); }).detach();
    m_impl->started = true;
  }
  const std::uint64_t ticket = m_impl->next_ticket++;
  m_impl->pending.push_back({when, ticket, fire, context});
  m_impl->changed.notify_one();
  return ticket;
}

bool watchdog::disarm(std::uint64_t ticket) {
  std::unique_lock lock(m_impl->mutex);
  auto it = std::find_if(m_impl->pending.begin(), m_impl->pending.end(),
                         [&](const impl::entry& e) { return e.ticket == ticket; });
  if (it != m_impl->pending.end()) {
    m_impl->pending.erase(it);
    return false;
  }
  m_impl->fired.wait(lock, [&] { return m_impl->firing != ticket; });
  return true;
}

std::optional<watchdog::clock::time_point> thread_deadline() noexcept { return t_deadline; }

std::optional<watchdog::clock::time_point> deadline_for(const call_options& options) noexcept {
  if (!options.timeout) return t_deadline;
  const auto own = watchdog::clock::now() + *options.timeout;
  return t_deadline && *t_deadline < own ? *t_deadline : own;
}

call_options inherit_deadline(call_options options) {
  if (t_deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*t_deadline - watchdog::clock::now());
    const auto inherited = std::max(left, std::chrono::milliseconds(1));
    if (!options.timeout || inherited < *options.timeout) options.timeout = inherited;
  }
  return options;
}

namespace detail {
std::atomic<std::uint64_t> g_deadline_scopes{0};
}  // namespace detail

deadline_scope::deadline_scope(watchdog::clock::time_point when) noexcept : m_saved(t_deadline) {
  // Counted before the deadline is set: a thread that reads zero has no scope of its own alive
  // (its own increments are ordered before its reads), and another thread's deadline is not its.
  detail::g_deadline_scopes.fetch_add(1, std::memory_order_relaxed);
  if (!t_deadline || when < *t_deadline) t_deadline = when;
}

deadline_scope::~deadline_scope() {
  t_deadline = m_saved;
  detail::g_deadline_scopes.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace promethean
