// The meta language's control forms: try/catch/finally and throw/error (errors of every runtime
// are values a script can catch), set! (assignment, so that closures can mutate), and cond.
#include "evaluator.hpp"

#include "forms.hpp"

#include <promethean/error.hpp>

namespace promethean::meta {

using namespace detail;

namespace {
/// (throw value) of a value that is not an error envelope: a meta `Error` whose message shows the
/// value, and which gives the value back to a catch (as the envelope's "value").
class thrown_value : public script_error {
 public:
  thrown_value(promethean::message value, const source_location& where)
      : script_error("Error", display(value.value()), where), m_value(std::move(value)) {}
  const promethean::message& value() const { return m_value; }

 private:
  promethean::message m_value;  // qualified: error::message() hides the type here
};

/// The envelope a catch binds: {"_type": "Error", runtime, type, message, trace, file, line, column}.
message envelope_of(const error& err) {
  nlohmann::json j = err.to_json();
  if (const auto* thrown = dynamic_cast<const thrown_value*>(&err)) {
    j["value"] = thrown->value().value();
    return message(std::move(j), thrown->value().buffers(), thrown->value().functions());
  }
  return message(std::move(j));
}
}  // namespace

void evaluator::install_control_forms() {
  // (try body… (catch e handler…) (finally cleanup…)): the body's last value, or, if it raised
  // an error of any runtime, the handler's with `e` bound to the error's envelope. The cleanup runs
  // either way; without a catch the error goes on after it. (exit n) is not an error: it passes.
  m_specials["try"] = [this](const node& n, const env_ptr& e) -> message {
    std::size_t end = n.items.size();
    const node* finally_clause = nullptr;
    const node* catch_clause = nullptr;
    auto clause = [&](const char* name) -> const node* {
      if (end > 1 && n.items[end - 1].type == node::kind::list && !n.items[end - 1].items.empty() &&
          n.items[end - 1].items[0].is_symbol(name)) {
        return &n.items[--end];
      }
      return nullptr;
    };
    finally_clause = clause("finally");
    catch_clause = clause("catch");
    if (catch_clause && (catch_clause->items.size() < 2 || catch_clause->items[1].type != node::kind::symbol)) {
      fail(*catch_clause, "SyntaxError", "(catch name handler…), got " + catch_clause->show());
    }
    for (std::size_t i = 1; i < end; ++i) {
      const node& item = n.items[i];
      if (item.type == node::kind::list && !item.items.empty() && (item.items[0].is_symbol("catch") || item.items[0].is_symbol("finally"))) {
        fail(item, "SyntaxError", "(try body… (catch e handler…) (finally cleanup…)): catch, then finally, at the end");
      }
    }
    auto cleanup = [&] {
      if (!finally_clause) return;
      for (std::size_t i = 1; i < finally_clause->items.size(); ++i) eval(finally_clause->items[i], e);
    };
    message result;
    try {
      try {
        for (std::size_t i = 1; i < end; ++i) result = eval(n.items[i], e);
      } catch (const exit_error&) {
        throw;
      } catch (const error& err) {
        if (!catch_clause || err.type() == "SystemExit") throw;  // an exit passes, as in Python
        auto scope = std::make_shared<environment>();
        scope->parent = e;
        scope->vars[catch_clause->items[1].text] = envelope_of(err);
        result = message();
        for (std::size_t i = 2; i < catch_clause->items.size(); ++i) result = eval(catch_clause->items[i], scope);
      }
    } catch (...) {
      cleanup();
      throw;
    }
    cleanup();
    return result;
  };
  // (throw value): an error envelope (a caught `e`) is raised again as it was (its runtime and
  // type kept); any other value becomes a meta Error showing it.
  m_builtins["throw"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "throw");
    if (error::is_envelope(args[0].value())) {
      const error original = error::from_json(args[0].value());
      throw error(original.runtime(), original.type(), original.message(), original.trace(),
                  original.location() ? original.location() : std::optional<source_location>(n.where));
    }
    throw thrown_value(args[0], n.where);
  };
  // (error "message" …): a meta Error whose message is the arguments as `str` joins them.
  m_builtins["error"] = [](std::vector<message>& args, const node& n) -> message {
    std::string text;
    for (const auto& a : args) text += display(a.value());
    fail(n, "Error", text);
  };
  // (set! name value): assigns the nearest existing binding of name (a let, a parameter, a global),
  // so a closure can change what it captured; an unbound name is a NameError (def creates).
  m_specials["set!"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() != 3 || n.items[1].type != node::kind::symbol) fail(n, "SyntaxError", "(set! name value), got " + n.show());
    message value = eval(n.items[2], e);
    for (environment* scope = e.get(); scope; scope = scope->parent.get()) {
      if (auto it = scope->vars.find(n.items[1].text); it != scope->vars.end()) {
        it->second = value;
        return value;
      }
    }
    fail(n.items[1], "NameError", "set! of unbound '" + n.items[1].text + "' (def or let it first)");
  };
  // (cond test value test value … else value?): the value after the first truthy test; `else`
  // (or any truthy test, like :else) last; null when no test holds.
  m_specials["cond"] = [this](const node& n, const env_ptr& e) -> message {
    if (n.items.size() % 2 != 1) fail(n, "SyntaxError", "(cond test value …) takes test value pairs, got " + n.show());
    for (std::size_t i = 1; i < n.items.size(); i += 2) {
      if (n.items[i].is_symbol("else") || truthy(eval(n.items[i], e))) return eval(n.items[i + 1], e);
    }
    return message();
  };
}

}  // namespace promethean::meta
