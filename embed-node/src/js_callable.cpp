// A JS function resolved once (see js_callable.hpp).
#include "js_callable.hpp"

#include "js_call.hpp"
#include "js_conversion.hpp"
#include "js_deadline.hpp"
#include "js_engine.hpp"

#include <promethean/error.hpp>

#include <string>

namespace promethean::js {
namespace {

class js_callable final : public callable_target {
 public:
  js_callable(std::uint64_t id, const engine::resolved_function* slot, std::string name)
      : m_id(id), m_slot(slot), m_name(std::move(name)) {}

  ~js_callable() override {
    auto& g = engine::get();
    if (!g.alive.load()) return;  // stop() cleared the table
    const std::uint64_t id = m_id;
    g.releases.push([id] { engine::get().resolved_functions.erase(id); });
  }

  js_callable(const js_callable&) = delete;
  js_callable& operator=(const js_callable&) = delete;

  message call_json(const message& args, const call_options& options) const override {
    return with_deadline(options, [&] { return "call of '" + m_name + "'"; }, [&] {
      const nlohmann::json& values = args.value();
      message::cursor at(args);
      return call_with(values.size(), [&](v8::Isolate* isolate, std::size_t i) {
        return from_message_value(isolate, values[i], at);
      });
    });
  }

  message call_typed(std::span<const argument> args, const call_options& options) const override {
    return with_deadline(options, [&] { return "call of '" + m_name + "'"; }, [&] {
      return call_with(args.size(), [&](v8::Isolate* isolate, std::size_t i) { return from_argument(isolate, args[i]); });
    });
  }

 private:
  /// Enters JS, converts argument i with convert(isolate, i) and calls.
  template <class Convert>
  message call_with(std::size_t n, Convert&& convert) const {
    entered e;  // a usage_error once the runtime has shut down
    v8::Isolate* isolate = e.isolate();
    // The slot is there: only this callable's destructor erases it, and the engine (which starts
    // once per process) clears the table only after refusing entry, which `entered` checked.
    // No handle for an undefined `this` (exported and js:fn functions): one V8 call less.
    const resolved target{m_slot->fn.Get(isolate), m_slot->self.IsEmpty() ? v8::Undefined(isolate).As<v8::Value>()
                                                                          : m_slot->self.Get(isolate)};
    return invoke_with(isolate, e.context(), target, n, convert, m_name);
  }

  std::uint64_t m_id;
  const engine::resolved_function* m_slot;  ///< in engine::resolved_functions (nodes do not move)
  std::string m_name;
};

}  // namespace

std::shared_ptr<const callable_target> resolve_js_callable(std::string_view function) {
  entered e;
  v8::Isolate* isolate = e.isolate();
  const resolved target = resolve(isolate, e.context(), function);
  auto& g = engine::get();
  const std::uint64_t id = g.next_resolved_function++;
  auto& slot = g.resolved_functions[id];
  slot.fn.Reset(isolate, target.fn);
  if (!target.self->IsUndefined()) slot.self.Reset(isolate, target.self);  // empty: undefined
  return std::make_shared<js_callable>(id, &slot, std::string(function));
}

}  // namespace promethean::js
