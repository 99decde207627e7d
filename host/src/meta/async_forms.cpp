// The meta language's async forms: (call-async rt fn args…) and (eval-async rt code) start a call
// and give a pending value at once; (await p) and (await-all ps) wait for their outcomes, so that
// a script fans work out to several runtimes at once (host::call_async, pending_call.hpp).
#include "evaluator.hpp"

#include "forms.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/meta_object.hpp>
#include <promethean/host/pending_call.hpp>
#include <promethean/type_tag.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace promethean::meta {

using namespace detail;

namespace {

/// One call started by call-async or eval-async. The first await takes its outcome from the
/// pending call and keeps it, so that awaiting the same value again gives the same value (or
/// raises the same error), as awaiting a settled Promise does.
struct started_call {
  std::shared_ptr<pending_call> call;
  std::string runtime;
  bool is_eval = false;  ///< the value is a MetaObject of `runtime`, as eval-in's
  std::mutex mutex;      ///< held by the one awaiter that takes the outcome (others wait here)
  bool taken = false;
  message value;
  std::exception_ptr error;
};

/// The evaluator's started calls by the id of their pending value's handle. A pending value is
/// {"_type": "Pending", "runtime": …, "function": …, "call": <a Function handle>}; the message
/// holding it holds the handle, whose release (the last reference to the value gone) drops the
/// entry. Dropping it does not stop the call (a Promise nobody awaits runs on too).
struct started_calls {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<started_call>, std::less<>> entries;
};

message pending_value(const std::shared_ptr<started_calls>& table, std::shared_ptr<started_call> started,
                      const std::string& function) {
  auto id = std::make_shared<std::string>();
  auto handle = function_handle::create(
      "meta", "pending " + started->runtime + " " + function, [weak = std::weak_ptr<started_calls>(table), id] {
        const auto t = weak.lock();
        if (!t) return;  // the evaluator is gone, and its table with it
        std::shared_ptr<started_call> gone;  // freed outside the lock: it may hold buffers
        std::lock_guard lock(t->mutex);
        if (auto it = t->entries.find(*id); it != t->entries.end()) {
          gone = std::move(it->second);
          t->entries.erase(it);
        }
      });
  *id = handle->id();
  nlohmann::json value = {{"_type", "Pending"}, {"runtime", started->runtime}, {"function", function},
                          {"call", handle->to_json()}};
  {
    std::lock_guard lock(table->mutex);
    table->entries[*id] = std::move(started);
  }
  return message(std::move(value), {}, {handle});
}

/// The started call a pending value names; null when `v` is not a pending value.
std::shared_ptr<started_call> find_started(started_calls& table, const nlohmann::json& v, const node& at) {
  if (!has_type_tag(v, "Pending")) return nullptr;
  const auto call = v.find("call");
  if (call == v.end() || !call->is_object() || !call->contains("function_id") || !(*call)["function_id"].is_string()) {
    fail(at, "TypeError", "a pending value without its call: " + v.dump());
  }
  std::lock_guard lock(table.mutex);
  auto it = table.entries.find((*call)["function_id"].get<std::string>());
  if (it == table.entries.end()) {
    fail(at, "TypeError", "this pending value was not started by this evaluator (" + v.dump() + ")");
  }
  return it->second;
}

}  // namespace

void evaluator::install_async_forms() {
  auto table = std::make_shared<started_calls>();

  // Waits (the evaluation lock given up) for the outcome of `started`, taking it the first time.
  auto settle = [this](started_call& started) {
    outside_lock([&] {
      std::lock_guard lock(started.mutex);
      if (started.taken) return 0;
      auto outcome = started.call->wait();
      started.taken = true;
      started.value = std::move(outcome->value);
      started.error = std::move(outcome->error);
      started.call.reset();  // nothing more to hear from it
      return 0;
    });
  };
  // The awaited value of `started` (settled), or its error raised as a failed `call` raises it.
  auto result_of = [](const started_call& started) -> message {
    if (started.error) std::rethrow_exception(started.error);
    if (!started.is_eval) return started.value;
    meta_object result{started.runtime, started.value};
    return combine(result.to_json(), {&result.data});
  };

  m_builtins["call-async"] = [this, table](std::vector<message>& args, const node& n) -> message {
    const routed_call c =
        router_call(args, n, "(call-async runtime \"function\" args… [:name value…] [:timeout seconds])");
    auto started = std::make_shared<started_call>();
    started->runtime = c.runtime;
    // The call starts on this thread (a runtime's own async call runs its first part here), so
    // outside the evaluation lock like any call; errors settle the pending call, never throw.
    started->call = outside_lock([&] { return m_host.call_async(c.runtime, c.function, c.arguments, c.options); });
    return pending_value(table, std::move(started), c.function);
  };
  m_builtins["eval-async"] = [this, table](std::vector<message>& args, const node& n) -> message {
    const call_options options = router_options(args, n);
    check_arity(args, 2, n, "eval-async");
    if (!args[1].value().is_string()) fail(n, "TypeError", "(eval-async runtime code): the code is a string");
    auto started = std::make_shared<started_call>();
    started->runtime = runtime_name(args[0], n);
    started->is_eval = true;
    started->call = outside_lock([&] { return m_host.eval_async(started->runtime, args[1].value().get<std::string>(), options); });
    return pending_value(table, std::move(started), "eval");
  };
  // (await p): p's value once its call ends; a value that is not pending is its own value.
  m_builtins["await"] = [table, settle, result_of](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "await");
    auto started = find_started(*table, args[0].value(), n);
    if (!started) return args[0];
    settle(*started);
    return result_of(*started);
  };
  // (await-all [p…]): the list of their values, in order. Every call is waited for before any
  // error is raised: the first failed one's (in list order), so that no call of the fan-out is
  // still running when a `catch` around it runs.
  m_builtins["await-all"] = [table, settle, result_of](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "await-all");
    const nlohmann::json& list = args[0].value();
    if (!list.is_array()) fail(n, "TypeError", "(await-all list): a list of pending values, got " + args[0].dump().substr(0, 200));
    std::vector<std::shared_ptr<started_call>> started;
    started.reserve(list.size());
    for (const auto& item : list) started.push_back(find_started(*table, item, n));
    for (auto& s : started) {
      if (s) settle(*s);
    }
    std::vector<message> values;
    values.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      values.push_back(started[i] ? result_of(*started[i]) : item_of(args[0], list[i]));
    }
    return array_of(values);
  };
}

}  // namespace promethean::meta
