/// A function looked up once and called many times: `host.resolve("rust", "imageops.invert")`.
///
/// `host.call(runtime, function, message)` finds the runtime and the function by name and takes a
/// JSON argument list on every call. In a loop that calls the same function, both costs repeat
/// for nothing. A `callable` pays the lookup once, at `resolve`, and its typed call takes the
/// arguments as a list of `argument`s (numbers, booleans, strings, buffers by reference) instead
/// of JSON, so that no JSON is built on the way in: rust passes them to the plugin ABI's typed
/// form (pm_plugin_typed_function) and builds none on the way out either; py and js make their
/// own values from them and call the function object they resolved:
///
///     promethean::callable add = host.resolve("rust", "benchplug.add");
///     promethean::message three = add({1, 2});         // typed: no JSON made
///     promethean::message n = len({image});             // a buffer: a view of the same memory
///     add.call(nlohmann::json::array({1, 2}));          // the JSON form, as host.call takes it
///
/// Results, errors and buffers are exactly those of `host.call` with the same arguments (the
/// typed form of an argument list is the JSON array of the same values). A runtime without a
/// resolution of its own (sh, meta) is called by name with the JSON array, as is a C plugin
/// function without a typed entry. What `resolve` found is kept: a later redefinition of the
/// name is not seen, as with a function kept in a variable.
///
/// Lifetime: a callable is valid while its Host lives; after the runtime shut down, a call is a
/// usage_error. Copies share the resolution. Thread-safety: call from any thread.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/argument.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/runtime.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace promethean {

/// What a runtime resolves a function to (runtime::resolve_callable). Embedders use `callable`; a runtime
/// implements this to offer a faster path than its by-name `call`.
class PROMETHEAN_API callable_target {
 public:
  virtual ~callable_target();
  /// The JSON form: `args` is a JSON array, as for runtime::call.
  virtual message call_json(const message& args, const call_options& options) const = 0;
  /// The typed form. The default makes the JSON message (to_message) and calls the JSON form.
  virtual message call_typed(std::span<const argument> args, const call_options& options) const;
};

class PROMETHEAN_API callable {
 public:
  /// Empty: calling it is a usage_error. Get a real one from host::resolve.
  callable() = default;
  callable(std::shared_ptr<const callable_target> target, std::string runtime_name, std::string function_name);

  /// The typed call: `f({1, 2.5, "text", image})`.
  message operator()(std::initializer_list<argument> args, const call_options& options = {}) const {
    return call(std::span<const argument>(args.begin(), args.size()), options);
  }
  message call(std::span<const argument> args, const call_options& options = {}) const;
  /// The JSON form, exactly as host.call(runtime, function, args) takes it (a JSON array).
  message call(const message& args, const call_options& options = {}) const;

  const std::string& runtime_name() const noexcept { return m_runtime; }
  const std::string& function_name() const noexcept { return m_function; }
  explicit operator bool() const noexcept { return m_target != nullptr; }

 private:
  [[noreturn]] void empty() const;

  std::shared_ptr<const callable_target> m_target;
  std::string m_runtime;
  std::string m_function;
};

}  // namespace promethean
