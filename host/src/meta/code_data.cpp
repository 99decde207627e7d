#include "code_data.hpp"
#include "reader.hpp"

#include <promethean/error.hpp>
#include <promethean/type_tag.hpp>

namespace promethean::meta {

namespace {

/// A string that the reader would read back as one keyword.
bool keyword_text(const std::string& s) {
  if (s.size() < 2 || s[0] != ':') return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (ends_atom(s[i])) return false;
  }
  return true;
}

}  // namespace

nlohmann::json symbol_data(const std::string& name) { return {{"_type", "Symbol"}, {"name", name}}; }

bool is_symbol_data(const nlohmann::json& value, std::string* name) {
  if (!has_type_tag(value, "Symbol") || value.size() != 2) return false;
  auto it = value.find("name");
  if (it == value.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return false;
  if (name) *name = it->get<std::string>();
  return true;
}

nlohmann::json to_code_data(const node& form) {
  switch (form.type) {
    case node::kind::null: return nullptr;
    case node::kind::boolean: return form.boolean;
    case node::kind::integer: return form.integer;
    case node::kind::real: return form.real;
    case node::kind::string: return form.text;
    case node::kind::keyword: return ":" + form.text;
    case node::kind::symbol: return symbol_data(form.text);
    case node::kind::list: {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& item : form.items) items.push_back(to_code_data(item));
      return items;
    }
    case node::kind::array: {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& item : form.items) items.push_back(to_code_data(item));
      return {{"_type", "Array"}, {"items", std::move(items)}};
    }
  }
  return nullptr;
}

namespace {
node from_code_data_at(const nlohmann::json& value, const message& whole, const source_location& where,
                       const splice_binder& bind, int depth) {
  // Data made at run time (a macro's result, a value built in a loop) can nest deeper than any
  // source: refused here as the reader refuses it, before the walks over forms recurse on it.
  if (depth > k_max_nesting) {
    throw script_error("RecursionError",
                       "code as data nested deeper than " + std::to_string(k_max_nesting) + " levels", where);
  }
  node n;
  n.where = where;
  std::string name;
  if (value.is_null()) {
    n.type = node::kind::null;
  } else if (value.is_boolean()) {
    n.type = node::kind::boolean;
    n.boolean = value.get<bool>();
  } else if (value.is_number_integer() || value.is_number_unsigned()) {
    n.type = node::kind::integer;
    n.integer = value.get<std::int64_t>();
  } else if (value.is_number()) {
    n.type = node::kind::real;
    n.real = value.get<double>();
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (keyword_text(s)) {
      n.type = node::kind::keyword;
      n.text = s.substr(1);
    } else {
      n.type = node::kind::string;
      n.text = s;
    }
  } else if (value.is_array()) {
    n.type = node::kind::list;
    for (const auto& item : value) n.items.push_back(from_code_data_at(item, whole, where, bind, depth + 1));
  } else if (is_symbol_data(value, &name)) {
    n.type = node::kind::symbol;
    n.text = std::move(name);
  } else if (has_type_tag(value, "Array") && value.contains("items") && value["items"].is_array()) {
    n.type = node::kind::array;
    for (const auto& item : value["items"]) n.items.push_back(from_code_data_at(item, whole, where, bind, depth + 1));
  } else {
    // An object, a Buffer or a Function handle: no literal syntax, so refer to it by a name.
    n.type = node::kind::symbol;
    n.text = bind(message(value, whole.buffers(), whole.functions()));
  }
  return n;
}
}  // namespace

node from_code_data(const nlohmann::json& value, const message& whole, const source_location& where,
                    const splice_binder& bind) {
  return from_code_data_at(value, whole, where, bind, 0);
}

}  // namespace promethean::meta
