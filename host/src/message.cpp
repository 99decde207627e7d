// Messages: JSON plus the live references it names; and MetaObjects.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/json_text.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/meta_object.hpp>
#include <promethean/host/runtime.hpp>
#include <promethean/type_tag.hpp>

namespace promethean {
namespace {
/// Calls on_buffer(handle) and on_function(handle) at each handle inside `j`, in walk order (see
/// message.hpp): the order receivers' conversions walk a value in.
/// Every message is walked once when it is made, so the bound on nesting sits here: a value
/// made in C++ or in meta (not parsed from text, see json_text.hpp) that nests deeper is an error
/// here, before any conversion or dump() recurses through it.
template <class OnBuffer, class OnFunction>
void walk(const nlohmann::json& j, OnBuffer& on_buffer, OnFunction& on_function, std::size_t depth = 0) {
  if (!j.is_structured()) return;
  if (depth >= k_max_json_depth) {
    throw message_error("a message nested deeper than " + std::to_string(k_max_json_depth) +
                        " levels (arrays and objects): refused");
  }
  if (j.is_object()) {
    if (is_buffer_handle(j)) {
      on_buffer(j);
    } else if (function_handle::is_handle(j)) {
      on_function(j);
    } else {
      for (const auto& value : j) walk(value, on_buffer, on_function, depth + 1);  // members in key order
    }
  } else {
    for (const auto& value : j) walk(value, on_buffer, on_function, depth + 1);
  }
}

/// The id a handle names under `key`, or null when it has none (a malformed handle).
const std::string* handle_id(const nlohmann::json& handle, const char* key) {
  auto it = handle.find(key);
  return it != handle.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::string named(const nlohmann::json& handle, const char* kind, const char* key) {
  const std::string* id = handle_id(handle, key);
  return id != nullptr ? std::string(kind) + " handle names " + *id
                       : std::string(kind) + " handle without a string " + key + " (" + handle.dump() + ")";
}

[[noreturn]] void not_held(const nlohmann::json& handle, const char* kind, const char* key) {
  throw message_error(named(handle, kind, key) + ", which the message carrying it does not hold (JSON forged, or a " +
                      "message put together without it)");
}
}  // namespace

runtime::~runtime() = default;

message::message(nlohmann::json value) : m_value(std::move(value)) {
  auto on_buffer = [&](const nlohmann::json& h) { resolve_handle(h, m_buffers, m_functions); };
  walk(m_value, on_buffer, on_buffer);
}

message::message(nlohmann::json value, std::vector<buffer> buffers, std::vector<function_ref> functions)
    : m_value(std::move(value)) {
  // The common case first: the vectors are exactly the handles, in walk order.
  std::size_t b = 0;
  std::size_t f = 0;
  bool in_order = true;
  auto check_buffer = [&](const nlohmann::json& h) {
    const std::string* id = handle_id(h, "buffer_id");
    in_order = in_order && id != nullptr && b < buffers.size() && buffers[b].id() == *id;
    ++b;
  };
  auto check_function = [&](const nlohmann::json& h) {
    const std::string* id = handle_id(h, "function_id");
    in_order = in_order && id != nullptr && f < functions.size() && functions[f]->id() == *id;
    ++f;
  };
  walk(m_value, check_buffer, check_function);
  if (in_order && b == buffers.size() && f == functions.size()) {
    m_buffers = std::move(buffers);
    m_functions = std::move(functions);
    return;
  }
  // A part of a larger message: pick what the value names, in walk order.
  m_buffers.reserve(b);
  m_functions.reserve(f);
  auto pick_buffer = [&](const nlohmann::json& h) {
    const std::string* id = handle_id(h, "buffer_id");
    for (const auto& candidate : buffers) {
      if (id != nullptr && candidate.id() == *id) return m_buffers.push_back(candidate);
    }
    not_held(h, "Buffer", "buffer_id");
  };
  auto pick_function = [&](const nlohmann::json& h) {
    const std::string* id = handle_id(h, "function_id");
    for (const auto& candidate : functions) {
      if (id != nullptr && candidate->id() == *id) return m_functions.push_back(candidate);
    }
    not_held(h, "Function", "function_id");
  };
  walk(m_value, pick_buffer, pick_function);
}

message message::of(const buffer& b) { return message(in_walk_order, buffer_to_json(b), {b}, {}); }

message message::of(const function_ref& f) { return message(in_walk_order, f->to_json(), {}, {f}); }

std::optional<buffer> message::as_buffer() const {
  if (!is_buffer_handle(m_value)) return std::nullopt;
  return cursor(*this).next_buffer(m_value);
}

bool message::resolve_handle(const nlohmann::json& object, std::vector<buffer>& buffers,
                             std::vector<function_ref>& functions) {
  if (is_buffer_handle(object)) {
    buffers.push_back(buffer_from_json(object));
    return true;
  }
  if (!function_handle::is_handle(object)) return false;
  const std::string* id = handle_id(object, "function_id");
  if (id == nullptr) throw message_error("Function handle without a function_id: " + object.dump());
  auto f = function_handle::find(*id);
  if (!f) throw message_error("Function handle names " + *id + ", which is not a live function");
  functions.push_back(std::move(f));
  return true;
}

const buffer& message::cursor::next_buffer(const nlohmann::json& handle) {
  const auto& held = m_message->m_buffers;
  const std::string* id = handle_id(handle, "buffer_id");
  if (id == nullptr || m_buffer >= held.size() || held[m_buffer].id() != *id) not_held(handle, "Buffer", "buffer_id");
  return held[m_buffer++];
}

const function_ref& message::cursor::next_function(const nlohmann::json& handle) {
  const auto& held = m_message->m_functions;
  const std::string* id = handle_id(handle, "function_id");
  if (id == nullptr || m_function >= held.size() || held[m_function]->id() != *id) {
    not_held(handle, "Function", "function_id");
  }
  return held[m_function++];
}

nlohmann::json meta_object::to_json() const {
  return {{"_type", "MetaObject"}, {"source", source}, {"data", data.value()}};
}

bool meta_object::is_meta_object(const nlohmann::json& j) noexcept {
  return has_type_tag(j, "MetaObject");
}

meta_object meta_object::from_json(const nlohmann::json& j) {
  if (!is_meta_object(j) || !j.contains("source") || !j["source"].is_string()) {
    throw message_error("not a MetaObject: " + j.dump());
  }
  return meta_object{j["source"].get<std::string>(), message(j.value("data", nlohmann::json()))};
}

}  // namespace promethean
