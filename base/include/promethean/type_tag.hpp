/// The `_type` tag that gives a JSON object its meaning to the router ({"_type": "Buffer", …},
/// "MetaObject", "Function", "Error"; meta's code data uses "Symbol" and "Array"): one check for
/// every reader of a tagged shape.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace promethean {

/// True when `j` is an object whose "_type" is the string `tag`.
inline bool has_type_tag(const nlohmann::json& j, std::string_view tag) noexcept {
  if (!j.is_object()) return false;
  auto it = j.find("_type");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == tag;
}

}  // namespace promethean
