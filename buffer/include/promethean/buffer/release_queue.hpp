/// A lock-free multi-producer queue of release work, drained by the thread that holds the lock
/// the work needs.
///
/// Why: V8 may run an ArrayBuffer deleter on a GC worker thread, and the last reference to numpy
/// memory may die on a thread that does not hold the GIL. Such a release must neither take the GIL
/// nor the isolate lock there (that is how embedders deadlock), so it is pushed here and run later
/// by the runtime's own thread, which already holds what the release needs.
///
/// `push` is lock-free (one allocation and a CAS loop) and callable from any thread, GC workers
/// included. `drain` runs the queued tasks in push order on the calling thread; only one thread
/// should drain a given queue at a time (the runtime's owner). The destructor drains what is left.
#pragma once

#include <promethean/config.hpp>

#include <atomic>
#include <cstddef>
#include <functional>

namespace promethean {

class PROMETHEAN_API release_queue {
 public:
  using task = std::function<void()>;

  release_queue() noexcept = default;
  ~release_queue();
  release_queue(const release_queue&) = delete;
  release_queue& operator=(const release_queue&) = delete;

  /// Queues `t`, then calls the wake-up hook (if set) so the owner drains soon.
  void push(task t);

  /// Runs every task queued so far, oldest first; returns how many ran. A task that throws is
  /// reported to stderr and the rest still run: a release must never be lost.
  std::size_t drain();

  /// Nothing queued right now (a racing push may follow at once).
  bool empty() const noexcept { return m_head.load(std::memory_order_acquire) == nullptr; }

  /// Called after each push, from the pushing thread: e.g. `uv_async_send`. Set it before the
  /// queue is shared; it must be callable from any thread.
  void set_wakeup(std::function<void()> wakeup) { m_wakeup = std::move(wakeup); }

 private:
  struct node {
    task work;
    node* next;
  };
  std::atomic<node*> m_head{nullptr};
  std::function<void()> m_wakeup;
};

}  // namespace promethean
