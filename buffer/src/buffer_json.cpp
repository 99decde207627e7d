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
