// Startup: the time from starting a fresh process to its first result, for each runtime alone and
// for all of them in one process (promethean_startup_probe, linked against libpromethean.so), for
// `promethean run` of a one-line script of each language, beside the plain interpreters.
#pragma once

#include <string>
#include <vector>

namespace promethean::bench {

struct startup_measurement {
  std::string what;         ///< "host", "py", …, "run.py", "python3.py", … (startup.cpp's kinds())
  std::string description;  ///< what the process does before its first line
  double ms = 0;            ///< median over the repetitions
  std::vector<double> samples_ms;
};

/// Starts `repetitions` fresh processes per kind, interleaved, and times each to its first line of
/// output. `self` is this binary: the probe is looked for beside it. Throws when a child fails.
std::vector<startup_measurement> measure_startup(const std::string& self, int repetitions);

}  // namespace promethean::bench
