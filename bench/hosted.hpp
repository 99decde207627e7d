// The Python-hosted mode beside the embedded one: the same Python script timed inside a plain
// python3 that imports the promethean package and inside `promethean run`, interleaved, so that
// the ratios between the two modes come from one run of the machine.
#pragma once

#include <string>
#include <vector>

namespace promethean::bench {

struct hosted_measurement {
  std::string what;         ///< "import", "first_js", "py_to_js", "js_to_py", "handoff_py_to_js_1k", …
  std::string description;  ///< what is timed
  std::string unit;         ///< "ms" or "ns"
  double embedded = -1;     ///< median over the repetitions; -1 where it means nothing (import)
  double hosted = -1;
};

/// Runs the script `repetitions` times in each mode (each run a fresh process). `self` is this
/// binary: the CLI and the build tree's package (<build>/python) are looked for from it. Throws
/// when a child fails or prints no figures.
std::vector<hosted_measurement> measure_hosted(const std::string& self, int repetitions);

}  // namespace promethean::bench
