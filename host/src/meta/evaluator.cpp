// The meta language's evaluator: expansion, evaluation, closures and calls. The forms themselves
// are installed by kind: core_forms.cpp, router_forms.cpp (other runtimes), buffer_forms.cpp.
// Every error carries the file, line and column of its form.
#include "evaluator.hpp"

#include "code_data.hpp"
#include "forms.hpp"
#include "native_stack.hpp"

#include <promethean/error.hpp>
#include <promethean/host/deadline.hpp>
#include <promethean/host/function_handle.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/meta_object.hpp>

#include <algorithm>

namespace promethean::meta {

struct evaluator::closure {
  std::string name;
  std::vector<std::string> params;
  std::string rest;  // the &rest parameter, or empty
  std::vector<node> body;
  env_ptr scope;
  std::string builtin;  // a builtin taken as a value: the builtin's name, and no body
  source_location defined_at;  // the form that made it (def, fn, py:fn…)
};

namespace detail {
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

std::string key_of(const message& m, const node& at) {
  const auto& v = m.value();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return !s.empty() && s[0] == ':' ? s.substr(1) : s;
  }
  fail(at, "TypeError", "a key must be a keyword or a string, got " + v.dump());
}

message seen_through(const message& m) {
  const auto& v = m.value();
  if (!meta_object::is_meta_object(v)) return m;
  const auto data = v.find("data");
  return item_of(m, data == v.end() ? nlohmann::json() : *data);
}

message get_in(const message& obj, const nlohmann::json& key, const node& at) {
  const auto& v = obj.value();
  if (meta_object::is_meta_object(v) && !(key.is_string() && v.contains(key.get_ref<const std::string&>()))) {
    return get_in(seen_through(obj), key, at);
  }
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
  } else if (v.is_string() && key.is_number_integer()) {  // a character: a code point, not a byte
    const auto i = key.get<std::int64_t>();
    const auto& s = v.get_ref<const std::string&>();
    const std::size_t count = utf8_length(s);
    if (i < 0 || static_cast<std::size_t>(i) >= count) {
      fail(at, "IndexError", "index " + std::to_string(i) + " out of range for " + std::to_string(count) + " characters");
    }
    result = utf8_slice(s, static_cast<std::size_t>(i), static_cast<std::size_t>(i) + 1);
  } else {
    fail(at, "TypeError", "cannot get " + key.dump() + " of " + v.dump().substr(0, 200));
  }
  return message(std::move(result), obj.buffers(), obj.functions());
}

message item_of(const message& list, const nlohmann::json& item) {
  return message(item, list.buffers(), list.functions());
}

void check_arity(const std::vector<message>& args, std::size_t want, const node& n, const char* form) {
  if (args.size() != want) {
    fail(n, "ArityError", std::string("(") + form + " …) takes " + std::to_string(want) + " argument" +
                              (want == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  }
}
}  // namespace detail

using namespace detail;

namespace {
constexpr int k_max_depth = 2000;
// Nesting of evaluation and of macro expansion, per thread: while a form waits for another
// runtime the evaluation lock is given up, and another thread's evaluation runs meanwhile.
thread_local int t_depth = 0;
thread_local int t_expansion_depth = 0;
constexpr int k_max_expansion_depth = 256;
// The steps left under this thread's step_budget; unlimited while none lives.
constexpr std::uint64_t k_unlimited_steps = ~std::uint64_t{0};
thread_local std::uint64_t t_steps_left = k_unlimited_steps;
}  // namespace

step_budget::step_budget(std::uint64_t steps) noexcept { t_steps_left = steps; }
step_budget::~step_budget() { t_steps_left = k_unlimited_steps; }

evaluator::evaluator(host& h, std::ostream& out) : m_host(h), m_out(out), m_global(std::make_shared<environment>()) {
  install_core_forms();
  install_control_forms();
  for (const auto& [name, form] : m_specials) m_syntax.insert(name);
  install_router_forms();
  install_async_forms();
  install_buffer_forms();
  install_list_forms();
  install_string_forms();
}

evaluator::~evaluator() { clear(); }

void evaluator::clear() {
  std::map<std::string, std::shared_ptr<closure>, std::less<>> gone;
  {
    std::lock_guard lock(m_closures->mutex);
    gone.swap(m_closures->entries);
  }
  m_global = std::make_shared<environment>();
  m_builtin_values.clear();
  m_runtime_entries.clear();
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
    if (h == "quote" || h == "quasiquote") return n;  // data
    // A macro first: a script's own may stand in for a router form (the seed's py:fn).
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
    if (h == "py:fn" || h == "js:fn" || h == "sh:fn" || h == "register-buffer-type") {
      return n;  // another language's source, or names that are data
    }
    if (h == "meta") return expand(run_meta_block(n));
    if ((h == "def" || h == "var" || h == "macro") && n.items.size() >= 4 &&
        (n.items[2].type == node::kind::list || n.items[2].type == node::kind::array)) {
      skip = 2;
    } else if (h == "fn" || h == "lambda") {
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
  if (m_builtins.count(n.text) > 0) return builtin_value(n.text);
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
  if (auto entry = runtime_entry(n)) return *entry;
  fail(n, "NameError", "unknown symbol '" + n.text + "'");
}

std::optional<message> evaluator::runtime_entry(const node& n) {
  if (auto it = m_runtime_entries.find(n.text); it != m_runtime_entries.end()) return it->second;
  const auto dot = n.text.rfind('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  const std::string runtime = n.text.substr(0, dot);
  const std::string entry = n.text.substr(dot + 1);
  const char* form = entry == "eval" ? "eval-in" : entry == "serialize" ? "marshal" : nullptr;
  if (form == nullptr) return std::nullopt;
  const auto names = m_host.runtime_names();
  if (std::find(names.begin(), names.end(), runtime) == names.end()) return std::nullopt;
  // (fn (x) (eval-in "py" x)), (fn (x) (marshal "py" x)): made once per name, like a builtin value.
  auto leaf = [&](node::kind k, const std::string& text) {
    node x{k};
    x.text = text;
    x.where = n.where;
    return x;
  };
  node params{node::kind::list};
  params.items.push_back(leaf(node::kind::symbol, "x"));
  node body{node::kind::list};
  body.where = n.where;
  body.items = {leaf(node::kind::symbol, form), leaf(node::kind::string, runtime), leaf(node::kind::symbol, "x")};
  return m_runtime_entries[n.text] = make_function(n.text, params, {body}, m_global, n);
}

message evaluator::eval_list(const node& n, const env_ptr& e) {
  if (n.items.empty()) return message(nlohmann::json::array());
  const node& head = n.items[0];
  if (t_steps_left != k_unlimited_steps && t_steps_left-- == 0) {
    ++t_steps_left;  // stays spent: every later form fails too, until the budget ends
    fail(n, "StepLimit", "the step budget of this evaluation is spent");
  }
  if (++t_depth > k_max_depth) {
    --t_depth;
    fail(n, "RecursionError", "evaluation nested deeper than " + std::to_string(k_max_depth) + " calls");
  }
  if (native_stack_left() < native_stack_reserve()) {
    --t_depth;
    fail(n, "RecursionError", "evaluation nested " + std::to_string(t_depth) +
                                  " calls deep, too deep for this thread's native stack");
  }
  struct unwind {
    int& depth;
    ~unwind() { --depth; }
  } guard{t_depth};
  try {
    if (head.type == node::kind::symbol) {
      // A script's macro may stand in for a router form (never for syntax: see `macro`).
      const auto m = m_macros.find(head.text);
      if (m == m_macros.end()) {
        if (auto s = m_specials.find(head.text); s != m_specials.end()) return s->second(n, e);
      }
      const bool bound = locally_bound(e, head.text);
      if (!bound) {
        // A macro defined by the same top-level form, after that form was expanded.
        if (m != m_macros.end()) return eval(expand(expand_macro(m->second, n)), e);
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
/// Meta code itself stops at its next function call once the deadline of the call it runs in has
/// passed (calls into other runtimes are stopped by those runtimes).
/// "file:line:column" of a place in a script.
std::string where_text(const source_location& at) {
  return (at.file.empty() ? "<script>" : at.file) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

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
    std::lock_guard lock(m_closures->mutex);
    if (auto it = m_closures->entries.find(id); it != m_closures->entries.end()) c = it->second;
  }
  if (!c) throw usage_error("meta: no function " + std::string(id), "meta");
  if (!c->builtin.empty()) {
    node where{node::kind::list};
    where.where = call_site ? *call_site : source_location{"<" + c->builtin + ">", 0, 0};
    node head{node::kind::symbol};
    head.text = c->builtin;
    head.where = where.where;
    where.items.push_back(std::move(head));
    std::vector<message> copy = args;
    return m_builtins.at(c->builtin)(copy, where);
  }
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
  try {
    for (const auto& form : c->body) last = eval(form, scope);
  } catch (const exit_error&) {
    throw;  // an exit, not a failure: it goes on as it is
  } catch (const timeout_error&) {
    throw;
  } catch (const error& err) {
    if (call_site == nullptr) throw;
    // The error stays located where it happened, in the body; its trace grows the call: which
    // function, where it was defined and where this call came from (a meta traceback, innermost
    // first).
    const std::string step = "  in " + c->name + " (defined at " + where_text(c->defined_at) + "), called at " +
                             where_text(*call_site);
    std::string trace = err.trace().empty() ? step : err.trace() + "\n" + step;
    if (dynamic_cast<const script_error*>(&err) != nullptr && err.location()) {
      script_error located(err.type(), err.message(), *err.location(), std::move(trace));
      located.set_origin(err.origin());
      throw located;
    }
    error passed_on(err.runtime(), err.type(), err.message(), std::move(trace), err.location());
    passed_on.set_origin(err.origin());
    throw passed_on;
  }
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

message evaluator::publish(std::shared_ptr<closure> c) {
  // The handle owns the closure's table entry: the entry goes when the last reference does.
  auto id = std::make_shared<std::string>();
  // The callback holds the table weakly: the handle may outlive this evaluator (found by fuzzing,
  // fuzz/regressions/meta_eval/function_value_outlives_its_evaluator.sib: a meta function returned
  // as a result and released after its Host). The closure is released outside the lock, since
  // releasing it may release other handles of this table (those its environment holds).
  auto f = function_handle::create("meta", c->name, [table = std::weak_ptr<closure_table>(m_closures), id] {
    const auto t = table.lock();
    if (!t) return;  // the evaluator is gone, and its table with it
    std::shared_ptr<closure> gone;
    std::lock_guard lock(t->mutex);
    if (auto it = t->entries.find(*id); it != t->entries.end()) {
      gone = std::move(it->second);
      t->entries.erase(it);
    }
  });
  *id = f->id();
  {
    std::lock_guard lock(m_closures->mutex);
    m_closures->entries[*id] = std::move(c);
  }
  return message::of(f);
}

message evaluator::builtin_value(const std::string& name) {
  if (auto it = m_builtin_values.find(name); it != m_builtin_values.end()) return it->second;
  auto c = std::make_shared<closure>();
  c->name = name;
  c->builtin = name;
  return m_builtin_values[name] = publish(std::move(c));
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
    if (p.text.size() > 3 && p.text.compare(0, 3, "...") == 0) {  // Sibilant's rest: (name args ...body)
      if (i + 1 != params.items.size()) fail(p, "SyntaxError", p.text + " collects the rest: it comes last");
      c->rest = p.text.substr(3);
      break;
    }
    c->params.push_back(p.text);
  }
  c->body = std::move(body);
  c->scope = e;
  c->defined_at = where.where;
  return publish(std::move(c));
}

}  // namespace promethean::meta
