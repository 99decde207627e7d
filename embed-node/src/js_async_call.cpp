// Async calls across the js boundary, both ways (js_async_call.hpp).
#include "js_async_call.hpp"

#include "js_call.hpp"
#include "js_conversion.hpp"
#include "js_engine.hpp"
#include "js_errors.hpp"
#include "js_event_loop.hpp"
#include "js_host_call.hpp"
#include "js_lock_lending.hpp"

#include <promethean/error.hpp>

#include <node.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace promethean::js {
namespace {

/// A JS Promise that settles a pending call (JS is the producer).
struct producing {
  std::shared_ptr<pending_call> call;
  v8::Global<v8::Object> controller;  ///< the AbortController whose signal the function got, if any
  std::string name;                   ///< "js function f", for errors
  bool completion = false;            ///< evaluated code's: a value that cannot cross is null
};

using loop_task = std::function<void(v8::Isolate*, v8::Local<v8::Context>)>;

struct links {
  // Under the isolate lock only.
  std::unordered_map<std::uint64_t, producing> producers;
  std::unordered_map<std::uint64_t, v8::Global<v8::Promise::Resolver>> awaiting;
  std::uint64_t next_id = 1;
  uv_async_t* handle = nullptr;
  bool referenced = false;
  // From any thread.
  std::mutex mutex;
  std::vector<loop_task> queue;
  std::atomic<uv_async_t*> wake{nullptr};
};

links& the_links() {
  static auto* l = new links();  // never destroyed: a late continuation may still queue into it
  return *l;
}

/// Runs `task` on the event loop's thread, under the lock, soon. From any thread.
void queue_on_loop(loop_task task) {
  auto& l = the_links();
  {
    std::lock_guard lock(l.mutex);
    l.queue.push_back(std::move(task));
  }
  if (uv_async_t* h = l.wake.load()) uv_async_send(h);
}

/// The handle keeps the loop alive while a JS Promise waits for another runtime.
void update_reference(links& l) {
  const bool wanted = !l.awaiting.empty();
  if (l.handle == nullptr || wanted == l.referenced) return;
  if (wanted) {
    uv_ref(reinterpret_cast<uv_handle_t*>(l.handle));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(l.handle));
  }
  l.referenced = wanted;
}

/// The async handle's callback, on the loop's thread: runs what was queued, inside one callback
/// scope, so that the microtasks the settled Promises queue run when it closes.
void run_queued(uv_async_t*) {
  auto& l = the_links();
  std::vector<loop_task> tasks;
  {
    std::lock_guard lock(l.mutex);
    tasks.swap(l.queue);
  }
  if (tasks.empty() || !engine::get().alive.load()) return;
  try {
    entered e;
    v8::Isolate* isolate = e.isolate();
    node::CallbackScope scope(engine::get().env, callback_resource(isolate), {0, 0});
    for (auto& task : tasks) {
      v8::HandleScope handles(isolate);
      task(isolate, e.context());
    }
  } catch (const std::exception& e) {
    // Only entering can throw here (JS is over): what waited is dropped with it.
    (void)e;
  }
}

v8::Local<v8::Value> get(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Object> o, const char* key) {
  v8::Local<v8::Value> v;
  if (!o->Get(ctx, v8_string(isolate, key)).ToLocal(&v)) v8_failed(isolate, std::string("reading .") + key);
  return v;
}

v8::Local<v8::Object> new_abort_controller(v8::Isolate* isolate, v8::Local<v8::Context> ctx) {
  v8::Local<v8::Value> ctor = get(isolate, ctx, ctx->Global(), "AbortController");
  v8::Local<v8::Object> controller;
  if (!ctor->IsFunction() || !ctor.As<v8::Function>()->NewInstance(ctx).ToLocal(&controller)) {
    v8_failed(isolate, "making an AbortController");
  }
  return controller;
}

/// The exception value JS sees for `error`: a promethean.ForeignError for the family.
v8::Local<v8::Value> rejection_for(v8::Isolate* isolate, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const promethean::error& e) {
    v8::TryCatch caught(isolate);
    throw_into_js(isolate, e);
    if (caught.HasCaught()) return caught.Exception();
    return v8::Exception::Error(v8_string(isolate, e.what()));
  } catch (const std::exception& e) {
    return v8::Exception::Error(v8_string(isolate, e.what()));
  }
}

void settle_resolver(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Promise::Resolver> resolver,
                     pending_call::outcome outcome) {
  if (outcome.error) {
    resolver->Reject(ctx, rejection_for(isolate, outcome.error)).Check();
    return;
  }
  v8::Local<v8::Value> value;
  try {
    value = from_message(isolate, outcome.value);
  } catch (...) {
    resolver->Reject(ctx, rejection_for(isolate, std::current_exception())).Check();
    return;
  }
  resolver->Resolve(ctx, value).Check();
}

/// A Promise's handler (JS as the producer): settles the pending call its data names.
template <bool fulfilled>
void on_settled(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  auto& l = the_links();
  const auto id = static_cast<std::uint64_t>(info.Data().As<v8::Number>()->Value());
  auto it = l.producers.find(id);
  if (it == l.producers.end()) return;  // cancelled
  std::shared_ptr<pending_call> call = std::move(it->second.call);
  const std::string name = std::move(it->second.name);
  const bool completion = it->second.completion;
  l.producers.erase(it);
  if (call->done()) return;  // timed out meanwhile
  message result;
  std::exception_ptr failure;
  try {
    if (fulfilled) {
      result = completion ? completion_to_message(isolate, info[0]) : settled_to_message(isolate, info[0], "", name);
    } else {
      throw_exception_value(isolate, info[0]);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  // The continuation may take another runtime's lock (Python's the GIL): not with this one held.
  lock_given_up unlocked(isolate);
  if (failure) {
    call->fail(failure);
  } else {
    call->complete(std::move(result));
  }
}

/// On the loop: the producer `id`'s caller gave up; its AbortController (if any) aborts.
void abort_producer(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::uint64_t id) {
  auto& l = the_links();
  auto it = l.producers.find(id);
  if (it == l.producers.end()) return;
  v8::Local<v8::Object> controller = it->second.controller.Get(isolate);
  l.producers.erase(it);
  if (controller.IsEmpty()) return;
  v8::TryCatch caught(isolate);  // an abort listener that throws is its own business
  v8::Local<v8::Value> abort;
  v8::Local<v8::Value> ignored;
  if (controller->Get(ctx, v8_string(isolate, "abort")).ToLocal(&abort) && abort->IsFunction()) {
    if (!abort.As<v8::Function>()->Call(ctx, controller, 0, nullptr).ToLocal(&ignored)) caught.Reset();
  }
}

/// On the loop: the Promise `id` waited for settles with `outcome`.
void settle_awaiting(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::uint64_t id, pending_call::outcome outcome) {
  auto& l = the_links();
  auto it = l.awaiting.find(id);
  if (it == l.awaiting.end()) return;
  v8::Local<v8::Promise::Resolver> resolver = it->second.Get(isolate);
  l.awaiting.erase(it);
  update_reference(l);
  settle_resolver(isolate, ctx, resolver, std::move(outcome));
}

/// What a JS call or eval gave back, as a pending call: settled now unless it is a pending Promise.
/// Inside the call's callback scope (the handlers are attached before it reports rejections).
/// `completion`: an eval's value, null when it cannot cross (js_call.hpp's settle_completion).
std::shared_ptr<pending_call> link_result(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Value> value,
                                          v8::Local<v8::Object> controller, std::string name, bool completion) {
  auto settled = [&](v8::Local<v8::Value> v) {
    return pending_call::ready(completion ? completion_to_message(isolate, v) : settled_to_message(isolate, v, "", name));
  };
  if (!value->IsPromise()) return settled(value);
  auto promise = value.As<v8::Promise>();
  switch (promise->State()) {
    case v8::Promise::kFulfilled:
      return settled(promise->Result());
    case v8::Promise::kRejected:
      // A handler, not just MarkAsHandled(): Node was told of the rejection when it happened and
      // reports it as uncaught (killing the process) unless a handler is attached before the
      // callback scope closes, as a blocking eval does.
      handle_rejection_here(promise);
      try {
        throw_exception_value(isolate, promise->Result());
      } catch (...) {
        return pending_call::failed(std::current_exception());
      }
    case v8::Promise::kPending:
      break;
  }
  auto& l = the_links();
  const std::uint64_t id = l.next_id++;
  auto call = pending_call::make();
  producing& entry = l.producers[id];
  entry.call = call;
  entry.name = std::move(name);
  entry.completion = completion;
  if (!controller.IsEmpty()) entry.controller.Reset(isolate, controller);
  v8::Local<v8::Value> data = v8::Number::New(isolate, static_cast<double>(id));
  v8::Local<v8::Function> fulfilled;
  v8::Local<v8::Function> rejected;
  v8::Local<v8::Promise> chained;
  if (!v8::Function::New(ctx, on_settled<true>, data, 1).ToLocal(&fulfilled) ||
      !v8::Function::New(ctx, on_settled<false>, data, 1).ToLocal(&rejected) ||
      !promise->Then(ctx, fulfilled, rejected).ToLocal(&chained)) {
    const std::string doing = "attaching handlers to the Promise of " + entry.name;
    l.producers.erase(id);
    v8_failed(isolate, doing);
  }
  // The caller gave up (cancelled, timed out): its AbortSignal fires, the handlers find nothing.
  // The caller gave up (cancelled, timed out): its AbortSignal fires, the handlers find nothing.
  call->on_cancel([id] { queue_on_loop([id](v8::Isolate* i, v8::Local<v8::Context> c) { abort_producer(i, c, id); }); });
  return call;
}

}  // namespace

std::shared_ptr<pending_call> start_async_call(std::string_view function, const message& args,
                                               const call_options& options) {
  entered e;
  v8::Isolate* isolate = e.isolate();
  v8::Local<v8::Context> ctx = e.context();
  const resolved target = resolve(isolate, ctx, function);
  const nlohmann::json& values = args.value();
  message::cursor at(args);
  std::vector<v8::Local<v8::Value>> argv;
  argv.reserve(values.size() + 1);
  for (const auto& v : values) argv.push_back(from_message_value(isolate, v, at));
  v8::Local<v8::Object> controller;
  if (options.cancel_signal) {
    controller = new_abort_controller(isolate, ctx);
    argv.push_back(get(isolate, ctx, controller, "signal"));
  }
  const std::string name = "js function " + std::string(function);
  host_call_scope scope(isolate);
  v8::TryCatch caught(isolate);
  v8::Local<v8::Value> result;
  if (!target.fn->Call(ctx, target.self, static_cast<int>(argv.size()), argv.data()).ToLocal(&result)) {
    throw_from_js(isolate, caught, "calling " + std::string(function));
  }
  return link_result(isolate, ctx, result, controller, name, false);
}

std::shared_ptr<pending_call> start_async_eval(std::string_view code) {
  entered e;
  v8::Isolate* isolate = e.isolate();
  node::CallbackScope scope(engine::get().env, callback_resource(isolate), {0, 0});
  v8::TryCatch caught(isolate);
  v8::ScriptOrigin origin(isolate, v8_string(isolate, "[eval]"));
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  if (!v8::Script::Compile(e.context(), v8_string(isolate, code), &origin).ToLocal(&script) ||
      !script->Run(e.context()).ToLocal(&result)) {
    throw_from_js(isolate, caught, "evaluating code");
  }
  return link_result(isolate, e.context(), result, {}, "evaluated code", true);
}

v8::Local<v8::Promise> promise_for(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::shared_ptr<pending_call> call) {
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(ctx).ToLocal(&resolver)) v8_failed(isolate, "making a Promise");
  if (auto now = call->try_take()) {
    settle_resolver(isolate, ctx, resolver, std::move(*now));
    return resolver->GetPromise();
  }
  auto& l = the_links();
  const std::uint64_t id = l.next_id++;
  l.awaiting[id].Reset(isolate, resolver);
  update_reference(l);
  call->then([id](pending_call::outcome outcome) {
    queue_on_loop([id, outcome = std::move(outcome)](v8::Isolate* i, v8::Local<v8::Context> c) mutable {
      settle_awaiting(i, c, id, std::move(outcome));
    });
  });
  return resolver->GetPromise();
}

void start_async_links(uv_loop_t* loop) {
  auto& l = the_links();
  l.handle = new uv_async_t{};
  uv_async_init(loop, l.handle, run_queued);
  uv_unref(reinterpret_cast<uv_handle_t*>(l.handle));
  l.referenced = false;
  l.wake.store(l.handle);
}

void stop_async_links() {
  auto& l = the_links();
  std::vector<std::shared_ptr<pending_call>> unsettled;
  for (auto& [id, entry] : l.producers) unsettled.push_back(std::move(entry.call));
  l.producers.clear();
  l.awaiting.clear();
  {
    std::lock_guard lock(l.mutex);
    l.queue.clear();
  }
  if (uv_async_t* h = l.wake.exchange(nullptr)) {
    uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* closed) { delete reinterpret_cast<uv_async_t*>(closed); });
  }
  l.handle = nullptr;
  l.referenced = false;
  auto shutdown = std::make_exception_ptr(js_error("Shutdown", "the js runtime shut down before the Promise settled"));
  for (auto& call : unsettled) call->fail(shutdown);
}

}  // namespace promethean::js
