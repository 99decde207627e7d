// The Node environment: started once per process, entered under the isolate lock, stopped in the
// documented order. Its event loop, driven by whoever waits on JS: js_event_loop.cpp.
#include "js_engine.hpp"

#include "js_async_call.hpp"

#include "js_conversion.hpp"
#include "js_deadline.hpp"
#include "js_errors.hpp"
#include "js_event_loop.hpp"
#include "js_module.hpp"
#include "js_heap_limit.hpp"
#include "js_host_call.hpp"
#include "js_inspector.hpp"
#include "js_loop_thread.hpp"
#include "parked_lock.hpp"

#include <js_bootstrap_source.hpp>

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <pthread.h>

#include <csignal>

#include <iostream>
#include <thread>

namespace promethean::js {

namespace {
/// Node's per-process initialisation: once, whatever happens to environments later. `node_flags`
/// (node's command line after "node": the inspector's) count at the first call only.
node::InitializationResult& process_init(const std::vector<std::string>& node_flags) {
  static std::unique_ptr<node::InitializationResult> result = [&] {
    namespace flags = node::ProcessInitializationFlags;
    std::vector<std::string> args{"node"};
    args.insert(args.end(), node_flags.begin(), node_flags.end());
    // The host owns signals (no Node handlers), stdio and the V8 platform; Node prints nothing
    // on its own for --help or --version.
    auto r = node::InitializeOncePerProcess(
        args, static_cast<flags::Flags>(flags::kNoInitializeV8 | flags::kNoInitializeNodeV8Platform |
                                        flags::kNoDefaultSignalHandling | flags::kNoStdioInitialization |
                                        flags::kNoPrintHelpOrVersionOutput));
    return r;
  }();
  return *result;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : "; ") + l;
  return s;
}
}  // namespace

void engine::start(host& h) {
  start_environment(h);
  park_isolate_lock(isolate, context);  // this thread's later calls into JS skip most of V8's locking
  start_loop_thread();                  // timers and I/O go on while no thread is in JS
}

void engine::start_environment(host& h) {
  if (ever_started) {
    throw usage_error("the js runtime already ran in this process, and Node cannot start twice: use one Host per process",
                      "js");
  }
  // Node's inspector starts with the environment when its options ask for it (js_inspector.hpp);
  // options it refuses leave JS startable, hence before ever_started.
  const auto node_flags = inspector_flags(h.js_inspector());
  ever_started = true;
  owner = &h;
  auto& init = process_init(node_flags);
  if (init.early_return() || !init.errors().empty()) {
    throw js_error("InitError", "cannot initialise Node: " + joined(init.errors()));
  }
  set_heap_limit(h.js_heap_limit_mb());  // V8's flags, before the isolate exists
  own_platform = node::MultiIsolatePlatform::Create(2);
  platform = own_platform.get();
  v8::V8::InitializePlatform(platform);
  v8::V8::Initialize();
  std::vector<std::string> errors;
  // Node's inspector listens on SIGUSR1 (as `node` does) only where the host owns the signals;
  // loaded into a program that keeps its own (the Python-hosted mode), it takes none.
  namespace env_flags = node::EnvironmentFlags;
  const auto flags = h.owns_process_signals() ? env_flags::kDefaultFlags : env_flags::kOwnsProcessState;
  setup = node::CommonEnvironmentSetup::Create(platform, &errors, init.args(), init.exec_args(),
                                               static_cast<env_flags::Flags>(flags));
  if (!setup) throw js_error("InitError", "cannot create the Node environment: " + joined(errors));
  isolate = setup->isolate();
  env = setup->env();
  loop = setup->event_loop();
  // process.exit() must not end the host: record the code and stop JS; the caller reports it.
  node::SetProcessExitHandler(env, [](node::Environment* e, int code) {
    engine::get().exit_code = code;
    node::Stop(e);
  });
  v8::Locker locker(isolate);
  v8::Isolate::Scope isolate_scope(isolate);
  watch_heap_limit(isolate);  // a call past the limit fails alone, instead of Node ending the process
  v8::HandleScope handles(isolate);
  v8::Local<v8::Context> ctx = setup->context();
  v8::Context::Scope context_scope(ctx);
  context.Reset(isolate, ctx);
  v8::TryCatch caught(isolate);
  v8::MaybeLocal<v8::Value> result = node::LoadEnvironment(env, k_bootstrap_source);
  v8::Local<v8::Value> value;
  if (!result.ToLocal(&value) || !value->IsObject()) {
    if (caught.HasCaught()) throw_from_js(isolate, caught, "starting Node");
    throw js_error("InitError", "the bootstrap script did not return the bridge object");
  }
  open_to_callers(h, ctx, value.As<v8::Object>(), false);
}

void engine::open_to_callers(host& h, v8::Local<v8::Context> ctx, v8::Local<v8::Object> bridge_object, bool hosted) {
  bridge.Reset(isolate, bridge_object);
  v8::Local<v8::Value> queue_state_value;
  if (bridge_object->Get(ctx, v8_string(isolate, "queueState")).ToLocal(&queue_state_value)) {
    find_node_queue_state(isolate, ctx, queue_state_value);
  }
  // Wakes threads waiting for the loop; unreferenced, so it never keeps the loop alive.
  uv_async_init(loop, &wakeup, [](uv_async_t*) {});
  uv_unref(reinterpret_cast<uv_handle_t*>(&wakeup));
  start_async_links(loop);
  alive = true;
  refuse_js_after_fork();
  install_module(isolate, ctx, bridge_object, h.main_script(), hosted);
}

void engine::stop() {
  if (!alive.exchange(false)) return;  // from here on, new entries are refused
  if (adopted) {
    stop_adopted();
    return;
  }
  request_loop_thread_stop();          // it leaves JS at the end of its turn, as other threads do
  // Threads still in JS finish what they run: a call returns, a thread waiting for the loop (an
  // awaited Promise) wakes, sees JS is over and leaves. Terminating them at once instead would
  // cut Node's own callbacks (a timer) short, which leaves its async-hook stack corrupt: Node
  // then aborts the process.
  auto wait_for_users = [&](std::chrono::milliseconds limit, bool terminating) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (users.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      uv_async_send(&wakeup);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      // Termination ends the running JS, not later JS of a thread back from another runtime.
      if (terminating) isolate->TerminateExecution();
    }
  };
  wait_for_users(std::chrono::seconds(1), false);
  bool forced = false;
  if (users.load() > 0) {
    // JS that keeps running (a loop): stopped as Node stops a Worker, marking the environment as
    // stopping first so that callback scopes unwind cleanly; it can run no JS any more ('exit'
    // listeners included).
    forced = true;
    node::Stop(env);
    wait_for_users(std::chrono::seconds(4), true);
  }
  if (users.load() > 0) {
    // A thread is inside a call from JS into another runtime and has not come back: freeing the
    // environment under it would crash it when it does. The process is ending; leave it be.
    std::cerr << "promethean: js: " << users.load()
              << " thread(s) still inside JS after 5 s at shutdown; the Node environment is not freed\n";
    return;
  }
  join_loop_thread();  // out of JS (no users left): it ends at once
  {
    entered e{entered::for_shutdown_t{}};
    isolate->CancelTerminateExecution();
    if (!exit_code && !forced && !interrupted) {
      // Work that is ready runs (resolved Promises, due immediates), then 'exit' listeners, as
      // when Node's own process ends. Pending timers do not hold the host up.
      pump_event_loop();
      v8::TryCatch ignored(isolate);
      node::EmitProcessExit(env);
    }
    node::Stop(env);
    forget_js_state();
    uv_run(event_loop(), UV_RUN_NOWAIT);  // completes the wake-up's close
  }
  unpark_isolate_lock();
  setup.reset();       // frees the environment and disposes the isolate: remaining deleters run
  releases.drain();    // what those deleters queued (no V8 needed any more)
}

void engine::forget_js_state() {
  message_handler.Reset();
  callback_resource.Reset();
  tick_info = nullptr;
  async_stack_length = nullptr;
  microtasks = nullptr;
  queued_microtasks = nullptr;
  queue_state.Reset();
  foreign_error.Reset();
  bridge.Reset();
  exported.clear();
  callables.clear();
  modules.clear();
  resolved_functions.clear();
  error_origins.clear();
  name_keys.clear();
  for (auto& known : known_texts) known.text.Reset();
  routes.clear();
  route_missing.Reset();
  keyword_arguments_key.Reset();
  free_error_origin_holders();
  stores_by_buffer.clear();
  free_foreign_functions();
  recent_big_views.clear();
  free_weak_views();
  stop_async_links();
  releases.drain();
  context.Reset();
  adopting_require.Reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&wakeup), nullptr);
}

void refuse_js_after_fork() {
  // The child of a fork() (Python's os.fork, multiprocessing's 'fork' start method) has none of
  // Node's threads, and the isolate lock may have been held at the fork: JS is over there, and
  // entering it fails with a clear error instead of hanging.
  static const bool at_fork = [] {
    ::pthread_atfork(nullptr, nullptr, [] {
      engine::get().forked_child = true;
      engine::get().alive.store(false);
    });
    return true;
  }();
  (void)at_fork;
}

constinit thread_local js_thread_state t_js_thread;

int entered_depth_here() noexcept { return t_js_thread.entered_depth; }

void entered::admission::refuse() {
  auto& g = engine::get();
  g.users.fetch_sub(1);
  --t_js_thread.entered_depth;
  if (g.forked_child) {
    throw usage_error("the js runtime is not available in a forked child process: Node's threads do not survive "
                      "fork(); start workers with multiprocessing's 'spawn' method (Promethean's default) or a "
                      "subprocess instead",
                      "js");
  }
  throw usage_error(g.ever_started ? "the js runtime has been shut down" : "the js runtime is not started", "js");
}

entered::entered() : entered(true) {}

entered::entered(for_shutdown_t) : entered(false) {}

entered::entered(bool check_alive)
    : m_admission(check_alive),
      m_isolate(engine::get().isolate),  // admission checked it is alive
      m_parked_here(keeps_entered_here()),
      m_asking(std::in_place, m_isolate),
      m_locker(m_isolate),
      // The parked thread, and a hosted node's main thread (node entered the isolate for its whole
      // life), are in the isolate already.
      m_isolate_entry(m_parked_here || on_lending_thread() ? nullptr : m_isolate),
      m_handles(m_isolate),
      m_context(engine::get().context.Get(m_isolate)),
      m_context_entry(m_parked_here && t_js_thread.entered_depth == 1 ? v8::Local<v8::Context>() : m_context) {
  m_asking.reset();
  auto& g = engine::get();
  if (!g.releases.empty()) g.releases.drain();
  // A timed call whose deadline passed while this thread waited for the lock: the watchdog's
  // interrupt ran on the thread that held the lock then, which had nothing to stop, so this
  // thread stops its JS itself (it would otherwise run a runaway loop to its end).
  terminate_if_expired(m_isolate);
}

entered::~entered() {
  auto& g = engine::get();
  // What this entry queued (a Buffer let go by a collected TypedArray) goes now, not at the next
  // entry: a host that drops its last handle then sees the memory freed.
  if (!g.releases.empty()) g.releases.drain();
  // Leaving JS (still locked): if this thread added a timer, an immediate or I/O (a server, a
  // socket) that a thread waiting for the loop would sleep past, wake it.
  if (t_js_thread.entered_depth != 1 || g.pollers.load(std::memory_order_relaxed) == 0 || !g.alive.load()) return;
  const int now = wait_timeout(g.loop);
  const int waiting = g.poll_timeout.load(std::memory_order_relaxed);
  if (now == 0 || (now > 0 && (waiting < 0 || now < waiting)) || g.pollers.load() > 1) uv_async_send(&g.wakeup);
}

v8::Local<v8::Object> callback_resource(v8::Isolate* isolate) {
  auto& g = engine::get();
  if (g.callback_resource.IsEmpty()) g.callback_resource.Reset(isolate, v8::Object::New(isolate));
  return g.callback_resource.Get(isolate);
}

void engine::interrupt() {
  if (!alive.load()) return;
  interrupted = true;
  // Node's own way to end an environment from another thread (as for a Worker): it marks the
  // environment stopping, so that callback scopes unwind cleanly, and terminates running JS.
  node::Stop(env);
  uv_async_send(&wakeup);  // and wakes a loop that waits
}

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view s) {
  // V8 refuses more than String::kMaxLength bytes of UTF-8 (an empty MaybeLocal); the size check
  // comes first because the length is an int (a size past 2 GiB would wrap).
  v8::Local<v8::String> out;
  if (s.size() > static_cast<std::size_t>(v8::String::kMaxLength) ||
      !v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal, static_cast<int>(s.size()))
           .ToLocal(&out)) {
    throw js_error("RangeError", "a string of " + std::to_string(s.size()) +
                                     " bytes is too long for JS: V8 holds at most v8::String::kMaxLength = " +
                                     std::to_string(v8::String::kMaxLength) + " bytes of UTF-8 in one string");
  }
  return out;
}

std::string to_utf8(v8::Isolate* isolate, v8::Local<v8::Value> v) {
  if (v->IsString()) {
    // The common case (names, short strings) without V8's Utf8Value: one pass into a stack buffer
    // (a UTF-16 unit is at most 3 bytes of UTF-8), no heap allocation for short results, and no
    // TryCatch, since writing a string cannot throw.
    auto s = v.As<v8::String>();
    constexpr int k_stack_units = 85;
    const int flags = v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8;
    if (s->Length() <= k_stack_units) {
      char bytes[3 * k_stack_units];
      const int n = s->WriteUtf8(isolate, bytes, sizeof bytes, nullptr, flags);
      return std::string(bytes, static_cast<std::size_t>(n));
    }
    std::string out(static_cast<std::size_t>(s->Utf8Length(isolate)), '\0');
    const int n = s->WriteUtf8(isolate, out.data(), static_cast<int>(out.size()), nullptr, flags);
    out.resize(static_cast<std::size_t>(n));
    return out;
  }
  v8::TryCatch ignored(isolate);
  v8::String::Utf8Value s(isolate, v);
  return *s ? std::string(*s, static_cast<std::size_t>(s.length())) : std::string("<unprintable>");
}

}  // namespace promethean::js
