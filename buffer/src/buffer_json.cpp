// Buffer ↔ JSON handle.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/type_tag.hpp>

#include "buffer_state.hpp"

#include <memory>

namespace promethean {

namespace {
nlohmann::json make_handle(const buffer& b) {
  // Member by member into the object: an initializer list copies every element once more, and a
  // buffer adopted per call builds its handle on each call.
  nlohmann::json handle(nlohmann::json::value_t::object);
  auto& members = handle.get_ref<nlohmann::json::object_t&>();
  members.emplace("_type", "Buffer");
  members.emplace("buffer_id", b.id());
  members.emplace("format", std::string(dtype_name(b.format())));
  members.emplace("shape", b.shape());
  members.emplace("strides", b.strides());
  members.emplace("language", b.language());
  members.emplace("type", b.type_name().empty() ? nlohmann::json(nullptr) : nlohmann::json(b.type_name()));
  members.emplace("readonly", b.readonly());
  return handle;
}
}  // namespace

nlohmann::json buffer_info_json(const buffer& b) {
  nlohmann::json info = buffer_to_json(b);
  info["address"] = reinterpret_cast<std::uintptr_t>(b.cdata());
  info["nbytes"] = b.nbytes();
  return info;
}

nlohmann::json buffer_to_json(const buffer& b) {
  const detail::buffer_state& st = b.state();
  if (const nlohmann::json* ready = st.handle.load(std::memory_order_acquire)) return *ready;
  if (!st.handle_asked.exchange(true, std::memory_order_relaxed)) return make_handle(b);
  // Two threads may build it at once; the first to publish wins and the other's copy is dropped.
  auto built = std::make_unique<const nlohmann::json>(make_handle(b));
  const nlohmann::json* expected = nullptr;
  if (st.handle.compare_exchange_strong(expected, built.get(), std::memory_order_acq_rel)) return *built.release();
  return *expected;
}

namespace {
/// The "buffer_id" member of `handle` when the handle is exactly what make_handle gives for a
/// buffer of b's layout, whatever its id (a string); null otherwise. The members are walked in the
/// object's (sorted) key order.
std::string* id_if_same_layout(nlohmann::json& handle, const buffer& b) {
  if (!handle.is_object() || handle.size() != 8) return nullptr;
  auto& members = handle.get_ref<nlohmann::json::object_t&>();
  auto it = members.begin();
  auto at = [&](std::string_view key) -> nlohmann::json* {
    if (it == members.end() || it->first != key) return nullptr;
    return &(it++)->second;
  };
  auto is_string = [](const nlohmann::json* j, std::string_view s) {
    return j != nullptr && j->is_string() && j->get_ref<const std::string&>() == s;
  };
  if (!is_string(at("_type"), "Buffer")) return nullptr;
  nlohmann::json* id = at("buffer_id");
  if (id == nullptr || !id->is_string()) return nullptr;
  if (!is_string(at("format"), dtype_name(b.format()))) return nullptr;
  if (!is_string(at("language"), b.language())) return nullptr;
  const nlohmann::json* readonly = at("readonly");
  if (readonly == nullptr || !readonly->is_boolean() || readonly->get<bool>() != b.readonly()) return nullptr;
  const nlohmann::json* shape = at("shape");
  if (shape == nullptr || !shape->is_array() || shape->size() != b.ndim()) return nullptr;
  for (std::size_t i = 0; i < b.ndim(); ++i) {
    const nlohmann::json& e = (*shape)[i];
    if (!e.is_number_unsigned() || e.get_ref<const nlohmann::json::number_unsigned_t&>() != b.shape()[i]) return nullptr;
  }
  const nlohmann::json* strides = at("strides");
  if (strides == nullptr || !strides->is_array() || strides->size() != b.strides().size()) return nullptr;
  for (std::size_t i = 0; i < b.strides().size(); ++i) {
    const nlohmann::json& e = (*strides)[i];
    if (e.type() != nlohmann::json::value_t::number_integer ||
        e.get_ref<const nlohmann::json::number_integer_t&>() != b.strides()[i]) {
      return nullptr;
    }
  }
  const nlohmann::json* type = at("type");
  if (type == nullptr) return nullptr;
  const bool same_type = b.type_name().empty() ? type->is_null() : is_string(type, b.type_name());
  return same_type ? &id->get_ref<std::string&>() : nullptr;
}
}  // namespace

void refresh_buffer_handle(nlohmann::json& handle, const buffer& b) {
  std::string* id = id_if_same_layout(handle, b);
  if (id == nullptr) {
    handle = buffer_to_json(b);
  } else if (*id != b.id()) {
    id->assign(b.id());  // into the string's own memory: ids of a run differ in a digit or two
  }
}

bool is_buffer_handle(const nlohmann::json& j) noexcept {
  return has_type_tag(j, "Buffer");
}

buffer buffer_from_json(const nlohmann::json& j) {
  if (!is_buffer_handle(j)) throw message_error("not a Buffer handle: " + j.dump());
  auto id = j.find("buffer_id");
  if (id == j.end() || !id->is_string()) throw message_error("Buffer handle without a string buffer_id: " + j.dump());
  auto found = ledger::instance().find(id->get<std::string>());
  if (!found) {
    throw message_error("Buffer handle names " + id->get<std::string>() +
                        ", which is not a live buffer (released, or never created here)");
  }
  const buffer& b = *found;
  auto mismatch = [&](const char* field, const nlohmann::json& live) {
    auto it = j.find(field);
    if (it != j.end() && *it != live) {
      throw message_error("Buffer handle for " + b.id() + " says " + field + " is " + it->dump() +
                          " but the live buffer has " + live.dump());
    }
  };
  mismatch("format", std::string(dtype_name(b.format())));
  mismatch("shape", b.shape());
  mismatch("strides", b.strides());
  mismatch("readonly", b.readonly());
  return b;
}

}  // namespace promethean
