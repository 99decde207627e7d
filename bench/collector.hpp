// A Google Benchmark reporter that keeps every repetition of every benchmark (instead of
// printing), so that the report can take medians per operation and show them by meaning.
#pragma once

#include "results.hpp"

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace promethean::bench {

class collector : public benchmark::BenchmarkReporter {
 public:
  /// `progress`: print one line per finished benchmark to stderr (for a terminal).
  explicit collector(bool progress) : m_progress(progress) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;

  /// The medians, in registration order; benchmarks that never reported are absent.
  std::vector<measurement> measurements() const;

 private:
  bool m_progress;
  std::size_t m_done = 0;
  std::map<std::string, measurement> m_by_name;
};

}  // namespace promethean::bench
