// The benchmarks' Host: created in main() before any benchmark runs, destroyed after the last.
#pragma once

#include <promethean/host/host.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

namespace promethean::bench {
host& the_host();
void start_host();
void stop_host();
/// Whether any benchmark called fail() in this process.
bool any_failed();

/// Marks the benchmark failed (the run then exits non-zero): a benchmark that measured something
/// other than what it claims must not pass quietly.
void fail(benchmark::State& st, const std::string& why);

/// Peak resident memory added by a timed loop: construct after the set-up, call `finish` after
/// the loop; it sets the peak_rss_added counter (bytes above the resident size at construction,
/// or -1 where the kernel cannot reset the high-water mark).
class rss_probe {
 public:
  rss_probe();
  void finish(benchmark::State& st) const;

 private:
  std::int64_t m_base;
};

/// Runs `fn` in runtime `from` once per benchmark iteration; `fn` runs a batch of `n` operations
/// there (a loop in Python or JS, timed as a whole) and returns n. Sets the batch counter, so the
/// report divides by n: the host → py or host → js call that starts each batch is 1/n of it.
/// With `warm_up`, one untimed batch runs before the resident memory is watched, so that the
/// interpreters' heaps have grown to what the loop's garbage needs (V8's young generation grows
/// by megabytes under any calling loop) and what remains is what the handoff itself adds.
void run_batches(benchmark::State& st, const std::string& from, const std::string& fn,
                 const nlohmann::json& args_after_n, int n, bool warm_up);
}  // namespace promethean::bench
