// Every benchmark of a report run, with what it measures (kind, from, to, variant, size), so that
// the report groups results by meaning instead of parsing benchmark names.
#pragma once

#include "plan.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace promethean::bench {

enum class kind { call, limit, peer, handoff, process, websocket };

struct bench_info {
  std::string name;     ///< the Google Benchmark name, unique
  kind what = kind::call;
  std::string from;     ///< "host", "py", "js", "rust"; for limits and peers: the engine
  std::string to;
  std::string variant;  ///< calls: "json" / "buffer" / …; handoffs: "zero_copy" / "copy" / "json"
  std::size_t bytes = 0;  ///< handoffs: bytes per handoff
  std::string description;  ///< one line: what exactly is timed
};

/// The counters a benchmark sets: operations per iteration (a batch run inside another runtime
/// counts each call), and the peak resident memory the timed loop added, in bytes.
inline constexpr const char* k_batch = "batch";
inline constexpr const char* k_peak_rss_added = "peak_rss_added";

/// Registers a benchmark with Google Benchmark and records its info; `heavy` benchmarks (64 MiB
/// or more copied or serialised per operation) run the plan's large_repetitions.
void add(const plan& p, bench_info info, std::function<void(benchmark::State&)> fn, bool heavy = false);

const std::vector<bench_info>& registered();
const bench_info* find_info(const std::string& name);

/// Registers every benchmark of the plan, in the order they run (sizes outermost, so that each
/// runtime makes its source buffer of a size once).
void register_all(const plan& p);

// The parts register_all calls, one per file.
void register_calls(const plan& p);
void register_cold_paths(const plan& p);
void register_serde_calls(const plan& p);
void register_async(const plan& p);
void register_limits(const plan& p);
void register_python_limits(const plan& p);
void register_js_limits(const plan& p);
void register_rust_limits(const plan& p);
void register_peers(const plan& p);
void register_handoffs(const plan& p);
void register_processes(const plan& p);
void register_websocket(const plan& p);

}  // namespace promethean::bench
