// Private: the one Node environment of the process, entering it, and driving its event loop.
//
// Lifetime: `engine::start` initialises Node and V8 once per process and creates the environment;
// `engine::stop` drains ready work, stops and frees the environment and disposes the isolate. The
// V8 platform is never torn down: buffers adopted from JS hold V8 backing stores that may be
// released later (by Python's finalisation, say), and that must stay legal until the process ends.
#pragma once

#include <promethean/buffer/ledger.hpp>
#include <promethean/buffer/release_queue.hpp>
#include <promethean/host/function_handle.hpp>

#include <node.h>
#include <uv.h>
#include <v8.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace promethean {
class host;
}

namespace promethean::js {

/// Process-wide state of the embedded Node (there is only ever one environment).
struct engine {
  host* owner = nullptr;
  std::unique_ptr<node::MultiIsolatePlatform> platform;
  std::unique_ptr<node::CommonEnvironmentSetup> setup;
  v8::Isolate* isolate = nullptr;
  node::Environment* env = nullptr;
  v8::Global<v8::Context> context;
  v8::Global<v8::Object> bridge;           ///< what bootstrap.js returned
  v8::Global<v8::Function> foreign_error;  ///< promethean.ForeignError
  v8::Global<v8::Function> message_handler;
  std::atomic<bool> alive{false};
  bool ever_started = false;
  /// process.exit() was called (or Node exited after an uncaught error): the code, and JS is over.
  std::optional<int> exit_code;
  release_queue releases;                  ///< work that needs the isolate lock, from any thread
  // The tables below hold V8 handles: touch them only under the isolate lock.
  std::map<std::string, v8::Global<v8::Function>, std::less<>> exported;   ///< export / js:fn
  std::map<std::string, v8::Global<v8::Function>, std::less<>> callables;  ///< function id → fn
  std::map<std::string, v8::Global<v8::Object>, std::less<>> modules;      ///< loaded file stem → exports
  /// Per Buffer serial, the backing store it reached JS with, so that later crossings reuse it.
  std::map<std::uint64_t, std::weak_ptr<v8::BackingStore>> stores_by_buffer;
  /// Per Buffer serial, the TypedArray JS last saw it as, while JS keeps it alive (a weak handle):
  /// the same object comes back on every crossing, so no new ArrayBuffer is made (each one would
  /// count its whole size as new external memory and drive V8's GC).
  std::map<std::uint64_t, struct weak_view*> views_by_buffer;

  static engine& get();

  /// Starts Node (once per process) and creates the environment. Throws js_error / usage_error.
  void start(host& h);
  /// Stops and frees the environment; idempotent.
  void stop();
};

/// Inside the environment: the isolate lock, isolate, handle and context scopes, and the releases
/// that waited for the lock. Nestable on one thread (V8's Locker is re-entrant).
class entered {
 public:
  entered();
  entered(const entered&) = delete;
  entered& operator=(const entered&) = delete;
  v8::Isolate* isolate() const noexcept { return m_isolate; }
  v8::Local<v8::Context> context() const noexcept { return m_context; }

 private:
  v8::Isolate* m_isolate;
  v8::Locker m_locker;
  v8::Isolate::Scope m_isolate_scope;
  v8::HandleScope m_handles;
  v8::Local<v8::Context> m_context;
  v8::Context::Scope m_context_scope;
};

/// Runs ready event-loop work (timers due, I/O ready, immediates) without blocking.
void pump_event_loop();

/// Runs the event loop until `promise` settles; throws js_error when nothing left in the loop can
/// settle it, or when JS exits meanwhile.
void await_promise(v8::Local<v8::Promise> promise);

/// Attaches a no-op rejection handler, telling Node that a rejection of `value` (when it is a
/// Promise) is handled by the host. Must run before the callback scope closes: that is when Node
/// reports unhandled rejections.
void handle_rejection_here(v8::Local<v8::Value> value);

/// Awaits `promise` (telling Node its rejection is handled here) and returns its value; a
/// rejection is thrown as the error family.
v8::Local<v8::Value> await_value(v8::Local<v8::Promise> promise);

/// A V8 string (UTF-8 in).
v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view s);
/// A UTF-8 std::string of any value (its ToString; "<unprintable>" when that throws).
std::string to_utf8(v8::Isolate* isolate, v8::Local<v8::Value> v);

}  // namespace promethean::js
