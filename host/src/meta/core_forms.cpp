// The meta language's core forms: definitions, binding, control flow, quoting and macros, objects,
// arithmetic and comparison, lists and strings, printing and exiting.
#include "evaluator.hpp"

#include "code_data.hpp"
#include "forms.hpp"

#include <promethean/error.hpp>
#include <promethean/host/json_text.hpp>
#include <promethean/type_tag.hpp>

#include <cmath>
#include <cstdio>
#include <set>

namespace promethean::meta {

namespace detail {
bool truthy(const message& m) {
  const auto& v = m.value();
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  return true;
}

std::string display(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  // A pending value (async_forms.cpp) shows what it waits for, not its handle's ids.
  if (has_type_tag(v, "Pending") && v.contains("runtime") && v.contains("function")) {
    return "#<pending " + display(v["runtime"]) + " " + display(v["function"]) + ">";
  }
  return v.dump();
}
}  // namespace detail

using namespace detail;

namespace {

/// Syntax as data (quote): lists and arrays as arrays, symbols and keywords as strings.
nlohmann::json quoted(const node& n) {
  switch (n.type) {
    case node::kind::null: return nullptr;
    case node::kind::boolean: return n.boolean;
    case node::kind::integer: return n.integer;
    case node::kind::real: return n.real;
    case node::kind::string:
    case node::kind::symbol: return n.text;
    case node::kind::keyword: return ":" + n.text;
    case node::kind::list:
    case node::kind::array: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& item : n.items) a.push_back(quoted(item));
      return a;
    }
  }
  return nullptr;
}

double number_of(const message& m, const node& at, const char* op) {
  if (!m.value().is_number()) fail(at, "TypeError", std::string("'") + op + "' needs numbers, got " + m.dump());
  return m.value().get<double>();
}

bool all_integers(const std::vector<message>& args) {
  for (const auto& a : args) {
    if (!a.value().is_number_integer() && !a.value().is_number_unsigned()) return false;
  }
  return true;
}

// Integers are exact: computed in 128 bits, a result must fit int64, or uint64 when an operand is
// already past int64 (a uint64 from another runtime); else it is an OverflowError, never a wrap.
__extension__ typedef __int128 wide;  // GCC/Clang: 128-bit, wide enough for any int64/uint64 step

wide wide_of(const nlohmann::json& v) {
  return v.is_number_unsigned() ? static_cast<wide>(v.get<std::uint64_t>()) : static_cast<wide>(v.get<std::int64_t>());
}

[[noreturn]] void overflow(const char* op, const std::vector<message>& args, const node& n) {
  std::string call = std::string("(") + op;
  for (const auto& a : args) call += " " + a.dump();
  fail(n, "OverflowError", "integer overflow in " + call + ")");
}

message integer_result(wide v, const char* op, const std::vector<message>& args, const node& n) {
  if (v >= INT64_MIN && v <= INT64_MAX) return message(nlohmann::json(static_cast<std::int64_t>(v)));
  bool unsigned_operand = false;
  for (const auto& a : args) unsigned_operand |= wide_of(a.value()) > INT64_MAX;
  if (unsigned_operand && v > 0 && v <= static_cast<wide>(UINT64_MAX)) return message(nlohmann::json(static_cast<std::uint64_t>(v)));
  overflow(op, args, n);
}
}  // namespace

void evaluator::install_core_forms() {
  auto define = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 3 || n.items[1].type != node::kind::symbol) {
      fail(n, "SyntaxError", "(def name value) or (def name (params) body…), got " + n.show());
    }
    const std::string& name = n.items[1].text;
    message value;
    if (n.items.size() >= 4 && (n.items[2].type == node::kind::list || n.items[2].type == node::kind::array)) {
      value = make_function(name, n.items[2], std::vector<node>(n.items.begin() + 3, n.items.end()), e, n);
    } else if (n.items.size() == 3) {
      value = eval(n.items[2], e);
    } else {
      fail(n, "SyntaxError", "(def name value) takes one value, got " + std::to_string(n.items.size() - 2));
    }
    e->vars[name] = value;
    return value;
  };
  m_specials["def"] = define;
  m_specials["var"] = define;
  m_specials["fn"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 3) fail(n, "SyntaxError", "(fn (params) body…), got " + n.show());
    return make_function("fn", n.items[1], std::vector<node>(n.items.begin() + 2, n.items.end()), e, n);
  };
  m_specials["lambda"] = m_specials["fn"];
  m_specials["let"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 3) fail(n, "SyntaxError", "(let ((name value) …) body…), got " + n.show());
    auto scope = std::make_shared<environment>();
    scope->parent = e;
    const node& bindings = n.items[1];
    if (bindings.type == node::kind::array) {  // [a 1 b 2]
      if (bindings.items.size() % 2 != 0) fail(bindings, "SyntaxError", "let bindings come in name value pairs");
      for (std::size_t i = 0; i < bindings.items.size(); i += 2) {
        if (bindings.items[i].type != node::kind::symbol) fail(bindings.items[i], "SyntaxError", "a let binding needs a name");
        scope->vars[bindings.items[i].text] = eval(bindings.items[i + 1], scope);
      }
    } else if (bindings.type == node::kind::list) {  // ((a 1) (b 2))
      for (const auto& b : bindings.items) {
        if (b.type != node::kind::list || b.items.size() != 2 || b.items[0].type != node::kind::symbol) {
          fail(b, "SyntaxError", "a let binding is (name value), got " + b.show());
        }
        scope->vars[b.items[0].text] = eval(b.items[1], scope);
      }
    } else {
      fail(bindings, "SyntaxError", "let bindings are ((name value) …) or [name value …]");
    }
    message last;
    for (std::size_t i = 2; i < n.items.size(); ++i) last = eval(n.items[i], scope);
    return last;
  };
  m_specials["if"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 3 || n.items.size() > 4) fail(n, "SyntaxError", "(if test then else?), got " + n.show());
    if (truthy(eval(n.items[1], e))) return eval(n.items[2], e);
    return n.items.size() == 4 ? eval(n.items[3], e) : message();
  };
  m_specials["when"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 2) fail(n, "SyntaxError", "(when test body…), got " + n.show());
    message last;
    if (!truthy(eval(n.items[1], e))) return last;
    for (std::size_t i = 2; i < n.items.size(); ++i) last = eval(n.items[i], e);
    return last;
  };
  m_specials["do"] = [this](const node& n, const env_ptr& e) -> message {
    message last;
    for (std::size_t i = 1; i < n.items.size(); ++i) last = eval(n.items[i], e);
    return last;
  };
  m_specials["quote"] = [](const node& n, const env_ptr&) -> message {
    if (n.items.size() != 2) fail(n, "SyntaxError", "(quote x) takes one form");
    return message(quoted(n.items[1]));
  };
  m_specials["quasiquote"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() != 2) fail(n, "SyntaxError", "(quasiquote x) takes one form");
    return quasiquote(n.items[1], e, 1);
  };
  for (const char* name : {"unquote", "unquote-splicing"}) {
    m_specials[name] = [name](const node& n, const env_ptr&) -> message {
      fail(n, "SyntaxError", std::string(name) + " (" + (std::string(name) == "unquote" ? "," : ",@") +
                                 ") only makes sense inside a quasiquote (`)");
    };
  }
  // (macro name (params) body…): a function from code to code. Its arguments arrive unevaluated,
  // as code data (code_data.hpp); what it returns is evaluated in place of the call.
  m_specials["macro"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 4 || n.items[1].type != node::kind::symbol ||
        (n.items[2].type != node::kind::list && n.items[2].type != node::kind::array)) {
      fail(n, "SyntaxError", "(macro name (params) body…), got " + n.show());
    }
    const std::string& name = n.items[1].text;
    // A router form (py:fn…) may be replaced, as the seed's own py:fn macro does; syntax may not.
    if (m_syntax.count(name) > 0) fail(n.items[1], "SyntaxError", "'" + name + "' is a special form; a macro cannot replace it");
    m_macros[name] = make_function(name, n.items[2], std::vector<node>(n.items.begin() + 3, n.items.end()), e, n);
    return message();
  };
  // (macroexpand code): code data with its macros expanded (and its meta blocks run), as code data,
  // to read what a macro makes (the seed's py:fn macro makes a descriptor, not code to run).
  m_builtins["macroexpand"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "macroexpand");
    const node form = from_code_data(args[0].value(), args[0], n.where,
                                     [this](const message& value) { return bind_splice(value); });
    return combine(to_code_data(expand(form)), {&args[0]});
  };
  // (meta body…): runs when its form is expanded, before the rest of the form; the code it returns
  // (as code data) takes its place.
  m_specials["meta"] = [this](const node& n, const env_ptr& e) -> message {
    return eval(expand(run_meta_block(n)), e);
  };
  m_specials["and"] = [this](const node& n, const env_ptr& e) -> message {
    message last(nlohmann::json(true));
    for (std::size_t i = 1; i < n.items.size(); ++i) {
      last = eval(n.items[i], e);
      if (!truthy(last)) return last;
    }
    return last;
  };
  m_specials["or"] = [this](const node& n, const env_ptr& e) -> message {
    message last(nlohmann::json(false));
    for (std::size_t i = 1; i < n.items.size(); ++i) {
      last = eval(n.items[i], e);
      if (truthy(last)) return last;
    }
    return last;
  };
  m_specials["object"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() % 2 != 1) fail(n, "SyntaxError", "(object :key value …) takes key value pairs");
    nlohmann::json o = nlohmann::json::object();
    std::vector<message> values;
    values.reserve(n.items.size() / 2);
    for (std::size_t i = 1; i < n.items.size(); i += 2) {
      const node& k = n.items[i];
      if (k.type != node::kind::keyword && k.type != node::kind::string && k.type != node::kind::symbol) {
        fail(k, "SyntaxError", "an object key is a keyword or a string, got " + k.show());
      }
      values.push_back(eval(n.items[i + 1], e));
      o[k.text] = values.back().value();
    }
    std::vector<const message*> parts;
    for (const auto& v : values) parts.push_back(&v);
    return combine(std::move(o), parts);
  };
  // `ints` gets 128-bit operands and says false on overflow; unary (- x) is (- 0 x).
  auto arithmetic = [](const char* op, auto ints, auto reals) {
    return [op, ints, reals](std::vector<message>& args, const node& n) -> message {
      if (args.empty()) fail(n, "ArityError", std::string("'") + op + "' needs at least one number");
      for (const auto& a : args) number_of(a, n, op);
      if (all_integers(args)) {
        wide acc = wide_of(args[0].value());
        if (args.size() == 1) {
          wide result = 0;
          if (!ints(wide{0}, acc, result, n)) overflow(op, args, n);
          return integer_result(result, op, args, n);
        }
        for (std::size_t i = 1; i < args.size(); ++i) {
          if (!ints(acc, wide_of(args[i].value()), acc, n)) overflow(op, args, n);
        }
        return integer_result(acc, op, args, n);
      }
      double acc = args[0].value().get<double>();
      if (args.size() == 1) return message(nlohmann::json(reals(0.0, acc)));
      for (std::size_t i = 1; i < args.size(); ++i) acc = reals(acc, args[i].value().get<double>());
      return message(nlohmann::json(acc));
    };
  };
  m_builtins["+"] = arithmetic("+", [](wide a, wide b, wide& r, const node&) { return !__builtin_add_overflow(a, b, &r); },
                               [](double a, double b) { return a + b; });
  m_builtins["-"] = arithmetic("-", [](wide a, wide b, wide& r, const node&) { return !__builtin_sub_overflow(a, b, &r); },
                               [](double a, double b) { return a - b; });
  m_builtins["*"] = arithmetic("*", [](wide a, wide b, wide& r, const node&) { return !__builtin_mul_overflow(a, b, &r); },
                               [](double a, double b) { return a * b; });
  // Integers that divide exactly stay exact integers (a double would round past 2^53).
  m_builtins["/"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.size() < 2) fail(n, "ArityError", "'/' needs at least two numbers");
    for (const auto& a : args) number_of(a, n, "/");
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i].value().get<double>() == 0) fail(n, "ZeroDivisionError", "division by zero");
    }
    if (all_integers(args)) {
      wide acc = wide_of(args[0].value());
      bool exact = true;
      for (std::size_t i = 1; i < args.size() && exact; ++i) {
        const wide d = wide_of(args[i].value());
        exact = acc % d == 0;
        if (exact) acc /= d;
      }
      if (exact) return integer_result(acc, "/", args, n);
    }
    double acc = args[0].value().get<double>();
    for (std::size_t i = 1; i < args.size(); ++i) acc /= args[i].value().get<double>();
    return message(nlohmann::json(acc));
  };
  m_builtins["%"] = arithmetic("%", [](wide a, wide b, wide& r, const node& n) {
                      if (b == 0) fail(n, "ZeroDivisionError", "modulo by zero");
                      r = a % b;
                      return true;
                    },
                    [](double a, double b) { return std::fmod(a, b); });
  auto comparison = [](const char* op, auto cmp) {
    return [op, cmp](std::vector<message>& args, const node& n) -> message {
      if (args.size() < 2) fail(n, "ArityError", std::string("'") + op + "' compares at least two values");
      for (std::size_t i = 1; i < args.size(); ++i) {
        if (!cmp(args[i - 1].value(), args[i].value())) return message(nlohmann::json(false));
      }
      return message(nlohmann::json(true));
    };
  };
  // Two integers compare exactly (JSON's own comparison casts a uint64 past 2^63 to a negative).
  auto ordered = [](auto cmp) {
    return [cmp](const nlohmann::json& a, const nlohmann::json& b) {
      if (a.is_number_integer() && b.is_number_integer()) return cmp(wide_of(a), wide_of(b));
      return cmp(a, b);
    };
  };
  m_builtins["="] = comparison("=", ordered([](const auto& a, const auto& b) { return a == b; }));
  m_builtins["!="] = comparison("!=", ordered([](const auto& a, const auto& b) { return a != b; }));
  m_builtins["<"] = comparison("<", ordered([](const auto& a, const auto& b) { return a < b; }));
  m_builtins[">"] = comparison(">", ordered([](const auto& a, const auto& b) { return a > b; }));
  m_builtins["<="] = comparison("<=", ordered([](const auto& a, const auto& b) { return a <= b; }));
  m_builtins[">="] = comparison(">=", ordered([](const auto& a, const auto& b) { return a >= b; }));
  m_builtins["not"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "not");
    return message(nlohmann::json(!truthy(args[0])));
  };
  m_builtins["str"] = [](std::vector<message>& args, const node&) -> message {
    std::string s;
    for (const auto& a : args) s += display(a.value());
    return message(nlohmann::json(s));
  };
  m_builtins["print"] = [this](std::vector<message>& args, const node&) -> message {
    std::string line;
    for (std::size_t i = 0; i < args.size(); ++i) line += (i ? " " : "") + display(args[i].value());
    m_out << line << '\n' << std::flush;
    return message();
  };
  m_builtins["symbol"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "symbol");
    if (!args[0].value().is_string() || args[0].value().get_ref<const std::string&>().empty()) {
      fail(n, "TypeError", "(symbol \"name\") needs a non-empty string");
    }
    return message(symbol_data(args[0].value().get<std::string>()));
  };
  m_builtins["symbol.name"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "symbol.name");
    std::string name;
    if (!is_symbol_data(args[0].value(), &name)) fail(n, "TypeError", "(symbol.name s) needs a symbol, got " + args[0].dump());
    return message(nlohmann::json(name));
  };
  m_builtins["symbol?"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "symbol?");
    return message(nlohmann::json(is_symbol_data(args[0].value())));
  };
  m_builtins["gensym"] = [this](std::vector<message>& args, const node& n) -> message {
    if (args.size() > 1 || (args.size() == 1 && !args[0].value().is_string())) fail(n, "TypeError", "(gensym \"prefix\"?)");
    const std::string prefix = args.empty() ? "g" : args[0].value().get<std::string>();
    return message(symbol_data(prefix + "__" + std::to_string(++m_fresh)));
  };
  m_builtins["hex"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "hex");
    const auto& v = args[0].value();
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      fail(n, "TypeError", "(hex n) needs a non-negative integer, got " + v.dump());
    }
    char text[2 + 16 + 1];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v.get<std::uint64_t>()));
    return message(nlohmann::json(text));
  };
  m_builtins["exit"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.size() > 1 || (args.size() == 1 && !args[0].value().is_number_integer())) {
      fail(n, "TypeError", "(exit status?) takes an optional integer status");
    }
    throw exit_request{args.empty() ? 0 : static_cast<int>(args[0].value().get<std::int64_t>())};
  };
  // (map f items): f of every item, in order (f any runtime's function); a list.
  m_builtins["map"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "map");
    if (!args[1].value().is_array()) fail(n, "TypeError", "(map f items) needs a list, got " + args[1].dump().substr(0, 200));
    std::vector<message> results;
    results.reserve(args[1].value().size());
    for (const auto& item : args[1].value()) {
      std::vector<message> one{message(item, args[1].buffers(), args[1].functions())};
      results.push_back(apply(args[0], one, n));
    }
    return array_of(results);
  };
  m_builtins["keys"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "keys");
    if (!args[0].value().is_object()) fail(n, "TypeError", "(keys obj) needs an object, got " + args[0].dump().substr(0, 200));
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [k, v] : args[0].value().items()) names.push_back(k);
    return message(std::move(names));
  };
  // (forms): the name of every special form and builtin, sorted (what docs/META.md must list).
  m_builtins["forms"] = [this](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 0, n, "forms");
    std::set<std::string> names;
    for (const auto& [name, form] : m_specials) names.insert(name);
    for (const auto& [name, form] : m_builtins) names.insert(name);
    return message(nlohmann::json(names));
  };
  m_builtins["list"] = [](std::vector<message>& args, const node&) -> message { return array_of(args); };
  m_builtins["length"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "length");
    const auto& v = args[0].value();
    if (v.is_string()) return message(nlohmann::json(utf8_length(v.get_ref<const std::string&>())));
    if (v.is_array() || v.is_object()) return message(nlohmann::json(v.size()));
    fail(n, "TypeError", "(length x) needs a string, an array or an object");
  };
  m_builtins["get"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "get");
    const auto& k = args[1].value();
    return get_in(args[0], k.is_string() ? nlohmann::json(key_of(args[1], n)) : k, n);
  };
  m_builtins["json.stringify"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "json.stringify");
    return message(nlohmann::json(args[0].dump()));
  };
  m_builtins["json.parse"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "json.parse");
    if (!args[0].value().is_string()) fail(n, "TypeError", "(json.parse text) needs a string");
    try {
      return message(parse_json_text(args[0].value().get<std::string>()));
    } catch (const nlohmann::json::parse_error& e) {
      fail(n, "JSONError", std::string("not JSON: ") + e.what());
    }
  };
}

}  // namespace promethean::meta
