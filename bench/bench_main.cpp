// promethean_bench: Google Benchmark's main, around one Host that lives for the whole run, so that
// every runtime starts once (as in a real process) and shuts down in the documented order.
#include "bench_host.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

namespace promethean::bench {
namespace {
std::unique_ptr<host> g_host;
bool g_failed = false;
}  // namespace
host& the_host() { return *g_host; }
void handoff_sizes(benchmark::internal::Benchmark* b) {
  for (std::int64_t n : {std::int64_t{1} << 10, std::int64_t{1} << 20, std::int64_t{64} << 20, std::int64_t{1} << 30}) {
    b->Arg(n);
  }
}

void fail(benchmark::State& st, const std::string& why) {
  g_failed = true;
  st.SkipWithError(why.c_str());
}
}  // namespace promethean::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  try {
    promethean::bench::g_host = std::make_unique<promethean::host>();
    const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    promethean::bench::g_host.reset();
    if (ran == 0) {
      std::fprintf(stderr, "promethean_bench: no benchmark matched the filter\n");
      return 1;
    }
    if (promethean::bench::g_failed) {
      std::fprintf(stderr, "promethean_bench: a benchmark failed (see its error above)\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "promethean_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
