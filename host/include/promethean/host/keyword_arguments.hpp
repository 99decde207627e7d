// Keyword arguments of a call, as they travel in its message: the last argument is
// {"_type": "Kwargs", "values": {name: value, …}}. Every caller makes it the same way (Python's
// `call(rt, fn, *args, **kwargs)` and `promethean.kw`, JS's `promethean.kw({...})`, meta's
// `:name value`, the C API's JSON); a Python callee receives them as keyword arguments, a JS
// callee as a last plain object (the options-object idiom), and a runtime whose functions take
// none (rust, sh) refuses them with an error that says so. In the middle of a value the marker
// is data like any object.
#pragma once

#include <promethean/error.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace promethean::keyword_arguments {

inline constexpr std::string_view k_type = "Kwargs";

/// True for a keyword-arguments marker: an object whose "_type" is "Kwargs" with an object "values".
inline bool is_marker(const nlohmann::json& j) {
  if (!j.is_object()) return false;
  const auto type = j.find("_type");
  if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>() != k_type) return false;
  const auto values = j.find("values");
  return values != j.end() && values->is_object();
}

/// The marker of `values` (an object: name → value).
inline nlohmann::json marker(nlohmann::json values) {
  return nlohmann::json{{"_type", std::string(k_type)}, {"values", std::move(values)}};
}

/// The keyword values of a call's arguments (a JSON array), or null when it has none.
inline const nlohmann::json* of(const nlohmann::json& args) {
  if (!args.is_array() || args.empty() || !is_marker(args.back())) return nullptr;
  return &args.back().at("values");
}

/// For a runtime whose functions take no keyword arguments: a TypeError naming the call if
/// `args` has some.
inline void refuse(const nlohmann::json& args, std::string_view runtime, std::string_view function) {
  const nlohmann::json* values = of(args);
  if (values == nullptr) return;
  std::string names;
  for (const auto& [name, value] : values->items()) names += (names.empty() ? "" : ", ") + name;
  throw error(std::string(runtime), "TypeError",
              std::string(runtime) + " function " + std::string(function) +
                  " takes no keyword arguments (got " + names + "); pass them positionally");
}

}  // namespace promethean::keyword_arguments
