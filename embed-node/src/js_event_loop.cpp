// The Node event loop (js_event_loop.hpp): run to completion, pumped, or run until a Promise
// settles, the isolate lock given up while it waits so that other threads call into JS meanwhile.
#include "js_event_loop.hpp"

#include "js_deadline.hpp"
#include "js_engine.hpp"
#include "js_errors.hpp"
#include "js_heap_limit.hpp"
#include "js_loop_thread.hpp"

#include <promethean/error.hpp>

#include <poll.h>

#include <csignal>
#include <string>

namespace promethean::js {

void wait_for_loop(uv_loop_t* loop, int timeout_ms) {
  pollfd fd{uv_backend_fd(loop), POLLIN, 0};
  ::poll(&fd, 1, timeout_ms);
}

namespace {
/// Fd watchers started since the loop last polled (a server that began to listen, a socket that
/// began to read): libuv adds them to its backend fd only when a turn polls, so a thread waiting
/// on that fd would not see their events until something else woke it.
bool has_unregistered_watchers(const uv_loop_t* loop) {
  // watcher_queue is a queue head of uv.h's loop struct: empty when its first pointer (`next`)
  // points back at itself, in every libuv 1.x.
  const auto* head = reinterpret_cast<void* const*>(&loop->watcher_queue);
  return head[0] != static_cast<const void*>(&loop->watcher_queue);
}
}  // namespace

int wait_timeout(uv_loop_t* loop) {
  if (has_unregistered_watchers(loop)) return 0;  // a turn must register them first
  return uv_loop_alive(loop) != 0 ? uv_backend_timeout(loop) : -1;
}

uv_loop_t* event_loop() { return engine::get().loop; }

int engine::begin_wait() {
  const int timeout = wait_timeout(event_loop());
  poll_timeout.store(timeout, std::memory_order_relaxed);
  pollers.fetch_add(1);
  return timeout;
}

void engine::end_wait() { pollers.fetch_sub(1); }

void pump_event_loop() {
  auto& g = engine::get();
  if (g.exit_code) return;
  uv_run(event_loop(), UV_RUN_NOWAIT);
}

int run_event_loop() {
  auto& g = engine::get();
  uv_loop_t* loop = event_loop();
  loop_driver driving;  // the script's loop, as Node's: the loop thread stands aside
  while (true) {
    int timeout = 0;
    {
      entered e;
      if (g.exit_code) return *g.exit_code;
      if (!g.interrupted) {
        loop_turn turn;
        uv_run(loop, UV_RUN_NOWAIT);
      }
      report_heap_limit_in_callback(g.isolate);
      if (g.interrupted) {
        g.exit_code = 128 + SIGINT;  // as Node killed by Ctrl-C: JS is over
        return *g.exit_code;
      }
      if (g.exit_code) return *g.exit_code;
      if (!uv_loop_alive(loop)) {
        // Work still on V8's worker threads may post more; then 'beforeExit' may add some.
        g.platform->DrainTasks(g.isolate);
        if (!uv_loop_alive(loop)) {
          if (node::EmitProcessBeforeExit(g.env).IsNothing() || g.exit_code) break;
          if (!uv_loop_alive(loop)) break;
        }
      }
      timeout = g.begin_wait();
    }
    wait_for_loop(loop, timeout);
    g.end_wait();
  }
  if (g.exit_code) return *g.exit_code;
  entered e;
  v8::TryCatch caught(g.isolate);
  const int code = node::EmitProcessExit(g.env).FromMaybe(1);
  // The program is over, and later calls into JS say so; set under the lock, where the loop
  // thread, about to take over the loop, reads it.
  if (!g.exit_code) g.exit_code = code;
  return *g.exit_code;
}

void await_promise(v8::Local<v8::Promise> promise) {
  auto& g = engine::get();
  uv_loop_t* loop = event_loop();
  auto settled = [&] {
    g.isolate->PerformMicrotaskCheckpoint();
    return promise->State() != v8::Promise::kPending;
  };
  if (settled()) return;
  // This thread runs the loop itself while it waits (the loop thread may be the one blocked, in a
  // callback that called the runtime this thread came from), and the loop thread stands aside.
  loop_driver driving;
  while (!settled()) {
    if (js_deadline::expired_here()) {
      throw js_error("Terminated", "the call's deadline passed while a Promise was awaited");
    }
    if (!g.alive.load()) {
      // The host is shutting down (engine::stop waits for this thread to leave).
      throw js_error("Shutdown", "the js runtime shut down while a Promise was awaited");
    }
    if (g.exit_code) {
      throw js_error("Exit", "process.exit(" + std::to_string(*g.exit_code) + ") was called while a Promise was awaited");
    }
    {
      loop_turn turn;
      uv_run(loop, UV_RUN_NOWAIT);
    }
    if (report_heap_limit_in_callback(g.isolate)) {
      throw js_error("OutOfMemory", "a callback ran out of memory while a Promise was awaited; JS is ended");
    }
    if (settled()) break;
    if (!uv_loop_alive(loop)) {
      g.platform->DrainTasks(g.isolate);
      if (settled()) break;
      if (!uv_loop_alive(loop)) {
        throw js_error("PendingPromise",
                       "the Promise never settles: nothing left in the event loop (no timer, I/O or other "
                       "work) could settle it");
      }
    }
    const int timeout = g.begin_wait();
    {
      lock_given_up unlocked(g.isolate);  // other threads call into JS while this one waits
      wait_for_loop(loop, timeout);
    }
    g.end_wait();
  }
}

void handle_rejection_here(v8::Local<v8::Value> value) {
  if (!value->IsPromise()) return;
  v8::Isolate* isolate = engine::get().isolate;
  auto ctx = isolate->GetCurrentContext();
  auto ignore = v8::Function::New(ctx, [](const v8::FunctionCallbackInfo<v8::Value>&) {}).ToLocalChecked();
  v8::Local<v8::Promise> handled;
  if (!value.As<v8::Promise>()->Catch(ctx, ignore).ToLocal(&handled)) {
    throw js_error("Error", "cannot attach a handler to a Promise");
  }
}

v8::Local<v8::Value> await_value(v8::Local<v8::Promise> promise) {
  v8::Isolate* isolate = engine::get().isolate;
  handle_rejection_here(promise);
  await_promise(promise);
  if (promise->State() == v8::Promise::kRejected) throw_exception_value(isolate, promise->Result());
  return promise->Result();
}

}  // namespace promethean::js
