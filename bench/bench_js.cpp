// The V8 limits: the bench's JS adder called through v8::Function::Call by a hand-written
// embedding, in the same process as the host → js figures.
#include "bench_host.hpp"
#include "registry.hpp"
#include "sides.hpp"

// The raw baseline needs the isolate and context of the host's one Node environment.
#include "js_engine.hpp"

#include <benchmark/benchmark.h>

#include <optional>

namespace promethean::bench {
namespace {

/// The limits: v8::Function::Call by an embedding that locks and enters the isolate per call (as
/// the host must: any thread may call) and converts numbers in and out. With `InCallbackScope`,
/// the call runs inside the node::CallbackScope Node runs every callback from native code in
/// (async context, then process.nextTick callbacks and microtasks when it returns): the least a
/// Node embedding keeping Node's callback contract that way pays, shown beside the bare call so
/// that a reader sees which part of the gap that contract is.
template <bool InCallbackScope>
void raw_v8_call_with_lock(benchmark::State& st) {
  define_sides();
  auto& g = js::engine::get();
  v8::Global<v8::Function> fn;
  {
    js::entered e;
    fn.Reset(e.isolate(), g.exported.find("benchAdd")->second.Get(e.isolate()));
  }
  rss_probe probe;
  for (auto _ : st) {
    v8::Locker locker(g.isolate);
    v8::Isolate::Scope isolate_scope(g.isolate);
    v8::HandleScope handles(g.isolate);
    v8::Local<v8::Context> ctx = g.context.Get(g.isolate);
    v8::Context::Scope context_scope(ctx);
    v8::Local<v8::Value> r;
    {
      std::optional<node::CallbackScope> scope;
      if constexpr (InCallbackScope) scope.emplace(g.env, js::callback_resource(g.isolate), node::async_context{0, 0});
      v8::Local<v8::Value> argv[] = {v8::Number::New(g.isolate, 1), v8::Number::New(g.isolate, 2)};
      r = fn.Get(g.isolate)->Call(ctx, v8::Undefined(g.isolate), 2, argv).ToLocalChecked();
    }
    benchmark::DoNotOptimize(r->IntegerValue(ctx).FromJust());
  }
  probe.finish(st);
  js::entered e;
  fn.Reset();
}

/// The floor: the call alone, inside one long-held lock and scope.
void raw_v8_call_lock_held(benchmark::State& st) {
  define_sides();
  auto& g = js::engine::get();
  js::entered e;
  v8::Local<v8::Function> fn = g.exported.find("benchAdd")->second.Get(e.isolate());
  rss_probe probe;
  for (auto _ : st) {
    v8::HandleScope handles(g.isolate);
    v8::Local<v8::Value> argv[] = {v8::Number::New(g.isolate, 1), v8::Number::New(g.isolate, 2)};
    v8::Local<v8::Value> r = fn->Call(e.context(), v8::Undefined(g.isolate), 2, argv).ToLocalChecked();
    benchmark::DoNotOptimize(r->IntegerValue(e.context()).FromJust());
  }
  probe.finish(st);
}

}  // namespace

void register_js_limits(const plan& p) {
  add(p, {"limit/js/v8_call_with_lock", kind::limit, "js", "", "with_lock", 0,
          "v8::Function::Call of the same adder, isolate locked and entered per call, numbers converted"},
      raw_v8_call_with_lock<false>);
  add(p, {"limit/js/v8_call_in_callback_scope", kind::limit, "js", "", "callback_scope", 0,
          "the same, inside the node::CallbackScope Node runs callbacks in (ticks and microtasks after)"},
      raw_v8_call_with_lock<true>);
  add(p, {"limit/js/v8_call_lock_held", kind::limit, "js", "", "lock_held", 0,
          "the call alone, inside one long-held lock and scope (the floor)"},
      raw_v8_call_lock_held);
}

}  // namespace promethean::bench
