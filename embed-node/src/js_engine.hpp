// Private: the one Node environment of the process, and entering it (its event loop: js_event_loop.hpp).
//
// Lifetime: `engine::start` initialises Node and V8 once per process and creates the environment;
// `engine::stop` drains ready work, stops and frees the environment and disposes the isolate. The
// V8 platform is never torn down: buffers adopted from JS hold V8 backing stores that may be
// released later (by Python's finalisation, say), and that must stay legal until the process ends.
#pragma once

#include <promethean/buffer/ledger.hpp>
#include <promethean/buffer/release_queue.hpp>
#include <promethean/host/function_handle.hpp>

#include "js_lock_lending.hpp"
#include "js_thread_state.hpp"

#include <node.h>
#include <uv.h>
#include <v8.h>

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <cstdint>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace promethean {
class host;
}

namespace promethean::js {

/// Process-wide state of the embedded Node (there is only ever one environment).
struct engine {
  host* owner = nullptr;
  /// The embedded mode's own platform and environment (null when the running Node is adopted).
  std::unique_ptr<node::MultiIsolatePlatform> own_platform;
  std::unique_ptr<node::CommonEnvironmentSetup> setup;
  /// The platform, isolate, environment and loop JS runs in: the ones made above, or the running
  /// node's when adopted (the Node-hosted mode: `require('promethean')` in a plain node).
  node::MultiIsolatePlatform* platform = nullptr;
  v8::Isolate* isolate = nullptr;
  node::Environment* env = nullptr;
  uv_loop_t* loop = nullptr;
  bool adopted = false;
  /// Set by the Node-hosted addon before it starts the js runtime: the `require` of the module
  /// loading it, which the bootstrap uses (engine::adopt).
  v8::Global<v8::Function> adopting_require;
  v8::Global<v8::Context> context;
  v8::Global<v8::Object> bridge;           ///< what bootstrap.js returned
  v8::Global<v8::Function> foreign_error;  ///< promethean.ForeignError
  v8::Global<v8::Function> message_handler;
  v8::Global<v8::Object> callback_resource;  ///< see callback_resource()
  /// Node's pending-work flags (js_host_call.hpp), held alive by `queue_state`; null when this
  /// Node does not show them. `open_host_calls`: host_call_scopes open on any thread. Both are
  /// read and written under the isolate lock only.
  v8::Global<v8::Object> queue_state;
  const std::uint8_t* tick_info = nullptr;
  const std::uint32_t* async_stack_length = nullptr;
  v8::MicrotaskQueue* microtasks = nullptr;  ///< the context's, which Node's scope checkpoints
  const std::intptr_t* queued_microtasks = nullptr;  ///< its length, when V8 shows it (js_host_call.cpp)
  int open_host_calls = 0;
  std::atomic<bool> alive{false};
  /// Threads inside `entered` (outermost scopes only): stop() waits for them to leave.
  std::atomic<int> users{0};
  /// interrupt() was called (Ctrl-C): running JS is terminated and the loop ends.
  std::atomic<bool> interrupted{false};
  /// Threads waiting for the event loop with the lock given up, and the timeout the last of them
  /// computed: a thread that changes the loop (a new timer, an immediate) wakes them through
  /// `wakeup` when they would otherwise sleep past it.
  std::atomic<int> pollers{0};
  std::atomic<int> poll_timeout{-1};
  uv_async_t wakeup{};
  bool ever_started = false;
  /// This process is the child of a fork() of one where Node ran: JS cannot run here.
  std::atomic<bool> forked_child{false};
  /// process.exit() was called (or Node exited after an uncaught error): the code, and JS is over.
  std::optional<int> exit_code;
  release_queue releases;                  ///< work that needs the isolate lock, from any thread
  // The tables below hold V8 handles: touch them only under the isolate lock.
  std::map<std::string, v8::Global<v8::Function>, std::less<>> exported;   ///< export / js:fn
  std::map<std::string, v8::Global<v8::Function>, std::less<>> callables;  ///< function id → fn
  std::map<std::string, v8::Global<v8::Object>, std::less<>> modules;      ///< loaded file stem → exports
  /// Functions resolved once (host.resolve("js", name), js_callable.hpp) by a key that is never
  /// reused: a callable holds the key, so that one outliving the engine finds nothing here.
  struct resolved_function {
    v8::Global<v8::Function> fn;
    v8::Global<v8::Value> self;
  };
  std::unordered_map<std::uint64_t, resolved_function> resolved_functions;
  std::uint64_t next_resolved_function = 1;
  /// JS exceptions that errors began as (js_errors.cpp), by a key that is never reused: thrown
  /// again, themselves, when their error comes back to JS.
  std::unordered_map<std::uint64_t, v8::Global<v8::Value>> error_origins;
  /// The last strings the module's functions took as names (a runtime's, a function's), with
  /// their UTF-8 (js_module.cpp): a loop passes the same string objects on every call, and
  /// comparing a handle costs far less than encoding the text again.
  struct known_text {
    v8::Global<v8::String> text;
    std::string utf8;
  };
  std::array<known_text, 4> known_texts;
  std::size_t next_known_text = 0;
  /// The private key that marks promethean.kw objects (js_conversion.cpp).
  v8::Global<v8::Private> keyword_arguments_key;
  /// Function names called by name, as the internalized strings of their dotted parts (js_call.cpp).
  std::map<std::string, std::vector<v8::Global<v8::String>>, std::less<>> name_keys;
  /// Per name, the routes made for it by number of arguments (js_route.hpp), and their sentinel.
  struct route_set {
    std::uint32_t calls_before = 0;  ///< calls by the lookup through the API, before routes are made
    std::array<v8::Global<v8::Function>, 9> from_global;
    std::array<v8::Global<v8::Function>, 9> from_module;
  };
  std::map<std::string, route_set, std::less<>> routes;
  v8::Global<v8::Symbol> route_missing;
  std::uint64_t next_error_origin = 1;
  /// Per Buffer serial, the backing store it reached JS with, so that later crossings reuse it.
  std::map<std::uint64_t, std::weak_ptr<v8::BackingStore>> stores_by_buffer;
  /// Per Buffer serial, the TypedArray JS last saw it as, while JS keeps it alive (a weak handle):
  /// the same object comes back on every crossing, so no new ArrayBuffer is made (each one would
  /// count its whole size as new external memory and drive V8's GC).
  std::map<std::uint64_t, struct weak_view*> views_by_buffer;
  /// The latest TypedArrays made for big buffers, held strongly (js_typed_array.cpp, keep_recent):
  /// a big buffer handed to JS again and again stays the same TypedArray even once JS dropped it.
  std::deque<v8::Global<v8::Value>> recent_big_views;

  /// Inline: every entry into JS asks for it a few times.
  [[gnu::always_inline]] static engine& get() {
    static auto* e = new engine();  // never destroyed: backing-store deleters may run at exit
    return *e;
  }

  /// Starts Node (once per process) and creates the environment. Throws js_error / usage_error.
  void start(host& h);
  void start_environment(host& h);
  /// The Node-hosted mode: takes the node that is running (its isolate, main context, environment
  /// and loop) as the js runtime's, on its main thread, inside its lock (a module being required).
  /// Node stays in charge: no loop thread, no signal handlers, no heap limit of ours, and stop()
  /// leaves its environment running. Throws usage_error off Node's main thread.
  void adopt(host& h);
  /// Stops and frees the environment; idempotent. JS still running on another thread is
  /// terminated; if a thread still has not left JS after a few seconds (it waits on another
  /// runtime), the environment is left in place rather than freed under it.
  void stop();
  /// Both starts, once the bootstrap returned the bridge: keeps it, reads Node's queue flags,
  /// makes the wake-ups on `loop`, then lets callers in and installs the promethean module.
  void open_to_callers(host& h, v8::Local<v8::Context> ctx, v8::Local<v8::Object> bridge_object, bool hosted);
  /// stop() of an adopted Node (js_adoption.cpp): our state goes, Node's environment stays.
  void stop_adopted();
  /// Under the lock, at the end of either stop: every handle and table of ours is let go, the
  /// releases waiting for the lock run, and the wake-up is closed.
  void forget_js_state();

  /// With the lock held: the time the loop may sleep (ms, -1 for no timer), published to
  /// threads that change the loop meanwhile. Pair with end_wait() after waiting. (Both in
  /// js_event_loop.cpp.)
  int begin_wait();
  void end_wait();

  /// From any thread: terminate running JS and end the event loop (exit status 130).
  void interrupt();
};

/// Inside the environment: the isolate lock, isolate, handle and context scopes, and the releases
/// that waited for the lock. Nestable on one thread (V8's Locker is re-entrant).
class entered {
 public:
  entered();
  /// For engine::stop(), which enters after refusing everyone else.
  struct for_shutdown_t {};
  explicit entered(for_shutdown_t);
  ~entered();
  entered(const entered&) = delete;
  entered& operator=(const entered&) = delete;
  v8::Isolate* isolate() const noexcept { return m_isolate; }
  v8::Local<v8::Context> context() const noexcept { return m_context; }

 private:
  /// Counts this thread's outermost entry in engine::users, and refuses entry once stopped.
  /// Inline: a nested entry only counts its depth.
  struct admission {
    explicit admission(bool check_alive) {
      if (t_js_thread.entered_depth++ > 0) return;
      auto& g = engine::get();
      // Count first, then look: engine::stop() clears `alive` first, then waits for the count, so
      // either it waits for this thread or this thread sees that JS is gone.
      g.users.fetch_add(1);
      if (check_alive && !g.alive.load()) refuse();
    }
    ~admission() {
      if (--t_js_thread.entered_depth == 0) engine::get().users.fetch_sub(1, std::memory_order_release);
    }
    admission(const admission&) = delete;
    admission& operator=(const admission&) = delete;
    /// Undoes the count and throws the usage_error that says why JS is not there.
    [[noreturn, gnu::cold]] static void refuse();
  };
  explicit entered(bool check_alive);
  admission m_admission;
  v8::Isolate* m_isolate;
  bool m_parked_here;  ///< keeps_entered_here(), asked once
  std::optional<lock_request> m_asking;  ///< a hosted Node's main thread asked for the lock; ends once held
  v8::Locker m_locker;
  /// Isolate::Scope, except on the parked thread, whose isolate stays entered (parked_lock.hpp).
  struct isolate_entry {
    explicit isolate_entry(v8::Isolate* isolate_or_null) : isolate(isolate_or_null) {
      if (isolate != nullptr) isolate->Enter();
    }
    ~isolate_entry() {
      if (isolate != nullptr) isolate->Exit();
    }
    isolate_entry(const isolate_entry&) = delete;
    isolate_entry& operator=(const isolate_entry&) = delete;
    v8::Isolate* isolate;
  } m_isolate_entry;
  v8::HandleScope m_handles;
  v8::Local<v8::Context> m_context;
  /// Context::Scope, except for the parked thread's outermost entry, already in the context.
  struct context_entry {
    explicit context_entry(v8::Local<v8::Context> context_or_empty) : context(context_or_empty) {
      if (!context.IsEmpty()) context->Enter();
    }
    ~context_entry() {
      if (!context.IsEmpty()) context->Exit();
    }
    context_entry(const context_entry&) = delete;
    context_entry& operator=(const context_entry&) = delete;
    v8::Local<v8::Context> context;
  } m_context_entry;
};

/// From the engine's start: in the child of a fork(), JS is refused with a clear error.
void refuse_js_after_fork();

/// This thread's nesting of `entered` scopes (0 outside JS).
int entered_depth_here() noexcept;

/// The async resource every top-level call's node::CallbackScope names: one object for all of them
/// (the host's calls have no async context of their own), made once instead of once per call.
v8::Local<v8::Object> callback_resource(v8::Isolate* isolate);

/// A V8 string (UTF-8 in).
v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view s);
/// A UTF-8 std::string of any value (its ToString; "<unprintable>" when that throws).
std::string to_utf8(v8::Isolate* isolate, v8::Local<v8::Value> v);

}  // namespace promethean::js
