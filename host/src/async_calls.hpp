// Private: the Host's asynchronous calls (host::call_async, host::eval_async): the runtime's own
// async call where it has one, else the blocking call on a pool of worker threads; the timeout of
// the whole wait; and every call still pending when the host shuts down failed with "Shutdown".
#pragma once

#include <promethean/host/message.hpp>
#include <promethean/host/pending_call.hpp>
#include <promethean/host/runtime.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace promethean {

class host;

namespace detail {

class async_calls : public std::enable_shared_from_this<async_calls> {
 public:
  /// Held by shared_ptr: a worker that comes back after join() gave up on it still finds its pool.
  explicit async_calls(host& h) : m_host(h) {}
  ~async_calls();
  async_calls(const async_calls&) = delete;
  async_calls& operator=(const async_calls&) = delete;

  std::shared_ptr<pending_call> call(runtime& rt, std::string_view function, const message& args,
                                     const call_options& options);
  std::shared_ptr<pending_call> eval(runtime& rt, std::string_view code, const call_options& options);

  /// At the start of the host's shutdown: no new work; every pending call fails with "Shutdown"
  /// (its producer told to stop: its cancel hooks run).
  void shut_down();
  /// After the runtimes shut down: waits (bounded) for the worker threads to end.
  void join();

  /// Worker threads of the pool, at most (blocking calls beyond these wait their turn).
  static constexpr std::size_t k_max_workers = 16;

 private:
  /// Runs `work` on a worker thread; false once shut down.
  bool submit(std::function<void()> work);
  void worker();
  /// Tracks `p` until it ends, and arms its timeout; `function` names the call in a Timeout error
  /// (empty: an eval).
  std::shared_ptr<pending_call> watch(std::shared_ptr<pending_call> p, std::string_view runtime_name,
                                      std::string_view function, const call_options& options);

  host& m_host;
  std::mutex m_mutex;
  std::condition_variable m_work_ready;
  std::condition_variable m_worker_ended;
  std::deque<std::function<void()>> m_queue;
  std::size_t m_workers = 0;
  std::size_t m_idle = 0;
  bool m_closed = false;
  std::unordered_map<pending_call*, std::weak_ptr<pending_call>> m_pending;
};

}  // namespace detail
}  // namespace promethean
