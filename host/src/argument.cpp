// Typed arguments (argument.hpp): their JSON form, for runtimes that take only JSON.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/argument.hpp>
#include <promethean/host/runtime.hpp>

#include <string>
#include <vector>

namespace promethean {

void argument::too_large(std::uint64_t v) {
  throw usage_error("argument " + std::to_string(v) + " is larger than a 64-bit signed integer (the largest " +
                    "integer a typed call carries); pass it as a double or a string");
}

nlohmann::json argument::to_json() const {
  switch (m_kind) {
    case kind::null: return nullptr;
    case kind::boolean: return m_as.b;
    case kind::integer: return m_as.i;
    case kind::number: return m_as.f;
    case kind::string: return std::string(m_as.s.data, m_as.s.size);
    case kind::buffer: return buffer_to_json(*m_as.buf);
  }
  return nullptr;  // not reached: every kind is handled above
}

message to_message(std::span<const argument> args) {
  nlohmann::json values = nlohmann::json::array();
  std::vector<buffer> buffers;
  for (const argument& a : args) {
    values.push_back(a.to_json());
    if (a.type() == argument::kind::buffer) buffers.push_back(a.as_buffer());
  }
  return message(message::in_walk_order, std::move(values), std::move(buffers), {});
}

message runtime::call_typed(std::string_view function, std::span<const argument> args, const call_options& options) {
  return call(function, to_message(args), options);
}

}  // namespace promethean
