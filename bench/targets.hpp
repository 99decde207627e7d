// The targets of issue 8, each checked against the figures of the same run.
#pragma once

#include "results.hpp"

#include <string>
#include <vector>

namespace promethean::bench {

struct target_result {
  std::string target;    ///< e.g. "host → py ≤ 1.5× the raw vectorcall"
  std::string measured;  ///< the figures it was judged on
  std::string status;    ///< "met", "missed" or "not measured"
};

std::vector<target_result> evaluate_targets(const results& r);

/// The handoff paths, in the order every table and the chart show them.
const std::vector<std::pair<std::string, std::string>>& handoff_paths();

/// "1 KiB", "64 MiB", …
std::string size_label(std::size_t bytes);
/// "812 ns", "1.18 µs", "65.7 ms", "8.1 s"
std::string time_label(double ns);

}  // namespace promethean::bench
