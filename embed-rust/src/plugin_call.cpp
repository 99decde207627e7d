// Calling a plugin function: the JSON form (arguments as text plus buffer views), the typed form
// (a C array of pm_value, from a message or from typed arguments), errors rethrown with where
// they passed through, results back into messages.
#include "plugin_call.hpp"

#include "abi_objects.hpp"

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/pending_call.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace promethean::rust {
namespace {

/// Arguments the typed form takes from the stack; a longer list goes the JSON way.
constexpr std::size_t k_max_typed = 8;

/// The error a plugin function returned, thrown with where it passed through.
[[noreturn]] void rethrow(pm_error* failed, const plugin_library::function& f) {
  error e = detail::c_error_take(failed);
  const std::string where = "[rust] in " + f.qualified;
  std::string trace = e.trace().empty() ? where : e.trace() + "\n" + where;
  if (e.runtime() == "rust") throw plugin_error(e.type(), e.message(), trace);
  throw error(e.runtime(), e.type(), e.message(), trace);  // another runtime's, passed through
}

/// A pending result (ABI 1.2) waited for, by a blocking call: within this thread's deadline when
/// it has one (an enclosing timed call's), then a Timeout that tells the plugin to stop.
message wait_for(const std::shared_ptr<pending_call>& p, const plugin_library::function& f) {
  std::optional<pending_call::outcome> outcome;
  if (const auto until = thread_deadline()) {
    const auto limit = std::chrono::ceil<std::chrono::milliseconds>(*until - watchdog::clock::now());
    outcome = p->wait(*until);
    if (!outcome) {
      p->abandon(std::make_exception_ptr(timeout_error("rust", "call of '" + f.qualified + "'", limit)));
      outcome = p->wait();  // the Timeout, or the value that came first
    }
  } else {
    outcome = p->wait();
  }
  return std::move(*outcome).take();
}

/// A result that may be pending: handed to the async caller (`deferred`), or waited for.
message finish_result(pm_result& result, std::shared_ptr<pending_call>* deferred, const plugin_library::function& f) {
  if (deferred != nullptr) {
    *deferred = std::move(result.pending);
    return message();
  }
  return wait_for(result.pending, f);
}

/// The typed form's result as a message: a scalar as it is, anything else from `result`.
message typed_result(const pm_value& out, pm_result&& result, const plugin_library::function& f,
                     std::shared_ptr<pending_call>* deferred) {
  if (result.pending) return finish_result(result, deferred, f);
  switch (out.kind) {
    case PM_VALUE_NULL: return message();
    case PM_VALUE_BOOL: return message(nlohmann::json(out.as.b != 0), {}, {});
    case PM_VALUE_INT: return message(nlohmann::json(out.as.i), {}, {});
    case PM_VALUE_FLOAT: return message(nlohmann::json(out.as.f), {}, {});
    case PM_VALUE_RESULT: return from_abi(std::move(result), f.qualified);
    default:
      throw plugin_error("BadResult", f.qualified + " returned a value of kind " + std::to_string(out.kind) +
                                          " (expected NULL, BOOL, INT, FLOAT or RESULT)");
  }
}

/// Calls the typed form with `count` values and `view_count` views already filled.
message call_typed_form(const plugin_library& lib, const plugin_library::function& f, const pm_value* values,
                        std::size_t count, const pm_buffer_view* views, std::size_t view_count,
                        std::shared_ptr<pending_call>* deferred) {
  pm_value out{};
  pm_result result;
  pm_error* failed = f.typed(lib.api(), values, count, views, view_count, &out, &result);
  if (failed != nullptr) rethrow(failed, f);
  return typed_result(out, std::move(result), f, deferred);
}

/// The buffer a message's handle object names, among the message's own buffers; null when the
/// object is not such a handle (the JSON path then resolves it, or says why not).
const buffer* handle_buffer(const nlohmann::json& v, const message& args, std::size_t next) {
  auto id = v.find("buffer_id");
  if (id == v.end() || !id->is_string()) return nullptr;
  const std::string& wanted = id->get_ref<const std::string&>();
  const auto& held = args.buffers();
  // Usually in order: try the next one first.
  if (next < held.size() && held[next].id() == wanted) return &held[next];
  for (const auto& b : held) {
    if (b.id() == wanted) return &b;
  }
  return nullptr;
}

/// A message's own buffer reference, lent for the call (pm_buffer is layout-compatible).
pm_buffer* lent(const buffer& b) { return reinterpret_cast<pm_buffer*>(const_cast<buffer*>(&b)); }

/// The typed form from a message, when every argument is a scalar, a string or a buffer handle.
std::optional<message> call_typed(const plugin_library& lib, const plugin_library::function& f, const message& args,
                                  std::shared_ptr<pending_call>* deferred) {
  const nlohmann::json& values = args.value();
  if (!values.is_array() || values.size() > k_max_typed) return std::nullopt;
  std::array<pm_value, k_max_typed> typed{};
  std::array<pm_buffer_view, k_max_typed> views;
  std::size_t view_count = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const nlohmann::json& v = values[i];
    pm_value& t = typed[i];
    switch (v.type()) {
      case nlohmann::json::value_t::null: t.kind = PM_VALUE_NULL; break;
      case nlohmann::json::value_t::boolean:
        t.kind = PM_VALUE_BOOL;
        t.as.b = v.get<bool>() ? 1 : 0;
        break;
      case nlohmann::json::value_t::number_integer:
        t.kind = PM_VALUE_INT;
        t.as.i = v.get<std::int64_t>();
        break;
      case nlohmann::json::value_t::number_unsigned: {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        t.kind = PM_VALUE_INT;
        t.as.i = static_cast<std::int64_t>(u);
        break;
      }
      case nlohmann::json::value_t::number_float:
        t.kind = PM_VALUE_FLOAT;
        t.as.f = v.get<double>();
        break;
      case nlohmann::json::value_t::string: {
        const auto& s = v.get_ref<const std::string&>();
        t.kind = PM_VALUE_STRING;
        t.as.s.data = s.data();
        t.as.s.length = s.size();
        break;
      }
      case nlohmann::json::value_t::object: {
        // Only Buffer handles put buffers into a message, so a "buffer_id" naming one of the
        // message's buffers is a handle.
        const buffer* found = handle_buffer(v, args, view_count);
        if (found == nullptr) return std::nullopt;
        fill_view(*found, lent(*found), views[view_count]);
        t.kind = PM_VALUE_BUFFER;
        t.view = static_cast<std::uint32_t>(view_count++);
        break;
      }
      default: return std::nullopt;
    }
  }
  return call_typed_form(lib, f, typed.data(), values.size(), views.data(), view_count, deferred);
}

/// The JSON text form: every buffer handle annotated with its view index.
message call_json(const plugin_library& lib, const plugin_library::function& f, const message& args,
                  std::shared_ptr<pending_call>* deferred = nullptr) {
  nlohmann::json value;
  std::vector<buffer> buffers;
  to_abi(args, value, buffers);
  const std::string text = value.dump();
  std::deque<pm_buffer> refs;  // stable addresses for the views
  std::vector<pm_buffer_view> views(buffers.size());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    refs.push_back(pm_buffer{buffers[i]});
    fill_view(buffers[i], &refs.back(), views[i]);
  }
  pm_result result;
  pm_error* failed = f.fn(lib.api(), text.data(), text.size(), views.data(), views.size(), &result);
  if (failed != nullptr) rethrow(failed, f);
  if (result.pending) return finish_result(result, deferred, f);
  return from_abi(std::move(result), f.qualified);
}

class plugin_callable final : public callable_target {
 public:
  plugin_callable(const plugin_library& lib, const plugin_library::function& f) : m_lib(lib), m_fn(f) {}

  message call_json(const message& args, const call_options& options) const override {
    check_attached();
    refuse_timeout(options, m_fn.qualified);
    return call_plugin(m_lib, m_fn, args);
  }

  message call_typed(std::span<const argument> args, const call_options& options) const override {
    check_attached();
    refuse_timeout(options, m_fn.qualified);
    return call_plugin(m_lib, m_fn, args);
  }

 private:
  void check_attached() const {
    if (!m_lib.attached()) {
      throw usage_error("cannot call " + m_fn.qualified + ": the rust runtime that loaded it has shut down", "rust");
    }
  }

  const plugin_library& m_lib;
  const plugin_library::function& m_fn;
};

}  // namespace

void refuse_timeout(const call_options& options, const std::string& function) {
  if (!options.timeout) return;
  // Tighter than this thread's deadline (or without one): the timeout is this call's own.
  const auto enclosing = thread_deadline();
  if (enclosing && watchdog::clock::now() + *options.timeout >= *enclosing) return;
  throw usage_error("rust calls cannot be timed out: " + function +
                        " is native plugin code, which runs to its end once called. Give the timeout to the py or "
                        "js call around it instead (the calls the plugin makes back into py or js are stopped when "
                        "it passes)",
                    "rust");
}

message call_plugin(const plugin_library& lib, const plugin_library::function& f, const message& args,
                    std::shared_ptr<pending_call>* deferred) {
  if (f.typed != nullptr) {
    if (auto fast = call_typed(lib, f, args, deferred)) return std::move(*fast);
  }
  return call_json(lib, f, args, deferred);
}

message call_plugin(const plugin_library& lib, const plugin_library::function& f, std::span<const argument> args) {
  if (f.typed == nullptr || args.size() > k_max_typed) return call_json(lib, f, to_message(args));
  // Only the values in use are written (zeroed first): this runs on every call.
  std::array<pm_value, k_max_typed> typed;
  std::array<pm_buffer_view, k_max_typed> views;
  std::size_t view_count = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const argument& a = args[i];
    pm_value& t = typed[i];
    t = pm_value{};
    switch (a.type()) {
      case argument::kind::null: t.kind = PM_VALUE_NULL; break;
      case argument::kind::boolean:
        t.kind = PM_VALUE_BOOL;
        t.as.b = a.as_bool() ? 1 : 0;
        break;
      case argument::kind::integer:
        t.kind = PM_VALUE_INT;
        t.as.i = a.as_int();
        break;
      case argument::kind::number:
        t.kind = PM_VALUE_FLOAT;
        t.as.f = a.as_double();
        break;
      case argument::kind::string: {
        const std::string_view s = a.as_string();
        t.kind = PM_VALUE_STRING;
        t.as.s.data = s.data();
        t.as.s.length = s.size();
        break;
      }
      case argument::kind::buffer: {
        // The caller's own reference, lent for the call: no count taken, nothing allocated.
        const buffer& b = a.as_buffer();
        if (!b) throw usage_error("argument " + std::to_string(i + 1) + " of " + f.qualified + " is an empty buffer", "rust");
        fill_view(b, lent(b), views[view_count]);
        t.kind = PM_VALUE_BUFFER;
        t.view = static_cast<std::uint32_t>(view_count++);
        break;
      }
    }
  }
  return call_typed_form(lib, f, typed.data(), args.size(), views.data(), view_count, nullptr);
}

std::shared_ptr<const callable_target> make_callable(const plugin_library& lib, const plugin_library::function& f) {
  return std::make_shared<plugin_callable>(lib, f);
}

}  // namespace promethean::rust
