// Startup: the time from starting a fresh process to its first result, for each runtime alone
// and for all of them in one process, beside a bare host and the plain interpreters.
#pragma once

#include <string>
#include <vector>

namespace promethean::bench {

struct startup_measurement {
  std::string what;         ///< "py", "js", "rust", "sh", "all", "host", "python3", "node"
  std::string description;  ///< what the process does before its first line
  double ms = 0;            ///< median over the repetitions
  std::vector<double> samples_ms;
};

/// Starts `repetitions` fresh processes per kind and times each to its first line of output.
/// `self` is this binary (its --startup-child mode). Throws when a child fails.
std::vector<startup_measurement> measure_startup(const std::string& self, int repetitions);

/// The child's side: makes a Host, computes the first result of `what`, prints it as one line.
int startup_child(const std::string& what);

}  // namespace promethean::bench
