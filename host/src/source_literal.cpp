// A JSON value as source text of a runtime's language (source_literal.hpp): one walk, the
// language's spelling as a parameter.
#include <promethean/host/source_literal.hpp>

namespace promethean {
namespace {
void append_literal(std::string& out, const nlohmann::json& value, const literal_spelling& spelling) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: out += spelling.null_value; return;
    case nlohmann::json::value_t::boolean: out += value.get<bool>() ? spelling.true_value : spelling.false_value; return;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: {
      out += value.dump();
      const double d = value.get<double>();
      if (!spelling.big_integer_suffix.empty() && (d > 9007199254740991.0 || d < -9007199254740991.0)) {
        out += spelling.big_integer_suffix;
      }
      return;
    }
    case nlohmann::json::value_t::array:
      out += spelling.array_open;
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += spelling.item_separator;
        append_literal(out, value[i], spelling);
      }
      out += spelling.array_close;
      return;
    case nlohmann::json::value_t::object: {
      out += spelling.object_open;
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        out += first ? spelling.first_member_prefix : spelling.member_separator;
        if (!spelling.proto_key.empty() && key == "__proto__") {
          out += spelling.proto_key;
        } else {
          out += nlohmann::json(key).dump();
        }
        out += spelling.key_value_separator;
        append_literal(out, item, spelling);
        first = false;
      }
      out += spelling.object_close;
      return;
    }
    default: out += value.dump(); return;  // reals; strings (JSON's escapes are valid in each language)
  }
}
}  // namespace

std::string source_literal(const nlohmann::json& value, const literal_spelling& spelling) {
  std::string out;
  append_literal(out, value, spelling);
  return out;
}

}  // namespace promethean
