// promethean_bench: Google Benchmark's main, around one Host that lives for the whole run, so that
// every runtime starts once (as in a real process) and shuts down in the documented order.
//
//   promethean_bench [--benchmark_...]          the benchmarks, Google Benchmark's own output
//   promethean_bench --report [OPTIONS]         what `promethean bench` runs: table, JSON, SVG
#include "bench_host.hpp"
#include "memory.hpp"
#include "registry.hpp"
#include "report_run.hpp"
#include "startup.hpp"

#include <benchmark/benchmark.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace promethean::bench {
namespace {
std::unique_ptr<host> g_host;
bool g_failed = false;
}  // namespace

host& the_host() { return *g_host; }
void start_host() { g_host = std::make_unique<host>(); }
void stop_host() { g_host.reset(); }
bool any_failed() { return g_failed; }

void fail(benchmark::State& st, const std::string& why) {
  g_failed = true;
  st.SkipWithError(why.c_str());
}

rss_probe::rss_probe() : m_base(reset_peak_resident()) {}

void rss_probe::finish(benchmark::State& st) const {
  const std::int64_t peak = peak_resident();
  const double added = (m_base < 0 || peak < 0) ? -1.0 : static_cast<double>(peak > m_base ? peak - m_base : 0);
  st.counters[k_peak_rss_added] = added;
}

void run_batches(benchmark::State& st, const std::string& from, const std::string& fn,
                 const nlohmann::json& args_after_n, int n, bool warm_up) {
  nlohmann::json args = nlohmann::json::array({n});
  for (const auto& a : args_after_n) args.push_back(a);
  const message call_args(args);
  if (warm_up) the_host().call(from, fn, call_args);
  rss_probe probe;
  for (auto _ : st) {
    message r = the_host().call(from, fn, call_args);
    if (r.value() != n) {
      fail(st, from + " " + fn + " returned " + r.dump());
      break;
    }
  }
  probe.finish(st);
  st.counters[k_batch] = n;
}
}  // namespace promethean::bench

int main(int argc, char** argv) {
  using namespace promethean::bench;
  // A peer child that died must fail its benchmark through write()'s EPIPE, not kill the run.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && std::strcmp(argv[1], "--report") == 0) {
    return run_report(std::vector<std::string>(argv + 2, argv + argc));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  try {
    // Plain Google Benchmark: every benchmark of the full plan, timing left to the flags.
    plan p = make_plan(depth::full);
    p.repetitions = 0;
    p.large_repetitions = 0;
    p.min_time = 0;
    register_all(p);
    start_host();
    const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    stop_host();
    if (ran == 0) {
      std::fprintf(stderr, "promethean_bench: no benchmark matched the filter\n");
      return 1;
    }
    if (any_failed()) {
      std::fprintf(stderr, "promethean_bench: a benchmark failed (see its error above)\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "promethean_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
