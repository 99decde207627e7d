// The Host's asynchronous calls (async_calls.hpp).
#include "async_calls.hpp"

#include "thread_exit.hpp"

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/pending_handle.hpp>

#include <chrono>
#include <thread>
#include <utility>
#include <vector>

namespace promethean::detail {
namespace {
/// Settles `p` with `result`; a result that is itself a pending call (a blocking call that gave
/// back a coroutine) is awaited first, so that the consumer gets its value.
void complete_flattened(const std::shared_ptr<pending_call>& p, message result) {
  if (!pending_handle::is_handle(result.value())) {
    p->complete(std::move(result));
    return;
  }
  std::shared_ptr<pending_call> inner = pending_handle::take(result.value());
  p->on_cancel([inner] { inner->cancel(); });
  inner->then([p](pending_call::outcome o) {
    if (o.error) {
      p->fail(o.error);
    } else {
      p->complete(std::move(o.value));
    }
  });
}

std::exception_ptr shutdown_error(std::string_view runtime_name) {
  return std::make_exception_ptr(
      error(std::string(runtime_name), "Shutdown", "the host shut down while the call was pending"));
}

/// What the watchdog holds for one timed async call. Freed by whoever sees it last: the watchdog
/// callback when it fires, or the call's end when it disarms a timer that never fired.
struct timer {
  std::weak_ptr<pending_call> call;
  std::string runtime;
  std::string what;
  std::chrono::milliseconds limit;
  std::function<bool(std::function<void()>)> submit;
};
}  // namespace

async_calls::~async_calls() = default;

}  // namespace promethean::detail

namespace promethean {
namespace {
thread_local bool t_host_worker = false;
}  // namespace

bool on_host_worker_thread() noexcept { return t_host_worker; }

// The Runtime interface's defaults: no async calls of its own (the host's pool runs the blocking one).
std::shared_ptr<pending_call> runtime::call_async(std::string_view, const message&, const call_options&) {
  return nullptr;
}
std::shared_ptr<pending_call> runtime::eval_async(std::string_view, const call_options&) { return nullptr; }
}  // namespace promethean

namespace promethean::detail {

std::shared_ptr<pending_call> async_calls::call(runtime& rt, std::string_view function, const message& args,
                                                const call_options& options) {
  std::shared_ptr<pending_call> p;
  try {
    p = rt.call_async(function, args, options);
  } catch (...) {
    return pending_call::failed(std::current_exception());
  }
  if (!p) {
    // No async call of its own: the blocking call, on a worker thread.
    p = pending_call::make();
    auto work = [this, p, name = std::string(rt.name()), fn = std::string(function), args, options] {
      if (p->done()) return;  // cancelled or timed out while queued
      call_letting_thread_exit_through([&] { complete_flattened(p, m_host.call(name, fn, args, options)); },
                                       [&](std::exception_ptr e) { p->fail(std::move(e)); });
    };
    if (!submit(std::move(work))) return pending_call::failed(shutdown_error(rt.name()));
  }
  return watch(std::move(p), rt.name(), function, options);
}

std::shared_ptr<pending_call> async_calls::eval(runtime& rt, std::string_view code, const call_options& options) {
  std::shared_ptr<pending_call> p;
  try {
    p = rt.eval_async(code, options);
  } catch (...) {
    return pending_call::failed(std::current_exception());
  }
  if (!p) {
    p = pending_call::make();
    auto work = [this, p, name = std::string(rt.name()), source = std::string(code), options] {
      if (p->done()) return;
      call_letting_thread_exit_through([&] { complete_flattened(p, m_host.eval(name, source, options).data); },
                                       [&](std::exception_ptr e) { p->fail(std::move(e)); });
    };
    if (!submit(std::move(work))) return pending_call::failed(shutdown_error(rt.name()));
  }
  return watch(std::move(p), rt.name(), {}, options);
}

std::shared_ptr<pending_call> async_calls::watch(std::shared_ptr<pending_call> p, std::string_view runtime_name,
                                                 std::string_view function, const call_options& options) {
  if (p->done()) return p;  // settled at once: nothing to track (the commonest fast path)
  {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
      p->abandon(shutdown_error(runtime_name));
      return p;
    }
    m_pending.emplace(p.get(), p);
  }
  pending_call* key = p.get();
  p->on_end([this, key] {
    std::lock_guard lock(m_mutex);
    m_pending.erase(key);
  });
  if (options.timeout) {
    // What timed out, for its error: built only for a timed call (not on the untimed fast path).
    std::string what = function.empty() ? "eval of code" : "call of '" + std::string(function) + "'";
    auto* t = new timer{p, std::string(runtime_name), std::move(what), *options.timeout,
                        [pool = weak_from_this()](std::function<void()> work) {
                          auto alive = pool.lock();
                          return alive && alive->submit(std::move(work));
                        }};
    const auto ticket = watchdog::instance().arm(
        watchdog::clock::now() + *options.timeout,
        [](void* context) {
          // On the watchdog thread, which must not wait: the call is failed on a worker, since
          // its continuation may take a runtime's lock.
          std::unique_ptr<timer> fired(static_cast<timer*>(context));
          auto call = fired->call.lock();
          if (!call) return;
          auto error = std::make_exception_ptr(timeout_error(fired->runtime, fired->what, fired->limit));
          // No pool (the host is shutting down): shut_down() fails this call with "Shutdown", as
          // it was tracked before its timer was armed. Not abandoned here: its end hooks disarm
          // this very timer, and disarm() on the watchdog thread would wait for itself forever.
          fired->submit([call, error] { call->abandon(error); });
        },
        t);
    p->on_end([ticket, t] {
      if (!watchdog::instance().disarm(ticket)) delete t;  // never fired: ours to free
    });
  }
  return p;
}

bool async_calls::submit(std::function<void()> work) {
  {
    std::lock_guard lock(m_mutex);
    if (m_closed) return false;
    m_queue.push_back(std::move(work));
    // A new worker unless enough idle ones wait for what is queued: an idle worker counts as
    // idle until it wakes, so several calls submitted at once must not all count on one.
    if (m_queue.size() > m_idle && m_workers < k_max_workers) {
      ++m_workers;
      // Detached, holding the pool: join() waits for the count to reach zero, boundedly.
      std::thread([self = shared_from_this()] { self->worker(); }).detach();
    }
  }
  m_work_ready.notify_one();
  return true;
}

void async_calls::worker() {
  t_host_worker = true;
  // Counted out however the thread ends: CPython ends a thread that wakes in Python after
  // finalisation began (a timed-out call still asleep in time.sleep), unwinding it from there.
  struct counted_out {
    async_calls& pool;
    ~counted_out() {
      std::lock_guard lock(pool.m_mutex);
      --pool.m_workers;
      pool.m_worker_ended.notify_all();
    }
  } out{*this};
  std::unique_lock lock(m_mutex);
  while (true) {
    if (m_queue.empty()) {
      if (m_closed) break;
      ++m_idle;
      m_work_ready.wait(lock, [&] { return m_closed || !m_queue.empty(); });
      --m_idle;
      continue;
    }
    auto work = std::move(m_queue.front());
    m_queue.pop_front();
    lock.unlock();
    work();
    work = nullptr;  // what it held goes here, outside the lock
    lock.lock();
  }
  lock.unlock();  // counted out next
}

void async_calls::shut_down() {
  std::vector<std::shared_ptr<pending_call>> open;
  std::deque<std::function<void()>> queued;
  {
    std::lock_guard lock(m_mutex);
    if (m_closed) return;
    m_closed = true;
    queued.swap(m_queue);
    for (auto& [key, weak] : m_pending) {
      if (auto p = weak.lock()) open.push_back(std::move(p));
    }
  }
  m_work_ready.notify_all();
  queued.clear();  // their calls are among `open`, failed just below
  for (auto& p : open) p->abandon(shutdown_error("host"));
  pending_handle::abandon_all(shutdown_error("host"));
}

void async_calls::join() {
  std::unique_lock lock(m_mutex);
  // A worker still inside a runtime's call has been stopped by that runtime's shutdown; one that
  // still is not back after this (a call that ignores being stopped) is left to end on its own.
  m_worker_ended.wait_for(lock, std::chrono::seconds(5), [&] { return m_workers == 0; });
}

}  // namespace promethean::detail
