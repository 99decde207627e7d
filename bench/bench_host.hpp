// The benchmarks' Host: created in main() before any benchmark runs, destroyed after the last.
#pragma once

#include <promethean/host/host.hpp>

#include <benchmark/benchmark.h>

#include <string>

namespace promethean::bench {
host& the_host();

/// Marks the benchmark failed (the run then exits non-zero): a benchmark that measured something
/// other than what it claims must not pass quietly.
void fail(benchmark::State& st, const std::string& why);

/// The buffer sizes every handoff benchmark runs at: 1 KiB, 1 MiB, 64 MiB, 1 GiB.
void handoff_sizes(benchmark::internal::Benchmark* b);
}  // namespace promethean::bench
