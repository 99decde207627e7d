/// MetaObject: a result together with the runtime it came from,
/// {"_type": "MetaObject", "source": "py", "data": 45}. What `eval-in` and cross-runtime calls
/// return, so that a script always knows which brain produced a value.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/message.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace promethean {

struct PROMETHEAN_API meta_object {
  std::string source;
  message data;

  nlohmann::json to_json() const;
  static bool is_meta_object(const nlohmann::json& j) noexcept;
  /// Reads {"_type": "MetaObject", "source", "data"}; throws message_error otherwise.
  static meta_object from_json(const nlohmann::json& j);
};

}  // namespace promethean
