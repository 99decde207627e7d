/// A JSON value written as source text of a runtime's language: what each runtime's `marshal`
/// entry gives (`(marshal "py" value)` in meta, `host::marshal`).
///
/// One walk for every language; a language gives only its spelling. Numbers and strings are
/// written as JSON writes them, which Python, JavaScript and meta all read as the same value.
#pragma once

#include <promethean/config.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace promethean {

/// How a language spells what JSON holds. The defaults are JSON's (and JavaScript's) own.
struct literal_spelling {
  std::string_view null_value = "null";
  std::string_view true_value = "true";
  std::string_view false_value = "false";
  std::string_view array_open = "[";
  std::string_view item_separator = ", ";
  std::string_view array_close = "]";
  std::string_view object_open = "{";
  std::string_view first_member_prefix = "";  ///< before the first member only
  std::string_view member_separator = ", ";   ///< between members
  std::string_view key_value_separator = ": ";
  std::string_view object_close = "}";
  /// Written after an integer beyond ±(2^53 - 1), which a double cannot hold exactly (JavaScript:
  /// "n", a BigInt); empty when the language's integers hold any size.
  std::string_view big_integer_suffix = "";
  /// How the key "__proto__" is written, where the language's object literal takes it for
  /// something other than a property (JavaScript: {"__proto__": v} sets the prototype, or is
  /// dropped when v is not an object; {["__proto__"]: v} makes an own property, as JSON.parse
  /// does); empty when the key is written like any other.
  std::string_view proto_key = "";
};

/// `value` as a literal of the language spelt by `spelling`.
PROMETHEAN_API std::string source_literal(const nlohmann::json& value, const literal_spelling& spelling);

}  // namespace promethean
