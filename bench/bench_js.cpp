// js hot paths: a host → js call against a raw v8::Function::Call, and a TypedArray handed from JS
// to the host and back at sizes from 1 KiB to 1 GiB.
#include "bench_host.hpp"

// The raw baseline needs the isolate and context of the host's one Node environment.
#include "js_engine.hpp"

#include <promethean/buffer/buffer_json.hpp>

#include <benchmark/benchmark.h>

namespace promethean::bench {
namespace {

void define_js_side() {
  static const bool done = [] {
    the_host().eval("js", R"(
promethean.export('benchAdd', (a, b) => a + b);
promethean.export('benchEcho', (x) => x);
)");
    return true;
  }();
  (void)done;
}

/// Host → js: `host.call("js", "benchAdd", [1, 2])`, arguments and result converted, the isolate
/// locked and entered, Node's callback scope (microtasks, nextTick) around the call.
void host_to_js_call(benchmark::State& st) {
  define_js_side();
  const nlohmann::json args = nlohmann::json::array({1, 2});
  for (auto _ : st) {
    message result = the_host().call("js", "benchAdd", args);
    benchmark::DoNotOptimize(result.value().get<std::int64_t>());
  }
}
BENCHMARK(host_to_js_call);

void host_to_js_call_reused_args(benchmark::State& st) {
  define_js_side();
  const message args(nlohmann::json::array({1, 2}));
  for (auto _ : st) {
    message result = the_host().call("js", "benchAdd", args);
    benchmark::DoNotOptimize(result.value().get<std::int64_t>());
  }
}
BENCHMARK(host_to_js_call_reused_args);

/// The limit: the same JS function through v8::Function::Call by a hand-written embedding that
/// locks and enters the isolate per call (as the host must: any thread may call) and converts
/// numbers in and out.
void raw_v8_call_with_lock(benchmark::State& st) {
  define_js_side();
  auto& g = js::engine::get();
  v8::Global<v8::Function> fn;
  {
    js::entered e;
    fn.Reset(e.isolate(), g.exported.find("benchAdd")->second.Get(e.isolate()));
  }
  for (auto _ : st) {
    v8::Locker locker(g.isolate);
    v8::Isolate::Scope isolate_scope(g.isolate);
    v8::HandleScope handles(g.isolate);
    v8::Local<v8::Context> ctx = g.context.Get(g.isolate);
    v8::Context::Scope context_scope(ctx);
    v8::Local<v8::Value> argv[] = {v8::Number::New(g.isolate, 1), v8::Number::New(g.isolate, 2)};
    v8::Local<v8::Value> r = fn.Get(g.isolate)->Call(ctx, v8::Undefined(g.isolate), 2, argv).ToLocalChecked();
    benchmark::DoNotOptimize(r->IntegerValue(ctx).FromJust());
  }
  js::entered e;
  fn.Reset();
}
BENCHMARK(raw_v8_call_with_lock);

/// The floor: the call alone, inside one long-held lock and scope.
void raw_v8_call_lock_held(benchmark::State& st) {
  define_js_side();
  auto& g = js::engine::get();
  js::entered e;
  v8::Local<v8::Function> fn = g.exported.find("benchAdd")->second.Get(e.isolate());
  for (auto _ : st) {
    v8::HandleScope handles(g.isolate);
    v8::Local<v8::Value> argv[] = {v8::Number::New(g.isolate, 1), v8::Number::New(g.isolate, 2)};
    v8::Local<v8::Value> r = fn->Call(e.context(), v8::Undefined(g.isolate), 2, argv).ToLocalChecked();
    benchmark::DoNotOptimize(r->IntegerValue(e.context()).FromJust());
  }
}
BENCHMARK(raw_v8_call_lock_held);

/// A Uint8Array made in JS crosses to the host (its backing store adopted, no copy) and goes
/// back to JS and returns: one call, two crossings, per iteration.
void js_buffer_handoff(benchmark::State& st) {
  define_js_side();
  const auto bytes = static_cast<std::size_t>(st.range(0));
  auto made = the_host().eval("js", "new Uint8Array(" + std::to_string(bytes) + ").fill(1)").data.as_buffer();
  if (!made) {
    fail(st, "the Uint8Array did not cross as a buffer");
    return;
  }
  const buffer original = *made;
  const message call_args(nlohmann::json::array({buffer_to_json(original)}), {original}, {});
  for (auto _ : st) {
    message back = the_host().call("js", "benchEcho", call_args);
    if (back.buffers().empty() || back.buffers()[0].cdata() != original.cdata()) {
      fail(st, "the buffer came back over different memory");
      break;
    }
    benchmark::DoNotOptimize(back.buffers()[0].cdata());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(bytes));
}
BENCHMARK(js_buffer_handoff)->Apply(handoff_sizes);

}  // namespace
}  // namespace promethean::bench
