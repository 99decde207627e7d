// rust hot path: a host → rust call with a buffer and number arguments, against a raw C function
// pointer call in the same binary.
#include "bench_host.hpp"

#include <promethean/buffer/buffer_json.hpp>

#include <benchmark/benchmark.h>

namespace promethean::bench {
namespace {

void load_imageops() {
  static const bool done = [] {
    the_host().load("rust", PM_IMAGEOPS_PLUGIN);
    return true;
  }();
  (void)done;
}

/// `host.call("rust", "imageops.sample", [buffer, 3, 0.5])`: the plugin reads one byte.
void host_to_rust_call(benchmark::State& st) {
  load_imageops();
  auto b = buffer::allocate(dtype::uint8, {1024});
  b.span<std::uint8_t>()[3] = 8;
  const message args(nlohmann::json::array({buffer_to_json(b), 3, 0.5}), {b}, {});
  for (auto _ : st) {
    message result = the_host().call("rust", "imageops.sample", args);
    if (result.value() != 4.0) {
      fail(st, "imageops.sample gave " + result.dump());
      break;
    }
  }
}
BENCHMARK(host_to_rust_call);

extern "C" double sample_in_c(const std::uint8_t* values, std::size_t index, double scale) {
  return values[index] * scale;
}

/// The limit: the same work through a C function pointer the optimiser cannot see through.
void raw_c_function_pointer_call(benchmark::State& st) {
  auto b = buffer::allocate(dtype::uint8, {1024});
  b.span<std::uint8_t>()[3] = 8;
  double (*volatile fn)(const std::uint8_t*, std::size_t, double) = sample_in_c;
  for (auto _ : st) {
    benchmark::DoNotOptimize(fn(reinterpret_cast<const std::uint8_t*>(b.cdata()), 3, 0.5));
  }
}
BENCHMARK(raw_c_function_pointer_call);

}  // namespace
}  // namespace promethean::bench
