// What one report run measured: every benchmark's median per operation, the startup times and
// the machine, in the form the table, the JSON and the chart are made from.
#pragma once

#include "registry.hpp"
#include "hosted.hpp"
#include "startup.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace promethean::bench {

struct measurement {
  bench_info info;
  double ns = 0;                    ///< median over repetitions of ns per operation
  std::vector<double> samples_ns;   ///< one per repetition
  double peak_rss_added = -1;       ///< bytes, the largest over repetitions; -1 unknown
  std::string error;                ///< non-empty when the benchmark failed

  /// Effective bandwidth of a handoff: bytes handed over per second, in GB/s (1e9 bytes).
  double gb_per_s() const { return ns > 0 ? static_cast<double>(info.bytes) / ns : 0; }
};

struct machine_info {
  std::string date;       ///< UTC, ISO 8601
  std::string cpu;        ///< lscpu's model name
  unsigned cpus = 0;
  std::string kernel;     ///< uname -sr
  std::string compiler;
  std::string build;      ///< "optimised" or "debug (assertions on)"
  std::string python, node, rust_abi;  ///< runtime versions from the dispatch map
};

struct results {
  std::string depth;
  machine_info machine;
  std::vector<measurement> benchmarks;
  std::vector<startup_measurement> startup;
  std::vector<hosted_measurement> hosted;  ///< the Python-hosted mode beside the embedded one
  std::vector<hosted_measurement> node_hosted;  ///< the Node-hosted mode beside the embedded one
  double seconds = 0;  ///< wall time of the whole run

  const measurement* find(const std::string& name) const;
  const measurement* handoff(const std::string& from, const std::string& to, const std::string& method,
                             std::size_t bytes) const;
};

/// The machine this process runs on, with the versions the host reports.
machine_info describe_machine(const nlohmann::json& dispatch_map);

}  // namespace promethean::bench
