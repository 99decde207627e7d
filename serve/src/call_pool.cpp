// The server's call threads: grow on demand, so that nested calls through clients never starve.
#include "call_pool.hpp"

#include <utility>

namespace promethean::serve::detail {

call_pool::call_pool(std::size_t max_threads) : m_max(max_threads == 0 ? 1 : max_threads) {}

call_pool::~call_pool() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& t : m_threads) t.join();
}

void call_pool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(m_mutex);
    m_jobs.push_back(std::move(job));
    if (m_idle < m_jobs.size() && m_threads.size() < m_max) {
      m_threads.emplace_back([this] { work(); });
      return;
    }
  }
  m_wake.notify_one();
}

void call_pool::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    ++m_idle;
    m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
    --m_idle;
    if (m_jobs.empty()) return;  // stopping, nothing left
    auto job = std::move(m_jobs.front());
    m_jobs.pop_front();
    lock.unlock();
    job();  // a job reports its own errors (its reply); nothing escapes it
    job = nullptr;  // what the job held goes before the lock is taken again
    lock.lock();
  }
}

}  // namespace promethean::serve::detail
