// Private: the meta runtime's lock. One thread evaluates meta code at a time (the environment and
// the evaluator are shared), the same thread may come back in at any depth (meta → py → meta),
// and a form that waits for another runtime gives the lock up entirely while it waits: a thread
// the callee starts and joins may then evaluate meta code meanwhile, instead of deadlocking.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace promethean::meta {

class evaluation_lock {
 public:
  void lock() {
    std::unique_lock guard(m_mutex);
    const auto me = std::this_thread::get_id();
    if (m_depth > 0 && m_owner == me) {
      ++m_depth;
      return;
    }
    m_free.wait(guard, [&] { return m_depth == 0; });
    m_owner = me;
    m_depth = 1;
  }

  void unlock() {
    std::lock_guard guard(m_mutex);
    if (--m_depth == 0) release();
  }

  /// Gives up every level this thread holds; returns how many, for resume(). 0 (and nothing
  /// given up) when this thread does not hold the lock.
  int suspend() {
    std::lock_guard guard(m_mutex);
    if (m_depth == 0 || m_owner != std::this_thread::get_id()) return 0;
    const int depth = m_depth;
    m_depth = 0;
    release();
    return depth;
  }

  /// Takes the lock back with the levels suspend() gave up.
  void resume(int depth) {
    if (depth == 0) return;
    std::unique_lock guard(m_mutex);
    m_free.wait(guard, [&] { return m_depth == 0; });
    m_owner = std::this_thread::get_id();
    m_depth = depth;
  }

 private:
  void release() {
    m_owner = std::thread::id();
    m_free.notify_one();
  }

  std::mutex m_mutex;
  std::condition_variable m_free;
  std::thread::id m_owner;
  int m_depth = 0;
};

/// While it lives, the calling thread has given `lock` up (see evaluation_lock::suspend).
class lock_suspended {
 public:
  explicit lock_suspended(evaluation_lock* lock) : m_lock(lock), m_depth(lock != nullptr ? lock->suspend() : 0) {}
  ~lock_suspended() {
    if (m_lock != nullptr) m_lock->resume(m_depth);
  }
  lock_suspended(const lock_suspended&) = delete;
  lock_suspended& operator=(const lock_suspended&) = delete;

 private:
  evaluation_lock* m_lock;
  int m_depth;
};

}  // namespace promethean::meta
