// Messages: JSON plus the live references it names; and MetaObjects.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/meta_object.hpp>
#include <promethean/host/runtime.hpp>
#include <promethean/type_tag.hpp>

namespace promethean {
namespace {
void collect(const nlohmann::json& j, std::vector<buffer>& buffers, std::vector<function_ref>& functions) {
  if (j.is_object()) {
    if (is_buffer_handle(j)) {
      buffers.push_back(buffer_from_json(j));
      return;
    }
    if (function_handle::is_handle(j)) {
      auto id = j.find("function_id");
      if (id == j.end() || !id->is_string()) throw message_error("Function handle without a function_id: " + j.dump());
      auto f = function_handle::find(id->get<std::string>());
      if (!f) throw message_error("Function handle names " + id->get<std::string>() + ", which is not a live function");
      functions.push_back(std::move(f));
      return;
    }
    for (const auto& [key, value] : j.items()) collect(value, buffers, functions);
  } else if (j.is_array()) {
    for (const auto& value : j) collect(value, buffers, functions);
  }
}
}  // namespace

runtime::~runtime() = default;

message::message(nlohmann::json value) : m_value(std::move(value)) { collect(m_value, m_buffers, m_functions); }

message::message(nlohmann::json value, std::vector<buffer> buffers, std::vector<function_ref> functions)
    : m_value(std::move(value)), m_buffers(std::move(buffers)), m_functions(std::move(functions)) {}

message message::of(const buffer& b) { return message(buffer_to_json(b), {b}, {}); }

message message::of(const function_ref& f) { return message(f->to_json(), {}, {f}); }

std::optional<buffer> message::find_buffer(std::string_view id) const {
  for (const auto& b : m_buffers) {
    if (b.id() == id) return b;
  }
  return std::nullopt;
}

std::optional<buffer> message::as_buffer() const {
  if (!is_buffer_handle(m_value)) return std::nullopt;
  return find_buffer(m_value.value("buffer_id", ""));
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
