// The limit of a call into native code: a C function pointer the optimiser cannot see through,
// doing what the bench plugin's adder does.
#include "bench_host.hpp"
#include "registry.hpp"

#include <benchmark/benchmark.h>

namespace promethean::bench {
namespace {

extern "C" long long add_in_c(long long a, long long b) { return a + b; }

void raw_c_function_pointer_call(benchmark::State& st) {
  long long (*volatile fn)(long long, long long) = add_in_c;
  rss_probe probe;
  for (auto _ : st) {
    benchmark::DoNotOptimize(fn(1, 2));
  }
  probe.finish(st);
}

}  // namespace

void register_rust_limits(const plan& p) {
  add(p, {"limit/rust/c_function_pointer", kind::limit, "rust", "", "with_lock", 0,
          "the same addition through a C function pointer"},
      raw_c_function_pointer_call);
}

void register_limits(const plan& p) {
  register_python_limits(p);
  register_js_limits(p);
  register_rust_limits(p);
}

}  // namespace promethean::bench
