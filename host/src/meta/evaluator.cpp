// The meta language's evaluator: core forms, arithmetic, and the router forms that reach every
// runtime through the Host. Every error carries the file, line and column of its form.
#include "evaluator.hpp"

#include "code_data.hpp"
#include "render.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/function_handle.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/meta_object.hpp>

#include <cmath>
#include <cstdio>
#include <set>

namespace promethean::meta {

struct evaluator::closure {
  std::string name;
  std::vector<std::string> params;
  std::string rest;  // the &rest parameter, or empty
  std::vector<node> body;
  env_ptr scope;
};

namespace {
constexpr int k_max_depth = 2000;
// Nesting of evaluation and of macro expansion, per thread: while a form waits for another
// runtime the evaluation lock is given up, and another thread's evaluation runs meanwhile.
thread_local int t_depth = 0;
thread_local int t_expansion_depth = 0;
constexpr int k_max_expansion_depth = 256;

[[noreturn]] void fail(const node& at, const std::string& type, const std::string& message) {
  throw script_error(type, message, at.where);
}

/// A value made of parts: the JSON, plus every buffer and function the parts hold.
message combine(nlohmann::json value, const std::vector<const message*>& parts) {
  std::vector<buffer> buffers;
  std::vector<function_ref> functions;
  for (const message* p : parts) {
    buffers.insert(buffers.end(), p->buffers().begin(), p->buffers().end());
    functions.insert(functions.end(), p->functions().begin(), p->functions().end());
  }
  return message(std::move(value), std::move(buffers), std::move(functions));
}

message array_of(const std::vector<message>& items) {
  nlohmann::json a = nlohmann::json::array();
  std::vector<const message*> parts;
  for (const auto& m : items) {
    a.push_back(m.value());
    parts.push_back(&m);
  }
  return combine(std::move(a), parts);
}

bool truthy(const message& m) {
  const auto& v = m.value();
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  return true;
}

/// How `print` and `str` show a value: strings as they are, everything else as JSON.
std::string display(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

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

std::string key_of(const message& m, const node& at) {
  const auto& v = m.value();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return !s.empty() && s[0] == ':' ? s.substr(1) : s;
  }
  fail(at, "TypeError", "a key must be a keyword or a string, got " + v.dump());
}

/// (get obj key): an object member, an array element, or a buffer handle field.
message get_in(const message& obj, const nlohmann::json& key, const node& at) {
  const auto& v = obj.value();
  nlohmann::json result;
  if (v.is_object() && key.is_string()) {
    const std::string k = key.get<std::string>();
    auto it = v.find(k);
    if (it == v.end()) fail(at, "KeyError", "no key '" + k + "' in " + v.dump().substr(0, 200));
    result = *it;
  } else if (v.is_array() && key.is_number_integer()) {
    const auto i = key.get<std::int64_t>();
    if (i < 0 || static_cast<std::size_t>(i) >= v.size()) {
      fail(at, "IndexError", "index " + std::to_string(i) + " out of range for " + std::to_string(v.size()) + " items");
    }
    result = v[static_cast<std::size_t>(i)];
  } else {
    fail(at, "TypeError", "cannot get " + key.dump() + " of " + v.dump().substr(0, 200));
  }
  return message(std::move(result), obj.buffers(), obj.functions());
}

buffer buffer_arg(const message& m, const node& at, const char* form) {
  if (auto b = m.as_buffer()) return *b;
  fail(at, "TypeError", std::string("(") + form + " …) needs a buffer, got " + m.dump().substr(0, 200));
}
}  // namespace

evaluator::evaluator(host& h, std::ostream& out) : m_host(h), m_out(out), m_global(std::make_shared<environment>()) {
  install_specials();
  install_builtins();
}

evaluator::~evaluator() { clear(); }

void evaluator::clear() {
  std::map<std::string, std::shared_ptr<closure>, std::less<>> gone;
  {
    std::lock_guard lock(m_closures_mutex);
    gone.swap(m_closures);
  }
  m_global = std::make_shared<environment>();
  gone.clear();  // releasing closures releases environments, which release function handles
}

message evaluator::run(std::string_view source, const std::string& file, int first_line) {
  message last;
  for (const node& form : read_all(source, file, first_line)) last = eval(expand(form), m_global);
  return last;
}

bool evaluator::locally_bound(const env_ptr& e, std::string_view name) const {
  for (environment* scope = e.get(); scope; scope = scope->parent.get()) {
    if (scope->vars.count(name) > 0) return true;
  }
  return false;
}

std::string evaluator::bind_splice(const message& value) {
  std::string name = "__splice_" + std::to_string(++m_fresh);
  m_global->vars[name] = value;
  return name;
}

node evaluator::expand(const node& n) {
  if (n.type == node::kind::array) {
    node out = n;
    for (auto& item : out.items) item = expand(item);
    return out;
  }
  if (n.type != node::kind::list || n.items.empty()) return n;
  const node& head = n.items[0];
  std::size_t skip = n.items.size();  // an item that is a parameter list, not code
  if (head.type == node::kind::symbol) {
    const std::string& h = head.text;
    if (h == "quote" || h == "quasiquote" || h == "py:fn" || h == "js:fn" || h == "sh:fn" ||
        h == "register-buffer-type") {
      return n;  // data, or another language's source
    }
    if (auto m = m_macros.find(h); m != m_macros.end()) {
      // An expansion that expands to another macro call nests here: bound it.
      if (t_expansion_depth >= k_max_expansion_depth) {
        fail(n, "RecursionError",
             "macro expansion nested deeper than " + std::to_string(k_max_expansion_depth) + " levels");
      }
      ++t_expansion_depth;
      struct unwind {
        int& depth;
        ~unwind() { --depth; }
      } guard{t_expansion_depth};
      return expand(expand_macro(m->second, n));
    }
    if (h == "meta") return expand(run_meta_block(n));
    if ((h == "def" || h == "var" || h == "macro") && n.items.size() >= 4 &&
        (n.items[2].type == node::kind::list || n.items[2].type == node::kind::array)) {
      skip = 2;
    } else if (h == "fn") {
      skip = 1;
    } else if (h == "let" && n.items.size() >= 2) {
      node out = n;
      node& bindings = out.items[1];
      if (bindings.type == node::kind::array) {
        for (std::size_t i = 1; i < bindings.items.size(); i += 2) bindings.items[i] = expand(bindings.items[i]);
      } else if (bindings.type == node::kind::list) {
        for (auto& b : bindings.items) {
          if (b.type == node::kind::list && b.items.size() == 2) b.items[1] = expand(b.items[1]);
        }
      }
      for (std::size_t i = 2; i < out.items.size(); ++i) out.items[i] = expand(out.items[i]);
      return out;
    }
  }
  node out = n;
  for (std::size_t i = 0; i < out.items.size(); ++i) {
    if (i != skip) out.items[i] = expand(out.items[i]);
  }
  return out;
}

node evaluator::expand_macro(const message& macro, const node& call) {
  std::vector<message> args;
  for (std::size_t i = 1; i < call.items.size(); ++i) args.emplace_back(to_code_data(call.items[i]));
  const message expansion = call_function(macro.functions().front()->id(), args, &call.where);
  return from_code_data(expansion.value(), expansion, call.where,
                        [this](const message& value) { return bind_splice(value); });
}

node evaluator::run_meta_block(const node& block) {
  message last;
  for (std::size_t i = 1; i < block.items.size(); ++i) last = eval(expand(block.items[i]), m_global);
  return from_code_data(last.value(), last, block.where, [this](const message& value) { return bind_splice(value); });
}

message evaluator::quasiquote(const node& n, const env_ptr& e, int level) {
  auto head_is = [&](const char* name) {
    return n.type == node::kind::list && n.items.size() == 2 && n.items[0].is_symbol(name);
  };
  if (head_is("unquote")) {
    if (level == 1) return eval(n.items[1], e);
    message inner = quasiquote(n.items[1], e, level - 1);
    return combine(nlohmann::json::array({symbol_data("unquote"), inner.value()}), {&inner});
  }
  if (head_is("quasiquote")) {
    message inner = quasiquote(n.items[1], e, level + 1);
    return combine(nlohmann::json::array({symbol_data("quasiquote"), inner.value()}), {&inner});
  }
  if (n.type != node::kind::list && n.type != node::kind::array) return message(to_code_data(n));
  nlohmann::json items = nlohmann::json::array();
  std::vector<message> parts;
  for (const node& item : n.items) {
    const bool splice = item.type == node::kind::list && item.items.size() == 2 &&
                        item.items[0].is_symbol("unquote-splicing");
    if (splice && level == 1) {
      message spliced = eval(item.items[1], e);
      if (!spliced.value().is_array()) {
        fail(item, "TypeError", ",@ splices a list, got " + spliced.dump().substr(0, 200));
      }
      for (const auto& x : spliced.value()) items.push_back(x);
      parts.push_back(std::move(spliced));
    } else {
      parts.push_back(quasiquote(item, e, level));
      items.push_back(parts.back().value());
    }
  }
  std::vector<const message*> refs;
  for (const auto& p : parts) refs.push_back(&p);
  if (n.type == node::kind::array) return combine({{"_type", "Array"}, {"items", std::move(items)}}, refs);
  return combine(std::move(items), refs);
}

message evaluator::eval(const node& n, const env_ptr& e) {
  switch (n.type) {
    case node::kind::null: return message();
    case node::kind::boolean: return message(nlohmann::json(n.boolean));
    case node::kind::integer: return message(nlohmann::json(n.integer));
    case node::kind::real: return message(nlohmann::json(n.real));
    case node::kind::string: return message(nlohmann::json(n.text));
    case node::kind::keyword: return message(nlohmann::json(":" + n.text));
    case node::kind::symbol: return eval_symbol(n, e);
    case node::kind::array: {
      std::vector<message> items;
      for (const auto& item : n.items) items.push_back(eval(item, e));
      return array_of(items);
    }
    case node::kind::list: return eval_list(n, e);
  }
  fail(n, "SyntaxError", "cannot evaluate " + n.show());
}

message evaluator::eval_symbol(const node& n, const env_ptr& e) {
  for (environment* scope = e.get(); scope; scope = scope->parent.get()) {
    if (auto it = scope->vars.find(n.text); it != scope->vars.end()) return it->second;
  }
  if (n.text == "runtime-dispatch") return message(m_host.dispatch_map());
  // A dotted path into a bound value: image.shape, config.size.width.
  if (auto dot = n.text.find('.'); dot != std::string::npos && dot > 0) {
    node head = n;
    head.text = n.text.substr(0, dot);
    if (locally_bound(e, head.text)) {
      message value = eval_symbol(head, e);
      std::string rest = n.text.substr(dot + 1);
      while (!rest.empty()) {
        const auto next = rest.find('.');
        value = get_in(value, rest.substr(0, next), n);
        rest = next == std::string::npos ? "" : rest.substr(next + 1);
      }
      return value;
    }
  }
  fail(n, "NameError", "unknown symbol '" + n.text + "'");
}

message evaluator::eval_list(const node& n, const env_ptr& e) {
  if (n.items.empty()) return message(nlohmann::json::array());
  const node& head = n.items[0];
  if (++t_depth > k_max_depth) {
    --t_depth;
    fail(n, "RecursionError", "evaluation nested deeper than " + std::to_string(k_max_depth) + " calls");
  }
  struct unwind {
    int& depth;
    ~unwind() { --depth; }
  } guard{t_depth};
  try {
    if (head.type == node::kind::symbol) {
      if (auto s = m_specials.find(head.text); s != m_specials.end()) return s->second(n, e);
      const bool bound = locally_bound(e, head.text);
      if (!bound) {
        // A macro defined by the same top-level form, after that form was expanded.
        if (auto m = m_macros.find(head.text); m != m_macros.end()) return eval(expand(expand_macro(m->second, n)), e);
        if (auto b = m_builtins.find(head.text); b != m_builtins.end()) {
          std::vector<message> args;
          for (std::size_t i = 1; i < n.items.size(); ++i) args.push_back(eval(n.items[i], e));
          return b->second(args, n);
        }
      }
    }
    message fn = eval(head, e);
    std::vector<message> args;
    for (std::size_t i = 1; i < n.items.size(); ++i) args.push_back(eval(n.items[i], e));
    return apply(fn, args, n);
  } catch (const script_error&) {
    throw;
  } catch (const error& err) {
    if (err.location()) throw;
    // Another runtime's error: where in the script it surfaced, with that runtime's trace.
    throw error(err.runtime(), err.type(), err.message(), err.trace(), n.where);
  }
}

namespace {
/// `:timeout seconds` ending a router form (`(call rt fn args… :timeout 2)`, `(eval-in rt code
/// :timeout 2)`): taken off `args` and returned as call options, which also carry what is left of
/// the deadline of a call this one runs inside. Only a keyword written in the form counts, not a
/// string ":timeout" that an argument evaluated to.
call_options router_options(std::vector<message>& args, const node& n) {
  call_options options;
  if (n.items.size() >= 3 && args.size() + 1 == n.items.size()) {
    const node& key = n.items[n.items.size() - 2];
    if (key.type == node::kind::keyword && key.text == "timeout") {
      const nlohmann::json& v = args.back().value();
      if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1e9) {
        fail(n.items.back(), "TypeError", ":timeout is a positive number of seconds, got " + v.dump());
      }
      options.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(v.get<double>() * 1000)));
      args.erase(args.end() - 2, args.end());
    }
  }
  return inherit_deadline(std::move(options));
}

/// Meta code itself stops at its next function call once the deadline of the call it runs in has
/// passed (calls into other runtimes are stopped by those runtimes).
void check_deadline(const node& where) {
  if (auto d = thread_deadline(); d && watchdog::clock::now() >= *d) {
    fail(where, "Timeout", "the deadline of the call this code runs in has passed");
  }
}
}  // namespace

message evaluator::apply(const message& fn, std::vector<message>& args, const node& where) {
  check_deadline(where);
  if (!function_handle::is_handle(fn.value()) || fn.functions().empty()) {
    fail(where, "TypeError", fn.dump().substr(0, 200) + " is not a function");
  }
  // A copy, not a reference: with the lock given up, another thread may rebind the global that
  // holds `fn`, and the handle must outlive the call.
  const function_ref f = fn.functions().front();
  if (f->runtime() == "meta") return call_function(f->id(), args, &where.where);
  const message list = array_of(args);
  return outside_lock([&] { return m_host.call(f->runtime(), f->id(), list, inherit_deadline({})); });
}

message evaluator::call_function(std::string_view id, const std::vector<message>& args,
                                 const source_location* call_site) {
  std::shared_ptr<closure> c;
  {
    std::lock_guard lock(m_closures_mutex);
    if (auto it = m_closures.find(id); it != m_closures.end()) c = it->second;
  }
  if (!c) throw usage_error("meta: no function " + std::string(id), "meta");
  if (args.size() < c->params.size() || (c->rest.empty() && args.size() > c->params.size())) {
    throw script_error("ArityError",
                       c->name + " expects " + std::to_string(c->params.size()) + (c->rest.empty() ? "" : " or more") +
                           " argument" + (c->params.size() == 1 ? "" : "s") + ", got " + std::to_string(args.size()),
                       call_site ? *call_site : (c->body.empty() ? source_location{} : c->body.front().where));
  }
  auto scope = std::make_shared<environment>();
  scope->parent = c->scope;
  for (std::size_t i = 0; i < c->params.size(); ++i) scope->vars[c->params[i]] = args[i];
  if (!c->rest.empty()) {
    scope->vars[c->rest] = array_of(std::vector<message>(args.begin() + static_cast<std::ptrdiff_t>(c->params.size()), args.end()));
  }
  message last;
  for (const auto& form : c->body) last = eval(form, scope);
  return last;
}

message evaluator::call_global(std::string_view name, const std::vector<message>& args) {
  auto it = m_global->vars.find(name);
  if (it == m_global->vars.end()) {
    // A function id handed out earlier (the host calls meta functions by id).
    return call_function(name, args);
  }
  node where;
  where.where = source_location{"<call>", 0, 0};
  std::vector<message> copy = args;
  const message fn = it->second;  // a copy: apply gives the lock up, and the global may be rebound
  return apply(fn, copy, where);
}

void evaluator::set_global(const std::string& name, message value) { m_global->vars[name] = std::move(value); }

void evaluator::define(const std::string& name, const std::vector<std::string>& params, std::string_view body) {
  node list{node::kind::list};
  for (const auto& p : params) {
    node param{node::kind::symbol};
    param.text = p;
    list.items.push_back(std::move(param));
  }
  auto forms = read_all(body, "<meta:fn " + name + ">");
  for (auto& form : forms) form = expand(form);
  node where;
  where.where = source_location{"<meta:fn " + name + ">", 1, 1};
  m_global->vars[name] = make_function(name, list, std::move(forms), m_global, where);
}

message evaluator::make_function(const std::string& name, const node& params, std::vector<node> body, const env_ptr& e,
                                 const node& where) {
  if (params.type != node::kind::list && params.type != node::kind::array) {
    fail(where, "SyntaxError", "a function's parameters are a list, like (a b), got " + params.show());
  }
  auto c = std::make_shared<closure>();
  c->name = name;
  for (std::size_t i = 0; i < params.items.size(); ++i) {
    const node& p = params.items[i];
    if (p.type != node::kind::symbol) fail(p, "SyntaxError", "a parameter must be a name, got " + p.show());
    if (p.text == "&rest") {
      if (i + 2 != params.items.size() || params.items[i + 1].type != node::kind::symbol) {
        fail(p, "SyntaxError", "&rest takes exactly one name, at the end");
      }
      c->rest = params.items[i + 1].text;
      break;
    }
    c->params.push_back(p.text);
  }
  c->body = std::move(body);
  c->scope = e;
  auto id = std::make_shared<std::string>();
  auto f = function_handle::create("meta", name, [this, id] {
    std::lock_guard lock(m_closures_mutex);
    m_closures.erase(*id);
  });
  *id = f->id();
  {
    std::lock_guard lock(m_closures_mutex);
    m_closures[*id] = std::move(c);
  }
  return message::of(f);
}

void evaluator::install_specials() {
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
    if (m_specials.count(name) > 0) fail(n.items[1], "SyntaxError", "'" + name + "' is a special form; a macro cannot replace it");
    m_macros[name] = make_function(name, n.items[2], std::vector<node>(n.items.begin() + 3, n.items.end()), e, n);
    return message();
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
  // (py:fn name (params) body): defines `name` in that runtime and binds a meta proxy that routes
  // calls to it. The body is the target language's source text, or (py, js) a simple
  // s-expression rendered into it.
  for (const char* rt : {"py", "js", "sh"}) {
    const std::string runtime = rt;
    m_specials[runtime + ":fn"] = [this, runtime](const node& n, const env_ptr& e) -> message {
      if (n.items.size() != 4 || n.items[1].type != node::kind::symbol ||
          (n.items[2].type != node::kind::list && n.items[2].type != node::kind::array)) {
        fail(n, "SyntaxError", "(" + runtime + ":fn name (params) body), got " + n.show());
      }
      const std::string& name = n.items[1].text;
      function_definition d{name, {}, {}};
      std::set<std::string> params;
      for (const auto& p : n.items[2].items) {
        if (p.type != node::kind::symbol) fail(p, "SyntaxError", "a parameter must be a name, got " + p.show());
        d.params.push_back(p.text);
        params.insert(p.text);
      }
      const node& body = n.items[3];
      if (body.type == node::kind::string) {
        d.body = body.text;
      } else if (runtime == "sh") {
        fail(body, "SyntaxError", "an sh:fn body is shell source text, a string");
      } else {
        d.body = render(body, runtime == "py" ? target_language::python : target_language::javascript, params);
      }
      outside_lock([&] {
        m_host.define(runtime, d);
        return 0;
      });
      // The proxy: (fn (params) (call "<runtime>" "<name>" params…)).
      node call_form{node::kind::list};
      call_form.where = n.where;
      auto leaf = [&](node::kind k, const std::string& text) {
        node x{k};
        x.text = text;
        x.where = n.where;
        return x;
      };
      call_form.items.push_back(leaf(node::kind::symbol, "call"));
      call_form.items.push_back(leaf(node::kind::string, runtime));
      call_form.items.push_back(leaf(node::kind::string, name));
      for (const auto& p : d.params) call_form.items.push_back(leaf(node::kind::symbol, p));
      message proxy = make_function(name, n.items[2], {call_form}, e, n);
      e->vars[name] = proxy;
      return proxy;
    };
  }
  // (register-buffer-type "ImageRGB" :layout [height width channels] :format "uint8" :channels 3)
  m_specials["register-buffer-type"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() < 2) fail(n, "SyntaxError", "(register-buffer-type name :layout [dims…] :format f)");
    message name = eval(n.items[1], e);
    if (!name.value().is_string()) fail(n.items[1], "TypeError", "a buffer type's name is a string");
    std::vector<std::string> layout;
    std::optional<std::string> format;
    std::map<std::string, std::size_t> fixed;
    for (std::size_t i = 2; i + 1 < n.items.size() + 1; i += 2) {
      const node& k = n.items[i];
      if (k.type != node::kind::keyword || i + 1 >= n.items.size()) {
        fail(k, "SyntaxError", "expected :layout, :format or :<dimension> followed by a value, got " + k.show());
      }
      const node& v = n.items[i + 1];
      if (k.text == "layout") {
        if (v.type != node::kind::array && v.type != node::kind::list) fail(v, "SyntaxError", ":layout is [name …]");
        for (const auto& d : v.items) {
          if (d.type != node::kind::symbol && d.type != node::kind::string && d.type != node::kind::keyword) {
            fail(d, "SyntaxError", "a dimension is a name, got " + d.show());
          }
          layout.push_back(d.text);
        }
      } else if (k.text == "format") {
        message f = eval(v, e);
        if (!f.value().is_string()) fail(v, "TypeError", ":format is a string like \"uint8\"");
        format = f.value().get<std::string>();
      } else {
        message size = eval(v, e);
        if (!size.value().is_number_integer() || size.value().get<std::int64_t>() < 0) {
          fail(v, "TypeError", "the size of dimension " + k.text + " must be a non-negative integer");
        }
        fixed[k.text] = size.value().get<std::size_t>();
      }
    }
    auto type = buffer_type::make(name.value().get<std::string>(), layout,
                                  format ? std::optional<std::string_view>(*format) : std::nullopt, fixed);
    m_host.buffer_types().add(type);
    return message(type.to_json());
  };
}

void evaluator::install_builtins() {
  auto arity = [](const std::vector<message>& args, std::size_t want, const node& n, const char* form) {
    if (args.size() != want) {
      fail(n, "ArityError", std::string("(") + form + " …) takes " + std::to_string(want) + " argument" +
                                (want == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
    }
  };
  auto arithmetic = [](const char* op, auto ints, auto reals) {
    return [op, ints, reals](std::vector<message>& args, const node& n) -> message {
      if (args.empty()) fail(n, "ArityError", std::string("'") + op + "' needs at least one number");
      for (const auto& a : args) number_of(a, n, op);
      if (all_integers(args)) {
        std::int64_t acc = args[0].value().get<std::int64_t>();
        if (args.size() == 1) return message(nlohmann::json(ints(std::int64_t{0}, acc, n)));
        for (std::size_t i = 1; i < args.size(); ++i) acc = ints(acc, args[i].value().get<std::int64_t>(), n);
        return message(nlohmann::json(acc));
      }
      double acc = args[0].value().get<double>();
      if (args.size() == 1) return message(nlohmann::json(reals(0.0, acc)));
      for (std::size_t i = 1; i < args.size(); ++i) acc = reals(acc, args[i].value().get<double>());
      return message(nlohmann::json(acc));
    };
  };
  m_builtins["+"] = arithmetic("+", [](std::int64_t a, std::int64_t b, const node&) { return a + b; },
                               [](double a, double b) { return a + b; });
  m_builtins["-"] = arithmetic("-", [](std::int64_t a, std::int64_t b, const node&) { return a - b; },
                               [](double a, double b) { return a - b; });
  m_builtins["*"] = arithmetic("*", [](std::int64_t a, std::int64_t b, const node&) { return a * b; },
                               [](double a, double b) { return a * b; });
  m_builtins["/"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.size() < 2) fail(n, "ArityError", "'/' needs at least two numbers");
    double acc = number_of(args[0], n, "/");
    for (std::size_t i = 1; i < args.size(); ++i) {
      const double d = number_of(args[i], n, "/");
      if (d == 0) fail(n, "ZeroDivisionError", "division by zero");
      acc /= d;
    }
    if (acc == std::trunc(acc) && all_integers(args)) return message(nlohmann::json(static_cast<std::int64_t>(acc)));
    return message(nlohmann::json(acc));
  };
  m_builtins["%"] = arithmetic("%", [](std::int64_t a, std::int64_t b, const node& n) {
                      if (b == 0) fail(n, "ZeroDivisionError", "modulo by zero");
                      return a % b;
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
  m_builtins["="] = comparison("=", [](const nlohmann::json& a, const nlohmann::json& b) { return a == b; });
  m_builtins["!="] = comparison("!=", [](const nlohmann::json& a, const nlohmann::json& b) { return a != b; });
  m_builtins["<"] = comparison("<", [](const nlohmann::json& a, const nlohmann::json& b) { return a < b; });
  m_builtins[">"] = comparison(">", [](const nlohmann::json& a, const nlohmann::json& b) { return a > b; });
  m_builtins["<="] = comparison("<=", [](const nlohmann::json& a, const nlohmann::json& b) { return a <= b; });
  m_builtins[">="] = comparison(">=", [](const nlohmann::json& a, const nlohmann::json& b) { return a >= b; });
  m_builtins["not"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "not");
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
  m_builtins["symbol"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "symbol");
    if (!args[0].value().is_string() || args[0].value().get_ref<const std::string&>().empty()) {
      fail(n, "TypeError", "(symbol \"name\") needs a non-empty string");
    }
    return message(symbol_data(args[0].value().get<std::string>()));
  };
  m_builtins["symbol.name"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "symbol.name");
    std::string name;
    if (!is_symbol_data(args[0].value(), &name)) fail(n, "TypeError", "(symbol.name s) needs a symbol, got " + args[0].dump());
    return message(nlohmann::json(name));
  };
  m_builtins["symbol?"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "symbol?");
    return message(nlohmann::json(is_symbol_data(args[0].value())));
  };
  m_builtins["gensym"] = [this](std::vector<message>& args, const node& n) -> message {
    if (args.size() > 1 || (args.size() == 1 && !args[0].value().is_string())) fail(n, "TypeError", "(gensym \"prefix\"?)");
    const std::string prefix = args.empty() ? "g" : args[0].value().get<std::string>();
    return message(symbol_data(prefix + "__" + std::to_string(++m_fresh)));
  };
  m_builtins["hex"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "hex");
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
  m_builtins["map"] = [this, arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "map");
    if (!args[1].value().is_array()) fail(n, "TypeError", "(map f items) needs a list, got " + args[1].dump().substr(0, 200));
    std::vector<message> results;
    results.reserve(args[1].value().size());
    for (const auto& item : args[1].value()) {
      std::vector<message> one{message(item, args[1].buffers(), args[1].functions())};
      results.push_back(apply(args[0], one, n));
    }
    return array_of(results);
  };
  m_builtins["keys"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "keys");
    if (!args[0].value().is_object()) fail(n, "TypeError", "(keys obj) needs an object, got " + args[0].dump().substr(0, 200));
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [k, v] : args[0].value().items()) names.push_back(k);
    return message(std::move(names));
  };
  m_builtins["range"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.empty() || args.size() > 2 || !all_integers(args)) fail(n, "TypeError", "(range end) or (range start end), integers");
    const std::int64_t start = args.size() == 2 ? args[0].value().get<std::int64_t>() : 0;
    const std::int64_t end = args.back().value().get<std::int64_t>();
    if (end - start > 10'000'000) fail(n, "ValueError", "(range …) of more than 10 million numbers");
    nlohmann::json numbers = nlohmann::json::array();
    for (std::int64_t i = start; i < end; ++i) numbers.push_back(i);
    return message(std::move(numbers));
  };
  m_builtins["list"] = [](std::vector<message>& args, const node&) -> message { return array_of(args); };
  m_builtins["length"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "length");
    const auto& v = args[0].value();
    if (v.is_string()) return message(nlohmann::json(v.get_ref<const std::string&>().size()));
    if (v.is_array() || v.is_object()) return message(nlohmann::json(v.size()));
    fail(n, "TypeError", "(length x) needs a string, an array or an object");
  };
  m_builtins["get"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "get");
    const auto& k = args[1].value();
    return get_in(args[0], k.is_string() ? nlohmann::json(key_of(args[1], n)) : k, n);
  };
  m_builtins["json.stringify"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "json.stringify");
    return message(nlohmann::json(args[0].dump()));
  };
  m_builtins["json.parse"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "json.parse");
    if (!args[0].value().is_string()) fail(n, "TypeError", "(json.parse text) needs a string");
    try {
      return message(nlohmann::json::parse(args[0].value().get<std::string>()));
    } catch (const nlohmann::json::parse_error& e) {
      fail(n, "JSONError", std::string("not JSON: ") + e.what());
    }
  };
  auto runtime_name = [](const message& m, const node& n) {
    if (!m.value().is_string()) fail(n, "TypeError", "a runtime is named by a string (\"py\", \"js\", \"rust\", \"sh\")");
    return m.value().get<std::string>();
  };
  m_builtins["eval-in"] = [this, arity, runtime_name](std::vector<message>& args, const node& n) -> message {
    const call_options options = router_options(args, n);
    arity(args, 2, n, "eval-in");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(eval-in runtime code): the code is a string");
    const std::string runtime = runtime_name(args[0], n);
    meta_object result = outside_lock([&] { return m_host.eval(runtime, args[1].value().get<std::string>(), options); });
    return combine(result.to_json(), {&result.data});
  };
  m_builtins["MetaObject"] = [arity, runtime_name](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "MetaObject");
    meta_object m{runtime_name(args[0], n), args[1]};
    return combine(m.to_json(), {&args[1]});
  };
  m_builtins["call"] = [this, runtime_name](std::vector<message>& args, const node& n) -> message {
    const call_options options = router_options(args, n);
    if (args.size() < 2 || !args[1].value().is_string()) {
      fail(n, "ArityError", "(call runtime \"function\" args… [:timeout seconds])");
    }
    std::vector<message> rest(args.begin() + 2, args.end());
    const std::string runtime = runtime_name(args[0], n);
    return outside_lock([&] { return m_host.call(runtime, args[1].value().get<std::string>(), array_of(rest), options); });
  };
  // (marshal "py" value): the value as a literal of that runtime's language (its `marshal` entry).
  m_builtins["marshal"] = [this, arity, runtime_name](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "marshal");
    return message(nlohmann::json(m_host.marshal(runtime_name(args[0], n), args[1].value())));
  };
  m_builtins["send-json"] = [this, arity, runtime_name](std::vector<message>& args, const node& n) -> message {
    const call_options options = router_options(args, n);
    arity(args, 2, n, "send-json");
    const std::string runtime = runtime_name(args[0], n);
    return outside_lock([&] { return m_host.send_json(runtime, args[1], options); });
  };
  m_builtins["receive-json"] = [arity, runtime_name](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "receive-json");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(receive-json runtime text): the text is a string");
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(args[1].value().get<std::string>());
    } catch (const nlohmann::json::parse_error& e) {
      fail(n, "JSONError", "the JSON received from " + runtime_name(args[0], n) + " is not JSON: " + e.what());
    }
    return message(meta_object{runtime_name(args[0], n), message(parsed)}.to_json());
  };
  m_builtins["load"] = [this, arity, runtime_name](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "load");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(load runtime path): the path is a string");
    std::filesystem::path path = args[1].value().get<std::string>();
    // A relative path is relative to the script, not to wherever the host was started; a name
    // that is no file beside the script goes to the runtime as it is ("imageops": a plugin name).
    if (path.is_relative() && !n.where.file.empty() && n.where.file[0] != '<') {
      const auto beside = std::filesystem::path(n.where.file).parent_path() / path;
      std::error_code ec;
      if (std::filesystem::exists(beside, ec) || path.has_parent_path()) path = beside;
    }
    const std::string runtime = runtime_name(args[0], n);
    outside_lock([&] {
      m_host.load(runtime, path);
      return 0;
    });
    return message();
  };
  m_builtins["buffer.shape"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "buffer.shape");
    return message(nlohmann::json(buffer_arg(args[0], n, "buffer.shape").shape()));
  };
  m_builtins["buffer.info"] = [arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 1, n, "buffer.info");
    return message(buffer_info_json(buffer_arg(args[0], n, "buffer.info")));
  };
  m_builtins["buffer.view"] = [this, arity](std::vector<message>& args, const node& n) -> message {
    arity(args, 2, n, "buffer.view");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(buffer.view b \"name\"): the view's name is a string");
    const buffer b = buffer_arg(args[0], n, "buffer.view");
    return outside_lock([&] { return m_host.view(b, args[1].value().get<std::string>()); });
  };
  // (buffer.create "ImageRGB" :height 4 :width 6) or (buffer.create "float32" :rows 2 :cols 3)
  m_builtins["buffer.create"] = [this](std::vector<message>& args, const node& n) -> message {
    if (args.empty() || !args[0].value().is_string() || args.size() % 2 != 1) {
      fail(n, "SyntaxError", "(buffer.create type-or-format :dimension size …)");
    }
    const std::string what = args[0].value().get<std::string>();
    std::vector<std::pair<std::string, std::size_t>> dims;
    for (std::size_t i = 1; i < args.size(); i += 2) {
      const std::string key = key_of(args[i], n);
      if (!args[i + 1].value().is_number_integer() || args[i + 1].value().get<std::int64_t>() < 0) {
        fail(n, "TypeError", "the size of " + key + " must be a non-negative integer");
      }
      dims.emplace_back(key, args[i + 1].value().get<std::size_t>());
    }
    if (auto type = m_host.buffer_types().find(what)) {
      std::map<std::string, std::size_t> sizes(dims.begin(), dims.end());
      return message::of(m_host.buffer_types().create(what, sizes));
    }
    if (auto format = dtype_from_name(what)) {
      shape_t shape;
      for (const auto& [k, size] : dims) shape.push_back(size);
      return message::of(buffer::allocate(*format, shape));
    }
    fail(n, "TypeError", "'" + what + "' is neither a registered buffer type nor a dtype");
  };
}

}  // namespace promethean::meta
