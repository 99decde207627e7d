/// The Host: the runtimes of one process by name, the dispatch map, and routing between them.
///
/// One Host per process (Python and Node can each be initialised only once per process). Runtimes
/// start lazily, on first use, unless `host_options::start_eagerly` is set. Destroying the Host
/// shuts the runtimes down in a fixed order: meta, sh, then js (drain the loop, free the
/// environment, dispose the isolate), then py (finalize), then rust plugins last, because buffers
/// made by a plugin may be released by the other runtimes' teardown.
///
/// Thread-safety: every member may be called from any thread.
#pragma once

#include <promethean/buffer/buffer_type.hpp>
#include <promethean/config.hpp>
#include <promethean/host/callable.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/meta_object.hpp>
#include <promethean/host/pending_call.hpp>
#include <promethean/host/runtime.hpp>
#include <promethean/host/view_registry.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace promethean {

class host;
class host_buffers;

/// Makes a runtime for a host, when the host first needs it.
struct runtime_factory {
  std::string name;
  std::function<std::unique_ptr<runtime>(host&)> make;
};

/// The runtimes a Host offers when its options name none: the core's own (sh and meta) and those
/// the composer of this process registered (libpromethean registers rust, and py and js as runtime
/// modules loaded when they first start: runtime_module.hpp), sorted by name.
PROMETHEAN_API std::vector<runtime_factory> default_runtime_factories();

/// Adds `factory` to this process's default runtimes, replacing one of the same name. What a
/// composer (libpromethean, a test binary, an embedder with a runtime of its own) calls before it
/// makes a Host; Hosts made earlier keep the set they were made with. Thread-safe.
PROMETHEAN_API void register_runtime_factory(runtime_factory factory);

/// Node's inspector for the js runtime, as node's `--inspect` / `--inspect-brk` open it: Chrome
/// DevTools and VS Code attach over its WebSocket, whose URL is printed on stderr as node prints it.
struct js_inspector_options {
  bool enabled = false;
  /// `--inspect-brk`: JS waits, when it starts, for a debugger to attach and tell it to run, and
  /// the main script (`run app.js`) pauses on its first statement.
  bool wait_for_debugger = false;
  /// The address to listen on: loopback by default, as node's (another address lets anyone who
  /// reaches it run code in this process). Port 0 picks a free port (the URL printed says which).
  std::string host = "127.0.0.1";
  std::uint16_t port = 9229;
};

struct host_options {
  /// Which runtimes to offer, by name; empty means every one of `factories`. An unknown name is a
  /// usage_error naming the ones there are.
  std::vector<std::string> runtimes;
  /// The runtimes to choose from; empty means default_runtime_factories().
  std::vector<runtime_factory> factories;
  /// Start every runtime in the constructor instead of on first use.
  bool start_eagerly = false;
  /// Whether this Host's composer owns the process's signals (the CLI, an embedder). False when
  /// Promethean was loaded into a program that keeps its own (`import promethean` in python3):
  /// then no runtime installs a signal handler (Node's inspector stays off SIGUSR1).
  bool owns_process_signals = true;
  /// The limit of the JS heap in MiB (V8's old generation, as node's --max-old-space-size); 0 is
  /// Node's own default. A JS call that allocates past it fails with an error of type
  /// OutOfMemory, and JS goes on. Read when js starts (once per process: Node starts once).
  std::size_t js_heap_limit_mb = 0;
  /// Node's inspector for the js runtime (off by default). Read when js starts, like the limit above.
  js_inspector_options js_inspector;
  /// Runtimes to run in worker processes of their own under their plain names (the CLI's
  /// `--isolate rust`): a crash there is an error here (docs/PROCESSES.md). A name with an `@`
  /// suffix (`py@1`) is always an instance in a process of its own, with no option needed.
  std::vector<std::string> isolate;
  /// Makes the runtime for a name this host does not offer (nullptr: unknown, the usual error). A
  /// worker process routes every such name back to the host that started it (worker.hpp).
  std::function<std::unique_ptr<runtime>(host&, std::string_view name)> runtime_for_unknown_name;
};

class PROMETHEAN_API host {
 public:
  explicit host(host_options options = {});
  ~host();
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  /// The runtime called `name`, started if need be. `base@instance` (`py@1`, `js@web`) names an
  /// instance of runtime `base` in a worker process of its own, started on first use. Throws
  /// usage_error naming the known runtimes.
  runtime& get(std::string_view name);

  /// Names of the runtimes this host offers (started or not), sorted.
  std::vector<std::string> runtime_names() const;

  /// Adds a runtime (an embedder's own, or a test double); replaces none.
  void add_runtime(std::unique_ptr<runtime> rt);

  /// The dispatch map: {"sh": {"version": …, "eval": …, "marshal": …, …}, …}; starts every runtime.
  nlohmann::json dispatch_map();

  // Routing. Each names the runtime first; errors come back as the promethean::error family.
  meta_object eval(std::string_view runtime_name, std::string_view code, const call_options& options = {});
  message call(std::string_view runtime_name, std::string_view function, const message& args,
               const call_options& options = {});
  /// call() with typed arguments (argument.hpp) instead of a JSON array: the same lookup, results
  /// and errors, without building or reading JSON on the way in where the runtime can (py, js).
  /// For a loop over one function, host.resolve is faster still (no lookup by name per call).
  message call_typed(std::string_view runtime_name, std::string_view function, std::span<const argument> args,
                     const call_options& options = {});
  /// The call without waiting for it (pending_call.hpp): it starts on this thread; an async
  /// function's result (a JS Promise, a Python coroutine, a Rust pending result) settles it later,
  /// from whatever thread. A runtime without async calls of its own runs the blocking call on a
  /// worker thread of the host. options.timeout bounds the whole wait (then a Timeout error, and
  /// the call is told to stop). Errors, even the runtime's name being unknown, settle the pending
  /// call rather than throw. At shutdown, calls still pending fail with a "Shutdown" error.
  std::shared_ptr<pending_call> call_async(std::string_view runtime_name, std::string_view function,
                                           const message& args, const call_options& options = {});
  /// eval() without waiting: a JS Promise or a Python coroutine the code evaluates to is awaited.
  std::shared_ptr<pending_call> eval_async(std::string_view runtime_name, std::string_view code,
                                           const call_options& options = {});
  void define(std::string_view runtime_name, const function_definition& definition);
  /// `function` of `runtime_name` looked up once (the runtime started if need be), for a loop that
  /// calls it many times, with typed arguments or JSON (see callable.hpp). A runtime that can
  /// check the name now (rust: the plugin is loaded and has the function) throws its usage_error
  /// here; others report an unknown function at the call, as host.call does.
  callable resolve(std::string_view runtime_name, std::string_view function);
  void load(std::string_view runtime_name, const std::filesystem::path& path);
  message send_json(std::string_view runtime_name, const message& payload, const call_options& options = {});
  void set_message_handler(std::string_view runtime_name, std::string_view handler);
  std::string marshal(std::string_view runtime_name, const nlohmann::json& value);

  /// The runtime that runs files with this extension (".sh" → "sh"), or empty.
  static std::string runtime_for_file(const std::filesystem::path& path);

  /// Runs a script by its extension as the program; returns its exit status. It becomes the
  /// main script (below).
  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args);

  /// The program's main script, absolute (empty when there is none: a REPL, a notebook). Code
  /// that runtimes evaluate on its behalf resolves its imports from that script's folder, as the
  /// script's own would (js: the `require` of `promethean.eval("js", …)`), whatever the working
  /// directory. Set by run_script, or by a way in that knows it (the Python-hosted mode: the
  /// python3 script that imported promethean); read when a runtime starts.
  void set_main_script(const std::filesystem::path& path);
  std::filesystem::path main_script() const;

  buffer_type_registry& buffer_types() noexcept;

  /// Interrupts every started runtime (runtime::interrupt): what the CLI's SIGINT policy calls.
  void interrupt();

  /// Stops the calls in progress in every started runtime (runtime::cancel_calls); the runtimes
  /// stay usable. What the hosted modes' Ctrl-C calls, where the program goes on after it.
  void cancel_calls();

  /// host_options::owns_process_signals, for the runtimes to ask.
  bool owns_process_signals() const noexcept;
  /// host_options::js_heap_limit_mb, for the js runtime when it starts.
  std::size_t js_heap_limit_mb() const noexcept;
  /// host_options::js_inspector, for the js runtime when it starts.
  const js_inspector_options& js_inspector() const noexcept;

  /// Buffers for an embedder: create, look up by id, xtensor view. Include
  /// <promethean/host/host_buffers.hpp> to use it (kept out of here: it brings in xtensor).
  host_buffers buffers() noexcept;

  /// Named views. `register_view` records that `runtime_name`'s `function` computes view `name`
  /// of buffers of type `type` (a registered buffer type; the runtime must exist).
  void register_view(std::string_view type, std::string_view name, std::string_view runtime_name,
                     std::string_view function);
  view_registry& views() noexcept;

  /// The view `name` of `b`: calls the registered function with `b` as its only argument. It is
  /// looked up by `b`'s type; an untyped buffer uses the one view of that name whose type its
  /// layout fits (typed accordingly). With no registered view, the call goes to the runtime that
  /// owns `b`'s memory, to its function `name`. Errors name the view, the type and the choices.
  message view(const buffer& b, std::string_view name, const call_options& options = {});

 private:
  /// The runtime for a name no factory makes (get, under the host's lock).
  std::unique_ptr<runtime> make_unknown(std::string_view name);
  struct impl;
  std::unique_ptr<impl> m_impl;
};

/// The name the embedding API uses (`promethean::Host h;`): the same class.
using Host = host;
using HostOptions = host_options;

}  // namespace promethean
