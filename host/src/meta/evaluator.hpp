// Private: the meta language's evaluator. Values are messages (JSON with live Buffer and Function
// handles), so that whatever a form yields crosses to any runtime as it is; a meta function is a
// Function handle of runtime "meta" whose closure lives in this evaluator.
#pragma once

#include "evaluation_lock.hpp"
#include "reader.hpp"

#include <promethean/host/message.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace promethean {
class host;
}

namespace promethean::meta {

/// Thrown by (exit n): ends a script run with status n (not an error; nothing is printed).
struct exit_request {
  int status = 0;
};

/// A bound on how much meta code may run on this thread, for callers that run code they do not
/// trust to end (the fuzz harness, fuzz/meta_eval_fuzzer.cpp): while a step_budget lives, each list
/// form evaluated on this thread, in any evaluator (eval-in "meta" nests one), takes a step, and
/// the step past `steps` fails with a script_error of type StepLimit. Without one, no count is kept.
/// Not nestable: one per thread at a time.
class step_budget {
 public:
  explicit step_budget(std::uint64_t steps) noexcept;
  ~step_budget();
  step_budget(const step_budget&) = delete;
  step_budget& operator=(const step_budget&) = delete;
};

struct environment {
  std::map<std::string, message, std::less<>> vars;
  std::shared_ptr<environment> parent;
};
using env_ptr = std::shared_ptr<environment>;

class evaluator {
 public:
  evaluator(host& h, std::ostream& out);
  ~evaluator();
  evaluator(const evaluator&) = delete;
  evaluator& operator=(const evaluator&) = delete;

  /// Evaluates every form of `source` in the global environment; returns the last value.
  message run(std::string_view source, const std::string& file, int first_line = 1);

  /// Calls a meta function (a Function handle of runtime "meta") with arguments; an arity error
  /// points at `call_site` when given (else at the function's body).
  message call_function(std::string_view id, const std::vector<message>& args,
                        const source_location* call_site = nullptr);

  /// Calls what a global name is bound to (a meta function, or another runtime's).
  message call_global(std::string_view name, const std::vector<message>& args);

  /// Binds `name` in the global environment to a function of `params` whose body is meta source.
  void define(const std::string& name, const std::vector<std::string>& params, std::string_view body);

  /// Binds `name` in the global environment (the script's `argv`).
  void set_global(const std::string& name, message value);

  /// Forgets every closure (at shutdown: closures and environments refer to each other).
  void clear();

  /// The lock the meta runtime holds around evaluation: given up while a form waits for another
  /// runtime (evaluation_lock.hpp). Without one, nothing is given up.
  void set_lock(evaluation_lock* lock) { m_lock = lock; }

 private:
  struct closure;
  using builtin = std::function<message(std::vector<message>&, const node&)>;
  using special = std::function<message(const node&, const env_ptr&)>;

  message eval(const node& n, const env_ptr& e);
  /// Macro expansion of a whole form before it runs: macro calls are replaced by their expansion
  /// and `meta` blocks by the code they return, so that a function body expands once, not per call.
  node expand(const node& n);
  node expand_macro(const message& macro, const node& call);
  node run_meta_block(const node& block);
  message quasiquote(const node& n, const env_ptr& e, int level);
  /// Binds a spliced value to a fresh global name (see code_data.hpp).
  std::string bind_splice(const message& value);
  bool locally_bound(const env_ptr& e, std::string_view name) const;
  message eval_symbol(const node& n, const env_ptr& e);
  /// `py.eval`, `js.serialize`…: the seed's names for a runtime's eval and marshal entries, as
  /// functions (its runtime-dispatch object is written with them); null when `name` is no such entry.
  std::optional<message> runtime_entry(const node& n);
  message eval_list(const node& n, const env_ptr& e);
  message apply(const message& fn, std::vector<message>& args, const node& where);
  message make_function(const std::string& name, const node& params, std::vector<node> body, const env_ptr& e,
                        const node& where);
  // The forms, by kind, each kind in a file of its own.
  void install_core_forms();    ///< core_forms.cpp: def, let, if, macro, arithmetic, lists…
  void install_router_forms();  ///< router_forms.cpp: eval-in, call, send-json, load, py:fn…
  void install_async_forms();   ///< async_forms.cpp: call-async, eval-async, await, await-all
  void install_buffer_forms();  ///< buffer_forms.cpp: register-buffer-type, buffer.*
  void install_control_forms(); ///< control_forms.cpp: try/catch/finally, throw, set!, cond
  void install_list_forms();    ///< list_forms.cpp: filter, reduce, first, nth, apply, range…
  void install_string_forms();  ///< string_forms.cpp: split, join, upper, replace…
  /// A builtin as a value (`(reduce + 0 xs)`): a meta function that runs the builtin, one per name.
  message builtin_value(const std::string& name);
  /// A closure as a meta function handle, callable from every runtime while the handle lives.
  message publish(std::shared_ptr<closure> c);

  /// Runs a call into another runtime with the evaluation lock given up (see set_lock).
  template <class F>
  auto outside_lock(F&& f) {
    lock_suspended away(m_lock);
    return f();
  }

  host& m_host;
  std::ostream& m_out;
  evaluation_lock* m_lock = nullptr;
  env_ptr m_global;
  std::map<std::string, special, std::less<>> m_specials;
  /// The language's own syntax (core and control forms): no macro may replace these, while a
  /// script's macro may stand in for a router form (the seed defines its own py:fn).
  std::set<std::string, std::less<>> m_syntax;
  std::map<std::string, builtin, std::less<>> m_builtins;
  std::map<std::string, message, std::less<>> m_macros;  // name → the expander (a meta function)
  std::map<std::string, message, std::less<>> m_builtin_values;  // name → its function (builtin_value)
  std::map<std::string, message, std::less<>> m_runtime_entries;  // "py.eval" → its function (runtime_entry)
  std::uint64_t m_fresh = 0;                              // counter for gensym and splice names
  /// Function id → closure. Shared with the release callbacks of the handles, which hold it weakly:
  /// a handle may outlive this evaluator (a result kept after its Host is gone).
  struct closure_table {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<closure>, std::less<>> entries;
  };
  std::shared_ptr<closure_table> m_closures = std::make_shared<closure_table>();
};

}  // namespace promethean::meta
