/// The Runtime interface: what every language brain in the host (py, js, rust, sh, meta) offers.
///
/// Threading: the Host calls a runtime from any thread; a runtime takes its own lock (the GIL, the
/// isolate lock) inside each call and never holds it while waiting for another runtime.
/// Errors: a runtime converts its native errors into the promethean::error family, in one place.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/argument.hpp>
#include <promethean/host/message.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace promethean {

class callable_target;
class pending_call;

/// Per-call settings.
struct call_options {
  /// Stop the call with an error after this long (nullopt: the runtime's default).
  std::optional<std::chrono::milliseconds> timeout;
  /// For `eval`: what errors and traces call the code (empty: "<eval>"), and the line its first
  /// line is in that source, so that a REPL or an editor reports the lines a user sees.
  std::string source_name;
  int first_line = 1;
  /// For async calls: hand the function a cancellation signal as its last argument, which fires
  /// when the caller cancels the call or its timeout passes (js: an AbortSignal).
  bool cancel_signal = false;
};

/// A named function whose body is source text in the target runtime (`py:fn`, `js:fn`, `sh:fn`).
struct function_definition {
  std::string name;
  std::vector<std::string> params;
  std::string body;
};

/// True on the host's own worker threads (those that run blocking calls for host::call_async).
/// They end when the host shuts down, while the runtimes are ending too: a runtime keeps no
/// per-thread state on them that it would have to tear down at thread exit (py makes a Python
/// thread state per call there instead of one for the thread's life).
PROMETHEAN_API bool on_host_worker_thread() noexcept;

class PROMETHEAN_API runtime {
 public:
  virtual ~runtime();

  /// "py", "js", "rust", "sh", "meta" (or an embedder's own).
  virtual std::string_view name() const noexcept = 0;

  /// The engine's version, e.g. "3.11.2" or "18.20.4".
  virtual std::string version() const = 0;

  /// This runtime's entry in the dispatch map: at least "version", "eval" and "marshal"
  /// (each a short description of what that entry does here), "buffers" and "capabilities".
  virtual nlohmann::json describe() const = 0;

  /// Evaluates source text; returns the value (null for statements), or null when the value cannot
  /// cross (code runs for its effect, which happened: no error after it). A call's result, asked
  /// for, must cross and fails with the reason.
  virtual message eval(std::string_view code, const call_options& options) = 0;

  /// Calls a function by name (a dotted path, an exported name, `<plugin>.<fn>`); `args` is a
  /// JSON array.
  virtual message call(std::string_view function, const message& args, const call_options& options) = 0;

  /// The same call with typed arguments (argument.hpp): the same name lookup, results and errors
  /// as `call` with the JSON array of the same values. The default makes that array (to_message)
  /// and calls `call`; py and js make their own values from the arguments, and rust hands them to
  /// the plugin's typed form, with no JSON between.
  virtual message call_typed(std::string_view function, std::span<const argument> args, const call_options& options);

  /// The call without waiting for its end (host::call_async): the result of an async function
  /// (a JS Promise, a Python coroutine) settles the pending call when it is ready, on whatever
  /// thread that happens; a plain result settles it at once. The call itself starts on this
  /// thread. nullptr (the default): no async calls of its own; the host runs `call` on a worker.
  virtual std::shared_ptr<pending_call> call_async(std::string_view function, const message& args,
                                                   const call_options& options);
  /// `eval` without waiting for its end (an awaited Promise, a coroutine); nullptr as above.
  virtual std::shared_ptr<pending_call> eval_async(std::string_view code, const call_options& options);

  /// `function` looked up once, for host::resolve (see callable.hpp). nullptr (the default): the
  /// runtime has no faster path than `call` by name, and the host calls that.
  virtual std::shared_ptr<const callable_target> resolve_callable(std::string_view function);

  /// Makes `definition` callable by name.
  virtual void define(const function_definition& definition) = 0;

  /// Loads code or a plugin from a file.
  virtual void load(const std::filesystem::path& path) = 0;

  /// Renders a JSON value as source text that evaluates to it in this language.
  virtual std::string marshal(const nlohmann::json& value) const = 0;

  /// Delivers a JSON message to this runtime's message handler; returns its reply.
  virtual message send_json(const message& payload, const call_options& options) = 0;

  /// Sets the message handler (for sh a command line; for others a function name).
  virtual void set_message_handler(std::string_view handler) = 0;

  /// Runs a script as the program (`promethean run FILE ARGS…`); returns its exit status.
  virtual int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) = 0;

  /// What the engine's own command line does with `argv`, for a command that stands in for it (py:
  /// python3's flags, then `-c CODE ARGS…` or `-m MODULE ARGS…`, as multiprocessing's children
  /// are started); returns the exit status. The default: a usage_error (no such command line).
  virtual int run_command_line(const std::vector<std::string>& argv);

  /// Ends the work that still needs the other runtimes, before any runtime shuts down: the Host
  /// calls it once on every started runtime, in shutdown order, with all of them still up. The py
  /// runtime waits here (bounded) for Python's non-daemon threads, as python3 does at exit.
  virtual void before_shutdown() {}

  /// Stops the runtime; called once, by the Host, in the documented shutdown order.
  virtual void shutdown() {}

  /// Stops what runs in this runtime as a user's Ctrl-C would: Python raises KeyboardInterrupt in
  /// its main thread, JS stops executing and its event loop ends. Called from any thread (a
  /// signal watcher); must not block or wait for the runtime.
  virtual void interrupt() {}

  /// Stops the calls in progress in this runtime, as a passed timeout would (they fail with an
  /// error), and stays usable: the next call works. From any thread (a signal watcher's): the
  /// hosted modes' Ctrl-C, where the program goes on. Default: nothing (calls that cannot be
  /// stopped from outside run to their end).
  virtual void cancel_calls() {}
};

}  // namespace promethean
