// Meta expressions as Python or JavaScript source.
#include "render.hpp"

#include <promethean/error.hpp>

#include <nlohmann/json.hpp>

#include <map>

namespace promethean::meta {
namespace {

[[noreturn]] void no_rendering(const node& n, const std::string& why) {
  throw script_error("SyntaxError", "cannot render " + n.show() + " as target-language source: " + why, n.where);
}

const std::map<std::string, std::string>& infix_operators() {
  static const std::map<std::string, std::string> ops = {
      {"+", "+"}, {"-", "-"}, {"*", "*"}, {"/", "/"}, {"%", "%"}, {"<", "<"}, {">", ">"}, {"<=", "<="}, {">=", ">="}};
  return ops;
}

class renderer {
 public:
  renderer(target_language language, const std::set<std::string>& params) : m_py(language == target_language::python), m_params(params) {}

  std::string expr(const node& n) const {
    // Forms come from the reader or from code as data, both bounded; the bound here keeps this
    // walk safe on its own.
    if (m_depth >= k_max_nesting) {
      throw script_error("RecursionError", "cannot render forms nested deeper than " + std::to_string(k_max_nesting) +
                                               " levels", n.where);
    }
    ++m_depth;
    struct unwind {
      int& depth;
      ~unwind() { --depth; }
    } guard{m_depth};
    switch (n.type) {
      case node::kind::null: return m_py ? "None" : "null";
      case node::kind::boolean: return n.boolean ? (m_py ? "True" : "true") : (m_py ? "False" : "false");
      case node::kind::integer: return std::to_string(n.integer);
      case node::kind::real: return nlohmann::json(n.real).dump();
      case node::kind::string: return nlohmann::json(n.text).dump();
      case node::kind::keyword: return nlohmann::json(n.text).dump();
      case node::kind::symbol: return name(n);
      case node::kind::array: {
        std::string s = "[";
        for (std::size_t i = 0; i < n.items.size(); ++i) s += (i ? ", " : "") + expr(n.items[i]);
        return s + "]";
      }
      case node::kind::list: return form(n);
    }
    no_rendering(n, "unknown node");
  }

 private:
  /// A name: a parameter as it is; in Python a dotted name's head that is not a parameter is a
  /// module (`math.sqrt` → `__import__('math').sqrt`); in JS dotted names are globals' members.
  std::string name(const node& n) const {
    const auto dot = n.text.find('.');
    const std::string head = n.text.substr(0, dot);
    if (m_py && dot != std::string::npos && !m_params.count(head)) {
      return "__import__(" + nlohmann::json(head).dump() + ")" + n.text.substr(dot);
    }
    return n.text;
  }

  std::string form(const node& n) const {
    if (n.items.empty()) no_rendering(n, "an empty list");
    const node& head = n.items[0];
    const std::size_t argc = n.items.size() - 1;
    if (head.type == node::kind::symbol) {
      const std::string& op = head.text;
      if (auto it = infix_operators().find(op); it != infix_operators().end()) {
        if (argc == 1 && op == "-") return "(-" + expr(n.items[1]) + ")";
        if (argc < 2) no_rendering(n, "'" + op + "' needs two operands or more");
        return join_infix(n, it->second);
      }
      if (op == "=" || op == "!=") {
        if (argc != 2) no_rendering(n, "'" + op + "' compares two values");
        const std::string sym = op == "=" ? (m_py ? "==" : "===") : (m_py ? "!=" : "!==");
        return "(" + expr(n.items[1]) + " " + sym + " " + expr(n.items[2]) + ")";
      }
      if (op == "and" || op == "or") return join_infix(n, m_py ? op : (op == "and" ? "&&" : "||"));
      if (op == "not") {
        if (argc != 1) no_rendering(n, "'not' takes one value");
        return m_py ? "(not " + expr(n.items[1]) + ")" : "(!" + expr(n.items[1]) + ")";
      }
      if (op == "if") {
        if (argc != 3) no_rendering(n, "an expression 'if' needs a test, a then and an else");
        if (m_py) return "(" + expr(n.items[2]) + " if " + expr(n.items[1]) + " else " + expr(n.items[3]) + ")";
        return "(" + expr(n.items[1]) + " ? " + expr(n.items[2]) + " : " + expr(n.items[3]) + ")";
      }
      if (op == "get") {
        if (argc != 2) no_rendering(n, "(get object key)");
        return expr(n.items[1]) + "[" + expr(n.items[2]) + "]";
      }
      if (op == "str") {
        std::string s = m_py ? "''.join([" : "[";
        for (std::size_t i = 1; i < n.items.size(); ++i) s += (i > 1 ? ", " : "") + (m_py ? "str(" + expr(n.items[i]) + ")" : expr(n.items[i]));
        return s + (m_py ? "])" : "].join('')");
      }
    }
    // A call: (f a b) → f(a, b)
    std::string s = (head.type == node::kind::symbol ? name(head) : "(" + expr(head) + ")") + "(";
    for (std::size_t i = 1; i < n.items.size(); ++i) s += (i > 1 ? ", " : "") + expr(n.items[i]);
    return s + ")";
  }

  std::string join_infix(const node& n, const std::string& op) const {
    std::string s = "(";
    for (std::size_t i = 1; i < n.items.size(); ++i) s += (i > 1 ? " " + op + " " : "") + expr(n.items[i]);
    return s + ")";
  }

  bool m_py;
  const std::set<std::string>& m_params;
  mutable int m_depth = 0;  ///< expressions open around the one being rendered
};

}  // namespace

std::string render(const node& n, target_language language, const std::set<std::string>& params) {
  return renderer(language, params).expr(n);
}

}  // namespace promethean::meta
