// The threads that run runtime calls for the server's connections, off the I/O thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace promethean::serve::detail {

/// Runs jobs on threads of its own. A job may block for as long as its runtime call takes (and a
/// call may wait for a client, which calls back into the host: a nested call needs a thread of
/// its own), so a new thread starts whenever none is idle, up to `max_threads`; past that, jobs
/// wait in order. Thread-safe. The destructor runs the jobs already queued, then joins.
class call_pool {
 public:
  explicit call_pool(std::size_t max_threads);
  ~call_pool();
  call_pool(const call_pool&) = delete;
  call_pool& operator=(const call_pool&) = delete;

  void submit(std::function<void()> job);

 private:
  void work();

  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::function<void()>> m_jobs;
  std::vector<std::thread> m_threads;
  std::size_t m_idle = 0;
  std::size_t m_max;
  bool m_stopping = false;
};

}  // namespace promethean::serve::detail
