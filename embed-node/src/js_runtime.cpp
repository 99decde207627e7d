// The `js` runtime: eval/call/define/load, messages, Promises awaited on the event loop, scripts
// run as Node runs them.
#include <promethean/js/js_runtime.hpp>

#include "js_async_call.hpp"
#include "js_call.hpp"
#include "js_callable.hpp"
#include "js_conversion.hpp"
#include "js_deadline.hpp"
#include "js_engine.hpp"
#include "js_event_loop.hpp"
#include "js_host_call.hpp"
#include "js_loop_thread.hpp"

#include <csignal>
#include "js_errors.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/source_literal.hpp>

#include <node_version.h>

#include <array>

namespace promethean {
namespace js {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& p : items) s += (s.empty() ? "" : ", ") + p;
  return s;
}

class js_runtime final : public runtime {
 public:
  struct adopt_running_t {};
  explicit js_runtime(host& h) { engine::get().start(h); }
  js_runtime(host& h, adopt_running_t) { engine::get().adopt(h); }
  ~js_runtime() override { shutdown(); }

  std::string_view name() const noexcept override { return "js"; }

  std::string version() const override { return NODE_VERSION_STRING; }

  nlohmann::json describe() const override {
    return {{"name", "js"},
            {"language", "JavaScript (Node.js)"},
            {"version", version()},
            {"v8", v8::V8::GetVersion()},
            {"eval", "source text -> its completion value (a Promise is awaited); null when it cannot cross"},
            {"call", "an exported name, a loaded module's export (stem.name), or a dotted path on globalThis"},
            {"marshal", "JSON -> a JS literal"},
            {"messages", "promethean.onMessage(fn) receives the JSON; its return value (or Promise) is the reply"},
            {"buffers", "zero-copy: ArrayBuffer, SharedArrayBuffer, TypedArrays, DataView, Buffer"},
            {"host_calls", std::string("Node's callback contract, ") + host_call_mode()},
            {"capabilities", {"eval", "call", "define", "load", "send_json", "run", "buffers", "promises"}}};
  }

  message eval(std::string_view code, const call_options& options) override {
    return with_deadline(options, [] { return std::string("eval of code"); }, [&] { return eval_now(code); });
  }

  message call(std::string_view function, const message& args, const call_options& options) override {
    return with_deadline(
        options, [&] { return "call of '" + std::string(function) + "'"; }, [&] { return call_now(function, args); });
  }

  /// The call started on this thread (under its deadline); a Promise it returns settles the
  /// pending call later (js_async_call.hpp).
  std::shared_ptr<pending_call> call_async(std::string_view function, const message& args,
                                           const call_options& options) override {
    std::shared_ptr<pending_call> started;
    with_deadline(options, [&] { return "call of '" + std::string(function) + "'"; }, [&] {
      started = start_async_call(function, args, options);
      return message();
    });
    return started;
  }

  std::shared_ptr<pending_call> eval_async(std::string_view code, const call_options& options) override {
    std::shared_ptr<pending_call> started;
    with_deadline(options, [] { return std::string("eval of code"); }, [&] {
      started = start_async_eval(code);
      return message();
    });
    return started;
  }

  message eval_now(std::string_view code) {
    entered e;
    v8::Isolate* isolate = e.isolate();
    v8::Local<v8::Value> result;
    {
      node::CallbackScope scope(engine::get().env, callback_resource(isolate), {0, 0});
      v8::TryCatch caught(isolate);
      v8::ScriptOrigin origin(isolate, v8_string(isolate, "[eval]"));
      v8::Local<v8::Script> script;
      if (!v8::Script::Compile(e.context(), v8_string(isolate, code), &origin).ToLocal(&script) ||
          !script->Run(e.context()).ToLocal(&result)) {
        throw_from_js(isolate, caught, "evaluating code");
      }
      handle_rejection_here(result);
    }
    return settle_completion(isolate, result);
  }

  message call_now(std::string_view function, const message& args) {
    entered e;
    const nlohmann::json& values = args.value();
    message::cursor at(args);
    return call_by_name(e, function, values.size(),
                        [&](v8::Isolate* i, std::size_t k) { return from_message_value(i, values[k], at); });
  }

  /// Typed arguments: the same lookup, each argument made straight from its value (no JSON).
  message call_typed(std::string_view function, std::span<const argument> args, const call_options& options) override {
    return with_deadline(options, [&] { return "call of '" + std::string(function) + "'"; }, [&] {
      entered e;
      return call_by_name(e, function, args.size(),
                          [&](v8::Isolate* i, std::size_t k) { return from_argument(i, args[k]); });
    });
  }

  /// Calls `function` with n arguments, argument k being convert(isolate, k), converted in order.
  template <class Convert>
  static message call_by_name(const entered& e, std::string_view function, std::size_t n, Convert&& convert) {
    v8::Isolate* isolate = e.isolate();
    // An exported name or a function id first (one map lookup each, as resolve() makes them);
    // other names through their route once they are hot.
    if (auto direct = find_exported(isolate, function)) {
      return invoke_with(isolate, e.context(), *direct, n, convert, function);
    }
    if (auto r = find_route(isolate, e.context(), function, n)) {
      // JS walks the name itself (js_route.hpp); the module's exports, when it has them, go first.
      std::array<v8::Local<v8::Value>, k_max_route_arity + 1> argv;
      const std::size_t first = r->module.IsEmpty() ? 0 : 1;
      if (first == 1) argv[0] = r->module;
      for (std::size_t k = 0; k < n; ++k) argv[first + k] = convert(isolate, k);
      const int argc = static_cast<int>(n);
      if (auto result = invoke_route(isolate, e.context(), *r, argc + static_cast<int>(first), argv.data(), function)) {
        return std::move(*result);
      }
      // The route found no function: resolve() says why (or finds what a getter hid from it).
      return invoke(isolate, e.context(), resolve(isolate, e.context(), function), argc, argv.data() + first, function);
    }
    const resolved target = resolve(isolate, e.context(), function);
    return invoke_with(isolate, e.context(), target, n, convert, function);
  }

  /// The function found once; its calls skip the lookup and take typed arguments (js_callable.hpp).
  std::shared_ptr<const callable_target> resolve_callable(std::string_view function) override {
    return resolve_js_callable(function);
  }

  void define(const function_definition& d) override {
    entered e;
    v8::Isolate* isolate = e.isolate();
    const std::string params = joined(d.params);
    // An expression body is returned; a statement body runs as written.
    auto compile = [&](const std::string& source, v8::TryCatch& caught) -> v8::MaybeLocal<v8::Value> {
      v8::ScriptOrigin origin(isolate, v8_string(isolate, "[js:fn " + d.name + "]"));
      v8::Local<v8::Script> script;
      if (!v8::Script::Compile(e.context(), v8_string(isolate, source), &origin).ToLocal(&script)) return {};
      (void)caught;
      return script->Run(e.context());
    };
    v8::Local<v8::Value> fn;
    {
      v8::TryCatch caught(isolate);
      if (compile("(function (" + params + ") {\nreturn (" + d.body + "\n);\n})", caught).ToLocal(&fn)) {
        engine::get().exported[d.name].Reset(isolate, fn.As<v8::Function>());
        fn.As<v8::Function>()->SetName(v8_string(isolate, d.name));
        return;
      }
    }
    v8::TryCatch caught(isolate);
    if (!compile("(function (" + params + ") {\n" + d.body + "\n})", caught).ToLocal(&fn)) {
      throw_from_js(isolate, caught, "defining js function " + d.name);
    }
    fn.As<v8::Function>()->SetName(v8_string(isolate, d.name));
    engine::get().exported[d.name].Reset(isolate, fn.As<v8::Function>());
  }

  void load(const std::filesystem::path& path) override {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw usage_error("js: cannot load " + path.string() + ": no such file", "js");
    entered e;
    v8::Isolate* isolate = e.isolate();
    v8::Local<v8::Value> exports;
    {
      node::CallbackScope scope(engine::get().env, callback_resource(isolate), {0, 0});
      v8::TryCatch caught(isolate);
      v8::Local<v8::Value> load_file;
      v8::Local<v8::Value> argv[] = {v8_string(isolate, path.string())};
      auto bridge = engine::get().bridge.Get(isolate);
      if (!bridge->Get(e.context(), v8_string(isolate, "loadFile")).ToLocal(&load_file) ||
          !load_file.As<v8::Function>()->Call(e.context(), bridge, 1, argv).ToLocal(&exports)) {
        throw_from_js(isolate, caught, "loading " + path.string());
      }
      handle_rejection_here(exports);
    }
    if (exports->IsPromise()) exports = await_value(exports.As<v8::Promise>());
    if (exports->IsObject()) engine::get().modules[path.stem().string()].Reset(isolate, exports.As<v8::Object>());
  }

  std::string marshal(const nlohmann::json& value) const override {
    // JSON is JS, except integers beyond 2^53, which only BigInt holds exactly, and the key
    // __proto__, which a literal takes for the prototype unless it is a computed key.
    static constexpr literal_spelling k_js_spelling{.big_integer_suffix = "n", .proto_key = R"(["__proto__"])"};
    return source_literal(value, k_js_spelling);
  }

  message send_json(const message& payload, const call_options& options) override {
    return with_deadline(options, [] { return std::string("message handler"); }, [&] { return send_json_now(payload); });
  }

  message send_json_now(const message& payload) {
    entered e;
    v8::Isolate* isolate = e.isolate();
    auto& g = engine::get();
    if (g.message_handler.IsEmpty()) return print_message(isolate, e.context(), payload);
    v8::Local<v8::Value> argv[] = {from_message(isolate, payload)};
    v8::Local<v8::Value> reply;
    {
      node::CallbackScope scope(g.env, callback_resource(isolate), {0, 0});
      v8::TryCatch caught(isolate);
      if (!g.message_handler.Get(isolate)->Call(e.context(), v8::Undefined(isolate), 1, argv).ToLocal(&reply)) {
        throw_from_js(isolate, caught, "handling a JSON message");
      }
      handle_rejection_here(reply);
    }
    return settle(isolate, reply, "the js message handler");
  }

  /// Without a handler, a message is printed in JS, as the seed's comment shows
  /// (`console.log(JSON.stringify(…))`): console.log of its JSON text, so that a program's own
  /// console (a redirected one too) shows it. The reply is null.
  message print_message(v8::Isolate* isolate, v8::Local<v8::Context> context, const message& payload) {
    v8::TryCatch caught(isolate);
    v8::Local<v8::Value> console, log;
    if (!context->Global()->Get(context, v8_string(isolate, "console")).ToLocal(&console) || !console->IsObject() ||
        !console.As<v8::Object>()->Get(context, v8_string(isolate, "log")).ToLocal(&log) || !log->IsFunction()) {
      if (caught.HasCaught()) throw_from_js(isolate, caught, "printing a JSON message");
      throw usage_error("js has no message handler (promethean.onMessage(fn)) and no console.log to print the message with", "js");
    }
    v8::Local<v8::Value> argv[] = {v8_string(isolate, payload.dump())};
    node::CallbackScope scope(engine::get().env, callback_resource(isolate), {0, 0});
    if (log.As<v8::Function>()->Call(context, console, 1, argv).IsEmpty()) {
      throw_from_js(isolate, caught, "printing a JSON message");
    }
    return message();
  }

  void set_message_handler(std::string_view handler) override {
    entered e;
    resolved target = resolve(e.isolate(), e.context(), handler);
    engine::get().message_handler.Reset(e.isolate(), target.fn);
  }

  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) override {
    auto& g = engine::get();
    if (g.adopted) {
      throw usage_error("js: this node is already running its program; run " + path.string() +
                            " with require() or promethean.load() instead",
                        "js");
    }
    // This thread drives the loop from before the script is queued (runMain starts it from the
    // loop, with setImmediate): else the loop thread, taking the lock between the two, could run
    // the whole script itself, and a runtime the script starts would start on that thread.
    loop_driver driving;
    {
      entered e;
      v8::Isolate* isolate = e.isolate();
      v8::TryCatch caught(isolate);
      v8::Local<v8::Array> argv_array = v8::Array::New(isolate, static_cast<int>(args.size()));
      for (std::size_t i = 0; i < args.size(); ++i) {
        argv_array->Set(e.context(), static_cast<std::uint32_t>(i), v8_string(isolate, args[i])).Check();
      }
      v8::Local<v8::Value> run_main;
      v8::Local<v8::Value> argv[] = {v8_string(isolate, std::filesystem::absolute(path).string()), argv_array};
      auto bridge = g.bridge.Get(isolate);
      v8::Local<v8::Value> ignored;
      if (!bridge->Get(e.context(), v8_string(isolate, "runMain")).ToLocal(&run_main) ||
          !run_main.As<v8::Function>()->Call(e.context(), bridge, 2, argv).ToLocal(&ignored)) {
        if (g.interrupted) {  // Ctrl-C stopped the script's own code
          g.exit_code = 128 + SIGINT;
          return *g.exit_code;
        }
        throw_from_js(isolate, caught, "starting " + path.string());
      }
    }
    // The loop as Node runs it (timers, I/O, beforeExit, exit) until nothing is left or
    // process.exit(), but giving the isolate up between callbacks for other threads' calls.
    return run_event_loop();  // which records the code: the program is over, later calls into js say so
  }

  void shutdown() override { engine::get().stop(); }

  void interrupt() override { engine::get().interrupt(); }
  void cancel_calls() override { js::cancel_calls(); }
};

}  // namespace
}  // namespace js

std::unique_ptr<runtime> make_js_runtime(host& h) { return std::make_unique<js::js_runtime>(h); }

std::unique_ptr<runtime> make_adopted_js_runtime(host& h) {
  return std::make_unique<js::js_runtime>(h, js::js_runtime::adopt_running_t{});
}

}  // namespace promethean
