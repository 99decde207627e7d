// The Node-hosted mode's engine: the running node (`require('promethean')` in a plain node) taken
// as the js runtime's, and let go at its end without stopping it (js_engine.hpp: engine::adopt).
//
// Node stays in charge of its process: its isolate, context, environment and event loop are the
// ones it made; its main thread keeps its isolate lock and lends it to other threads that ask
// (js_lock_lending.hpp); there is no loop thread (Node's main thread runs the loop), no signal
// handler and no heap limit of ours. The bootstrap (bootstrap.js) runs as a function of `process`
// and the requiring module's `require`, instead of as the environment's own start-up script.
#include "js_async_call.hpp"
#include "js_engine.hpp"

#include "js_errors.hpp"
#include "js_host_call.hpp"
#include "js_lock_lending.hpp"
#include "js_module.hpp"

#include <js_bootstrap_source.hpp>

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

namespace promethean::js {
namespace {
/// Releases queued for the isolate lock (a TypedArray collected, the memory it held going back):
/// in the embedded mode the next entry into JS runs them, but here JS calls the host without
/// entering (the main thread is already in), so Node's loop runs them, woken by the queue.
std::atomic<uv_async_t*> g_release_wakeup{nullptr};

void start_running_releases(uv_loop_t* loop, release_queue& releases) {
  auto* wakeup = new uv_async_t{};
  uv_async_init(loop, wakeup, [](uv_async_t*) { engine::get().releases.drain(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(wakeup));
  g_release_wakeup.store(wakeup);
  // Pushes come from any thread (V8's GC threads too), also after the stop: the queue's hook
  // stays, and finds no handle then (the next entry, or the end, drains).
  releases.set_wakeup([] {
    if (uv_async_t* w = g_release_wakeup.load()) uv_async_send(w);
  });
}

void stop_running_releases() {
  uv_async_t* wakeup = g_release_wakeup.exchange(nullptr);
  if (wakeup == nullptr) return;
  // Freed at the loop's next turn, by when a push that read it just before has sent.
  uv_close(reinterpret_cast<uv_handle_t*>(wakeup), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
}
}  // namespace

void engine::adopt(host& h) {
  if (ever_started) {
    throw usage_error("the js runtime already ran in this process: use the one Host that require('promethean') made",
                      "js");
  }
  v8::Isolate* running = v8::Isolate::GetCurrent();
  if (running == nullptr || adopting_require.IsEmpty() || gettid() != getpid()) {
    throw usage_error("the Node-hosted js runtime starts only on node's main thread, from require('promethean')", "js");
  }
  v8::HandleScope handles(running);
  v8::Local<v8::Context> ctx = running->GetCurrentContext();
  node::Environment* running_env = ctx.IsEmpty() ? nullptr : node::GetCurrentEnvironment(ctx);
  if (running_env == nullptr) throw usage_error("require('promethean'): no Node environment is running here", "js");
  ever_started = true;
  adopted = true;
  owner = &h;
  isolate = running;
  env = running_env;
  platform = node::GetMultiIsolatePlatform(env);
  loop = node::GetCurrentEventLoop(isolate);
  context.Reset(isolate, ctx);

  v8::TryCatch caught(isolate);
  v8::ScriptOrigin origin(isolate, v8_string(isolate, "[promethean bootstrap]"));
  v8::ScriptCompiler::Source source(v8_string(isolate, k_bootstrap_source), origin);
  v8::Local<v8::String> params[] = {v8_string(isolate, "process"), v8_string(isolate, "require")};
  v8::Local<v8::Function> bootstrap;
  v8::Local<v8::Value> process;
  v8::Local<v8::Value> value;
  if (!v8::ScriptCompiler::CompileFunction(ctx, &source, 2, params, 0, nullptr).ToLocal(&bootstrap) ||
      !ctx->Global()->Get(ctx, v8_string(isolate, "process")).ToLocal(&process)) {
    throw_from_js(isolate, caught, "starting promethean in this node");
  }
  v8::Local<v8::Value> argv[] = {process, adopting_require.Get(isolate)};
  if (!bootstrap->Call(ctx, v8::Undefined(isolate), 2, argv).ToLocal(&value) || !value->IsObject()) {
    if (caught.HasCaught()) throw_from_js(isolate, caught, "starting promethean in this node");
    throw js_error("InitError", "the bootstrap script did not return the bridge object");
  }
  start_lock_lending(isolate, loop);
  start_running_releases(loop, releases);
  open_to_callers(h, ctx, value.As<v8::Object>(), true);
}

void engine::stop_adopted() {
  // Threads still inside JS (a Python thread's call) finish it: the lock is given up meanwhile,
  // since they cannot take it from a main thread that waits here. Bounded: one that is away in
  // another runtime for longer keeps our state (it would find it gone when it comes back).
  {
    std::optional<lock_given_up> unlocked;
    if (v8::Locker::IsLocked(isolate)) unlocked.emplace(isolate);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (users.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (users.load() > 0) {
    std::cerr << "promethean: js: " << users.load()
              << " thread(s) still inside JS after 5 s at shutdown; their state is left in place\n";
    return;
  }
  entered e{entered::for_shutdown_t{}};
  stop_running_releases();
  forget_js_state();
  stop_lock_lending();
}

}  // namespace promethean::js
