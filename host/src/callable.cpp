// Callables: a function resolved once (host::resolve), and the generic target for runtimes
// without a faster path than their call by name.
#include <promethean/error.hpp>
#include <promethean/host/callable.hpp>
#include <promethean/host/host.hpp>

#include <vector>

namespace promethean {
namespace {

/// A runtime without its own resolution: every call goes through host.call by name, so that a
/// runtime shut down in the meantime is the host's clear error, never a dangling runtime.
class by_name_target final : public callable_target {
 public:
  by_name_target(host& h, std::string runtime_name, std::string function)
      : m_host(h), m_runtime(std::move(runtime_name)), m_function(std::move(function)) {}

  message call_json(const message& args, const call_options& options) const override {
    return m_host.call(m_runtime, m_function, args, options);
  }

 private:
  host& m_host;
  std::string m_runtime;
  std::string m_function;
};

}  // namespace

callable_target::~callable_target() = default;

message callable_target::call_typed(std::span<const argument> args, const call_options& options) const {
  return call_json(to_message(args), options);
}

std::shared_ptr<const callable_target> runtime::resolve_callable(std::string_view) { return nullptr; }

int runtime::run_command_line(const std::vector<std::string>&) {
  throw usage_error("the " + std::string(name()) + " runtime has no command line of its own to run");
}

callable::callable(std::shared_ptr<const callable_target> target, std::string runtime_name, std::string function_name)
    : m_target(std::move(target)), m_runtime(std::move(runtime_name)), m_function(std::move(function_name)) {}

void callable::empty() const {
  throw usage_error("call of an empty callable: get one from host.resolve(runtime, function)");
}

message callable::call(std::span<const argument> args, const call_options& options) const {
  if (m_target == nullptr) empty();
  return m_target->call_typed(args, options);
}

message callable::call(const message& args, const call_options& options) const {
  if (m_target == nullptr) empty();
  if (!args.value().is_array()) throw usage_error("call arguments must be a JSON array, got " + args.dump());
  return m_target->call_json(args, options);
}

callable host::resolve(std::string_view runtime_name, std::string_view function) {
  runtime& rt = get(runtime_name);
  std::shared_ptr<const callable_target> target = rt.resolve_callable(function);
  if (target == nullptr) target = std::make_shared<by_name_target>(*this, std::string(runtime_name), std::string(function));
  return callable(std::move(target), std::string(runtime_name), std::string(function));
}

}  // namespace promethean
